"""The ``restarts`` component: how much, and how recently, the pod's containers restarted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from k8s_agent.analysis.health_score.formula import (
    HOUR,
    MAX_BACKOFF,
    MIN_PERIOD,
    RECENT_WEIGHT,
    bucket,
    older_restart_factor,
)
from k8s_agent.analysis.kube import pod_start
from k8s_agent.analysis.podstatus import ContainerReport
from k8s_agent.analysis.text import compact_duration
from k8s_agent.kube.models import ContainerStatus, Pod

_GO_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


@dataclass(slots=True)
class RestartFacts:
    total: int
    last_hour: int
    last_time: datetime | None
    last_reason: str | None
    last_container: str | None
    effective: Fraction


def go_duration(text: str | None) -> timedelta | None:
    """A duration as the kubelet writes it in its messages (``5m0s``, ``40s``, ``1h2m3.5s``) as a timedelta,
    None if there is none."""
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
    f = older_restart_factor(None if last_time is None else now - last_time)
    effective = RECENT_WEIGHT * last_hour + f * older
    return RestartFacts(total, last_hour, last_time, last_reason, last_container, effective)


def restarts_component(facts: RestartFacts, now: datetime) -> tuple[int, str]:
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
