"""The pieces every builder assembles objects from, each written once: timestamps, UIDs, owner references,
conditions, a container as a chart writes it, container statuses and pod conditions as the kubelet writes
them, and a core/v1 Event as a recorder writes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def ts(dt: datetime) -> str:
    """RFC 3339 to the second, as metadata and status timestamps are written."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_ts(dt: datetime) -> str:
    """RFC 3339 to the microsecond (MicroTime: eventTime, series.lastObservedTime)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uid_for(seed: str) -> str:
    """A stable UID for an object (uuid5 of a seed such as ``Pod/ns/name``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "fake-kube-api/" + seed))


def owner_ref(kind: str, name: str, uid: str, api_version: str = "apps/v1") -> dict:
    """The ownerReference a controller writes on what it creates."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def condition(ctype: str, status: str, reason: str = "", message: str = "", *, at: str) -> dict:
    c = {"type": ctype, "status": status, "lastTransitionTime": at}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def pod_conditions(
    *, ready: bool, started: str, scheduled: str, unready: list[str], initialized: str | None = None
) -> list[dict]:
    """The five conditions of a started pod; ``unready`` names the containers the kubelet lists when the
    pod is not ready."""
    why = (
        ("", "")
        if ready
        else ("ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
    )
    flag = "True" if ready else "False"
    return [
        condition("PodReadyToStartContainers", "True", at=started),
        condition("Initialized", "True", at=initialized or started),
        condition("Ready", flag, *why, at=started),
        condition("ContainersReady", flag, *why, at=started),
        condition("PodScheduled", "True", at=scheduled),
    ]


def unschedulable_condition(message: str, *, at: str) -> dict:
    return condition("PodScheduled", "False", "Unschedulable", message, at=at)


#: what the DefaultTolerationSeconds admission plugin adds to every pod: 300 s of eviction grace on a node
#: that is not ready or unreachable (not a permission to be scheduled there)
DEFAULT_TOLERATIONS = [
    {"key": taint, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    for taint in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
]

#: the ServiceAccount token volume the ServiceAccount admission plugin adds, and its mount
TOKEN_VOLUME = {
    "name": "kube-api-access",
    "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {
                "downwardAPI": {
                    "items": [
                        {
                            "path": "namespace",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                        }
                    ]
                }
            },
        ],
    },
}
TOKEN_MOUNT = {
    "name": "kube-api-access",
    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
    "readOnly": True,
}


def app_container(
    image: str,
    *,
    name: str = "app",
    cpu: str = "250m",
    memory: str = "256Mi",
    env: list[dict] | None = None,
    args: list[str] | None = None,
    probe_path: str = "/ready",
    mounts: list[dict] | None = None,
) -> dict:
    """A container as a chart writes it: a port, env (one literal, one secret reference), requests with a
    memory limit, a readiness probe."""
    c: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": env
        if env is not None
        else [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        ],
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}},
        "readinessProbe": {
            "httpGet": {"path": probe_path, "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if mounts:
        c["volumeMounts"] = mounts
    if args:
        c["args"] = args
    return c


def running_status(
    name: str,
    image: str,
    *,
    started: str,
    ready: bool = True,
    restarts: int = 0,
    image_id: str | None = None,
    container_id: str | None = None,
    last: dict | None = None,
) -> dict:
    """A container status of a running container, as the kubelet reports it."""
    return {
        "name": name,
        "image": image,
        "imageID": image_id if image_id is not None else f"{image.split(':')[0]}@sha256:" + "a" * 64,
        "containerID": container_id or "containerd://" + "b" * 64,
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": started}},
        "lastState": last or {},
    }


def crash_loop(status: dict, *, message: str, exited: tuple[str, str], exit_code: int = 1) -> dict:
    """``status`` (a container status) turned into a crash loop: waiting in CrashLoopBackOff after a
    container that ran from ``exited[0]`` to ``exited[1]`` and failed."""
    status["started"] = False
    status["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": message}}
    status["lastState"] = {
        "terminated": {
            "exitCode": exit_code,
            "reason": "Error",
            "startedAt": exited[0],
            "finishedAt": exited[1],
            "containerID": "containerd://" + "c" * 64,
        }
    }
    return status


def core_event(
    involved: dict,
    reason: str,
    message: str,
    *,
    name: str,
    namespace: str,
    first: str,
    last: str,
    type_: str = "Warning",
    count: int | None = 1,
    component: str = "kubelet",
    host: str = "",
    instance: str = "",
    created: str | None = None,
) -> dict:
    """A core/v1 Event the way a classic recorder writes it (count, first/lastTimestamp, source)."""
    md: dict[str, Any] = {"name": name, "namespace": namespace}
    if created:
        md["creationTimestamp"] = created
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": md,
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "source": {"component": component, **({"host": host} if host else {})},
        "count": count,
        "firstTimestamp": first,
        "lastTimestamp": last,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": instance,
    }
