"""The agent as in production, against a real kube-apiserver + kube-scheduler.

The chart is rendered (``helm template``) and ITS ServiceAccount, ClusterRole and ClusterRoleBinding are
applied; the agent (``python -m k8s_agent --workers 2``, the chart's container environment) runs as a
subprocess with a kubeconfig holding only a TokenRequest token of that ServiceAccount. Every endpoint is then
read against the cluster of ``cluster_builder`` and checked against what was built there:

* scheduling, from the real scheduler's own FailedScheduling messages, one pod per cause;
* failure events, describe, resources, health score from kubelet-shaped events and statuses;
* the namespace and cluster analyses (issue types, owner resolution through the ReplicaSet, Jobs skipped);
* node utilization without metrics-server (its aggregation-layer path is test_metrics_aggregation.py);
* the RBAC is enough (nothing the agent reads is refused) and minimal (reads outside it are refused).

Deviation from the chart's environment: ``REQUEST_DEADLINE`` is 5s instead of 500ms, because the control
plane, the scheduler, the agent's workers and pytest share the test machine's two cores; the deadline itself
is tested in tests/api.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from cluster_builder import (
    CORDONED_NODE,
    EDGE_NODE,
    GPU_NODE,
    NODE_NAMES,
    SCHED,
    SHOP,
    TINY_NODE,
    WORKER_A,
    WORKER_B,
    AgentProcess,
    Response,
)
from controlplane import ApiError, requires_control_plane, wait_for

from k8s_agent.analysis.health_score import overall_status

pytestmark = requires_control_plane

API = "/api/v1"
API_POD = "api-5d8f7c9b6-x2k9p"
FRONTEND_POD = "frontend-7b9d6c8f4-q7w2e"
WORKER_POD = "worker-8c7d6b5f9-m4n8r"
WEB_POD = "web-6f7c9d8b5-abcde"
JOB_POD = "migrate-4xk2p"
BATCH_POD = "batch-6b5c4d7f8-zt5vq"
GPU_TRAINER_POD = "gpu-trainer-59f8d7c6b-h2k4s"
REFUSAL = "refused the agent"  # UpstreamForbidden's message: the API server said 401/403 to the agent

# every response the module's agent gave (path -> Response), checked at the end for refusals
SEEN: dict[str, Response] = {}


class Agent:
    """The running agent with response recording."""

    def __init__(self, proc: AgentProcess) -> None:
        self.proc = proc

    def get(self, path: str, **kw) -> Response:
        r = self.proc.get(path, **kw)
        SEEN[path] = r
        return r

    def data(self, path: str) -> dict:
        r = self.get(path)
        assert r.status == 200, (
            f"GET {path} -> {r.status}: {r.body}\n--- agent log ---\n{self.proc.log_tail(30)}"
        )
        return r.body["data"]


@pytest.fixture(scope="module")
def agent(control_plane, cluster, agent_identity):
    env = {**agent_identity.chart_env(), "REQUEST_DEADLINE": "5s"}
    proc = AgentProcess(agent_identity.kubeconfig, workers=2, env=env, name="e2e")
    proc.start()
    yield Agent(proc)
    proc.cleanup()


@pytest.fixture(scope="module")
def shifted_agent(control_plane, cluster, agent_identity):
    """The same agent with its request clock 10 minutes ahead: the namespace analysis reports a pending pod
    only after 5 minutes, which this tier cannot wait for."""
    env = {**agent_identity.chart_env(), "REQUEST_DEADLINE": "5s"}
    proc = AgentProcess(agent_identity.kubeconfig, workers=1, env=env, clock_shift=600, name="e2e-clock")
    proc.start()
    yield Agent(proc)
    proc.cleanup()


@pytest.fixture(scope="module")
def young_agent(control_plane, cluster, agent_identity):
    """The same agent with its request clock set back to a minute after the cluster was built, however late
    the session's random order runs this module: the namespace analyses report a pod Pending for more than 5
    minutes, so without it the scheduler's pending pods would count as problems once the session is 5
    minutes past the build (``shifted_agent`` is the other side of that rule)."""
    built = cluster.built_at + timedelta(seconds=cluster.build_seconds)
    behind = (datetime.now(UTC) - built).total_seconds() - 60
    env = {**agent_identity.chart_env(), "REQUEST_DEADLINE": "5s"}
    shift = -behind if behind > 0 else 0.0
    proc = AgentProcess(agent_identity.kubeconfig, workers=1, env=env, clock_shift=shift, name="e2e-young")
    proc.start()
    yield Agent(proc)
    proc.cleanup()


def _parse_ts(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None


# ------------------------------------------------------------------------------------------ deployment
def test_agent_runs_with_the_chart_identity_and_environment(agent, agent_identity):
    # the kubeconfig holds the ServiceAccount token only (no client cert, no admin token)
    kc = json.loads(Path(agent_identity.kubeconfig).read_text())
    assert [u["user"] for u in kc["users"]] == [{"token": agent_identity.token}]
    assert agent_identity.chart_env()["CLUSTER_SOURCE"] == "live"
    log = agent.proc.log_text()
    assert "cluster source: live" in log
    assert agent.proc.get("/readyz").status == 200
    assert agent.proc.get("/healthz").status == 200


def test_every_route_of_the_openapi_document_is_covered_here(agent):
    doc = agent.get("/openapi.json").body
    served = {p for p in doc["paths"] if p.startswith(API + "/")}
    covered = {
        f"{API}/pods/{{namespace}}/{{pod}}/describe",
        f"{API}/pods/{{namespace}}/{{pod}}/resources",
        f"{API}/pods/{{namespace}}/{{pod}}/failure-events",
        f"{API}/pods/{{namespace}}/{{pod}}/scheduling",
        f"{API}/pods/{{namespace}}/{{pod}}/scheduling/explain",
        f"{API}/pods/{{namespace}}/{{pod}}/health-score",
        f"{API}/namespace/{{namespace}}/error",
        f"{API}/nodes/{{node}}/utilization",
        f"{API}/nodes/utilization",
        f"{API}/cluster/pod-issues",
        f"{API}/workloads/{{namespace}}/{{kind}}/{{name}}/diagnosis",  # test_workloads_e2e.py
    }
    assert served - covered == set(), "routes without an end-to-end check in this module"
    missing = covered - served
    assert not missing, f"routes not served by the agent (yet): {sorted(missing)}"


# ------------------------------------------------------------------------------------------ RBAC
def test_chart_rbac_is_minimal_reads_outside_it_are_refused(control_plane, cluster, agent_identity):
    # ``cluster`` (session fixture) builds what this test reads and what its refused requests aim at: the
    # shop namespace, its pods, the worker nodes (the test must not rely on another test having built them)
    cp, token = control_plane, agent_identity.token
    assert f"{SHOP}/{WEB_POD}" in cluster.pods and f"{SHOP}/{API_POD}" in cluster.pods
    assert WORKER_A in cluster.nodes
    refused = [
        ("GET", f"/api/v1/namespaces/{SHOP}/secrets"),
        ("GET", "/api/v1/secrets"),
        ("GET", f"/api/v1/namespaces/{SHOP}/configmaps"),
        ("GET", f"/api/v1/namespaces/{SHOP}/services"),
        ("GET", "/api/v1/namespaces"),  # get only, not list
        ("GET", f"/apis/apps/v1/namespaces/{SHOP}/deployments/web/scale"),
        ("GET", f"/api/v1/namespaces/{SHOP}/serviceaccounts"),
        ("GET", "/apis/policy/v1/poddisruptionbudgets"),
        ("GET", f"/api/v1/namespaces/{SHOP}/resourcequotas/compute"),  # list only, not get
        ("GET", f"/apis/apps/v1/namespaces/{SHOP}/controllerrevisions/x"),  # list only
        ("GET", "/apis/storage.k8s.io/v1/storageclasses"),  # get only, not list
        ("GET", "/apis/storage.k8s.io/v1/csinodes/x"),  # list only
        ("GET", f"/apis/resource.k8s.io/v1/namespaces/{SHOP}/resourceclaims/x"),  # list only
        ("GET", "/apis/resource.k8s.io/v1/deviceclasses/x"),  # list only
        ("GET", "/apis/resource.k8s.io/v1/resourceslices?watch=1"),  # nor watch
        ("GET", "/apis/resource.k8s.io/v1/resourceclaimtemplates"),
        ("GET", "/apis/storage.k8s.io/v1/csidrivers"),  # get only, not list
        ("GET", f"/apis/storage.k8s.io/v1/namespaces/{SHOP}/csistoragecapacities/x"),  # list only
        ("GET", "/api/v1/persistentvolumes?watch=1"),
        ("GET", "/api/v1/namespaces?watch=1"),  # nor watch
        ("GET", "/api/v1/persistentvolumeclaims?watch=1"),  # watch only what the index keeps
        ("GET", f"/apis/apps/v1/namespaces/{SHOP}/controllerrevisions?watch=1"),
        ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles"),
        ("GET", f"/api/v1/namespaces/{SHOP}/pods/{API_POD}/log"),
        ("DELETE", f"/api/v1/namespaces/{SHOP}/pods/{WEB_POD}"),
        ("PATCH", f"/api/v1/nodes/{WORKER_A}"),
    ]
    for method, path in refused:
        with pytest.raises(ApiError) as ei:
            cp.api(method, path, {} if method == "PATCH" else None, token=token)
        assert ei.value.status == 403, (method, path, ei.value)
    with pytest.raises(ApiError) as ei:
        cp.api("POST", f"/api/v1/namespaces/{SHOP}/pods", {"metadata": {"name": "x"}}, token=token)
    assert ei.value.status == 403
    # the refused writes changed nothing (the API server refused them before looking at the objects)
    assert (
        cp.api("GET", f"/api/v1/namespaces/{SHOP}/pods/{WEB_POD}")["metadata"].get("deletionTimestamp")
        is None
    )
    # ...and what the agent reads is allowed, and shows it the cluster's objects
    assert cp.api("GET", "/api/v1/pods", token=token, query={"limit": 1})["items"]
    shop_pods = {
        p["metadata"]["name"] for p in cp.api("GET", f"/api/v1/namespaces/{SHOP}/pods", token=token)["items"]
    }
    assert {WEB_POD, API_POD} <= shop_pods, sorted(shop_pods)
    assert cp.api("GET", f"/api/v1/namespaces/{SHOP}", token=token)["metadata"]["name"] == SHOP
    # the workload diagnosis's reads
    for path in (
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets",
        f"/apis/apps/v1/namespaces/{SHOP}/controllerrevisions",
        "/apis/batch/v1/jobs",
        "/apis/batch/v1/cronjobs",
        f"/api/v1/namespaces/{SHOP}/resourcequotas",
        "/api/v1/persistentvolumes",  # the static PVs of unbound WaitForFirstConsumer claims
        "/api/v1/persistentvolumeclaims",  # CSI attach limits: the volumes of a node's pods
        "/apis/storage.k8s.io/v1/csinodes",
        "/apis/storage.k8s.io/v1/volumeattachments",
        "/apis/resource.k8s.io/v1/resourceclaims",  # DRA: every claim (a pod's own, the devices others hold)
        "/apis/resource.k8s.io/v1/resourceslices",
        "/apis/resource.k8s.io/v1/deviceclasses",
        "/apis/storage.k8s.io/v1/csistoragecapacities",  # storage capacity tracking
    ):
        cp.api("GET", path, token=token, query={"limit": 1})
    with pytest.raises(ApiError) as ei:  # get is allowed: the answer is "not found", not "forbidden"
        cp.api("GET", "/apis/storage.k8s.io/v1/csidrivers/no-such-driver", token=token)
    assert ei.value.status == 404
    rules = agent_identity.cluster_role()["rules"]
    verbs = {v for r in rules for v in r["verbs"]}
    assert verbs == {"get", "list", "watch"}, verbs
    watched = {
        (g, res) for r in rules if "watch" in r["verbs"] for g in r["apiGroups"] for res in r["resources"]
    }
    assert watched == {
        ("", "pods"),
        ("", "events"),
        ("", "nodes"),
        ("apps", "replicasets"),
        *(("apps", r) for r in ("deployments", "statefulsets", "daemonsets")),
        *(("batch", r) for r in ("jobs", "cronjobs")),
    }, watched
    assert not any("secrets" in r["resources"] or "*" in r["resources"] for r in rules)


# ------------------------------------------------------------------------------------------ scheduling
CASES = [
    "insufficient-cpu",
    "insufficient-memory",
    "untolerated-taint",
    "node-selector",
    "node-affinity",
    "cordoned",
    "too-many-pods",
    "host-port",
    "missing-pvc",
]


@pytest.mark.parametrize("case_key", CASES)
def test_scheduling_category_from_the_real_scheduler_message(agent, cluster, case_key):
    case = cluster.unschedulable[case_key]
    d = agent.data(f"{API}/pods/{case.namespace}/{case.name}/scheduling")
    assert d["status"] == "Pending" and d["nodeName"] is None
    # the scheduler's own message, as the real kube-scheduler wrote it
    msg = d["schedulerMessage"]
    assert msg and re.match(r"^0/\d+ nodes are available: ", msg), msg
    assert case.scheduler_reason in msg, msg
    fs = [e for e in d["schedulingEvents"] if e["reason"] == "FailedScheduling"]
    assert fs and all(e["type"] == "Warning" for e in fs)
    # events.k8s.io-shaped events (no lastTimestamp/count) still get a timestamp and a count
    assert all(e["timestamp"] and e["count"] >= 1 for e in fs), fs
    stamps = [e["timestamp"] for e in fs]
    assert stamps == sorted(stamps, reverse=True), "scheduling events newest first"
    # the reason carrying the cause is parsed and categorised
    parsed = [p for p in d["parsedSchedulerReasons"] if case.scheduler_reason in p["reason"]]
    assert parsed, d["parsedSchedulerReasons"]
    assert all(case.category in p["categories"] for p in parsed), parsed
    assert case.category in d["failureCategories"]
    summary = {s["category"]: s for s in d["failureSummary"]}
    assert case.category in summary
    # the per-node analysis names the nodes, with this node's own failed check
    by_node = {u["nodeName"]: u for u in d["unschedulableNodes"]}
    for node, reason in case.node_reasons.items():
        assert node in by_node, f"{node} not among {sorted(by_node)}"
        assert any(reason in r for r in by_node[node]["reasons"]), (node, by_node[node]["reasons"])
        assert case.category in by_node[node]["categories"], (node, by_node[node]["categories"])
        assert node in summary[case.category]["nodes"]
    # every node of the builder is judged: unschedulable ones listed, with at least one reason each
    assert all(u["reasons"] for u in d["unschedulableNodes"])
    assert d["conditions"] and d["conditions"][0]["type"] == "PodScheduled"
    assert d["conditions"][0]["status"] == "False" and d["conditions"][0]["reason"] == "Unschedulable"
    assert d["warnings"] == []


def test_scheduling_resource_shortfall_details(agent, cluster):
    case = cluster.unschedulable["insufficient-cpu"]
    d = agent.data(f"{API}/pods/{case.namespace}/{case.name}/scheduling")
    by_node = {u["nodeName"]: u for u in d["unschedulableNodes"]}
    assert set(NODE_NAMES) <= set(by_node), "no node has 64 cpu free: every node is unschedulable"
    assert any("cpu" in r for r in by_node[WORKER_A]["insufficientResources"]), by_node[WORKER_A]
    assert "TaintTolerationMismatch" in by_node[GPU_NODE]["categories"]
    assert any("cordoned" in r for r in by_node[CORDONED_NODE]["reasons"])
    assert any("too many pods" in r for r in by_node[TINY_NODE]["reasons"])


def test_missing_pvc_is_a_pod_level_finding(agent, cluster):
    case = cluster.unschedulable["missing-pvc"]
    d = agent.data(f"{API}/pods/{case.namespace}/{case.name}/scheduling")
    vol = next(s for s in d["failureSummary"] if s["category"] == "VolumeAttachmentError")
    assert vol["source"] == "pod"
    assert any("data-missing" in n for n in d["notes"]), d["notes"]
    # the PreFilter message has no per-node count
    parsed = next(p for p in d["parsedSchedulerReasons"] if "data-missing" in p["reason"])
    assert parsed["count"] is None


@pytest.mark.parametrize("case_key", CASES)
def test_scheduling_explain_names_nodes_and_suggests(agent, cluster, case_key):
    case = cluster.unschedulable[case_key]
    d = agent.data(f"{API}/pods/{case.namespace}/{case.name}/scheduling/explain")
    assert d["podName"] == case.name and d["namespace"] == case.namespace and d["status"] == "Pending"
    assert case.category in d["failureCategories"]
    assert d["explanation"] and d["suggestions"]
    analysis = {n["nodeName"]: n for n in d["nodeAnalysis"]}
    assert set(NODE_NAMES) <= set(analysis)
    names = [n["nodeName"] for n in d["nodeAnalysis"]]
    assert names == sorted(names), "nodeAnalysis in name order"
    for node, reason in case.node_reasons.items():
        assert not analysis[node]["schedulable"]
        assert any(reason in r for r in analysis[node]["reasons"]), (node, analysis[node])
    s = d["summary"]
    assert s["totalNodes"] == len(d["nodeAnalysis"])
    assert s["filteredByUnschedulable"] >= 1  # the cordoned node
    assert s["filteredByTaints"] >= 1  # the GPU node
    if case_key == "missing-pvc":
        # the nodes themselves could run it; the claim blocks every node
        assert {WORKER_A, WORKER_B, EDGE_NODE} <= {n for n, a in analysis.items() if a["schedulable"]}
        assert any("data-missing" in sug for sug in d["suggestions"])
    else:
        assert not any(analysis[n]["schedulable"] for n in NODE_NAMES)
    if case_key == "untolerated-taint":
        assert any("dedicated" in sug and "gpu" in sug for sug in d["suggestions"]), d["suggestions"]
    if case_key == "cordoned":
        assert any(CORDONED_NODE in sug and "uncordon" in sug for sug in d["suggestions"]), d["suggestions"]


def test_scheduling_of_a_scheduled_pod(agent):
    d = agent.data(f"{API}/pods/{SHOP}/{WEB_POD}/scheduling")
    assert d["status"] == "Scheduled" and d["nodeName"] == WORKER_A
    assert d["schedulingReasons"] and any(WORKER_A in r for r in d["schedulingReasons"])
    assert d["unschedulableNodes"] == [] and d["failureCategories"] == []
    e = agent.data(f"{API}/pods/{SHOP}/{WEB_POD}/scheduling/explain")
    assert e["status"] == "Scheduled" and e["nodeName"] == WORKER_A
    assert next(n for n in e["nodeAnalysis"] if n["nodeName"] == WORKER_A)["schedulable"]


# ------------------------------------------------------------------------------------------ failure events
def test_failure_events_of_a_crash_looping_pod(agent, cluster, control_plane):
    # the kubelet moves a back-off's lastTimestamp on at every restart: put it 30 s back (as built), since
    # this test may run minutes after the session built the cluster, and "ongoing" means the last 5 minutes
    backoff_event = next(
        e for e in cluster.events if e["reason"] == "BackOff" and e["involvedObject"]["name"] == API_POD
    )
    last = (datetime.now(UTC) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    control_plane.api(
        "PATCH",
        f"/api/v1/namespaces/{SHOP}/events/{backoff_event['metadata']['name']}",
        {"lastTimestamp": last},
    )
    end = time.monotonic() + 15  # the agent's caches hold the earlier answer for their TTL
    while True:
        d = agent.data(f"{API}/pods/{SHOP}/{API_POD}/failure-events")
        seen = [e.get("lastTimestamp") for e in d["failureEvents"] if e["reason"] == "BackOff"]
        if seen == [last] or time.monotonic() > end:
            break
        time.sleep(0.5)
    assert seen == [last]
    assert d["podName"] == API_POD and d["namespace"] == SHOP
    assert d["podStatus"] == "CrashLoopBackOff" and d["podPhase"] == "Running"
    assert d["totalEvents"] == 6  # Scheduled, Pulled, Created, Started, Unhealthy, BackOff
    fe = d["failureEvents"]
    assert [e["reason"] for e in fe] == ["BackOff", "Unhealthy"], "critical first, Normal events not failures"
    backoff, unhealthy = fe
    assert backoff["category"] == "ContainerCrash" and backoff["severity"] == "critical"
    assert backoff["count"] == 40 and backoff["isRecurring"] is True
    assert backoff["recurrenceRate"] and backoff["recurrenceRate"].endswith("per hour")
    assert backoff["involvedObject"] == {"kind": "Pod", "name": API_POD, "fieldPath": "spec.containers{api}"}
    assert backoff["source"].startswith("kubelet")
    assert (
        unhealthy["category"] == "Probe" and unhealthy["severity"] == "warning" and unhealthy["count"] == 25
    )
    assert d["eventCategories"] == {"ContainerCrash": 1, "Probe": 1}
    assert d["criticalEvents"] == 1 and d["warningEvents"] == 1
    assert d["mostRecentIssue"]["reason"] == "BackOff"
    assert any(i.startswith("BackOff:") for i in d["ongoingIssues"])
    assert d["warnings"] == []


def test_failure_events_of_an_image_pull_failure(agent):
    d = agent.data(f"{API}/pods/{SHOP}/{FRONTEND_POD}/failure-events")
    assert d["podStatus"] == "ImagePullBackOff"
    assert d["eventCategories"] == {"ImagePull": 4}
    by_msg = {e["message"]: e for e in d["failureEvents"]}
    pull = next(e for m, e in by_msg.items() if m.startswith("Failed to pull image"))
    assert pull["severity"] == "critical" and pull["type"] == "Warning"
    backoff = next(e for m, e in by_msg.items() if m.startswith("Back-off pulling image"))
    assert backoff["type"] == "Normal" and backoff["severity"] == "warning"  # the Normal-typed BackOff
    sev = [e["severity"] for e in d["failureEvents"]]
    assert sev == sorted(sev, key=["critical", "warning", "info"].index)


def test_failure_events_of_a_healthy_pod_and_a_missing_pod(agent):
    d = agent.data(f"{API}/pods/{SHOP}/{WEB_POD}/failure-events")
    assert d["failureEvents"] == [] and d["podStatus"] == "Running"
    r = agent.get(f"{API}/pods/{SHOP}/no-such-pod/failure-events")
    assert r.status == 404 and r.body["error"]["code"] == "RESOURCE_NOT_FOUND"
    assert "no-such-pod" in r.body["error"]["details"]


def test_failure_events_of_a_pending_pod_come_from_the_scheduler(agent, cluster):
    case = cluster.unschedulable["insufficient-cpu"]
    d = agent.data(f"{API}/pods/{case.namespace}/{case.name}/failure-events")
    fs = [e for e in d["failureEvents"] if e["reason"] == "FailedScheduling"]
    assert fs, d
    assert all(e["category"] == "Scheduling" for e in fs)
    assert all(e["lastTimestamp"] for e in fs), "eventTime/series read when lastTimestamp is null"


# ------------------------------------------------------------------------------------------ namespace
def test_namespace_errors(young_agent, cluster):
    d = young_agent.data(f"{API}/namespace/{SHOP}/error")
    assert d["namespace"] == SHOP and d["restartThresholdUsed"] == 5
    # web x2, api, frontend, worker, db-0, batch, gpu-trainer, and the Job's failed pod (every owner kind)
    assert d["totalPodsAnalyzed"] == 9
    pods = {p["name"]: p for p in d["problematicPods"]}
    job = pods.pop(JOB_POD)
    assert (job["ownerKind"], job["ownerName"]) == ("Job", "migrate")
    assert set(pods) == {API_POD, FRONTEND_POD, WORKER_POD}, sorted(pods)
    assert d["healthyPodsCount"] == 5
    # one summary row per workload with failing pods, the Job with the state its (status-less) object gives
    rows = {(w["kind"], w["name"]): w for w in d["workloads"]}
    assert set(rows) == {
        ("Deployment", "api"),
        ("Deployment", "frontend"),
        ("Deployment", "worker"),
        ("Job", "migrate"),
    }
    assert (rows[("Deployment", "api")]["failingPods"], rows[("Deployment", "api")]["topReason"]) == (
        1,
        "CrashLoopBackOff",
    )
    types = {name: {i["type"] for i in p["issues"]} for name, p in pods.items()}
    assert types[API_POD] == {"CrashLoopBackOff", "HighRestarts"}
    assert types[FRONTEND_POD] == {"ImagePullError"}
    assert types[WORKER_POD] == {"OOMKilled", "HighRestarts"}
    # the owner is the Deployment, resolved through the ReplicaSet
    assert {(p["ownerKind"], p["ownerName"]) for p in pods.values()} == {
        ("Deployment", "api"),
        ("Deployment", "frontend"),
        ("Deployment", "worker"),
    }
    api = pods[API_POD]
    assert api["restartCount"] == 12 and api["status"] == "CrashLoopBackOff"
    crash = next(i for i in api["issues"] if i["type"] == "CrashLoopBackOff")
    assert crash["severity"] == "critical" and "exit code 1" in crash["details"]
    # Warning events of the last hour, newest first
    assert [e["reason"] for e in api["recentEvents"]] == ["BackOff", "Unhealthy"]
    oom = next(i for i in pods[WORKER_POD]["issues"] if i["type"] == "OOMKilled")
    assert "137" in oom["details"] and oom["severity"] == "warning"  # running again
    assert pods[WORKER_POD]["restartCount"] == 6
    pull = next(i for i in pods[FRONTEND_POD]["issues"] if i["type"] == "ImagePullError")
    assert "ImagePullBackOff" in pull["description"]
    summary = {s["issueType"]: s for s in d["summary"]}
    # Failed: the Job's pod (exit code 2)
    assert set(summary) == {"HighRestarts", "CrashLoopBackOff", "ImagePullError", "OOMKilled", "Failed"}
    assert summary["Failed"]["affectedPods"] == [JOB_POD]
    assert summary["HighRestarts"]["count"] == 2
    # pods pending for less than 5 minutes are not reported yet (see the clock-shifted check below)
    assert BATCH_POD not in pods and GPU_TRAINER_POD not in pods
    assert d["warnings"] == []


def test_namespace_errors_report_pods_the_scheduler_cannot_place(shifted_agent, cluster):
    d = shifted_agent.data(f"{API}/namespace/{SHOP}/error")
    pods = {p["name"]: p for p in d["problematicPods"]}
    assert d["totalPodsAnalyzed"] == 9
    batch = pods[BATCH_POD]
    assert (batch["ownerKind"], batch["ownerName"]) == ("Deployment", "batch")
    rc = next(i for i in batch["issues"] if i["type"] == "ResourceConstraints")
    assert rc["severity"] == "critical" and "Insufficient cpu" in rc["details"]
    trainer = pods[GPU_TRAINER_POD]
    assert (trainer["ownerKind"], trainer["ownerName"]) == ("Deployment", "gpu-trainer")
    un = next(i for i in trainer["issues"] if i["type"] == "Unschedulable")
    assert "untolerated taint" in un["details"]
    summary = {s["issueType"] for s in d["summary"]}
    assert {"ResourceConstraints", "Unschedulable", "CrashLoopBackOff", "ImagePullError"} <= summary
    assert any(e["reason"] == "FailedScheduling" for e in batch["recentEvents"])


def test_namespace_errors_of_an_unknown_namespace_is_404(agent):
    r = agent.get(f"{API}/namespace/e2e-no-such-namespace/error")
    assert r.status == 404 and r.body["error"]["code"] == "RESOURCE_NOT_FOUND"


def test_cluster_pod_issues(young_agent):
    agent = young_agent
    d = agent.data(f"{API}/cluster/pod-issues")
    assert d["scope"] == "all" and not d["truncated"]
    names = {(p["namespace"], p["name"]) for p in d["problematicPods"]}
    assert {(SHOP, API_POD), (SHOP, FRONTEND_POD), (SHOP, WORKER_POD), (SHOP, JOB_POD)} <= names
    ns = {n["namespace"]: n for n in d["namespaces"]}
    assert ns[SHOP]["totalPods"] == 9 and ns[SHOP]["problematicPods"] == 4
    # ownerKinds: the Deployment and StatefulSet pods only
    wl = agent.data(f"{API}/cluster/pod-issues?namespace={SHOP}&ownerKinds=Deployment,StatefulSet")
    assert wl["scope"] == "ownerKinds" and wl["podsAnalyzed"] == 8
    assert {p["name"] for p in wl["problematicPods"]} == {API_POD, FRONTEND_POD, WORKER_POD}
    # the same rules and the same answer as the namespace endpoint
    one = agent.data(f"{API}/cluster/pod-issues?namespace={SHOP}")
    ne = agent.data(f"{API}/namespace/{SHOP}/error")
    assert {p["name"] for p in one["problematicPods"]} == {p["name"] for p in ne["problematicPods"]}
    assert one["criticalIssuesCount"] == ne["criticalIssuesCount"]
    # includeAll (kept for compatibility) changes nothing: the Job's failed pod is analysed anyway
    every = agent.data(f"{API}/cluster/pod-issues?includeAll=true&namespace={SHOP}")
    assert every["problematicPodsCount"] == one["problematicPodsCount"]
    job = next(p for p in every["problematicPods"] if p["name"] == JOB_POD)
    assert (job["ownerKind"], job["ownerName"]) == ("Job", "migrate")
    assert any(i["type"] == "Failed" for i in job["issues"])
    # filters
    crash = agent.data(f"{API}/cluster/pod-issues?issueType=CrashLoopBackOff")
    assert {p["name"] for p in crash["problematicPods"] if p["namespace"] == SHOP} == {API_POD}
    warn = agent.data(f"{API}/cluster/pod-issues?severity=warning&namespace={SHOP}")
    assert [p["name"] for p in warn["problematicPods"]] == [WORKER_POD]
    limited = agent.data(f"{API}/cluster/pod-issues?limit=1")
    assert limited["returnedPods"] == 1 and limited["truncated"] is True


# ------------------------------------------------------------------------------------------ describe/resources/health
def test_describe(agent, cluster):
    d = agent.data(f"{API}/pods/{SHOP}/{API_POD}/describe")
    pod = cluster.pod(SHOP, API_POD)
    assert d["name"] == API_POD and d["uid"] == pod["metadata"]["uid"]
    assert d["node"] == WORKER_A and d["podStatus"] == "CrashLoopBackOff"
    assert d["controlledBy"] == {"kind": "ReplicaSet", "name": "api-5d8f7c9b6"}
    assert d["qosClass"] == "Burstable" and d["serviceAccount"] == "default"
    (c,) = d["containers"]
    assert c["restartCount"] == 12 and c["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert c["lastState"]["terminated"]["exitCode"] == 1 and c["lastState"]["terminated"]["reason"] == "Error"
    assert c["probes"]["readiness"].startswith("http-get http://:8080/healthz")
    assert any(m["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount" for m in c["mounts"])
    events = d["events"]
    assert [e["reason"] for e in events] == [
        "BackOff",
        "Unhealthy",
        "Started",
        "Created",
        "Pulled",
        "Scheduled",
    ]
    stamps = [_parse_ts(e["lastTimestamp"]) for e in events]
    assert stamps == sorted(stamps, reverse=True), "events newest first"
    assert events[0]["count"] == 40 and events[0]["fieldPath"] == "spec.containers{api}"
    assert d["warnings"] == []
    # the StatefulSet's pod and a pending pod with the scheduler's events.k8s.io-shaped events
    db = agent.data(f"{API}/pods/{SHOP}/db-0/describe")
    assert db["controlledBy"] == {"kind": "StatefulSet", "name": "db"} and db["podStatus"] == "Running"
    pend = agent.data(f"{API}/pods/{SHOP}/{BATCH_POD}/describe")
    assert pend["podStatus"] == "Pending" and pend["node"] == ""
    fs = [e for e in pend["events"] if e["reason"] == "FailedScheduling"]
    assert fs and all(e["source"].startswith("default-scheduler") for e in fs), fs
    job = agent.data(f"{API}/pods/{SHOP}/{JOB_POD}/describe")
    assert job["controlledBy"] == {"kind": "Job", "name": "migrate"} and job["podStatus"] == "Error"
    r = agent.get(f"{API}/pods/{SHOP}/no-such-pod/describe")
    assert r.status == 404 and r.body["error"]["code"] == "RESOURCE_NOT_FOUND"


def test_resources(agent):
    d = agent.data(f"{API}/pods/{SHOP}/{API_POD}/resources")
    assert d["qosClass"] == "Burstable"
    assert d["containers"] == [
        {
            "name": "api",
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
            "sidecar": False,
        }
    ]
    assert d["total"]["cpuRequest"] == "100m" and d["total"]["memoryLimit"] == "256Mi"
    assert d["effective"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    db = agent.data(f"{API}/pods/{SHOP}/db-0/resources")
    assert db["total"]["cpuRequest"] == "500m" and db["total"]["memoryRequest"] == "1Gi"


def test_health_score(agent):
    healthy = agent.data(f"{API}/pods/{SHOP}/{WEB_POD}/health-score")
    assert healthy["overallScore"] >= 90 and healthy["status"] == "Healthy"
    assert set(healthy["components"]) == {"restarts", "containerStates", "events", "conditions", "scheduling"}
    crash = agent.data(f"{API}/pods/{SHOP}/{API_POD}/health-score")
    # below 50 the status is Degraded (30-49) or Critical (under 30): which one follows from the exact score
    assert crash["overallScore"] < 50 and crash["status"] == overall_status(crash["overallScore"])
    assert crash["details"]["restartCount"] == 12 and crash["details"]["podStatus"] == "CrashLoopBackOff"
    assert any(e["reason"] == "BackOff" for e in crash["details"]["recentEvents"])
    oom = agent.data(f"{API}/pods/{SHOP}/{WORKER_POD}/health-score")
    assert crash["overallScore"] < oom["overallScore"] < healthy["overallScore"]
    assert oom["details"]["lastRestartReason"].startswith("OOMKilled")
    pending = agent.data(f"{API}/pods/{SHOP}/{BATCH_POD}/health-score")
    assert pending["components"]["scheduling"]["score"] < 100


# ------------------------------------------------------------------------------------------ nodes (no metrics-server)
def test_nodes_utilization_without_metrics_server(agent, cluster):
    d = agent.data(f"{API}/nodes/utilization?sort=name")
    assert d["metricsAvailable"] is False and "metrics-server" in d["message"]
    nodes = {n["nodeName"]: n for n in d["nodes"]}
    assert set(NODE_NAMES) <= set(nodes)
    names = [n["nodeName"] for n in d["nodes"]]
    assert names == sorted(names)
    a = nodes[WORKER_A]
    assert a["metricsStatus"] == "unavailable" and a["cpuUsage"] is None
    assert (a["cpuCapacity"], a["cpuAllocatable"], a["memoryAllocatable"]) == ("4", "3920m", "15Gi")
    # web 250m + api 100m + db-0 500m; the Job's failed pod is terminated and not counted
    assert a["podCount"] == 3 and a["allocated"]["cpu"]["requests"] == "850m"
    assert nodes[TINY_NODE]["podCount"] == 2 and nodes[TINY_NODE]["podCapacity"] == 2
    assert nodes[CORDONED_NODE]["conditions"]["unschedulable"] is True
    assert "node.kubernetes.io/unschedulable:NoSchedule" in nodes[CORDONED_NODE]["conditions"]["taints"]
    assert nodes[GPU_NODE]["conditions"]["taints"] == ["dedicated=gpu:NoSchedule"]
    assert any(o["resource"] == "nvidia.com/gpu" for o in nodes[GPU_NODE]["allocated"]["other"])
    assert d["totals"]["nodesWithMetrics"] == 0 and d["nodesWithoutMetrics"] == d["nodeCount"]


def test_node_utilization_of_an_unknown_node_is_404(agent):
    r = agent.get(f"{API}/nodes/e2e-no-such-node/utilization")
    assert r.status == 404 and r.body["error"]["code"] == "RESOURCE_NOT_FOUND"
    assert "e2e-no-such-node" in r.body["error"]["details"]


# ------------------------------------------------------------------------------------------ no refusals (last)
def _walk(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, obj


def test_no_read_of_the_agent_was_refused(agent, cluster):
    """Runs last: every response this module got, plus one read of every route for a few objects."""
    for ns, pod in ((SHOP, API_POD), (SCHED, "needs-volume"), (SHOP, BATCH_POD)):
        for ep in (
            "describe",
            "resources",
            "failure-events",
            "scheduling",
            "scheduling/explain",
            "health-score",
        ):
            agent.get(f"{API}/pods/{ns}/{quote(pod)}/{ep}")
    for path in (
        f"{API}/namespace/{SCHED}/error",
        f"{API}/cluster/pod-issues?includeAll=true",
        f"{API}/nodes/utilization",
    ):
        agent.get(path)
    assert len(SEEN) >= 20
    problems = []
    for path, r in SEEN.items():
        if not path.startswith(API + "/"):
            continue  # /openapi.json documents the 403 of AUTH_MODE=token
        if r.status >= 500:
            problems.append((path, r.status, r.body))
        for where, value in _walk(r.body):
            if isinstance(value, str) and (REFUSAL in value or "forbidden" in value.lower()):
                problems.append((path, where, value))
    assert not problems, problems
    log = agent.proc.log_text()
    assert "forbidden" not in log.lower(), [line for line in log.splitlines() if "forbidden" in line.lower()][
        :5
    ]
    assert REFUSAL not in log
    # the agent really served these reads from the API server (not from some snapshot)
    assert '"upstreamCalls"' in log


def test_agent_shuts_down_cleanly(control_plane, cluster, agent_identity):
    """SIGTERM ends the manager and its workers within the grace period (an agent of its own, so the module's
    agent serves the other tests in any order)."""
    env = {**agent_identity.chart_env(), "REQUEST_DEADLINE": "5s"}
    own = AgentProcess(agent_identity.kubeconfig, workers=2, env=env, name="e2e-shutdown")
    own.start()
    try:
        # both workers up, as the module's long-running agent was (a SIGTERM during start-up is another test's)
        wait_for(lambda: own.log_text().count("Worker ready") >= 2, 60, 0.2, "both workers ready")
        proc = own.proc
        assert proc is not None and proc.poll() is None
        started = datetime.now(UTC)
        own.stop()
    finally:
        own.cleanup()
    assert proc.returncode is not None
    assert datetime.now(UTC) - started < timedelta(seconds=15)
