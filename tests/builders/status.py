"""Pods and events as the status rules read them: only the fields a test names, nothing it did not ask for
(a rule about a missing field must not be answered by a builder's default), decoded into the agent's
models. Times are given by the test (strings relative to its own ``NOW``), so a rule's boundary is exact.

``running``/``waiting``/``terminated`` are container statuses as the kubelet reports them, ``status_pod``
wraps them in a pod, ``status_event`` is an Event about one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from k8s_agent.kube.models import Event, Pod, convert


def running(
    name: str = "app",
    *,
    started: str | None = None,
    ready: bool = True,
    restarts: int = 0,
    last: dict | None = None,
) -> dict:
    """A running container (``last``: its previous termination, the ``terminated`` record)."""
    cs: dict[str, Any] = {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": started} if started else {}},
    }
    if last:
        cs["lastState"] = {"terminated": last}
    return cs


def waiting(name: str, reason: str, message: str = "", restarts: int = 0, last: dict | None = None) -> dict:
    """A container waiting for ``reason`` (``last``: its previous termination)."""
    cs: dict[str, Any] = {
        "name": name,
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason, "message": message}},
    }
    if last:
        cs["lastState"] = {"terminated": last}
    return cs


def terminated(
    name: str,
    exit_code: int = 0,
    reason: str = "Completed",
    *,
    started: str | None = None,
    finished: str | None = None,
    restarts: int = 0,
) -> dict:
    """A container that has exited with ``exit_code``."""
    state: dict[str, Any] = {"exitCode": exit_code, "reason": reason}
    if started:
        state["startedAt"] = started
    if finished:
        state["finishedAt"] = finished
    return {"name": name, "ready": False, "restartCount": restarts, "state": {"terminated": state}}


def status_pod(
    name: str = "p",
    namespace: str = "ns",
    *,
    metadata: dict | None = None,
    spec: dict | None = None,
    containers: list[dict] | None = None,
    **status: Any,
) -> Pod:
    """A pod with ``metadata`` (beyond its name and namespace), ``spec`` (by default: the containers named
    by the ``containerStatuses`` given, or one ``app``; ``containers`` replaces that list) and the status
    fields given as camelCase keywords (``phase``, ``reason``, ``conditions``, ``containerStatuses``...)."""
    meta = {"name": name, "namespace": namespace, **(metadata or {})}
    if spec is None:
        names = [cs["name"] for cs in status.get("containerStatuses") or []] or ["app"]
        spec = {"containers": containers if containers is not None else [{"name": n} for n in names]}
    return convert({"metadata": meta, "spec": spec, "status": status}, Pod)


READY_CONDITIONS = [
    {"type": t, "status": "True"} for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
]


def started_pod(
    *,
    created: str,
    statuses: list[dict],
    name: str = "p",
    namespace: str = "ns",
    uid: str = "uid-1",
    node: str = "node-1",
    phase: str = "Running",
    conditions: list[dict] | None = None,
    restart_policy: str = "Always",
    gates: tuple[str, ...] | list[str] = (),
    **status: Any,
) -> Pod:
    """A pod bound to ``node`` and started when it was ``created``, with the container statuses given
    (its spec lists those containers) and, unless ``conditions`` says otherwise, every condition True."""
    spec = {
        "nodeName": node,
        "restartPolicy": restart_policy,
        "containers": [{"name": s["name"]} for s in statuses] or [{"name": "app"}],
        "schedulingGates": [{"name": g} for g in gates],
    }
    return status_pod(
        name,
        namespace,
        metadata={"uid": uid, "creationTimestamp": created},
        spec=spec,
        phase=phase,
        startTime=created,
        conditions=READY_CONDITIONS if conditions is None else conditions,
        containerStatuses=statuses,
        **status,
    )


def status_event(
    reason: str,
    message: str = "",
    *,
    type_: str = "Warning",
    kind: str = "Pod",
    name: str = "p",
    namespace: str = "",
    uid: str = "",
    field_path: str = "",
    count: int | None = None,
    first: str | datetime | None = None,
    last: str | datetime | None = None,
    component: str = "",
    host: str = "",
    metadata: dict | None = None,
    **fields: Any,
) -> Event:
    """An Event about the object ``kind``/``namespace``/``name`` (``uid``), with the classic count and
    timestamps (strings or datetimes); any other Event field by its camelCase name (``eventTime``,
    ``series``, ``lastTimestamp=None``...) replaces what the arguments say."""
    involved = {"kind": kind, "namespace": namespace, "name": name, "uid": uid}
    if field_path:
        involved["fieldPath"] = field_path
    raw: dict[str, Any] = {
        "metadata": metadata or {},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": first,
        "lastTimestamp": last,
        "source": {"component": component, "host": host},
        **fields,
    }
    return convert(raw, Event)
