"""The differential run: the real kube-scheduler decides, the agent predicts, the two are compared exactly.

For a batch of cases sharing one cluster (``diffgen.BATCH`` seeds): the previous batch's nodes and pods are
deleted, the cluster is created through the API (nodes with their status in one POST, existing pods bound
with ``spec.nodeName``, terminated ones patched to Succeeded), then each pending pod is created, the test
waits for the scheduler's verdict on the pod itself (``spec.nodeName`` set, or the ``PodScheduled=False``
condition whose message is the FailedScheduling event's message), and deletes it again (grace 0) so that
the next pod sees the same cluster.

The agent predicts from the objects exactly as the API server returned them (defaults applied), decoded
into the agent's own models: per node the first failing filter in the scheduler's plugin order, rendered as
the scheduler's per-reason counts: ``k8s_agent.analysis.scheduling.simulate.scheduler_view``, called as
it is. The scheduler's message is parsed by the agent's parser
(``analysis/scheduling/message.py``). Compared: schedulable or not, and when not, the exact reason counts
(and the uncounted PreFilter message). The PostFilter (preemption) suffix is not compared: every pod has
priority 0 so preemption never changes the outcome.

Harness races (the scheduler's informers have not seen a just-created node yet, or still hold a deleted
one) show as a message whose node total is not the cluster's, or a binding to a node outside the batch:
such an attempt is retried and never counted as a disagreement. A disagreement is re-run once on the same
objects before it is reported, and is reported only if the scheduler says the same thing again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import diffgen
from controlplane import ApiError, ControlPlane

from k8s_agent.analysis.scheduling.message import parse_scheduling_message
from k8s_agent.analysis.scheduling.simulate import FITS, scheduler_view
from k8s_agent.kube.models import Node, PersistentVolume, PersistentVolumeClaim, Pod, convert


# --------------------------------------------------------------------------------------------- prediction
@dataclass
class Verdict:
    """What one side says: ``fits`` or the per-reason counts (and an uncounted PreFilter message)."""

    fits: bool
    counts: dict[str, int] = field(default_factory=dict)
    prefilter: str = ""
    total: int | None = None
    raw: str = ""
    per_node: dict[str, list[str]] = field(default_factory=dict)  # agent only: node -> its reasons

    def key(self) -> tuple:
        return (self.fits, tuple(sorted(self.counts.items())), self.prefilter)

    def text(self) -> str:
        if self.fits:
            return FITS
        parts = ([self.prefilter] if self.prefilter else []) + [
            f"{n} {r}" for r, n in sorted(self.counts.items())
        ]
        return "; ".join(parts)


def predict(
    pod: Pod,
    nodes: list[Node],
    pods: list[Pod],
    pvcs: list[PersistentVolumeClaim] = (),
    pvs: list[PersistentVolume] = (),
) -> Verdict:
    """The agent's prediction of the scheduler's verdict for ``pod`` on this cluster: the scheduling
    package's ``scheduler_view`` (per node the first failing filter plugin and its reasons), unchanged. It
    gets what the agent's service reads: the pod's namespace's claims by name, the PVs by name."""
    ns = pod.metadata.namespace
    claims = {c.metadata.name: c for c in pvcs if c.metadata.namespace == ns}
    volumes = {v.metadata.name: v for v in pvs}
    view = scheduler_view(pod, nodes, pods, claims, volumes)
    per_node = {n.node_name: [f"{n.plugin}: {r}" for r in n.reasons] for n in view.nodes if not n.fits}
    if view.fits:
        return Verdict(True, total=view.total_nodes, raw=view.message)
    return Verdict(
        False, dict(view.reason_counts), view.prefilter, view.total_nodes, raw=view.message, per_node=per_node
    )


def scheduler_verdict(message: str) -> Verdict:
    parsed = parse_scheduling_message(message)
    counts = parsed.per_node_counts() or {}
    return Verdict(False, counts, parsed.prefilter, parsed.total_nodes, raw=message)


def plugin_of(reason: str) -> str:
    """The scheduler plugin a reason string belongs to (for the by-plugin tally)."""
    r = reason.lower()
    for needle, plugin in (
        ("unschedulable", "NodeUnschedulable"),
        ("taint", "TaintToleration"),
        ("satisfy plugin(s)", "NodeAffinity(PreFilterResult)"),
        ("node affinity/selector", "NodeAffinity"),
        ("free ports", "NodePorts"),
        ("insufficient", "NodeResourcesFit"),
        ("too many pods", "NodeResourcesFit"),
        ("persistentvolume", "VolumeBinding"),
        ("topology spread", "PodTopologySpread"),
        ("affinity", "InterPodAffinity"),
    ):
        if needle in r:
            return plugin
    return "other"


def disagreeing_plugins(agent: Verdict, sched: Verdict) -> list[str]:
    if agent.fits != sched.fits:
        return ["verdict(fits)"]
    keys = set(agent.counts) | set(sched.counts)
    out = sorted({plugin_of(k) for k in keys if agent.counts.get(k, 0) != sched.counts.get(k, 0)})
    if agent.prefilter != sched.prefilter:
        out.append("PreFilter")
    return out or ["?"]


# ---------------------------------------------------------------------------------------------- the run
@dataclass
class Outcome:
    seed: int
    agent: Verdict
    scheduler: Verdict
    attempts: int = 1
    confirmed: bool = False  # a disagreement seen twice

    @property
    def agree(self) -> bool:
        return self.agent.key() == self.scheduler.key()


class HarnessRace(Exception):
    """The scheduler decided on a cache that did not hold this batch's cluster yet (or still held an old
    one): not a verdict on the case."""


class Runner:
    """Runs cases against one control plane; ``run(seeds)`` batches them by cluster."""

    def __init__(
        self, cp: ControlPlane, classes: diffgen.Classes = diffgen.DEFAULT_CLASSES, threads: int = 6
    ):
        self.cp = cp
        self.classes = classes
        self.pool = ThreadPoolExecutor(threads)
        self.cluster: diffgen.Cluster | None = None
        self.node_models: list[Node] = []
        self.pod_models: list[Pod] = []
        self.pv_models: list[PersistentVolume] = []
        self.pvc_models: list[PersistentVolumeClaim] = []
        self.node_names: set[str] = set()
        self.races = 0
        self._runtime_class = False
        self.api_calls = 0

    def close(self) -> None:
        self.teardown()
        self.pool.shutdown()

    # ---- cluster lifecycle
    def _api(self, *a, **kw) -> Any:
        self.api_calls += 1
        return self.cp.api(*a, **kw)

    def teardown(self) -> None:
        c = self.cluster
        if c is None:
            return
        for key in c.terminating:  # let the finalizer go, or the pod stays forever
            ns, name = key.split("/")
            try:
                self._api("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}", {"metadata": {"finalizers": None}})
            except ApiError as e:
                if e.status != 404:
                    raise
        for ns in c.namespaces:
            path = f"/api/v1/namespaces/{ns['metadata']['name']}/pods"
            self._api("DELETE", path, query={"gracePeriodSeconds": "0"})
        self._api("DELETE", "/api/v1/nodes", query={"labelSelector": f"{diffgen.BATCH_LABEL}={c.tag}"})
        self.cluster = None

    def setup(self, cluster: diffgen.Cluster) -> None:
        self.teardown()
        if not self._runtime_class:
            try:
                self._api("POST", "/apis/node.k8s.io/v1/runtimeclasses", diffgen.RUNTIME_CLASS)
            except ApiError as e:
                if e.status != 409:
                    raise
            self._runtime_class = True
        for ns in cluster.namespaces:
            self.cp.create_namespace(ns["metadata"]["name"], ns["metadata"].get("labels"))
        self.pv_models = [convert(self._create_pv(pv), PersistentVolume) for pv in cluster.pvs]
        self.pvc_models = [convert(self._create_pvc(c), PersistentVolumeClaim) for c in cluster.pvcs]
        nodes = list(self.pool.map(self._create_node, cluster.nodes))
        pods = list(self.pool.map(lambda p: self._create_pod(p, cluster), cluster.pods))
        self.cluster = cluster
        self.node_models = [convert(n, Node) for n in nodes]
        self.pod_models = [convert(p, Pod) for p in pods]
        self.node_names = {n["metadata"]["name"] for n in nodes}

    def _create_pv(self, pv: dict) -> dict:
        """PVs are cluster-wide and named by batch; they are left behind (their protection finalizer needs
        a controller), which the scheduler does not mind: no claim of another batch names them."""
        try:
            self._api("POST", "/api/v1/persistentvolumes", pv)
        except ApiError as e:  # a cluster set up again (after a shrink): the same PV, left behind
            if e.status != 409:
                raise
        status = {"status": {"phase": "Bound"}}
        return self._api("PATCH", f"/api/v1/persistentvolumes/{pv['metadata']['name']}/status", status)

    def _create_pvc(self, pvc: dict) -> dict:
        md = pvc["metadata"]
        path = f"/api/v1/namespaces/{md['namespace']}/persistentvolumeclaims"
        try:
            out = self._api("POST", path, pvc)
        except ApiError as e:  # a cluster set up again (after a shrink): the claim is still there
            if e.status != 409:
                raise
            out = self._api("GET", f"{path}/{md['name']}")
        if pvc.get("status"):  # what the PV controller writes
            out = self._api("PATCH", f"{path}/{md['name']}/status", {"status": pvc["status"]})
        return out

    def _create_node(self, node: dict) -> dict:
        out = self._api("POST", "/api/v1/nodes", node)
        if not out.get("status", {}).get("allocatable"):  # status dropped on create: write it as a kubelet
            out = self._api(
                "PATCH", f"/api/v1/nodes/{node['metadata']['name']}/status", {"status": node["status"]}
            )
        return out

    def _create_pod(self, pod: dict, cluster: diffgen.Cluster) -> dict:
        md = pod["metadata"]
        out = self._api("POST", f"/api/v1/namespaces/{md['namespace']}/pods", pod)
        key = f"{md['namespace']}/{md['name']}"
        path = f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}"
        if key in cluster.terminated:
            out = self._api("PATCH", path + "/status", {"status": {"phase": "Succeeded"}})
        if key in cluster.terminating:
            self._api("DELETE", path, query={"gracePeriodSeconds": "0"})  # the finalizer keeps it
            out = self._api("GET", path)
            assert out["metadata"].get("deletionTimestamp"), out["metadata"]
        return out

    # ---- one pending pod
    def _schedule(self, pod: dict, name: str, timeout: float = 30) -> tuple[dict, Verdict]:
        pod = {**pod, "metadata": {**pod["metadata"], "name": name}}
        ns = pod["metadata"]["namespace"]
        created = self._api("POST", f"/api/v1/namespaces/{ns}/pods", pod)
        path = f"/api/v1/namespaces/{ns}/pods/{name}"
        deadline = time.monotonic() + timeout
        verdict: Verdict | None = None
        interval = 0.02
        try:
            while time.monotonic() < deadline:
                cur = self._api("GET", path)
                node = cur.get("spec", {}).get("nodeName")
                if node:
                    if node not in self.node_names:
                        raise HarnessRace(f"bound to {node}, not a node of this batch")
                    verdict = Verdict(True, raw=f"bound to {node}")
                    break
                for c in cur.get("status", {}).get("conditions", []):
                    if c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("message"):
                        verdict = scheduler_verdict(c["message"])
                        if verdict.total != len(self.node_names):
                            raise HarnessRace(
                                f"scheduler saw {verdict.total} nodes, the batch has {len(self.node_names)}"
                            )
                        break
                if verdict is not None:
                    break
                time.sleep(interval)
                interval = min(interval * 1.5, 0.2)
            else:
                raise TimeoutError(f"no scheduling verdict for {ns}/{name} within {timeout}s")
        finally:
            try:
                self._api("DELETE", path, query={"gracePeriodSeconds": "0"})
            except ApiError as e:  # pragma: no cover - already gone
                if e.status != 404:
                    raise
        return created, verdict

    def run_case(self, case: diffgen.Case) -> Outcome:
        if self.cluster is not case.cluster:
            self.setup(case.cluster)
        attempts = 0
        base = diffgen.pending_pod_name(case.seed)
        outcome: Outcome | None = None
        while True:
            attempts += 1
            try:
                created, sched = self._schedule(case.pod, base if attempts == 1 else f"{base}-r{attempts}")
            except HarnessRace:
                self.races += 1
                if attempts >= 8:
                    raise
                time.sleep(0.25 * attempts)
                continue
            agent = predict(
                convert(created, Pod), self.node_models, self.pod_models, self.pvc_models, self.pv_models
            )
            if outcome is None:
                outcome = Outcome(case.seed, agent, sched, attempts)
                if outcome.agree:
                    return outcome
                time.sleep(0.5)  # re-run once on the same objects before reporting
                continue
            if sched.key() == outcome.scheduler.key():
                outcome.confirmed = True
                outcome.attempts = attempts
                return outcome
            # the scheduler changed its mind: the first answer came from a stale cache; keep the second
            outcome = Outcome(case.seed, agent, sched, attempts, confirmed=False)
            if outcome.agree or attempts >= 6:
                return outcome

    def run(self, seeds: Iterable[int], on_outcome: Callable[[Outcome, diffgen.Case], None] | None = None):
        out = []
        for seed in sorted(seeds, key=lambda s: (s // diffgen.BATCH, s)):
            case = diffgen.gen_case(seed, self.classes)
            o = self.run_case(case)
            out.append(o)
            if on_outcome is not None:
                on_outcome(o, case)
        return out


def _trial(runner: Runner, case: diffgen.Case) -> bool:
    """Does ``case`` still disagree (one attempt; a harness race counts as no)?"""
    try:
        runner.setup(case.cluster)
        created, sched = runner._schedule(case.pod, diffgen.pending_pod_name(case.seed))
    except HarnessRace:
        return False
    agent = predict(
        convert(created, Pod), runner.node_models, runner.pod_models, runner.pvc_models, runner.pv_models
    )
    return agent.key() != sched.key()


_POD_FIELDS = (
    ("tolerations",),
    ("nodeSelector",),
    ("affinity", "nodeAffinity"),
    ("affinity", "podAffinity"),
    ("affinity", "podAntiAffinity"),
    ("topologySpreadConstraints",),
    ("initContainers",),
    ("volumes",),
    ("resources",),
    ("runtimeClassName",),
)


def shrink(runner: Runner, case: diffgen.Case, budget: float = 120.0) -> tuple[diffgen.Case, int]:
    """A smaller case that still disagrees: greedily drop nodes (with their pods), existing pods, claims the
    pod does not use, and parts of the pending pod, keeping each drop after which the real scheduler and the
    agent still disagree. Returns the smallest case found and the number of trials."""
    deadline = time.monotonic() + budget
    trials = 0
    best = case

    def attempt(cluster: diffgen.Cluster, pod: dict) -> diffgen.Case | None:
        nonlocal trials
        if time.monotonic() > deadline:
            return None
        trials += 1
        cand = diffgen.renamed(best, f"{case.cluster.tag}s{trials}", cluster, pod)
        return cand if _trial(runner, cand) else None

    def with_(**kw) -> diffgen.Cluster:
        c = best.cluster
        pods = kw.get("pods", c.pods)
        keys = {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods}
        return diffgen.Cluster(
            c.cid,
            kw.get("namespaces", c.namespaces),
            kw.get("nodes", c.nodes),
            pods,
            c.terminated & keys,
            c.terminating & keys,
            kw.get("pvs", c.pvs),
            kw.get("pvcs", c.pvcs),
            c.tag,
        )

    i = 0
    while i < len(best.cluster.nodes) and len(best.cluster.nodes) > 1:
        gone = best.cluster.nodes[i]["metadata"]["name"]
        nodes = [n for n in best.cluster.nodes if n["metadata"]["name"] != gone]
        pods = [p for p in best.cluster.pods if p["spec"].get("nodeName") != gone]
        found = attempt(with_(nodes=nodes, pods=pods), best.pod)
        if found is not None:
            best = found
        else:
            i += 1
    used = {
        v["persistentVolumeClaim"]["claimName"]
        for v in best.pod["spec"].get("volumes", [])
        if "persistentVolumeClaim" in v
    }
    used |= {
        v["persistentVolumeClaim"]["claimName"]
        for p in best.cluster.pods
        for v in p["spec"].get("volumes", [])
        if "persistentVolumeClaim" in v
    }
    if best.cluster.pvcs and (
        found := attempt(
            with_(pvcs=[c for c in best.cluster.pvcs if c["metadata"]["name"] in used]), best.pod
        )
    ):
        best = found
    i = 0
    while i < len(best.cluster.pods):
        pods = best.cluster.pods[:i] + best.cluster.pods[i + 1 :]
        found = attempt(with_(pods=pods), best.pod)
        if found is not None:
            best = found
        else:
            i += 1
    for path in _POD_FIELDS:
        pod = json.loads(json.dumps(best.pod))
        parent = pod["spec"]
        for key in path[:-1]:
            parent = parent.get(key, {})
        if path[-1] not in parent:
            continue
        del parent[path[-1]]
        if path[0] == "affinity" and not pod["spec"]["affinity"]:
            del pod["spec"]["affinity"]
        found = attempt(best.cluster, pod)
        if found is not None:
            best = found
    runner.teardown()
    return best, trials


def report_disagreement(o: Outcome, case: diffgen.Case, minimal: diffgen.Case | None = None) -> str:
    lines = [
        f"DISAGREEMENT seed={o.seed} (plugins: {', '.join(disagreeing_plugins(o.agent, o.scheduler))})",
        f"  scheduler: {o.scheduler.text()}   [{o.scheduler.raw}]",
        f"  agent:     {o.agent.text()}",
    ]
    if o.agent.per_node:
        for node, reasons in sorted(o.agent.per_node.items()):
            lines.append(f"    agent {node}: {', '.join(reasons)}")
    lines.append(f"  reproduce: make fuzz SEEDS={o.seed}")
    if minimal is not None:
        lines.append(
            f"  minimal case ({len(minimal.cluster.nodes)} of {len(case.cluster.nodes)} nodes, "
            f"{len(minimal.cluster.pods)} of {len(case.cluster.pods)} pods; still disagrees on the real scheduler):"
        )
        lines.append(diffgen.case_yaml(minimal))
    else:
        lines.append(diffgen.case_yaml(case))
    return "\n".join(lines)
