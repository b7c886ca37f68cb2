"""The pod's scheduling situation gathered once: its status, its scheduling events, the scheduler's last
message, and the evaluation of every node. ``compare``, ``explain`` and ``analyze`` read it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime

from k8s_agent.analysis.kube import event_last_time, event_message, is_about
from k8s_agent.analysis.scheduling.evaluate import FitReport, StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.base import NodeVerdict
from k8s_agent.analysis.scheduling.index import ClusterIndex
from k8s_agent.analysis.scheduling.message import ParsedSchedulingMessage, parse_scheduling_message
from k8s_agent.analysis.scheduling.simulate import SchedulerView, view_of
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.kube.models import Event, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition

DEFAULT_SCHEDULER = "default-scheduler"
SCHEDULING_EVENT_REASONS = frozenset(
    {"FailedScheduling", "Scheduled", "Preempted", "NotTriggerScaleUp", "TriggeredScaleUp"}
)

STATUS_SCHEDULED = "Scheduled"
STATUS_GATED = "SchedulingGated"
STATUS_PENDING = "Pending"

_EPOCH = datetime.min.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------------ small helpers
def scheduler_name(pod: Pod) -> str:
    return pod.spec.scheduler_name or DEFAULT_SCHEDULER


def scheduling_status(pod: Pod) -> str:
    """Scheduled (has a node), SchedulingGated, Failed/Succeeded (finished without a node), else Pending."""
    if pod.spec.node_name:
        return STATUS_SCHEDULED
    if pod.spec.scheduling_gates:
        return STATUS_GATED
    if pod.status.phase in ("Failed", "Succeeded"):
        return pod.status.phase
    return STATUS_PENDING


def is_scheduling_event(ev: Event, scheduler: str) -> bool:
    return (
        ev.reason in SCHEDULING_EVENT_REASONS
        or (ev.source.component or "") == scheduler
        or (ev.reporting_component or "") == scheduler
    )


def _belongs(ev: Event, pod: Pod) -> bool:
    return is_about(ev, pod.metadata.uid)


def scheduling_events(pod: Pod, events: Iterable[Event]) -> list[Event]:
    """The pod's scheduling events (this pod's UID only), newest first, ties broken by reason and message."""
    sched = scheduler_name(pod)
    chosen = [e for e in events if _belongs(e, pod) and is_scheduling_event(e, sched)]
    chosen.sort(key=lambda e: (e.reason, event_message(e)))
    chosen.sort(key=lambda e: event_last_time(e) or _EPOCH, reverse=True)
    return chosen


def ago(ts: datetime | None, now: datetime) -> str:
    return f"{compact_duration(now - ts)} ago" if ts is not None else "at an unknown time"


# ------------------------------------------------------------------------------------------ the analysis
@dataclass(slots=True)
class SchedulerMessage:
    text: str
    source: str  # "event" | "condition"
    time: datetime | None
    parsed: ParsedSchedulingMessage


@dataclass(slots=True)
class Analysis:
    pod: Pod
    status: str
    now: datetime
    events: list[Event]
    nodes_known: bool
    node_names: list[str]
    report: FitReport | None
    message: SchedulerMessage | None
    nodes_by_name: dict[str, Node] = field(default_factory=dict)
    discrepancies: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    by_node: dict[str, NodeVerdict] = field(default_factory=dict)
    view: SchedulerView | None = None

    @property
    def verdicts(self) -> tuple[NodeVerdict, ...]:
        return self.report.verdicts if self.report is not None else ()

    def verdict(self, node: str) -> NodeVerdict | None:
        if len(self.by_node) != len(self.verdicts):
            self.by_node = {v.node_name: v for v in self.verdicts}
        return self.by_node.get(node)

    def scheduler_view(self) -> SchedulerView | None:
        """What the scheduler's rules give on the cluster now (None without an evaluation)."""
        if self.report is None:
            return None
        if self.view is None:
            self.view = view_of(self.report)
        return self.view


def _pod_scheduled_condition(pod: Pod) -> PodCondition | None:
    for c in pod.status.conditions:
        if c.type == "PodScheduled":
            return c
    return None


def latest_scheduler_message(
    pod: Pod, events: list[Event], discrepancies: list[str] | None = None
) -> SchedulerMessage | None:
    """The newest FailedScheduling event message, or the PodScheduled=False condition message when that is
    newer (or there is no such event)."""
    failed = [e for e in events if e.reason == "FailedScheduling" and event_message(e)]
    ev = failed[0] if failed else None  # events are newest first
    cond = _pod_scheduled_condition(pod)
    if cond is not None and not (cond.status == "False" and cond.message.strip()):
        cond = None
    if cond is not None and cond.reason == "SchedulingGated":  # not a scheduling failure: shown, not parsed
        text = cond.message.strip()
        return SchedulerMessage(
            text, "condition", cond.last_transition_time, ParsedSchedulingMessage(text, "gated")
        )
    if ev is not None:
        ev_time = event_last_time(ev)
        if (
            cond is not None
            and cond.last_transition_time is not None
            and ev_time is not None
            and (cond.last_transition_time > ev_time)
        ):
            if discrepancies is not None:
                discrepancies.append(
                    f"the newest FailedScheduling event ({rfc3339(ev_time)}) is older than the PodScheduled "
                    f"condition ({rfc3339(cond.last_transition_time)}); the condition's message is used"
                )
            text = cond.message.strip()
            return SchedulerMessage(
                text, "condition", cond.last_transition_time, parse_scheduling_message(text)
            )
        text = event_message(ev)
        return SchedulerMessage(text, "event", ev_time, parse_scheduling_message(text))
    if cond is not None:
        text = cond.message.strip()
        return SchedulerMessage(text, "condition", cond.last_transition_time, parse_scheduling_message(text))
    return None


@dataclass(frozen=True, slots=True)
class SchedulingInputs:
    """What the scheduling analysis of one pod reads. ``events``: the pod's events (any shape; other UIDs are
    dropped). ``nodes``: every node (None when the list could not be read). ``pods``: every pod of the
    cluster, or the index of them (None when unreadable). ``pvcs`` by claim name, ``pvs`` by volume name:
    what could be read of the pod's claims; names in ``unreadable_*`` could not be read (RBAC, API down) and
    are not reported as missing. ``storage``: the cluster's storage objects the volume filters need.
    ``warnings`` are copied to the answer."""

    pod: Pod
    events: Iterable[Event]
    nodes: Iterable[Node] | None
    pods: Iterable[Pod] | ClusterIndex | None
    pvcs: Mapping[str, PersistentVolumeClaim] | None
    pvs: Mapping[str, PersistentVolume] | None
    now: datetime
    _: KW_ONLY
    unreadable_pvcs: Collection[str] = ()
    unreadable_pvs: Collection[str] = ()
    warnings: Iterable[str] = ()
    storage: StorageObjects | None = None


def gather(inp: SchedulingInputs, *, evaluate_scheduled: bool) -> Analysis:
    """The pod's status, its scheduling events, the evaluation of the nodes (of its own node only when it is
    scheduled, unless ``evaluate_scheduled``) and the scheduler's last message, gathered once."""
    pod, nodes, now = inp.pod, inp.nodes, inp.now
    status = scheduling_status(pod)
    evs = scheduling_events(pod, inp.events)
    node_list = sorted(nodes, key=lambda n: n.metadata.name) if nodes is not None else []
    a = Analysis(
        pod=pod,
        status=status,
        now=now,
        events=evs,
        nodes_known=nodes is not None,
        node_names=[n.metadata.name for n in node_list],
        report=None,
        message=None,
        nodes_by_name={n.metadata.name: n for n in node_list},
    )
    if nodes is None:
        a.notes.append("the node list could not be read: no per-node evaluation")
    only = None
    if status == STATUS_SCHEDULED and not evaluate_scheduled:
        only = {pod.spec.node_name}  # only the pod's own node is judged; the others still are topology
    evaluate = status in (STATUS_PENDING, STATUS_GATED, STATUS_SCHEDULED)
    if evaluate and nodes is not None:
        a.report = evaluate_nodes(
            pod,
            node_list,
            inp.pods,
            inp.pvcs,
            inp.pvs,
            unreadable_pvcs=inp.unreadable_pvcs,
            unreadable_pvs=inp.unreadable_pvs,
            only=only,
            ignore_node_name=status == STATUS_SCHEDULED,
            storage=inp.storage,
        )
        a.notes.extend(a.report.notes)
    nominated = pod.status.nominated_node_name
    if status == STATUS_PENDING and nominated:
        a.notes.append(
            f"the scheduler nominated node {nominated} after preempting lower-priority pods; the pod is placed "
            "there once they have terminated (if it still fits then)"
        )
    if status != STATUS_SCHEDULED:
        a.message = latest_scheduler_message(pod, evs, a.discrepancies)
    return a
