"""Seeded random clusters and pending pods for the differential test against the real kube-scheduler.

Pure: no I/O, no clock. A case is one integer seed. The cluster of a case is drawn from ``seed // BATCH``
(so ``BATCH`` consecutive seeds share one cluster and are run against one set of API objects), the pending
pod from ``seed`` itself. Everything the same seed draws is the same on every machine (``random.Random``
with an integer seed and only ``randint``/``random``/``choice``/``sample`` on sequences of fixed order).

What is drawn (classes switched by :class:`Classes`, defaults in ``DEFAULT_CLASSES``):

* 3-30 nodes: cpu, memory, ephemeral-storage, pods and an extended resource (``example.com/gpu``) of random
  size; labels (hostname, zone and region on most nodes, custom ``disk``/``tier``/``gen`` labels, ``gen``
  numeric for Gt/Lt and sometimes not); taints NoSchedule/NoExecute/PreferNoSchedule, some with values;
  cordons (sometimes with the ``node.kubernetes.io/unschedulable`` taint the controller adds); NotReady
  nodes (Ready=False with ``node.kubernetes.io/not-ready`` taints, or Ready=Unknown with
  ``node.kubernetes.io/unreachable`` taints: what the node lifecycle controller writes).
* Existing pods bound with ``spec.nodeName`` in two namespaces of the batch: requests (containers, init
  containers, sidecars), host ports (TCP/UDP, with and without hostIP), labels, some with required pod
  anti-affinity (the scheduler's "existing pods anti-affinity" symmetry), a few terminated (Succeeded).
* The pending pod: requests (containers, init containers, sidecars, optionally pod-level resources),
  nodeSelector, required node affinity with every operator (In, NotIn, Exists, DoesNotExist, Gt, Lt) and
  ``matchFields`` on ``metadata.name`` (In/NotIn), tolerations (Equal/Exists, with and without effect, the
  tolerate-everything toleration, the not-ready/unreachable/unschedulable keys), host ports, required pod
  affinity and anti-affinity (hostname/zone/custom keys, own namespace, listed namespaces, namespace
  selectors on ``kubernetes.io/metadata.name`` and the empty selector, matchLabelKeys/mismatchLabelKeys),
  optionally topology spread constraints (DoNotSchedule).

Excluded classes (never drawn) and why are listed in ``EXCLUDED`` and in the README.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, fields, replace
from typing import Any

BATCH = 10  # pending pods per cluster
EXT = "example.com/gpu"
ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"
HOST = "kubernetes.io/hostname"
NS_NAME = "kubernetes.io/metadata.name"
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
IMAGE = "registry.k8s.io/pause:3.10"
RUNTIME_CLASS = {
    "apiVersion": "node.k8s.io/v1",
    "kind": "RuntimeClass",
    "metadata": {"name": "sandboxed"},
    "handler": "sandboxed",
    "overhead": {"podFixed": {"cpu": "250m", "memory": "160Mi"}},
}
FINALIZER = "differential.k8s-agent.test/hold"
OTHER_SCHEDULER = "no-such-scheduler"
BATCH_LABEL = "differential.k8s-agent.test/batch"  # on every node, so a batch's nodes are deleted in one call


@dataclass(frozen=True)
class Classes:
    """Which optional classes the generator may draw (``--classes`` of ``scripts/fuzz_scheduler.py``)."""

    pod_level_resources: bool = True  # pod-level spec.resources (KEP-2837, beta and on since 1.34)
    topology_spread: bool = True  # topologySpreadConstraints (DoNotSchedule), evaluated since issue 18
    match_fields: bool = True  # node affinity matchFields metadata.name (NodeAffinity PreFilterResult)
    sidecars: bool = True  # init containers with restartPolicy Always
    terminated_pods: bool = True  # existing pods in phase Succeeded (not counted by the scheduler)
    terminating_pods: bool = True  # existing pods being deleted (held by a finalizer: still counted)
    unscheduled_pods: bool = True  # pods of another scheduler, never bound (counted by nobody)
    overhead: bool = True  # pods of a RuntimeClass with overhead (spec.overhead set by admission)
    host_network: bool = True  # hostNetwork pods (hostPort defaulted to containerPort)
    exact_fit: bool = True  # pending pods requesting exactly a node's free cpu or memory
    hugepages: bool = True  # hugepages-2Mi on nodes and in requests (with equal limits)
    init_extended: bool = True  # init containers and sidecars requesting the extended resource
    volumes: bool = True  # PVCs: bound local PVs with node affinity / zone labels, RWOP, missing, unbound

    @classmethod
    def parse(cls, spec: str) -> Classes:
        """``"+topology_spread,-match_fields"`` on top of the defaults; ``"all"`` switches every class on."""
        c = DEFAULT_CLASSES
        for item in (s.strip() for s in spec.split(",") if s.strip()):
            if item == "all":
                c = cls(**{f.name: True for f in fields(cls)})
                continue
            on = not item.startswith("-")
            name = item.lstrip("+-").replace("-", "_")
            if name not in {f.name for f in fields(cls)}:
                raise ValueError(f"unknown generator class {name!r}; known: {[f.name for f in fields(cls)]}")
            c = replace(c, **{name: on})
        return c


DEFAULT_CLASSES = Classes()

# Classes the generator never draws, with the reason (printed by `make fuzz`, listed in the README).
EXCLUDED: dict[str, str] = {
    "priority classes / preemption": "every pod has priority 0, so the scheduler's PostFilter (preemption) can "
    "never nominate a node; the PostFilter suffix of the message is not compared",
    "NotReady nodes without the lifecycle taints": "the scheduler does not read node conditions, only the "
    "taints the node lifecycle controller adds (absent on this control plane); the agent judges readiness "
    "by assuming those taints, which is right on every real cluster and wrong only on a cluster without "
    "a controller-manager",
    "which node is chosen": "when several nodes fit, the choice depends on scores and on a random tie-break; "
    "only 'some node fits' is compared",
    "namespaceSelector on labels other than kubernetes.io/metadata.name": "the agent does not read Namespace "
    "objects (least privilege); it evaluates only the name label and says so in a note",
    "storage classes, dynamic provisioning, CSI volumes": "no provisioner or CSI driver runs on this tier, so "
    "a pod whose WaitForFirstConsumer claim fits would wait in binding for a volume that never comes; claims "
    "are drawn with no storage class (bound by the test as the PV controller would bind them, or left "
    "unbound, Lost or pre-bound). The agent's rules for WaitForFirstConsumer classes, CSI attach limits and "
    "storage capacity are checked against the real scheduler case by case (test_filters_vs_scheduler.py)",
    "DRA, image locality, scheduling gates, nodeName pods": "DRA is checked against the real scheduler case by "
    "case (test_filters_vs_scheduler.py), not drawn; no kubelet exists on this tier (image locality); gated "
    "and nodeName pods are not scheduled by kube-scheduler at all",
    "node conditions other than Ready, pressure taints": "kube-scheduler does not filter on them (only on "
    "the taints); drawn taints with arbitrary keys cover the same code",
}

_ZONES = ("zone-a", "zone-b", "zone-c", "zone-d")
_APPS = ("web", "db", "cache", "batch")
_TEAMS = ("red", "blue")
_PORTS = (8080, 9090, 5432)
_TAINT_POOL = (
    ("dedicated", "gpu"),
    ("dedicated", "infra"),
    ("maintenance", ""),
    ("example.com/spot", "true"),
)


def _cpu(rng: random.Random, choices=("50m", "100m", "0.25", "500m", "750m", "1", "1500m", "2")) -> str:
    return rng.choice(choices)


def _mem(
    rng: random.Random,
    choices=("64Mi", "128Mi", "256M", "512Mi", "1Gi", "1536Mi", "1.5Gi", "3Gi", "268435456"),
):
    return rng.choice(choices)


@dataclass
class Cluster:
    cid: int
    namespaces: list[dict[str, Any]]
    nodes: list[dict[str, Any]]
    pods: list[dict[str, Any]]
    terminated: set[str] = field(default_factory=set)  # "ns/name" of existing pods set to Succeeded
    terminating: set[str] = field(default_factory=set)  # "ns/name" of existing pods deleted (finalizer holds)
    pvs: list[dict[str, Any]] = field(default_factory=list)
    pvcs: list[dict[str, Any]] = field(default_factory=list)
    tag: str = ""  # the prefix of every name of this cluster ("d<cid>"; a shrunk copy gets another)

    def __post_init__(self) -> None:
        self.tag = self.tag or f"d{self.cid}"


def renamed(case: Case, tag: str, cluster: Cluster | None = None, pod: dict[str, Any] | None = None) -> Case:
    """A copy of ``case`` (or of the given cluster and pod, derived from it) whose names start with ``tag``
    instead of the cluster's tag: nodes, namespaces, PVs, the batch label, every reference to them."""
    c = cluster or case.cluster
    old = c.tag
    doc = {
        "namespaces": c.namespaces,
        "nodes": c.nodes,
        "pods": c.pods,
        "pvs": c.pvs,
        "pvcs": c.pvcs,
        "terminated": sorted(c.terminated),
        "terminating": sorted(c.terminating),
        "pod": pod if pod is not None else case.pod,
    }
    text = json.dumps(doc).replace(f'"{old}-', f'"{tag}-').replace(f'"{old}"', f'"{tag}"')
    d = json.loads(text)
    new = Cluster(
        c.cid,
        d["namespaces"],
        d["nodes"],
        d["pods"],
        set(d["terminated"]),
        set(d["terminating"]),
        d["pvs"],
        d["pvcs"],
        tag,
    )
    return Case(case.seed, new, d["pod"])


def namespaces_of(cid: int) -> tuple[str, str]:
    return f"d{cid}-a", f"d{cid}-b"


def gen_cluster(cid: int, classes: Classes = DEFAULT_CLASSES) -> Cluster:
    rng = random.Random(cid * 7919 + 17)
    ns_a, ns_b = namespaces_of(cid)
    namespaces = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns_a, "labels": {"team": "red"}}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns_b, "labels": {"team": "blue"}}},
    ]
    n_nodes = rng.randint(3, 30)
    zones = _ZONES[: rng.randint(1, 4)]
    nodes = []
    pods: list[dict[str, Any]] = []
    terminated: set[str] = set()
    terminating: set[str] = set()
    for i in range(n_nodes):
        name = f"d{cid}-n{i:02d}"
        labels = {HOST: name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
        if rng.random() < 0.9:
            labels[ZONE] = rng.choice(zones)
            labels[REGION] = "region-1"
        if rng.random() < 0.6:
            labels["disk"] = rng.choice(("ssd", "hdd"))
        if rng.random() < 0.5:
            labels["tier"] = rng.choice(("gold", "silver", "bronze"))
        if rng.random() < 0.6:
            labels["gen"] = rng.choice(("1", "2", "3", "4", "5", "10", "x"))
        alloc = {
            "cpu": rng.choice(("500m", "1", "1500m", "2", "2.5", "3900m", "4", "8")),
            "memory": rng.choice(("1Gi", "2Gi", "3500Mi", "3.5Gi", "4Gi", "4G", "7800Mi", "8Gi", "16Gi")),
            "ephemeral-storage": rng.choice(("1Gi", "10Gi", "100Gi")),
            "pods": str(rng.choice((2, 3, 4, 6, 110, 110))),
        }
        if rng.random() < 0.1:
            del alloc["ephemeral-storage"]
        if rng.random() < 0.35:
            alloc[EXT] = str(rng.randint(0, 4))
        capacity = dict(alloc)
        if rng.random() < 0.3:  # kube-reserved: the scheduler uses allocatable, never capacity
            capacity["cpu"] = "16"
            capacity["memory"] = "32Gi"
        taints: list[dict[str, str]] = []
        if rng.random() < 0.2:
            for key, value in rng.sample(_TAINT_POOL, rng.randint(1, 2)):
                if rng.random() < 0.3:
                    value = ""
                effect = rng.choice(("NoSchedule", "NoSchedule", "NoExecute", "PreferNoSchedule"))
                t = {"key": key, "effect": effect}
                if value:
                    t["value"] = value
                if all((x["key"], x["effect"]) != (key, effect) for x in taints):  # unique by key+effect
                    taints.append(t)
        spec: dict[str, Any] = {}
        ready = {"status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
        r = rng.random()
        if r < 0.06:
            ready = {"status": "False", "reason": "KubeletNotReady", "message": "container runtime is down"}
            taints.append({"key": NOT_READY, "effect": "NoSchedule"})
            if rng.random() < 0.5:
                taints.append({"key": NOT_READY, "effect": "NoExecute"})
        elif r < 0.09:
            ready = {"status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting"}
            taints.append({"key": UNREACHABLE, "effect": "NoSchedule"})
            taints.append({"key": UNREACHABLE, "effect": "NoExecute"})
        if rng.random() < 0.06:
            spec["unschedulable"] = True
            if rng.random() < 0.5:
                taints.append({"key": UNSCHEDULABLE, "effect": "NoSchedule"})
        if taints:
            spec["taints"] = taints
        nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": {**labels, BATCH_LABEL: f"d{cid}"}},
                "spec": spec,
                "status": {
                    "capacity": capacity,
                    "allocatable": dict(alloc),
                    "conditions": [{"type": "Ready", **ready}],
                    "addresses": [{"type": "InternalIP", "address": f"10.0.{i // 250}.{i % 250 + 1}"}],
                },
            }
        )
        cap = int(alloc["pods"])
        for j in range(rng.randint(0, min(cap, 4))):
            ns = rng.choice((ns_a, ns_a, ns_b))
            pod = _existing_pod(rng, f"e{i:02d}-{j}", ns, name, classes)
            pods.append(pod)
            r = rng.random()
            if classes.terminated_pods and r < 0.05:
                terminated.add(f"{ns}/{pod['metadata']['name']}")
            elif classes.terminating_pods and r < 0.1:
                pod["metadata"]["finalizers"] = [FINALIZER]
                terminating.add(f"{ns}/{pod['metadata']['name']}")
    if classes.unscheduled_pods:
        for j in range(rng.randint(0, 3)):
            pod = _existing_pod(rng, f"u{j}", rng.choice((ns_a, ns_b)), "", classes)
            del pod["spec"]["nodeName"]
            pod["spec"]["schedulerName"] = OTHER_SCHEDULER
            pods.append(pod)
    cluster = Cluster(cid, namespaces, nodes, pods, terminated, terminating)
    if classes.volumes:
        _volumes(random.Random(cid * 31 + 5), cluster)
    if classes.hugepages:
        _hugepages_nodes(random.Random(cid * 43 + 11), cluster)
    return cluster


HUGE = "hugepages-2Mi"


def _hugepages_nodes(rng: random.Random, cluster: Cluster) -> None:
    """Pre-allocated 2Mi huge pages on some nodes (a scalar resource with its own Insufficient reason), some of
    them used by existing pods."""
    for n in cluster.nodes:
        if rng.random() < 0.35:
            for key in ("allocatable", "capacity"):
                n["status"][key][HUGE] = rng.choice(("0", "128Mi", "512Mi"))
    for p in cluster.pods:
        if p["spec"].get("nodeName") and rng.random() < 0.1:
            _request_hugepages(rng, p["spec"]["containers"][0])


def _request_hugepages(rng: random.Random, c: dict[str, Any]) -> None:
    """Huge pages are requested with an equal limit, and beside cpu or memory (API validation)."""
    amount = rng.choice(("64Mi", "128Mi", "256Mi"))
    res = c.setdefault("resources", {})
    res.setdefault("requests", {})[HUGE] = amount
    res.setdefault("limits", {})[HUGE] = amount
    if not {"cpu", "memory"} & (set(res["requests"]) | set(res["limits"])):
        res["requests"]["memory"] = "64Mi"


def _volumes(rng: random.Random, cluster: Cluster) -> None:
    """Local PVs (node affinity on a zone or a hostname, some with a zone label for VolumeZone) with claims
    bound to them the way the PV controller binds (``spec.volumeName`` and the bind-completed annotation);
    some ReadWriteOncePod claims mounted by an existing pod; a claim bound to a PV that does not exist; an
    unbound claim without a storage class (immediate binding)."""
    ns_a, ns_b = namespaces_of(cluster.cid)
    users = list(cluster.pods)  # bound and unbound pods alike: only bound ones hold a claim
    for k in range(rng.randint(0, 5)):
        ns = rng.choice((ns_a, ns_b))
        pv_name, claim = f"d{cluster.cid}-pv{k}", f"claim{k}"
        mode = "ReadWriteOncePod" if rng.random() < 0.2 else "ReadWriteOnce"
        node = rng.choice(cluster.nodes)["metadata"]
        if rng.random() < 0.5 and ZONE in node["labels"]:
            req = {"key": ZONE, "operator": "In", "values": [node["labels"][ZONE]]}
        else:
            req = {"key": HOST, "operator": "In", "values": [node["name"]]}
        pv: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": pv_name, "labels": {}},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": [mode],
                "storageClassName": "",
                "persistentVolumeReclaimPolicy": "Retain",
                "local": {"path": f"/mnt/disks/{pv_name}"},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [req]}]}},
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": ns,
                    "name": claim,
                },
            },
        }
        if rng.random() < 0.3:
            pv["metadata"]["labels"][ZONE] = rng.choice(_ZONES)
        cluster.pvs.append(pv)
        cluster.pvcs.append(_pvc(ns, claim, mode, pv_name))
        if mode == "ReadWriteOncePod" and users and rng.random() < 0.5:
            user = rng.choice([p for p in users if p["metadata"]["namespace"] == ns] or [None])
            if user is not None:
                user["spec"].setdefault("volumes", []).append(
                    {"name": f"data-{claim}", "persistentVolumeClaim": {"claimName": claim}}
                )
    if rng.random() < 0.3:
        cluster.pvcs.append(
            _pvc(rng.choice((ns_a, ns_b)), "ghost", "ReadWriteOnce", f"d{cluster.cid}-no-such-pv")
        )
    if rng.random() < 0.3:
        cluster.pvcs.append(_pvc(rng.choice((ns_a, ns_b)), "unbound", "ReadWriteOnce", ""))
    if rng.random() < 0.2:  # the PV controller noticed its PV is gone
        cluster.pvcs.append(
            _pvc(rng.choice((ns_a, ns_b)), "lost", "ReadWriteOnce", f"d{cluster.cid}-gone", "Lost")
        )
    if cluster.pvs and rng.random() < 0.2:  # pre-bound by its author, not bound by the PV controller yet
        pv = rng.choice(cluster.pvs)
        cluster.pvcs.append(
            _pvc(rng.choice((ns_a, ns_b)), "prebound", "ReadWriteOnce", pv["metadata"]["name"], "")
        )


def _pvc(ns: str, name: str, mode: str, volume: str, phase: str = "Bound") -> dict[str, Any]:
    pvc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "accessModes": [mode],
            "storageClassName": "",
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }
    if volume:
        pvc["spec"]["volumeName"] = volume
    if volume and phase:
        pvc["metadata"]["annotations"] = {"pv.kubernetes.io/bind-completed": "yes"}
        # what the PV controller writes (the runner patches it in through the status subresource)
        pvc["status"] = {"phase": phase, "accessModes": [mode]}
        if phase == "Bound":
            pvc["status"]["capacity"] = {"storage": "1Gi"}
    return pvc


def _requests(rng: random.Random, *, allow_ext: bool, big: bool = False) -> dict[str, Any]:
    req: dict[str, str] = {}
    lim: dict[str, str] = {}
    if rng.random() < 0.85:
        req["cpu"] = _cpu(rng, ("100m", "250m", "500m", "1", "1500m", "2", "3")) if big else _cpu(rng)
    if rng.random() < 0.85:
        req["memory"] = _mem(rng, ("128Mi", "512Mi", "1Gi", "2Gi", "3Gi", "6Gi")) if big else _mem(rng)
    if rng.random() < 0.1:
        req["ephemeral-storage"] = rng.choice(("500Mi", "2Gi", "20Gi"))
    if allow_ext and rng.random() < 0.2:
        n = str(rng.randint(1, 3))
        req[EXT] = n
        lim[EXT] = n
    if req and rng.random() < 0.08:  # limits only: the API defaults requests to the limits
        lim.update(req)
        req = {}
    out: dict[str, Any] = {}
    if req:
        out["requests"] = req
    if lim:
        out["limits"] = lim
    return out


def _container(rng: random.Random, name: str, *, allow_ext: bool, big: bool = False, ports=None) -> dict:
    c: dict[str, Any] = {"name": name, "image": IMAGE}
    res = _requests(rng, allow_ext=allow_ext, big=big)
    if res:
        c["resources"] = res
    if ports:
        c["ports"] = ports
    return c


def _host_port(rng: random.Random) -> dict[str, Any]:
    p: dict[str, Any] = {"containerPort": rng.choice((80, 81, 82)), "hostPort": rng.choice(_PORTS)}
    if rng.random() < 0.25:
        p["protocol"] = "UDP"
    if rng.random() < 0.25:
        p["hostIP"] = rng.choice(("127.0.0.1", "10.1.2.3"))
    return p


def _labels(rng: random.Random) -> dict[str, str]:
    labels = {"app": rng.choice(_APPS)}
    if rng.random() < 0.6:
        labels["team"] = rng.choice(_TEAMS)
    if rng.random() < 0.3:
        labels["track"] = rng.choice(("stable", "canary"))
    return labels


def _existing_pod(rng: random.Random, name: str, ns: str, node: str, classes: Classes) -> dict[str, Any]:
    containers = [_container(rng, "main", allow_ext=True)]
    if rng.random() < 0.2:
        containers.append(_container(rng, "helper", allow_ext=False))
    if rng.random() < 0.15:
        # the host ports of app containers count; give them a port of their own name
        ports = [_host_port(rng)]
        for k, p in enumerate(ports):
            p["name"] = f"p{k}"
        containers[0]["ports"] = ports
    spec: dict[str, Any] = {
        "nodeName": node,
        "containers": containers,
        "terminationGracePeriodSeconds": 0,
    }
    if rng.random() < 0.15:
        spec["initContainers"] = [_container(rng, "init", allow_ext=False)]
    if classes.sidecars and rng.random() < 0.1:
        sc = _container(rng, "sidecar", allow_ext=False)
        sc["restartPolicy"] = "Always"
        if rng.random() < 0.3:
            sc["ports"] = [_host_port(rng)]
        spec.setdefault("initContainers", []).append(sc)
    if rng.random() < 0.12:
        spec["affinity"] = {
            "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [_pod_term(rng, ns)]}
        }
    _maybe_overhead_and_host_network(rng, spec, classes)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": _labels(rng)},
        "spec": spec,
    }


def _maybe_overhead_and_host_network(rng: random.Random, spec: dict[str, Any], classes: Classes) -> None:
    if classes.overhead and rng.random() < 0.08:
        spec["runtimeClassName"] = RUNTIME_CLASS["metadata"]["name"]
    if classes.host_network and rng.random() < 0.05:
        # with hostNetwork every container port is a host port (the API defaults hostPort to containerPort)
        spec["hostNetwork"] = True
        main = spec["containers"][0]
        main.setdefault("ports", []).append({"name": "hn", "containerPort": rng.choice(_PORTS)})
        seen: set[tuple[int, str]] = set()
        for c in spec["containers"] + spec.get("initContainers", []):
            kept = []
            for p in c.get("ports", []):
                p.pop("hostIP", None)
                p["containerPort"] = p.pop("hostPort", p["containerPort"])
                k = (p["containerPort"], p.get("protocol", "TCP"))
                if k not in seen:
                    seen.add(k)
                    kept.append(p)
            if "ports" in c:
                c["ports"] = kept


def _pod_term(rng: random.Random, own_ns: str) -> dict[str, Any]:
    key = rng.choice((HOST, HOST, ZONE, ZONE, "disk"))
    sel: dict[str, Any] = {}
    r = rng.random()
    if r < 0.6:
        sel["matchLabels"] = {"app": rng.choice(_APPS)}
    elif r < 0.9:
        sel["matchExpressions"] = [
            {
                "key": "app",
                "operator": rng.choice(("In", "NotIn")),
                "values": rng.sample(_APPS, rng.randint(1, 2)),
            }
        ]
        if rng.random() < 0.3:
            sel["matchExpressions"].append(
                {"key": "team", "operator": rng.choice(("Exists", "DoesNotExist"))}
            )
    # else: empty selector (every pod)
    term: dict[str, Any] = {"labelSelector": sel, "topologyKey": key}
    cid = own_ns.rsplit("-", 1)[0]
    r = rng.random()
    if r < 0.15:
        term["namespaces"] = rng.sample([f"{cid}-a", f"{cid}-b"], rng.randint(1, 2))
    elif r < 0.25:
        term["namespaceSelector"] = {}
    elif r < 0.32:
        term["namespaceSelector"] = {"matchLabels": {NS_NAME: rng.choice((f"{cid}-a", f"{cid}-b"))}}
    if rng.random() < 0.1:
        term["matchLabelKeys"] = ["team"] if "team" not in json.dumps(sel) else ["track"]
    elif rng.random() < 0.05:
        term["mismatchLabelKeys"] = ["track"]
    return term


def _node_requirement(rng: random.Random) -> dict[str, Any]:
    op = rng.choice(("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"))
    if op in ("Gt", "Lt"):
        return {"key": "gen", "operator": op, "values": [str(rng.randint(0, 6))]}
    key = rng.choice((ZONE, "disk", "tier", "gen", "missing-label"))
    if op in ("Exists", "DoesNotExist"):
        return {"key": key, "operator": op}
    pool = {
        ZONE: _ZONES + ("zone-z",),
        "disk": ("ssd", "hdd", "nvme"),
        "tier": ("gold", "silver", "bronze"),
        "gen": ("1", "2", "3", "10"),
        "missing-label": ("x",),
    }[key]
    return {"key": key, "operator": op, "values": rng.sample(pool, rng.randint(1, min(2, len(pool))))}


def _tolerations(rng: random.Random, cluster: Cluster) -> list[dict[str, Any]]:
    taints = [t for n in cluster.nodes for t in n["spec"].get("taints", [])]
    out: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        if r < 0.5 and taints:
            t = rng.choice(taints)
            tol: dict[str, Any] = {"key": t["key"]}
            if rng.random() < 0.5 or not t.get("value"):
                tol["operator"] = "Exists"
            else:
                tol["operator"] = "Equal"
                tol["value"] = t["value"] if rng.random() < 0.8 else "other"
            if rng.random() < 0.7:
                tol["effect"] = t["effect"] if rng.random() < 0.8 else rng.choice(("NoSchedule", "NoExecute"))
        elif r < 0.6:
            tol = {"operator": "Exists"}  # tolerates everything
            if rng.random() < 0.3:
                tol["effect"] = "NoSchedule"
        elif r < 0.8:
            tol = {"key": rng.choice((NOT_READY, UNREACHABLE, UNSCHEDULABLE)), "operator": "Exists"}
            if rng.random() < 0.5:
                tol["effect"] = rng.choice(("NoSchedule", "NoExecute"))
        else:
            key, value = rng.choice(_TAINT_POOL)
            tol = {"key": key, "operator": "Equal", "value": value}
        if tol.get("effect") == "NoExecute" and rng.random() < 0.3:
            tol["tolerationSeconds"] = 300
        out.append(tol)
    return out


def pending_pod_name(seed: int) -> str:
    return f"p{seed}"


def gen_pending_pod(seed: int, cluster: Cluster, classes: Classes = DEFAULT_CLASSES) -> dict[str, Any]:
    rng = random.Random(seed * 104729 + 3)
    ns = rng.choice(namespaces_of(cluster.cid))
    host_ports = [_host_port(rng) for _ in range(rng.randint(1, 2))] if rng.random() < 0.2 else None
    if host_ports:
        for k, p in enumerate(host_ports):
            p["name"] = f"hp{k}"
        seen = set()
        host_ports = [
            p
            for p in host_ports
            if (p["hostPort"], p.get("protocol", "TCP")) not in seen
            and not seen.add((p["hostPort"], p.get("protocol", "TCP")))
        ]
    containers = [_container(rng, "main", allow_ext=True, big=True, ports=host_ports)]
    for k in range(rng.choice((0, 0, 0, 1, 2))):
        containers.append(_container(rng, f"c{k}", allow_ext=False, big=rng.random() < 0.3))
    spec: dict[str, Any] = {"containers": containers, "terminationGracePeriodSeconds": 0}
    inits = []
    if rng.random() < 0.3:
        for k in range(rng.randint(1, 2)):
            inits.append(_container(rng, f"init{k}", allow_ext=False, big=rng.random() < 0.5))
    if classes.sidecars and rng.random() < 0.25:
        for k in range(rng.randint(1, 2)):
            sc = _container(rng, f"sidecar{k}", allow_ext=False)
            sc["restartPolicy"] = "Always"
            inits.insert(rng.randint(0, len(inits)), sc)
    if inits:
        spec["initContainers"] = inits
    if classes.exact_fit and rng.random() < 0.15:
        _exact_fit(rng, spec, cluster)
    if classes.pod_level_resources:  # its own stream: switching the class leaves every other draw alone
        prng = random.Random(seed * 7 + 1)
        if prng.random() < 0.25:
            _pod_level(prng, spec)
    _maybe_overhead_and_host_network(rng, spec, classes)
    if rng.random() < 0.3:
        sel = {}
        for key in rng.sample((ZONE, "disk", "tier"), rng.randint(1, 2)):
            sel[key] = {
                ZONE: rng.choice(_ZONES),
                "disk": rng.choice(("ssd", "hdd")),
                "tier": rng.choice(("gold", "silver", "bronze")),
            }[key]
        spec["nodeSelector"] = sel
    affinity: dict[str, Any] = {}
    if rng.random() < 0.35:
        terms = []
        for _ in range(rng.randint(1, 2)):
            term: dict[str, Any] = {}
            exprs = [_node_requirement(rng) for _ in range(rng.randint(1, 3))]
            if exprs and rng.random() < 0.95:
                term["matchExpressions"] = exprs
            if classes.match_fields and rng.random() < 0.12:
                names = [n["metadata"]["name"] for n in cluster.nodes]
                term["matchFields"] = [
                    {
                        "key": "metadata.name",
                        "operator": rng.choice(("In", "In", "NotIn")),
                        "values": [rng.choice(names)],  # the API allows exactly one
                    }
                ]
            terms.append(term)
        affinity["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}
        }
    if rng.random() < 0.25:
        affinity["podAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                _pod_term(rng, ns) for _ in range(rng.randint(1, 2))
            ]
        }
    if rng.random() < 0.25:
        affinity["podAntiAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                _pod_term(rng, ns) for _ in range(rng.randint(1, 2))
            ]
        }
    if affinity:
        spec["affinity"] = affinity
    if rng.random() < 0.5:
        spec["tolerations"] = _tolerations(rng, cluster)
    if classes.hugepages or classes.init_extended:  # streams of their own: the other draws stay as they were
        hrng = random.Random(seed * 17 + 3)
        if classes.hugepages and hrng.random() < 0.12:
            _request_hugepages(hrng, hrng.choice(spec["containers"] + spec.get("initContainers", [])))
        if classes.init_extended and spec.get("initContainers") and hrng.random() < 0.3:
            # an init step that needs more of the extended resource than the app: the pod needs the max
            init = hrng.choice(spec["initContainers"])
            n = str(hrng.randint(1, 4))
            res = init.setdefault("resources", {})
            res.setdefault("requests", {})[EXT] = n
            res.setdefault("limits", {})[EXT] = n
    if classes.volumes:
        vrng = random.Random(seed * 13 + 7)
        claims = [c["metadata"]["name"] for c in cluster.pvcs if c["metadata"]["namespace"] == ns]
        if vrng.random() < 0.35 and (claims or vrng.random() < 0.3):
            names = vrng.sample(claims, min(len(claims), vrng.randint(1, 2))) if claims else ["missing"]
            spec["volumes"] = [
                {"name": f"v{k}", "persistentVolumeClaim": {"claimName": c}} for k, c in enumerate(names)
            ]
    labels = _labels(rng)
    if classes.topology_spread and rng.random() < 0.3:
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": rng.randint(1, 2),
                "topologyKey": rng.choice((ZONE, HOST)),
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": rng.choice((labels["app"],) + _APPS)}},
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pending_pod_name(seed), "namespace": ns, "labels": labels},
        "spec": spec,
    }


def _exact_fit(rng: random.Random, spec: dict[str, Any], cluster: Cluster) -> None:
    """Aim the main container at exactly the free cpu or memory of one node (the scheduler fits a request
    equal to what is free and rejects one unit more); the node's pods are summed roughly (containers only),
    so the aim may be a little off, which is fine: the scheduler decides."""
    from k8s_agent.analysis.resources import nano  # noqa: PLC0415

    node = rng.choice(cluster.nodes)
    name = node["metadata"]["name"]
    res = rng.choice(("cpu", "memory"))
    free = nano(node["status"]["allocatable"][res]) or 0
    for p in cluster.pods:
        if p["spec"].get("nodeName") == name:
            for c in p["spec"]["containers"]:
                r = c.get("resources", {})
                q = r.get("requests", {}).get(res) or r.get("limits", {}).get(res)
                free -= (nano(q) or 0) if q else 0
    free += rng.choice((0, 0, 1, -1)) * (1_000_000 if res == "cpu" else 1_000_000_000)
    if free <= 0:
        return
    value = f"{free // 1_000_000}m" if res == "cpu" else str(free // 1_000_000_000)
    main = spec["containers"][0]
    main.setdefault("resources", {}).setdefault("requests", {})[res] = value
    if res in main["resources"].get("limits", {}):
        main["resources"]["limits"][res] = value


def _pod_level(rng: random.Random, spec: dict[str, Any]) -> None:
    """Pod-level requests no smaller than the containers' sum (API validation), cpu and/or memory."""
    from k8s_agent.analysis.resources import nano  # noqa: PLC0415 - only when the class is on

    total: dict[str, int] = {}
    # every container summed: an upper bound of the effective request the API validates against
    for c in spec["containers"] + spec.get("initContainers", []):
        res = c.get("resources", {})
        for k, v in {
            **res.get("limits", {}),
            **res.get("requests", {}),
        }.items():  # requests default to limits
            if k in ("cpu", "memory"):
                total[k] = total.get(k, 0) + (nano(v) or 0)
    req = {}
    if rng.random() < 0.8:
        milli = -(-total.get("cpu", 0) // 1_000_000) + rng.choice((0, 100, 500, 1000))
        req["cpu"] = f"{max(milli, 100)}m"
    if rng.random() < 0.8:
        mib = -(-total.get("memory", 0) // (1024 * 1024 * 1_000_000_000)) + rng.choice((0, 128, 1024))
        req["memory"] = f"{max(mib, 64)}Mi"
    if req:
        spec["resources"] = {"requests": req}


@dataclass
class Case:
    seed: int
    cluster: Cluster
    pod: dict[str, Any]


_CLUSTERS: dict[tuple[int, Classes], Cluster] = {}


def gen_case(seed: int, classes: Classes = DEFAULT_CLASSES) -> Case:
    cid = seed // BATCH
    key = (cid, classes)
    cluster = _CLUSTERS.get(key)
    if cluster is None:
        if len(_CLUSTERS) > 64:
            _CLUSTERS.clear()
        cluster = _CLUSTERS[key] = gen_cluster(cid, classes)
    return Case(seed, cluster, gen_pending_pod(seed, cluster, classes))


def case_yaml(case: Case, nodes: list[str] | None = None) -> str:
    """The case as one YAML stream (namespaces, nodes with their status, existing pods, the pending pod);
    ``nodes`` limits it to those nodes and their pods (a shrunk case)."""
    import yaml  # noqa: PLC0415

    keep = set(nodes) if nodes is not None else None
    docs: list[Any] = list(case.cluster.namespaces) + case.cluster.pvs + case.cluster.pvcs
    docs += [n for n in case.cluster.nodes if keep is None or n["metadata"]["name"] in keep]
    if any("runtimeClassName" in p["spec"] for p in [*case.cluster.pods, case.pod]):
        docs.insert(0, RUNTIME_CLASS)
    for p in case.cluster.pods:
        if keep is None or p["spec"].get("nodeName") in keep or not p["spec"].get("nodeName"):
            key = f"{p['metadata']['namespace']}/{p['metadata']['name']}"
            if key in case.cluster.terminated:
                p = {**p, "status": {"phase": "Succeeded"}}
            if key in case.cluster.terminating:
                p = {**p, "metadata": {**p["metadata"], "deletionTimestamp": "(deleted after creation)"}}
            docs.append(p)
    docs.append(case.pod)
    return f"# differential case seed={case.seed}\n" + yaml.safe_dump_all(docs, sort_keys=False)
