"""Small pure helpers shared by the analyses: event times in both event shapes, durations, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from k8s_agent.kube.models import Event, Pod

COMBINED_PREFIX = "(combined from similar events): "


def event_last_time(ev: Event) -> datetime | None:
    """When the event last happened: lastTimestamp, else series.lastObservedTime, else eventTime, else
    firstTimestamp, else the object's creation time."""
    if ev.last_timestamp is not None:
        return ev.last_timestamp
    if ev.series is not None and ev.series.last_observed_time is not None:
        return ev.series.last_observed_time
    return ev.event_time or ev.first_timestamp or ev.metadata.creation_timestamp


def event_first_time(ev: Event) -> datetime | None:
    """When the event first happened: firstTimestamp, else eventTime (events.k8s.io shape), else the last time."""
    return ev.first_timestamp or ev.event_time or event_last_time(ev)


def event_count(ev: Event) -> int:
    """How many times it happened: count, else series.count, else 1 (a null or zero count means once)."""
    if ev.count:
        return ev.count
    if ev.series is not None and ev.series.count:
        return ev.series.count
    return 1


def event_source(ev: Event) -> str:
    """``component/host`` as kubectl shows it; falls back to reportingComponent/reportingInstance for events
    written through events.k8s.io (whose ``source`` is empty)."""
    component = ev.source.component or ev.reporting_component
    host = ev.source.host
    if not ev.source.component and ev.reporting_instance and ev.reporting_instance != component:
        # reportingInstance is often "<component>-<host>"; show the host part when it is there
        inst = ev.reporting_instance
        host = inst[len(component) + 1 :] if component and inst.startswith(component + "-") else inst
    if component and host:
        return f"{component}/{host}"
    return component or host


def event_message(ev: Event) -> str:
    """The message without the aggregator's ``(combined from similar events): `` prefix, and trimmed."""
    msg = ev.message or ""
    if msg.startswith(COMBINED_PREFIX):
        msg = msg[len(COMBINED_PREFIX) :]
    return msg.strip()


def sort_events_newest_first(events: list[Event]) -> list[Event]:
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(events, key=lambda e: event_last_time(e) or epoch, reverse=True)


def compact_duration(delta: timedelta) -> str:
    """``45s``, ``12m``, ``2h5m``, ``3h``, ``2d4h``, ``5d`` (truncated, as the Go service formatted ages)."""
    secs = int(delta.total_seconds())
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    if secs < 60:
        return f"{sign}{secs}s"
    mins = secs // 60
    if mins < 60:
        return f"{sign}{mins}m"
    hours, mins = divmod(mins, 60)
    if hours < 24:
        return f"{sign}{hours}h{mins}m" if mins else f"{sign}{hours}h"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d{hours}h" if hours else f"{sign}{days}d"


def rfc3339(ts: datetime | None) -> str | None:
    """Kubernetes' wire form for a timestamp (UTC, seconds, ``Z``), or None."""
    if ts is None:
        return None
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_terminated(pod: Pod) -> bool:
    """Succeeded or Failed pods no longer hold node resources (the scheduler's view)."""
    return pod.status.phase in ("Succeeded", "Failed")
