#!/usr/bin/env python3
"""Check that a cluster dump (``src/k8s_agent/demo/cluster/`` by default) is internally consistent.

Reads only the JSON files, never the generator, and re-derives what a real cluster would have made true:

* every file is a ``kubectl get -o json`` List; uids are unique; every object validates against the
  Kubernetes v1.33 OpenAPI schema in strict mode (when ``kubernetes-validate`` is installed);
* owner chains: every ownerReference resolves (kind, name, uid) and there is exactly one controller;
  ReplicaSet/Deployment/StatefulSet/DaemonSet/Job status counts match the pods they own;
* pods: nodeName exists, hostIP is the node's InternalIP, podIP lies in the node's podCIDR (hostNetwork pods
  use the node IP), no two live pods share an IP, status names match spec containers, qosClass and priority
  are what admission would compute, PVCs exist and are bound to a PV that points back;
* capacity: the requests of non-terminated pods on each node fit its allocatable (cpu, memory, pods, GPUs);
* scheduling: the FailedScheduling text of every unschedulable pod is re-derived with a small model of the
  default scheduler (filters in order, lexicographically sorted reasons, preemption summary) and must equal the
  pod's PodScheduled condition message and its latest FailedScheduling event; a pod unschedulable for memory
  (and not nominated for preemption) must request more memory than any node has free;
* events: both core/v1 shapes are well formed, every pod event points at a current pod by uid, or - for a pod
  re-created under the same name - ends before the current pod was created; kubelet events come from the
  pod's node; nothing is older than the 1h event TTL;
* time: no timestamp is after capturedAt (except deletionTimestamp, which is the end of a grace period);
* metrics: one NodeMetrics per Ready node and none for a NotReady node; ResourceQuota usage is the sum of the
  namespace's live pods' limits.

    .venv/bin/python scripts/check_demo_cluster.py [src/k8s_agent/demo/cluster]
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "src" / "k8s_agent" / "demo" / "cluster"
LIST_FILES = [
    "namespaces.json",
    "nodes.json",
    "pods.json",
    "deployments.json",
    "replicasets.json",
    "statefulsets.json",
    "daemonsets.json",
    "jobs.json",
    "persistentvolumeclaims.json",
    "persistentvolumes.json",
    "resourcequotas.json",
    "controllerrevisions.json",
    "cronjobs.json",
    "events.json",
]
KNOWN_PRIORITY = {"": 0, "system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
TERMINAL = ("Succeeded", "Failed")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


# ============================================================================================ quantities
_BIN = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DEC = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def qty(v: str | int, resource: str) -> int:
    """cpu -> millicores, everything else -> integer base units."""
    v = str(v)
    if resource == "cpu":
        if v.endswith("m"):
            return int(v[:-1])
        if v.endswith("n"):
            return int(v[:-1]) // 1_000_000
        return int(round(float(v) * 1000))
    for suf, mul in _BIN.items():
        if v.endswith(suf):
            return int(float(v[: -len(suf)]) * mul)
    for suf, mul in _DEC.items():
        if v.endswith(suf):
            return int(float(v[: -len(suf)]) * mul)
    return int(v)


def gib(b: int) -> str:
    return f"{b / 2**30:.2f}Gi"


def parse_ts(s: str) -> datetime:
    if "." in s:
        head, frac = s[:-1].split(".")
        return datetime.strptime(f"{head}.{frac[:6]:0<6}Z", "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# ============================================================================================ pod helpers
def pod_requests(pod: dict) -> dict[str, int]:
    """Effective requests as the scheduler computes them: max(sum(containers), max(init containers))."""
    total: dict[str, int] = defaultdict(int)
    for c in pod["spec"]["containers"]:
        for r, v in c.get("resources", {}).get("requests", {}).items():
            total[r] += qty(v, r)
    for c in pod["spec"].get("initContainers", []):
        for r, v in c.get("resources", {}).get("requests", {}).items():
            total[r] = max(total[r], qty(v, r))
    total["pods"] = 1
    return dict(total)


def pod_limits(pod: dict) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for c in pod["spec"]["containers"]:
        for r, v in c.get("resources", {}).get("limits", {}).items():
            total[r] += qty(v, r)
    for c in pod["spec"].get("initContainers", []):
        for r, v in c.get("resources", {}).get("limits", {}).items():
            total[r] = max(total[r], qty(v, r))
    return dict(total)


def qos(pod: dict) -> str:
    cs = pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
    any_set, guaranteed = False, True
    for c in cs:
        req, lim = c.get("resources", {}).get("requests", {}), c.get("resources", {}).get("limits", {})
        any_set |= bool(req or lim)
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and qty(req[r], r) != qty(lim[r], r)):
                guaranteed = False
    return "BestEffort" if not any_set else ("Guaranteed" if guaranteed else "Burstable")


def live(pod: dict) -> bool:
    return pod["status"].get("phase") not in TERMINAL


def tolerates(tols: list, taint: dict) -> bool:
    for t in tols:
        if t.get("effect") and t["effect"] != taint["effect"]:
            continue
        op = t.get("operator", "Equal")
        if op == "Exists":
            if not t.get("key") or t["key"] == taint["key"]:
                return True
        elif t.get("key") == taint["key"] and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def match_expr(expr: dict, labels: dict) -> bool:
    op, key, vals = expr["operator"], expr["key"], expr.get("values", [])
    if op == "In":
        return key in labels and labels[key] in vals
    if op == "NotIn":
        return key not in labels or labels[key] not in vals
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt"):
        return key in labels and (
            int(labels[key]) > int(vals[0]) if op == "Gt" else int(labels[key]) < int(vals[0])
        )
    raise ValueError(op)


def node_selector_terms_match(terms: list, node: dict) -> bool:
    labels = node["metadata"].get("labels", {})
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in terms:
        if all(match_expr(e, labels) for e in term.get("matchExpressions", [])) and all(
            match_expr(e, fields) for e in term.get("matchFields", [])
        ):
            return True
    return False


# ============================================================================================ scheduler model
class Cluster:
    def __init__(self, d: dict[str, dict]):
        self.nodes = {n["metadata"]["name"]: n for n in d["nodes.json"]["items"]}
        self.pods = d["pods.json"]["items"]
        self.pvcs = {
            (p["metadata"]["namespace"], p["metadata"]["name"]): p
            for p in d["persistentvolumeclaims.json"]["items"]
        }
        self.pvs = {p["metadata"]["name"]: p for p in d["persistentvolumes.json"]["items"]}

    def used(
        self,
        node: str,
        exclude: dict | None = None,
        without: set | None = None,
        nominated_for: dict | None = None,
    ) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.pods:
            if p is exclude or (without and p["metadata"]["uid"] in without):
                continue
            on_node = p["spec"].get("nodeName") == node and live(p)
            nominated = (
                nominated_for is not None
                and not p["spec"].get("nodeName")
                and p["status"].get("nominatedNodeName") == node
                and p["spec"].get("priority", 0) >= nominated_for["spec"].get("priority", 0)
            )
            if on_node or nominated:
                for r, v in pod_requests(p).items():
                    out[r] += v
        return dict(out)

    def free(self, node: str) -> dict[str, int]:
        alloc = {r: qty(v, r) for r, v in self.nodes[node]["status"]["allocatable"].items()}
        used = self.used(node)
        return {r: alloc[r] - used.get(r, 0) for r in alloc}

    def filter(
        self, pod: dict, node: dict, *, ignore_taints: frozenset = frozenset(), without: set | None = None
    ) -> tuple[list[str], bool]:
        """Return (reasons, resolvable) for one node, stopping at the first failing plugin like the scheduler."""
        spec = pod["spec"]
        tols = spec.get("tolerations", [])
        if node["spec"].get("unschedulable") and not tolerates(
            tols, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
        ):
            return ["node(s) were unschedulable"], False
        for t in node["spec"].get("taints", []):
            if t["key"] in ignore_taints or t["effect"] not in ("NoSchedule", "NoExecute"):
                continue
            if not tolerates(tols, t):
                return [f"node(s) had untolerated taint {{{t['key']}: {t.get('value', '')}}}"], False
        labels = node["metadata"].get("labels", {})
        sel_ok = all(labels.get(k) == v for k, v in spec.get("nodeSelector", {}).items())
        req = (
            spec.get("affinity", {})
            .get("nodeAffinity", {})
            .get("requiredDuringSchedulingIgnoredDuringExecution")
        )
        if not sel_ok or (req and not node_selector_terms_match(req["nodeSelectorTerms"], node)):
            return ["node(s) didn't match Pod's node affinity/selector"], False
        name = node["metadata"]["name"]
        alloc = {r: qty(v, r) for r, v in node["status"]["allocatable"].items()}
        used = self.used(name, exclude=pod, without=without, nominated_for=pod)
        want = pod_requests(pod)
        reasons = []
        if used.get("pods", 0) + 1 > alloc.get("pods", 0):
            reasons.append("Too many pods")
        for r in ["cpu", "memory", "ephemeral-storage"] + sorted(k for k in want if "/" in k):
            if want.get(r, 0) and used.get(r, 0) + want[r] > alloc.get(r, 0):
                reasons.append(f"Insufficient {r}")
        if reasons:
            return reasons, True
        for v in spec.get("volumes", []):
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if not claim:
                continue
            pvc = self.pvcs.get((pod["metadata"]["namespace"], claim))
            pv = self.pvs.get(pvc["spec"].get("volumeName", "")) if pvc else None
            if pv:
                terms = pv["spec"].get("nodeAffinity", {}).get("required", {}).get("nodeSelectorTerms")
                if terms and not node_selector_terms_match(terms, node):
                    return ["node(s) had volume node affinity conflict"], False
        return [], True

    def fit_error(self, pod: dict, *, ignore_taints: frozenset = frozenset()) -> tuple[str, str | None]:
        """The FitError message the default scheduler would write, and the node preemption would nominate."""
        n = len(self.nodes)
        per_node = {
            name: self.filter(pod, node, ignore_taints=ignore_taints) for name, node in self.nodes.items()
        }
        if any(not r for r, _ in per_node.values()):
            return "", None  # fits somewhere: not unschedulable
        counts = Counter(r for rs, _ in per_node.values() for r in rs)
        msg = f"0/{n} nodes are available: " + ", ".join(sorted(f"{c} {r}" for r, c in counts.items())) + "."
        if pod["spec"].get("preemptionPolicy") == "Never":
            return msg + " preemption: not eligible due to preemptionPolicy=Never.", None
        prio = pod["spec"].get("priority", 0)
        post: Counter = Counter()
        nominated = None
        for name, (_reasons, resolvable) in per_node.items():
            if not resolvable:
                post["Preemption is not helpful for scheduling"] += 1
                continue
            victims = {
                p["metadata"]["uid"]
                for p in self.pods
                if p["spec"].get("nodeName") == name and live(p) and p["spec"].get("priority", 0) < prio
            }
            if not victims:
                post["No preemption victims found for incoming pod"] += 1
                continue
            again, _ = self.filter(pod, self.nodes[name], ignore_taints=ignore_taints, without=victims)
            if again:
                for r in again:
                    post[r] += 1
            elif nominated is None:
                nominated = name
        if nominated:
            return msg, nominated
        return msg + f" preemption: 0/{n} nodes are available: " + ", ".join(
            sorted(f"{c} {r}" for r, c in post.items())
        ) + ".", None


# ============================================================================================ the checks
class Checker:
    def __init__(self, d: dict[str, dict], captured: datetime):
        self.d = d
        self.T = captured
        self.errors: list[str] = []
        self.notes: list[str] = []

    def err(self, msg: str) -> None:
        self.errors.append(msg)

    def expect(self, cond: bool, msg: str) -> None:
        if not cond:
            self.err(msg)


def check(
    dirpath: Path | str = DEFAULT_DIR,
    *,
    expected_fit: dict | None = None,
    expected_fit_before: dict | None = None,
    verbose: bool = True,
) -> int:
    dirpath = Path(dirpath)
    meta = json.loads((dirpath / "meta.json").read_text())
    T = parse_ts(meta["capturedAt"])
    d = {f: json.loads((dirpath / f).read_text()) for f in LIST_FILES}
    d["nodemetrics.json"] = json.loads((dirpath / "nodemetrics.json").read_text())
    pm_path = dirpath / "podmetrics.json"
    d["podmetrics.json"] = json.loads(pm_path.read_text()) if pm_path.exists() else {"items": []}
    c = Checker(d, T)
    cl = Cluster(d)

    # ------------------------------------------------------------------ shapes, uids, schema
    uids: dict[str, str] = {}
    by_kind: dict[tuple[str, str, str], dict] = {}
    by_uid: dict[str, dict] = {}
    for f in LIST_FILES:
        doc = d[f]
        c.expect(
            doc.get("apiVersion") == "v1"
            and doc.get("kind") == "List"
            and doc.get("metadata") == {"resourceVersion": ""},
            f"{f}: not a kubectl List",
        )
        for o in doc["items"]:
            m = o["metadata"]
            for k in ("name", "uid", "resourceVersion", "creationTimestamp"):
                c.expect(k in m, f"{f}: {m.get('name')} has no metadata.{k}")
            c.expect(o.get("apiVersion") and o.get("kind"), f"{f}: {m.get('name')} lacks apiVersion/kind")
            if m["uid"] in uids:
                c.err(f"duplicate uid {m['uid']}: {uids[m['uid']]} and {o['kind']}/{m['name']}")
            uids[m["uid"]] = f"{o['kind']}/{m.get('namespace', '')}/{m['name']}"
            by_kind[(o["kind"], m.get("namespace", ""), m["name"])] = o
            by_uid[m["uid"]] = o
    try:
        import kubernetes_validate  # noqa: PLC0415

        n_valid = 0
        for f in LIST_FILES:
            for o in d[f]["items"]:
                try:
                    kubernetes_validate.validate(o, "1.33.0", strict=True)
                    n_valid += 1
                except Exception as e:  # ValidationError, InvalidSchemaError
                    c.err(f"schema (v1.33 strict): {o['kind']}/{o['metadata']['name']}: {str(e)[:300]}")
        c.notes.append(f"{n_valid} objects validated against the v1.33 OpenAPI schema (strict)")
    except ImportError:
        c.notes.append("kubernetes-validate not installed: schema validation skipped")

    namespaces = {o["metadata"]["name"]: o for o in d["namespaces.json"]["items"]}
    nodes = cl.nodes
    pods = d["pods.json"]["items"]

    # ------------------------------------------------------------------ owners
    for f in LIST_FILES:
        for o in d[f]["items"]:
            m = o["metadata"]
            ns = m.get("namespace", "")
            if ns:
                c.expect(ns in namespaces, f"{o['kind']}/{ns}/{m['name']}: namespace {ns} missing")
                if ns in namespaces and o["kind"] != "Event":
                    c.expect(
                        parse_ts(m["creationTimestamp"])
                        >= parse_ts(namespaces[ns]["metadata"]["creationTimestamp"]),
                        f"{o['kind']}/{ns}/{m['name']} created before its namespace",
                    )
            refs = m.get("ownerReferences", [])
            if refs:
                c.expect(
                    sum(1 for r in refs if r.get("controller")) == 1,
                    f"{o['kind']}/{m['name']}: needs exactly one controller ownerReference",
                )
            for r in refs:
                owner_ns = "" if r["kind"] == "Node" else ns
                owner = by_kind.get((r["kind"], owner_ns, r["name"]))
                if owner is None:
                    c.err(f"{o['kind']}/{ns}/{m['name']}: owner {r['kind']}/{r['name']} not in the dump")
                    continue
                c.expect(owner["metadata"]["uid"] == r["uid"], f"{o['kind']}/{m['name']}: owner uid mismatch")
                c.expect(owner["apiVersion"] == r["apiVersion"], f"{o['kind']}/{m['name']}: owner apiVersion")
                c.expect(
                    parse_ts(owner["metadata"]["creationTimestamp"]) <= parse_ts(m["creationTimestamp"]),
                    f"{o['kind']}/{m['name']}: created before its owner {r['kind']}/{r['name']}",
                )

    def owned(kind: str, owner: dict) -> list[dict]:
        return [
            o
            for o in d[kind]["items"]
            if any(r["uid"] == owner["metadata"]["uid"] for r in o["metadata"].get("ownerReferences", []))
        ]

    # ------------------------------------------------------------------ workload status vs pods
    active = lambda p: live(p) and not p["metadata"].get("deletionTimestamp")  # noqa: E731
    for rs in d["replicasets.json"]["items"]:
        name = rs["metadata"]["name"]
        h = rs["metadata"]["labels"].get("pod-template-hash")
        c.expect(
            h and name.endswith("-" + h), f"ReplicaSet {name}: pod-template-hash label {h} not its suffix"
        )
        ps = [p for p in owned("pods.json", rs) if active(p)]
        c.expect(
            rs["status"]["replicas"] == len(ps),
            f"ReplicaSet {name}: status.replicas {rs['status']['replicas']} != {len(ps)} active pods",
        )
        ready = sum(
            1
            for p in ps
            if any(x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", []))
        )
        c.expect(
            rs["status"].get("readyReplicas", 0) == ready, f"ReplicaSet {name}: readyReplicas != {ready}"
        )
        for p in owned("pods.json", rs):
            c.expect(
                p["metadata"]["labels"].get("pod-template-hash") == h,
                f"pod {p['metadata']['name']}: hash label",
            )
            c.expect(
                p["metadata"]["name"].startswith(name + "-"),
                f"pod {p['metadata']['name']} not named after {name}",
            )
            c.expect(
                p["spec"]["containers"][0]["image"]
                == rs["spec"]["template"]["spec"]["containers"][0]["image"],
                f"pod {p['metadata']['name']}: image differs from its ReplicaSet template",
            )
    for dep in d["deployments.json"]["items"]:
        rss = owned("replicasets.json", dep)
        c.expect(
            dep["status"]["replicas"] == sum(r["status"]["replicas"] for r in rss),
            f"Deployment {dep['metadata']['name']}: status.replicas != sum of its ReplicaSets",
        )
        rev = dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        new = [r for r in rss if r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == rev]
        c.expect(len(new) == 1, f"Deployment {dep['metadata']['name']}: no ReplicaSet at revision {rev}")
        if new:
            c.expect(
                dep["status"]["updatedReplicas"] == new[0]["status"]["replicas"],
                f"Deployment {dep['metadata']['name']}: updatedReplicas != new ReplicaSet replicas",
            )
            c.expect(
                new[0]["spec"]["template"]["spec"] == dep["spec"]["template"]["spec"],
                f"Deployment {dep['metadata']['name']}: template differs from its newest ReplicaSet",
            )
    for sts in d["statefulsets.json"]["items"]:
        ps = owned("pods.json", sts)
        c.expect(
            sts["status"]["replicas"] == len(ps) == sts["spec"]["replicas"],
            f"StatefulSet {sts['metadata']['name']}: replicas vs pods",
        )
        c.expect(
            sorted(p["metadata"]["name"] for p in ps)
            == [f"{sts['metadata']['name']}-{i}" for i in range(sts["spec"]["replicas"])],
            f"StatefulSet {sts['metadata']['name']}: pod ordinals",
        )
    for ds in d["daemonsets.json"]["items"]:
        ps = owned("pods.json", ds)
        tpl = ds["spec"]["template"]["spec"]
        eligible = [
            n
            for n in nodes.values()
            if all(n["metadata"]["labels"].get(k) == v for k, v in tpl.get("nodeSelector", {}).items())
        ]
        c.expect(
            ds["status"]["desiredNumberScheduled"] == len(eligible) == len(ps),
            f"DaemonSet {ds['metadata']['name']}: desired {ds['status']['desiredNumberScheduled']}, "
            f"eligible nodes {len(eligible)}, pods {len(ps)}",
        )
        c.expect(
            sorted(p["spec"]["nodeName"] for p in ps) == sorted(n["metadata"]["name"] for n in eligible),
            f"DaemonSet {ds['metadata']['name']}: not one pod per eligible node",
        )
    for j in d["jobs.json"]["items"]:
        ps = owned("pods.json", j)
        st = j["status"]
        c.expect(
            st.get("active", 0) == sum(1 for p in ps if active(p)), f"Job {j['metadata']['name']}: active"
        )
        c.expect(
            st.get("terminating", 0)
            == sum(1 for p in ps if p["metadata"].get("deletionTimestamp") and live(p)),
            f"Job {j['metadata']['name']}: terminating",
        )
        c.expect(
            st.get("succeeded", 0) == sum(1 for p in ps if p["status"]["phase"] == "Succeeded"),
            f"Job {j['metadata']['name']}: succeeded",
        )
        c.expect(
            st.get("failed", 0) == sum(1 for p in ps if p["status"]["phase"] == "Failed"),
            f"Job {j['metadata']['name']}: failed",
        )

    # pods are instances of their controller's template (admission only adds tokens, tolerations, priority)
    for kind in ("replicasets.json", "statefulsets.json", "daemonsets.json", "jobs.json"):
        for w in d[kind]["items"]:
            tpl = {x["name"]: x for x in w["spec"]["template"]["spec"]["containers"]}
            for p in owned("pods.json", w):
                for x in p["spec"]["containers"]:
                    t = tpl.get(x["name"])
                    same = t is not None and all(
                        x.get(k) == t.get(k)
                        for k in ("image", "resources", "env", "ports", "command", "args")
                    )
                    c.expect(
                        same,
                        f"pod {p['metadata']['name']}: container {x['name']} differs from its "
                        f"{w['kind']} template",
                    )

    # ------------------------------------------------------------------ pods
    seen_ips: dict[str, str] = {}
    for p in pods:
        m, spec, st = p["metadata"], p["spec"], p["status"]
        ident = f"pod {m['namespace']}/{m['name']}"
        node = spec.get("nodeName")
        sched = next((x for x in st.get("conditions", []) if x["type"] == "PodScheduled"), None)
        c.expect(sched is not None, f"{ident}: no PodScheduled condition")
        if node:
            c.expect(node in nodes, f"{ident}: nodeName {node} does not exist")
            c.expect(sched and sched["status"] == "True", f"{ident}: scheduled but PodScheduled != True")
            if node in nodes:
                nip = next(
                    a["address"] for a in nodes[node]["status"]["addresses"] if a["type"] == "InternalIP"
                )
                c.expect(
                    st.get("hostIP") == nip and st.get("hostIPs") == [{"ip": nip}],
                    f"{ident}: hostIP != {nip}",
                )
                if st.get("podIP"):
                    c.expect(st.get("podIPs") == [{"ip": st["podIP"]}], f"{ident}: podIPs")
                    if spec.get("hostNetwork"):
                        c.expect(st["podIP"] == nip, f"{ident}: hostNetwork pod IP != node IP")
                    else:
                        cidr = ipaddress.ip_network(nodes[node]["spec"]["podCIDR"])
                        c.expect(ipaddress.ip_address(st["podIP"]) in cidr, f"{ident}: podIP not in {cidr}")
                        if live(p):
                            c.expect(
                                st["podIP"] not in seen_ips,
                                f"{ident}: podIP {st['podIP']} also used by {seen_ips.get(st['podIP'])}",
                            )
                            seen_ips[st["podIP"]] = ident
            c.expect(
                parse_ts(st["startTime"]) >= parse_ts(m["creationTimestamp"]),
                f"{ident}: startTime < creation",
            )
        else:
            c.expect(
                sched and sched["status"] == "False", f"{ident}: not scheduled but PodScheduled != False"
            )
            c.expect(
                "containerStatuses" not in st and "hostIP" not in st,
                f"{ident}: unscheduled pod has node status",
            )
            if spec.get("schedulingGates"):
                c.expect(
                    sched["reason"] == "SchedulingGated", f"{ident}: gated but reason {sched.get('reason')}"
                )
        c.expect(st.get("qosClass") == qos(p), f"{ident}: qosClass {st.get('qosClass')} != {qos(p)}")
        pc = spec.get("priorityClassName", "")
        if pc in KNOWN_PRIORITY:
            c.expect(spec.get("priority") == KNOWN_PRIORITY[pc], f"{ident}: priority for {pc}")
        for key, sk in (("containers", "containerStatuses"), ("initContainers", "initContainerStatuses")):
            if sk in st:
                c.expect(
                    [x["name"] for x in spec.get(key, [])] == [x["name"] for x in st[sk]],
                    f"{ident}: {sk} names != spec.{key}",
                )
                for cs in st[sk]:
                    img = next(x["image"] for x in spec[key] if x["name"] == cs["name"])
                    c.expect(
                        cs["image"].endswith(img) or cs["image"] == img,
                        f"{ident}: status image {cs['image']}",
                    )
                    if cs["restartCount"]:
                        c.expect(
                            "terminated" in cs.get("lastState", {}), f"{ident}: restarts but no lastState"
                        )
        if st.get("phase") == "Running":
            c.expect(
                all("running" in x["state"] or "waiting" in x["state"] for x in st["containerStatuses"]),
                f"{ident}: Running with terminated containers",
            )
        for v in spec.get("volumes", []):
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim:
                pvc = cl.pvcs.get((m["namespace"], claim))
                c.expect(
                    pvc is not None and pvc["status"]["phase"] == "Bound",
                    f"{ident}: PVC {claim} missing/unbound",
                )
        if m.get("deletionTimestamp"):
            c.expect("deletionGracePeriodSeconds" in m, f"{ident}: deletionTimestamp without grace period")

    # ------------------------------------------------------------------ PVC <-> PV
    for (ns, name), pvc in cl.pvcs.items():
        pv = cl.pvs.get(pvc["spec"].get("volumeName", ""))
        c.expect(pv is not None, f"PVC {ns}/{name}: volume {pvc['spec'].get('volumeName')} missing")
        if pv:
            ref = pv["spec"]["claimRef"]
            c.expect(
                (ref["namespace"], ref["name"], ref["uid"]) == (ns, name, pvc["metadata"]["uid"]),
                f"PV {pv['metadata']['name']}: claimRef does not point back to {ns}/{name}",
            )
            c.expect(pv["metadata"]["name"] == f"pvc-{pvc['metadata']['uid']}", f"PV name for {ns}/{name}")

    # ------------------------------------------------------------------ capacity
    report = {}
    for name, node in nodes.items():
        alloc = {r: qty(v, r) for r, v in node["status"]["allocatable"].items()}
        used = cl.used(name)
        for r, v in used.items():
            c.expect(v <= alloc.get(r, 0), f"node {name}: {r} requests {v} > allocatable {alloc.get(r, 0)}")
        report[name] = (alloc, used)

    # ------------------------------------------------------------------ scheduling messages
    expected_fit = expected_fit or {}
    events = d["events.json"]["items"]
    for p in pods:
        m = p["metadata"]
        sched = next(x for x in p["status"]["conditions"] if x["type"] == "PodScheduled")
        if sched.get("reason") != "Unschedulable":
            continue
        ident = f"{m['namespace']}/{m['name']}"
        msg, nominated = cl.fit_error(p)
        c.expect(
            msg == sched["message"],
            f"pod {ident}: PodScheduled message is not what the scheduler would say\n"
            f"    dump:     {sched['message']}\n    computed: {msg}",
        )
        c.expect(
            nominated == p["status"].get("nominatedNodeName"),
            f"pod {ident}: nominatedNodeName {p['status'].get('nominatedNodeName')} but preemption -> {nominated}",
        )
        if (m["namespace"], m["name"]) in expected_fit:
            c.expect(
                expected_fit[(m["namespace"], m["name"])] == sched["message"],
                f"pod {ident}: message differs from the generator's hand-written one",
            )
        if expected_fit_before and (m["namespace"], m["name"]) in expected_fit_before:
            before, _ = cl.fit_error(p, ignore_taints=frozenset({"node.kubernetes.io/unreachable"}))
            c.expect(
                before == expected_fit_before[(m["namespace"], m["name"])],
                f"pod {ident}: pre-NotReady message\n    expected: "
                f"{expected_fit_before[(m['namespace'], m['name'])]}\n    computed: {before}",
            )
        fs = [
            e
            for e in events
            if e["involvedObject"].get("uid") == m["uid"] and e["reason"] == "FailedScheduling"
        ]
        c.expect(bool(fs), f"pod {ident}: no FailedScheduling event")
        if fs:
            latest = max(fs, key=lambda e: last_seen(e))
            c.expect(
                latest["message"] == sched["message"],
                f"pod {ident}: latest FailedScheduling event != condition",
            )
        if "Insufficient memory" in sched["message"] and not p["status"].get("nominatedNodeName"):
            want = pod_requests(p)["memory"]
            frees = {n: cl.free(n)["memory"] for n in nodes}
            c.expect(
                all(want > f for f in frees.values()),
                f"pod {ident}: requests {gib(want)} but some node has that much free: {frees}",
            )
            c.notes.append(
                f"{ident} requests {gib(want)} memory; most free on any node: "
                f"{gib(max(frees.values()))} ({max(frees, key=frees.get)})"
            )

    # ------------------------------------------------------------------ events
    pods_by_name = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in pods}
    stale = 0
    dup = [
        k
        for k, v in Counter((e["metadata"]["namespace"], e["metadata"]["name"]) for e in events).items()
        if v > 1
    ]
    c.expect(not dup, f"duplicate event names: {dup}")
    for e in events:
        io = e["involvedObject"]
        ident = f"event {e['metadata']['namespace']}/{e['metadata']['name']} ({e['reason']})"
        c.expect(e["metadata"]["name"].startswith(io["name"] + "."), f"{ident}: name is not <object>.<hex>")
        c.expect(e["kind"] == "Event" and e["apiVersion"] == "v1", f"{ident}: kind/apiVersion")
        c.expect(e["type"] in ("Normal", "Warning"), f"{ident}: type")
        if e.get("eventTime"):  # events.k8s.io shape
            c.expect(
                e.get("firstTimestamp") is None and e.get("lastTimestamp") is None and not e.get("count"),
                f"{ident}: events.k8s.io shape must have null first/last timestamps and no count",
            )
            c.expect(
                e.get("source") == {} and e.get("reportingComponent") and e.get("action"),
                f"{ident}: events.k8s.io shape needs empty source, reportingComponent and action",
            )
            c.expect(
                re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", e["eventTime"]) is not None,
                f"{ident}: eventTime must carry microseconds",
            )
            if e.get("series"):
                c.expect(
                    e["series"]["count"] >= 2
                    and parse_ts(e["series"]["lastObservedTime"]) >= parse_ts(e["eventTime"]),
                    f"{ident}: series",
                )
        else:
            c.expect(e.get("eventTime", "absent") is None, f"{ident}: classic shape needs eventTime null")
            c.expect(
                e.get("count", 0) >= 1 and e.get("firstTimestamp") and e.get("lastTimestamp"),
                f"{ident}: classic shape needs count and first/last timestamps",
            )
            if e.get("firstTimestamp"):
                c.expect(
                    parse_ts(e["firstTimestamp"]) <= parse_ts(e["lastTimestamp"]), f"{ident}: first > last"
                )
            c.expect(e["source"].get("component"), f"{ident}: classic shape needs source.component")
        c.expect(last_seen(e) >= T - timedelta(hours=1), f"{ident}: older than the 1h event TTL")
        c.expect(last_seen(e) <= T, f"{ident}: in the future")
        if io["kind"] == "Pod":
            cur = pods_by_name.get((io["namespace"], io["name"]))
            if cur and cur["metadata"]["uid"] == io["uid"]:
                host = e.get("source", {}).get("host")
                if host:
                    c.expect(
                        host == cur["spec"].get("nodeName"), f"{ident}: source.host {host} != pod's node"
                    )
                c.expect(e["metadata"]["namespace"] == io["namespace"], f"{ident}: namespace")
                c.expect(
                    last_seen(e) >= parse_ts(cur["metadata"]["creationTimestamp"]),
                    f"{ident}: before pod existed",
                )
            elif cur:
                stale += 1
                c.expect(
                    last_seen(e) <= parse_ts(cur["metadata"]["creationTimestamp"]),
                    f"{ident}: event of an earlier {io['name']} (uid {io['uid']}) after the current one was created",
                )
            else:
                c.err(f"{ident}: involves pod {io['namespace']}/{io['name']} which is not in the dump")
        elif io["kind"] == "Node":
            c.expect(io["name"] in nodes, f"{ident}: node {io['name']} missing")
            c.expect(
                e["metadata"]["namespace"] == "default", f"{ident}: node events live in namespace default"
            )
            if io["name"] in nodes:
                c.expect(
                    io["uid"] in (nodes[io["name"]]["metadata"]["uid"], io["name"]), f"{ident}: node uid"
                )
        else:
            o = by_kind.get((io["kind"], io.get("namespace", ""), io["name"]))
            c.expect(
                o is not None and o["metadata"]["uid"] == io["uid"],
                f"{ident}: involved {io['kind']}/{io['name']} missing or uid mismatch",
            )
    c.notes.append(f"{len(events)} events, {stale} of them about an earlier pod with a re-used name")

    # ------------------------------------------------------------------ time
    def walk(o, path=""):
        if isinstance(o, dict):
            for k, v in o.items():
                yield from walk(v, f"{path}.{k}")
        elif isinstance(o, list):
            for i, v in enumerate(o):
                yield from walk(v, f"{path}[{i}]")
        elif isinstance(o, str) and TS_RE.match(o):
            yield path, o

    for f in LIST_FILES + ["nodemetrics.json", "podmetrics.json"]:
        for path, v in walk(d[f]):
            t = parse_ts(v)
            if path.endswith("deletionTimestamp"):
                c.expect(t <= T + timedelta(hours=1), f"{f}{path}: deletionTimestamp too far ahead")
                continue
            c.expect(t <= T, f"{f}{path} = {v} is after capturedAt")
            c.expect(t.year == 1970 or t >= T - timedelta(days=60), f"{f}{path} = {v} is implausibly old")

    # ------------------------------------------------------------------ metrics
    nm = d["nodemetrics.json"]
    c.expect(
        nm.get("kind") == "NodeMetricsList" and nm.get("apiVersion") == "metrics.k8s.io/v1beta1",
        "nodemetrics kind",
    )
    have = Counter(i["metadata"]["name"] for i in nm["items"])
    for name, node in nodes.items():
        ready = next(x for x in node["status"]["conditions"] if x["type"] == "Ready")["status"] == "True"
        c.expect(
            have[name] == (1 if ready else 0),
            f"nodemetrics: node {name} (Ready={ready}) has {have[name]} samples",
        )
    for i in nm["items"]:
        cap = {r: qty(v, r) for r, v in nodes[i["metadata"]["name"]]["status"]["capacity"].items()}
        c.expect(
            qty(i["usage"]["memory"], "memory") < cap["memory"]
            and qty(i["usage"]["cpu"], "cpu") < cap["cpu"],
            f"nodemetrics {i['metadata']['name']}: usage above capacity",
        )
    for i in d["podmetrics.json"]["items"]:
        p = pods_by_name.get((i["metadata"]["namespace"], i["metadata"]["name"]))
        c.expect(
            p is not None and p["status"]["phase"] == "Running" and p["spec"]["nodeName"] in have,
            f"podmetrics {i['metadata']['name']}: no such running pod on a Ready node",
        )
        if p:
            for cu in i["containers"]:
                lim = (
                    next(x for x in p["spec"]["containers"] if x["name"] == cu["name"])
                    .get("resources", {})
                    .get("limits", {})
                )
                if "memory" in lim:
                    c.expect(
                        qty(cu["usage"]["memory"], "memory") < qty(lim["memory"], "memory"),
                        f"podmetrics {i['metadata']['name']}/{cu['name']}: usage above memory limit",
                    )

    # ------------------------------------------------------------------ quota
    for q in d["resourcequotas.json"]["items"]:
        ns = q["metadata"]["namespace"]
        ps = [p for p in pods if p["metadata"]["namespace"] == ns and live(p)]
        for r, v in q["status"]["used"].items():
            if r == "pods":
                got = len(ps)
            else:
                res = r.split(".", 1)[1]
                got = sum(
                    pod_limits(p).get(res, 0) if r.startswith("limits.") else pod_requests(p).get(res, 0)
                    for p in ps
                )
            c.expect(
                got == qty(v, r.split(".")[-1] if "." in r else r),
                f"ResourceQuota {ns}/{q['metadata']['name']}: used {r}={v} but live pods sum to {got}",
            )

    # ------------------------------------------------------------------ report
    if verbose:
        print("node capacity (requests of non-terminated pods vs allocatable):")
        for name, (alloc, used) in report.items():
            gpu = (
                f", gpu {used.get('nvidia.com/gpu', 0)}/{alloc['nvidia.com/gpu']}"
                if "nvidia.com/gpu" in alloc
                else ""
            )
            ready = next(x for x in nodes[name]["status"]["conditions"] if x["type"] == "Ready")["status"]
            print(
                f"  {name:20s} Ready={ready:7s} cpu {used.get('cpu', 0)}m/{alloc['cpu']}m "
                f"(free {alloc['cpu'] - used.get('cpu', 0)}m)  memory {gib(used.get('memory', 0))}/"
                f"{gib(alloc['memory'])} (free {gib(alloc['memory'] - used.get('memory', 0))})  "
                f"pods {used.get('pods', 0)}/{alloc['pods']}{gpu}"
            )
        for n in c.notes:
            print("  note:", n)
    if c.errors:
        print(f"FAILED: {len(c.errors)} problem(s)")
        for e in c.errors:
            print("  -", e)
        return 1
    if verbose:
        print(f"OK: {dirpath} is consistent ({len(pods)} pods, {len(nodes)} nodes, {len(events)} events)")
    return 0


def last_seen(e: dict) -> datetime:
    cands = [
        e.get("lastTimestamp"),
        e.get("eventTime"),
        (e.get("series") or {}).get("lastObservedTime"),
        e.get("firstTimestamp"),
    ]
    return max(parse_ts(x) for x in cands if x)


if __name__ == "__main__":
    raise SystemExit(check(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR))
