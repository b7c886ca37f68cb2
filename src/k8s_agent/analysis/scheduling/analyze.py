"""Scheduling analysis of one pod: where it runs and why, or why it runs nowhere and what would fix it.

Pure: the pod, its events, the nodes, the cluster's pods, the pod's PVCs and PVs and ``now`` in; a
``PodScheduling`` (``/scheduling``) or ``SchedulingExplanation`` (``/scheduling/explain``) out.

Two sources are combined and compared:
* the live evaluation of every node (``evaluate``: the filters), which names the nodes and says why each
  fails now;
* the scheduler's own last word (the newest FailedScheduling event or PodScheduled condition message,
  parsed by ``message``), which reports what the scheduler saw at its last attempt and covers checks the
  live evaluation does not make (volume limits, DRA...).
Per-node categories come only from that node's checks; the cluster-level summary merges both, so the
scheduler's reasons show even when no node is flagged now; where they disagree, ``discrepancies`` says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from k8s_agent.analysis.kube import event_count, event_last_time, event_message
from k8s_agent.analysis.scheduling.compare import compare, failure_summary
from k8s_agent.analysis.scheduling.context import (
    STATUS_GATED,
    STATUS_SCHEDULED,
    Analysis,
    gather,
    scheduler_name,
)
from k8s_agent.analysis.scheduling.evaluate import StorageObjects
from k8s_agent.analysis.scheduling.explain import (
    explain_summary,
    paragraph,
    scheduled_reasons,
    scheduled_suggestions,
    suggestions,
)
from k8s_agent.analysis.scheduling.filters.base import NodeVerdict
from k8s_agent.analysis.scheduling.filters.node_resources_fit import NodeResourcesFit
from k8s_agent.analysis.scheduling.filters.node_resources_fit import detail as resource_detail
from k8s_agent.analysis.scheduling.index import ClusterIndex
from k8s_agent.analysis.text import rfc3339
from k8s_agent.kube.models import Event, Node, PersistentVolume, PersistentVolumeClaim, Pod
from k8s_agent.schemas.scheduling import (
    NodeAnalysis,
    ParsedSchedulerReason,
    PodScheduling,
    SchedulingEvent,
    SchedulingExplanation,
    UnschedulableNode,
)


def _event_out(ev: Event) -> SchedulingEvent:
    return SchedulingEvent(
        type=ev.type,
        reason=ev.reason,
        message=event_message(ev),
        timestamp=rfc3339(event_last_time(ev)),
        count=event_count(ev),
    )


def _blocker_notes(a: Analysis) -> list[str]:
    blockers = a.report.blockers if a.report is not None else ()
    return [f"{b.message}: no node can run the pod until this is fixed" for b in blockers]


def _unschedulable_nodes(a: Analysis) -> list[UnschedulableNode]:
    return [
        UnschedulableNode(
            node_name=v.node_name,
            reasons=v.reasons,
            insufficient_resources=_insufficient(v),
            categories=v.categories,
        )
        for v in a.verdicts
        if not v.fits
    ]


def _insufficient(v: NodeVerdict) -> list[str]:
    d = resource_detail(v.outcome(NodeResourcesFit.plugin))
    return [sf.text() for sf in d.shortfalls] if d is not None else []


def analyze_scheduling(
    pod: Pod,
    events: Iterable[Event],
    nodes: Iterable[Node] | None,
    pods: Iterable[Pod] | ClusterIndex | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None,
    pvs: Mapping[str, PersistentVolume] | None,
    now: datetime,
    *,
    unreadable_pvcs: Collection[str] = (),
    unreadable_pvs: Collection[str] = (),
    warnings: Iterable[str] = (),
    storage: StorageObjects | None = None,
) -> PodScheduling:
    """The ``/scheduling`` answer.

    ``events``: the pod's events (any shape; other UIDs are dropped). ``nodes``: every node (None when the
    list could not be read). ``pods``: every pod of the cluster (None when unreadable). ``pvcs`` by claim
    name, ``pvs`` by volume name: what could be read of the pod's claims; names in ``unreadable_*`` could
    not be read (RBAC, API down) and are not reported as missing. ``warnings`` are copied to the answer.
    """
    node_list = list(nodes) if nodes is not None else None
    a = gather(
        pod,
        events,
        node_list,
        pods,
        pvcs,
        pvs,
        now,
        unreadable_pvcs,
        unreadable_pvs,
        evaluate_scheduled=False,
        storage=storage,
    )
    compare(a)
    spec = pod.spec
    gates = [g.name for g in spec.scheduling_gates]
    scheduled = a.status == STATUS_SCHEDULED
    summary = [] if scheduled else failure_summary(a)
    notes = list(a.notes)
    if a.status == STATUS_GATED:
        notes.insert(
            0,
            f"the scheduler does not try to place the pod until its scheduling gates are removed: {', '.join(gates)}",
        )
    if not scheduled:
        notes[:0] = _blocker_notes(a)
    parsed = a.message.parsed if a.message is not None else None
    return PodScheduling(
        status=a.status,
        node_name=spec.node_name or None,
        scheduler_name=scheduler_name(pod),
        node_selector=dict(spec.node_selector),
        tolerations=list(spec.tolerations),
        affinity=spec.affinity,
        priority=spec.priority or 0,
        priority_class_name=spec.priority_class_name,
        nominated_node_name=pod.status.nominated_node_name or None,
        scheduling_gates=gates,
        scheduling_reasons=scheduled_reasons(a, node_list is not None) if scheduled else [],
        failure_categories=[s.category for s in summary],
        failure_summary=summary,
        unschedulable_nodes=[] if scheduled else _unschedulable_nodes(a),
        scheduler_message=a.message.text if a.message is not None else None,
        parsed_scheduler_reasons=[
            ParsedSchedulerReason(reason=r.text, count=r.count, categories=list(r.categories))
            for r in (parsed.reasons if parsed is not None else [])
        ],
        discrepancies=a.discrepancies,
        scheduling_events=[_event_out(e) for e in a.events],
        conditions=[c for c in pod.status.conditions if c.type == "PodScheduled"],
        notes=notes,
        warnings=list(warnings),
    )


def explain_scheduling(
    pod: Pod,
    events: Iterable[Event],
    nodes: Iterable[Node] | None,
    pods: Iterable[Pod] | ClusterIndex | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None,
    pvs: Mapping[str, PersistentVolume] | None,
    now: datetime,
    *,
    unreadable_pvcs: Collection[str] = (),
    unreadable_pvs: Collection[str] = (),
    warnings: Iterable[str] = (),
    storage: StorageObjects | None = None,
) -> SchedulingExplanation:
    """The ``/scheduling/explain`` answer: every node analysed (scheduled pods too, their own requests not
    counted against their node), a paragraph and concrete suggestions. Same inputs as
    ``analyze_scheduling``."""
    node_list = list(nodes) if nodes is not None else None
    a = gather(
        pod,
        events,
        node_list,
        pods,
        pvcs,
        pvs,
        now,
        unreadable_pvcs,
        unreadable_pvs,
        evaluate_scheduled=True,
        storage=storage,
    )
    compare(a)
    scheduled = a.status == STATUS_SCHEDULED
    summary = explain_summary(a)
    failure = [] if scheduled else failure_summary(a)
    notes = list(a.notes)
    if a.report is not None and not scheduled:
        notes[:0] = _blocker_notes(a)
    return SchedulingExplanation(
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        status=a.status,
        node_name=pod.spec.node_name or None,
        explanation=paragraph(a, summary),
        suggestions=scheduled_suggestions(a) if scheduled else suggestions(a),
        node_analysis=[
            NodeAnalysis(
                node_name=v.node_name,
                schedulable=v.fits,
                reasons=v.reasons,
                insufficient_resources=_insufficient(v),
                categories=v.categories,
            )
            for v in a.verdicts
        ],
        summary=summary,
        failure_categories=[s.category for s in failure],
        scheduler_message=a.message.text if a.message is not None else None,
        discrepancies=a.discrepancies,
        scheduling_events=[_event_out(e) for e in a.events],
        notes=notes,
        warnings=list(warnings),
    )


__all__ = ["analyze_scheduling", "explain_scheduling"]
