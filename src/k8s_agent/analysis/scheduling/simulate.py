"""What kube-scheduler 1.36 would write: per node the first failing filter plugin and its reasons, the
reason counts, and the "0/N nodes are available: ..." text of its FailedScheduling message, or "fits".

Rules followed (``pkg/scheduler/framework/types.go`` FitError, ``schedule_one.go``):
* a PreFilter rejection (a missing or deleted PVC, an ephemeral claim not created yet) ends the attempt:
  the message is ``0/N nodes are available: <prefilter message>.`` with no per-node counts;
* a node written off by a PreFilter result (NodeAffinity naming nodes by ``metadata.name``) counts under
  ``node(s) didn't satisfy plugin(s) [NodeAffinity]`` and runs no filter;
* otherwise the filters run in plugin order and stop at a node's first failing plugin; that plugin's reasons
  are counted once each for the node (NodeResourcesFit may give several: ``Insufficient cpu`` and
  ``Insufficient memory``);
* the counted reasons are written ``"<count> <reason>"``, sorted as strings, joined with ``", "`` and
  closed with ``"."``. A cluster without nodes gives ``no nodes available to schedule pods``.

Not produced: the PostFilter suffix (`` preemption: ...``), which depends on priorities and victims;
compare with ``message.parse_scheduling_message(real).per_node_counts()`` / ``.prefilter``. DynamicResources
needs ``storage.devices`` (ResourceClaims, ResourceSlices, DeviceClasses; a node it cannot judge passes
here); VolumeBinding's unbound WaitForFirstConsumer claims and
NodeVolumeLimits need ``storage`` (StorageClasses, PVs, CSINodes, PVCs, VolumeAttachments); the cluster's pods
must be given (without them the resource, port, pod-affinity and topology-spread filters cannot run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from k8s_agent.analysis.scheduling.evaluate import FitReport, StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.node_affinity import NodeAffinity
from k8s_agent.analysis.scheduling.message import NO_NODES_MESSAGE
from k8s_agent.kube.models import Node, PersistentVolume, PersistentVolumeClaim, Pod

FITS = "fits"


@dataclass(frozen=True, slots=True)
class NodeResult:
    """One node as the scheduler sees it: ``plugin`` is the first failing filter plugin ("" when the node
    passes every filter; "NodeAffinity" for a node a PreFilter result wrote off), ``reasons`` its reasons."""

    node_name: str
    plugin: str
    reasons: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.plugin


@dataclass(frozen=True, slots=True)
class SchedulerView:
    """The scheduler's verdict for a pod: ``fits`` when some node passes (``message`` is then "fits");
    otherwise ``message`` is the FailedScheduling text up to (not including) its preemption suffix."""

    total_nodes: int
    nodes: tuple[NodeResult, ...]
    prefilter: str
    reason_counts: Mapping[str, int]
    message: str

    @property
    def fits(self) -> bool:
        return self.message == FITS

    @property
    def feasible_nodes(self) -> list[str]:
        return [n.node_name for n in self.nodes if n.fits]


def view_of(report: FitReport) -> SchedulerView:
    """The scheduler's view of an evaluation of every node (``evaluate_nodes`` without ``only``)."""
    total = len(report.verdicts)
    prefilter = next((b.scheduler_text for b in report.blockers if b.scheduler_text), "")
    results: list[NodeResult] = []
    counts: dict[str, int] = {}
    for v in report.verdicts:
        written_off = report.prefiltered.get(v.node_name, "")
        if written_off:
            first: tuple[str, tuple[str, ...]] | None = (NodeAffinity.plugin, (written_off,))
        else:
            first = v.first_scheduler_failure()
        if first is None:
            results.append(NodeResult(v.node_name, "", ()))
            continue
        plugin, reasons = first
        unique = tuple(dict.fromkeys(reasons))
        results.append(NodeResult(v.node_name, plugin, unique))
        for r in unique:
            counts[r] = counts.get(r, 0) + 1
    if total == 0:
        message = NO_NODES_MESSAGE
    elif prefilter:
        message = f"0/{total} nodes are available: {prefilter}."
        counts = {}
    elif any(r.fits for r in results):
        message = FITS
    else:
        parts = sorted(f"{n} {reason}" for reason, n in counts.items())
        message = f"0/{total} nodes are available: {', '.join(parts)}."
    return SchedulerView(total, tuple(results), prefilter, counts, message)


def scheduler_view(
    pod: Pod,
    nodes: Iterable[Node],
    pods: Iterable[Pod],
    pvcs: Mapping[str, PersistentVolumeClaim] | None = None,
    pvs: Mapping[str, PersistentVolume] | None = None,
    storage: StorageObjects | None = None,
) -> SchedulerView:
    """For ``pod`` and the cluster's objects (every node, every pod, the pod's PVCs by claim name and the
    PVs by name; ``storage``: the StorageClasses and every PV, for unbound WaitForFirstConsumer claims): per node the first failing filter and its reasons, the reason counts and the message,
    exactly as kube-scheduler 1.36 would write them (see the module docstring for what is left out)."""
    return view_of(evaluate_nodes(pod, nodes, pods, pvcs or {}, pvs or {}, storage=storage))
