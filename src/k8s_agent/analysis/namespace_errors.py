"""Namespace error analysis: every pod of a namespace checked for common problems, reported under its
workload.

Every pod is analysed, whatever owns it, and carries its workload (``ownerKind``/``ownerName``, from
:func:`k8s_agent.analysis.workloads.owners.workload_of`): a Deployment through its ReplicaSet (looked up in
the namespace's ReplicaSet list by UID, else by name; when it is not in the list, the ReplicaSet name minus
``-<pod-template-hash>`` when the pod's label says so, else the ReplicaSet; a name is never guessed by
cutting dash segments), another controller of a ReplicaSet such as an Argo Rollout (its kind), a bare
ReplicaSet, a StatefulSet, a DaemonSet, a Job, or a CronJob through its Job (when the Jobs could be read), a
static pod's ``Node``, or ``Pod`` for a bare pod (named after itself). ``ownerKinds`` restricts the analysis
to pods of those kinds. A failed pod of a Job the controller marked Complete is not a problem (the Job
retried it and succeeded).

``workloads`` sums up per workload with failing pods: its state (the controller's, when it could be read),
how many of its pods were analysed and fail, and the issue type most of them have.

Issues per pod (severity):

* ``HighRestarts`` (critical): app + init container restarts strictly above the threshold;
* ``Pending`` (critical): phase Pending for more than 5 minutes since creation (also for the two
  scheduling types below: a pod unschedulable for a minute may just be waiting for the autoscaler); becomes ``ResourceConstraints`` when the
  PodScheduled=False/Unschedulable message says ``Insufficient ...`` or ``Too many pods``, ``Unschedulable``
  for any other Unschedulable message;
* ``Evicted`` (critical): ``status.reason: Evicted`` (or, 1.26+, a DisruptionTarget condition from the
  kubelet or the eviction API); an evicted pod is not also reported as Failed, nor are its containers (the
  kubelet marks them ContainerStatusUnknown, exit 137);
* ``Failed``: phase Failed (critical; the containers' exit codes go into its details rather than into
  separate issues); a container that cannot start (CreateContainerConfigError and the other create/start
  waiting reasons: critical, the waiting message as details); a container currently terminated with a
  non-zero code (warning: it may be restarted and recover);
* ``CrashLoopBackOff`` (critical), app and init containers;
* ``ImagePullError`` (critical): ImagePullBackOff, ErrImagePull, InvalidImageName, ErrImageNeverPull and the
  other image waiting reasons;
* ``OOMKilled``: the current or last termination says OOMKilled, whatever the exit code; critical while the
  container is down, warning once it runs again.

``summary`` counts pods per issue type (a pod with two crash-looping containers counts once), sorted by count
then type. Recent events are the pod's Warning events of the last hour, newest first, at most 5, matched by
UID when the event carries one; events are indexed once by pod name so the analysis is linear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final

from k8s_agent.analysis.kube import (
    event_columns,
    event_last_time,
    is_about,
)
from k8s_agent.analysis.podstatus import (
    IMAGE_PULL_REASONS,
    START_FAILURE_REASONS,
    ContainerReport,
    Termination,
    container_reports,
    exit_code_meaning,
    is_evicted,
    kubectl_row,
    total_restarts,
)
from k8s_agent.analysis.text import compact_duration, one_line, rfc3339
from k8s_agent.analysis.workloads.owners import OwnerIndex, workload_of
from k8s_agent.analysis.workloads.summary import (
    Tally,
    WorkloadKey,
    retried_pod_of_succeeded_job,
    succeeded_jobs,
    summaries,
)
from k8s_agent.kube.models import Event, Job, Pod, PodCondition, ReplicaSet
from k8s_agent.schemas.namespace_errors import (
    EventInfo,
    IssueSeverity,
    IssueSummary,
    IssueType,
    NamespaceErrorReport,
    PodIssue,
    ProblematicPod,
)

PENDING_AFTER = timedelta(minutes=5)
RECENT_EVENTS_WINDOW = timedelta(hours=1)
RECENT_EVENTS_MAX = 5
DETAILS_MAX_CHARS = 500

CRITICAL: Final = "critical"
WARNING: Final = "warning"

SUMMARY_DESCRIPTIONS = {
    "HighRestarts": "Pods with excessive restart counts",
    "Pending": "Pods stuck in pending state",
    "Failed": "Pods in failed state or with containers that cannot start or exited with an error",
    "CrashLoopBackOff": "Pods in crash loop backoff",
    "ImagePullError": "Pods with image pull errors",
    "ResourceConstraints": "Pods with insufficient resources",
    "Unschedulable": "Pods that cannot be scheduled",
    "OOMKilled": "Pods with containers killed for running out of memory",
    "Evicted": "Pods evicted from their node",
}


# ------------------------------------------------------------------------------------------ owners
def resolve_owner(pod: Pod, owners: OwnerIndex) -> tuple[str, str]:
    """``(ownerKind, ownerName)`` of a pod: its workload (see the module docstring)."""
    return workload_of(pod, owners)


# ------------------------------------------------------------------------------------------ issues
def _termination_details(t: Termination) -> str:
    head = f"{t.reason or 'Error'}, exit code {t.exit_code} ({exit_code_meaning(t.exit_code)})"
    if t.signal:
        head += f", signal {t.signal}"
    return f"{head}: {t.message}" if t.message else head


def _scheduled_false(pod: Pod) -> PodCondition | None:
    for c in pod.status.conditions:
        if c.type == "PodScheduled" and c.status == "False":
            return c
    return None


def _pending_since(pod: Pod) -> datetime | None:
    if pod.metadata.creation_timestamp is not None:
        return pod.metadata.creation_timestamp
    cond = _scheduled_false(pod)
    return cond.last_transition_time if cond is not None else None


def _issue(kind: IssueType, description: str, severity: IssueSeverity, details: str) -> PodIssue:
    """An issue whose details are cut to one line of at most ``DETAILS_MAX_CHARS``."""
    return PodIssue(
        type=kind, description=description, severity=severity, details=one_line(details, DETAILS_MAX_CHARS)
    )


def _pending_issue(pod: Pod, reports: list[ContainerReport], now: datetime) -> PodIssue | None:
    since = _pending_since(pod)
    if since is None or now - since <= PENDING_AFTER:
        return None
    description = f"Pod has been pending for {compact_duration(now - since)}"
    cond = _scheduled_false(pod)
    if cond is not None and cond.reason == "Unschedulable":
        low = cond.message.lower()
        kind: IssueType = (
            "ResourceConstraints" if ("insufficient" in low or "too many pods" in low) else "Unschedulable"
        )
        return _issue(kind, description, CRITICAL, cond.message)
    if cond is not None and cond.reason == "SchedulingGated":
        gates = ", ".join(g.name for g in pod.spec.scheduling_gates)
        details = f"Scheduling gated by: {gates}" if gates else (cond.message or "Scheduling gated")
        return _issue("Pending", description, CRITICAL, details)
    if cond is not None:
        details = f"{cond.reason}: {cond.message}" if cond.reason else cond.message
        return _issue("Pending", description, CRITICAL, details)
    waiting = [f"{r.name}: {r.waiting_reason}" for r in reports if r.waiting_reason]
    details = "; ".join(waiting) if waiting else ("not scheduled yet" if not pod.spec.node_name else "")
    return _issue("Pending", description, CRITICAL, details)


def _container_issues(r: ContainerReport, pod_failed: bool) -> list[PodIssue]:
    out: list[PodIssue] = []
    reason = r.waiting_reason
    if reason == "CrashLoopBackOff":
        details = r.waiting_message
        last = r.crash_termination
        if last is not None:
            details = (
                f"{details}; last termination: {_termination_details(last)}"
                if details
                else (f"last termination: {_termination_details(last)}")
            )
        out.append(_issue("CrashLoopBackOff", f"{r.label} is in CrashLoopBackOff state", CRITICAL, details))
    elif reason in IMAGE_PULL_REASONS:
        out.append(
            _issue(
                "ImagePullError",
                f"{r.label} has image pull error: {reason}",
                CRITICAL,
                r.pull_error or r.waiting_message,
            )
        )
    elif reason in START_FAILURE_REASONS:
        out.append(_issue("Failed", f"{r.label} cannot start: {reason}", CRITICAL, r.waiting_message))

    oom = r.oom_termination
    if oom is not None:
        up_again = r.running and r.terminated is None
        details = f"exit code {oom.exit_code}"
        if oom.finished_at is not None:
            details += f", finished at {rfc3339(oom.finished_at)}"
        if r.restart_count:
            details += f", {r.restart_count} restarts"
        if oom.message:
            details += f": {oom.message}"
        out.append(
            _issue(
                "OOMKilled",
                r.oom_sentence() or f"{r.label} was OOMKilled",
                WARNING if up_again else CRITICAL,
                details,
            )
        )

    t = r.terminated
    if t is not None and not pod_failed and not t.oom_killed and (t.exit_code != 0 or t.signal):
        out.append(
            _issue(
                "Failed",
                f"{r.label} terminated with exit code {t.exit_code}",
                WARNING,
                _termination_details(t),
            )
        )
    return out


def pod_issues(pod: Pod, restart_threshold: int, now: datetime) -> list[PodIssue]:
    """Every issue of one pod, in a fixed order: restarts, scheduling, pod phase, then per container."""
    reports = container_reports(pod)
    issues: list[PodIssue] = []

    restarts = total_restarts(pod)
    if restarts > restart_threshold:
        per = [
            f"{r.name}{' (init)' if r.init else ''}: {r.restart_count} restarts"
            for r in reports
            if r.restart_count
        ]
        issues.append(
            PodIssue(
                type="HighRestarts",
                description=f"Pod has restarted {restarts} times (threshold: {restart_threshold})",
                severity=CRITICAL,
                details=", ".join(per),
            )
        )

    phase = pod.status.phase
    if phase == "Pending":
        pending = _pending_issue(pod, reports, now)
        if pending is not None:
            issues.append(pending)

    if is_evicted(pod):
        issues.append(
            _issue(
                "Evicted",
                "Pod was evicted from its node",
                CRITICAL,
                pod.status.message or "DisruptionTarget condition set by the kubelet",
            )
        )
        return issues  # containers of an evicted pod only show the eviction (ContainerStatusUnknown)

    pod_failed = phase == "Failed"
    if pod_failed:
        why = pod.status.reason
        details = pod.status.message
        if not details:
            details = "; ".join(
                f"{r.name}: {_termination_details(r.terminated)}"
                for r in reports
                if r.terminated is not None and r.terminated.failed
            )
        issues.append(
            _issue(
                "Failed",
                f"Pod is in Failed phase ({why})" if why else "Pod is in Failed phase",
                CRITICAL,
                details,
            )
        )

    for r in reports:
        issues.extend(_container_issues(r, pod_failed))
    return issues


# ------------------------------------------------------------------------------------------ events
def _event_info(ev: Event) -> EventInfo:
    return EventInfo(**event_columns(ev))


def index_recent_warnings(events: list[Event], now: datetime) -> dict[str, list[tuple[datetime, Event]]]:
    """Warning events about pods seen within the last hour, by pod name (one pass over the events)."""
    cutoff = now - RECENT_EVENTS_WINDOW
    index: dict[str, list[tuple[datetime, Event]]] = defaultdict(list)
    for ev in events:
        if ev.type != "Warning":
            continue
        io = ev.involved_object
        if io.kind not in ("Pod", ""):
            continue
        last = event_last_time(ev)
        if last is None or last <= cutoff:
            continue
        index[io.name].append((last, ev))
    return index


def recent_events(pod: Pod, index: dict[str, list[tuple[datetime, Event]]]) -> list[EventInfo]:
    return recent_events_of(pod.metadata.name, pod.metadata.uid, index)


def recent_events_of(name: str, uid: str, index: dict[str, list[tuple[datetime, Event]]]) -> list[EventInfo]:
    """The pod's recent Warning events (newest first, at most 5), matched by UID when the event has one."""
    mine = [(last, ev) for last, ev in index.get(name, ()) if is_about(ev, uid)]
    mine.sort(key=lambda t: (t[0], t[1].reason, t[1].message), reverse=True)
    return [_event_info(ev) for _, ev in mine[:RECENT_EVENTS_MAX]]


# ------------------------------------------------------------------------------------------ the analysis
def analyze_namespace(
    namespace: str,
    pods: list[Pod],
    events: list[Event],
    replicasets: list[ReplicaSet],
    restart_threshold: int,
    now: datetime,
    *,
    jobs: Iterable[Job] = (),
    states: Mapping[WorkloadKey, str] | None = None,
    owner_kinds: frozenset[str] = frozenset(),
) -> NamespaceErrorReport:
    """The namespace error report (see the module docstring for the rules). ``jobs`` resolve CronJobs and
    retried pods of succeeded Jobs; ``states`` are the workloads' states by (namespace, kind, name);
    ``owner_kinds`` empty means every kind."""
    jobs = list(jobs)
    owners = OwnerIndex(replicasets, jobs)
    succeeded = succeeded_jobs(jobs)
    event_index = index_recent_warnings(events, now)

    analysed = 0
    tallies: dict[WorkloadKey, Tally] = {}
    problematic: list[tuple[tuple, ProblematicPod]] = []
    for pod in pods:
        owner = resolve_owner(pod, owners)
        if owner_kinds and owner[0] not in owner_kinds:
            continue
        analysed += 1
        ns = pod.metadata.namespace or namespace
        issues = pod_issues(pod, restart_threshold, now)
        if issues and retried_pod_of_succeeded_job(pod.status.phase, pod.metadata, succeeded):
            issues = []
        key = (ns, owner[0], owner[1])
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally()
        tally.add(issues)
        if not issues:
            continue
        restarts = total_restarts(pod)
        created = pod.metadata.creation_timestamp
        row = kubectl_row(pod)
        entry = ProblematicPod(
            name=pod.metadata.name,
            namespace=ns,
            owner_kind=owner[0],
            owner_name=owner[1],
            phase=pod.status.phase,
            status=row.status,
            ready=row.ready,
            restarts=row.restarts_text(now),
            restart_count=restarts,
            age=compact_duration(now - created) if created is not None else "unknown",
            issues=issues,
            recent_events=recent_events(pod, event_index),
        )
        any_critical = any(i.severity == CRITICAL for i in issues)
        problematic.append(((0 if any_critical else 1, -restarts, entry.name), entry))
    problematic.sort(key=lambda t: t[0])
    entries = [e for _, e in problematic]

    affected: dict[IssueType, list[str]] = {}
    for e in entries:
        for issue_type in dict.fromkeys(i.type for i in e.issues):
            affected.setdefault(issue_type, []).append(e.name)
    summary = [
        IssueSummary(
            issue_type=t,
            count=len(names),
            description=SUMMARY_DESCRIPTIONS.get(t, t),
            affected_pods=names,
        )
        for t, names in sorted(affected.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]

    all_issues = [i for e in entries for i in e.issues]
    return NamespaceErrorReport(
        namespace=namespace,
        analysis_time=rfc3339(now) or "",
        owner_kinds=sorted(owner_kinds) or None,
        total_pods_analyzed=analysed,
        problematic_pods_count=len(entries),
        healthy_pods_count=analysed - len(entries),
        restart_threshold_used=restart_threshold,
        summary=summary,
        workloads=summaries(tallies, states),
        problematic_pods=entries,
        critical_issues_count=sum(1 for i in all_issues if i.severity == CRITICAL),
        warning_issues_count=sum(1 for i in all_issues if i.severity == WARNING),
    )
