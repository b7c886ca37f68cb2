"""Nodes, events, namespaces, storage (PVCs, PVs) and node metrics."""

from __future__ import annotations

from datetime import datetime

from msgspec import field

from k8s_agent.kube.models.base import _K, Condition, ObjectMeta
from k8s_agent.kube.models.pod import (
    DiskVolumeSource,
    LabelSelector,
    NodeSelector,
    ResourceRequirements,
    Taint,
)


# --------------------------------------------------------------------------------------------- node
class NodeCondition(Condition):
    last_heartbeat_time: datetime | None = None


class NodeAddress(_K):
    type: str = ""
    address: str = ""


class NodeSystemInfo(_K):
    kubelet_version: str = ""
    os_image: str = ""
    kernel_version: str = ""
    container_runtime_version: str = ""
    architecture: str = ""
    operating_system: str = ""


class NodeSpec(_K):
    unschedulable: bool = False
    taints: list[Taint] = []
    pod_cidr: str = field(default="", name="podCIDR")
    provider_id: str = field(default="", name="providerID")


class NodeStatus(_K):
    capacity: dict[str, str] = {}
    allocatable: dict[str, str] = {}
    conditions: list[NodeCondition] = []
    addresses: list[NodeAddress] = []
    node_info: NodeSystemInfo = field(default_factory=NodeSystemInfo)


class Node(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: NodeSpec = field(default_factory=NodeSpec)
    status: NodeStatus = field(default_factory=NodeStatus)


# --------------------------------------------------------------------------------------------- events
class ObjectReference(_K):
    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    api_version: str = ""
    field_path: str = ""


class EventSource(_K):
    component: str = ""
    host: str = ""


class EventSeries(_K):
    count: int = 0
    last_observed_time: datetime | None = None


class Event(_K):
    """A core/v1 Event, in either shape.

    Classic (kubelet, controllers): ``count``, ``firstTimestamp``, ``lastTimestamp``, ``source``.
    events.k8s.io-style (the scheduler since 1.19): ``eventTime``, ``series``, ``reportingComponent``, with
    null first/last timestamps and no count. ``analysis.eventtime`` reads both.
    """

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    involved_object: ObjectReference = field(default_factory=ObjectReference)
    reason: str = ""
    message: str = ""
    type: str = ""
    count: int | None = None
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None
    event_time: datetime | None = None
    series: EventSeries | None = None
    source: EventSource = field(default_factory=EventSource)
    reporting_component: str = ""
    reporting_instance: str = ""
    action: str = ""


class Namespace(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)


# --------------------------------------------------------------------------------------------- storage
class PVCSpec(_K):
    volume_name: str = ""
    storage_class_name: str | None = None
    access_modes: list[str] = []
    resources: ResourceRequirements = field(default_factory=ResourceRequirements)
    selector: LabelSelector | None = None
    volume_mode: str = ""  # Filesystem when empty
    volume_attributes_class_name: str = ""


class PVCStatus(_K):
    phase: str = ""
    access_modes: list[str] = []
    capacity: dict[str, str] = {}


class PersistentVolumeClaim(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PVCSpec = field(default_factory=PVCSpec)
    status: PVCStatus = field(default_factory=PVCStatus)


class VolumeNodeAffinity(_K):
    required: NodeSelector | None = None


class CSIPersistentVolumeSource(_K):
    driver: str = ""
    volume_handle: str = ""


class PVSpec(_K):
    node_affinity: VolumeNodeAffinity | None = None
    access_modes: list[str] = []
    capacity: dict[str, str] = {}
    storage_class_name: str = ""
    claim_ref: ObjectReference | None = None
    volume_mode: str = ""  # Filesystem when empty
    volume_attributes_class_name: str = ""
    csi: CSIPersistentVolumeSource | None = None
    # in-tree disks (migrated to CSI drivers, counted under them by the attach limits)
    aws_elastic_block_store: DiskVolumeSource | None = None
    gce_persistent_disk: DiskVolumeSource | None = None
    azure_disk: DiskVolumeSource | None = None
    cinder: DiskVolumeSource | None = None
    portworx_volume: DiskVolumeSource | None = None


class PVStatus(_K):
    phase: str = ""


class PersistentVolume(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PVSpec = field(default_factory=PVSpec)
    status: PVStatus = field(default_factory=PVStatus)


class TopologySelectorRequirement(_K):
    key: str = ""
    values: list[str] = []


class TopologySelectorTerm(_K):
    match_label_expressions: list[TopologySelectorRequirement] = []


class StorageClass(_K):
    """storage.k8s.io/v1 StorageClass (its fields sit at the top level, there is no spec)."""

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    provisioner: str = ""
    volume_binding_mode: str = ""  # Immediate (the API's default) | WaitForFirstConsumer
    allowed_topologies: list[TopologySelectorTerm] = []


class CSIDriverSpec(_K):
    storage_capacity: bool | None = None


class CSIDriver(_K):
    """storage.k8s.io/v1 CSIDriver: whether the scheduler must check the capacity the driver publishes."""

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: CSIDriverSpec = field(default_factory=CSIDriverSpec)


class CSIStorageCapacity(_K):
    """storage.k8s.io/v1 CSIStorageCapacity: what a driver can provision for a class in a topology segment
    (its fields sit at the top level)."""

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    storage_class_name: str = ""
    node_topology: LabelSelector | None = None
    capacity: str | None = None
    maximum_volume_size: str | None = None


class VolumeNodeResources(_K):
    count: int | None = None


class CSINodeDriver(_K):
    name: str = ""
    node_id: str = field(default="", name="nodeID")
    allocatable: VolumeNodeResources | None = None


class CSINodeSpec(_K):
    drivers: list[CSINodeDriver] = []


class CSINode(_K):
    """storage.k8s.io/v1 CSINode: the CSI drivers of a node and how many volumes each may attach there."""

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: CSINodeSpec = field(default_factory=CSINodeSpec)


class VolumeAttachmentSource(_K):
    persistent_volume_name: str | None = None


class VolumeAttachmentSpec(_K):
    attacher: str = ""
    node_name: str = ""
    source: VolumeAttachmentSource = field(default_factory=VolumeAttachmentSource)


class VolumeAttachment(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: VolumeAttachmentSpec = field(default_factory=VolumeAttachmentSpec)


# --------------------------------------------------------------------------------------------- metrics
class NodeMetrics(_K):
    """metrics.k8s.io/v1beta1 NodeMetrics."""

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    timestamp: datetime | None = None
    window: str = ""
    usage: dict[str, str] = {}
