"""The failure events of a pod: its own, its controller's and its node's events classified, enriched from the
pod's state, with recurrence, ongoing issues and a summary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from k8s_agent.analysis.failure_events.classify import classify_event
from k8s_agent.analysis.failure_events.rules import (
    CRITICAL,
    NODE_REASONS,
    ONGOING_MAX_CHARS,
    ONGOING_WINDOW,
    RECURRING_AFTER,
    SEVERITY_WEIGHT,
    WARNING,
    Classification,
)
from k8s_agent.analysis.kube import (
    controller,
    event_columns,
    event_count,
    event_first_time,
    event_last_time,
    event_message,
    events_about,
    pod_start,
)
from k8s_agent.analysis.podstatus import (
    IMAGE_PULL_REASONS,
    START_FAILURE_REASONS,
    ContainerReport,
    container_reports,
    kubectl_status,
)
from k8s_agent.analysis.text import compact_duration, dedupe, shorten
from k8s_agent.kube.models import Event, Pod
from k8s_agent.schemas.failure_events import (
    FailureEvent,
    InvolvedObject,
    PodFailureEvents,
    RecentIssue,
)

# ------------------------------------------------------------------------------------------ enrichment
_FIELD_PATH_RE = re.compile(r"spec\.(containers|initContainers|ephemeralContainers)\{([^}]+)\}")


def _target_containers(ev: Event, reports: list[ContainerReport]) -> list[ContainerReport]:
    m = _FIELD_PATH_RE.search(ev.involved_object.field_path or "")
    if m is None or ev.involved_object.kind not in ("", "Pod"):
        return reports
    picked = [r for r in reports if r.name == m.group(2)]
    return picked or reports


def _state_causes(topic: str, ev: Event, pod: Pod, reports: list[ContainerReport]) -> list[str]:
    """What the pod's own state adds to an event of this topic."""
    if not topic:
        return []
    out: list[str] = []
    targets = _target_containers(ev, reports)
    if topic == "crash":
        for r in targets:
            if not r.troubled:
                continue
            out.extend(
                s
                for s in (
                    r.oom_sentence(),
                    r.termination_sentence(),
                    r.restart_sentence(),
                    r.waiting_sentence(),
                )
                if s
            )
    elif topic == "pull":
        out.extend(
            s for r in targets if r.waiting_reason in IMAGE_PULL_REASONS and (s := r.waiting_sentence())
        )
    elif topic == "config":
        out.extend(
            s for r in targets if r.waiting_reason in START_FAILURE_REASONS and (s := r.waiting_sentence())
        )
    elif topic == "probe":
        for r in targets:
            out.extend(s for s in (r.restart_sentence(), r.oom_sentence(), r.termination_sentence()) if s)
    elif topic == "oom":
        out.extend(s for r in targets if (s := r.oom_sentence()))
    elif topic in ("evict", "node"):
        out.extend(s for r in reports if (s := r.oom_sentence()))
        msg = " ".join((pod.status.message or "").split())
        if topic == "evict" and msg and " ".join(event_message(ev).split()) not in msg:
            out.append(f"Pod status: {msg}")
        qos = pod.status.qos_class
        if qos in ("Burstable", "BestEffort"):
            out.append(f"Pod QoS class is {qos} - consider setting guaranteed QoS")
    return out


# ------------------------------------------------------------------------------------------ recurrence
def recurrence(ev: Event, now: datetime) -> tuple[bool, str | None, str | None]:
    """``(isRecurring, recurrenceRate, timeSinceFirst)`` for either event shape."""
    count = event_count(ev)
    first = event_first_time(ev)
    last = event_last_time(ev)
    recurring = count > RECURRING_AFTER
    rate = None
    if recurring and first is not None and last is not None:
        span = (last - first).total_seconds()
        if span > 0:
            rate = f"{count / (span / 3600):.1f} times per hour"
    since = None
    if first is not None and now > first:
        since = compact_duration(now - first)
    return recurring, rate, since


# ------------------------------------------------------------------------------------------ the analysis
_EPOCH = datetime.min.replace(tzinfo=UTC)


def relevant_node_events(pod: Pod, node_events: Iterable[Event]) -> list[Event]:
    """Node events that can explain the pod's trouble: node-health reasons, since the pod started."""
    since = pod_start(pod)
    out = []
    for ev in node_events:
        if ev.reason not in NODE_REASONS:
            continue
        last = event_last_time(ev)
        if since is not None and last is not None and last < since:
            continue
        out.append(ev)
    return out


def _failure_event(
    ev: Event, cls: Classification, pod: Pod, reports: list[ContainerReport], now: datetime
) -> FailureEvent:
    recurring, rate, since = recurrence(ev, now)
    io = ev.involved_object
    return FailureEvent(
        **event_columns(ev),
        category=cls.category,
        severity=cls.severity,
        is_recurring=recurring,
        recurrence_rate=rate,
        time_since_first=since,
        possible_causes=dedupe([*cls.causes, *_state_causes(cls.topic, ev, pod, reports)]),
        suggested_action=cls.action,
        involved_object=InvolvedObject(
            kind=io.kind or "Pod",
            name=io.name or pod.metadata.name,
            field_path=io.field_path or "",
        ),
    )


def analyze_failure_events(
    pod: Pod,
    pod_events: list[Event],
    owner_events: list[Event],
    node_events: list[Event],
    now: datetime,
) -> PodFailureEvents:
    """Failure events of a pod, with those of its controller (FailedCreate for quota...) and of its node
    (NodeNotReady, SystemOOM...) that explain its trouble, classified, enriched and summarised.

    Pod events whose ``involvedObject.uid`` is set and is not the pod's (an earlier pod of the same name) are
    dropped, as are owner events of another owner UID. Node events count only for node-health reasons seen
    since the pod started.
    """
    uid = pod.metadata.uid
    owner = controller(pod.metadata)
    owner_uid = owner.uid if owner is not None else ""
    own = events_about(uid, pod_events)
    owners = events_about(owner_uid, owner_events)
    nodes = relevant_node_events(pod, node_events)
    reports = container_reports(pod)

    scored: list[tuple[tuple, FailureEvent, datetime]] = []
    for ev in (*own, *owners, *nodes):
        cls = classify_event(ev)
        if not cls.is_failure:
            continue
        fe = _failure_event(ev, cls, pod, reports, now)
        last = event_last_time(ev) or _EPOCH
        key = (
            -SEVERITY_WEIGHT[cls.severity],
            -last.timestamp(),
            fe.reason,
            fe.message,
            fe.involved_object.kind,
        )
        scored.append((key, fe, last))
    scored.sort(key=lambda t: t[0])

    failures = [fe for _, fe, _ in scored]
    categories = Counter(fe.category for fe in failures)
    most_recent = None
    most_recent_at = None
    ongoing: list[str] = []
    for _, fe, last in scored:
        if most_recent_at is None or last > most_recent_at:
            most_recent, most_recent_at = fe, last
        if last is not _EPOCH and last > now - ONGOING_WINDOW:
            ongoing.append(shorten(f"{fe.reason}: {fe.message}", ONGOING_MAX_CHARS))

    return PodFailureEvents(
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        total_events=len(own) + len(owners) + len(nodes),
        failure_events=failures,
        event_categories=dict(sorted(categories.items())),
        critical_events=sum(1 for fe in failures if fe.severity == CRITICAL),
        warning_events=sum(1 for fe in failures if fe.severity == WARNING),
        most_recent_issue=(
            RecentIssue(
                reason=most_recent.reason,
                message=most_recent.message,
                last_timestamp=most_recent.last_timestamp,
            )
            if most_recent is not None
            else None
        ),
        ongoing_issues=ongoing,
        pod_phase=pod.status.phase,
        pod_status=kubectl_status(pod),
    )
