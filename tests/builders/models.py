"""Decoded models: small JSON-shaped objects decoded through the same ``convert`` the sources use (so tests
exercise the real models, not hand-built Structs), at fixed 2024-05-01 times, for the analysis and service
tests. ``model(obj)`` decodes any API object the same way."""

from __future__ import annotations

import zlib
from typing import Any

from k8s_agent.kube.models import (
    Event,
    Node,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    convert,
)

_MODELS: dict[str, Any] = {
    "Node": Node,
    "Pod": Pod,
    "Event": Event,
    "PersistentVolume": PersistentVolume,
    "PersistentVolumeClaim": PersistentVolumeClaim,
}


def model(obj: dict) -> Any:
    """An API object (dict with ``kind``) decoded into the agent's model for that kind."""
    return convert(obj, _MODELS[obj["kind"]])


def make_node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    ephemeral: str = "50Gi",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
    ready: str | None = "True",
    ready_reason: str = "",
    unschedulable: bool = False,
    extra_allocatable: dict[str, str] | None = None,
    zone: str | None = None,
    allocatable: dict[str, str] | None = None,
) -> Node:
    """A node whose allocatable equals its capacity, unless ``allocatable`` names the amounts the kubelet
    reserves below it (``{"cpu": "3920m"}``)."""
    lbl = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        **({"topology.kubernetes.io/zone": zone} if zone else {}),
        **(labels or {}),
    }
    alloc = {
        "cpu": cpu,
        "memory": memory,
        "pods": pods,
        "ephemeral-storage": ephemeral,
        **(extra_allocatable or {}),
    }
    conditions = [
        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
    ]
    if ready is not None:
        reason = ready_reason or {"True": "KubeletReady", "False": "KubeletNotReady"}.get(
            ready, "NodeStatusUnknown"
        )
        message = {
            "True": "kubelet is posting ready status",
            "False": "container runtime network not ready: NetworkReady=false",
        }.get(ready, "Kubelet stopped posting node status.")
        conditions.append(
            {
                "type": "Ready",
                "status": ready,
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": "2024-05-01T10:00:00Z",
                "lastTransitionTime": "2024-05-01T09:00:00Z",
            }
        )
    return convert(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "uid": f"uid-node-{name}", "labels": lbl},
            "spec": {
                "taints": taints or [],
                "unschedulable": unschedulable,
                "providerID": f"kind://docker/{name}",
            },
            "status": {
                "capacity": alloc,
                "allocatable": {**alloc, **(allocatable or {})},
                "conditions": conditions,
                "nodeInfo": {"kubeletVersion": "v1.30.2", "osImage": "Debian GNU/Linux 12"},
            },
        },
        Node,
    )


def container(
    name: str = "app",
    *,
    cpu: str | None = None,
    memory: str | None = None,
    limits: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
    ports: list[dict[str, Any]] | None = None,
    restart_policy: str | None = None,
) -> dict[str, Any]:
    req = {}
    if cpu is not None:
        req["cpu"] = cpu
    if memory is not None:
        req["memory"] = memory
    req.update(extra or {})
    c: dict[str, Any] = {
        "name": name,
        "image": f"registry.example.com/{name}:1.0",
        "resources": {"requests": req, **({"limits": limits} if limits else {})},
    }
    if ports:
        c["ports"] = ports
    if restart_policy:
        c["restartPolicy"] = restart_policy
    return c


def make_pod(
    name: str,
    namespace: str = "default",
    *,
    node: str = "",
    cpu: str | None = "100m",
    memory: str | None = "128Mi",
    containers: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    phase: str | None = None,
    uid: str | None = None,
    status: dict[str, Any] | None = None,
    **spec: Any,
) -> Pod:
    """A pod; ``spec`` keys are camelCase PodSpec fields (nodeSelector, tolerations, affinity, volumes,
    overhead...); ``status`` replaces the default status (phase and QoS class) as a whole."""
    body: dict[str, Any] = {
        "containers": containers if containers is not None else [container(cpu=cpu, memory=memory)],
        "schedulerName": "default-scheduler",
        **spec,
    }
    if node:
        body["nodeName"] = node
    if init_containers:
        body["initContainers"] = init_containers
    return convert(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": uid or f"uid-{namespace}-{name}",
                "labels": labels or {"app": name.rsplit("-", 1)[0]},
                "creationTimestamp": "2024-05-01T09:30:00Z",
            },
            "spec": body,
            "status": status
            if status is not None
            else {"phase": phase or ("Running" if node else "Pending"), "qosClass": "Burstable"},
        },
        Pod,
    )


def scheduler_event(
    pod: Pod,
    message: str,
    *,
    reason: str = "FailedScheduling",
    type_: str = "Warning",
    shape: str = "events.k8s.io",
    time: str = "2024-05-01T10:00:00Z",
    count: int = 1,
    uid: str | None = None,
    component: str = "default-scheduler",
) -> Event:
    """A scheduler event in the modern (events.k8s.io: eventTime/series/reportingComponent, null
    timestamps) or the classic core/v1 shape (first/lastTimestamp, count, source)."""
    body: dict[str, Any] = {
        "metadata": {
            "name": f"{pod.metadata.name}.{zlib.crc32((message + time).encode()):x}",
            "namespace": pod.metadata.namespace,
        },
        "involvedObject": {
            "kind": "Pod",
            "namespace": pod.metadata.namespace,
            "name": pod.metadata.name,
            "uid": uid if uid is not None else pod.metadata.uid,
            "apiVersion": "v1",
        },
        "reason": reason,
        "message": message,
        "type": type_,
    }
    if shape == "events.k8s.io":
        body.update(
            {
                "eventTime": time.replace("Z", ".000000Z"),
                "reportingComponent": component,
                "reportingInstance": f"{component}-control-plane",
                "action": "Scheduling",
                "firstTimestamp": None,
                "lastTimestamp": None,
                "source": {},
            }
        )
        if count > 1:
            body["series"] = {"count": count, "lastObservedTime": time.replace("Z", ".000000Z")}
    else:
        body.update(
            {
                "firstTimestamp": time,
                "lastTimestamp": time,
                "count": count,
                "source": {"component": component},
            }
        )
    return convert(body, Event)


def make_pvc(
    name: str,
    namespace: str = "default",
    *,
    volume_name: str = "",
    phase: str = "Bound",
    access_modes: list[str] | None = None,
    storage_class: str = "standard",
) -> PersistentVolumeClaim:
    return convert(
        {
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-pvc-{name}"},
            "spec": {
                "volumeName": volume_name,
                "storageClassName": storage_class,
                "accessModes": access_modes or ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10Gi"}},
            },
            "status": {"phase": phase, "accessModes": access_modes or ["ReadWriteOnce"]} if phase else {},
        },
        PersistentVolumeClaim,
    )


def make_pv(name: str, *, zone: str | None = None, labels: dict[str, str] | None = None) -> PersistentVolume:
    spec: dict[str, Any] = {
        "capacity": {"storage": "10Gi"},
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "standard",
    }
    if zone:
        spec["nodeAffinity"] = {
            "required": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}
                        ]
                    }
                ]
            }
        }
    return convert(
        {"metadata": {"name": name, "labels": labels or {}}, "spec": spec, "status": {"phase": "Bound"}},
        PersistentVolume,
    )
