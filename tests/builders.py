"""Every Kubernetes object the tests build, in one place.

Two shapes of the same objects:

* **API objects** (``api_node``, ``api_pod``, ``api_event``): JSON-shaped dicts as kube-apiserver serves
  them (kind/apiVersion, realistic metadata, status written as the kubelet writes it, timestamps relative
  to ``now``), for the fake API server, dumps and live-source tests;
* **decoded models** (``make_node``, ``make_pod``, ``container``, ``scheduler_event``, ``make_pvc``,
  ``make_pv``, ``pvc_volume``): small JSON-shaped dicts decoded through the same ``convert`` the sources use
  (so tests exercise the real models, not hand-built Structs), at fixed 2024-05-01 times, for the analysis
  and service tests. ``model(obj)`` decodes any API object the same way.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, datetime, timedelta
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


def uid_for(seed: str) -> str:
    """A stable UID for an object (uuid5 of a seed such as ``Pod/ns/name``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "fake-kube-api/" + seed))


# ------------------------------------------------------------------------------------------ API objects
def ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    container = {
        "name": "app",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        ],
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}},
        "volumeMounts": [
            {
                "name": "kube-api-access",
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True,
            }
        ]
        + ([{"name": "data", "mountPath": "/data"}] if pvc else []),
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
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
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
        "volumes": [
            {
                "name": "kube-api-access",
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {
                            "configMap": {
                                "name": "kube-root-ca.crt",
                                "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            }
                        },
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
        ]
        + ([{"name": "data", "persistentVolumeClaim": {"claimName": pvc}}] if pvc else []),
    }
    if node:
        spec["nodeName"] = node
    status: dict[str, Any] = {"phase": phase, "qosClass": "Burstable"}
    if node:
        started = created + timedelta(seconds=5)
        status.update(
            {
                "hostIP": "10.0.0.11",
                "hostIPs": [{"ip": "10.0.0.11"}],
                "podIP": f"10.244.0.{sum(map(ord, name)) % 250 + 2}",
                "podIPs": [{"ip": f"10.244.0.{sum(map(ord, name)) % 250 + 2}"}],
                "startTime": ts(started),
                "conditions": [
                    {
                        "type": "PodReadyToStartContainers",
                        "status": "True",
                        "lastTransitionTime": ts(started),
                    },
                    {"type": "Initialized", "status": "True", "lastTransitionTime": ts(started)},
                    {
                        "type": "Ready",
                        "status": "True" if ready else "False",
                        "lastTransitionTime": ts(started),
                        **(
                            {}
                            if ready
                            else {
                                "reason": "ContainersNotReady",
                                "message": "containers with unready status: [app]",
                            }
                        ),
                    },
                    {
                        "type": "ContainersReady",
                        "status": "True" if ready else "False",
                        "lastTransitionTime": ts(started),
                        **(
                            {}
                            if ready
                            else {
                                "reason": "ContainersNotReady",
                                "message": "containers with unready status: [app]",
                            }
                        ),
                    },
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(created)},
                ],
            }
        )
        cs: dict[str, Any] = {
            "name": "app",
            "image": f"docker.io/library/{image}",
            "imageID": f"docker.io/library/{image.split(':')[0]}@sha256:" + "a" * 64,
            "containerID": "containerd://" + "b" * 64,
            "ready": ready,
            "started": not crash_loop,
            "restartCount": restarts,
        }
        if crash_loop:
            cs["state"] = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container=app pod="
                    + f"{name}_{namespace}(uid)",
                }
            }
            cs["lastState"] = {
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": ts(now - timedelta(minutes=6)),
                    "finishedAt": ts(now - timedelta(minutes=5, seconds=50)),
                    "containerID": "containerd://" + "c" * 64,
                }
            }
        else:
            cs["state"] = {"running": {"startedAt": ts(started + timedelta(seconds=3))}}
            cs["lastState"] = {}
        status["containerStatuses"] = [cs]
    else:
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
                "lastTransitionTime": ts(created),
            }
        ]
    md: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "creationTimestamp": ts(created),
        "labels": labels or {"app": name},
    }
    if owner:
        md["ownerReferences"] = [
            {
                "apiVersion": owner.get("apiVersion", "apps/v1"),
                "kind": owner["kind"],
                "name": owner["name"],
                "uid": owner.get("uid") or uid_for(f"{owner['kind']}/{namespace}/{owner['name']}"),
                "controller": True,
                "blockOwnerDeletion": True,
            }
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
    ns = md.get("namespace") or "default"
    suffix = name_suffix or format(abs(hash((md["name"], reason, message))) % (1 << 48), "x")
    ev: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": f"{md['name']}.{suffix}",
            "namespace": ns,
            "creationTimestamp": ts(now - (first_age or age)),
        },
        "involvedObject": {
            "kind": obj["kind"],
            "namespace": md.get("namespace", ""),
            "name": md["name"],
            "uid": md.get("uid") or uid_for(f"{obj['kind']}/{md.get('namespace', '')}/{md['name']}"),
            "apiVersion": obj.get("apiVersion", "v1"),
            **(
                {"fieldPath": "spec.containers{app}"}
                if obj["kind"] == "Pod" and component == "kubelet"
                else {}
            ),
        },
        "reason": reason,
        "message": message,
        "type": type,
    }
    if new_style:
        ev.update(
            {
                "source": {},
                "firstTimestamp": None,
                "lastTimestamp": None,
                "count": None,
                "eventTime": micro_ts(now - (first_age or age)),
                "reportingComponent": component,
                "reportingInstance": f"{component}-fake",
                "action": "Scheduling" if component == "default-scheduler" else "Action",
            }
        )
        if series_count:
            ev["series"] = {"count": series_count, "lastObservedTime": micro_ts(now - age)}
    else:
        ev.update(
            {
                "source": {
                    "component": component,
                    **(
                        {"host": obj["spec"].get("nodeName", "")}
                        if component == "kubelet" and obj.get("spec")
                        else {}
                    ),
                },
                "count": count,
                "firstTimestamp": ts(now - (first_age or age)),
                "lastTimestamp": ts(now - age),
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": "",
            }
        )
    return ev


# ------------------------------------------------------------------------------------------ decoded models
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


def pvc_volume(claim: str, name: str = "data") -> dict[str, Any]:
    return {"name": name, "persistentVolumeClaim": {"claimName": claim}}
