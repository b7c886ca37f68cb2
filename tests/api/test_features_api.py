"""Every analysis endpoint over HTTP on the bundled demo cluster (timestamps shifted to now), checked against
what the demo was built to show (src/k8s_agent/demo/cluster/README.md)."""

from __future__ import annotations

import pytest
from _support import client_for

from corpus import DEMO
from k8s_agent.kube.snapshot import SnapshotSource


@pytest.fixture(scope="module")
def client():
    with client_for(SnapshotSource(DEMO)) as c:
        yield c


def data(client, path: str):
    _, resp = client.get("/api/v1" + path)
    assert resp.status_code == 200, resp.text
    return resp.json["data"]


def error(client, path: str, status: int) -> dict:
    _, resp = client.get("/api/v1" + path)
    assert resp.status_code == status, resp.text
    return resp.json["error"]


def test_pending_pod_that_fits_nowhere_by_memory(client):
    d = data(client, "/pods/shop/recommender-8f6b7c5d9-vqxhq/scheduling")
    assert d["status"] == "Pending"
    assert {"InsufficientMemory", "TaintTolerationMismatch"} <= set(d["failureCategories"])
    nodes = {n["nodeName"]: n for n in d["unschedulableNodes"]}
    assert "InsufficientMemory" in nodes["demo-worker-1"]["categories"]
    assert any("requested: 8Gi" in r for r in nodes["demo-worker-1"]["insufficientResources"])
    assert "TaintTolerationMismatch" in nodes["demo-gpu-1"]["categories"]
    assert d["schedulingEvents"] and d["schedulingEvents"][0]["reason"] == "FailedScheduling"
    summary = {s["category"]: s for s in d["failureSummary"]}
    assert summary["InsufficientMemory"]["description"] == "Insufficient memory resources available on nodes"


def test_explain_gives_concrete_suggestions(client):
    d = data(client, "/pods/shop/recommender-8f6b7c5d9-vqxhq/scheduling/explain")
    text = " ".join(d["suggestions"])
    assert "lack memory" in text and "8Gi" in text
    assert "dedicated=gpu:NoSchedule" in text
    assert d["summary"]["totalNodes"] == 5


def test_volume_zone_conflict_and_gated_and_scheduled_pods(client):
    d = data(client, "/pods/data/search-1/scheduling")
    assert "VolumeNodeAffinityConflict" in d["failureCategories"]
    gated = next(p for p in SnapshotSource(DEMO).pods if p[1].startswith("quarterly-backfill"))
    d = data(client, f"/pods/{gated[0]}/{gated[1]}/scheduling")
    assert d["status"] == "SchedulingGated" and d["schedulingGates"]
    d = data(client, "/pods/shop/web-5d8f7c9b6-jjfph/scheduling")
    assert d["status"] == "Scheduled" and d["nodeName"]
    assert d["schedulingReasons"]


def test_failure_events_of_a_crash_looping_pod(client):
    d = data(client, "/pods/shop/api-6b7d9c8f4-xrjhz/failure-events")
    assert d["podStatus"] == "CrashLoopBackOff" and d["podPhase"] == "Running"
    first = d["failureEvents"][0]
    assert (first["reason"], first["category"], first["severity"]) == (
        "BackOff",
        "ContainerCrash",
        "critical",
    )
    assert first["isRecurring"] and first["recurrenceRate"].endswith("times per hour")
    assert any("exited with code 1" in c for c in first["possibleCauses"])
    assert any(i.startswith("BackOff:") for i in d["ongoingIssues"])  # last seen 30 s before the capture
    assert d["eventCategories"]["ContainerCrash"] >= 1


def test_failure_events_of_image_pull_and_missing_pod(client):
    d = data(client, "/pods/shop/checkout-7f6d5b8c9d-jhln4/failure-events")
    assert d["podStatus"] == "ImagePullBackOff"
    assert "ImagePull" in d["eventCategories"]
    err = error(client, "/pods/shop/checkout-gone/failure-events", 404)
    assert err["details"] == "Pod 'checkout-gone' not found in namespace 'shop'"


def test_namespace_errors(client):
    d = data(client, "/namespace/shop/error")
    types = {s["issueType"] for s in d["summary"]}
    assert {"CrashLoopBackOff", "ImagePullError", "OOMKilled", "Evicted", "HighRestarts"} <= types
    assert d["problematicPodsCount"] + d["healthyPodsCount"] == d["totalPodsAnalyzed"]
    api = next(p for p in d["problematicPods"] if p["name"] == "api-6b7d9c8f4-xrjhz")
    assert (api["ownerKind"], api["ownerName"]) == ("Deployment", "api")
    for s in d["summary"]:
        assert len(s["affectedPods"]) == len(set(s["affectedPods"])) == s["count"]
    workloads = {(w["kind"], w["name"]): w for w in d["workloads"]}
    assert (workloads[("Deployment", "api")]["state"], workloads[("Deployment", "api")]["topReason"]) == (
        "stuck",
        "CrashLoopBackOff",
    )
    # Jobs are analysed too (every owner kind), under their Job, with the Job's state
    batch = data(client, "/namespace/batch/error")
    failed = next(p for p in batch["problematicPods"] if p["name"] == "invoice-reconcile-wcq8d")
    assert (failed["ownerKind"], failed["ownerName"]) == ("Job", "invoice-reconcile")
    assert {
        "namespace": "batch",
        "kind": "Job",
        "name": "invoice-reconcile",
        "state": "failed",
    }.items() <= next(w for w in batch["workloads"] if w["name"] == "invoice-reconcile").items()
    only = data(client, "/namespace/batch/error?ownerKinds=deployment")
    assert only["ownerKinds"] == ["Deployment"] and only["totalPodsAnalyzed"] == 0
    err = error(client, "/namespace/batch/error?ownerKinds=Widget", 400)
    assert "Widget" in err["details"]
    err = error(client, "/namespace/no-such-ns/error", 404)
    assert err["details"] == "Namespace 'no-such-ns' not found"


def test_node_utilization(client):
    d = data(client, "/nodes/demo-worker-1/utilization")
    assert d["nodeName"] == "demo-worker-1"
    assert d["cpuUsage"] and d["memoryUsage"] and 0 < d["cpuPercentage"] < 100
    assert d["cpuCapacity"] == "4"
    no_sample = data(client, "/nodes/demo-worker-3/utilization")  # NotReady: metrics-server has no sample
    assert no_sample["cpuUsage"] is None and no_sample["metricsStatus"] == "noSample"
    error(client, "/nodes/no-such-node/utilization", 404)
    all_nodes = data(client, "/nodes/utilization")
    assert all_nodes["nodeCount"] == 5 and all_nodes["nodesWithoutMetrics"] == 1


def test_cluster_pod_issues_and_filters(client):
    d = data(client, "/cluster/pod-issues")
    assert d["problematicPodsCount"] > 0
    crit = data(client, "/cluster/pod-issues?severity=critical&limit=2")
    assert crit["returnedPods"] <= 2
    error(client, "/cluster/pod-issues?severity=loud", 400)
    error(client, "/cluster/pod-issues?limit=0", 400)


def test_health_scores_order_healthy_above_broken(client):
    healthy = data(client, "/pods/data/postgres-0/health-score")
    broken = data(client, "/pods/shop/api-6b7d9c8f4-xrjhz/health-score")
    assert healthy["overallScore"] >= 90 and healthy["status"] == "Healthy"
    assert broken["overallScore"] < 50
    assert set(broken["components"]) >= {"restarts", "containerStates", "events", "conditions"}
