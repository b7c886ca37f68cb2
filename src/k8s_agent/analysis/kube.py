"""Facts about Kubernetes objects that more than one analysis needs, each stated once: when and how often an
event happened (in both event shapes), which events are about an object, a pod's controller, whether a
container is a sidecar, whether a pod still holds node resources, how a condition is shown, and how a taint
is written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from k8s_agent.analysis.text import rfc3339
from k8s_agent.kube.models import Condition as ObjectCondition
from k8s_agent.kube.models import Container, Event, ObjectMeta, OwnerReference, Pod, Taint
from k8s_agent.schemas.base import Condition

#: what the event aggregator prepends to a message that stands for several similar events
COMBINED_PREFIX = "(combined from similar events): "


# ------------------------------------------------------------------------------------------ events
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


def event_columns(ev: Event) -> dict[str, Any]:
    """kubectl's columns of an event, both shapes read alike: the fields of ``schemas.base.EventInfo``."""
    return {
        "type": ev.type or "",
        "reason": ev.reason or "",
        "message": event_message(ev),
        "first_timestamp": rfc3339(event_first_time(ev)),
        "last_timestamp": rfc3339(event_last_time(ev)),
        "count": event_count(ev),
        "source": event_source(ev),
    }


def is_about(ev: Event, uid: str) -> bool:
    """Whether an event is about the object with this UID. Events outlive their object and are found by
    name, so an event naming another UID is about an earlier object of the same name (a pod deleted and
    created again) and is not this one's; an event or object without a UID cannot be told apart and counts."""
    other = ev.involved_object.uid
    return not (other and uid and other != uid)


def events_about(uid: str, events: Iterable[Event]) -> list[Event]:
    """The events of ``events`` that are about the object with this UID (see ``is_about``)."""
    return [ev for ev in events if is_about(ev, uid)]


# ------------------------------------------------------------------------------------------ pods
def controller(meta: ObjectMeta) -> OwnerReference | None:
    """The object's controller: the owner reference marked ``controller: true`` (at most one is), as
    kubectl's "Controlled By"; None when no owner controls it (a bare object, or owners that only own it)."""
    for ref in meta.owner_references:
        if ref.controller:
            return ref
    return None


def is_sidecar(c: Container) -> bool:
    """An init container with ``restartPolicy: Always`` is a sidecar: it starts before the app containers
    and keeps running beside them, so it counts with them for resources and readiness."""
    return c.restart_policy == "Always"


def pod_start(pod: Pod) -> datetime | None:
    """When the pod started running on its node (status.startTime), else when it was created."""
    return pod.status.start_time or pod.metadata.creation_timestamp


def is_terminated(pod: Pod) -> bool:
    """Succeeded or Failed pods no longer hold node resources (the scheduler's view)."""
    return pod.status.phase in ("Succeeded", "Failed")


# ------------------------------------------------------------------------------------- conditions
def conditions_out(conditions: Iterable[ObjectCondition]) -> list[Condition]:
    """An object's conditions (a pod's, a controller's) as an answer shows them."""
    return [
        Condition(
            type=c.type,
            status=c.status,
            reason=c.reason,
            message=c.message,
            last_transition_time=rfc3339(c.last_transition_time),
        )
        for c in conditions
    ]


# ------------------------------------------------------------------------------------------ nodes
def taint_text(t: Taint) -> str:
    """A taint as ``kubectl taint`` writes it: ``key=value:Effect``, or ``key:Effect`` without a value."""
    return f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}"
