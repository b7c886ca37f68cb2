"""Pod scheduling and its explanation: which reads to make, made together, then the pure analysis.

Reads, all started at once:
* the pod (GET): its NotFound propagates (the HTTP layer answers 404);
* the pod's events (LIST by kind/name; other UIDs, i.e. an earlier pod of the same name, dropped after);
* every node (LIST);
* every pod of the cluster (LIST, all namespaces); with a cluster index (``kube.index``) the nodes and the
  per-node view of the pods (by node, and by namespace then node for topology spread) come from it instead (no LIST; until its first sync the answer comes without the
  node evaluation, and ``warnings`` says so). It is started *speculatively*, before we know whether
  the pod is pending: the pending case (the one this endpoint exists for) needs it for free resources,
  host ports and pod affinity, and so does the scheduled case (the node's current load in the reasons)
  and explain (every node, always). Waiting for the pod first would add a full round trip to a 500 ms
  budget to save one read that the ClusterSource's read cache usually serves anyway (every dashboard
  endpoint lists the same pods); only a pod that finished without ever getting a node wastes it.
Then, once the pod is known, its PVCs (GET each, concurrently) and each bound claim's PV (GET, chained to
its PVC so different claims don't wait for each other); for unbound claims of a named class, those
StorageClasses (GET each), and when one of them is WaitForFirstConsumer every PV (LIST: the static volumes
the claim could bind, per node) and, with it, the CSIDrivers of those classes' provisioners (GET each) and,
when one tracks storage capacity, every CSIStorageCapacity (LIST); for a pod with claims or in-tree disks, the CSINodes (LIST), and when a node gives a CSI
driver an attach limit, every PVC, every PV and the VolumeAttachments (LIST each: what the nodes have
attached). For a pod with DRA claims (``spec.resourceClaims``), at the same time as the volume reads: every
ResourceClaim, ResourceSlice and DeviceClass (LIST each, resource.k8s.io/v1).

Events, nodes, pods, PVCs, PVs, StorageClasses, CSINodes, VolumeAttachments, CSIDrivers, CSIStorageCapacities and the
resource.k8s.io objects are optional: when one cannot be read (API trouble, or RBAC refusing
PVs) the answer is still given, with a ``warnings`` entry, and the analysis skips what it can't judge
instead of calling a claim missing. A PVC or PV that does not exist is not a warning but a finding.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from k8s_agent.analysis.kube import events_about
from k8s_agent.analysis.resources import invalid_in
from k8s_agent.analysis.scheduling.analyze import explanation_answer, scheduling_answer
from k8s_agent.analysis.scheduling.context import SchedulingInputs, scheduling_status
from k8s_agent.analysis.scheduling.evaluate import StorageObjects
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects
from k8s_agent.analysis.scheduling.filters.node_volume_limits import inline_disk
from k8s_agent.analysis.scheduling.filters.volume_binding import NO_PROVISIONER
from k8s_agent.analysis.scheduling.filters.volumes import claim_class, pod_claims
from k8s_agent.analysis.scheduling.index import ClusterIndex
from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.kube.index import ClusterIndex as WatchIndex
from k8s_agent.kube.models import (
    CSIStorageCapacity,
    Event,
    Node,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    StorageClass,
    VolumeAttachment,
)
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.scheduling import PodScheduling, SchedulingExplanation
from k8s_agent.services._concurrency import gather, optional, pod_events

T = TypeVar("T")


class _Inputs:
    __slots__ = (
        "pod",
        "events",
        "nodes",
        "pods",
        "pvcs",
        "pvs",
        "unreadable_pvcs",
        "unreadable_pvs",
        "classes",
        "unreadable_classes",
        "all_pvs",
        "csi_limits",
        "all_pvcs",
        "attachments",
        "devices",
        "csi_drivers",
        "capacities",
        "warnings",
    )

    def __init__(self) -> None:
        self.pod: Pod
        self.events: list[Event] = []
        self.nodes: list[Node] | None = None
        self.pods: list[Pod] | ClusterIndex | None = None
        self.pvcs: dict[str, PersistentVolumeClaim] = {}
        self.pvs: dict[str, PersistentVolume] = {}
        self.unreadable_pvcs: set[str] = set()
        self.unreadable_pvs: set[str] = set()
        self.classes: dict[str, StorageClass] | None = None
        self.unreadable_classes: set[str] = set()
        self.all_pvs: list[PersistentVolume] | None = None
        self.csi_limits: dict[str, dict[str, int]] | None = None
        self.all_pvcs: dict[tuple[str, str], PersistentVolumeClaim] | None = None
        self.attachments: list[VolumeAttachment] = []
        self.devices: DeviceObjects | None = None
        self.csi_drivers: dict[str, bool] | None = None
        self.capacities: list[CSIStorageCapacity] | None = None
        self.warnings: list[str] = []

    def inputs(self, now: datetime) -> SchedulingInputs:
        storage = None
        if self.classes is not None or self.csi_limits is not None or self.devices is not None:
            storage = StorageObjects(
                self.classes,
                frozenset(self.unreadable_classes),
                self.all_pvs,
                self.csi_limits,
                self.all_pvcs,
                self.attachments,
                self.devices,
                self.csi_drivers,
                self.capacities,
            )
        return SchedulingInputs(
            self.pod,
            self.events,
            self.nodes,
            self.pods,
            self.pvcs,
            self.pvs,
            now,
            unreadable_pvcs=self.unreadable_pvcs,
            unreadable_pvs=self.unreadable_pvs,
            warnings=self.warnings,
            storage=storage,
        )


def _unavailable(what: str, exc: ServiceUnavailable) -> str:
    return f"{what} could not be read: {exc.message}" + (f" ({exc.details})" if exc.details else "")


async def _read_claim(source: ClusterSource, namespace: str, claim: str, inp: _Inputs) -> None:
    try:
        pvc = await source.get_pvc(namespace, claim)
    except NotFound:
        return  # a finding, reported by the analysis ("persistentvolumeclaim ... not found")
    except ServiceUnavailable as exc:
        inp.unreadable_pvcs.add(claim)
        inp.warnings.append(_unavailable(f"PVC {claim}", exc))
        return
    inp.pvcs[claim] = pvc
    pv_name = pvc.spec.volume_name
    if not pv_name:
        return
    try:
        inp.pvs[pv_name] = await source.get_pv(pv_name)
    except NotFound:
        return  # a finding: bound to a non-existent PV
    except ServiceUnavailable as exc:
        inp.unreadable_pvs.add(pv_name)
        inp.warnings.append(_unavailable(f"PV {pv_name}", exc))


async def _read_class(source: ClusterSource, name: str, inp: _Inputs) -> None:
    assert inp.classes is not None
    try:
        inp.classes[name] = await source.get_storage_class(name)
    except NotFound:
        return  # a finding: a claim of a class that does not exist binds immediately
    except ServiceUnavailable as exc:
        inp.unreadable_classes.add(name)
        inp.warnings.append(_unavailable(f"StorageClass {name}", exc))


async def _read_storage(source: ClusterSource, inp: _Inputs) -> None:
    """The StorageClasses of the unbound claims, then (only when one of them waits for the first consumer)
    every PV: the static volumes such a claim could bind on each node."""
    names = sorted({c for pvc in inp.pvcs.values() if not pvc.spec.volume_name and (c := claim_class(pvc))})
    if not names:
        return
    inp.classes = {}
    await gather(*(_read_class(source, n, inp) for n in names))
    waiting = [sc for sc in inp.classes.values() if sc.volume_binding_mode == "WaitForFirstConsumer"]
    if waiting:
        provisioners = sorted(
            {sc.provisioner for sc in waiting if sc.provisioner not in ("", NO_PROVISIONER)}
        )
        await gather(
            _read_pvs(source, inp),
            _read_capacity(source, provisioners, inp) if provisioners else _given(None),
        )


async def _read_pvs(source: ClusterSource, inp: _Inputs) -> None:
    inp.all_pvs = await optional(source.list_pvs(), None, inp.warnings, "PersistentVolumes")


async def _csidriver(source: ClusterSource, name: str, inp: _Inputs) -> bool | None:
    try:
        return bool((await source.get_csidriver(name)).spec.storage_capacity)
    except NotFound:
        return False  # no CSIDriver object: the scheduler checks no capacity for it
    except ServiceUnavailable as exc:
        inp.warnings.append(_unavailable(f"CSIDriver {name}", exc))
        return None


async def _read_capacity(source: ClusterSource, provisioners: list[str], inp: _Inputs) -> None:
    """Storage capacity tracking: the CSIDrivers of the provisioners, then (when one of them asks the
    scheduler to check capacity) every CSIStorageCapacity."""
    tracked = await gather(*(_csidriver(source, p, inp) for p in provisioners))
    if any(t is None for t in tracked):
        return  # not judged at all (warnings say why)
    inp.csi_drivers = dict(zip(provisioners, tracked, strict=True))
    if any(tracked):
        inp.capacities = await optional(
            source.list_csistoragecapacities(), None, inp.warnings, "CSIStorageCapacities"
        )


async def _read_attach_limits(source: ClusterSource, inp: _Inputs) -> None:
    """CSINodes; when some node gives a driver an attach limit, what the nodes have attached: every PVC,
    every PV and the VolumeAttachments (NodeVolumeLimits)."""
    w = inp.warnings
    csinodes = await optional(source.list_csinodes(), None, w, "CSINodes")
    if csinodes is None:
        return
    limits = {
        c.metadata.name: {
            d.name: d.allocatable.count
            for d in c.spec.drivers
            if d.allocatable is not None and d.allocatable.count is not None
        }
        for c in csinodes
    }
    inp.csi_limits = limits
    if not any(limits.values()):
        return
    pvcs, pvs, attachments = await gather(
        optional(source.list_pvcs(), None, w, "PersistentVolumeClaims"),
        optional(source.list_pvs(), None, w, "PersistentVolumes")
        if inp.all_pvs is None
        else _given(inp.all_pvs),
        optional(source.list_volumeattachments(), [], w, "VolumeAttachments"),
    )
    inp.all_pvcs = {(c.metadata.namespace, c.metadata.name): c for c in pvcs} if pvcs is not None else None
    inp.all_pvs, inp.attachments = pvs, attachments


async def _read_devices(source: ClusterSource, inp: _Inputs) -> None:
    """For a pod with DRA claims: every ResourceClaim (the pod's own and the devices others hold), every
    ResourceSlice and every DeviceClass (DynamicResources)."""
    w = inp.warnings
    claims, slices, classes = await gather(
        optional(source.list_resourceclaims(), None, w, "ResourceClaims"),
        optional(source.list_resourceslices(), None, w, "ResourceSlices"),
        optional(source.list_deviceclasses(), None, w, "DeviceClasses"),
    )
    inp.devices = DeviceObjects(claims, slices, classes)


async def _given(value: T) -> T:
    return value


async def _read_volumes(source: ClusterSource, namespace: str, pod: Pod, inp: _Inputs) -> None:
    claims = sorted({c for c, _ in pod_claims(pod)})
    if claims:
        await gather(*(_read_claim(source, namespace, c, inp) for c in claims))
        await _read_storage(source, inp)
    disks = any(inline_disk(v) is not None for v in pod.spec.volumes)
    if (claims or disks) and scheduling_status(
        pod
    ) != "Scheduled":  # only a pod still to place can exceed a limit
        await _read_attach_limits(source, inp)


async def _read_dra(source: ClusterSource, pod: Pod, inp: _Inputs) -> None:
    if pod.spec.resource_claims:
        await _read_devices(source, inp)


async def _from_index(index: WatchIndex) -> tuple[list[Node], ClusterIndex]:
    """The nodes and the per-node view of the pods, from the watch-fed index (IndexSyncing, a
    ServiceUnavailable, until its first sync: the answer then comes without the node evaluation)."""
    await index.require()
    return index.node_list(), index.scheduling


async def _read(source: ClusterSource, namespace: str, name: str) -> _Inputs:
    inp = _Inputs()
    w = inp.warnings
    index = getattr(source, "index", None)
    if index is not None:
        pod, events, cluster = await gather(
            source.get_pod(namespace, name),
            pod_events(source, namespace, name, w),
            optional(_from_index(index), (None, None), w, "nodes and pods of the cluster"),
        )
        nodes, pods = cluster
    else:
        pod, events, nodes, pods = await gather(
            source.get_pod(namespace, name),
            pod_events(source, namespace, name, w),
            optional(source.list_nodes(), None, w, "nodes"),
            optional(source.list_pods(None), None, w, "pods of the cluster"),
        )
    inp.pod = pod
    w.extend(invalid_in([pod], nodes or ()))
    inp.events = events_about(pod.metadata.uid, events)
    inp.nodes, inp.pods = nodes, pods
    if scheduling_status(pod) not in (
        "Failed",
        "Succeeded",
    ):  # a pod that finished without a node: no volumes
        await gather(_read_volumes(source, namespace, pod, inp), _read_dra(source, pod, inp))
    inp.warnings.sort()
    return inp


async def pod_scheduling(source: ClusterSource, namespace: str, name: str, *, now: datetime) -> PodScheduling:
    """``GET /pods/{namespace}/{name}/scheduling``."""
    return scheduling_answer((await _read(source, namespace, name)).inputs(now))


async def pod_scheduling_explain(
    source: ClusterSource, namespace: str, name: str, *, now: datetime
) -> SchedulingExplanation:
    """``GET /pods/{namespace}/{name}/scheduling/explain``."""
    return explanation_answer((await _read(source, namespace, name)).inputs(now))
