"""Pod health score: a deterministic 0-100 number with the components that produced it.

The same text, with worked examples, is in ``docs/health-score.md``. Pure: the pod, its events and ``now``
in; the score out. Times: a pod's age (for "in the last hour") counts from ``status.startTime``, else
``metadata.creationTimestamp``; grace periods ("the first 5 minutes") from ``metadata.creationTimestamp``, else
``status.startTime``, else the earliest condition transition.

Five components, each 0-100, weighted (weights sum to 1):

``restarts`` (0.30) - how much, and how recently, containers restarted
    ``R`` = restarts of every container (app, init, sidecar). A container's last restart time is the later
    of its ``lastState.terminated.finishedAt`` and, when it has restarted, its current run's ``startedAt``.
    ``H`` = restarts in the last hour, summed over containers (Kubernetes keeps only each container's latest
    termination, so it is reconstructed): all of a container's restarts when the pod is at most one hour
    old; none when its last restart is older than an hour (or unknown); when it is within the hour, for a
    container crash-looping now (waiting CrashLoopBackOff) ``min(restartCount, 1 + floor((1 h - time since
    its last termination) / (its last run time + the back-off delay of the waiting message, 5 min if
    absent)))`` - the kubelet restarts such a container once per run plus back-off - and otherwise 1.
    The other ``R - H`` restarts are older; they are discounted by the age of the most recent restart
    (``f`` = 1 when it is within the hour or unknown, 1/2 within 24 h, 1/4 beyond). The effective count
    ``E = 3 H + f (R - H)`` (a restart in the last hour weighs three older ones) is bucketed as the Go
    service bucketed raw restarts: ``E = 0`` -> 100, ``<= 2`` -> 85, ``<= 5`` -> 70, ``<= 10`` -> 50,
    ``<= 20`` -> 30, else 10. (The Go service halved the score when ``R`` / pod age > 1 per hour, which
    punished young pods for one restart and forgave month-old pods crash-looping now.)

``containerStates`` (0.25) - what the containers are doing now
    Each container status may impose a cap: waiting ``CrashLoopBackOff`` (or ``Error``) 20; an image-pull
    reason (ErrImagePull, ImagePullBackOff, InvalidImageName...) 30; a create/start failure
    (CreateContainerConfigError, RunContainerError...) 30; ``ContainerCreating``/``PodInitializing`` 70
    during the first 5 minutes of the pod, 40 after; any other waiting reason 50; terminated ``OOMKilled``
    20; terminated with a failure (non-zero exit code, signal, start error) 40; an app container or sidecar
    that exited 0 in a pod that restarts it (``restartPolicy: Always``) 50; running after an OOM kill less
    than an hour ago 60; an app container or sidecar running but not ready 60. Pod-level caps: phase Failed
    (evicted included) 20, phase Unknown 30; no container status at all (nothing created yet) 70 during the
    first 5 minutes, 30 after (the Go service gave such a pod 100). The score is the lowest cap, 100 without
    any. An exit code 0 is never unhealthy where completion is expected (init containers, pods with
    ``restartPolicy`` Never/OnFailure), so a completed Job pod scores 100.

``events`` (0.20) - Warning events of the last 24 hours
    Events of an earlier pod with the same name (another UID) are ignored; both event shapes count (time:
    ``lastTimestamp``, else ``series.lastObservedTime``, else ``eventTime``; the Go service ignored events
    with a null ``lastTimestamp``, such as the scheduler's). Each Warning reason caps the score: Failed,
    FailedScheduling, FailedMount, FailedAttachVolume, FailedCreatePodSandBox, Evicted, FailedPostStartHook,
    FailedPreStopHook 30; BackOff, CrashLoopBackOff 40; Unhealthy 50; any other 70. A reason last seen more
    than an hour ago caps halfway back to 100 (``cap + (100 - cap) // 2``: 30 -> 65). The score is the lowest
    cap, 100 without Warning events.

``conditions`` (0.15) - the pod's conditions
    A condition not True caps the score: PodScheduled 30, Ready 50, ContainersReady 60,
    PodReadyToStartContainers 60 (sandbox not ready), Initialized 70; ``DisruptionTarget`` True (being
    evicted or preempted) 30. A completed pod (phase Succeeded) is not penalised for Ready/ContainersReady
    False, and a finished pod (Succeeded or Failed) not for PodReadyToStartContainers False (its sandbox is
    torn down). A pod with no condition at all scores 50 (nothing has processed it yet). Lowest cap, else 100.

``scheduling`` (0.10) - replaces the Go service's ``uptime`` component
    (which looked at running containers only, so it rewarded crash-looping pods and penalised young ones):
    bound to a node 100; nominated for preemption 60; held by scheduling gates 50; not schedulable
    (PodScheduled False, reason Unschedulable) 0; finished without a node 0; otherwise waiting for the
    scheduler: 70 during the first 5 minutes, 30 after.

Overall score: ``round_half_up(sum(score x weight))``, computed exactly; a pod in phase Failed (evicted
included) is capped at 20, since it will never run again (the weighted sum of a failed Job pod whose events
have expired would otherwise read "Good"). Status: >= 90 Healthy, >= 70 Good,
>= 50 Warning, >= 30 Degraded, else Critical. Component status: >= 90 Excellent, >= 70 Good, >= 50 Fair,
>= 30 Poor, else Critical.

Worked example (the Go documentation's, with the times it left open): one container, pod 2 h old, 10
restarts, now waiting in CrashLoopBackOff (``back-off 5m0s``) after a run from 7 to 3 minutes ago, one
BackOff Warning event 3 minutes ago, Ready and ContainersReady False. restarts: the loop period is 4 min + 5 min
= 9 min, so H = min(10, 1 + floor(57 / 9)) = 7, f = 1, E = 3 x 7 + 3 = 24 -> 10; containerStates 20;
events 40; conditions 50; scheduling 100. Overall = 3 + 5 + 8 + 7.5 + 10 = 33.5 -> 34, "Degraded" (Go: 38).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from k8s_agent.analysis.kube import (
    event_count,
    event_first_time,
    event_last_time,
    event_message,
    is_about,
    pod_start,
)
from k8s_agent.analysis.podstatus import (
    BENIGN_WAITING_REASONS,
    IMAGE_PULL_REASONS,
    START_FAILURE_REASONS,
    ContainerReport,
    container_reports,
    is_evicted,
    kubectl_status,
)
from k8s_agent.analysis.text import compact_duration, rfc3339, spaced_duration
from k8s_agent.kube.models import ContainerStatus, Event, Pod
from k8s_agent.schemas.health_score import (
    ContainerHealth,
    HealthComponent,
    HealthCondition,
    HealthDetails,
    HealthEvent,
    PodHealthScore,
)

WEIGHTS: dict[str, Fraction] = {
    "restarts": Fraction(30, 100),
    "containerStates": Fraction(25, 100),
    "events": Fraction(20, 100),
    "conditions": Fraction(15, 100),
    "scheduling": Fraction(10, 100),
}

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
STARTUP_GRACE = timedelta(minutes=5)
RECENT_WEIGHT = 3
RECENT_EVENTS_MAX = 20

#: (upper bound of the effective restart count, score); above the last bound: 10
RESTART_BUCKETS = ((0, 100), (2, 85), (5, 70), (10, 50), (20, 30))
RESTART_FLOOR = 10

EVENT_CAPS: dict[str, int] = {
    **dict.fromkeys(
        (
            "Failed",
            "FailedScheduling",
            "FailedMount",
            "FailedAttachVolume",
            "FailedCreatePodSandBox",
            "Evicted",
            "FailedPostStartHook",
            "FailedPreStopHook",
        ),
        30,
    ),
    "BackOff": 40,
    "CrashLoopBackOff": 40,
    "Unhealthy": 50,
}
OTHER_WARNING_CAP = 70

CONDITION_CAPS = {
    "PodScheduled": 30,
    "Ready": 50,
    "ContainersReady": 60,
    "PodReadyToStartContainers": 60,
    "Initialized": 70,
}
DISRUPTION_CAP = 30
NOT_READY_CAP = 60
NO_CONDITIONS_SCORE = 50
#: a pod in phase Failed (evicted included) never runs again: its overall score is at most this (Critical)
FAILED_POD_CEILING = 20


# ------------------------------------------------------------------------------------------ labels
def overall_status(score: int) -> str:
    if score >= 90:
        return "Healthy"
    if score >= 70:
        return "Good"
    if score >= 50:
        return "Warning"
    if score >= 30:
        return "Degraded"
    return "Critical"


def component_status(score: int) -> str:
    if score >= 90:
        return "Excellent"
    if score >= 70:
        return "Good"
    if score >= 50:
        return "Fair"
    if score >= 30:
        return "Poor"
    return "Critical"


def round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


# ------------------------------------------------------------------------------------------ inputs
def pod_created(pod: Pod) -> datetime | None:
    """When the pod was created; for partial objects, its start time or its earliest condition change."""
    if pod.metadata.creation_timestamp or pod.status.start_time:
        return pod.metadata.creation_timestamp or pod.status.start_time
    times = [c.last_transition_time for c in pod.status.conditions if c.last_transition_time is not None]
    return min(times) if times else None


@dataclass(slots=True)
class _Cap:
    score: int
    why: str


def _min_cap(caps: list[_Cap]) -> _Cap | None:
    return min(caps, key=lambda c: c.score) if caps else None


# ------------------------------------------------------------------------------------------ restarts
def bucket(effective: Fraction) -> int:
    for bound, score in RESTART_BUCKETS:
        if effective <= bound:
            return score
    return RESTART_FLOOR


@dataclass(slots=True)
class RestartFacts:
    total: int
    last_hour: int
    last_time: datetime | None
    last_reason: str | None
    last_container: str | None
    effective: Fraction


_GO_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
MAX_BACKOFF = timedelta(minutes=5)  # the kubelet's crash back-off cap
MIN_PERIOD = timedelta(seconds=10)  # the kubelet's first back-off


def go_duration(text: str | None) -> timedelta | None:
    """A Go duration string (``5m0s``, ``40s``, ``1h2m3.5s``) as a timedelta, None if there is none."""
    if not text:
        return None
    parts = _GO_DURATION_RE.findall(text)
    if not parts:
        return None
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


def _recent_restarts(r: ContainerReport, finished: datetime | None, now: datetime) -> int:
    """Restarts of one container in the last hour, when it restarted within the hour and the pod is older
    than an hour: for a container crash-looping now, the restarts that fit in the hour at one per (last run +
    back-off delay); otherwise the one restart we can date."""
    lt = r.last_terminated
    if r.waiting_reason != "CrashLoopBackOff" or lt is None or finished is None:
        return 1
    if lt.start_error or lt.started_at is None:
        run = timedelta(0)  # never ran (StartError reports startedAt 1970)
    else:
        run = max(finished - lt.started_at, timedelta(0))
    delay = go_duration(r.backoff) or MAX_BACKOFF
    period = max(run + delay, MIN_PERIOD)
    fits = 1 + int((HOUR - (now - finished)) / period)
    return max(1, min(r.restart_count, fits))


def restart_time(cs: ContainerStatus, r: ContainerReport) -> datetime | None:
    """When the container last restarted: the later of its last termination's ``finishedAt`` and, for a
    container that has restarted, the ``startedAt`` of its current run (the restart itself)."""
    lt = r.last_terminated
    times = [lt.finished_at] if lt is not None and lt.finished_at is not None else []
    running = cs.state.running
    if r.restart_count > 0 and running is not None and running.started_at is not None:
        times.append(running.started_at)
    return max(times) if times else None


def restart_facts(
    statuses: list[ContainerStatus], reports: list[ContainerReport], pod: Pod, now: datetime
) -> RestartFacts:
    start = pod_start(pod)
    young = start is not None and now - start <= HOUR
    total = last_hour = 0
    last_time: datetime | None = None
    last_reason = last_container = None
    for cs, r in zip(statuses, reports, strict=True):
        total += r.restart_count
        when = restart_time(cs, r)
        if r.restart_count > 0:
            if young:
                last_hour += r.restart_count
            elif when is not None and now - when <= HOUR:
                lt = r.last_terminated
                last_hour += _recent_restarts(r, lt.finished_at if lt is not None else None, now)
        if when is not None and (last_time is None or when > last_time):
            last_time = when
            lt = r.last_terminated
            if lt is not None:
                last_reason = lt.reason or ("Completed" if lt.exit_code == 0 else "Error")
                if lt.exit_code:
                    last_reason += f" (exit code {lt.exit_code})"
            else:
                last_reason = None
            last_container = r.name
    last_hour = min(last_hour, total)
    older = total - last_hour
    if last_time is None or now - last_time <= HOUR:
        f = Fraction(1)
    elif now - last_time <= DAY:
        f = Fraction(1, 2)
    else:
        f = Fraction(1, 4)
    effective = RECENT_WEIGHT * last_hour + f * older
    return RestartFacts(total, last_hour, last_time, last_reason, last_container, effective)


def _restarts_component(facts: RestartFacts, now: datetime) -> tuple[int, str]:
    score = 100 if facts.total == 0 else bucket(facts.effective)
    if facts.total == 0:
        return score, "0 total restarts"
    text = f"{facts.total} total restarts, {facts.last_hour} in the last hour"
    if facts.last_time is not None:
        text += f"; last {compact_duration(now - facts.last_time)} ago"
        if facts.last_reason:
            text += f", {facts.last_reason}"
    text += f"; weighted restarts {float(facts.effective):g}"
    return score, text


# ------------------------------------------------------------------------------------------ container states
def _container_caps(r: ContainerReport, pod: Pod, now: datetime) -> tuple[list[_Cap], bool, bool]:
    """(caps, expected_to_run, healthy) of one container."""
    created = pod_created(pod)
    starting = created is None or now - created <= STARTUP_GRACE
    restarts_it = (pod.spec.restart_policy or "Always") == "Always" or r.sidecar
    caps: list[_Cap] = []
    reason = r.waiting_reason
    label = f"{r.name}"
    if reason:
        if reason in ("CrashLoopBackOff", "Error"):
            caps.append(_Cap(20, f"{label}: {reason}"))
        elif reason in IMAGE_PULL_REASONS:
            caps.append(_Cap(30, f"{label}: {reason}"))
        elif reason in START_FAILURE_REASONS:
            caps.append(_Cap(30, f"{label}: {reason}"))
        elif reason in BENIGN_WAITING_REASONS:
            caps.append(
                _Cap(70 if starting else 40, f"{label}: {reason}" + ("" if starting else " for over 5m"))
            )
        else:
            caps.append(_Cap(50, f"{label}: {reason}"))
    t = r.terminated
    completed = False
    if t is not None:
        if t.oom_killed:
            caps.append(_Cap(20, f"{label}: OOMKilled"))
        elif t.failed:
            caps.append(_Cap(40, f"{label}: terminated, exit code {t.exit_code}"))
        elif (r.init and not r.sidecar) or not restarts_it:
            completed = True
        else:
            caps.append(_Cap(50, f"{label}: exited 0 and will be restarted"))
    expected = (not r.init or r.sidecar) and not completed
    if r.running:
        lt = r.last_terminated
        if lt is not None and lt.oom_killed and lt.finished_at is not None and now - lt.finished_at <= HOUR:
            caps.append(_Cap(60, f"{label}: OOMKilled {compact_duration(now - lt.finished_at)} ago"))
        if expected and not r.ready:
            caps.append(_Cap(NOT_READY_CAP, f"{label}: running, not ready"))
    healthy = completed or (r.running and r.ready) or (r.init and not r.sidecar and r.running)
    return caps, expected, healthy and not caps


def _container_states_component(reports: list[ContainerReport], pod: Pod, now: datetime) -> tuple[int, str]:
    created = pod_created(pod)
    starting = created is None or now - created <= STARTUP_GRACE
    caps: list[_Cap] = []
    phase = pod.status.phase
    if phase == "Failed":
        caps.append(_Cap(20, "pod evicted" if is_evicted(pod) else "pod phase Failed"))
    elif phase == "Unknown":
        caps.append(_Cap(30, "pod phase Unknown (its node stopped reporting)"))
    if not reports:
        if phase == "Succeeded":
            return 100, "pod completed"
        if not caps:
            caps.append(
                _Cap(70, "no container created yet (pod starting)")
                if starting
                else _Cap(30, "no container created yet, pod older than 5m")
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
class _Group:
    type: str
    reason: str
    message: str
    count: int
    first: datetime | None
    last: datetime


def event_groups(pod: Pod, events: list[Event], now: datetime) -> list[_Group]:
    """The pod's events of the last 24 h grouped by (type, reason), newest first (ties by type, reason)."""
    cutoff = now - DAY
    groups: dict[tuple[str, str], _Group] = {}
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
            groups[key] = _Group(key[0], key[1], event_message(ev), event_count(ev), first, last)
            continue
        g.count += event_count(ev)
        if first is not None and (g.first is None or first < g.first):
            g.first = first
        if last > g.last or (last == g.last and event_message(ev) < g.message):
            g.last = last
            g.message = event_message(ev)
    return sorted(groups.values(), key=lambda g: (-g.last.timestamp(), g.type, g.reason))


def _events_component(groups: list[_Group], now: datetime) -> tuple[int, str]:
    caps: list[_Cap] = []
    occurrences = 0
    reasons = 0
    for g in groups:
        if g.type != "Warning":
            continue
        occurrences += g.count
        reasons += 1
        cap = EVENT_CAPS.get(g.reason, OTHER_WARNING_CAP)
        if now - g.last > HOUR:
            cap = cap + (100 - cap) // 2
        caps.append(_Cap(cap, f"{g.reason} x{g.count}, last {compact_duration(now - g.last)} ago"))
    if not caps:
        return 100, "0 warning events in last 24h"
    worst = _min_cap(caps)
    assert worst is not None
    word = "reason" if reasons == 1 else "reasons"
    return worst.score, f"{occurrences} warning events in last 24h ({reasons} {word}); worst: {worst.why}"


# ------------------------------------------------------------------------------------------ conditions
def _conditions_component(pod: Pod) -> tuple[int, str]:
    conds = pod.status.conditions
    if not conds:
        return NO_CONDITIONS_SCORE, "no pod conditions reported yet"
    completed = pod.status.phase == "Succeeded"
    terminal = pod.status.phase in ("Succeeded", "Failed")
    caps: list[_Cap] = []
    failed = 0
    for c in conds:
        if c.type == "DisruptionTarget":
            if c.status == "True":
                failed += 1
                caps.append(_Cap(DISRUPTION_CAP, f"DisruptionTarget ({c.reason or 'being evicted'})"))
            continue
        cap = CONDITION_CAPS.get(c.type)
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
def _scheduling_component(pod: Pod, now: datetime) -> tuple[int, str]:
    if pod.spec.node_name:
        return 100, f"scheduled on {pod.spec.node_name}"
    if pod.status.phase in ("Succeeded", "Failed"):
        return 0, f"pod {pod.status.phase} without being scheduled"
    if pod.spec.scheduling_gates:
        return 50, "held by scheduling gates: " + ", ".join(g.name for g in pod.spec.scheduling_gates)
    if pod.status.nominated_node_name:
        return 60, f"preemption in progress: nominated to node {pod.status.nominated_node_name}"
    for c in pod.status.conditions:
        if c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable":
            msg = " ".join((c.message or "").split())
            if len(msg) > 200:
                msg = msg[:197] + "..."
            return 0, f"unschedulable: {msg}" if msg else "unschedulable"
    created = pod_created(pod)
    if created is None or now - created <= STARTUP_GRACE:
        return 70, "waiting for the scheduler"
    scheduler = pod.spec.scheduler_name or "default-scheduler"
    return 30, f"not scheduled after {compact_duration(now - created)} (is scheduler '{scheduler}' running?)"


# ------------------------------------------------------------------------------------------ details
def _state_name(cs: ContainerStatus) -> str:
    if cs.state.running is not None:
        return "Running"
    if cs.state.terminated is not None:
        return "Terminated"
    if cs.state.waiting is not None:
        return "Waiting"
    return "Unknown"


def _container_health(cs: ContainerStatus, r: ContainerReport) -> ContainerHealth:
    term = cs.state.terminated
    waiting = cs.state.waiting
    last = cs.last_state.terminated
    reason = message = None
    exit_code = None
    if waiting is not None:
        reason, message = waiting.reason or None, (waiting.message or "").strip() or None
    elif term is not None:
        reason, message, exit_code = term.reason or None, (term.message or "").strip() or None, term.exit_code
    return ContainerHealth(
        name=cs.name,
        kind="sidecar" if r.sidecar else ("init" if r.init else "app"),
        state=_state_name(cs),  # type: ignore[arg-type]
        ready=cs.ready,
        restart_count=cs.restart_count,
        reason=reason,
        message=message,
        exit_code=exit_code,
        last_termination_reason=(last.reason or None) if last is not None else None,
        last_termination_exit_code=last.exit_code if last is not None else None,
        last_termination_time=rfc3339(last.finished_at) if last is not None else None,
    )


# ------------------------------------------------------------------------------------------ the score
def health_score(
    pod: Pod, events: list[Event], now: datetime, *, warnings: list[str] | None = None
) -> PodHealthScore:
    """The health score of ``pod`` given its events (see the module docstring for the formula)."""
    reports = container_reports(pod)
    statuses = [*pod.status.init_container_statuses, *pod.status.container_statuses]
    facts = restart_facts(statuses, reports, pod, now)
    groups = event_groups(pod, events, now)

    parts = {
        "restarts": _restarts_component(facts, now),
        "containerStates": _container_states_component(reports, pod, now),
        "events": _events_component(groups, now),
        "conditions": _conditions_component(pod),
        "scheduling": _scheduling_component(pod, now),
    }
    components = {
        name: HealthComponent(
            name=name,
            score=score,
            weight=float(WEIGHTS[name]),
            status=component_status(score),  # type: ignore[arg-type]
            description=text,
        )
        for name, (score, text) in parts.items()
    }
    overall = round_half_up(
        sum((Fraction(score) * WEIGHTS[name] for name, (score, _) in parts.items()), Fraction(0))
    )
    if pod.status.phase == "Failed":
        overall = min(overall, FAILED_POD_CEILING)  # terminal: the pod will never run again
    start = pod_start(pod)

    details = HealthDetails(
        phase=pod.status.phase,
        pod_status=kubectl_status(pod),
        uptime=spaced_duration(now - start) if start is not None else None,
        restart_count=facts.total,
        restarts_last_hour=facts.last_hour,
        last_restart_time=rfc3339(facts.last_time),
        last_restart_reason=facts.last_reason,
        last_restart_container=facts.last_container,
        container_statuses=[_container_health(cs, r) for cs, r in zip(statuses, reports, strict=True)],
        recent_events=[
            HealthEvent(
                type=g.type,
                reason=g.reason,
                message=g.message,
                count=g.count,
                first_seen=rfc3339(g.first),
                last_seen=rfc3339(g.last),
            )
            for g in groups[:RECENT_EVENTS_MAX]
        ],
        pod_conditions=[
            HealthCondition(
                type=c.type,
                status=c.status,
                reason=c.reason,
                message=c.message,
                last_transition_time=rfc3339(c.last_transition_time),
            )
            for c in pod.status.conditions
        ],
    )
    return PodHealthScore(
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        overall_score=overall,
        status=overall_status(overall),  # type: ignore[arg-type]
        components=components,
        calculated_at=rfc3339(now) or "",
        details=details,
        warnings=list(warnings or []),
    )
