"""Scheduling analysis of one pod: where it runs and why, or why it runs nowhere and what would fix it.

Pure: the pod, its events, the nodes, the cluster's pods, the pod's PVCs and PVs and ``now`` in; a
``PodScheduling`` (``/scheduling``) or ``SchedulingExplanation`` (``/scheduling/explain``) out.

Two sources are combined and compared:
* the live evaluation of every node (``nodefit``), which names the nodes and says why each fails now;
* the scheduler's own last word (the newest FailedScheduling event or PodScheduled condition message,
  parsed by ``schedmsg``), which reports what the scheduler saw at its last attempt and covers checks the
  live evaluation does not make (topology spread, volume limits, DRA...).
Per-node categories come only from that node's checks; the cluster-level summary merges both, so the
scheduler's reasons show even when no node is flagged now; where they disagree, ``discrepancies`` says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from k8s_agent.analysis.common import compact_duration, event_count, event_last_time, event_message, rfc3339
from k8s_agent.analysis.scheduling.message import (
    CATEGORIES,
    MISCELLANEOUS,
    NOT_READY_TAINT_KEYS,
    ParsedSchedulingMessage,
    parse_scheduling_message,
    sort_categories,
)
from k8s_agent.analysis.scheduling.nodefit import (
    F_HOST_PORTS,
    F_NODE_AFFINITY,
    F_NODE_SELECTOR,
    F_NOT_READY,
    F_POD_AFFINITY,
    F_RESOURCES,
    F_TAINTS,
    F_UNSCHEDULABLE,
    F_VOLUME,
    FitReport,
    NodeVerdict,
    describe_term,
    evaluate_nodes,
    show,
    taint_str,
    term_matches,
)
from k8s_agent.kube.models import Event, Node, PersistentVolume, PersistentVolumeClaim, Pod, Taint
from k8s_agent.schemas.scheduling import (
    ExplainSummary,
    FailureSummary,
    NodeAnalysis,
    ParsedSchedulerReason,
    PodScheduling,
    SchedulingEvent,
    SchedulingExplanation,
    UnschedulableNode,
)

DEFAULT_SCHEDULER = "default-scheduler"
SCHEDULING_EVENT_REASONS = frozenset(
    {"FailedScheduling", "Scheduled", "Preempted", "NotTriggerScaleUp", "TriggeredScaleUp"}
)

STATUS_SCHEDULED = "Scheduled"
STATUS_GATED = "SchedulingGated"
STATUS_PENDING = "Pending"

#: failureSummary descriptions (the Go service's table, with the product description's string for
#: VolumeNodeAffinityConflict)
DESCRIPTIONS: dict[str, str] = {
    "InsufficientCPU": "Insufficient CPU resources available on nodes",
    "InsufficientMemory": "Insufficient memory resources available on nodes",
    "InsufficientStorage": "Insufficient storage resources available on nodes",
    "VolumeAttachmentError": "Failed to attach persistent volume to node",
    "VolumeMultiAttachError": "Volume already attached to another node (ReadWriteOnce)",
    "VolumeNodeAffinityConflict": "Persistent volume zone affinity doesn't match node zone",
    "NodeAffinityNotMatch": "Node selector or affinity requirements not satisfied",
    "TaintTolerationMismatch": "Node taints not tolerated by pod",
    "PodAffinityConflict": "Pod affinity or anti-affinity constraints not satisfied",
    "NodeNotReady": "Node is not in ready state",
    "Miscellaneous": "Other scheduling constraints not satisfied",
}
UNKNOWN_DESCRIPTION = "Unknown scheduling failure"

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
    uid = ev.involved_object.uid
    return not (uid and pod.metadata.uid and uid != pod.metadata.uid)


def scheduling_events(pod: Pod, events: Iterable[Event]) -> list[Event]:
    """The pod's scheduling events (this pod's UID only), newest first, ties broken by reason and message."""
    sched = scheduler_name(pod)
    chosen = [e for e in events if _belongs(e, pod) and is_scheduling_event(e, sched)]
    chosen.sort(key=lambda e: (e.reason, event_message(e)))
    chosen.sort(key=lambda e: event_last_time(e) or _EPOCH, reverse=True)
    return chosen


def _event_out(ev: Event) -> SchedulingEvent:
    return SchedulingEvent(
        type=ev.type,
        reason=ev.reason,
        message=event_message(ev),
        timestamp=rfc3339(event_last_time(ev)),
        count=event_count(ev),
    )


def _names(names: list[str], limit: int = 5) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def _nodes_word(n: int) -> str:
    return f"{n} node" if n == 1 else f"{n} nodes"


def _ago(ts: datetime | None, now: datetime) -> str:
    return f"{compact_duration(now - ts)} ago" if ts is not None else "at an unknown time"


def _toleration_for(t: Taint) -> str:
    if t.value:
        return f"{{key: {t.key}, operator: Equal, value: {t.value}, effect: {t.effect}}}"
    return f"{{key: {t.key}, operator: Exists, effect: {t.effect}}}"


# ------------------------------------------------------------------------------------------ the analysis
@dataclass(slots=True)
class SchedulerMessage:
    text: str
    source: str  # "event" | "condition"
    time: datetime | None
    parsed: ParsedSchedulingMessage


@dataclass(slots=True)
class _Analysis:
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

    @property
    def verdicts(self) -> list[NodeVerdict]:
        return self.report.verdicts if self.report is not None else []


def _pod_scheduled_condition(pod: Pod):
    for c in pod.status.conditions:
        if c.type == "PodScheduled":
            return c
    return None


def latest_scheduler_message(pod: Pod, events: list[Event], discrepancies: list[str] | None = None):
    """The newest FailedScheduling event message, or the PodScheduled=False condition message when that is
    newer (or there is no such event)."""
    failed = [e for e in events if e.reason == "FailedScheduling" and event_message(e)]
    ev = failed[0] if failed else None  # events are newest first
    cond = _pod_scheduled_condition(pod)
    cond_ok = cond is not None and cond.status == "False" and cond.message.strip()
    if cond_ok and cond.reason == "SchedulingGated":  # not a scheduling failure: shown, not parsed
        text = cond.message.strip()
        return SchedulerMessage(
            text, "condition", cond.last_transition_time, ParsedSchedulingMessage(text, "gated")
        )
    if ev is not None:
        ev_time = event_last_time(ev)
        if (
            cond_ok
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
    if cond_ok:
        text = cond.message.strip()
        return SchedulerMessage(text, "condition", cond.last_transition_time, parse_scheduling_message(text))
    return None


def _analyze(
    pod: Pod,
    events: Iterable[Event],
    nodes: Iterable[Node] | None,
    pods: Iterable[Pod] | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None,
    pvs: Mapping[str, PersistentVolume] | None,
    now: datetime,
    unreadable_pvcs: Collection[str],
    unreadable_pvs: Collection[str],
    *,
    evaluate_scheduled: bool,
) -> _Analysis:
    status = scheduling_status(pod)
    evs = scheduling_events(pod, events)
    node_list = sorted(nodes, key=lambda n: n.metadata.name) if nodes is not None else []
    a = _Analysis(
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
            pods,
            pvcs,
            pvs,
            unreadable_pvcs=unreadable_pvcs,
            unreadable_pvs=unreadable_pvs,
            only=only,
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
        if status == STATUS_PENDING:
            _compare(a)
    return a


# ------------------------------------------------------------------------------------------ comparison
def _reason_check(text: str) -> str | None:
    """Which live check a scheduler reason corresponds to (None: not evaluated live)."""
    t = text.lower()
    if "preemption" in t:
        return None
    for res in ("cpu", "memory", "ephemeral-storage"):
        if f"insufficient {res}" in t:
            return f"res:{res}"
    if "too many pods" in t or "insufficient pods" in t:
        return "res:pods"
    if t.startswith("insufficient "):
        return "res:" + text.split(" ", 1)[1].strip().rstrip(".")
    if "taint" in t or "podtoleratesnodetaints" in t:
        if "{" not in t:  # key hidden (<= 1.17, 1.34.2+): not-ready and other taints are counted together
            return "anytaint"
        return "notready" if any(k in t for k in NOT_READY_TAINT_KEYS) else "taint"
    if "were unschedulable" in t or t == "nodeunschedulable":
        return "cordon"
    if "node selector" in t or ("node affinity" in t and "volume" not in t) or "matchnodeselector" in t:
        return "nodeaffinity"
    if "free ports" in t or "podfitshostports" in t:
        return "ports"
    if "volume node affinity conflict" in t or "no available volume zone" in t:
        return "volume"
    if "existing pods anti-affinity" in t or "existingpodsantiaffinityrulesnotmatch" in t:
        return "podaffinity"
    if "pod affinity" in t or "anti-affinity" in t or "matchinterpodaffinity" in t:
        return "podaffinity"
    return None


_CHECK_WORDS = {
    "res:cpu": "lack cpu",
    "res:memory": "lack memory",
    "res:ephemeral-storage": "lack ephemeral-storage",
    "res:pods": "are at their pod limit",
    "notready": "are not ready",
    "taint": "have taints the pod doesn't tolerate",
    "anytaint": "have taints the pod doesn't tolerate (readiness taints included)",
    "cordon": "are cordoned",
    "nodeaffinity": "fail the node selector/affinity",
    "ports": "have a host-port conflict",
    "volume": "conflict with the PV's node affinity",
    "podaffinity": "fail pod affinity/anti-affinity",
}


def _node_checks(v: NodeVerdict) -> tuple[set[str], set[str]]:
    """(every check the node fails, the checks of its first failing filter)."""
    by_filter: dict[str, set[str]] = {}
    for sf in v.shortfalls:
        by_filter.setdefault(F_RESOURCES, set()).add(f"res:{sf.resource}")
    if v.cordoned:
        by_filter.setdefault(F_UNSCHEDULABLE, set()).add("cordon")
    if F_NOT_READY in v.filters:
        by_filter.setdefault(F_NOT_READY, set()).add("notready")
    if F_TAINTS in v.filters:
        by_filter.setdefault(F_TAINTS, set()).add("taint")
    for f in (F_NODE_SELECTOR, F_NODE_AFFINITY):
        if f in v.filters:
            by_filter.setdefault(f, set()).add("nodeaffinity")
    if F_HOST_PORTS in v.filters:
        by_filter.setdefault(F_HOST_PORTS, set()).add("ports")
    if F_VOLUME in v.filters:
        by_filter.setdefault(F_VOLUME, set()).add("volume")
    if F_POD_AFFINITY in v.filters:
        by_filter.setdefault(F_POD_AFFINITY, set()).add("podaffinity")
    if F_NOT_READY in by_filter or F_TAINTS in by_filter:
        by_filter.setdefault(F_TAINTS, set()).add("anytaint")
    every = set().union(*by_filter.values()) if by_filter else set()
    first = set()
    if v.filters:
        first = by_filter.get(v.filters[0], set())
        # taints and readiness are one plugin in the scheduler
        if v.filters[0] in (F_NOT_READY, F_TAINTS):
            first = by_filter.get(F_NOT_READY, set()) | by_filter.get(F_TAINTS, set())
        if v.filters[0] in (F_NODE_SELECTOR, F_NODE_AFFINITY):
            first = {"nodeaffinity"}
    return every, first


def _compare(a: _Analysis) -> None:
    """Where the scheduler's last message and the live evaluation disagree."""
    msg, now = a.message, a.now
    report = a.report
    if report is not None and report.blockers:
        return  # the pod can't go anywhere now; the comparison of node counts says nothing useful
    fitting = report.fitting if report is not None else []
    if msg is None:
        if a.nodes_known and fitting and report is not None and report.pods_known:
            a.discrepancies.append(
                f"{_nodes_word(len(fitting))} can run the pod now ({_names(fitting)}) and there is no "
                f"FailedScheduling event or PodScheduled message: check that scheduler "
                f"{scheduler_name(a.pod)} is running and handles this pod"
            )
        return
    parsed = msg.parsed
    when = _ago(msg.time, now)
    if a.nodes_known and parsed.total_nodes is not None and parsed.total_nodes != len(a.node_names):
        a.discrepancies.append(
            f"the scheduler saw {_nodes_word(parsed.total_nodes)} ({when}); the cluster has "
            f"{_nodes_word(len(a.node_names))} now"
        )
    if report is None or not report.pods_known:
        return
    if fitting:
        a.discrepancies.append(
            f"{_nodes_word(len(fitting))} can run the pod now ({_names(fitting)}): the scheduler's message "
            f"({when}) is stale or the cluster changed since; the pod should be placed at the next attempt "
            "unless something not evaluated here blocks it (topology spread constraints, volume limits, "
            "dynamic resources, a nominated pod of higher priority)"
        )
    # per check: the scheduler's count against the nodes failing that check now
    msg_counts: dict[str, int] = {}
    msg_texts: dict[str, list[str]] = {}
    for r in parsed.reasons:
        check = _reason_check(r.text)
        if check is None or r.count is None:
            continue
        msg_counts[check] = msg_counts.get(check, 0) + r.count
        msg_texts.setdefault(check, []).append(r.text)
    if parsed.total_nodes is not None:
        msg_counts = {k: min(v, parsed.total_nodes) for k, v in msg_counts.items()}
    every: dict[str, list[str]] = {}
    first: dict[str, list[str]] = {}
    for v in a.verdicts:
        e, f = _node_checks(v)
        for c in e:
            every.setdefault(c, []).append(v.node_name)
        for c in f:
            first.setdefault(c, []).append(v.node_name)
    checks = set(msg_counts) | set(first)
    checks -= {"taint", "notready"} if "anytaint" in msg_counts else {"anytaint"}
    for check in sorted(checks):
        said = msg_counts.get(check, 0)
        now_all = every.get(check, [])
        now_first = first.get(check, [])
        if len(now_first) <= said <= len(now_all):
            continue
        words = _CHECK_WORDS.get(check, f"lack {check[4:]}" if check.startswith("res:") else check)
        total = len(a.node_names)
        if said:
            reported = f'the scheduler reported {said} × "{msg_texts[check][0]}" ({when})'
        else:
            reported = f"the scheduler's message ({when}) reports no nodes that {words}"
        current = f"now {len(now_all)} of {total} nodes {words}" + (
            f" ({_names(now_all)})" if now_all else ""
        )
        a.discrepancies.append(f"{reported}, but {current}: stale event or the cluster changed since")


# ------------------------------------------------------------------------------------------ summary
def _failure_summary(a: _Analysis) -> list[FailureSummary]:
    report = a.report
    node_cats: dict[str, list[str]] = {}
    for v in a.verdicts:
        if not v.fits:
            for c in v.categories:
                node_cats.setdefault(c, []).append(v.node_name)
    pod_cats = sort_categories(b.category for b in report.blockers) if report is not None else []
    msg_counts = a.message.parsed.category_counts() if a.message is not None else {}
    out = []
    for cat in set(node_cats) | set(pod_cats) | set(msg_counts):
        nodes = node_cats.get(cat, [])
        if cat in pod_cats:
            count = len(a.node_names) or msg_counts.get(cat, 0)
            source, nodes = "pod", []
        elif nodes:
            count = len(nodes)
            source = "both" if cat in msg_counts else "nodes"
        else:
            count = msg_counts[cat]
            source = "scheduler"
        out.append(
            FailureSummary(
                category=cat,
                count=count,
                description=DESCRIPTIONS.get(cat, UNKNOWN_DESCRIPTION),
                nodes=sorted(nodes),
                source=source,
            )
        )
    out.sort(key=lambda s: (-s.count, s.category))
    return out


def _unschedulable_nodes(a: _Analysis) -> list[UnschedulableNode]:
    return [
        UnschedulableNode(
            node_name=v.node_name,
            reasons=list(v.reasons),
            insufficient_resources=list(v.insufficient_resources),
            categories=list(v.categories),
        )
        for v in a.verdicts
        if not v.fits
    ]


# ------------------------------------------------------------------------------------------ scheduled pods
def _scheduled_reasons(a: _Analysis, nodes_given: bool) -> list[str]:
    pod = a.pod
    name = pod.spec.node_name
    v = next((x for x in a.verdicts if x.node_name == name), None)
    if v is None:
        if nodes_given and a.nodes_known:
            return [f"Node {name} no longer exists (or is not visible to the agent)"]
        return [f"Scheduled on node {name} (node details unavailable)"]
    out: list[str] = []
    if v.matched_selector:
        sel = ", ".join(f"{k}={val}" for k, val in sorted(v.matched_selector.items()))
        out.append(f"Node {name} matched node selector {sel}")
    if v.matched_affinity_term:
        out.append(f"Node {name} matched required node affinity: {v.matched_affinity_term}")
    aff = pod.spec.affinity
    na = aff.node_affinity if aff is not None else None
    preferred = na.preferred_during_scheduling_ignored_during_execution if na is not None else []
    if preferred:
        node_obj = a.nodes_by_name.get(name)
        if node_obj is not None:
            hit = [p for p in preferred if term_matches(p.preference, node_obj)]
            total_w = sum(p.weight for p in preferred)
            out.append(
                f"Node {name} matches {len(hit)} of {len(preferred)} preferred node affinity terms "
                f"(weight {sum(p.weight for p in hit)} of {total_w})"
            )
    if v.tolerated_taints:
        out.append(
            f"Pod tolerates the taints of node {name}: {', '.join(taint_str(t) for t in v.tolerated_taints)}"
        )
    elif v.ready == "True" and not v.untolerated_taints:
        out.append(f"Node {name} has no taints the pod must tolerate")
    if F_NOT_READY in v.filters:
        out.append(f"Node {name} is not ready now ({v.ready_detail or 'Ready=' + (v.ready or 'missing')})")
    other = [t for t in v.untolerated_taints if t.key not in NOT_READY_TAINT_KEYS]
    if other:
        out.append(
            f"Node {name} now has taints the pod doesn't tolerate: {', '.join(taint_str(t) for t in other)} "
            "(added after scheduling; NoSchedule taints don't evict running pods, NoExecute ones do)"
        )
    if v.cordoned:
        out.append(f"Node {name} is cordoned now (running pods stay; new pods are not placed there)")
    req = a.report.request if a.report is not None else {}
    if a.report is not None and a.report.pods_known:
        wanted = {r: q for r, q in req.items() if q > 0}
        if wanted:
            asked = ", ".join(f"{r} {show(r, q)}" for r, q in _ordered(wanted))
            parts = []
            for r, q in _ordered(wanted):
                used, alloc = v.usage.get(r, (0, 0))
                parts.append(f"{r} {show(r, used + q)} of {show(r, alloc)}")
            out.append(
                f"Node {name} had sufficient resources for the pod's requests ({asked}); now requested on the "
                f"node: {', '.join(parts)} allocatable (including this pod)"
            )
            if v.shortfalls:
                out.append(
                    f"Node {name} is over-committed now: {'; '.join(sf.text() for sf in v.shortfalls)} "
                    "(not counting this pod)"
                )
        else:
            used, alloc = v.usage.get("pods", (0, 0))
            out.append(
                f"Pod requests no resources: only the pod count applied on node {name} "
                f"(now {used + 1} of {alloc} pods)"
            )
    out.extend(f"Node {name}: {m}" for m in v.pod_affinity_matched)
    if a.report is not None and a.report.pods_known and a.report.anti_affinity_terms:
        if not any("anti-affinity" in f for f in v.pod_affinity_failures):
            out.extend(
                f"Node {name}: no other pod in its domain matches the anti-affinity term ({t})"
                for t in a.report.anti_affinity_terms
            )
    report = a.report
    if report is not None:
        for vc in report.volume_constraints:
            if not any(c is vc for c, _ in v.volume_conflicts):
                out.append(f"Volume {vc.pv} (claim {vc.claim}) can be used on node {name}: {vc.describe()}")
    if v.port_conflicts:
        out.append(f"Node {name} host ports now also used by: {', '.join(v.port_conflicts)}")
    if not out:
        out.append(f"No specific scheduling constraints: the scheduler picked node {name} by score")
    return out


def _ordered(d: Mapping[str, int]) -> list[tuple[str, int]]:
    std = ("cpu", "memory", "ephemeral-storage")
    return [(r, d[r]) for r in std if r in d] + sorted((r, q) for r, q in d.items() if r not in std)


# ------------------------------------------------------------------------------------------ public API
def analyze_scheduling(
    pod: Pod,
    events: Iterable[Event],
    nodes: Iterable[Node] | None,
    pods: Iterable[Pod] | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None,
    pvs: Mapping[str, PersistentVolume] | None,
    now: datetime,
    *,
    unreadable_pvcs: Collection[str] = (),
    unreadable_pvs: Collection[str] = (),
    warnings: Iterable[str] = (),
) -> PodScheduling:
    """The ``/scheduling`` answer.

    ``events``: the pod's events (any shape; other UIDs are dropped). ``nodes``: every node (None when the
    list could not be read). ``pods``: every pod of the cluster (None when unreadable). ``pvcs`` by claim
    name, ``pvs`` by volume name: what could be read of the pod's claims; names in ``unreadable_*`` could
    not be read (RBAC, API down) and are not reported as missing. ``warnings`` are copied to the answer.
    """
    node_list = list(nodes) if nodes is not None else None
    a = _analyze(
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
    )
    spec = pod.spec
    gates = [g.name for g in spec.scheduling_gates]
    base = dict(
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
        scheduling_events=[_event_out(e) for e in a.events],
        conditions=[c for c in pod.status.conditions if c.type == "PodScheduled"],
        warnings=list(warnings),
    )
    if a.status == STATUS_SCHEDULED:
        return PodScheduling(
            **base,
            scheduling_reasons=_scheduled_reasons(a, node_list is not None),
            failure_categories=[],
            failure_summary=[],
            unschedulable_nodes=[],
            scheduler_message=None,
            parsed_scheduler_reasons=[],
            discrepancies=[],
            notes=a.notes,
        )
    summary = _failure_summary(a)
    notes = list(a.notes)
    if a.status == STATUS_GATED:
        notes.insert(
            0,
            f"the scheduler does not try to place the pod until its scheduling gates are removed: {', '.join(gates)}",
        )
    if a.report is not None:
        notes[:0] = [f"{b.message}: no node can run the pod until this is fixed" for b in a.report.blockers]
    parsed = a.message.parsed if a.message is not None else None
    return PodScheduling(
        **base,
        scheduling_reasons=[],
        failure_categories=[s.category for s in summary],
        failure_summary=summary,
        unschedulable_nodes=_unschedulable_nodes(a),
        scheduler_message=a.message.text if a.message is not None else None,
        parsed_scheduler_reasons=[
            ParsedSchedulerReason(reason=r.text, count=r.count, categories=list(r.categories))
            for r in (parsed.reasons if parsed is not None else [])
        ],
        discrepancies=a.discrepancies,
        notes=notes,
    )


def explain_scheduling(
    pod: Pod,
    events: Iterable[Event],
    nodes: Iterable[Node] | None,
    pods: Iterable[Pod] | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None,
    pvs: Mapping[str, PersistentVolume] | None,
    now: datetime,
    *,
    unreadable_pvcs: Collection[str] = (),
    unreadable_pvs: Collection[str] = (),
    warnings: Iterable[str] = (),
) -> SchedulingExplanation:
    """The ``/scheduling/explain`` answer: every node analysed (scheduled pods too, their own requests not
    counted against their node), a paragraph and concrete suggestions. Same inputs as
    ``analyze_scheduling``."""
    node_list = list(nodes) if nodes is not None else None
    a = _analyze(
        pod, events, node_list, pods, pvcs, pvs, now, unreadable_pvcs, unreadable_pvs, evaluate_scheduled=True
    )
    nodes_by_name = a.nodes_by_name
    verdicts = a.verdicts
    summary = _explain_summary(a)
    failure = _failure_summary(a) if a.status != STATUS_SCHEDULED else []
    suggestions = (
        _suggestions(a, nodes_by_name) if a.status != STATUS_SCHEDULED else _scheduled_suggestions(a)
    )
    notes = list(a.notes)
    if a.report is not None and a.status != STATUS_SCHEDULED:
        notes[:0] = [f"{b.message}: no node can run the pod until this is fixed" for b in a.report.blockers]
    return SchedulingExplanation(
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        status=a.status,
        node_name=pod.spec.node_name or None,
        explanation=_paragraph(a, summary),
        suggestions=suggestions,
        node_analysis=[
            NodeAnalysis(
                node_name=v.node_name,
                schedulable=v.fits,
                reasons=list(v.reasons),
                insufficient_resources=list(v.insufficient_resources),
                categories=list(v.categories),
            )
            for v in verdicts
        ],
        summary=summary,
        failure_categories=[s.category for s in failure],
        scheduler_message=a.message.text if a.message is not None else None,
        discrepancies=a.discrepancies,
        scheduling_events=[_event_out(e) for e in a.events],
        notes=notes,
        warnings=list(warnings),
    )


# ------------------------------------------------------------------------------------------ explain parts
def _explain_summary(a: _Analysis) -> ExplainSummary:
    counts = dict.fromkeys(
        (
            F_NOT_READY,
            F_UNSCHEDULABLE,
            F_TAINTS,
            F_NODE_SELECTOR,
            F_NODE_AFFINITY,
            F_RESOURCES,
            F_POD_AFFINITY,
            F_VOLUME,
            F_HOST_PORTS,
        ),
        0,
    )
    for v in a.verdicts:
        for f in v.filters:
            counts[f] += 1
    return ExplainSummary(
        total_nodes=len(a.node_names),
        schedulable_nodes=sum(1 for v in a.verdicts if v.fits),
        filtered_by_node_not_ready=counts[F_NOT_READY],
        filtered_by_unschedulable=counts[F_UNSCHEDULABLE],
        filtered_by_taints=counts[F_TAINTS],
        filtered_by_node_selector=counts[F_NODE_SELECTOR],
        filtered_by_node_affinity=counts[F_NODE_AFFINITY],
        filtered_by_resources=counts[F_RESOURCES],
        filtered_by_pod_affinity=counts[F_POD_AFFINITY],
        filtered_by_volume=counts[F_VOLUME],
        filtered_by_host_ports=counts[F_HOST_PORTS],
    )


_FILTER_PHRASES = (
    (F_RESOURCES, "lack resources", "lacks resources"),
    (F_TAINTS, "have untolerated taints", "has an untolerated taint"),
    (F_NODE_SELECTOR, "don't match the node selector", "doesn't match the node selector"),
    (F_NODE_AFFINITY, "don't match the required node affinity", "doesn't match the required node affinity"),
    (F_NOT_READY, "are not ready", "is not ready"),
    (F_UNSCHEDULABLE, "are cordoned", "is cordoned"),
    (F_POD_AFFINITY, "fail pod affinity/anti-affinity", "fails pod affinity/anti-affinity"),
    (F_VOLUME, "conflict with the volume's node affinity", "conflicts with the volume's node affinity"),
    (F_HOST_PORTS, "have a host-port conflict", "has a host-port conflict"),
)


def _filter_breakdown(a: _Analysis) -> str:
    counts: dict[str, int] = {}
    for v in a.verdicts:
        for f in v.filters:
            counts[f] = counts.get(f, 0) + 1
    parts = []
    for f, many, one in sorted(_FILTER_PHRASES, key=lambda p: -counts.get(p[0], 0)):
        n = counts.get(f, 0)
        if n:
            parts.append(f"{n} {many}" if n != 1 else f"1 {one}")
    return ", ".join(parts)


def _paragraph(a: _Analysis, summary: ExplainSummary) -> str:
    pod = a.pod
    who = f"Pod {pod.metadata.namespace}/{pod.metadata.name}"
    total = summary.total_nodes
    fits = summary.schedulable_nodes
    if a.status == STATUS_SCHEDULED:
        text = f"{who} is already scheduled on node {pod.spec.node_name} (scheduler {scheduler_name(pod)})."
        v = next((x for x in a.verdicts if x.node_name == pod.spec.node_name), None)
        if v is None and a.nodes_known:
            text += f" Node {pod.spec.node_name} no longer exists."
        elif v is not None and not v.fits:
            text += f" The node would not accept it today: {'; '.join(v.reasons)}."
        if a.nodes_known:
            text += f" {fits} of {total} nodes would accept such a pod now."
        return text
    if a.status in ("Failed", "Succeeded"):
        reason = f" ({pod.status.reason}: {pod.status.message})" if pod.status.reason else ""
        return f"{who} finished (phase {a.status}) without being scheduled{reason}."
    sentences = []
    if a.status == STATUS_GATED:
        gates = ", ".join(g.name for g in pod.spec.scheduling_gates)
        sentences.append(
            f"{who} is waiting for its scheduling gates to be removed ({gates}); the scheduler does not try "
            "to place it until then."
        )
    if not a.nodes_known:
        sentences.append("The node list could not be read, so no node was evaluated.")
    elif total == 0:
        sentences.append("The cluster has no nodes (none visible to the agent).")
    else:
        breakdown = _filter_breakdown(a)
        if a.status == STATUS_GATED:
            sentences.append(
                f"Once ungated, {fits} of {total} nodes could run it now"
                + (f" ({breakdown})." if breakdown else ".")
            )
        elif fits == 0:
            sentences.append(f"{who} is Pending: none of the {total} nodes can run it now ({breakdown}).")
        else:
            fitting = [v.node_name for v in a.verdicts if v.fits]
            sentences.append(
                f"{who} is Pending, but {fits} of {total} nodes could run it now ({_names(fitting)})"
                + (f"; the others: {breakdown}." if breakdown else ".")
            )
    if a.report is not None and a.report.blockers:
        sentences.append(
            "It cannot be scheduled on any node until this is fixed: "
            + "; ".join(b.message for b in a.report.blockers)
            + "."
        )
    if a.message is not None:
        sentences.append(f'The scheduler\'s last message ({_ago(a.message.time, a.now)}): "{a.message.text}"')
    return " ".join(sentences)


def _scheduled_suggestions(a: _Analysis) -> list[str]:
    name = a.pod.spec.node_name
    v = next((x for x in a.verdicts if x.node_name == name), None)
    out = []
    if v is None and a.nodes_known:
        out.append(
            f"node {name} no longer exists: the pod will be garbage-collected; its controller recreates it"
        )
    elif v is not None and F_NOT_READY in v.filters:
        out.append(
            f"node {name} is not ready ({v.ready_detail or v.ready}); check the kubelet: `kubectl describe node {name}`"
        )
    return out


def _suggestions(a: _Analysis, nodes_by_name: Mapping[str, Node]) -> list[str]:
    out: list[str] = []
    pod = a.pod
    report = a.report
    verdicts = a.verdicts
    if a.status == STATUS_GATED:
        out.append(
            f"remove the scheduling gates ({', '.join(g.name for g in pod.spec.scheduling_gates)}): the "
            "controller that added them removes them when the pod may be scheduled"
        )
    if report is not None:
        out.extend(f"{b.message}: {b.fix}" if b.fix else b.message for b in report.blockers)
    if a.nodes_known and not a.node_names:
        out.append("the cluster has no nodes: add nodes (or check the cluster autoscaler)")
    failing = [v for v in verdicts if not v.fits]
    reasons_of = {v.node_name: v.reasons for v in verdicts}

    def excluded(name: str) -> str:
        rs = reasons_of.get(name) or []
        if not rs:
            return f"{name} (fits)"
        more = f"; and {len(rs) - 2} more" if len(rs) > 2 else ""
        return f"{name} (excluded by: {'; '.join(rs[:2])}{more})"

    # not ready
    not_ready = [v for v in failing if F_NOT_READY in v.filters]
    for v in not_ready[:5]:
        detail = v.ready_detail or f"Ready={v.ready or 'missing'}"
        out.append(
            f"node {v.node_name} is not ready ({detail}); check its kubelet: `kubectl describe node {v.node_name}`"
        )
    if len(not_ready) > 5:
        out.append(
            f"{len(not_ready) - 5} more nodes are not ready: {_names([v.node_name for v in not_ready[5:]])}"
        )
    # cordoned
    cordoned = [v.node_name for v in failing if v.cordoned]
    if cordoned:
        verb = "is" if len(cordoned) == 1 else "are"
        out.append(
            f"{_names(cordoned)} {verb} cordoned; `kubectl uncordon {cordoned[0]}` once its maintenance is over"
        )
    # taints, grouped by taint
    by_taint: dict[tuple[str, str, str], list[str]] = {}
    taint_obj: dict[tuple[str, str, str], Taint] = {}
    for v in failing:
        for t in v.untolerated_taints:
            if t.key in NOT_READY_TAINT_KEYS:
                continue
            k = (t.key, t.value, t.effect)
            by_taint.setdefault(k, []).append(v.node_name)
            taint_obj[k] = t
    for k, names in sorted(by_taint.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        t = taint_obj[k]
        verb = "has" if len(names) == 1 else "have"
        out.append(
            f"{_names(names)} {verb} taint {taint_str(t)}; add a toleration `{_toleration_for(t)}` to the pod "
            f"or remove the taint (`kubectl taint nodes {names[0]} {taint_str(t)}-`)"
        )
    # node selector
    for key, want in sorted(pod.spec.node_selector.items()):
        missing = [v.node_name for v in verdicts if any(m[0] == key for m in v.selector_mismatches)]
        if not missing:
            continue
        having = [v.node_name for v in verdicts if v.matched_selector.get(key) == want]
        values: dict[str, int] = {}
        for name in a.node_names:
            val = nodes_by_name[name].metadata.labels.get(key)
            if val is not None and val != want:
                values[val] = values.get(val, 0) + 1
        others = ", ".join(f"{val} ({n})" for val, n in sorted(values.items()))
        if having:
            out.append(
                f"nodeSelector {key}={want} matches only {_names([excluded(n) for n in having], 3)}; "
                f"{_nodes_word(len(missing))} lack it" + (f" (they have {key}: {others})" if others else "")
            )
        else:
            out.append(
                f"nodeSelector {key}={want}: no node has this label"
                + (f" (nodes have {key}: {others})" if others else f" (no node has a {key} label)")
                + f"; label a node (`kubectl label node <node> {key}={want}`) or change the selector"
            )
    # required node affinity
    aff_fail = [v for v in verdicts if F_NODE_AFFINITY in v.filters]
    if aff_fail:
        na = pod.spec.affinity.node_affinity if pod.spec.affinity is not None else None
        sel = na.required_during_scheduling_ignored_during_execution if na is not None else None
        terms = (
            " OR ".join(f"[{describe_term(t)}]" for t in sel.node_selector_terms) if sel is not None else ""
        )
        keys = sorted({r.key for t in (sel.node_selector_terms if sel else []) for r in t.match_expressions})
        dist = []
        for key in keys[:3]:
            vals: dict[str, int] = {}
            for name in a.node_names:
                val = nodes_by_name[name].metadata.labels.get(key, "<none>")
                vals[val] = vals.get(val, 0) + 1
            dist.append(f"{key}: " + ", ".join(f"{val} ({n})" for val, n in sorted(vals.items())))
        matching = [v.node_name for v in verdicts if F_NODE_AFFINITY not in v.filters]
        head = f"required node affinity {terms} excludes {_nodes_word(len(aff_fail))}"
        if matching:
            head += f"; it matches {_names([excluded(n) for n in matching], 3)}"
        else:
            head += " (all of them)"
        out.append(
            head
            + (f"; node labels: {'; '.join(dist)}" if dist else "")
            + "; relabel nodes or relax the terms"
        )
    # resources
    req = report.request if report is not None else {}
    short_by_res: dict[str, list[NodeVerdict]] = {}
    for v in failing:
        for sf in v.shortfalls:
            short_by_res.setdefault(sf.resource, []).append(v)
    for res in sorted(short_by_res, key=lambda r: (-len(short_by_res[r]), r)):
        vs = short_by_res[res]
        n = len(vs)
        if res == "pods":
            out.append(
                f"{_nodes_word(n)} {'is' if n == 1 else 'are'} at the pod limit ({_names([v.node_name for v in vs])}); "
                "add nodes or raise the kubelet's maxPods"
            )
            continue
        want = req.get(res, 0)
        free = {v.node_name: v.usage.get(res, (0, 0))[1] - v.usage.get(res, (0, 0))[0] for v in verdicts}
        best = max(sorted(free), key=lambda nm: free[nm]) if free else None
        best_free = max(free[best], 0) if best else 0
        alloc = {v.node_name: v.usage.get(res, (0, 0))[1] for v in verdicts}
        biggest = max(sorted(alloc), key=lambda nm: alloc[nm]) if alloc else None
        largest = alloc[biggest] if biggest else 0
        subj = f"{_nodes_word(n)} {'lacks' if n == 1 else 'lack'} {res}"
        if best is not None and best_free >= want:
            out.append(
                f"{subj} (the pod requests {show(res, want)}); {excluded(best)} has {show(res, best_free)} free"
            )
        elif largest < want:
            where = f" on {biggest}" if biggest else ""
            out.append(
                f"{subj}: the pod requests {show(res, want)} but no node has that much allocatable "
                f"(largest: {show(res, largest)}{where}); lower the request or add a bigger node"
            )
        elif best_free <= 0:
            out.append(
                f"{subj}: the pod requests {show(res, want)} and no node has any {res} free (requests of the "
                f"running pods take it all); lower the request, scale other workloads down, or add a node with "
                f">= {show(res, want)} free"
            )
        else:
            where = f" on {best}" if best else ""
            out.append(
                f"{subj}: the pod requests {show(res, want)} and the most free on any node is "
                f"{show(res, best_free)}{where}; lower the request or add a node with >= {show(res, want)} free"
            )
    # host ports
    port_nodes = [v for v in failing if v.port_conflicts]
    if port_nodes:
        out.append(
            f"{_names([v.node_name for v in port_nodes])}: {port_nodes[0].port_conflicts[0]}"
            + (f" (and {len(port_nodes) - 1} more nodes)" if len(port_nodes) > 1 else "")
            + "; use another hostPort, or a Service instead of hostPort"
        )
    # pod affinity
    pa = [v for v in failing if v.pod_affinity_failures]
    if pa:
        first = pa[0].pod_affinity_failures[0]
        out.append(
            f"{_nodes_word(len(pa))} excluded by pod affinity/anti-affinity (e.g. {pa[0].node_name}: {first}); "
            "add nodes in new topology domains, start the pods it must run next to, or relax the rule to "
            "preferredDuringSchedulingIgnoredDuringExecution"
        )
    # volume node affinity
    if report is not None:
        for vc in report.volume_constraints:
            bad = [v.node_name for v in verdicts if any(c is vc for c, _ in v.volume_conflicts)]
            if not bad:
                continue
            good = [v.node_name for v in verdicts if not any(c is vc for c, _ in v.volume_conflicts)]
            text = f"PV {vc.pv} (claim {vc.claim}) can only be used where {vc.describe()}"
            if good:
                text += f"; nodes there: {_names([excluded(n) for n in good], 3)}"
            else:
                text += "; no node is there"
            out.append(text + "; add capacity there, or restore the data into a volume elsewhere")
    # what only the scheduler reported (not evaluated live)
    if a.message is not None:
        extra = _scheduler_only_advice(a.message.parsed)
        out.extend(x for x in extra if x not in out)
    # it fits somewhere
    fitting = [v.node_name for v in verdicts if v.fits]
    if (
        a.status == STATUS_PENDING
        and fitting
        and not (report and report.blockers)
        and report
        and report.pods_known
    ):
        out.append(
            f"{_nodes_word(len(fitting))} can run the pod now ({_names(fitting)}); if it stays Pending, check "
            f"that scheduler {scheduler_name(pod)} is running and look at its logs"
        )
    return out


_ADVICE = (
    (
        "topology spread",
        "the pod's topologySpreadConstraints can't be met: relax maxSkew, or use "
        "whenUnsatisfiable: ScheduleAnyway",
    ),
    (
        "exceed max volume count",
        "nodes reached their volume attach limit: spread the pods or use nodes with a higher attach limit",
    ),
    (
        "unbound immediate persistentvolumeclaims",
        "a PVC with Immediate binding is not bound: check the claim "
        "and its provisioner (`kubectl describe pvc`)",
    ),
    (
        "didn't find available persistent volumes to bind",
        "no PV can be bound for the pod's claims on these "
        "nodes: create a matching PV or check the storage class provisioner",
    ),
    ("did not have enough free storage", "nodes lack free local storage capacity for the claims"),
    ("failed to bind volumes", "volume binding timed out: check the provisioner and `kubectl describe pvc`"),
    ("no available disk", "the pod's disk is already in use on those nodes (same volume mounted elsewhere)"),
)


def _scheduler_only_advice(parsed: ParsedSchedulingMessage) -> list[str]:
    out = []
    for r in parsed.reasons:
        t = r.text.lower()
        for needle, advice in _ADVICE:
            if needle in t and advice not in out:
                out.append(f'the scheduler reported "{r.text}": {advice}')
        if (
            r.count is None
            and not any(needle in t for needle, _ in _ADVICE)
            and r.categories == [MISCELLANEOUS]
        ):
            out.append(f'the scheduler reported "{r.text}" (not evaluated here)')
    return out


__all__ = [
    "CATEGORIES",
    "DESCRIPTIONS",
    "analyze_scheduling",
    "explain_scheduling",
    "latest_scheduler_message",
    "scheduling_events",
    "scheduling_status",
]
