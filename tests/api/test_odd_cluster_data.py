"""Never a 500 for what the cluster can contain: every endpoint over every pod and node of the demo cluster,
and over degenerate but API-valid objects (no status, malformed quantities, nodes without allocatable or
conditions, events without times or counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support import client_for

from corpus import DEMO
from k8s_agent.kube.snapshot import SnapshotSource

POD_ROUTES = ("describe", "resources", "scheduling", "scheduling/explain", "failure-events", "health-score")


def _odd_cluster(d: Path) -> None:
    pods = [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": "odd"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "bad-quantities",
                "namespace": "odd",
                "uid": "u1",
                "ownerReferences": [
                    {"kind": "ReplicaSet", "name": "gone-rs", "uid": "x", "controller": True}
                ],
            },
            "spec": {
                "nodeName": "no-such-node",
                "containers": [
                    {
                        "name": "c",
                        "resources": {
                            "requests": {"cpu": "lots", "memory": "1.5.6Gi"},
                            "limits": {"memory": "-1"},
                        },
                    }
                ],
                "initContainers": [{"name": "i", "restartPolicy": "Always"}],
                "overhead": {"cpu": "?"},
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{}]}
                    },
                    "podAntiAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": ""}]
                    },
                },
                "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "missing"}}, {"name": "w"}],
            },
            "status": {
                "phase": "Pending",
                "conditions": [{"type": "PodScheduled", "status": "False"}],
                "containerStatuses": [{"name": "c", "state": {}, "lastState": {"terminated": {}}}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "pending", "namespace": "odd", "creationTimestamp": "2020-01-01T00:00:00Z"},
            "spec": {
                "containers": [{"name": "c", "resources": {"requests": {"example.com/widget": "3"}}}],
                "tolerations": [{"operator": "Exists"}],
                "nodeSelector": {"": ""},
            },
            "status": {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/0 nodes are available",
                    }
                ],
            },
        },
    ]
    nodes = [
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "empty-node"}},
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "odd-node"},
            "spec": {"taints": [{"key": "", "effect": "NoSchedule"}]},
            "status": {
                "capacity": {"cpu": "x"},
                "allocatable": {"memory": "12"},
                "conditions": [{"type": "Ready"}],
            },
        },
    ]
    events = [
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "e1", "namespace": "odd"},
            "involvedObject": {"kind": "Pod", "name": "pending"},
            "type": "Warning",
            "reason": "FailedScheduling",
            "message": "(combined from similar events): ",
        },
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "e2", "namespace": "odd"},
            "involvedObject": {"kind": "Pod", "name": "bad-quantities"},
            "count": 0,
            "series": {"count": 0},
        },
    ]
    metrics = {
        "kind": "NodeMetricsList",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "items": [{"metadata": {"name": "odd-node"}, "usage": {"cpu": "??", "memory": ""}}],
    }
    for name, items in (("pods", pods), ("nodes", nodes), ("events", events)):
        (d / f"{name}.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    (d / "nodemetrics.json").write_text(json.dumps(metrics))


@pytest.fixture(scope="module")
def odd_client(tmp_path_factory):
    d = tmp_path_factory.mktemp("odd")
    _odd_cluster(d)
    with client_for(SnapshotSource(d), request_deadline=30.0) as c:  # correctness here, not time
        yield c


@pytest.fixture(scope="module")
def demo_client():
    with client_for(SnapshotSource(DEMO), request_deadline=30.0) as c:  # correctness here, not time
        yield c


def _assert_all_answered(client, paths):
    """Every path names an object the dump holds and the snapshot source cannot fail, so each one is a 200
    with data: not a 500, and not a 404 or 503 either (which would hide a degenerate field read as missing)."""
    bad = []
    for path in paths:
        _, resp = client.get("/api/v1" + path)
        if resp.status_code != 200 or not resp.json.get("data"):
            bad.append((path, resp.status_code, resp.text[:300]))
    assert not bad, bad


def test_every_endpoint_on_degenerate_objects(odd_client):
    paths = [f"/pods/odd/{p}/{r}" for p in ("bare", "bad-quantities", "pending") for r in POD_ROUTES]
    paths += [
        "/namespace/odd/error",
        "/nodes/empty-node/utilization",
        "/nodes/odd-node/utilization",
        "/nodes/utilization",
        "/cluster/pod-issues?includeAll=true",
    ]
    _assert_all_answered(odd_client, paths)


def test_every_endpoint_on_every_demo_pod_and_node(demo_client):
    src = SnapshotSource(DEMO)
    paths = [f"/pods/{ns}/{name}/{r}" for (ns, name) in src.pods for r in POD_ROUTES]
    paths += [f"/nodes/{n}/utilization" for n in src.nodes]
    paths += [f"/namespace/{ns}/error" for ns in src.namespaces]
    _assert_all_answered(demo_client, paths)
