"""Which nodes could run a pod now, and why not: every filter of the registry run on every node.

Unlike the scheduler, every filter runs on every node, so a verdict lists all of a node's problems; the
first failing plugin (``NodeVerdict.first_scheduler_failure``) is what the scheduler would report. Pod-level
problems (a missing PVC, a ReadWriteOncePod claim in use) are returned once, as blockers, not copied onto
every node. Pure: objects in, verdicts out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from k8s_agent.analysis.scheduling.filters import FILTERS
from k8s_agent.analysis.scheduling.filters.base import Blocker, Filter, NodeVerdict, PodContext
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects
from k8s_agent.analysis.scheduling.filters.inter_pod_affinity import InterPodAffinity
from k8s_agent.analysis.scheduling.filters.node_resources_fit import NodeResourcesFit
from k8s_agent.analysis.scheduling.filters.volumes import VolumeConstraint, claims_of
from k8s_agent.analysis.scheduling.index import ClusterIndex
from k8s_agent.kube.models import (
    CSIStorageCapacity,
    Node,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    StorageClass,
    VolumeAttachment,
)


@dataclass(frozen=True, slots=True)
class StorageObjects:
    """What was read for the pod's unbound claims: their StorageClasses by name (``classes``: a name absent
    and not in ``unreadable_classes`` does not exist; None when not read at all) and every PV (``pvs``, the
    static volumes a WaitForFirstConsumer claim could bind; None when they could not be read)."""

    classes: Mapping[str, StorageClass] | None = None
    unreadable_classes: frozenset[str] = frozenset()
    pvs: Sequence[PersistentVolume] | None = None
    #: CSI attach limits per node and driver (from CSINodes; None when not read), every PVC by
    #: (namespace, name) and the VolumeAttachments: what NodeVolumeLimits counts
    csi_limits: Mapping[str, Mapping[str, int]] | None = None
    all_pvcs: Mapping[tuple[str, str], PersistentVolumeClaim] | None = None
    attachments: Sequence[VolumeAttachment] = ()
    #: for a pod with DRA claims: every ResourceClaim, ResourceSlice and DeviceClass (DynamicResources)
    devices: DeviceObjects | None = None
    #: storage capacity tracking (VolumeBinding): provisioner -> its CSIDriver's ``storageCapacity`` (absent:
    #: no CSIDriver) and every CSIStorageCapacity (each None when not read)
    csi_drivers: Mapping[str, bool] | None = None
    capacities: Sequence[CSIStorageCapacity] | None = None


@dataclass(frozen=True, slots=True)
class FitReport:
    """Verdicts for the evaluated nodes (in name order) and the pod-level findings."""

    verdicts: tuple[NodeVerdict, ...]
    request: Mapping[str, int]
    blockers: tuple[Blocker, ...] = ()
    notes: tuple[str, ...] = ()
    pods_known: bool = True
    volume_constraints: tuple[VolumeConstraint, ...] = ()
    anti_affinity_terms: tuple[str, ...] = ()  # the pod's required anti-affinity, described
    #: the reason a PreFilter wrote each node off with before the filters (see ``simulate``)
    prefiltered: Mapping[str, str] = field(default_factory=dict)

    @property
    def fitting(self) -> list[str]:
        return [v.node_name for v in self.verdicts if v.fits]


class PodFit:
    """The registry's filters prepared for one pod (each computes what it needs once), then ``evaluate``
    per node."""

    def __init__(self, ctx: PodContext) -> None:
        self.ctx = ctx
        self.filters: list[Filter] = [f(ctx) for f in FILTERS]
        self._plan = [(f.plugin, f.constant(), f) for f in self.filters]

    def evaluate(self, node: Node) -> NodeVerdict:
        return NodeVerdict(
            node.metadata.name,
            tuple(
                [(name, fixed if fixed is not None else f.evaluate(node)) for name, fixed, f in self._plan]
            ),
        )

    def prefilter_reason(self, node: Node) -> str:
        for f in self.filters:
            why = f.prefilter_reason(node)
            if why:
                return why
        return ""

    def of(self, kind: type[Filter]) -> Filter | None:
        return next((f for f in self.filters if isinstance(f, kind)), None)


def evaluate_nodes(
    pod: Pod,
    nodes: Iterable[Node],
    pods: Iterable[Pod] | ClusterIndex | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None = None,
    pvs: Mapping[str, PersistentVolume] | None = None,
    *,
    unreadable_pvcs: Collection[str] = (),
    unreadable_pvs: Collection[str] = (),
    only: Collection[str] | None = None,
    ignore_node_name: bool = False,
    storage: StorageObjects | None = None,
) -> FitReport:
    """Evaluate every node for ``pod`` (or only the nodes named in ``only``: the others still count as
    topology domains for pod affinity). ``pods`` is every pod of the cluster (None when it could not be
    read: the resource, host-port, pod-affinity and topology-spread checks are then skipped and a note says
    so). ``ignore_node_name`` judges a bound pod as if it were not bound (its ``spec.nodeName`` rejects no
    node). ``storage``: the StorageClasses and PVs read for the pod's unbound
    claims (None: not read, so such a claim is only noted).
    ``pvcs`` is keyed by claim name (the pod's namespace) and ``pvs`` by volume name; a claim or volume
    named in ``unreadable_*`` could not be read and is skipped rather than reported missing."""
    node_list = sorted(nodes, key=lambda n: n.metadata.name)
    index: ClusterIndex | None
    if isinstance(pods, ClusterIndex):  # the watch-fed index, kept current (its nodes are ``nodes``)
        index = pods.without(pod)
    else:
        index = ClusterIndex(node_list, pods, exclude=pod) if pods is not None else None
    ctx = PodContext(
        pod,
        index,
        pvcs or {},
        pvs or {},
        frozenset(unreadable_pvcs),
        frozenset(unreadable_pvs),
        ignore_node_name=ignore_node_name,
        storage_classes=storage.classes if storage is not None else None,
        unreadable_classes=storage.unreadable_classes if storage is not None else frozenset(),
        all_pvs=storage.pvs if storage is not None else None,
        csi_limits=storage.csi_limits if storage is not None else None,
        all_pvcs=storage.all_pvcs if storage is not None else None,
        attachments=storage.attachments if storage is not None else (),
        devices=storage.devices if storage is not None else None,
        csi_drivers=storage.csi_drivers if storage is not None else None,
        capacities=storage.capacities if storage is not None else None,
    )
    fit = PodFit(ctx)
    chosen = [n for n in node_list if only is None or n.metadata.name in only]
    verdicts = tuple(fit.evaluate(n) for n in chosen)
    prefiltered = {n.metadata.name: why for n in chosen if (why := fit.prefilter_reason(n))}
    notes = list(ctx.notes)
    if index is None:
        notes.append(
            "the cluster's pods could not be read: resource, host-port and pod-affinity checks were skipped"
        )
    resources = fit.of(NodeResourcesFit)
    affinity = fit.of(InterPodAffinity)
    return FitReport(
        verdicts=verdicts,
        request=resources.request if isinstance(resources, NodeResourcesFit) else {},
        blockers=tuple(ctx.blockers),
        notes=tuple(notes),
        pods_known=index is not None,
        volume_constraints=claims_of(ctx).constraints,
        anti_affinity_terms=tuple(t.text for t in affinity.anti_terms)
        if isinstance(affinity, InterPodAffinity)
        else (),
        prefiltered=prefiltered,
    )
