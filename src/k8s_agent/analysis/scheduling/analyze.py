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

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from k8s_agent.analysis.kube import event_count, event_last_time, event_message
from k8s_agent.analysis.scheduling.compare import compare, failure_summary
from k8s_agent.analysis.scheduling.context import (
    STATUS_GATED,
    STATUS_SCHEDULED,
    Analysis,
    SchedulingInputs,
    gather,
    scheduler_name,
)
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
from k8s_agent.analysis.text import rfc3339
from k8s_agent.kube.models import Event
from k8s_agent.schemas.scheduling import (
    NodeAnalysis,
    ParsedSchedulerReason,
    PodScheduling,
    SchedulingEvent,
    SchedulingExplanation,
    UnschedulableNode,
)

P = ParamSpec("P")
R = TypeVar("R")


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


def _answer(inputs: Callable[P, SchedulingInputs], answer: Callable[[SchedulingInputs], R]) -> Callable[P, R]:
    """``answer`` taking the arguments of ``inputs`` (one signature for both answers, said once)."""

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return answer(inputs(*args, **kwargs))

    call.__doc__ = answer.__doc__
    return call


def scheduling_answer(inp: SchedulingInputs) -> PodScheduling:
    """The ``/scheduling`` answer: where the pod runs and why, or why it runs nowhere."""
    pod = inp.pod
    a = gather(inp, evaluate_scheduled=False)
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
        scheduling_reasons=scheduled_reasons(a, inp.nodes is not None) if scheduled else [],
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
        warnings=list(inp.warnings),
    )


def explanation_answer(inp: SchedulingInputs) -> SchedulingExplanation:
    """The ``/scheduling/explain`` answer: every node analysed (scheduled pods too, their own requests not
    counted against their node), a paragraph and concrete suggestions."""
    pod = inp.pod
    a = gather(inp, evaluate_scheduled=True)
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
        warnings=list(inp.warnings),
    )


#: the answers called with the inputs spelled out, as ``SchedulingInputs`` takes them
analyze_scheduling = _answer(SchedulingInputs, scheduling_answer)
explain_scheduling = _answer(SchedulingInputs, explanation_answer)

__all__ = ["analyze_scheduling", "explain_scheduling", "explanation_answer", "scheduling_answer"]
