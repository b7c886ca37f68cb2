"""List kinds, the table of workload kinds, and decoding JSON into the shapes."""

from __future__ import annotations

import builtins
import gc
from typing import Any

import msgspec
from msgspec import Struct, field

from k8s_agent.kube.models.base import _K, ListMeta, T
from k8s_agent.kube.models.cluster import (
    CSIDriver,
    CSINode,
    CSIStorageCapacity,
    Event,
    Namespace,
    Node,
    NodeMetrics,
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    VolumeAttachment,
)
from k8s_agent.kube.models.pod import Pod
from k8s_agent.kube.models.resource import DeviceClassList, ResourceClaimList, ResourceSliceList
from k8s_agent.kube.models.workloads import (
    ControllerRevision,
    CronJob,
    DaemonSet,
    Deployment,
    Job,
    ReplicaSet,
    ResourceQuota,
    StatefulSet,
)
from k8s_agent.tuning import GC_PAUSE_ABOVE


# --------------------------------------------------------------------------------------------- lists
class PodList(_K):
    items: list[Pod] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class PersistentVolumeList(_K):
    items: list[PersistentVolume] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class PersistentVolumeClaimList(_K):
    items: list[PersistentVolumeClaim] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class CSIStorageCapacityList(_K):
    items: list[CSIStorageCapacity] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class CSINodeList(_K):
    items: list[CSINode] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class VolumeAttachmentList(_K):
    items: list[VolumeAttachment] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class NodeList(_K):
    items: list[Node] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class EventList(_K):
    items: list[Event] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class ReplicaSetList(_K):
    items: list[ReplicaSet] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class DeploymentList(_K):
    items: list[Deployment] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class StatefulSetList(_K):
    items: list[StatefulSet] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class DaemonSetList(_K):
    items: list[DaemonSet] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class JobList(_K):
    items: list[Job] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class CronJobList(_K):
    items: list[CronJob] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class ControllerRevisionList(_K):
    items: list[ControllerRevision] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class ResourceQuotaList(_K):
    items: list[ResourceQuota] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class NodeMetricsList(_K):
    items: list[NodeMetrics] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class Status(_K):
    """metav1.Status, the body of an API error."""

    kind: str = ""
    status: str = ""
    message: str = ""
    reason: str = ""
    code: int = 0


class WorkloadKind(Struct, frozen=True, gc=False):
    """Where a controller kind is served and how it decodes."""

    kind: str
    group: str
    plural: str
    type: builtins.type[Any]
    list_type: builtins.type[Any]

    @property
    def api_path(self) -> str:
        return f"/apis/{self.group}/v1"


#: the controller kinds the workload diagnosis reads, by kind
WORKLOAD_KINDS: dict[str, WorkloadKind] = {
    k.kind: k
    for k in (
        WorkloadKind("Deployment", "apps", "deployments", Deployment, DeploymentList),
        WorkloadKind("StatefulSet", "apps", "statefulsets", StatefulSet, StatefulSetList),
        WorkloadKind("DaemonSet", "apps", "daemonsets", DaemonSet, DaemonSetList),
        WorkloadKind("Job", "batch", "jobs", Job, JobList),
        WorkloadKind("CronJob", "batch", "cronjobs", CronJob, CronJobList),
    )
}

Workload = Deployment | StatefulSet | DaemonSet | Job | CronJob


# One reusable decoder per type (building a Decoder is the expensive part).
DECODERS: dict[type, msgspec.json.Decoder] = {
    t: msgspec.json.Decoder(t)
    for t in (
        Pod,
        PodList,
        Node,
        NodeList,
        EventList,
        ReplicaSetList,
        Namespace,
        PersistentVolumeClaim,
        PersistentVolume,
        PersistentVolumeList,
        PersistentVolumeClaimList,
        CSINodeList,
        CSIDriver,
        CSIStorageCapacityList,
        VolumeAttachmentList,
        StorageClass,
        NodeMetrics,
        NodeMetricsList,
        Status,
        Deployment,
        StatefulSet,
        DaemonSet,
        Job,
        CronJob,
        DeploymentList,
        StatefulSetList,
        DaemonSetList,
        JobList,
        CronJobList,
        ControllerRevisionList,
        ResourceQuotaList,
        ResourceClaimList,
        ResourceSliceList,
        DeviceClassList,
    )
}


def decode(raw: bytes, t: type[T]) -> T:
    """Decode JSON bytes into ``t`` with the cached decoder for that type."""
    dec = DECODERS.get(t)
    if dec is None:
        dec = DECODERS[t] = msgspec.json.Decoder(t)
    if len(raw) < GC_PAUSE_ABOVE or not gc.isenabled():
        return dec.decode(raw)
    gc.disable()
    try:
        return dec.decode(raw)
    finally:
        gc.enable()


_ENCODER = msgspec.json.Encoder()


def convert(obj: Any, t: type[T]) -> T:
    """Build ``t`` from already-parsed builtins (snapshot files that were YAML), through JSON bytes so
    that pass-through parts (``msgspec.Raw``) are kept exactly."""
    return decode(_ENCODER.encode(obj), t)
