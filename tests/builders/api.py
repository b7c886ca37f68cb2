"""API objects as kube-apiserver serves them: kind/apiVersion, realistic metadata, status written as the
kubelet writes it, timestamps relative to ``now``; for the fake API server, dumps and live-source tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from .parts import (
    DEFAULT_TOLERATIONS,
    TOKEN_MOUNT,
    TOKEN_VOLUME,
    app_container,
    core_event,
    micro_ts,
    owner_ref,
    pod_conditions,
    running_status,
    ts,
    uid_for,
    unschedulable_condition,
)
from .parts import crash_loop as crash_loop_status

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


def request_container(
    name: str = "app", *, cpu: str | None = None, memory: str | None = None, image: str = PAUSE_IMAGE
) -> dict[str, Any]:
    """A container as a user writes it for a real API server to create: an image and its requests."""
    c: dict[str, Any] = {"name": name, "image": image}
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    if requests:
        c["resources"] = {"requests": requests}
    return c


def pod_manifest(
    name: str,
    namespace: str,
    *,
    containers: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A pod as a user POSTs it (no status: the API server, the scheduler and the kubelet write that);
    ``spec`` keys are camelCase PodSpec fields."""
    md: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels is not None:
        md["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": {"containers": containers if containers is not None else [request_container()], **spec},
    }


def pvc_manifest(name: str, namespace: str, storage_class: str, size: str = "1Gi") -> dict[str, Any]:
    """A ReadWriteOnce claim as a user POSTs it."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "storageClassName": storage_class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
        },
    }


def pvc_volume(claim: str, name: str = "data") -> dict[str, Any]:
    """A pod volume that mounts the claim ``claim``."""
    return {"name": name, "persistentVolumeClaim": {"claimName": claim}}


def api_node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "16Gi",
    pods: str = "110",
    ready: bool = True,
    labels: dict | None = None,
    taints: list | None = None,
    now: datetime | None = None,
) -> dict:
    now = now or datetime.now(UTC)
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "creationTimestamp": ts(now - timedelta(days=30)),
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": "zone-a",
                **(labels or {}),
            },
        },
        "spec": {
            "podCIDR": "10.244.0.0/24",
            "providerID": f"fake://{name}",
            **({"taints": taints} if taints else {}),
        },
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": pods, "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": pods, "ephemeral-storage": "95Gi"},
            "conditions": [
                {
                    "type": t,
                    "status": "False",
                    "reason": f"Kubelet{r}",
                    "message": f"kubelet has {m}",
                    "lastHeartbeatTime": ts(now - timedelta(seconds=20)),
                    "lastTransitionTime": ts(now - timedelta(days=30)),
                }
                for t, r, m in (
                    ("MemoryPressure", "HasSufficientMemory", "sufficient memory available"),
                    ("DiskPressure", "HasNoDiskPressure", "no disk pressure"),
                    ("PIDPressure", "HasSufficientPID", "sufficient PID available"),
                )
            ]
            + [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": "KubeletReady" if ready else "KubeletNotReady",
                    "message": "kubelet is posting ready status"
                    if ready
                    else "container runtime network not ready",
                    "lastHeartbeatTime": ts(now - timedelta(seconds=20)),
                    "lastTransitionTime": ts(now - timedelta(days=30)),
                }
            ],
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.0.{sum(map(ord, name)) % 200 + 10}"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.33.0",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.1.0-18-amd64",
                "containerRuntimeVersion": "containerd://1.7.13",
                "architecture": "amd64",
                "operatingSystem": "linux",
            },
        },
    }


def api_pod(
    name: str,
    namespace: str = "default",
    *,
    node: str | None = "node-a",
    phase: str = "Running",
    image: str = "nginx:1.27",
    restarts: int = 0,
    crash_loop: bool = False,
    ready: bool | None = None,
    owner: dict | None = None,
    labels: dict | None = None,
    cpu: str = "100m",
    memory: str = "128Mi",
    pvc: str | None = None,
    now: datetime | None = None,
) -> dict:
    now = now or datetime.now(UTC)
    created = now - timedelta(hours=2)
    ready = (phase == "Running" and not crash_loop) if ready is None else ready
    container = app_container(
        image,
        cpu=cpu,
        memory=memory,
        mounts=[TOKEN_MOUNT] + ([{"name": "data", "mountPath": "/data"}] if pvc else []),
    )
    spec: dict[str, Any] = {
        "containers": [container],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "schedulerName": "default-scheduler",
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "tolerations": copy.deepcopy(DEFAULT_TOLERATIONS),
        "volumes": [copy.deepcopy(TOKEN_VOLUME)] + ([pvc_volume(pvc)] if pvc else []),
    }
    if node:
        spec["nodeName"] = node
    status: dict[str, Any] = {"phase": phase, "qosClass": "Burstable"}
    if node:
        started = created + timedelta(seconds=5)
        pod_ip = f"10.244.0.{sum(map(ord, name)) % 250 + 2}"
        status.update(
            {
                "hostIP": "10.0.0.11",
                "hostIPs": [{"ip": "10.0.0.11"}],
                "podIP": pod_ip,
                "podIPs": [{"ip": pod_ip}],
                "startTime": ts(started),
                "conditions": pod_conditions(
                    ready=ready, started=ts(started), scheduled=ts(created), unready=["app"]
                ),
            }
        )
        cs = running_status(
            "app",
            f"docker.io/library/{image}",
            started=ts(started + timedelta(seconds=3)),
            ready=ready,
            restarts=restarts,
        )
        if crash_loop:
            crash_loop_status(
                cs,
                message=f"back-off 5m0s restarting failed container=app pod={name}_{namespace}(uid)",
                exited=(ts(now - timedelta(minutes=6)), ts(now - timedelta(minutes=5, seconds=50))),
            )
        status["containerStatuses"] = [cs]
    else:
        status["conditions"] = [
            unschedulable_condition(
                "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
                "2 No preemption victims found for incoming pod.",
                at=ts(created),
            )
        ]
    md: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "creationTimestamp": ts(created),
        "labels": labels or {"app": name},
    }
    if owner:
        md["ownerReferences"] = [
            owner_ref(
                owner["kind"],
                owner["name"],
                owner.get("uid") or uid_for(f"{owner['kind']}/{namespace}/{owner['name']}"),
                owner.get("apiVersion", "apps/v1"),
            )
        ]
        md["generateName"] = owner["name"] + "-"
    return {"kind": "Pod", "apiVersion": "v1", "metadata": md, "spec": spec, "status": status}


def api_event(
    obj: dict,
    reason: str,
    message: str,
    *,
    type: str = "Normal",
    count: int | None = 1,
    age: timedelta = timedelta(minutes=1),
    first_age: timedelta | None = None,
    component: str = "kubelet",
    new_style: bool = False,
    series_count: int | None = None,
    now: datetime | None = None,
    name_suffix: str | None = None,
) -> dict:
    """A core/v1 Event about ``obj``: classic (count/firstTimestamp/lastTimestamp/source) or, with
    ``new_style``, the events.k8s.io shape (eventTime/series/reportingComponent, null count/timestamps)."""
    now = now or datetime.now(UTC)
    md = obj["metadata"]
    suffix = name_suffix or format(abs(hash((md["name"], reason, message))) % (1 << 48), "x")
    kubelet_pod = obj["kind"] == "Pod" and component == "kubelet"
    involved = {
        "kind": obj["kind"],
        "namespace": md.get("namespace", ""),
        "name": md["name"],
        "uid": md.get("uid") or uid_for(f"{obj['kind']}/{md.get('namespace', '')}/{md['name']}"),
        "apiVersion": obj.get("apiVersion", "v1"),
        **({"fieldPath": "spec.containers{app}"} if kubelet_pod else {}),
    }
    ev = core_event(
        involved,
        reason,
        message,
        name=f"{md['name']}.{suffix}",
        namespace=md.get("namespace") or "default",
        created=ts(now - (first_age or age)),
        first=ts(now - (first_age or age)),
        last=ts(now - age),
        type_=type,
        count=count,
        component=component,
        host=(obj.get("spec") or {}).get("nodeName", "") if component == "kubelet" else "",
    )
    if new_style:
        ev.update(
            {
                "source": {},
                "firstTimestamp": None,
                "lastTimestamp": None,
                "count": None,
                "eventTime": micro_ts(now - (first_age or age)),
                "reportingInstance": f"{component}-fake",
                "action": "Scheduling" if component == "default-scheduler" else "Action",
            }
        )
        if series_count:
            ev["series"] = {"count": series_count, "lastObservedTime": micro_ts(now - age)}
    return ev
