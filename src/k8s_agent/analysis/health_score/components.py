"""The ``containerStates``, ``events``, ``conditions`` and ``scheduling`` components: each the lowest cap
that the pod's state imposes (``formula`` holds every cap), with a sentence saying why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from k8s_agent.analysis.health_score import formula as f
from k8s_agent.analysis.kube import event_count, event_first_time, event_last_time, event_message, is_about
from k8s_agent.analysis.podstatus import (
    BENIGN_WAITING_REASONS,
    IMAGE_PULL_REASONS,
    START_FAILURE_REASONS,
    ContainerReport,
    is_evicted,
)
from k8s_agent.analysis.text import compact_duration, one_line
from k8s_agent.kube.models import Event, Pod


@dataclass(slots=True)
class _Cap:
    score: int
    why: str


def _min_cap(caps: list[_Cap]) -> _Cap | None:
    return min(caps, key=lambda c: c.score) if caps else None


def pod_created(pod: Pod) -> datetime | None:
    """When the pod was created; for partial objects, its start time or its earliest condition change."""
    if pod.metadata.creation_timestamp or pod.status.start_time:
        return pod.metadata.creation_timestamp or pod.status.start_time
    times = [c.last_transition_time for c in pod.status.conditions if c.last_transition_time is not None]
    return min(times) if times else None


def _starting(pod: Pod, now: datetime) -> bool:
    """Within the pod's first 5 minutes (or its creation is unknown)."""
    created = pod_created(pod)
    return created is None or now - created <= f.STARTUP_GRACE


# ------------------------------------------------------------------------------------------ container states
def _container_caps(r: ContainerReport, pod: Pod, now: datetime) -> tuple[list[_Cap], bool, bool]:
    """(caps, expected_to_run, healthy) of one container."""
    starting = _starting(pod, now)
    restarts_it = (pod.spec.restart_policy or "Always") == "Always" or r.sidecar
    caps: list[_Cap] = []
    reason = r.waiting_reason
    label = f"{r.name}"
    if reason:
        if reason in ("CrashLoopBackOff", "Error"):
            caps.append(_Cap(f.CRASH_LOOP_CAP, f"{label}: {reason}"))
        elif reason in IMAGE_PULL_REASONS:
            caps.append(_Cap(f.IMAGE_PULL_CAP, f"{label}: {reason}"))
        elif reason in START_FAILURE_REASONS:
            caps.append(_Cap(f.START_FAILURE_CAP, f"{label}: {reason}"))
        elif reason in BENIGN_WAITING_REASONS:
            early, late = f.CREATING_CAP
            caps.append(
                _Cap(early if starting else late, f"{label}: {reason}" + ("" if starting else " for over 5m"))
            )
        else:
            caps.append(_Cap(f.OTHER_WAITING_CAP, f"{label}: {reason}"))
    t = r.terminated
    completed = False
    if t is not None:
        if t.oom_killed:
            caps.append(_Cap(f.OOM_KILLED_CAP, f"{label}: OOMKilled"))
        elif t.failed:
            caps.append(_Cap(f.FAILED_CONTAINER_CAP, f"{label}: terminated, exit code {t.exit_code}"))
        elif (r.init and not r.sidecar) or not restarts_it:
            completed = True
        else:
            caps.append(_Cap(f.EXITED_WILL_RESTART_CAP, f"{label}: exited 0 and will be restarted"))
    expected = (not r.init or r.sidecar) and not completed
    if r.running:
        lt = r.last_terminated
        if lt is not None and lt.oom_killed and lt.finished_at is not None and now - lt.finished_at <= f.HOUR:
            caps.append(
                _Cap(f.RECENT_OOM_CAP, f"{label}: OOMKilled {compact_duration(now - lt.finished_at)} ago")
            )
        if expected and not r.ready:
            caps.append(_Cap(f.NOT_READY_CAP, f"{label}: running, not ready"))
    healthy = completed or (r.running and r.ready) or (r.init and not r.sidecar and r.running)
    return caps, expected, healthy and not caps


def container_states_component(reports: list[ContainerReport], pod: Pod, now: datetime) -> tuple[int, str]:
    caps: list[_Cap] = []
    phase = pod.status.phase
    if phase == "Failed":
        caps.append(_Cap(f.FAILED_POD_CAP, "pod evicted" if is_evicted(pod) else "pod phase Failed"))
    elif phase == "Unknown":
        caps.append(_Cap(f.UNKNOWN_POD_CAP, "pod phase Unknown (its node stopped reporting)"))
    if not reports:
        if phase == "Succeeded":
            return 100, "pod completed"
        if not caps:
            early, late = f.NO_CONTAINERS_CAP
            caps.append(
                _Cap(early, "no container created yet (pod starting)")
                if _starting(pod, now)
                else _Cap(late, "no container created yet, pod older than 5m")
            )
        worst = _min_cap(caps)
        assert worst is not None
        return worst.score, f"0/0 containers: {worst.why}"

    expected = ready = healthy = 0
    for r in reports:
        c_caps, c_expected, c_healthy = _container_caps(r, pod, now)
        caps.extend(c_caps)
        if c_expected:
            expected += 1
            if r.ready:
                ready += 1
        healthy += c_healthy
    text = f"{healthy}/{len(reports)} containers healthy, {ready}/{expected} ready"
    worst = _min_cap(caps)
    if worst is not None:
        return worst.score, f"{text}; {worst.why}"
    return 100, text


# ------------------------------------------------------------------------------------------ events
def _belongs(ev: Event, pod: Pod) -> bool:
    io = ev.involved_object
    if io.kind and io.kind != "Pod":
        return False
    if io.name and io.name != pod.metadata.name:
        return False
    return is_about(ev, pod.metadata.uid)


@dataclass(slots=True)
class EventGroup:
    type: str
    reason: str
    message: str
    count: int
    first: datetime | None
    last: datetime


def event_groups(pod: Pod, events: list[Event], now: datetime) -> list[EventGroup]:
    """The pod's events of the last 24 h grouped by (type, reason), newest first (ties by type, reason)."""
    cutoff = now - f.DAY
    groups: dict[tuple[str, str], EventGroup] = {}
    for ev in events:
        if not _belongs(ev, pod):
            continue
        last = event_last_time(ev)
        if last is None or last < cutoff:
            continue
        key = (ev.type or "", ev.reason or "")
        first = event_first_time(ev)
        g = groups.get(key)
        if g is None:
            groups[key] = EventGroup(key[0], key[1], event_message(ev), event_count(ev), first, last)
            continue
        g.count += event_count(ev)
        if first is not None and (g.first is None or first < g.first):
            g.first = first
        if last > g.last or (last == g.last and event_message(ev) < g.message):
            g.last = last
            g.message = event_message(ev)
    return sorted(groups.values(), key=lambda g: (-g.last.timestamp(), g.type, g.reason))


def events_component(groups: list[EventGroup], now: datetime) -> tuple[int, str]:
    caps: list[_Cap] = []
    occurrences = 0
    reasons = 0
    for g in groups:
        if g.type != "Warning":
            continue
        occurrences += g.count
        reasons += 1
        cap = f.EVENT_CAPS.get(g.reason, f.OTHER_WARNING_CAP)
        if now - g.last > f.HOUR:
            cap = f.aged_event_cap(cap)
        caps.append(_Cap(cap, f"{g.reason} x{g.count}, last {compact_duration(now - g.last)} ago"))
    if not caps:
        return 100, "0 warning events in last 24h"
    worst = _min_cap(caps)
    assert worst is not None
    word = "reason" if reasons == 1 else "reasons"
    return worst.score, f"{occurrences} warning events in last 24h ({reasons} {word}); worst: {worst.why}"


# ------------------------------------------------------------------------------------------ conditions
def conditions_component(pod: Pod) -> tuple[int, str]:
    conds = pod.status.conditions
    if not conds:
        return f.NO_CONDITIONS_SCORE, "no pod conditions reported yet"
    completed = pod.status.phase == "Succeeded"
    terminal = pod.status.phase in ("Succeeded", "Failed")
    caps: list[_Cap] = []
    failed = 0
    for c in conds:
        if c.type == "DisruptionTarget":
            if c.status == "True":
                failed += 1
                caps.append(_Cap(f.DISRUPTION_CAP, f"DisruptionTarget ({c.reason or 'being evicted'})"))
            continue
        cap = f.CONDITION_CAPS.get(c.type)
        if cap is None or c.status == "True":
            continue
        if completed and c.type in ("Ready", "ContainersReady"):
            continue
        if terminal and c.type == "PodReadyToStartContainers":
            continue  # the sandbox of a finished pod is torn down: a consequence, not a cause
        failed += 1
        caps.append(_Cap(cap, f"{c.type} {c.status or 'Unknown'}" + (f" ({c.reason})" if c.reason else "")))
    text = f"{len(conds) - failed}/{len(conds)} conditions healthy"
    worst = _min_cap(caps)
    if worst is None:
        return 100, text
    return worst.score, f"{text}; {worst.why}"


# ------------------------------------------------------------------------------------------ scheduling
def scheduling_component(pod: Pod, now: datetime) -> tuple[int, str]:
    if pod.spec.node_name:
        return f.SCHEDULED_SCORE, f"scheduled on {pod.spec.node_name}"
    if pod.status.phase in ("Succeeded", "Failed"):
        return f.FINISHED_UNSCHEDULED_SCORE, f"pod {pod.status.phase} without being scheduled"
    if pod.spec.scheduling_gates:
        return f.GATED_SCORE, "held by scheduling gates: " + ", ".join(
            g.name for g in pod.spec.scheduling_gates
        )
    if pod.status.nominated_node_name:
        return (
            f.NOMINATED_SCORE,
            f"preemption in progress: nominated to node {pod.status.nominated_node_name}",
        )
    for c in pod.status.conditions:
        if c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable":
            msg = one_line(c.message, 200)
            return f.UNSCHEDULABLE_SCORE, f"unschedulable: {msg}" if msg else "unschedulable"
    early, late = f.WAITING_SCORE
    if _starting(pod, now):
        return early, "waiting for the scheduler"
    created = pod_created(pod)
    assert created is not None  # not starting: its creation is known
    scheduler = pod.spec.scheduler_name or "default-scheduler"
    return (
        late,
        f"not scheduled after {compact_duration(now - created)} (is scheduler '{scheduler}' running?)",
    )
