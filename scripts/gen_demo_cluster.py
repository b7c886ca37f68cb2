#!/usr/bin/env python3
"""Generate ``src/k8s_agent/demo/cluster/``: the bundled demo cluster dump.

Every file is what ``kubectl get <kind> -A -o json`` prints (a ``v1 List``), plus ``meta.json``. The output is
fully deterministic: uids, hashes, container ids and IPs are derived from object names with SHA-256, and every
timestamp is an offset from ``CAPTURED_AT`` (the snapshot loader shifts them by ``now - capturedAt``).

The scenario (one Kubernetes v1.33 cluster, five nodes, ~40 pods) is described per pod in
``src/k8s_agent/demo/cluster/README.md``. The scheduler messages written here are hand-written and then re-derived
from the dumped objects by ``scripts/check_demo_cluster.py`` (run at the end), so a change of requests, nodes
or taints that would make a message a lie fails the generation.

    .venv/bin/python scripts/gen_demo_cluster.py [--out src/k8s_agent/demo/cluster] [--no-check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

CAPTURED_AT = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
T = CAPTURED_AT
CLUSTER_START = T - timedelta(days=30, hours=3, minutes=47, seconds=20)  # 2026-10-21T08:12:40Z
K8S_VERSION = "v1.33.4"
EVENT_TTL = timedelta(hours=1)  # kube-apiserver --event-ttl default: older events are gone from a real dump

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "src" / "k8s_agent" / "demo" / "cluster"

CSI_DRIVER = "block.csi.demo.local"
STORAGE_CLASS = "standard-rwo"
REGISTRY = "registry.demo.local"


# ============================================================================================ deterministic ids
def _h(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def uid(*parts: str) -> str:
    return str(uuid.UUID(bytes=_h("uid", *parts)[:16], version=4))


def hexid(n: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join(("hex",) + parts).encode()).hexdigest()[:n]


_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand alphabet


def safe(n: int, *parts: str) -> str:
    b = _h("safe", *parts)
    return "".join(_SAFE[x % len(_SAFE)] for x in b[:n])


def ago(d: int = 0, h: int = 0, m: int = 0, s: float = 0) -> datetime:
    return T - timedelta(days=d, hours=h, minutes=m, seconds=s)


def ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def mts(t: datetime, *salt: str) -> str:
    """metav1.MicroTime as the API prints it: always six fractional digits."""
    micro = int.from_bytes(_h("micro", ts(t), *salt)[:4], "big") % 1_000_000
    return t.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S") + f".{micro:06d}Z"


def rv(t: datetime, *parts: str) -> str:
    """A plausible etcd revision: monotonic in time (about one write every 2s cluster-wide) plus jitter."""
    secs = int((t - CLUSTER_START).total_seconds())
    return str(1200 + secs // 2 * 7 + int.from_bytes(_h("rv", *parts)[:2], "big") % 7)


def digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\x1f".join(("digest",) + parts).encode()).hexdigest()


# ============================================================================================ quantities
_BIN = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}
_DEC = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def q_mem(v: str) -> int:
    for suf, mul in _BIN.items():
        if v.endswith(suf):
            return int(v[: -len(suf)]) * mul
    for suf, mul in _DEC.items():
        if v.endswith(suf):
            return int(v[: -len(suf)]) * mul
    return int(v)


def q_cpu(v: str) -> int:  # millicores
    return int(v[:-1]) if v.endswith("m") else int(float(v) * 1000)


# ============================================================================================ nodes
WORKER_CAP_MEM = "16393216Ki"
# GKE-style reservation for a 4 vCPU / 16 GiB machine: 80m cpu, 2.6 GiB kube-reserved + 100Mi eviction threshold
WORKER_ALLOC_MEM = "13564504Ki"

NODES: dict[str, dict] = {
    "demo-control-plane": dict(
        ip="10.0.1.10",
        cidr="10.244.0.0/24",
        zone="zone-a",
        itype="e2-standard-2",
        cpu="2",
        cpu_alloc="2",
        mem="8141032Ki",
        mem_alloc="8038632Ki",
        created=CLUSTER_START,
        control_plane=True,
    ),
    "demo-worker-1": dict(
        ip="10.0.1.21",
        cidr="10.244.1.0/24",
        zone="zone-a",
        itype="e2-standard-4",
        cpu="4",
        cpu_alloc="3920m",
        mem=WORKER_CAP_MEM,
        mem_alloc=WORKER_ALLOC_MEM,
        created=CLUSTER_START + timedelta(minutes=1, seconds=52),
    ),
    "demo-worker-2": dict(
        ip="10.0.2.22",
        cidr="10.244.2.0/24",
        zone="zone-b",
        itype="e2-standard-4",
        cpu="4",
        cpu_alloc="3920m",
        mem=WORKER_CAP_MEM,
        mem_alloc=WORKER_ALLOC_MEM,
        created=CLUSTER_START + timedelta(minutes=1, seconds=55),
    ),
    "demo-worker-3": dict(
        ip="10.0.2.23",
        cidr="10.244.3.0/24",
        zone="zone-b",
        itype="e2-standard-4",
        cpu="4",
        cpu_alloc="3920m",
        mem=WORKER_CAP_MEM,
        mem_alloc=WORKER_ALLOC_MEM,
        created=CLUSTER_START + timedelta(minutes=1, seconds=58),
        not_ready_since=ago(m=4, s=2),
        last_heartbeat=ago(m=4, s=52),
    ),
    "demo-gpu-1": dict(
        ip="10.0.1.31",
        cidr="10.244.4.0/24",
        zone="zone-a",
        itype="n1-standard-4",
        cpu="4",
        cpu_alloc="3920m",
        mem=WORKER_CAP_MEM,
        mem_alloc=WORKER_ALLOC_MEM,
        created=ago(d=12, h=5, m=31, s=9),
        gpu=True,
    ),
}
NOT_READY_NODE = "demo-worker-3"
# demo-worker-1 was under memory pressure 41 minutes ago (see the Evicted pod and the SystemOOM event)
W1_PRESSURE_START = ago(m=41, s=5)
W1_PRESSURE_END = ago(m=35, s=50)

NODE_UID = {n: uid("node", n) for n in NODES}
_ip_used: dict[str, set[int]] = {n: set() for n in NODES}


def pod_ip(node: str, octet: int | None = None) -> str:
    base = NODES[node]["cidr"].rsplit(".", 1)[0]
    if octet is None:
        octet = 2
        while (
            octet in _ip_used[node] or octet == 7
        ):  # .7 on demo-worker-1 is reserved for web (probe messages)
            octet += 1
    assert octet not in _ip_used[node], (node, octet)
    _ip_used[node].add(octet)
    return f"{base}.{octet}"


# ============================================================================================ images
IMAGES: dict[str, int] = {  # image -> size in bytes (what "Image size:" and node.status.images report)
    "registry.k8s.io/etcd:3.5.21-0": 58938593,
    f"registry.k8s.io/kube-apiserver:{K8S_VERSION}": 30071307,
    f"registry.k8s.io/kube-controller-manager:{K8S_VERSION}": 27646507,
    f"registry.k8s.io/kube-scheduler:{K8S_VERSION}": 21785428,
    f"registry.k8s.io/kube-proxy:{K8S_VERSION}": 31899767,
    "registry.k8s.io/coredns/coredns:v1.12.0": 20939036,
    "registry.k8s.io/metrics-server/metrics-server:v0.7.2": 19494617,
    "nvcr.io/nvidia/k8s-device-plugin:v0.17.0": 140511393,
    "quay.io/prometheus/prometheus:v3.0.1": 127455093,
    "nginx:1.27": 72195292,
    f"{REGISTRY}/shop/api:2.4.1": 41210336,
    f"{REGISTRY}/shop/api:2.5.0": 41388120,
    f"{REGISTRY}/shop/cart:1.9.2": 23145871,
    f"{REGISTRY}/shop/catalog:4.2.0": 198234112,
    f"{REGISTRY}/shop/orders:3.0.7": 187663410,
    f"{REGISTRY}/shop/inventory:1.8.0": 48211337,
    f"{REGISTRY}/shop/notifications:0.3.0": 35562210,
    f"{REGISTRY}/shop/recommendations:1.12.3": 412877615,
    "postgres:16.4": 158435912,
    "opensearchproject/opensearch:2.17.1": 853119874,
    f"{REGISTRY}/data/etl-worker:5.1.0": 96133470,
    f"{REGISTRY}/batch/orders-export:2026.11": 61002318,
    f"{REGISTRY}/batch/invoice-reconcile:0.9.4": 58821004,
    f"{REGISTRY}/ml/embeddings:0.6.1": 3811203418,
    f"{REGISTRY}/ml/finetune:0.2.0": 4105226771,
    f"{REGISTRY}/batch/backfill:1.0.0": 71200442,
    "nicolaka/netshoot:v0.13": 208845632,
}


def image_ref(image: str) -> str:
    """What containerd reports as ``status.image`` (the normalised reference)."""
    first = image.split("/", 1)[0]
    if "/" not in image:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image


def image_id(image: str) -> str:
    ref = image_ref(image)
    repo = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    return f"{repo}@{digest('image', image)}"


def go_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


# ============================================================================================ object store
OBJECTS: dict[str, list[dict]] = {
    k: []
    for k in (
        "namespaces",
        "nodes",
        "pods",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "persistentvolumeclaims",
        "persistentvolumes",
        "resourcequotas",
        "controllerrevisions",
        "cronjobs",
        "events",
    )
}


def meta(
    kind: str, name: str, ns: str | None, created: datetime, updated: datetime | None = None, **extra
) -> dict:
    m: dict = {"creationTimestamp": ts(created), "name": name}
    if ns is not None:
        m["namespace"] = ns
    m["resourceVersion"] = rv(updated or created, kind, ns or "", name)
    m["uid"] = uid(kind, ns or "", name, ts(created))
    m.update({k: v for k, v in extra.items() if v is not None})
    return dict(sorted(m.items()))


def owner_ref(obj: dict, block: bool = True) -> dict:
    ref = {
        "apiVersion": obj["apiVersion"],
        "controller": True,
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
    }
    if block:
        ref["blockOwnerDeletion"] = True
    return dict(sorted(ref.items()))


# ============================================================================================ namespaces
NAMESPACES = {
    "default": CLUSTER_START,
    "kube-node-lease": CLUSTER_START,
    "kube-public": CLUSTER_START,
    "kube-system": CLUSTER_START,
    "monitoring": CLUSTER_START + timedelta(hours=2, minutes=4),
    "shop": ago(d=21, h=6, m=2, s=11),
    "data": ago(d=21, h=6, m=1, s=40),
    "batch": ago(d=19, h=1, m=12, s=3),
}
NS_LABELS = {
    "shop": {"team": "storefront"},
    "data": {"team": "data-platform"},
    "batch": {"team": "ml"},
    "monitoring": {"team": "sre"},
}


def build_namespaces() -> None:
    for name, created in NAMESPACES.items():
        labels = {"kubernetes.io/metadata.name": name} | NS_LABELS.get(name, {})
        OBJECTS["namespaces"].append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": meta("Namespace", name, None, created, labels=labels),
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        )


# ============================================================================================ pod building blocks
DEFAULT_TOLERATIONS = [
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
]
DAEMONSET_TOLERATIONS = [  # added by the DaemonSet controller
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/memory-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/pid-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/network-unavailable", "operator": "Exists"},
]
GPU_TOLERATIONS = [
    {"effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "gpu"},
    {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"},
]
PRIORITY = {
    "": 0,
    "system-node-critical": 2000001000,
    "system-cluster-critical": 2000000000,
    "shop-high": 10000,
    "training-high": 1000,
    "batch-low": 100,
}


def container(
    name: str,
    image: str,
    *,
    pull: str = "IfNotPresent",
    requests: dict | None = None,
    limits: dict | None = None,
    ports: list | None = None,
    env: list | None = None,
    mounts: list | None = None,
    command: list | None = None,
    args: list | None = None,
    liveness: dict | None = None,
    readiness: dict | None = None,
    startup: dict | None = None,
    term_policy: str = "File",
    security: dict | None = None,
) -> dict:
    c: dict = {"image": image, "imagePullPolicy": pull, "name": name}
    if command:
        c["command"] = command
    if args:
        c["args"] = args
    if env:
        c["env"] = env
    if liveness:
        c["livenessProbe"] = liveness
    if ports:
        c["ports"] = ports
    if readiness:
        c["readinessProbe"] = readiness
    res: dict = {}
    if limits:
        res["limits"] = limits
    if requests:
        res["requests"] = requests
    c["resources"] = res
    if security:
        c["securityContext"] = security
    if startup:
        c["startupProbe"] = startup
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = term_policy
    if mounts:
        c["volumeMounts"] = mounts
    return c


def http_probe(
    path: str, port, *, period: int = 10, failure: int = 3, initial: int = 0, timeout: int = 1
) -> dict:
    p = {
        "failureThreshold": failure,
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "periodSeconds": period,
        "successThreshold": 1,
        "timeoutSeconds": timeout,
    }
    if initial:
        p["initialDelaySeconds"] = initial
    return dict(sorted(p.items()))


def exec_probe(cmd: list, *, period: int = 10, failure: int = 3, initial: int = 0, timeout: int = 1) -> dict:
    p = {
        "exec": {"command": cmd},
        "failureThreshold": failure,
        "periodSeconds": period,
        "successThreshold": 1,
        "timeoutSeconds": timeout,
    }
    if initial:
        p["initialDelaySeconds"] = initial
    return dict(sorted(p.items()))


def tcp_probe(port, *, period: int = 10, failure: int = 3, initial: int = 0) -> dict:
    p = {
        "failureThreshold": failure,
        "periodSeconds": period,
        "successThreshold": 1,
        "tcpSocket": {"port": port},
        "timeoutSeconds": 1,
    }
    if initial:
        p["initialDelaySeconds"] = initial
    return dict(sorted(p.items()))


def env_lit(name: str, value: str) -> dict:
    return {"name": name, "value": value}


def env_cm(name: str, cm: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"configMapKeyRef": {"key": key, "name": cm}}}


def env_secret(name: str, secret: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"key": key, "name": secret}}}


def env_field(name: str, path: str) -> dict:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def port(n: int, name: str | None = None, proto: str = "TCP") -> dict:
    p = {"containerPort": n, "protocol": proto}
    if name:
        p["name"] = name
    return p


def kube_api_access(pod_key: str) -> tuple[dict, dict]:
    name = "kube-api-access-" + safe(5, "kaa", pod_key)
    vol = {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace",
                            }
                        ]
                    }
                },
            ],
        },
    }
    mount = {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": name, "readOnly": True}
    return vol, mount


def template_spec(
    containers: list,
    *,
    volumes: list | None = None,
    init: list | None = None,
    priority_class: str = "",
    sa: str = "default",
    grace: int = 30,
    restart: str = "Always",
    host_network: bool = False,
    node_selector: dict | None = None,
    tolerations: list | None = None,
    affinity: dict | None = None,
    gates: list | None = None,
    dns: str | None = None,
    security: dict | None = None,
    hostname: str | None = None,
    subdomain: str | None = None,
    automount: bool | None = None,
    tsc: list | None = None,
) -> dict:
    """A pod template spec as a workload stores it (before admission adds priority, tolerations, tokens)."""
    s: dict = {}
    if affinity:
        s["affinity"] = affinity
    if automount is not None:
        s["automountServiceAccountToken"] = automount
    s["containers"] = containers
    s["dnsPolicy"] = dns or ("ClusterFirstWithHostNet" if host_network else "ClusterFirst")
    if hostname:
        s["hostname"] = hostname
    if host_network:
        s["hostNetwork"] = True
    if init:
        s["initContainers"] = init
    if node_selector:
        s["nodeSelector"] = node_selector
    if priority_class:
        s["priorityClassName"] = priority_class
    s["restartPolicy"] = restart
    if gates:
        s["schedulingGates"] = [{"name": g} for g in gates]
    s["schedulerName"] = "default-scheduler"
    s["securityContext"] = security or {}
    if sa != "default":
        s["serviceAccount"] = sa
    s["serviceAccountName"] = sa
    if subdomain:
        s["subdomain"] = subdomain
    s["terminationGracePeriodSeconds"] = grace
    if tolerations:
        s["tolerations"] = tolerations
    if tsc:
        s["topologySpreadConstraints"] = tsc
    if volumes:
        s["volumes"] = volumes
    return s


def qos_class(spec: dict) -> str:
    cs = spec["containers"] + spec.get("initContainers", [])
    any_set = False
    guaranteed = True
    for c in cs:
        req = c.get("resources", {}).get("requests", {})
        lim = c.get("resources", {}).get("limits", {})
        if req or lim:
            any_set = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and req[r] != lim[r]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def cond(type_: str, status: str, t: datetime, reason: str | None = None, message: str | None = None) -> dict:
    c: dict = {"lastProbeTime": None, "lastTransitionTime": ts(t)}
    if message:
        c["message"] = message
    if reason:
        c["reason"] = reason
    c["status"] = status
    c["type"] = type_
    return c


def cid(pod_uid: str, cname: str, n: int) -> str:
    return "containerd://" + hexid(64, "container", pod_uid, cname, str(n))


def running(started: datetime) -> dict:
    return {"running": {"startedAt": ts(started)}}


def waiting(reason: str, message: str | None = None) -> dict:
    w = {"reason": reason}
    if message:
        w = {"message": message, "reason": reason}
    return {"waiting": w}


def terminated(
    reason: str,
    code: int,
    started: datetime | str | None,
    finished: datetime | None,
    container_id: str | None,
    message: str | None = None,
) -> dict:
    t: dict = {}
    if container_id:
        t["containerID"] = container_id
    t["exitCode"] = code
    if finished is not None:
        t["finishedAt"] = ts(finished)
    if message:
        t["message"] = message
    t["reason"] = reason
    if started is not None:
        t["startedAt"] = started if isinstance(started, str) else ts(started)
    return {"terminated": t}


def status_mounts(c: dict) -> list:
    out = []
    for m in c.get("volumeMounts", []):
        sm = {"mountPath": m["mountPath"], "name": m["name"]}
        if m.get("readOnly"):
            sm["readOnly"] = True
            sm["recursiveReadOnly"] = "Disabled"
        out.append(sm)
    return out


def cstatus(
    c: dict,
    *,
    state: dict,
    ready: bool,
    restarts: int = 0,
    last: dict | None = None,
    started: bool | None = None,
    cid_: str | None = None,
    pulled: bool = True,
    user: bool = True,
) -> dict:
    s: dict = {}
    if cid_:
        s["containerID"] = cid_
    s["image"] = image_ref(c["image"]) if pulled else c["image"]
    s["imageID"] = image_id(c["image"]) if pulled else ""
    s["lastState"] = last or {}
    s["name"] = c["name"]
    s["ready"] = ready
    s["resources"] = c.get("resources", {})
    s["restartCount"] = restarts
    s["started"] = bool(started) if started is not None else ("running" in state)
    s["state"] = state
    if user and cid_:
        s["user"] = {"linux": {"gid": 0, "supplementalGroups": [0], "uid": 0}}
    s["volumeMounts"] = status_mounts(c)
    return s


POD_INDEX: dict[tuple[str, str], dict] = {}


def make_pod(
    ns: str,
    name: str,
    *,
    spec: dict,
    created: datetime,
    updated: datetime,
    status: dict,
    node: str | None,
    labels: dict,
    owner: dict | None = None,
    owner_block: bool = True,
    annotations: dict | None = None,
    generate_name: str | None = None,
    deletion: datetime | None = None,
    grace: int | None = None,
    finalizers: list | None = None,
    extra_tolerations: list | None = None,
    uid_salt: str = "",
) -> dict:
    """A pod as the API server returns it: the template spec plus what admission and the scheduler added."""
    spec = json.loads(json.dumps(spec))
    key = f"{ns}/{name}/{uid_salt}"
    vol, mount = kube_api_access(key)
    if spec.get("automountServiceAccountToken") is not False:
        spec.setdefault("volumes", []).append(vol)
        for c in spec["containers"] + spec.get("initContainers", []):
            c.setdefault("volumeMounts", []).append(dict(mount))
    spec["enableServiceLinks"] = True
    if node:
        spec["nodeName"] = node
    spec["preemptionPolicy"] = "PreemptLowerPriority"
    spec["priority"] = PRIORITY[spec.get("priorityClassName", "")]
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    tol = list(spec.get("tolerations", []))
    if extra_tolerations is not None:
        tol += extra_tolerations
    else:
        tol += DEFAULT_TOLERATIONS
    spec["tolerations"] = tol
    spec = dict(sorted(spec.items()))
    m = meta(
        "Pod",
        name,
        ns,
        created,
        updated,
        labels=labels,
        annotations=annotations,
        generateName=generate_name,
        deletionTimestamp=ts(deletion) if deletion else None,
        deletionGracePeriodSeconds=grace,
        finalizers=finalizers,
        ownerReferences=[owner_ref(owner, owner_block)] if owner else None,
    )
    m["uid"] = uid("Pod", ns, name, ts(created), uid_salt)
    m["generation"] = 1
    m = dict(sorted(m.items()))
    # container statuses list the mounts of the admitted spec (incl. the token volume) and the effective user
    psc = spec.get("securityContext", {})
    for key, skey in (("containers", "containerStatuses"), ("initContainers", "initContainerStatuses")):
        for cs in status.get(skey, []):
            c = next(x for x in spec.get(key, []) if x["name"] == cs["name"])
            cs["volumeMounts"] = status_mounts(c)
            if "user" in cs:
                csc = c.get("securityContext", {})
                u = csc.get("runAsUser", psc.get("runAsUser", 0))
                g = csc.get("runAsGroup", psc.get("runAsGroup", 0))
                groups = sorted({g} | ({psc["fsGroup"]} if "fsGroup" in psc else set()))
                cs["user"] = {"linux": {"gid": g, "supplementalGroups": groups, "uid": u}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": status}
    OBJECTS["pods"].append(pod)
    POD_INDEX[(ns, name)] = pod
    return pod


def running_status(
    spec: dict,
    pod_uid: str,
    node: str,
    ip: str,
    *,
    created: datetime,
    started: datetime,
    ready_at: datetime,
    restarts: dict | None = None,
    not_ready: dict | None = None,
    host_network: bool = False,
    extra_conditions: list | None = None,
) -> dict:
    """Status of a Running pod whose containers all run. ``restarts``: name -> (count, lastState, startedAt)."""
    restarts = restarts or {}
    host_ip = NODES[node]["ip"]
    ip = host_ip if host_network else ip
    css = []
    for c in spec["containers"]:
        n, last, cstart = restarts.get(c["name"], (0, None, started))
        css.append(
            cstatus(
                c, state=running(cstart), ready=True, restarts=n, last=last, cid_=cid(pod_uid, c["name"], n)
            )
        )
    init_css = []
    for c in spec.get("initContainers", []):
        cid_ = cid(pod_uid, c["name"], 0)
        init_css.append(
            cstatus(
                c,
                state=terminated("Completed", 0, started, started + timedelta(seconds=2), cid_),
                ready=True,
                cid_=cid_,
                started=False,
            )
        )
    conds = [
        cond("PodReadyToStartContainers", "True", started),
        cond("Initialized", "True", started + timedelta(seconds=3) if init_css else created),
        cond("Ready", "True", ready_at),
        cond("ContainersReady", "True", ready_at),
        cond("PodScheduled", "True", created),
    ]
    if not_ready:  # e.g. the node controller marked the pod not ready
        conds[2] = cond("Ready", "False", not_ready["at"], not_ready.get("reason"), not_ready.get("message"))
    if extra_conditions:
        conds = extra_conditions + conds
    st: dict = {
        "conditions": conds,
        "containerStatuses": css,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
    }
    if init_css:
        st["initContainerStatuses"] = init_css
    st.update(
        {
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "qosClass": qos_class(spec),
            "startTime": ts(created + timedelta(seconds=1) if started > created else created),
        }
    )
    return st


def pending_unscheduled_status(
    spec: dict, created: datetime, reason: str, message: str, at: datetime, nominated: str | None = None
) -> dict:
    st: dict = {"conditions": [cond("PodScheduled", "False", at, reason, message)]}
    if nominated:
        st["nominatedNodeName"] = nominated
    st["phase"] = "Pending"
    st["qosClass"] = qos_class(spec)
    return st


# ============================================================================================ workloads
def deployment(
    ns: str,
    name: str,
    *,
    created: datetime,
    updated: datetime,
    replicas: int,
    labels: dict,
    tpl_labels: dict,
    spec: dict,
    revision: int,
    generation: int,
    status: dict,
    annotations: dict | None = None,
    strategy: dict | None = None,
) -> dict:
    ann = {"deployment.kubernetes.io/revision": str(revision)} | (annotations or {})
    d = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(
            "Deployment", name, ns, created, updated, labels=labels, annotations=ann, generation=generation
        ),
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app.kubernetes.io/name": tpl_labels["app.kubernetes.io/name"]}},
            "strategy": strategy
            or {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
            "template": {"metadata": {"labels": tpl_labels}, "spec": spec},
        },
        "status": status,
    }
    OBJECTS["deployments"].append(d)
    return d


def replicaset(
    dep: dict,
    hash_: str,
    *,
    created: datetime,
    updated: datetime,
    replicas: int,
    revision: int,
    spec: dict,
    status: dict,
    generation: int = 1,
) -> dict:
    ns = dep["metadata"]["namespace"]
    name = f"{dep['metadata']['name']}-{hash_}"
    tpl_labels = dict(dep["spec"]["template"]["metadata"]["labels"]) | {"pod-template-hash": hash_}
    dep_replicas = dep["spec"]["replicas"]
    max_surge = max(1, -(-dep_replicas * 25 // 100))
    ann = {
        "deployment.kubernetes.io/desired-replicas": str(dep_replicas),
        "deployment.kubernetes.io/max-replicas": str(dep_replicas + max_surge),
        "deployment.kubernetes.io/revision": str(revision),
    }
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            "ReplicaSet",
            name,
            ns,
            created,
            updated,
            labels=tpl_labels,
            annotations=ann,
            generation=generation,
            ownerReferences=[owner_ref(dep)],
        ),
        "spec": {
            "replicas": replicas,
            "selector": {
                "matchLabels": {
                    "app.kubernetes.io/name": tpl_labels["app.kubernetes.io/name"],
                    "pod-template-hash": hash_,
                }
            },
            "template": {"metadata": {"labels": tpl_labels}, "spec": spec},
        },
        "status": status,
    }
    OBJECTS["replicasets"].append(rs)
    return rs


def rs_status(
    replicas: int, ready: int, available: int, generation: int = 1, conditions: list | None = None
) -> dict:
    s: dict = {}
    if available:
        s["availableReplicas"] = available
    if conditions:
        s["conditions"] = conditions
    s["fullyLabeledReplicas"] = replicas
    s["observedGeneration"] = generation
    if ready:
        s["readyReplicas"] = ready
    s["replicas"] = replicas
    return s


def dep_conditions(available: tuple, progressing: tuple, extra: list | None = None) -> list:
    """available/progressing: (status, reason, message, lastUpdate, lastTransition)."""
    out = []
    for typ, c in (("Available", available), ("Progressing", progressing)):
        st, reason, msg, upd, trans = c
        out.append(
            {
                "lastTransitionTime": ts(trans),
                "lastUpdateTime": ts(upd),
                "message": msg,
                "reason": reason,
                "status": st,
                "type": typ,
            }
        )
    return out + (extra or [])


def dep_status(
    *, generation: int, replicas: int, updated: int, ready: int, available: int, conditions: list
) -> dict:
    s: dict = {}
    if available:
        s["availableReplicas"] = available
    s["conditions"] = conditions
    s["observedGeneration"] = generation
    if ready:
        s["readyReplicas"] = ready
    s["replicas"] = replicas
    if replicas - available > 0:
        s["unavailableReplicas"] = replicas - available
    s["updatedReplicas"] = updated
    return s


def new_rs_available(rs_name: str, t_upd: datetime, t_trans: datetime) -> tuple:
    return (
        "True",
        "NewReplicaSetAvailable",
        f'ReplicaSet "{rs_name}" has successfully progressed.',
        t_upd,
        t_trans,
    )


def min_available(t: datetime) -> tuple:
    return ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.", t, t)


def min_unavailable(t: datetime) -> tuple:
    return ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", t, t)


def new_deployment_past_its_deadline(
    ns: str, name: str, pod_hash: str, spec: dict, t0: datetime, updated: datetime | None = None
) -> tuple:
    """A one-replica shop Deployment created at ``t0`` whose only pod never became available, marked
    ProgressDeadlineExceeded by the controller 601 s later (progressDeadlineSeconds 600, then its next sync),
    and its ReplicaSet (revision 1, created with it)."""
    deadline = t0 + timedelta(seconds=601)
    d = deployment(
        ns,
        name,
        created=t0,
        updated=updated or deadline,
        replicas=1,
        labels={"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "shop"},
        spec=spec,
        revision=1,
        generation=1,
        status=dep_status(
            generation=1,
            replicas=1,
            updated=1,
            ready=0,
            available=0,
            conditions=dep_conditions(
                min_unavailable(t0),
                (
                    "False",
                    "ProgressDeadlineExceeded",
                    f'ReplicaSet "{name}-{pod_hash}" has timed out progressing.',
                    deadline,
                    deadline,
                ),
            ),
        ),
    )
    rs = replicaset(
        d,
        pod_hash,
        created=t0,
        updated=t0 + timedelta(seconds=1),
        replicas=1,
        revision=1,
        spec=spec,
        status=rs_status(1, 0, 0),
    )
    return d, rs


def pod_name(rs: dict, *salt: str) -> str:
    return f"{rs['metadata']['name']}-{safe(5, 'pod', rs['metadata']['name'], *salt)}"


def rs_pod(
    rs: dict, salt: str, *, created: datetime, updated: datetime, node: str | None, status_fn, **kw
) -> dict:
    name = pod_name(rs, salt)
    spec = rs["spec"]["template"]["spec"]
    return make_pod(
        rs["metadata"]["namespace"],
        name,
        spec=spec,
        created=created,
        updated=updated,
        status=status_fn,
        node=node,
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
        **kw,
    )


# ============================================================================================ events
def event_name(obj_name: str, t: datetime, *salt: str) -> str:
    nanos = int(t.timestamp()) * 10**9 + int.from_bytes(_h("evn", obj_name, ts(t), *salt)[:4], "big") % 10**9
    return f"{obj_name}.{nanos:x}"


def involved(obj: dict, field_path: str | None = None, rv_at: datetime | None = None) -> dict:
    m = obj["metadata"]
    ref = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": m["name"]}
    if field_path:
        ref["fieldPath"] = field_path
    if m.get("namespace"):
        ref["namespace"] = m["namespace"]
    ref["resourceVersion"] = rv(rv_at, "involved", m["uid"]) if rv_at else m["resourceVersion"]
    ref["uid"] = m["uid"]
    return dict(sorted(ref.items()))


def classic_event(
    obj: dict,
    *,
    reason: str,
    message: str,
    type_: str = "Normal",
    first: datetime,
    last: datetime | None = None,
    count: int = 1,
    component: str,
    host: str | None = None,
    field_path: str | None = None,
    ns: str | None = None,
    involved_override: dict | None = None,
    reporting_instance: str | None = None,
) -> dict | None:
    last = last or first
    if last < T - EVENT_TTL:
        return None
    namespace = ns or obj["metadata"].get("namespace") or "default"
    name = event_name(obj["metadata"]["name"], first, reason, message, field_path or "")
    src = {"component": component}
    if host:
        src["host"] = host
    ev = {
        "apiVersion": "v1",
        "count": count,
        "eventTime": None,
        "firstTimestamp": ts(first),
        "involvedObject": involved_override or involved(obj, field_path, rv_at=first),
        "kind": "Event",
        "lastTimestamp": ts(last),
        "message": message,
        "metadata": {
            "creationTimestamp": ts(first),
            "name": name,
            "namespace": namespace,
            "resourceVersion": rv(last, "event", name),
            "uid": uid("Event", namespace, name),
        },
        "reason": reason,
        "reportingComponent": component,
        "reportingInstance": reporting_instance if reporting_instance is not None else (host or ""),
        "source": src,
        "type": type_,
    }
    OBJECTS["events"].append(ev)
    return ev


def kubelet_event(
    pod: dict,
    reason: str,
    message: str,
    first: datetime,
    last: datetime | None = None,
    count: int = 1,
    type_: str = "Normal",
    container: str | None = None,
    init: bool = False,
    node: str | None = None,
) -> dict | None:
    fp = None
    if container:
        fp = f"spec.{'initContainers' if init else 'containers'}{{{container}}}"
    host = node or pod["spec"]["nodeName"]
    return classic_event(
        pod,
        reason=reason,
        message=message,
        type_=type_,
        first=first,
        last=last,
        count=count,
        component="kubelet",
        host=host,
        field_path=fp,
    )


def scheduler_event(
    pod: dict,
    *,
    reason: str,
    message: str,
    type_: str,
    at: datetime,
    action: str,
    series: tuple[int, datetime] | None = None,
    related: dict | None = None,
) -> dict | None:
    """A kube-scheduler event (events.k8s.io/v1) as the core/v1 API returns it: no count, null first/last
    timestamps, empty source, eventTime with microseconds, series for repeats."""
    last = series[1] if series else at
    if last < T - EVENT_TTL:
        return None
    ns = pod["metadata"]["namespace"]
    name = event_name(pod["metadata"]["name"], at, reason, message)
    ev = {
        "action": action,
        "apiVersion": "v1",
        "eventTime": mts(at, name),
        "firstTimestamp": None,
        "involvedObject": involved(pod, rv_at=at),
        "kind": "Event",
        "lastTimestamp": None,
        "message": message,
        "metadata": {
            "creationTimestamp": ts(at),
            "name": name,
            "namespace": ns,
            "resourceVersion": rv(last, "event", name),
            "uid": uid("Event", ns, name),
        },
        "reason": reason,
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-demo-control-plane",
        "source": {},
        "type": type_,
    }
    if related:
        ev["related"] = related
    if series:
        ev["series"] = {"count": series[0], "lastObservedTime": mts(series[1], name, "series")}
    OBJECTS["events"].append(dict(sorted(ev.items())))
    return ev


def scheduled_event(pod: dict, at: datetime) -> None:
    m = pod["metadata"]
    scheduler_event(
        pod,
        reason="Scheduled",
        type_="Normal",
        at=at,
        action="Binding",
        message=f"Successfully assigned {m['namespace']}/{m['name']} to {pod['spec']['nodeName']}",
    )


def pulled_msg(image: str, secs: float) -> str:
    d = go_duration(secs)
    return f'Successfully pulled image "{image}" in {d} ({d} including waiting). Image size: {IMAGES[image]} bytes.'


def start_events(
    pod: dict, at: datetime, *, pull_secs: float | None = 1.2, containers: list | None = None
) -> None:
    """Scheduled, Pulling/Pulled (or 'already present'), Created, Started, with 1.33 wordings."""
    scheduled_event(pod, at)
    t = at + timedelta(seconds=1)
    cs = (
        pod["spec"].get("initContainers", []) + pod["spec"]["containers"]
        if containers is None
        else containers
    )
    for c in cs:
        is_init = c in pod["spec"].get("initContainers", [])
        if pull_secs is None or (
            c["imagePullPolicy"] == "IfNotPresent" and c is not cs[0] and c["image"] == cs[0]["image"]
        ):
            kubelet_event(
                pod,
                "Pulled",
                f'Container image "{c["image"]}" already present on machine',
                t,
                container=c["name"],
                init=is_init,
            )
        else:
            kubelet_event(
                pod, "Pulling", f'Pulling image "{c["image"]}"', t, container=c["name"], init=is_init
            )
            t = t + timedelta(seconds=max(1, round(pull_secs)))
            kubelet_event(
                pod, "Pulled", pulled_msg(c["image"], pull_secs), t, container=c["name"], init=is_init
            )
        kubelet_event(pod, "Created", f"Created container: {c['name']}", t, container=c["name"], init=is_init)
        kubelet_event(pod, "Started", f"Started container {c['name']}", t, container=c["name"], init=is_init)
        t = t + timedelta(seconds=3 if is_init else 0)


# ============================================================================================ the scenario
def build() -> dict:
    build_namespaces()
    nodes_and_system()
    shop()
    data()
    batch()
    default_ns()
    monitoring()
    node_events()
    return finish()


# -------------------------------------------------------------------------------------------- kube-system
DS: dict[str, dict] = {}


def nodes_and_system() -> None:
    ks = "kube-system"
    # --- static control-plane pods (mirror pods owned by the Node)
    cp = "demo-control-plane"
    cp_ip = NODES[cp]["ip"]
    node_owner = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": cp, "uid": NODE_UID[cp]}}
    statics = [
        (
            "etcd",
            "registry.k8s.io/etcd:3.5.21-0",
            {"cpu": "100m", "memory": "100Mi"},
            [
                "etcd",
                "--advertise-client-urls=https://10.0.1.10:2379",
                "--data-dir=/var/lib/etcd",
                "--listen-client-urls=https://127.0.0.1:2379,https://10.0.1.10:2379",
            ],
            http_probe("/livez", 2381, failure=8, initial=10, timeout=15),
            "etcd",
        ),
        (
            "kube-apiserver",
            f"registry.k8s.io/kube-apiserver:{K8S_VERSION}",
            {"cpu": "250m"},
            [
                "kube-apiserver",
                "--advertise-address=10.0.1.10",
                "--event-ttl=1h0m0s",
                "--service-cluster-ip-range=10.96.0.0/16",
            ],
            {
                "failureThreshold": 8,
                "httpGet": {"host": cp_ip, "path": "/livez", "port": 6443, "scheme": "HTTPS"},
                "initialDelaySeconds": 10,
                "periodSeconds": 10,
                "successThreshold": 1,
                "timeoutSeconds": 15,
            },
            "kube-apiserver",
        ),
        (
            "kube-controller-manager",
            f"registry.k8s.io/kube-controller-manager:{K8S_VERSION}",
            {"cpu": "200m"},
            ["kube-controller-manager", "--cluster-cidr=10.244.0.0/16", "--node-monitor-grace-period=50s"],
            {
                "failureThreshold": 8,
                "httpGet": {"host": "127.0.0.1", "path": "/healthz", "port": 10257, "scheme": "HTTPS"},
                "initialDelaySeconds": 10,
                "periodSeconds": 10,
                "successThreshold": 1,
                "timeoutSeconds": 15,
            },
            "kube-controller-manager",
        ),
        (
            "kube-scheduler",
            f"registry.k8s.io/kube-scheduler:{K8S_VERSION}",
            {"cpu": "100m"},
            [
                "kube-scheduler",
                "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
                "--leader-elect=true",
            ],
            {
                "failureThreshold": 8,
                "httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 10259, "scheme": "HTTPS"},
                "initialDelaySeconds": 10,
                "periodSeconds": 10,
                "successThreshold": 1,
                "timeoutSeconds": 15,
            },
            "kube-scheduler",
        ),
    ]
    kubelet_restart = CLUSTER_START + timedelta(days=16, hours=2, minutes=3)  # node upgrade to v1.33.4
    for comp, image, req, cmd, probe, _tier in statics:
        name = f"{comp}-{cp}"
        c = container(
            comp, image, requests=req, command=cmd, liveness=probe, startup=dict(probe, failureThreshold=24)
        )
        c["volumeMounts"] = [{"mountPath": "/etc/kubernetes/pki", "name": "k8s-certs", "readOnly": True}]
        spec = template_spec(
            [c],
            priority_class="system-node-critical",
            host_network=True,
            security={"seccompProfile": {"type": "RuntimeDefault"}},
            volumes=[
                {
                    "hostPath": {"path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"},
                    "name": "k8s-certs",
                }
            ],
            automount=False,
        )
        spec["tolerations"] = [{"effect": "NoExecute", "operator": "Exists"}]
        chash = hexid(32, "config", comp)
        created = kubelet_restart + timedelta(seconds=len(comp))
        pod_uid_probe = uid("Pod", ks, name, ts(created), "")
        st = running_status(
            spec,
            pod_uid_probe,
            cp,
            "",
            created=created,
            started=created,
            ready_at=created + timedelta(seconds=21),
            host_network=True,
        )
        make_pod(
            ks,
            name,
            spec=spec,
            created=created,
            updated=created + timedelta(seconds=21),
            status=st,
            node=cp,
            labels={"component": comp, "tier": "control-plane"},
            owner=node_owner,
            owner_block=False,
            annotations={
                "kubernetes.io/config.hash": chash,
                "kubernetes.io/config.mirror": chash,
                "kubernetes.io/config.seen": ts(created - timedelta(seconds=30)).replace("Z", ".118283913Z"),
                "kubernetes.io/config.source": "file",
            },
            extra_tolerations=[],
        )
    # mirror pods have no serviceAccount fields; make_pod set one from the template default: drop it
    for p in OBJECTS["pods"]:
        if p["metadata"].get("ownerReferences", [{}])[0].get("kind") == "Node":
            p["spec"].pop("serviceAccount", None)
            p["spec"].pop("serviceAccountName", None)
            p["spec"].pop("enableServiceLinks", None)
            p["spec"].pop("automountServiceAccountToken", None)

    # --- coredns (Deployment)
    coredns_spec = template_spec(
        [
            container(
                "coredns",
                "registry.k8s.io/coredns/coredns:v1.12.0",
                requests={"cpu": "100m", "memory": "70Mi"},
                limits={"memory": "170Mi"},
                args=["-conf", "/etc/coredns/Corefile"],
                ports=[port(53, "dns", "UDP"), port(53, "dns-tcp"), port(9153, "metrics")],
                liveness=http_probe("/health", 8080, period=10, failure=5, initial=60, timeout=5),
                readiness=http_probe("/ready", 8181, period=10, timeout=1),
                mounts=[{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}],
                security={
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                    "readOnlyRootFilesystem": True,
                },
            )
        ],
        volumes=[
            {
                "configMap": {
                    "defaultMode": 420,
                    "items": [{"key": "Corefile", "path": "Corefile"}],
                    "name": "coredns",
                },
                "name": "config-volume",
            }
        ],
        priority_class="system-cluster-critical",
        sa="coredns",
        dns="Default",
        node_selector={"kubernetes.io/os": "linux"},
        tolerations=[
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
        ],
    )
    t0 = CLUSTER_START + timedelta(seconds=31)
    up = ago(d=14, h=1, m=55)
    d = deployment(
        ks,
        "coredns",
        created=t0,
        updated=up,
        replicas=2,
        labels={"k8s-app": "kube-dns"},
        tpl_labels={"k8s-app": "kube-dns", "app.kubernetes.io/name": "coredns"},
        spec=coredns_spec,
        revision=1,
        generation=1,
        strategy={"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}, "type": "RollingUpdate"},
        status=dep_status(
            generation=1,
            replicas=2,
            updated=2,
            ready=2,
            available=2,
            conditions=dep_conditions(
                min_available(up), new_rs_available("coredns-674b8bbfcf", t0 + timedelta(seconds=40), t0)
            ),
        ),
    )
    rs = replicaset(
        d,
        "674b8bbfcf",
        created=t0,
        updated=up,
        replicas=2,
        revision=1,
        spec=coredns_spec,
        status=rs_status(2, 2, 2),
    )
    for i, node in enumerate(("demo-control-plane", "demo-worker-2")):
        created = t0 + timedelta(seconds=2) if i == 0 else up - timedelta(seconds=40)
        add_running_rs_pod(rs, str(i), node, created, ready_after=6)

    # --- metrics-server (Deployment)
    ms_spec = template_spec(
        [
            container(
                "metrics-server",
                "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
                requests={"cpu": "100m", "memory": "200Mi"},
                args=[
                    "--cert-dir=/tmp",
                    "--secure-port=10250",
                    "--kubelet-preferred-address-types=InternalIP",
                    "--kubelet-use-node-status-port",
                    "--metric-resolution=15s",
                ],
                ports=[port(10250, "https")],
                liveness={
                    "failureThreshold": 3,
                    "httpGet": {"path": "/livez", "port": "https", "scheme": "HTTPS"},
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "timeoutSeconds": 1,
                },
                readiness={
                    "failureThreshold": 3,
                    "httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"},
                    "initialDelaySeconds": 20,
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "timeoutSeconds": 1,
                },
                mounts=[{"mountPath": "/tmp", "name": "tmp-dir"}],
                security={
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "runAsNonRoot": True,
                    "runAsUser": 1000,
                },
            )
        ],
        volumes=[{"emptyDir": {}, "name": "tmp-dir"}],
        priority_class="system-cluster-critical",
        sa="metrics-server",
        node_selector={"kubernetes.io/os": "linux"},
    )
    t0 = CLUSTER_START + timedelta(hours=1, minutes=12)
    up = ago(d=9, h=3)
    d = deployment(
        ks,
        "metrics-server",
        created=t0,
        updated=up,
        replicas=1,
        labels={"k8s-app": "metrics-server"},
        tpl_labels={"k8s-app": "metrics-server", "app.kubernetes.io/name": "metrics-server"},
        spec=ms_spec,
        revision=1,
        generation=1,
        strategy={"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}, "type": "RollingUpdate"},
        status=dep_status(
            generation=1,
            replicas=1,
            updated=1,
            ready=1,
            available=1,
            conditions=dep_conditions(
                min_available(up),
                new_rs_available("metrics-server-5dd7b49d79", t0 + timedelta(seconds=50), t0),
            ),
        ),
    )
    rs = replicaset(
        d,
        "5dd7b49d79",
        created=t0,
        updated=up,
        replicas=1,
        revision=1,
        spec=ms_spec,
        status=rs_status(1, 1, 1),
    )
    add_running_rs_pod(rs, "0", "demo-worker-1", up - timedelta(seconds=25), ready_after=24)

    # --- kube-proxy (DaemonSet, every node)
    kp_spec = template_spec(
        [
            container(
                "kube-proxy",
                f"registry.k8s.io/kube-proxy:{K8S_VERSION}",
                command=[
                    "/usr/local/bin/kube-proxy",
                    "--config=/var/lib/kube-proxy/config.conf",
                    "--hostname-override=$(NODE_NAME)",
                ],
                env=[env_field("NODE_NAME", "spec.nodeName")],
                mounts=[
                    {"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                    {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                    {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
                ],
                security={"privileged": True},
            )
        ],
        volumes=[
            {"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kube-proxy"},
            {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
            {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"},
        ],
        priority_class="system-node-critical",
        sa="kube-proxy",
        host_network=True,
        node_selector={"kubernetes.io/os": "linux"},
        tolerations=[{"operator": "Exists"}],
    )
    kp_spec["dnsPolicy"] = "ClusterFirst"
    ds = daemonset(
        ks,
        "kube-proxy",
        created=CLUSTER_START + timedelta(seconds=29),
        labels={"k8s-app": "kube-proxy"},
        tpl_labels={"k8s-app": "kube-proxy"},
        spec=kp_spec,
        generation=2,
        updated=kubelet_restart + timedelta(minutes=9),
        hash_="6c7f9b6d48",
    )
    for node in NODES:
        created = max(NODES[node]["created"], kubelet_restart + timedelta(minutes=8, seconds=len(node)))
        ds_pod(ds, node, created)

    # --- nvidia device plugin (DaemonSet, GPU nodes only)
    nv_spec = template_spec(
        [
            container(
                "nvidia-device-plugin-ctr",
                "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
                env=[env_lit("FAIL_ON_INIT_ERROR", "false")],
                mounts=[{"mountPath": "/var/lib/kubelet/device-plugins", "name": "device-plugin"}],
                security={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            )
        ],
        volumes=[
            {"hostPath": {"path": "/var/lib/kubelet/device-plugins", "type": ""}, "name": "device-plugin"}
        ],
        priority_class="system-node-critical",
        node_selector={"nvidia.com/gpu.present": "true"},
        tolerations=[
            {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"},
            {"effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "gpu"},
        ],
    )
    ds = daemonset(
        ks,
        "nvidia-device-plugin-daemonset",
        created=ago(d=12, h=5, m=40),
        labels={"app.kubernetes.io/name": "nvidia-device-plugin"},
        tpl_labels={"app.kubernetes.io/name": "nvidia-device-plugin"},
        spec=nv_spec,
        generation=1,
        updated=ago(d=12, h=5, m=29),
        hash_="5b9c7f4d8",
        node_filter=lambda n: NODES[n].get("gpu", False),
    )
    ds_pod(ds, "demo-gpu-1", NODES["demo-gpu-1"]["created"] + timedelta(seconds=41))


def daemonset(
    ns: str,
    name: str,
    *,
    created: datetime,
    labels: dict,
    tpl_labels: dict,
    spec: dict,
    generation: int,
    updated: datetime,
    hash_: str,
    node_filter=lambda n: True,
) -> dict:
    nodes = [n for n in NODES if node_filter(n)]
    ready = [n for n in nodes if n != NOT_READY_NODE]
    d = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta(
            "DaemonSet",
            name,
            ns,
            created,
            max(updated, NODES[NOT_READY_NODE]["not_ready_since"]) if NOT_READY_NODE in nodes else updated,
            labels=labels,
            annotations={"deprecated.daemonset.template.generation": str(generation)},
            generation=generation,
        ),
        "spec": {
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": tpl_labels},
            "template": {"metadata": {"labels": tpl_labels}, "spec": spec},
            "updateStrategy": {
                "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                "type": "RollingUpdate",
            },
        },
        "status": {
            "currentNumberScheduled": len(nodes),
            "desiredNumberScheduled": len(nodes),
            "numberAvailable": len(ready),
            "numberMisscheduled": 0,
            "numberReady": len(ready),
            "observedGeneration": generation,
            "updatedNumberScheduled": len(nodes),
        },
        "_hash": hash_,
    }
    if len(ready) < len(nodes):
        d["status"]["numberUnavailable"] = len(nodes) - len(ready)
    d["status"] = dict(sorted(d["status"].items()))
    OBJECTS["daemonsets"].append(d)
    DS[name] = d
    return d


def ds_pod(ds: dict, node: str, created: datetime) -> dict:
    name = f"{ds['metadata']['name']}-{safe(5, 'ds', ds['metadata']['name'], node)}"
    spec = json.loads(json.dumps(ds["spec"]["template"]["spec"]))
    spec["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
    }
    extra = [
        t for t in DAEMONSET_TOLERATIONS if spec.get("hostNetwork") or "network-unavailable" not in t["key"]
    ]
    labels = dict(ds["spec"]["template"]["metadata"]["labels"]) | {
        "controller-revision-hash": ds["_hash"],
        "pod-template-generation": ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"],
    }
    puid = uid("Pod", ds["metadata"]["namespace"], name, ts(created), "")
    host_net = spec.get("hostNetwork", False)
    ip = "" if host_net else pod_ip(node)
    nr = None
    updated = created + timedelta(seconds=4)
    if node == NOT_READY_NODE:
        nr = {"at": NODES[node]["not_ready_since"]}
        updated = nr["at"]
    st = running_status(
        spec,
        puid,
        node,
        ip,
        created=created,
        started=created + timedelta(seconds=1),
        ready_at=created + timedelta(seconds=4),
        host_network=host_net,
        not_ready=nr,
    )
    return make_pod(
        ds["metadata"]["namespace"],
        name,
        spec=spec,
        created=created,
        updated=updated,
        status=st,
        node=node,
        labels=labels,
        owner=ds,
        generate_name=ds["metadata"]["name"] + "-",
        extra_tolerations=extra,
    )


def add_running_rs_pod(
    rs: dict,
    salt: str,
    node: str,
    created: datetime,
    *,
    ready_after: int = 5,
    restarts: dict | None = None,
    ip_octet: int | None = None,
    updated: datetime | None = None,
    **kw,
) -> dict:
    name = pod_name(rs, salt)
    ns = rs["metadata"]["namespace"]
    spec = rs["spec"]["template"]["spec"]
    puid = uid("Pod", ns, name, ts(created), "")
    nr = {"at": NODES[node]["not_ready_since"]} if node == NOT_READY_NODE else None
    st = running_status(
        spec,
        puid,
        node,
        pod_ip(node, ip_octet),
        created=created,
        started=created + timedelta(seconds=2),
        ready_at=created + timedelta(seconds=ready_after),
        restarts=restarts,
        not_ready=nr,
    )
    upd = updated or (nr["at"] if nr else created + timedelta(seconds=ready_after))
    return make_pod(
        ns,
        name,
        spec=spec,
        created=created,
        updated=upd,
        status=st,
        node=node,
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
        **kw,
    )


# -------------------------------------------------------------------------------------------- shop


def shop() -> None:
    ns = "shop"
    # ---------------------------------------------------------------- web: healthy nginx, 4 replicas
    web_c = container(
        "web",
        "nginx:1.27",
        pull="Always",
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"cpu": "500m", "memory": "256Mi"},
        ports=[port(8080, "http")],
        env=[
            env_lit("NGINX_ENTRYPOINT_QUIET_LOGS", "1"),
            env_cm("UPSTREAM_API", "web-config", "upstream_api"),
            env_secret("SESSION_SIGNING_KEY", "web-secrets", "session-signing-key"),
            env_field("POD_IP", "status.podIP"),
        ],
        liveness=http_probe("/healthz", 8080, period=10, failure=3, initial=10),
        readiness=http_probe("/readyz", 8080, period=5, failure=3),
        mounts=[
            {"mountPath": "/etc/nginx/conf.d", "name": "nginx-conf", "readOnly": True},
            {"mountPath": "/etc/nginx/tls", "name": "tls", "readOnly": True},
            {"mountPath": "/var/cache/nginx", "name": "cache"},
        ],
    )
    web_spec = template_spec(
        [web_c],
        volumes=[
            {"configMap": {"defaultMode": 420, "name": "web-nginx-conf"}, "name": "nginx-conf"},
            {"name": "tls", "secret": {"defaultMode": 420, "secretName": "web-tls"}},
            {"emptyDir": {"sizeLimit": "256Mi"}, "name": "cache"},
        ],
        priority_class="shop-high",
        grace=30,
    )
    web_old_spec = json.loads(json.dumps(web_spec))
    web_old_spec["containers"][0]["image"] = "nginx:1.26"
    web_created = ago(d=21, h=5, m=58)
    rollout = ago(d=4, h=2, m=17)
    scale_up = ago(m=31, s=12)
    labels = {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop"}
    tpl = {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop"}
    d = deployment(
        ns,
        "web",
        created=web_created,
        updated=NODES[NOT_READY_NODE]["not_ready_since"] + timedelta(seconds=1),
        replicas=4,
        labels=labels,
        tpl_labels=tpl,
        spec=web_spec,
        revision=2,
        generation=3,
        status=dep_status(
            generation=3,
            replicas=4,
            updated=4,
            ready=3,
            available=3,
            conditions=dep_conditions(
                min_available(scale_up + timedelta(seconds=9)),
                new_rs_available("web-5d8f7c9b6", scale_up + timedelta(seconds=9), rollout),
            ),
        ),
    )
    replicaset(
        d,
        "7c4b9d8f5",
        created=web_created,
        updated=rollout + timedelta(seconds=40),
        replicas=0,
        revision=1,
        spec=web_old_spec,
        generation=3,
        status=rs_status(0, 0, 0, generation=3),
    )
    rs = replicaset(
        d,
        "5d8f7c9b6",
        created=rollout,
        updated=NODES[NOT_READY_NODE]["not_ready_since"],
        replicas=4,
        revision=2,
        spec=web_spec,
        generation=2,
        status=rs_status(4, 3, 3, generation=2),
    )
    # web-a: liveness probe failed 12 minutes ago, restarted once, healthy again. Its IP is 10.244.1.7.
    kill_at = ago(m=12, s=20)
    web_a_name = pod_name(rs, "a")
    web_a_uid = uid("Pod", ns, web_a_name, ts(rollout + timedelta(seconds=3)), "")
    web_a = add_running_rs_pod(
        rs,
        "a",
        "demo-worker-1",
        rollout + timedelta(seconds=3),
        ip_octet=7,
        updated=kill_at + timedelta(seconds=11),
        restarts={
            "web": (
                1,
                terminated(
                    "Completed",
                    0,
                    rollout + timedelta(seconds=6),
                    kill_at + timedelta(seconds=1),
                    cid(web_a_uid, "web", 0),
                ),
                kill_at + timedelta(seconds=4),
            )
        },
    )
    web_a["status"]["conditions"][2]["lastTransitionTime"] = ts(kill_at + timedelta(seconds=11))
    web_a["status"]["conditions"][3]["lastTransitionTime"] = ts(kill_at + timedelta(seconds=11))
    ip = web_a["status"]["podIP"]
    assert ip == "10.244.1.7"
    kubelet_event(
        web_a,
        "Unhealthy",
        f'Readiness probe failed: Get "http://{ip}:8080/readyz": dial tcp {ip}:8080: '
        "connect: connection refused",
        kill_at - timedelta(seconds=24),
        kill_at - timedelta(seconds=1),
        count=5,
        type_="Warning",
        container="web",
    )
    kubelet_event(
        web_a,
        "Unhealthy",
        f'Liveness probe failed: Get "http://{ip}:8080/healthz": dial tcp {ip}:8080: '
        "connect: connection refused",
        kill_at - timedelta(seconds=20),
        kill_at,
        count=3,
        type_="Warning",
        container="web",
    )
    kubelet_event(
        web_a, "Killing", "Container web failed liveness probe, will be restarted", kill_at, container="web"
    )
    kubelet_event(
        web_a, "Pulling", 'Pulling image "nginx:1.27"', kill_at + timedelta(seconds=2), container="web"
    )
    kubelet_event(
        web_a, "Pulled", pulled_msg("nginx:1.27", 0.734), kill_at + timedelta(seconds=3), container="web"
    )
    kubelet_event(web_a, "Created", "Created container: web", kill_at + timedelta(seconds=3), container="web")
    kubelet_event(web_a, "Started", "Started container web", kill_at + timedelta(seconds=4), container="web")
    add_running_rs_pod(rs, "b", "demo-worker-2", rollout + timedelta(seconds=14))
    web_c_pod = add_running_rs_pod(rs, "c", NOT_READY_NODE, rollout + timedelta(seconds=25))
    NOT_READY_PODS.append(web_c_pod)
    web_d = add_running_rs_pod(rs, "d", "demo-worker-1", scale_up, ready_after=9)
    classic_event(
        rs,
        reason="SuccessfulCreate",
        message=f"Created pod: {web_d['metadata']['name']}",
        first=scale_up,
        component="replicaset-controller",
    )
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set web-5d8f7c9b6 from 3 to 4",
        first=scale_up,
        component="deployment-controller",
    )
    start_events(web_d, scale_up, pull_secs=1.2)

    # ---------------------------------------------------------------- api: stuck rollout, new pod crash-looping
    def api_spec(image: str) -> dict:
        return template_spec(
            [
                container(
                    "api",
                    image,
                    requests={"cpu": "250m", "memory": "512Mi"},
                    limits={"cpu": "1", "memory": "1Gi"},
                    ports=[port(8080, "http"), port(9090, "metrics")],
                    env=[
                        env_lit("APP_ENV", "production"),
                        env_cm("DB_HOST", "api-config", "db_host"),
                        env_secret("DB_PASSWORD", "api-db", "password"),
                        env_field("POD_NAME", "metadata.name"),
                    ],
                    readiness=http_probe("/ready", 8080, period=10, failure=3),
                    liveness=http_probe("/healthz", 8080, period=15, failure=6, initial=30),
                    mounts=[{"mountPath": "/etc/api", "name": "config", "readOnly": True}],
                    term_policy="FallbackToLogsOnError",
                )
            ],
            volumes=[{"configMap": {"defaultMode": 420, "name": "api-config"}, "name": "config"}],
            priority_class="shop-high",
            sa="api",
        )

    api_created = ago(d=21, h=5, m=57)
    prev = ago(d=6, h=3, m=12)
    new = ago(h=2, m=1, s=4)
    deadline = new + timedelta(seconds=600)
    d = deployment(
        ns,
        "api",
        created=api_created,
        updated=deadline,
        replicas=2,
        labels={"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "shop"},
        spec=api_spec(f"{REGISTRY}/shop/api:2.5.0"),
        revision=4,
        generation=4,
        status=dep_status(
            generation=4,
            replicas=3,
            updated=1,
            ready=2,
            available=2,
            conditions=dep_conditions(
                min_available(prev + timedelta(seconds=70)),
                (
                    "False",
                    "ProgressDeadlineExceeded",
                    'ReplicaSet "api-6b7d9c8f4" has timed out progressing.',
                    deadline,
                    deadline,
                ),
            ),
        ),
    )
    old = replicaset(
        d,
        "5f9c8d7b6",
        created=prev,
        updated=prev + timedelta(seconds=70),
        replicas=2,
        revision=3,
        spec=api_spec(f"{REGISTRY}/shop/api:2.4.1"),
        status=rs_status(2, 2, 2),
    )
    add_running_rs_pod(old, "x", "demo-worker-1", prev + timedelta(seconds=1), ready_after=35)
    add_running_rs_pod(old, "y", "demo-worker-2", prev + timedelta(seconds=37), ready_after=35)
    rs = replicaset(
        d,
        "6b7d9c8f4",
        created=new,
        updated=ago(m=5, s=40),
        replicas=1,
        revision=4,
        spec=api_spec(f"{REGISTRY}/shop/api:2.5.0"),
        status=rs_status(1, 0, 0),
    )
    name = pod_name(rs, "crash")
    puid = uid("Pod", ns, name, ts(new), "")
    spec = rs["spec"]["template"]["spec"]
    last_start, last_end = ago(m=5, s=40), ago(m=2, s=8)
    crash_msg = (
        "FATAL migrate: could not acquire advisory lock 72731 on postgres.data.svc:5432 within 210s: "
        "context deadline exceeded (lock held by application_name=api-2.4.1)\n"
    )
    api_c = spec["containers"][0]
    st = {
        "conditions": [
            cond("PodReadyToStartContainers", "True", new + timedelta(seconds=2)),
            cond("Initialized", "True", new),
            cond("Ready", "False", new, "ContainersNotReady", "containers with unready status: [api]"),
            cond(
                "ContainersReady", "False", new, "ContainersNotReady", "containers with unready status: [api]"
            ),
            cond("PodScheduled", "True", new),
        ],
        "containerStatuses": [
            cstatus(
                api_c,
                ready=False,
                restarts=14,
                started=False,
                cid_=cid(puid, "api", 14),
                state=waiting(
                    "CrashLoopBackOff",
                    f"back-off 5m0s restarting failed container=api pod={name}_{ns}({puid})",
                ),
                last=terminated("Error", 1, last_start, last_end, cid(puid, "api", 14), crash_msg),
            )
        ],
        "hostIP": NODES["demo-worker-1"]["ip"],
        "hostIPs": [{"ip": NODES["demo-worker-1"]["ip"]}],
        "phase": "Running",
    }
    ip = pod_ip("demo-worker-1")
    st.update({"podIP": ip, "podIPs": [{"ip": ip}], "qosClass": qos_class(spec), "startTime": ts(new)})
    api_pod = make_pod(
        ns,
        name,
        spec=spec,
        created=new,
        updated=last_end,
        status=st,
        node="demo-worker-1",
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
    )
    image = f"{REGISTRY}/shop/api:2.5.0"
    kubelet_event(
        api_pod,
        "Pulled",
        f'Container image "{image}" already present on machine',
        ago(h=1, m=56, s=2),
        last_start - timedelta(seconds=1),
        count=14,
        container="api",
    )
    kubelet_event(
        api_pod,
        "Created",
        "Created container: api",
        new + timedelta(seconds=5),
        last_start,
        count=15,
        container="api",
    )
    kubelet_event(
        api_pod,
        "Started",
        "Started container api",
        new + timedelta(seconds=5),
        last_start,
        count=15,
        container="api",
    )
    kubelet_event(
        api_pod,
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        new + timedelta(seconds=15),
        last_end - timedelta(seconds=4),
        count=287,
        type_="Warning",
        container="api",
    )
    kubelet_event(
        api_pod,
        "BackOff",
        f"Back-off restarting failed container api in pod {name}_{ns}({puid})",
        ago(h=1, m=57, s=11),
        ago(s=30),
        count=60,
        type_="Warning",
        container="api",
    )
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set api-6b7d9c8f4 from 0 to 1",
        first=new,
        component="deployment-controller",
    )

    # ---------------------------------------------------------------- checkout: ImagePullBackOff (tag does not exist)
    image = f"{REGISTRY}/shop/checkout:3.2.0-rc1"
    co_spec = template_spec(
        [
            container(
                "checkout",
                image,
                requests={"cpu": "200m", "memory": "256Mi"},
                limits={"memory": "512Mi"},
                ports=[port(8080, "http")],
                readiness=http_probe("/ready", 8080),
                env=[env_secret("STRIPE_API_KEY", "checkout-secrets", "stripe-api-key")],
            )
        ],
        priority_class="shop-high",
        sa="checkout",
    )
    t0 = ago(m=25, s=3)
    d, rs = new_deployment_past_its_deadline(ns, "checkout", "7f6d5b8c9d", co_spec, t0)
    name = pod_name(rs, "0")
    puid = uid("Pod", ns, name, ts(t0), "")
    ip = pod_ip("demo-worker-2")
    pull_err = (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": failed to resolve '
        f'reference "{image}": {image}: not found'
    )
    st = {
        "conditions": [
            cond("PodReadyToStartContainers", "True", t0 + timedelta(seconds=2)),
            cond("Initialized", "True", t0),
            cond("Ready", "False", t0, "ContainersNotReady", "containers with unready status: [checkout]"),
            cond(
                "ContainersReady",
                "False",
                t0,
                "ContainersNotReady",
                "containers with unready status: [checkout]",
            ),
            cond("PodScheduled", "True", t0),
        ],
        "containerStatuses": [
            cstatus(
                co_spec["containers"][0],
                ready=False,
                pulled=False,
                started=False,
                state=waiting(
                    "ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: {pull_err}'
                ),
            )
        ],
        "hostIP": NODES["demo-worker-2"]["ip"],
        "hostIPs": [{"ip": NODES["demo-worker-2"]["ip"]}],
        "phase": "Pending",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "qosClass": qos_class(co_spec),
        "startTime": ts(t0),
    }
    co = make_pod(
        ns,
        name,
        spec=co_spec,
        created=t0,
        updated=ago(m=1, s=55),
        status=st,
        node="demo-worker-2",
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
    )
    classic_event(
        rs,
        reason="SuccessfulCreate",
        message=f"Created pod: {name}",
        first=t0,
        component="replicaset-controller",
    )
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set checkout-7f6d5b8c9d from 0 to 1",
        first=t0,
        component="deployment-controller",
    )
    scheduled_event(co, t0)
    first, last = t0 + timedelta(seconds=2), ago(m=1, s=55)
    kubelet_event(co, "Pulling", f'Pulling image "{image}"', first, last, count=9, container="checkout")
    kubelet_event(
        co,
        "Failed",
        f'Failed to pull image "{image}": {pull_err}',
        first + timedelta(seconds=1),
        last + timedelta(seconds=1),
        count=9,
        type_="Warning",
        container="checkout",
    )
    kubelet_event(
        co,
        "Failed",
        "Error: ErrImagePull",
        first + timedelta(seconds=1),
        last + timedelta(seconds=1),
        count=9,
        type_="Warning",
        container="checkout",
    )
    kubelet_event(
        co,
        "BackOff",
        f'Back-off pulling image "{image}"',
        first + timedelta(seconds=3),
        ago(s=20),
        count=104,
        container="checkout",
    )
    kubelet_event(
        co,
        "Failed",
        "Error: ImagePullBackOff",
        first + timedelta(seconds=3),
        ago(s=20),
        count=104,
        type_="Warning",
        container="checkout",
    )

    # ---------------------------------------------------------------- cart: OOMKilled (limit 256Mi), restarted 6 times
    cart_spec = template_spec(
        [
            container(
                "cart",
                f"{REGISTRY}/shop/cart:1.9.2",
                requests={"cpu": "100m", "memory": "128Mi"},
                limits={"cpu": "500m", "memory": "256Mi"},
                ports=[port(8080, "http")],
                env=[
                    env_lit("CART_CACHE_ENTRIES", "500000"),
                    env_cm("REDIS_URL", "cart-config", "redis_url"),
                ],
                readiness=http_probe("/ready", 8080),
                liveness=http_probe("/healthz", 8080, initial=5),
            )
        ],
        priority_class="shop-high",
    )
    t_dep = ago(d=21, h=5, m=50)
    t0 = ago(h=3, m=2, s=40)
    d = deployment(
        ns,
        "cart",
        created=t_dep,
        updated=ago(m=7, s=50),
        replicas=1,
        labels={"app.kubernetes.io/name": "cart", "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": "cart", "app.kubernetes.io/part-of": "shop"},
        spec=cart_spec,
        revision=6,
        generation=6,
        status=dep_status(
            generation=6,
            replicas=1,
            updated=1,
            ready=1,
            available=1,
            conditions=dep_conditions(
                min_available(ago(m=7, s=50)),
                new_rs_available("cart-86c5d7f9b4", t0 + timedelta(seconds=20), ago(d=21, h=5, m=50)),
            ),
        ),
    )
    old_cart = json.loads(json.dumps(cart_spec))
    old_cart["containers"][0]["env"][0]["value"] = "100000"
    replicaset(
        d,
        "54b8c9d7f6",
        created=ago(d=11, h=4),
        updated=t0 + timedelta(seconds=25),
        replicas=0,
        revision=5,
        spec=old_cart,
        generation=2,
        status=rs_status(0, 0, 0, generation=2),
    )
    rs = replicaset(
        d,
        "86c5d7f9b4",
        created=t0,
        updated=ago(m=7, s=50),
        replicas=1,
        revision=6,
        spec=cart_spec,
        status=rs_status(1, 1, 1),
    )
    name = pod_name(rs, "0")
    puid = uid("Pod", ns, name, ts(t0), "")
    oom_end, restart_at = ago(m=8, s=10), ago(m=7, s=58)
    cart = add_running_rs_pod(
        rs,
        "0",
        "demo-worker-2",
        t0,
        updated=restart_at + timedelta(seconds=8),
        restarts={
            "cart": (
                6,
                terminated("OOMKilled", 137, ago(m=34, s=31), oom_end, cid(puid, "cart", 5)),
                restart_at,
            )
        },
    )
    for c in cart["status"]["conditions"][2:4]:
        c["lastTransitionTime"] = ts(restart_at + timedelta(seconds=8))
    img = f"{REGISTRY}/shop/cart:1.9.2"
    kubelet_event(
        cart,
        "Pulled",
        f'Container image "{img}" already present on machine',
        ago(h=2, m=36),
        restart_at - timedelta(seconds=1),
        count=6,
        container="cart",
    )
    kubelet_event(
        cart,
        "Created",
        "Created container: cart",
        t0 + timedelta(seconds=2),
        restart_at - timedelta(seconds=1),
        count=7,
        container="cart",
    )
    kubelet_event(
        cart,
        "Started",
        "Started container cart",
        t0 + timedelta(seconds=2),
        restart_at,
        count=7,
        container="cart",
    )
    kubelet_event(
        cart,
        "BackOff",
        f"Back-off restarting failed container cart in pod {name}_{ns}({puid})",
        ago(h=2, m=36, s=9),
        oom_end + timedelta(seconds=1),
        count=6,
        type_="Warning",
        container="cart",
    )

    # ---------------------------------------------------------------- catalog: 3 JVM replicas (one OOM-killed by the kernel)
    catalog_spec = template_spec(
        [
            container(
                "catalog",
                f"{REGISTRY}/shop/catalog:4.2.0",
                requests={"cpu": "300m", "memory": "3Gi"},
                limits={"cpu": "2", "memory": "3Gi"},
                ports=[port(8080, "http")],
                env=[
                    env_lit("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"),
                    env_cm("SEARCH_URL", "catalog-config", "search_url"),
                ],
                readiness=http_probe("/actuator/health/readiness", 8080, period=10),
                liveness=http_probe("/actuator/health/liveness", 8080, period=20, failure=3),
                startup=http_probe("/actuator/health/liveness", 8080, period=5, failure=30),
            )
        ],
        priority_class="shop-high",
        sa="catalog",
        tsc=[
            {
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "catalog"}},
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
            }
        ],
    )
    t_dep, t0 = ago(d=21, h=5, m=49), ago(d=9, h=6, m=2)
    d = deployment(
        ns,
        "catalog",
        created=t_dep,
        updated=NODES[NOT_READY_NODE]["not_ready_since"] + timedelta(seconds=1),
        replicas=3,
        labels={"app.kubernetes.io/name": "catalog", "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": "catalog", "app.kubernetes.io/part-of": "shop"},
        spec=catalog_spec,
        revision=3,
        generation=3,
        status=dep_status(
            generation=3,
            replicas=3,
            updated=3,
            ready=2,
            available=2,
            conditions=dep_conditions(
                (
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                    ago(d=9, h=6),
                    ago(d=21, h=5, m=47),
                ),
                new_rs_available("catalog-7b5f6c8d9", ago(d=9, h=5, m=58), t_dep),
            ),
        ),
    )
    rs = replicaset(
        d,
        "7b5f6c8d9",
        created=t0,
        updated=NODES[NOT_READY_NODE]["not_ready_since"],
        replicas=3,
        revision=3,
        spec=catalog_spec,
        status=rs_status(3, 2, 2),
    )
    c1 = t0 + timedelta(seconds=1)
    c1_uid = uid("Pod", ns, pod_name(rs, "1"), ts(c1), "")
    oom_at = ago(m=41, s=30)
    cat1 = add_running_rs_pod(
        rs,
        "1",
        "demo-worker-1",
        c1,
        ready_after=58,
        updated=oom_at + timedelta(seconds=62),
        restarts={
            "catalog": (
                1,
                terminated("OOMKilled", 137, c1 + timedelta(seconds=3), oom_at, cid(c1_uid, "catalog", 0)),
                oom_at + timedelta(seconds=11),
            )
        },
    )
    for c in cat1["status"]["conditions"][2:4]:
        c["lastTransitionTime"] = ts(oom_at + timedelta(seconds=62))
    img = f"{REGISTRY}/shop/catalog:4.2.0"
    kubelet_event(
        cat1,
        "Pulled",
        f'Container image "{img}" already present on machine',
        oom_at + timedelta(seconds=10),
        container="catalog",
    )
    kubelet_event(
        cat1, "Created", "Created container: catalog", oom_at + timedelta(seconds=10), container="catalog"
    )
    kubelet_event(
        cat1, "Started", "Started container catalog", oom_at + timedelta(seconds=11), container="catalog"
    )
    kubelet_event(
        cat1,
        "Unhealthy",
        'Startup probe failed: Get "http://{}:8080/actuator/health/liveness": dial tcp '
        "{}:8080: connect: connection refused".format(cat1["status"]["podIP"], cat1["status"]["podIP"]),
        oom_at + timedelta(seconds=16),
        oom_at + timedelta(seconds=51),
        count=8,
        type_="Warning",
        container="catalog",
    )
    add_running_rs_pod(rs, "2", "demo-worker-2", t0 + timedelta(seconds=70), ready_after=58)
    NOT_READY_PODS.append(
        add_running_rs_pod(rs, "3", NOT_READY_NODE, t0 + timedelta(seconds=140), ready_after=58)
    )

    # ---------------------------------------------------------------- orders: 2 replicas
    orders_spec = template_spec(
        [
            container(
                "orders",
                f"{REGISTRY}/shop/orders:3.0.7",
                requests={"cpu": "250m", "memory": "2560Mi"},
                limits={"cpu": "2", "memory": "3Gi"},
                ports=[port(8080, "http")],
                env=[
                    env_cm("DB_HOST", "orders-config", "db_host"),
                    env_secret("DB_PASSWORD", "orders-db", "password"),
                ],
                readiness=http_probe("/ready", 8080),
                liveness=http_probe("/healthz", 8080, period=20),
            )
        ],
        priority_class="shop-high",
        sa="orders",
    )
    t_dep, t0 = ago(d=21, h=5, m=48), ago(d=9, h=5, m=41)
    d = deployment(
        ns,
        "orders",
        created=t_dep,
        updated=ago(d=9, h=5, m=39),
        replicas=2,
        labels={"app.kubernetes.io/name": "orders", "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": "orders", "app.kubernetes.io/part-of": "shop"},
        spec=orders_spec,
        revision=2,
        generation=2,
        status=dep_status(
            generation=2,
            replicas=2,
            updated=2,
            ready=2,
            available=2,
            conditions=dep_conditions(
                min_available(ago(d=21, h=5, m=46)),
                new_rs_available("orders-69f8b5c7d4", ago(d=9, h=5, m=39), t_dep),
            ),
        ),
    )
    rs = replicaset(
        d,
        "69f8b5c7d4",
        created=t0,
        updated=ago(d=9, h=5, m=39),
        replicas=2,
        revision=2,
        spec=orders_spec,
        status=rs_status(2, 2, 2),
    )
    add_running_rs_pod(rs, "1", "demo-worker-1", t0 + timedelta(seconds=1), ready_after=40)
    add_running_rs_pod(rs, "2", "demo-worker-2", t0 + timedelta(seconds=50), ready_after=40)

    # ---------------------------------------------------------------- inventory: init container crash loop (StartError)
    inv_img = f"{REGISTRY}/shop/inventory:1.8.0"
    inv_spec = template_spec(
        [
            container(
                "inventory",
                inv_img,
                requests={"cpu": "100m", "memory": "256Mi"},
                limits={"memory": "512Mi"},
                ports=[port(8080, "http")],
                readiness=http_probe("/ready", 8080),
                env=[env_cm("DB_HOST", "inventory-config", "db_host")],
            )
        ],
        init=[
            container(
                "migrate",
                inv_img,
                command=["/app/migrate", "--to=latest"],
                requests={"cpu": "50m", "memory": "64Mi"},
                limits={"memory": "128Mi"},
                env=[env_secret("DB_PASSWORD", "inventory-db", "password")],
            )
        ],
        priority_class="shop-high",
    )
    t0 = ago(m=50, s=12)
    d, rs = new_deployment_past_its_deadline(ns, "inventory", "5b7c9d6f8", inv_spec, t0)
    name = pod_name(rs, "0")
    puid = uid("Pod", ns, name, ts(t0), "")
    ip = pod_ip("demo-worker-2")
    start_err = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc "
        "create failed: unable to start container process: error during container init: exec: "
        '"/app/migrate": stat /app/migrate: no such file or directory'
    )
    last_fail = ago(m=3, s=41)
    st = {
        "conditions": [
            cond("PodReadyToStartContainers", "True", t0 + timedelta(seconds=2)),
            cond(
                "Initialized",
                "False",
                t0,
                "ContainersNotInitialized",
                "containers with incomplete status: [migrate]",
            ),
            cond("Ready", "False", t0, "ContainersNotReady", "containers with unready status: [inventory]"),
            cond(
                "ContainersReady",
                "False",
                t0,
                "ContainersNotReady",
                "containers with unready status: [inventory]",
            ),
            cond("PodScheduled", "True", t0),
        ],
        "containerStatuses": [
            cstatus(
                inv_spec["containers"][0],
                ready=False,
                pulled=False,
                started=False,
                state=waiting("PodInitializing"),
            )
        ],
        "hostIP": NODES["demo-worker-2"]["ip"],
        "hostIPs": [{"ip": NODES["demo-worker-2"]["ip"]}],
        "initContainerStatuses": [
            cstatus(
                inv_spec["initContainers"][0],
                ready=False,
                restarts=13,
                started=False,
                cid_=cid(puid, "migrate", 13),
                user=False,
                state=waiting(
                    "CrashLoopBackOff",
                    f"back-off 5m0s restarting failed container=migrate pod={name}_{ns}({puid})",
                ),
                last=terminated(
                    "StartError", 128, "1970-01-01T00:00:00Z", last_fail, cid(puid, "migrate", 13), start_err
                ),
            )
        ],
        "phase": "Pending",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "qosClass": qos_class(inv_spec),
        "startTime": ts(t0),
    }
    st["containerStatuses"][0]["image"] = inv_img
    inv = make_pod(
        ns,
        name,
        spec=inv_spec,
        created=t0,
        updated=last_fail,
        status=st,
        node="demo-worker-2",
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
    )
    classic_event(
        rs,
        reason="SuccessfulCreate",
        message=f"Created pod: {name}",
        first=t0,
        component="replicaset-controller",
    )
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set inventory-5b7c9d6f8 from 0 to 1",
        first=t0,
        component="deployment-controller",
    )
    scheduled_event(inv, t0)
    kubelet_event(
        inv,
        "Pulling",
        f'Pulling image "{inv_img}"',
        t0 + timedelta(seconds=1),
        container="migrate",
        init=True,
    )
    kubelet_event(
        inv, "Pulled", pulled_msg(inv_img, 3.412), t0 + timedelta(seconds=5), container="migrate", init=True
    )
    kubelet_event(
        inv,
        "Pulled",
        f'Container image "{inv_img}" already present on machine',
        t0 + timedelta(seconds=19),
        last_fail,
        count=13,
        container="migrate",
        init=True,
    )
    kubelet_event(
        inv,
        "Created",
        "Created container: migrate",
        t0 + timedelta(seconds=5),
        last_fail,
        count=14,
        container="migrate",
        init=True,
    )
    kubelet_event(
        inv,
        "Failed",
        f"Error: {start_err}",
        t0 + timedelta(seconds=5),
        last_fail,
        count=14,
        type_="Warning",
        container="migrate",
        init=True,
    )
    kubelet_event(
        inv,
        "BackOff",
        f"Back-off restarting failed container migrate in pod {name}_{ns}({puid})",
        t0 + timedelta(seconds=6),
        ago(s=12),
        count=221,
        type_="Warning",
        container="migrate",
        init=True,
    )

    # ---------------------------------------------------------------- notifications: FailedMount (ConfigMap missing)
    n_spec = template_spec(
        [
            container(
                "notifications",
                f"{REGISTRY}/shop/notifications:0.3.0",
                requests={"cpu": "100m", "memory": "256Mi"},
                limits={"memory": "256Mi"},
                ports=[port(8080, "http")],
                mounts=[{"mountPath": "/etc/notifications", "name": "config", "readOnly": True}],
            )
        ],
        volumes=[{"configMap": {"defaultMode": 420, "name": "missing-config"}, "name": "config"}],
        sa="notifications",
    )
    t0 = ago(m=12, s=31)
    d = deployment(
        ns,
        "notifications",
        created=t0,
        updated=t0 + timedelta(seconds=1),
        replicas=1,
        labels={"app.kubernetes.io/name": "notifications", "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": "notifications", "app.kubernetes.io/part-of": "shop"},
        spec=n_spec,
        revision=1,
        generation=1,
        status=dep_status(
            generation=1,
            replicas=1,
            updated=1,
            ready=0,
            available=0,
            conditions=dep_conditions(
                min_unavailable(t0),
                ("True", "ReplicaSetUpdated", 'ReplicaSet "notifications-6c9f7d8b5" is progressing.', t0, t0),
            ),
        ),
    )
    rs = replicaset(
        d,
        "6c9f7d8b5",
        created=t0,
        updated=t0 + timedelta(seconds=1),
        replicas=1,
        revision=1,
        spec=n_spec,
        status=rs_status(1, 0, 0),
    )
    name = pod_name(rs, "0")
    st = {
        "conditions": [
            cond("PodReadyToStartContainers", "False", t0),
            cond("Initialized", "True", t0),
            cond(
                "Ready", "False", t0, "ContainersNotReady", "containers with unready status: [notifications]"
            ),
            cond(
                "ContainersReady",
                "False",
                t0,
                "ContainersNotReady",
                "containers with unready status: [notifications]",
            ),
            cond("PodScheduled", "True", t0),
        ],
        "containerStatuses": [
            cstatus(
                n_spec["containers"][0],
                ready=False,
                pulled=False,
                started=False,
                state=waiting("ContainerCreating"),
            )
        ],
        "hostIP": NODES["demo-worker-1"]["ip"],
        "hostIPs": [{"ip": NODES["demo-worker-1"]["ip"]}],
        "phase": "Pending",
        "qosClass": qos_class(n_spec),
        "startTime": ts(t0),
    }
    npod = make_pod(
        ns,
        name,
        spec=n_spec,
        created=t0,
        updated=t0 + timedelta(seconds=1),
        status=st,
        node="demo-worker-1",
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
    )
    classic_event(
        rs,
        reason="SuccessfulCreate",
        message=f"Created pod: {name}",
        first=t0,
        component="replicaset-controller",
    )
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set notifications-6c9f7d8b5 from 0 to 1",
        first=t0,
        component="deployment-controller",
    )
    scheduled_event(npod, t0)
    kubelet_event(
        npod,
        "FailedMount",
        'MountVolume.SetUp failed for volume "config" : configmap "missing-config" not found',
        t0 + timedelta(seconds=1),
        ago(m=0, s=26),
        count=14,
        type_="Warning",
    )
    kaa = [v["name"] for v in npod["spec"]["volumes"] if v["name"].startswith("kube-api-access")][0]
    kubelet_event(
        npod,
        "FailedMount",
        f"Unable to attach or mount volumes: unmounted volumes=[config], unattached "
        f"volumes=[config {kaa}]: timed out waiting for the condition",
        t0 + timedelta(minutes=2, seconds=1),
        ago(m=1, s=29),
        count=5,
        type_="Warning",
    )

    # ---------------------------------------------------------------- recommendations: evicted pod + its replacement
    rec_img = f"{REGISTRY}/shop/recommendations:1.12.3"
    rec_spec = template_spec(
        [
            container(
                "recommendations",
                rec_img,
                requests={"cpu": "200m", "memory": "512Mi"},
                limits={"cpu": "1", "memory": "2Gi"},
                ports=[port(8080, "http")],
                env=[env_lit("JAVA_TOOL_OPTIONS", "-Xmx1792m")],
                readiness=http_probe("/ready", 8080, initial=20),
            )
        ],
        priority_class="",
    )
    t_dep = ago(d=15, h=2, m=7)
    ev_at = ago(m=41, s=2)
    d = deployment(
        ns,
        "recommendations",
        created=t_dep,
        updated=ev_at + timedelta(seconds=29),
        replicas=1,
        labels={"app.kubernetes.io/name": "recommendations", "app.kubernetes.io/part-of": "shop"},
        tpl_labels={"app.kubernetes.io/name": "recommendations", "app.kubernetes.io/part-of": "shop"},
        spec=rec_spec,
        revision=1,
        generation=1,
        status=dep_status(
            generation=1,
            replicas=1,
            updated=1,
            ready=1,
            available=1,
            conditions=dep_conditions(
                min_available(ev_at + timedelta(seconds=29)),
                new_rs_available("recommendations-5c7d8f9b4", t_dep + timedelta(seconds=40), t_dep),
            ),
        ),
    )
    rs = replicaset(
        d,
        "5c7d8f9b4",
        created=t_dep,
        updated=ev_at + timedelta(seconds=29),
        replicas=1,
        revision=1,
        spec=rec_spec,
        status=rs_status(1, 1, 1),
    )
    # the evicted one
    name = pod_name(rs, "evicted")
    c0 = t_dep + timedelta(seconds=1)
    ip = pod_ip("demo-worker-1")
    evict_msg = (
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki. Container "
        "recommendations was using 1843200Ki, request is 512Mi, has larger consumption of memory. "
    )
    rc = rec_spec["containers"][0]
    st = {
        "conditions": [
            cond("DisruptionTarget", "True", ev_at, "TerminationByKubelet", evict_msg),
            cond("PodReadyToStartContainers", "False", ev_at + timedelta(seconds=2)),
            cond("Initialized", "True", c0),
            cond("Ready", "False", ev_at + timedelta(seconds=1), "PodFailed"),
            cond("ContainersReady", "False", ev_at + timedelta(seconds=1), "PodFailed"),
            cond("PodScheduled", "True", c0),
        ],
        "containerStatuses": [
            cstatus(
                rc,
                ready=False,
                started=False,
                user=False,
                state=terminated(
                    "ContainerStatusUnknown",
                    137,
                    None,
                    None,
                    None,
                    "The container could not be located when the pod was terminated",
                ),
                last=terminated(
                    "Error",
                    137,
                    c0 + timedelta(seconds=4),
                    ev_at + timedelta(seconds=1),
                    cid(uid("Pod", ns, name, ts(c0), ""), "recommendations", 0),
                ),
            )
        ],
        "hostIP": NODES["demo-worker-1"]["ip"],
        "hostIPs": [{"ip": NODES["demo-worker-1"]["ip"]}],
        "message": evict_msg,
        "phase": "Failed",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "qosClass": qos_class(rec_spec),
        "reason": "Evicted",
        "startTime": ts(c0),
    }
    evicted = make_pod(
        ns,
        name,
        spec=rec_spec,
        created=c0,
        updated=ev_at + timedelta(seconds=3),
        status=st,
        node="demo-worker-1",
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
    )
    kubelet_event(evicted, "Evicted", evict_msg, ev_at, type_="Warning")
    kubelet_event(
        evicted, "Killing", "Stopping container recommendations", ev_at, container="recommendations"
    )
    # the replacement, healthy, on demo-worker-2
    t1 = ev_at + timedelta(seconds=1)
    repl = add_running_rs_pod(rs, "replacement", "demo-worker-2", t1, ready_after=28)
    classic_event(
        rs,
        reason="SuccessfulCreate",
        message=f"Created pod: {repl['metadata']['name']}",
        first=t1,
        component="replicaset-controller",
    )
    start_events(repl, t1, pull_secs=5.214)
    EVICTION["pod"] = evicted

    # ---------------------------------------------------------------- recommender: Pending, needs 8Gi, fits nowhere
    rc_spec = template_spec(
        [
            container(
                "recommender",
                f"{REGISTRY}/shop/recommendations:1.12.3",
                requests={"cpu": "500m", "memory": "8Gi"},
                limits={"memory": "8Gi"},
                env=[env_lit("MODEL", "two-tower-xl"), env_lit("JAVA_TOOL_OPTIONS", "-Xmx7g")],
                ports=[port(8080, "http")],
                readiness=http_probe("/ready", 8080, initial=60),
            )
        ]
    )
    t0 = ago(m=20, s=4)
    d, rs = new_deployment_past_its_deadline(
        ns, "recommender", "8f6b7c5d9", rc_spec, t0, updated=t0 + timedelta(seconds=1)
    )
    d["status"]["conditions"][1]["lastUpdateTime"] = ts(t0 + timedelta(seconds=601))
    name = pod_name(rs, "0")
    before = (
        "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated "
        "taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient memory. preemption: 0/5 nodes are "
        "available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
    )
    now_msg = (
        "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated "
        "taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }, 2 Insufficient memory. preemption: 0/5 nodes are available: "
        "2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling."
    )
    re_at = NODES[NOT_READY_NODE]["not_ready_since"] + timedelta(seconds=1, milliseconds=200)
    st = pending_unscheduled_status(rc_spec, t0, "Unschedulable", now_msg, t0)
    rec = make_pod(
        ns,
        name,
        spec=rc_spec,
        created=t0,
        updated=re_at,
        status=st,
        node=None,
        labels=dict(rs["spec"]["template"]["metadata"]["labels"]),
        owner=rs,
        generate_name=rs["metadata"]["name"] + "-",
    )
    classic_event(
        rs,
        reason="SuccessfulCreate",
        message=f"Created pod: {name}",
        first=t0,
        component="replicaset-controller",
    )
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set recommender-8f6b7c5d9 from 0 to 1",
        first=t0,
        component="deployment-controller",
    )
    # legacy-recorder shape with the client-go aggregator prefix (from before demo-worker-3 went NotReady)
    classic_event(
        rec,
        reason="FailedScheduling",
        message="(combined from similar events): " + before,
        type_="Warning",
        first=t0 + timedelta(seconds=1),
        last=ago(m=5, s=3),
        count=4,
        component="default-scheduler",
        reporting_instance="",
    )
    scheduler_event(
        rec,
        reason="FailedScheduling",
        type_="Warning",
        at=re_at,
        action="Scheduling",
        message=now_msg,
        series=(3, ago(s=41)),
    )
    EXPECT_FIT[(ns, name)] = now_msg
    EXPECT_FIT_BEFORE[(ns, name)] = before


NOT_READY_PODS: list[dict] = []
EVICTION: dict = {}
EXPECT_FIT: dict = {}
EXPECT_FIT_BEFORE: dict = {}


# -------------------------------------------------------------------------------------------- data
def statefulset(
    ns: str,
    name: str,
    *,
    created: datetime,
    updated: datetime,
    replicas: int,
    spec: dict,
    labels: dict,
    vct: list | None,
    status: dict,
    rev_hash: str,
    service: str,
) -> dict:
    s = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta("StatefulSet", name, ns, created, updated, labels=labels, generation=1),
        "spec": {
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "podManagementPolicy": "OrderedReady",
            "replicas": replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app.kubernetes.io/name": labels["app.kubernetes.io/name"]}},
            "serviceName": service,
            "template": {"metadata": {"labels": labels}, "spec": spec},
            "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
        },
        "status": status,
        "_hash": rev_hash,
    }
    if vct:
        s["spec"]["volumeClaimTemplates"] = vct
    OBJECTS["statefulsets"].append(s)
    return s


def vct(name: str, size: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }


def sts_pod_spec(sts: dict, ordinal: int) -> tuple[str, dict, dict]:
    name = f"{sts['metadata']['name']}-{ordinal}"
    spec = json.loads(json.dumps(sts["spec"]["template"]["spec"]))
    spec["hostname"] = name
    spec["subdomain"] = sts["spec"]["serviceName"]
    for t in sts["spec"].get("volumeClaimTemplates", []):
        spec.setdefault("volumes", []).insert(
            0,
            {
                "name": t["metadata"]["name"],
                "persistentVolumeClaim": {"claimName": f"{t['metadata']['name']}-{name}"},
            },
        )
    labels = dict(sts["spec"]["template"]["metadata"]["labels"]) | {
        "apps.kubernetes.io/pod-index": str(ordinal),
        "controller-revision-hash": f"{sts['metadata']['name']}-{sts['_hash']}",
        "statefulset.kubernetes.io/pod-name": name,
    }
    return name, spec, labels


def pvc_pv(ns: str, claim: str, size: str, *, created: datetime, zone: str, node: str, labels: dict) -> tuple:
    pvc_uid = uid("PersistentVolumeClaim", ns, claim, ts(created))
    pv_name = f"pvc-{pvc_uid}"
    bound = created + timedelta(seconds=4)
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": dict(
            meta(
                "PersistentVolumeClaim",
                claim,
                ns,
                created,
                bound,
                labels=labels,
                annotations={
                    "pv.kubernetes.io/bind-completed": "yes",
                    "pv.kubernetes.io/bound-by-controller": "yes",
                    "volume.beta.kubernetes.io/storage-provisioner": CSI_DRIVER,
                    "volume.kubernetes.io/selected-node": node,
                    "volume.kubernetes.io/storage-provisioner": CSI_DRIVER,
                },
                finalizers=["kubernetes.io/pvc-protection"],
            )
        ),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
            "volumeName": pv_name,
        },
        "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}, "phase": "Bound"},
    }
    assert pvc["metadata"]["uid"] == pvc_uid
    pv = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": meta(
            "PersistentVolume",
            pv_name,
            None,
            created + timedelta(seconds=3),
            bound,
            annotations={
                "pv.kubernetes.io/provisioned-by": CSI_DRIVER,
                "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
            },
            finalizers=["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"],
        ),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": size},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": claim,
                "namespace": ns,
                "resourceVersion": rv(created, "pvc-claimref", claim),
                "uid": pvc_uid,
            },
            "csi": {
                "driver": CSI_DRIVER,
                "fsType": "ext4",
                "volumeAttributes": {
                    "storage.kubernetes.io/csiProvisionerIdentity": f"1729498400000-{hexid(4, 'csi')}-{CSI_DRIVER}"
                },
                "volumeHandle": f"projects/demo/zones/{zone}/disks/{pv_name}",
            },
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}
                            ]
                        }
                    ]
                }
            },
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
        },
        "status": {"lastPhaseTransitionTime": ts(bound), "phase": "Bound"},
    }
    OBJECTS["persistentvolumeclaims"].append(pvc)
    OBJECTS["persistentvolumes"].append(pv)
    return pvc, pv


def data() -> None:
    ns = "data"
    # ---------------------------------------------------------------- postgres: Guaranteed, PVC in zone-a
    pg_spec = template_spec(
        [
            container(
                "postgres",
                "postgres:16.4",
                requests={"cpu": "1", "memory": "3Gi"},
                limits={"cpu": "1", "memory": "3Gi"},
                ports=[port(5432, "postgres")],
                env=[
                    env_lit("PGDATA", "/var/lib/postgresql/data/pgdata"),
                    env_secret("POSTGRES_PASSWORD", "postgres-credentials", "password"),
                    env_cm("POSTGRES_DB", "postgres-config", "database"),
                ],
                readiness=exec_probe(["pg_isready", "-U", "postgres"], period=10, timeout=5),
                liveness=exec_probe(
                    ["pg_isready", "-U", "postgres"], period=20, failure=6, initial=30, timeout=5
                ),
                mounts=[
                    {"mountPath": "/var/lib/postgresql/data", "name": "data"},
                    {"mountPath": "/dev/shm", "name": "dshm"},
                ],
            )
        ],
        volumes=[{"emptyDir": {"medium": "Memory", "sizeLimit": "512Mi"}, "name": "dshm"}],
        sa="postgres",
        grace=60,
        security={"fsGroup": 999, "runAsUser": 999},
    )
    t0 = ago(d=21, h=5, m=40)
    labels = {"app.kubernetes.io/name": "postgres", "app.kubernetes.io/part-of": "data"}
    sts = statefulset(
        ns,
        "postgres",
        created=t0,
        updated=ago(d=9, h=4, m=10),
        replicas=1,
        spec=pg_spec,
        labels=labels,
        vct=[vct("data", "20Gi")],
        rev_hash="7d9f6c5b48",
        service="postgres",
        status={
            "availableReplicas": 1,
            "collisionCount": 0,
            "currentReplicas": 1,
            "currentRevision": "postgres-7d9f6c5b48",
            "observedGeneration": 1,
            "readyReplicas": 1,
            "replicas": 1,
            "updateRevision": "postgres-7d9f6c5b48",
            "updatedReplicas": 1,
        },
    )
    pvc_pv(
        ns,
        "data-postgres-0",
        "20Gi",
        created=t0 + timedelta(seconds=1),
        zone="zone-a",
        node="demo-worker-1",
        labels=labels,
    )
    name, spec, plabels = sts_pod_spec(sts, 0)
    created = ago(d=9, h=4, m=11)
    puid = uid("Pod", ns, name, ts(created), "")
    st = running_status(
        spec,
        puid,
        "demo-worker-1",
        pod_ip("demo-worker-1"),
        created=created,
        started=created + timedelta(seconds=8),
        ready_at=created + timedelta(seconds=21),
    )
    make_pod(
        ns,
        name,
        spec=spec,
        created=created,
        updated=created + timedelta(seconds=21),
        status=st,
        node="demo-worker-1",
        labels=plabels,
        owner=sts,
        generate_name="postgres-",
    )

    # ---------------------------------------------------------------- search: search-1 pending (PV in zone-c)
    se_spec = template_spec(
        [
            container(
                "search",
                "opensearchproject/opensearch:2.17.1",
                requests={"cpu": "500m", "memory": "1Gi"},
                limits={"cpu": "500m", "memory": "1Gi"},
                ports=[port(9200, "http"), port(9300, "transport")],
                env=[
                    env_lit("OPENSEARCH_JAVA_OPTS", "-Xms512m -Xmx512m"),
                    env_lit("discovery.seed_hosts", "search-0.search,search-1.search"),
                    env_field("node.name", "metadata.name"),
                ],
                readiness=tcp_probe(9200, period=10),
                mounts=[{"mountPath": "/usr/share/opensearch/data", "name": "data"}],
            )
        ],
        sa="search",
        grace=120,
        security={"fsGroup": 1000, "runAsUser": 1000},
    )
    t0 = ago(d=14, h=3, m=30)
    labels = {"app.kubernetes.io/name": "search", "app.kubernetes.io/part-of": "data"}
    recreated = ago(m=36, s=4)
    sts = statefulset(
        ns,
        "search",
        created=t0,
        updated=recreated,
        replicas=2,
        spec=se_spec,
        labels=labels,
        vct=[vct("data", "50Gi")],
        rev_hash="6d8f9b7c5d",
        service="search",
        status={
            "availableReplicas": 1,
            "collisionCount": 0,
            "currentReplicas": 2,
            "currentRevision": "search-6d8f9b7c5d",
            "observedGeneration": 1,
            "readyReplicas": 1,
            "replicas": 2,
            "updateRevision": "search-6d8f9b7c5d",
            "updatedReplicas": 2,
        },
    )
    pvc_pv(
        ns,
        "data-search-0",
        "50Gi",
        created=t0 + timedelta(seconds=1),
        zone="zone-b",
        node="demo-worker-2",
        labels=labels,
    )
    pvc_pv(
        ns,
        "data-search-1",
        "50Gi",
        created=t0 + timedelta(seconds=48),
        zone="zone-c",
        node="demo-worker-4",
        labels=labels,
    )
    name, spec, plabels = sts_pod_spec(sts, 0)
    created = t0 + timedelta(seconds=2)
    puid = uid("Pod", ns, name, ts(created), "")
    st = running_status(
        spec,
        puid,
        "demo-worker-2",
        pod_ip("demo-worker-2"),
        created=created,
        started=created + timedelta(seconds=9),
        ready_at=created + timedelta(seconds=45),
    )
    make_pod(
        ns,
        name,
        spec=spec,
        created=created,
        updated=created + timedelta(seconds=45),
        status=st,
        node="demo-worker-2",
        labels=plabels,
        owner=sts,
        generate_name="search-",
    )
    # search-1: the old pod ran on demo-worker-4 (zone-c), whose node pool was scaled in 36 minutes ago
    name, spec, plabels = sts_pod_spec(sts, 1)
    old_created = t0 + timedelta(seconds=49)
    old = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid("Pod", ns, name, ts(old_created), ""),
            "resourceVersion": rv(ago(m=36, s=6), "old-search-1"),
        },
        "spec": {"nodeName": "demo-worker-4"},
    }
    drain = ago(m=36, s=41)
    kubelet_event(
        old, "Killing", "Stopping container search", drain, container="search", node="demo-worker-4"
    )
    kubelet_event(
        old,
        "Unhealthy",
        "Readiness probe failed: dial tcp 10.244.5.12:9200: connect: connection refused",
        drain + timedelta(seconds=8),
        drain + timedelta(seconds=28),
        count=3,
        type_="Warning",
        container="search",
        node="demo-worker-4",
    )
    classic_event(
        sts,
        reason="SuccessfulCreate",
        message=f"create Pod {name} in StatefulSet search successful",
        first=recreated,
        component="statefulset-controller",
    )
    before = (
        "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated "
        "taint {node-role.kubernetes.io/control-plane: }, 3 node(s) had volume node affinity conflict. "
        "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
    )
    now_msg = (
        "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated "
        "taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }, 2 node(s) had volume node affinity conflict. preemption: 0/5 "
        "nodes are available: 5 Preemption is not helpful for scheduling."
    )
    re_at = NODES[NOT_READY_NODE]["not_ready_since"] + timedelta(seconds=1, milliseconds=350)
    st = pending_unscheduled_status(spec, recreated, "Unschedulable", now_msg, recreated)
    s1 = make_pod(
        ns,
        name,
        spec=spec,
        created=recreated,
        updated=re_at,
        status=st,
        node=None,
        labels=plabels,
        owner=sts,
        generate_name="search-",
    )
    scheduler_event(
        s1,
        reason="FailedScheduling",
        type_="Warning",
        at=recreated,
        action="Scheduling",
        message=before,
        series=(7, ago(m=5, s=11)),
    )
    scheduler_event(
        s1,
        reason="FailedScheduling",
        type_="Warning",
        at=re_at,
        action="Scheduling",
        message=now_msg,
        series=(2, ago(s=52)),
    )
    EXPECT_FIT[(ns, name)] = now_msg
    EXPECT_FIT_BEFORE[(ns, name)] = before

    # ---------------------------------------------------------------- etl-worker: second replica blocked by quota
    etl_spec = template_spec(
        [
            container(
                "etl-worker",
                f"{REGISTRY}/data/etl-worker:5.1.0",
                requests={"cpu": "250m", "memory": "1536Mi"},
                limits={"cpu": "1", "memory": "2Gi"},
                env=[
                    env_cm("PG_HOST", "etl-config", "pg_host"),
                    env_secret("PG_PASSWORD", "etl-db", "password"),
                ],
                liveness=exec_probe(["/bin/etl", "healthcheck"], period=30),
            )
        ],
        sa="etl-worker",
    )
    t_dep, t0 = ago(d=21, h=5, m=35), ago(d=8, h=2, m=40)
    scale = ago(m=15, s=22)
    d = deployment(
        ns,
        "etl-worker",
        created=t_dep,
        updated=scale + timedelta(seconds=1),
        replicas=2,
        labels={"app.kubernetes.io/name": "etl-worker", "app.kubernetes.io/part-of": "data"},
        tpl_labels={"app.kubernetes.io/name": "etl-worker", "app.kubernetes.io/part-of": "data"},
        spec=etl_spec,
        revision=2,
        generation=3,
        status=dep_status(
            generation=3,
            replicas=1,
            updated=1,
            ready=1,
            available=1,
            conditions=dep_conditions(
                min_unavailable(scale),
                new_rs_available("etl-worker-6d5f8b7c9", t0 + timedelta(seconds=30), t_dep),
                extra=[
                    {
                        "lastTransitionTime": ts(scale),
                        "lastUpdateTime": ts(scale),
                        "message": 'pods "etl-worker-6d5f8b7c9-q7vzn" is forbidden: exceeded quota: '
                        "compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, "
                        "limited: limits.memory=8Gi",
                        "reason": "FailedCreate",
                        "status": "True",
                        "type": "ReplicaFailure",
                    }
                ],
            ),
        ),
    )
    rs = replicaset(
        d,
        "6d5f8b7c9",
        created=t0,
        updated=scale + timedelta(seconds=1),
        replicas=2,
        revision=2,
        spec=etl_spec,
        generation=2,
        status=rs_status(
            1,
            1,
            1,
            generation=2,
            conditions=[
                {
                    "lastTransitionTime": ts(scale),
                    "message": 'pods "etl-worker-6d5f8b7c9-q7vzn" is forbidden: exceeded quota: compute-quota, '
                    "requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: "
                    "limits.memory=8Gi",
                    "reason": "FailedCreate",
                    "status": "True",
                    "type": "ReplicaFailure",
                }
            ],
        ),
    )
    add_running_rs_pod(rs, "0", "demo-worker-1", t0 + timedelta(seconds=1), ready_after=6)
    classic_event(
        d,
        reason="ScalingReplicaSet",
        message="Scaled up replica set etl-worker-6d5f8b7c9 from 1 to 2",
        first=scale,
        component="deployment-controller",
    )
    # the ReplicaSet controller retries with exponential back-off (5ms, 10ms, ... ); client-go's EventAggregator
    # records the first 10 distinct messages, then collapses the rest into one "(combined from similar events)"
    tries = ["q7vzn"] + [safe(5, "etl-try", str(i)) for i in range(1, 10)]
    for i, sfx in enumerate(tries):
        classic_event(
            rs,
            reason="FailedCreate",
            type_="Warning",
            first=scale + timedelta(milliseconds=5 * 2**i),
            component="replicaset-controller",
            message=f'Error creating: pods "etl-worker-6d5f8b7c9-{sfx}" is forbidden: exceeded quota: '
            "compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: "
            "limits.memory=8Gi",
        )
    classic_event(
        rs,
        reason="FailedCreate",
        type_="Warning",
        first=scale + timedelta(seconds=1),
        last=ago(m=1, s=14),
        count=9,
        component="replicaset-controller",
        message='(combined from similar events): Error creating: pods "etl-worker-6d5f8b7c9-hq4tn" is '
        "forbidden: exceeded quota: compute-quota, requested: limits.memory=2Gi, used: "
        "limits.memory=7Gi, limited: limits.memory=8Gi",
    )
    q_created = ago(d=21, h=5, m=39)
    OBJECTS["resourcequotas"].append(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": meta("ResourceQuota", "compute-quota", ns, q_created, recreated),
            "spec": {"hard": {"limits.cpu": "8", "limits.memory": "8Gi", "pods": "20"}},
            "status": {
                "hard": {"limits.cpu": "8", "limits.memory": "8Gi", "pods": "20"},
                "used": {"limits.cpu": "3", "limits.memory": "7Gi", "pods": "4"},
            },
        }
    )


# -------------------------------------------------------------------------------------------- batch
def job(
    ns: str,
    name: str,
    *,
    created: datetime,
    updated: datetime,
    spec: dict,
    status: dict,
    backoff: int = 6,
    extra_spec: dict | None = None,
    labels: dict | None = None,
) -> dict:
    juid = uid("Job", ns, name, ts(created))
    sel = {"batch.kubernetes.io/controller-uid": juid}
    tpl_labels = {
        "batch.kubernetes.io/controller-uid": juid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": juid,
        "job-name": name,
    } | (labels or {})
    j = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(
            "Job",
            name,
            ns,
            created,
            updated,
            labels=tpl_labels,
            generation=1,
            annotations={"batch.kubernetes.io/job-tracking": ""},
        ),
        "spec": dict(
            sorted(
                (
                    {
                        "backoffLimit": backoff,
                        "completionMode": "NonIndexed",
                        "completions": 1,
                        "manualSelector": False,
                        "parallelism": 1,
                        "podReplacementPolicy": "TerminatingOrFailed",
                        "selector": {"matchLabels": sel},
                        "suspend": False,
                        "template": {"metadata": {"labels": tpl_labels}, "spec": spec},
                    }
                    | (extra_spec or {})
                ).items()
            )
        ),
        "status": status,
    }
    assert j["metadata"]["uid"] == juid
    OBJECTS["jobs"].append(j)
    return j


def job_pod(
    j: dict, salt: str, *, node: str | None, created: datetime, updated: datetime, status: dict, **kw
) -> dict:
    jname = j["metadata"]["name"]
    name = f"{jname}-{safe(5, 'jobpod', jname, salt)}"
    return make_pod(
        j["metadata"]["namespace"],
        name,
        spec=j["spec"]["template"]["spec"],
        created=created,
        updated=updated,
        status=status,
        node=node,
        labels=dict(j["spec"]["template"]["metadata"]["labels"]),
        owner=j,
        generate_name=jname + "-",
        **kw,
    )


def finished_status(
    spec: dict,
    pod_uid: str,
    node: str,
    ip: str,
    *,
    created: datetime,
    started: datetime,
    finished: datetime,
    phase: str,
    code: int,
    reason: str,
    message: str | None = None,
) -> dict:
    c = spec["containers"][0]
    r = "PodCompleted" if phase == "Succeeded" else "PodFailed"
    return {
        "conditions": [
            cond("PodReadyToStartContainers", "False", finished + timedelta(seconds=1)),
            cond("Initialized", "True", created),
            cond("Ready", "False", finished, r),
            cond("ContainersReady", "False", finished, r),
            cond("PodScheduled", "True", created),
        ],
        "containerStatuses": [
            cstatus(
                c,
                ready=False,
                started=False,
                cid_=cid(pod_uid, c["name"], 0),
                state=terminated(reason, code, started, finished, cid(pod_uid, c["name"], 0), message),
            )
        ],
        "hostIP": NODES[node]["ip"],
        "hostIPs": [{"ip": NODES[node]["ip"]}],
        "phase": phase,
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "qosClass": qos_class(spec),
        "startTime": ts(created),
    }


def batch() -> None:
    ns = "batch"
    # ---------------------------------------------------------------- completed Job
    img = f"{REGISTRY}/batch/orders-export:2026.11"
    spec = template_spec(
        [
            container(
                "export",
                img,
                requests={"cpu": "200m", "memory": "256Mi"},
                limits={"memory": "512Mi"},
                args=["--date=yesterday", "--to=s3://exports/orders/"],
                env=[env_secret("S3_SECRET_KEY", "exports-s3", "secret-key")],
            )
        ],
        restart="Never",
        sa="exporter",
    )
    t0 = ago(m=46, s=10)
    start, end = t0 + timedelta(seconds=5), t0 + timedelta(seconds=62)
    j = job(
        ns,
        "orders-export-20261120",
        created=t0,
        updated=end + timedelta(seconds=2),
        spec=spec,
        backoff=2,
        status={
            "completionTime": ts(end + timedelta(seconds=2)),
            "conditions": [
                {
                    "lastProbeTime": ts(end + timedelta(seconds=1)),
                    "lastTransitionTime": ts(end + timedelta(seconds=1)),
                    "message": "Reached expected number of succeeded pods",
                    "reason": "CompletionsReached",
                    "status": "True",
                    "type": "SuccessCriteriaMet",
                },
                {
                    "lastProbeTime": ts(end + timedelta(seconds=2)),
                    "lastTransitionTime": ts(end + timedelta(seconds=2)),
                    "message": "Reached expected number of succeeded pods",
                    "reason": "CompletionsReached",
                    "status": "True",
                    "type": "Complete",
                },
            ],
            "ready": 0,
            "startTime": ts(t0),
            "succeeded": 1,
            "terminating": 0,
            "uncountedTerminatedPods": {},
        },
    )
    name = f"orders-export-20261120-{safe(5, 'jobpod', 'orders-export-20261120', '0')}"
    puid = uid("Pod", ns, name, ts(t0), "")
    ip = pod_ip("demo-worker-2")
    p = job_pod(
        j,
        "0",
        node="demo-worker-2",
        created=t0,
        updated=end + timedelta(seconds=2),
        status=finished_status(
            spec,
            puid,
            "demo-worker-2",
            ip,
            created=t0,
            started=start,
            finished=end,
            phase="Succeeded",
            code=0,
            reason="Completed",
        ),
    )
    classic_event(
        j, reason="SuccessfulCreate", message=f"Created pod: {name}", first=t0, component="job-controller"
    )
    classic_event(
        j,
        reason="Completed",
        message="Job completed",
        first=end + timedelta(seconds=2),
        component="job-controller",
    )
    start_events(p, t0, pull_secs=2.871)

    # ---------------------------------------------------------------- failed Job
    img = f"{REGISTRY}/batch/invoice-reconcile:0.9.4"
    spec = template_spec(
        [
            container(
                "reconcile",
                img,
                requests={"cpu": "100m", "memory": "256Mi"},
                limits={"memory": "256Mi"},
                args=["--period=2026-11"],
                env=[env_cm("LEDGER_URL", "reconcile-config", "ledger_url")],
                term_policy="FallbackToLogsOnError",
            )
        ],
        restart="Never",
        sa="reconcile",
    )
    t0 = ago(m=38, s=2)
    start, end = t0 + timedelta(seconds=4), t0 + timedelta(seconds=44)
    fail_msg = (
        'ERROR reconcile: 1 of 4812 invoices failed validation: invoice INV-2026-11-0457 has currency "" '
        "(expected an ISO 4217 code)\nexit status 2\n"
    )
    j = job(
        ns,
        "invoice-reconcile",
        created=t0,
        updated=end + timedelta(seconds=2),
        spec=spec,
        backoff=0,
        status={
            "conditions": [
                {
                    "lastProbeTime": ts(end + timedelta(seconds=1)),
                    "lastTransitionTime": ts(end + timedelta(seconds=1)),
                    "message": "Job has reached the specified backoff limit",
                    "reason": "BackoffLimitExceeded",
                    "status": "True",
                    "type": "FailureTarget",
                },
                {
                    "lastProbeTime": ts(end + timedelta(seconds=2)),
                    "lastTransitionTime": ts(end + timedelta(seconds=2)),
                    "message": "Job has reached the specified backoff limit",
                    "reason": "BackoffLimitExceeded",
                    "status": "True",
                    "type": "Failed",
                },
            ],
            "failed": 1,
            "ready": 0,
            "startTime": ts(t0),
            "terminating": 0,
            "uncountedTerminatedPods": {},
        },
    )
    name = f"invoice-reconcile-{safe(5, 'jobpod', 'invoice-reconcile', '0')}"
    puid = uid("Pod", ns, name, ts(t0), "")
    ip = pod_ip("demo-worker-2")
    p = job_pod(
        j,
        "0",
        node="demo-worker-2",
        created=t0,
        updated=end + timedelta(seconds=2),
        status=finished_status(
            spec,
            puid,
            "demo-worker-2",
            ip,
            created=t0,
            started=start,
            finished=end,
            phase="Failed",
            code=2,
            reason="Error",
            message=fail_msg,
        ),
    )
    classic_event(
        j, reason="SuccessfulCreate", message=f"Created pod: {name}", first=t0, component="job-controller"
    )
    classic_event(
        j,
        reason="BackoffLimitExceeded",
        message="Job has reached the specified backoff limit",
        type_="Warning",
        first=end + timedelta(seconds=2),
        component="job-controller",
    )
    start_events(p, t0, pull_secs=1.904)

    # ---------------------------------------------------------------- GPU: victim being preempted (Terminating)
    img = f"{REGISTRY}/ml/embeddings:0.6.1"
    gpu_res = {"cpu": "2", "memory": "6Gi", "nvidia.com/gpu": "1"}
    spec = template_spec(
        [
            container(
                "embed",
                img,
                requests=dict(gpu_res),
                limits={"memory": "8Gi", "nvidia.com/gpu": "1"},
                args=["--resume-from-checkpoint", "--checkpoint-on-sigterm"],
                mounts=[{"mountPath": "/scratch", "name": "scratch"}],
            )
        ],
        volumes=[{"emptyDir": {}, "name": "scratch"}],
        restart="Never",
        priority_class="batch-low",
        grace=120,
        tolerations=GPU_TOLERATIONS,
        node_selector={"nvidia.com/gpu.present": "true"},
    )
    t0 = ago(h=3, m=4, s=30)
    preempt_t = ago(s=49)
    fin_uid = None  # filled below; the preemptor is created first in time but built after
    j_victim = job(
        ns,
        "embeddings-backfill",
        created=t0,
        updated=preempt_t + timedelta(seconds=1),
        spec=spec,
        backoff=3,
        extra_spec={
            "podFailurePolicy": {
                "rules": [
                    {"action": "Ignore", "onPodConditions": [{"status": "True", "type": "DisruptionTarget"}]},
                    {
                        "action": "FailJob",
                        "onExitCodes": {"containerName": "embed", "operator": "In", "values": [42]},
                    },
                ]
            },
            "podReplacementPolicy": "Failed",
        },
        status={
            "active": 0,
            "ready": 0,
            "startTime": ts(t0),
            "terminating": 1,
            "uncountedTerminatedPods": {},
        },
    )
    # ---------------------------------------------------------------- GPU: preemptor (nominatedNodeName)
    img2 = f"{REGISTRY}/ml/finetune:0.2.0"
    fspec = template_spec(
        [
            container(
                "train",
                img2,
                requests={"cpu": "1500m", "memory": "5Gi", "nvidia.com/gpu": "1"},
                limits={"memory": "6Gi", "nvidia.com/gpu": "1"},
                args=["--model=bert-base", "--epochs=3"],
                env=[env_secret("HF_TOKEN", "hf-token", "token")],
            )
        ],
        restart="Never",
        priority_class="training-high",
        tolerations=GPU_TOLERATIONS,
    )
    t1 = ago(s=50)
    jf = job(
        ns,
        "finetune-bert",
        created=t1,
        updated=t1 + timedelta(seconds=1),
        spec=fspec,
        backoff=1,
        status={
            "active": 1,
            "ready": 0,
            "startTime": ts(t1),
            "terminating": 0,
            "uncountedTerminatedPods": {},
        },
    )
    fmsg = (
        "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }, 2 Insufficient memory, 3 Insufficient nvidia.com/gpu."
    )
    fname = f"finetune-bert-{safe(5, 'jobpod', 'finetune-bert', '0')}"
    fpod = job_pod(
        jf,
        "0",
        node=None,
        created=t1,
        updated=preempt_t + timedelta(seconds=1),
        status=pending_unscheduled_status(
            fspec, t1, "Unschedulable", fmsg, preempt_t, nominated="demo-gpu-1"
        ),
        finalizers=["batch.kubernetes.io/job-tracking"],
    )
    assert fpod["metadata"]["name"] == fname
    fin_uid = fpod["metadata"]["uid"]
    classic_event(
        jf, reason="SuccessfulCreate", message=f"Created pod: {fname}", first=t1, component="job-controller"
    )
    scheduler_event(
        fpod, reason="FailedScheduling", type_="Warning", at=preempt_t, action="Scheduling", message=fmsg
    )
    EXPECT_FIT[(ns, fname)] = fmsg
    # the victim pod
    vname = f"embeddings-backfill-{safe(5, 'jobpod', 'embeddings-backfill', '0')}"
    vuid = uid("Pod", ns, vname, ts(t0), "")
    ip = pod_ip("demo-gpu-1")
    preempt_msg = "default-scheduler: preempting to accommodate a higher priority pod"
    vst = running_status(
        spec,
        vuid,
        "demo-gpu-1",
        ip,
        created=t0,
        started=t0 + timedelta(seconds=48),
        ready_at=t0 + timedelta(seconds=49),
        extra_conditions=[cond("DisruptionTarget", "True", preempt_t, "PreemptionByScheduler", preempt_msg)],
    )
    victim = job_pod(
        j_victim,
        "0",
        node="demo-gpu-1",
        created=t0,
        updated=preempt_t + timedelta(seconds=1),
        status=vst,
        deletion=preempt_t + timedelta(seconds=120),
        grace=120,
        finalizers=["batch.kubernetes.io/job-tracking"],
    )
    scheduler_event(
        victim,
        reason="Preempted",
        type_="Normal",
        at=preempt_t,
        action="Preempting",
        message=f"Preempted by pod {fin_uid} on node demo-gpu-1",
        related={"apiVersion": "v1", "kind": "Pod", "name": fname, "namespace": ns, "uid": fin_uid},
    )
    kubelet_event(
        victim, "Killing", "Stopping container embed", preempt_t + timedelta(seconds=1), container="embed"
    )

    # ---------------------------------------------------------------- gated pod (schedulingGates)
    img = f"{REGISTRY}/batch/backfill:1.0.0"
    gspec = template_spec(
        [
            container(
                "backfill",
                img,
                requests={"cpu": "500m", "memory": "1Gi"},
                limits={"memory": "1Gi"},
                args=["--quarter=2026Q3"],
            )
        ],
        restart="Never",
        gates=["demo.io/capacity-approval"],
    )
    t0 = ago(m=15, s=40)
    jg = job(
        ns,
        "quarterly-backfill",
        created=t0,
        updated=t0 + timedelta(seconds=1),
        spec=gspec,
        backoff=2,
        status={
            "active": 1,
            "ready": 0,
            "startTime": ts(t0),
            "terminating": 0,
            "uncountedTerminatedPods": {},
        },
    )
    gname = f"quarterly-backfill-{safe(5, 'jobpod', 'quarterly-backfill', '0')}"
    job_pod(
        jg,
        "0",
        node=None,
        created=t0,
        updated=t0,
        status=pending_unscheduled_status(
            gspec, t0, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates", t0
        ),
        finalizers=["batch.kubernetes.io/job-tracking"],
    )
    classic_event(
        jg, reason="SuccessfulCreate", message=f"Created pod: {gname}", first=t0, component="job-controller"
    )
    ledger_snapshot_cronjob(ns)


def ledger_snapshot_cronjob(ns: str) -> None:
    """A CronJob whose hourly runs stopped 5 hours ago (the last one succeeded; its Job has since been
    removed by the history limit): 4 missed schedules, a short startingDeadlineSeconds."""
    last = ago(h=5)
    OBJECTS["cronjobs"].append(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": meta(
                "CronJob", "ledger-snapshot", ns, ago(d=6), last + timedelta(minutes=2), generation=1
            ),
            "spec": {
                "concurrencyPolicy": "Forbid",
                "failedJobsHistoryLimit": 1,
                "jobTemplate": {
                    "spec": {
                        "backoffLimit": 2,
                        "template": {
                            "spec": {
                                "containers": [
                                    {
                                        "command": [
                                            "/bin/ledger-snapshot",
                                            "--target=s3://demo-ledger/snapshots",
                                        ],
                                        "image": f"{REGISTRY}/batch/ledger-snapshot:1.2.0",
                                        "imagePullPolicy": "IfNotPresent",
                                        "name": "snapshot",
                                        "resources": {
                                            "limits": {"memory": "256Mi"},
                                            "requests": {"cpu": "100m", "memory": "256Mi"},
                                        },
                                        "terminationMessagePath": "/dev/termination-log",
                                        "terminationMessagePolicy": "File",
                                    }
                                ],
                                "dnsPolicy": "ClusterFirst",
                                "restartPolicy": "OnFailure",
                                "schedulerName": "default-scheduler",
                                "securityContext": {},
                                "terminationGracePeriodSeconds": 30,
                            }
                        },
                    }
                },
                "schedule": "0 * * * *",
                "startingDeadlineSeconds": 60,
                "successfulJobsHistoryLimit": 3,
                "suspend": False,
                "timeZone": "Etc/UTC",
            },
            "status": {"lastScheduleTime": ts(last), "lastSuccessfulTime": ts(last + timedelta(minutes=2))},
        }
    )


def controller_revisions() -> None:
    """The ControllerRevision each StatefulSet and DaemonSet controller keeps of its current pod template
    (named ``<owner>-<hash>``, the hash its pods carry in ``controller-revision-hash``)."""
    for kind in ("statefulsets", "daemonsets"):
        for o in OBJECTS[kind]:
            m = o["metadata"]
            h = o["_hash"]
            tmpl = json.loads(json.dumps(o["spec"]["template"]))
            tmpl["$patch"] = "replace"
            created = datetime.fromisoformat(m["creationTimestamp"].replace("Z", "+00:00"))
            labels = dict(o["spec"]["template"]["metadata"]["labels"]) | {"controller.kubernetes.io/hash": h}
            OBJECTS["controllerrevisions"].append(
                {
                    "apiVersion": "apps/v1",
                    "data": {"spec": {"template": tmpl}},
                    "kind": "ControllerRevision",
                    "metadata": meta(
                        "ControllerRevision",
                        f"{m['name']}-{h}",
                        m["namespace"],
                        created,
                        labels=dict(sorted(labels.items())),
                        ownerReferences=[owner_ref(o)],
                    ),
                    "revision": int(m.get("generation", 1)),
                }
            )


# -------------------------------------------------------------------------------------------- default / monitoring
def default_ns() -> None:
    spec = template_spec([container("netshoot", "nicolaka/netshoot:v0.13", command=["sleep", "infinity"])])
    t0 = ago(d=2, h=4, m=18)
    puid = uid("Pod", "default", "netshoot", ts(t0), "")
    st = running_status(
        spec,
        puid,
        "demo-worker-2",
        pod_ip("demo-worker-2"),
        created=t0,
        started=t0 + timedelta(seconds=14),
        ready_at=t0 + timedelta(seconds=14),
    )
    make_pod(
        "default",
        "netshoot",
        spec=spec,
        created=t0,
        updated=t0 + timedelta(seconds=14),
        status=st,
        node="demo-worker-2",
        labels={"run": "netshoot"},
    )


def monitoring() -> None:
    ns = "monitoring"
    spec = template_spec(
        [
            container(
                "prometheus",
                "quay.io/prometheus/prometheus:v3.0.1",
                requests={"cpu": "500m", "memory": "3Gi"},
                limits={"memory": "4Gi"},
                ports=[port(9090, "web")],
                args=[
                    "--config.file=/etc/prometheus/prometheus.yml",
                    "--storage.tsdb.path=/prometheus",
                    "--storage.tsdb.retention.time=2d",
                ],
                readiness=http_probe("/-/ready", 9090, period=5, failure=3),
                liveness=http_probe("/-/healthy", 9090, period=15, failure=6),
                mounts=[
                    {"mountPath": "/etc/prometheus", "name": "config", "readOnly": True},
                    {"mountPath": "/prometheus", "name": "storage"},
                ],
            )
        ],
        volumes=[
            {"configMap": {"defaultMode": 420, "name": "prometheus-config"}, "name": "config"},
            {"emptyDir": {"sizeLimit": "20Gi"}, "name": "storage"},
        ],
        sa="prometheus",
        grace=600,
        security={"fsGroup": 65534, "runAsNonRoot": True, "runAsUser": 65534},
    )
    t0 = CLUSTER_START + timedelta(hours=2, minutes=5)
    labels = {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "monitoring"}
    nr = NODES[NOT_READY_NODE]["not_ready_since"]
    sts = statefulset(
        ns,
        "prometheus",
        created=t0,
        updated=nr + timedelta(seconds=1),
        replicas=1,
        spec=spec,
        labels=labels,
        vct=None,
        rev_hash="58c6d9f7b4",
        service="prometheus-operated",
        status={
            "availableReplicas": 0,
            "collisionCount": 0,
            "currentReplicas": 1,
            "currentRevision": "prometheus-58c6d9f7b4",
            "observedGeneration": 1,
            "replicas": 1,
            "updateRevision": "prometheus-58c6d9f7b4",
            "updatedReplicas": 1,
        },
    )
    name, pspec, plabels = sts_pod_spec(sts, 0)
    created = ago(d=6, h=22, m=3)
    puid = uid("Pod", ns, name, ts(created), "")
    st = running_status(
        pspec,
        puid,
        NOT_READY_NODE,
        pod_ip(NOT_READY_NODE),
        created=created,
        started=created + timedelta(seconds=3),
        ready_at=created + timedelta(seconds=19),
        not_ready={"at": nr},
    )
    NOT_READY_PODS.append(
        make_pod(
            ns,
            name,
            spec=pspec,
            created=created,
            updated=nr,
            status=st,
            node=NOT_READY_NODE,
            labels=plabels,
            owner=sts,
            generate_name="prometheus-",
        )
    )


# -------------------------------------------------------------------------------------------- nodes + node events
def node_events() -> None:
    nr = NODES[NOT_READY_NODE]["not_ready_since"]
    for p in OBJECTS["pods"]:
        if p["spec"].get("nodeName") == NOT_READY_NODE:
            classic_event(
                p,
                reason="NodeNotReady",
                message="Node is not ready",
                type_="Warning",
                first=nr,
                component="node-controller",
            )


def kubelet_node_ref(node: str) -> dict:
    # the kubelet references its Node with UID = node name (pkg/kubelet/kubelet.go nodeRef)
    return {"kind": "Node", "name": node, "uid": node}


def build_nodes() -> None:
    pods_by_node: dict[str, list] = {n: [] for n in NODES}
    for p in OBJECTS["pods"]:
        if p["spec"].get("nodeName") in pods_by_node:
            pods_by_node[p["spec"]["nodeName"]].append(p)
    for name, n in NODES.items():
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/instance-type": n["itype"],
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": n["itype"],
            "topology.kubernetes.io/region": "region-1",
            "topology.kubernetes.io/zone": n["zone"],
        }
        taints = []
        if n.get("control_plane"):
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
            taints.append({"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"})
        if n.get("gpu"):
            labels["nvidia.com/gpu.present"] = "true"
            labels["nvidia.com/gpu.product"] = "Tesla-T4"
            labels["cloud.demo.io/accelerator"] = "nvidia-tesla-t4"
            taints.append({"effect": "NoSchedule", "key": "dedicated", "value": "gpu"})
        if name == NOT_READY_NODE:
            taints.append(
                {
                    "effect": "NoSchedule",
                    "key": "node.kubernetes.io/unreachable",
                    "timeAdded": ts(n["not_ready_since"]),
                }
            )
            taints.append(
                {
                    "effect": "NoExecute",
                    "key": "node.kubernetes.io/unreachable",
                    "timeAdded": ts(n["not_ready_since"] + timedelta(seconds=1)),
                }
            )
        boot = n["created"] if name != "demo-control-plane" else n["created"] - timedelta(seconds=40)
        kubelet_up = max(n["created"], CLUSTER_START + timedelta(days=16, hours=2))
        hb = n.get("last_heartbeat") or ago(s=17 + len(name) % 23)
        if name == NOT_READY_NODE:
            msg = "Kubelet stopped posting node status."
            when = n["not_ready_since"]
            conds = [
                {
                    "lastHeartbeatTime": ts(hb),
                    "lastTransitionTime": ts(when),
                    "message": msg,
                    "reason": "NodeStatusUnknown",
                    "status": "Unknown",
                    "type": t,
                }
                for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
            ]
        else:
            mem_trans = W1_PRESSURE_END if name == "demo-worker-1" else kubelet_up
            conds = [
                {
                    "lastHeartbeatTime": ts(hb),
                    "lastTransitionTime": ts(mem_trans),
                    "message": "kubelet has sufficient memory available",
                    "reason": "KubeletHasSufficientMemory",
                    "status": "False",
                    "type": "MemoryPressure",
                },
                {
                    "lastHeartbeatTime": ts(hb),
                    "lastTransitionTime": ts(kubelet_up),
                    "message": "kubelet has no disk pressure",
                    "reason": "KubeletHasNoDiskPressure",
                    "status": "False",
                    "type": "DiskPressure",
                },
                {
                    "lastHeartbeatTime": ts(hb),
                    "lastTransitionTime": ts(kubelet_up),
                    "message": "kubelet has sufficient PID available",
                    "reason": "KubeletHasSufficientPID",
                    "status": "False",
                    "type": "PIDPressure",
                },
                {
                    "lastHeartbeatTime": ts(hb),
                    "lastTransitionTime": ts(kubelet_up + timedelta(seconds=12)),
                    "message": "kubelet is posting ready status",
                    "reason": "KubeletReady",
                    "status": "True",
                    "type": "Ready",
                },
            ]
        capacity = {
            "cpu": n["cpu"],
            "ephemeral-storage": "101430960Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": n["mem"],
            "pods": "110",
        }
        alloc = {
            "cpu": n["cpu_alloc"],
            "ephemeral-storage": "93478772582",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": n["mem_alloc"],
            "pods": "110",
        }
        if n.get("gpu"):
            capacity["nvidia.com/gpu"] = "1"
            alloc["nvidia.com/gpu"] = "1"
        images: dict[str, None] = {}
        for p in pods_by_node[name]:
            for c in p["spec"].get("initContainers", []) + p["spec"]["containers"]:
                if c["image"] in IMAGES and not c["image"].endswith("3.2.0-rc1"):
                    images[c["image"]] = None
        if name == "demo-worker-1":
            images[f"{REGISTRY}/shop/api:2.5.0"] = None
        img_list = sorted(
            ({"names": [image_id(i), image_ref(i)], "sizeBytes": IMAGES[i]} for i in images),
            key=lambda x: -x["sizeBytes"],
        )
        updated = hb if name != NOT_READY_NODE else n["not_ready_since"] + timedelta(seconds=1)
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": meta(
                "Node",
                name,
                None,
                n["created"],
                updated,
                labels=labels,
                annotations={
                    "csi.volume.kubernetes.io/nodeid": json.dumps({CSI_DRIVER: name}, separators=(",", ":")),
                    "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            ),
            "spec": {
                "podCIDR": n["cidr"],
                "podCIDRs": [n["cidr"]],
                "providerID": f"demo://region-1/{n['zone']}/{name}",
            },
            "status": {
                "addresses": [
                    {"address": n["ip"], "type": "InternalIP"},
                    {"address": name, "type": "Hostname"},
                ],
                "allocatable": alloc,
                "capacity": capacity,
                "conditions": conds,
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "features": {"supplementalGroupsPolicy": True},
                "images": img_list,
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": uid("boot", name, ts(boot)),
                    "containerRuntimeVersion": "containerd://1.7.27",
                    "kernelVersion": "6.8.0-1029-gcp" if not n.get("gpu") else "6.8.0-1029-gcp",
                    "kubeProxyVersion": "",
                    "kubeletVersion": K8S_VERSION,
                    "machineID": hexid(32, "machine", name),
                    "operatingSystem": "linux",
                    "osImage": "Ubuntu 24.04.2 LTS",
                    "systemUUID": uid("system", name),
                },
                "runtimeHandlers": [
                    {"features": {"recursiveReadOnlyMounts": True, "userNamespaces": True}, "name": "runc"},
                    {"features": {"recursiveReadOnlyMounts": True, "userNamespaces": True}, "name": ""},
                ],
            },
        }
        node["metadata"]["uid"] = NODE_UID[name]
        if taints:
            node["spec"]["taints"] = taints
        OBJECTS["nodes"].append(node)

    # ---- node events (Node events live in the "default" namespace)
    by = {n["metadata"]["name"]: n for n in OBJECTS["nodes"]}
    nr = NODES[NOT_READY_NODE]["not_ready_since"]
    classic_event(
        by[NOT_READY_NODE],
        reason="NodeNotReady",
        message=f"Node {NOT_READY_NODE} status is now: NodeNotReady",
        first=nr,
        component="node-controller",
        ns="default",
        involved_override={
            "apiVersion": "v1",
            "kind": "Node",
            "name": NOT_READY_NODE,
            "uid": NODE_UID[NOT_READY_NODE],
        },
    )
    w1 = "demo-worker-1"
    ref = kubelet_node_ref(w1)
    classic_event(
        by[w1],
        reason="SystemOOM",
        message="System OOM encountered, victim process: java, pid: 12345",
        type_="Warning",
        first=ago(m=41, s=30),
        component="kubelet",
        host=w1,
        ns="default",
        involved_override=ref,
    )
    classic_event(
        by[w1],
        reason="EvictionThresholdMet",
        message="Attempting to reclaim memory",
        type_="Warning",
        first=W1_PRESSURE_START + timedelta(seconds=2),
        component="kubelet",
        host=w1,
        ns="default",
        involved_override=ref,
    )
    classic_event(
        by[w1],
        reason="NodeHasInsufficientMemory",
        message=f"Node {w1} status is now: NodeHasInsufficientMemory",
        first=W1_PRESSURE_START,
        component="kubelet",
        host=w1,
        ns="default",
        involved_override=ref,
    )
    classic_event(
        by[w1],
        reason="NodeHasSufficientMemory",
        message=f"Node {w1} status is now: NodeHasSufficientMemory",
        first=W1_PRESSURE_END,
        component="kubelet",
        host=w1,
        ns="default",
        involved_override=ref,
    )


# -------------------------------------------------------------------------------------------- metrics
def usage_for(p: dict) -> dict[str, tuple[int, int]]:
    """container -> (nanocores, bytes) working set; realistic fractions of requests/limits."""
    out = {}
    for c in p["spec"]["containers"]:
        req = c.get("resources", {}).get("requests", {})
        lim = c.get("resources", {}).get("limits", {})
        seed = int.from_bytes(_h("usage", p["metadata"]["uid"], c["name"])[:4], "big")
        frac = 0.35 + (seed % 1000) / 1000 * 0.5
        cpu_m = q_cpu(req.get("cpu", "20m")) * frac
        mem = q_mem(req.get("memory", "48Mi")) * (0.55 + (seed >> 10) % 1000 / 1000 * 0.4)
        if c["name"] == "cart":
            mem = 241 * 1024 * 1024 + seed % 4096 * 1024  # close to its 256Mi limit again
        if c["name"] == "recommendations":
            mem = 1490 * 1024 * 1024 + seed % 8192 * 1024  # far above its 512Mi request
        if c["name"] in ("catalog", "orders", "postgres", "etl-worker"):
            mem = min(mem, q_mem(lim.get("memory", "64Gi")) * 0.9)
        if c["name"] == "embed":
            cpu_m, mem = 1780, 5.4 * 1024**3
        out[c["name"]] = (int(cpu_m * 1_000_000) + seed % 1_000_000, int(mem) // 1024 * 1024)
    return out


def metrics() -> tuple[dict, dict]:
    now = ago(s=12)
    node_items, pod_items = [], []
    per_node: dict[str, list] = {n: [0, 0] for n in NODES}
    for p in sorted(OBJECTS["pods"], key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])):
        node = p["spec"].get("nodeName")
        if not node or node == NOT_READY_NODE or p["status"].get("phase") != "Running":
            continue
        css = p["status"].get("containerStatuses", [])
        if not css or not all("running" in c["state"] for c in css):
            continue
        u = usage_for(p)
        per_node[node][0] += sum(v[0] for v in u.values())
        per_node[node][1] += sum(v[1] for v in u.values())
        pod_items.append(
            {
                "containers": [
                    {"name": n, "usage": {"cpu": f"{cpu}n", "memory": f"{mem // 1024}Ki"}}
                    for n, (cpu, mem) in u.items()
                ],
                "metadata": {
                    "creationTimestamp": ts(T),
                    "labels": p["metadata"].get("labels", {}),
                    "name": p["metadata"]["name"],
                    "namespace": p["metadata"]["namespace"],
                },
                "timestamp": ts(now - timedelta(seconds=len(p["metadata"]["name"]) % 9)),
                "window": "15.033s",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "PodMetrics",
            }
        )
    for node_obj in OBJECTS["nodes"]:
        name = node_obj["metadata"]["name"]
        if name == NOT_READY_NODE:
            continue  # metrics-server has no sample for a node whose kubelet does not answer
        sys_cpu = {"demo-control-plane": 412_000_000, "demo-gpu-1": 96_000_000}.get(name, 168_000_000)
        sys_mem = {"demo-control-plane": 1_610_612_736}.get(name, 1_181_116_006)
        cpu = per_node[name][0] + sys_cpu + int.from_bytes(_h("ncpu", name)[:3], "big")
        mem = per_node[name][1] + sys_mem
        node_items.append(
            {
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "NodeMetrics",
                "metadata": {
                    "creationTimestamp": ts(T),
                    "labels": node_obj["metadata"]["labels"],
                    "name": name,
                },
                "timestamp": ts(now - timedelta(seconds=3)),
                "usage": {"cpu": f"{cpu}n", "memory": f"{mem // 1024}Ki"},
                "window": "20.035s",
            }
        )
    nm = {
        "apiVersion": "metrics.k8s.io/v1beta1",
        "items": node_items,
        "kind": "NodeMetricsList",
        "metadata": {},
    }
    pm = {
        "apiVersion": "metrics.k8s.io/v1beta1",
        "items": pod_items,
        "kind": "PodMetricsList",
        "metadata": {},
    }
    return nm, pm


# -------------------------------------------------------------------------------------------- output
def k_sort(o: dict) -> tuple:
    m = o["metadata"]
    return (m.get("namespace", ""), m["name"])


def as_list(items: list) -> dict:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def finish() -> dict:
    build_nodes()
    controller_revisions()
    for k in ("statefulsets", "daemonsets"):
        for o in OBJECTS[k]:
            o.pop("_hash", None)
    out: dict[str, dict] = {}
    for kind, items in OBJECTS.items():
        if kind == "events":
            items = sorted(items, key=lambda e: (e["metadata"]["namespace"], e["metadata"]["name"]))
        else:
            items = sorted(items, key=k_sort)
        out[f"{kind}.json"] = as_list(items)
    nm, pm = metrics()
    out["nodemetrics.json"] = nm
    out["podmetrics.json"] = pm
    out["meta.json"] = {
        "capturedAt": ts(CAPTURED_AT),
        "description": (
            "Demo cluster (Kubernetes v1.33, 5 nodes: a control plane, three workers of which demo-worker-3 went "
            "NotReady 4 minutes before capture, and a tainted GPU node) with ~40 pods in healthy and broken states: "
            "CrashLoopBackOff, ImagePullBackOff, OOMKilled, init-container StartError, FailedMount, Evicted, "
            "unschedulable for memory, volume node affinity conflict, preemption with nominatedNodeName, "
            "SchedulingGated, a quota-blocked ReplicaSet, completed and failed Jobs. Every timestamp is relative to "
            "capturedAt; see README.md for what each pod demonstrates."
        ),
        "kubernetesVersion": K8S_VERSION,
        "files": sorted(k for k in out if k != "meta.json") + ["meta.json"],
    }
    out["meta.json"]["files"] = sorted(out["meta.json"]["files"])
    return out


# -------------------------------------------------------------------------------------------- README
def _is(ns: str, prefix: str, node: str | None = "*"):
    def pred(p: dict) -> bool:
        m = p["metadata"]
        return (
            m["namespace"] == ns
            and m["name"].startswith(prefix)
            and (node == "*" or p["spec"].get("nodeName") == node)
        )

    return pred


def _restarted(n: int):
    return lambda p: any(c["restartCount"] == n for c in p["status"].get("containerStatuses", []))


def _both(a, b):
    return lambda p: a(p) and b(p)


W3 = NOT_READY_NODE
# (matcher, STATUS as kubectl get pods shows it, what the pod demonstrates, what the agent should say)
POD_NOTES: list[tuple] = [
    (
        _is("kube-system", "etcd-"),
        "Running",
        "static (mirror) pod owned by the Node, hostNetwork, system-node-critical",
        "healthy",
    ),
    (_is("kube-system", "kube-apiserver-"), "Running", "static pod", "healthy"),
    (_is("kube-system", "kube-controller-manager-"), "Running", "static pod", "healthy"),
    (_is("kube-system", "kube-scheduler-"), "Running", "static pod", "healthy"),
    (
        _is("kube-system", "coredns-"),
        "Running",
        "Deployment pod tolerating the control-plane taint",
        "healthy",
    ),
    (_is("kube-system", "metrics-server-"), "Running", "the metrics source of nodemetrics.json", "healthy"),
    (
        _is("kube-system", "kube-proxy-", W3),
        "Running (node NotReady)",
        "DaemonSet pod on the NotReady node: tolerates everything, so it is never evicted; Ready=False set by the node controller",
        "its node is NotReady (Kubelet stopped posting node status); the pod itself is fine",
    ),
    (
        _is("kube-system", "kube-proxy-"),
        "Running",
        "DaemonSet pod, BestEffort, hostNetwork (podIP = node IP)",
        "healthy",
    ),
    (
        _is("kube-system", "nvidia-device-plugin-"),
        "Running",
        "DaemonSet restricted to GPU nodes by nodeSelector (desired 1)",
        "healthy",
    ),
    (
        _is("monitoring", "prometheus-0"),
        "Running (node NotReady)",
        "StatefulSet pod on demo-worker-3; NodeNotReady event; will be evicted at tolerationSeconds 300",
        "not ready because demo-worker-3 is unreachable since ~4 min; eviction in ~1 min unless the node returns",
    ),
    (
        _both(_is("shop", "web-5d8f7c9b6-", "demo-worker-1"), _restarted(1)),
        "Running (1 restart)",
        "the fully featured healthy pod: requests/limits, probes, named port, env literal + configMapKeyRef + secretKeyRef + fieldRef, configMap/secret/emptyDir/projected token mounts, priorityClass shop-high, podIP 10.244.1.7; liveness probe failed 12 min ago (connection refused) -> Killing -> restarted, lastState Completed exit 0",
        "healthy now; restarted once 12 min ago because the liveness probe on :8080/healthz was refused (probe restart, exit 0 - not a crash)",
    ),
    (
        _is("shop", "web-5d8f7c9b6-", "demo-worker-1"),
        "Running",
        "healthy pod created 31 min ago by a scale-up: full Scheduled/Pulling/Pulled/Created/Started event set in 1.33 wording",
        "healthy",
    ),
    (
        _is("shop", "web-5d8f7c9b6-", W3),
        "Running (node NotReady)",
        "pod on the NotReady node, Ready=False, NodeNotReady event",
        "unavailable because its node is NotReady",
    ),
    (_is("shop", "web-5d8f7c9b6-"), "Running", "healthy replica", "healthy"),
    (
        _is("shop", "api-5f9c8d7b6-"),
        "Running",
        "old ReplicaSet (revision 3) still serving because the rollout is stuck",
        "healthy (old version 2.4.1)",
    ),
    (
        _is("shop", "api-6b7d9c8f4-"),
        "CrashLoopBackOff",
        "CrashLoopBackOff: restartCount 14 in 2h, waiting 'back-off 5m0s ...', lastState Error exit 1 with a FallbackToLogsOnError message, readiness 503 x287, BackOff x60 (last 30s ago); Deployment Progressing=False ProgressDeadlineExceeded",
        "crash loop of api 2.5.0: exits 1 after ~3.5 min because it cannot take the migration advisory lock held by 2.4.1; rollout stuck, old pods still serve",
    ),
    (
        _is("shop", "checkout-"),
        "ImagePullBackOff",
        "ImagePullBackOff with the modern waiting message embedding 'ErrImagePull: rpc error: code = NotFound ...'; Failed/ErrImagePull/Normal BackOff/ImagePullBackOff events",
        "image registry.demo.local/shop/checkout:3.2.0-rc1 does not exist (NotFound): fix the tag",
    ),
    (
        _is("shop", "cart-"),
        "Running (6 restarts)",
        "OOMKilled with restarts: state running, lastState terminated OOMKilled exit 137, limit 256Mi, usage ~243Mi in podmetrics",
        "container keeps hitting its 256Mi memory limit (6 OOM kills in 3h); raise the limit or lower CART_CACHE_ENTRIES",
    ),
    (
        _both(_is("shop", "catalog-", "demo-worker-1"), _restarted(1)),
        "Running (1 restart)",
        "restarted once by a node-level OOM (SystemOOM 'victim process: java' on demo-worker-1 at the same second), startup-probe failures while the JVM came back",
        "killed 41 min ago by the kernel OOM killer during the node's memory pressure, not by its own limit; healthy now",
    ),
    (
        _is("shop", "catalog-", W3),
        "Running (node NotReady)",
        "pod on the NotReady node",
        "unavailable because its node is NotReady",
    ),
    (_is("shop", "catalog-"), "Running", "healthy JVM replica (3Gi request)", "healthy"),
    (_is("shop", "orders-"), "Running", "healthy, 2.5Gi request (fills the workers)", "healthy"),
    (
        _is("shop", "inventory-"),
        "Init:CrashLoopBackOff",
        "init container crash loop: StartError exit 128, startedAt 1970-01-01T00:00:00Z, 'exec: \"/app/migrate\": stat /app/migrate: no such file or directory'; main container PodInitializing; phase Pending",
        "the init container 'migrate' cannot start: /app/migrate is not in image inventory:1.8.0 (wrong command/path)",
    ),
    (
        _is("shop", "notifications-"),
        "ContainerCreating",
        "stuck in ContainerCreating: FailedMount x14 'configmap \"missing-config\" not found' and 'Unable to attach or mount volumes ...'",
        "ConfigMap shop/missing-config does not exist; create it or fix the volume",
    ),
    (
        _both(_is("shop", "recommendations-5c7d8f9b4-"), lambda p: p["status"].get("reason") == "Evicted"),
        "Evicted (kubectl shows ContainerStatusUnknown)",
        "Evicted: phase Failed, reason Evicted, the real kubelet message, DisruptionTarget TerminationByKubelet, container terminated ContainerStatusUnknown 137",
        "evicted 41 min ago from demo-worker-1 under memory pressure: it used 1.76Gi against a 512Mi request; replaced on demo-worker-2",
    ),
    (
        _is("shop", "recommendations-5c7d8f9b4-"),
        "Running",
        "the replacement of the evicted pod; healthy start events",
        "healthy, but again using ~1.5Gi against a 512Mi request (eviction candidate)",
    ),
    (
        _is("shop", "recommender-"),
        "Pending",
        "unschedulable: requests 8Gi memory, more than any node has free (largest free 7.5Gi on the control plane); current events.k8s.io-shaped FailedScheduling with series, plus an older legacy-shaped one with the '(combined from similar events): ' prefix from before demo-worker-3 went NotReady; preemption found no victims",
        "no node can fit 8Gi: 2 Ready workers have only 1.24Gi / 4.62Gi free, the GPU and control-plane nodes are tainted, demo-worker-3 is unreachable; lower the request or add a bigger node",
    ),
    (
        _is("data", "postgres-0"),
        "Running",
        "Guaranteed StatefulSet pod with a PVC (zone-a PV), exec probes",
        "healthy",
    ),
    (_is("data", "search-0"), "Running", "StatefulSet pod with a zone-b PV", "healthy"),
    (
        _is("data", "search-1"),
        "Pending",
        "volume node affinity conflict: its PV data-search-1 is pinned to zone-c where no node exists any more; two FailedScheduling events (before/after demo-worker-3 went NotReady); events of the previous search-1 (other uid, on the deleted node demo-worker-4) must be filtered out by uid",
        "the PersistentVolume is in zone-c but the cluster has nodes only in zone-a/zone-b; restore a zone-c node or migrate the volume",
    ),
    (
        _is("data", "etl-worker-"),
        "Running",
        "the one replica the quota allowed; its ReplicaSet has FailedCreate quota events and ReplicaFailure",
        "healthy; the 2nd replica is blocked by ResourceQuota compute-quota (limits.memory 7Gi used of 8Gi, needs 2Gi)",
    ),
    (
        _is("batch", "orders-export-"),
        "Completed",
        "Job pod Succeeded, terminated Completed exit 0, Ready=False PodCompleted",
        "completed successfully (not a problem)",
    ),
    (
        _is("batch", "invoice-reconcile-"),
        "Error",
        "failed Job pod: exit 2 with a FallbackToLogsOnError message; Job Failed BackoffLimitExceeded (backoffLimit 0)",
        "job failed: invoice INV-2026-11-0457 has an empty currency",
    ),
    (
        _is("batch", "embeddings-backfill-"),
        "Terminating",
        "Terminating (deletionTimestamp in 71s, grace 120s) because it was preempted: DisruptionTarget PreemptionByScheduler, Preempted event (events.k8s.io shape) naming the preemptor uid; podFailurePolicy ignores the disruption",
        "being preempted by the higher-priority batch/finetune-bert pod; it checkpoints and will be retried",
    ),
    (
        _is("batch", "finetune-bert-"),
        "Pending",
        "preemptor with status.nominatedNodeName demo-gpu-1; FailedScheduling without a preemption suffix; a node counted under several reasons (counts sum to 8 > 5)",
        "waiting for the preempted pod on demo-gpu-1 to terminate; will then be scheduled there",
    ),
    (
        _is("batch", "quarterly-backfill-"),
        "SchedulingGated",
        "schedulingGates [demo.io/capacity-approval]: PodScheduled False reason SchedulingGated, no events from the scheduler",
        "not scheduled because a scheduling gate is set; whoever owns demo.io/capacity-approval must remove it",
    ),
    (_is("default", "netshoot"), "Running", "bare pod (no owner), BestEffort", "healthy (unmanaged pod)"),
]


def _free_table() -> list[str]:
    alloc_used = {}
    for n in OBJECTS["nodes"]:
        name = n["metadata"]["name"]
        used = {"cpu": 0, "memory": 0, "pods": 0, "nvidia.com/gpu": 0}
        for p in OBJECTS["pods"]:
            if p["spec"].get("nodeName") != name or p["status"].get("phase") in ("Succeeded", "Failed"):
                continue
            used["pods"] += 1
            for r in ("cpu", "memory", "nvidia.com/gpu"):
                tot = sum(
                    (q_cpu if r == "cpu" else q_mem)(c.get("resources", {}).get("requests", {}).get(r, "0"))
                    for c in p["spec"]["containers"]
                )
                init = max(
                    [
                        (q_cpu if r == "cpu" else q_mem)(
                            c.get("resources", {}).get("requests", {}).get(r, "0")
                        )
                        for c in p["spec"].get("initContainers", [])
                    ]
                    or [0]
                )
                used[r] += max(tot, init)
        alloc_used[name] = (n, used)
    rows = [
        "| node | zone | Ready | taints | cpu requested / allocatable (free) | memory requested / allocatable (free) | pods | metrics |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (n, used) in alloc_used.items():
        a = n["status"]["allocatable"]
        ready = next(c for c in n["status"]["conditions"] if c["type"] == "Ready")
        taints = ", ".join(
            f"`{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}`"
            for t in n["spec"].get("taints", [])
        )
        ca, ma = q_cpu(a["cpu"]), q_mem(a["memory"])
        gpu = f" + GPU {used['nvidia.com/gpu']}/{a['nvidia.com/gpu']}" if "nvidia.com/gpu" in a else ""
        rows.append(
            f"| {name} | {n['metadata']['labels']['topology.kubernetes.io/zone']} | {ready['status']}"
            f"{' (' + ready['reason'] + ')' if ready['status'] != 'True' else ''} | {taints or '-'} | "
            f"{used['cpu']}m / {ca}m ({ca - used['cpu']}m) | {used['memory'] / 2**30:.2f}Gi / {ma / 2**30:.2f}Gi "
            f"(**{(ma - used['memory']) / 2**30:.2f}Gi**) | {used['pods']}{gpu} | "
            f"{'no sample' if name == NOT_READY_NODE else 'yes'} |"
        )
    return rows


def readme(files: dict) -> str:
    pods = sorted(OBJECTS["pods"], key=k_sort)
    rows = ["| pod | node | STATUS | demonstrates | the agent should say |", "|---|---|---|---|---|"]
    for p in pods:
        note = next((n for n in POD_NOTES if n[0](p)), None)
        assert note, f"no README note for {p['metadata']['name']}"
        _, status, demo, say = note
        rows.append(
            f"| {p['metadata']['namespace']}/{p['metadata']['name']} | {p['spec'].get('nodeName', '-')} | {status} "
            f"| {demo} | {say} |"
        )
    counts = {k: len(v["items"]) for k, v in files.items() if isinstance(v, dict) and "items" in v}
    file_rows = "\n".join(f"| `{k}` | {counts.get(k, '-')} |" for k in sorted(files))
    return f"""# Demo cluster dump

A realistic, internally consistent dump of a small Kubernetes {K8S_VERSION} cluster, in exactly the format
`kubectl get <kind> -A -o json` prints (`{{"apiVersion": "v1", "kind": "List", "items": [...]}}`). The agent's
snapshot source serves it when no cluster is configured; tests and benchmarks use it too.

**Generated - do not edit by hand.** `scripts/gen_demo_cluster.py` writes every file here (this README
included) deterministically; `scripts/check_demo_cluster.py` then verifies the dump (owner chains, node names,
IPs, uids, capacity, quota, event shapes and uids, and re-derives every FailedScheduling message with a model of
the default scheduler). Regenerate and check with:

```
.venv/bin/python scripts/gen_demo_cluster.py        # writes src/k8s_agent/demo/cluster/ and runs the check
.venv/bin/python scripts/check_demo_cluster.py      # check only
```

All timestamps are relative to `capturedAt` = `{ts(CAPTURED_AT)}` in `meta.json`: the snapshot loader shifts
them by `now - capturedAt`, so the demo always looks freshly captured (a crash loop whose last BackOff was 30s
ago, a pod pending for 20 minutes, a node NotReady for 4 minutes). Events older than one hour are absent, as
the API server's default `--event-ttl=1h` would have removed them.

## The story at capture time

* `demo-worker-3` stopped posting status 4m52s ago and was marked NotReady 4m2s ago: unreachable taints
  (NoSchedule + NoExecute with `timeAdded`), all conditions `Unknown/NodeStatusUnknown`, its pods `Ready=False`
  with `NodeNotReady` events, and no NodeMetrics sample. Its pods will be evicted ~1 minute after capture.
* `demo-worker-1` went through memory pressure 41 minutes ago (SystemOOM, EvictionThresholdMet,
  NodeHasInsufficientMemory/NodeHasSufficientMemory node events): the kernel OOM-killed a catalog JVM and the
  kubelet evicted a recommendations pod that used 1.76Gi against a 512Mi request.
* Three broken rollouts in `shop` (api crash loop, checkout bad tag, inventory init container), one missing
  ConfigMap, one unschedulable 8Gi pod, one StatefulSet replica whose volume lives in a zone that has no nodes
  any more, a quota-blocked ReplicaSet in `data`, and GPU preemption in `batch`.

## Nodes

Requests are those of non-terminated pods (what the scheduler counts); free = allocatable - requested.

{chr(10).join(_free_table())}

The workers are GKE-like `e2-standard-4` (capacity cpu 4 / memory 16393216Ki, allocatable 3920m /
13564504Ki). The control plane is an `e2-standard-2` tainted `node-role.kubernetes.io/control-plane:NoSchedule`;
`demo-gpu-1` has one `nvidia.com/gpu` and the taint `dedicated=gpu:NoSchedule`.

## Pods ({len(pods)})

{chr(10).join(rows)}

## Other objects

* Deployments / ReplicaSets: `shop/web` has an old ReplicaSet scaled to 0 (revision 1) and was scaled 3 -> 4
  31 minutes ago; `shop/api` is stuck mid-rollout (old RS 2 replicas, new RS 1 crash-looping,
  `Progressing=False ProgressDeadlineExceeded`); `shop/cart` has an old RS at 0; `checkout`, `inventory`,
  `recommender` are unavailable (`MinimumReplicasUnavailable`); `data/etl-worker` wants 2 replicas but has 1:
  ReplicaSet condition `ReplicaFailure/FailedCreate` with the quota message, 10 FailedCreate events then one
  `(combined from similar events): ...` event (client-go's aggregator).
* ResourceQuota `data/compute-quota` (`resourcequotas.json`): limits.memory 7Gi used of 8Gi - exactly the sum of
  the live `data` pods' limits (postgres 3Gi, search 2x1Gi, etl-worker 2Gi; the pending search-1 counts).
* StatefulSets `data/postgres`, `data/search` (1 of 2 ready), `monitoring/prometheus` (0 of 1 available).
* DaemonSets `kube-system/kube-proxy` (5 nodes, 1 unavailable) and `kube-system/nvidia-device-plugin-daemonset`
  (GPU nodes only).
* Jobs `batch/orders-export-20261120` (Complete), `batch/invoice-reconcile` (Failed, BackoffLimitExceeded),
  `batch/embeddings-backfill` (1 terminating, podFailurePolicy ignores DisruptionTarget),
  `batch/finetune-bert` (1 pending, nominated), `batch/quarterly-backfill` (1 gated).
* CronJob `batch/ledger-snapshot` (`cronjobs.json`): hourly, `concurrencyPolicy: Forbid`,
  `startingDeadlineSeconds: 60`, last scheduled 5 hours before capture: the runs since are missed schedules.
* ControllerRevisions (`controllerrevisions.json`): the current revision of each StatefulSet and DaemonSet,
  named `<owner>-<controller-revision-hash>` as their pods' label says.

What `GET /api/v1/workloads/{{namespace}}/{{kind}}/{{name}}/diagnosis` shows here: `shop/Deployment/api` stuck
(ProgressDeadlineExceeded while 2 old pods serve; revision 4 changed the image 2.4.1 -> 2.5.0; rollback to
revision 3), `data/Deployment/etl-worker` stuck on the quota (1Gi limits.memory left, a pod asks for 2Gi),
`batch/Job/invoice-reconcile` failed (BackoffLimitExceeded), `kube-system/DaemonSet/kube-proxy` short by the
NotReady node, `kube-system/DaemonSet/nvidia-device-plugin-daemonset` excluded from the non-GPU nodes by its
nodeSelector, `batch/CronJob/ledger-snapshot` stuck on missed schedules, `data/StatefulSet/search` degraded by
its unschedulable `search-1`.
* PVCs / PVs: three CSI volumes with `nodeAffinity` on `topology.kubernetes.io/zone` (zone-a, zone-b, zone-c);
  `data-search-1` was provisioned for the since-deleted node `demo-worker-4` (`volume.kubernetes.io/selected-node`).
* `nodemetrics.json`: metrics.k8s.io/v1beta1 NodeMetricsList for the 4 Ready nodes (cpu in nanocores, memory in
  Ki, window 20.035s); `podmetrics.json`: PodMetricsList for pods whose containers all run on Ready nodes.

## Events ({len(OBJECTS["events"])})

Both shapes a real cluster returns through core/v1:

* kubelet and controller events in the classic shape: `count`, `firstTimestamp`, `lastTimestamp`,
  `source {{component, host}}`, `eventTime: null`, `reportingComponent`/`reportingInstance`, `fieldPath`
  `spec.containers{{name}}` / `spec.initContainers{{name}}`;
* scheduler events (Scheduled, FailedScheduling, Preempted) in the events.k8s.io shape: `firstTimestamp` and
  `lastTimestamp` null, no `count`, `source: {{}}`, `eventTime` with microseconds, `series {{count,
  lastObservedTime}}` for repeats, `action`, `reportingComponent: default-scheduler`,
  `reportingInstance: default-scheduler-demo-control-plane`.

Messages use current wordings (1.33): `Created container: <name>`, `Successfully pulled image "..." in 1.2s
(1.2s including waiting). Image size: N bytes.`, `Back-off restarting failed container <c> in pod
<pod>_<ns>(<uid>)`, Normal `BackOff` for image pulls, Normal `Killing` for liveness restarts.

## Deliberate real-world quirks

* One FailedScheduling event (on the recommender pod) is in the legacy classic shape with the
  `(combined from similar events): ` prefix, as schedulers using client-go's `record` package emit it; a 1.33
  default-scheduler would emit the events.k8s.io shape for it - it is there to exercise both parsers.
* `data/search-1` has events from its previous incarnation (same name, different uid, on `demo-worker-4`,
  a node that no longer exists): a correct agent filters events by `involvedObject.uid`.
* Node events from the kubelet reference the node with `uid` = node name (as the kubelet does); the
  node-controller's NodeNotReady event uses the real Node uid. Node events live in namespace `default`.
* The StartError `startedAt` is the Unix epoch `1970-01-01T00:00:00Z` (containerd never started the process):
  a timestamp shifter must leave it alone.
* The static pods carry `kubernetes.io/config.seen` with nanoseconds; the preempted pod's `deletionTimestamp` lies
  71s after capturedAt (end of its grace period).
* The evicted pod's container is `ContainerStatusUnknown` (exit 137), so `kubectl get pods` shows that instead
  of `Evicted`; `status.reason` is still `Evicted`.
* The web pod's liveness restart ended with exit 0 `Completed` (nginx exits cleanly on SIGTERM): a restart
  that is not a crash.
* The finetune-bert FailedScheduling counts one node under three reasons (`Insufficient cpu`, `memory`,
  `nvidia.com/gpu`), so the counts add up to 8 for 5 nodes.

## Files

| file | items |
|---|---|
{file_rows}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-check", action="store_true", help="skip scripts/check_demo_cluster.py")
    args = ap.parse_args()
    files = build()
    args.out.mkdir(parents=True, exist_ok=True)
    for fname, doc in files.items():
        # kubectl prints through unstructured maps: keys sorted, 4-space indent
        (args.out / fname).write_text(json.dumps(doc, indent=4, sort_keys=True, ensure_ascii=False) + "\n")
    (args.out / "README.md").write_text(readme(files))
    print(f"wrote {len(files) + 1} files to {args.out}: " + ", ".join(sorted([*files, "README.md"])))
    print(f"pods: {len(OBJECTS['pods'])}, events: {len(OBJECTS['events'])}")
    if args.no_check:
        return 0
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_demo_cluster", Path(__file__).with_name("check_demo_cluster.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.check(args.out, expected_fit=EXPECT_FIT, expected_fit_before=EXPECT_FIT_BEFORE, verbose=True)


if __name__ == "__main__":
    raise SystemExit(main())
