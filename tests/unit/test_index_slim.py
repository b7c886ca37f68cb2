"""What the index keeps of a pod is made of shared parts (its memory per pod), and the answers read from it are
those of the full pods: equal records share their kubectl row, controller key and empty issue list, and slim
copies share their empty fields, while every pod keeps its own identity and issues."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import api_pod
from k8s_agent.analysis.node_utilization import sums_of
from k8s_agent.analysis.pod_issues import analyze_cluster
from k8s_agent.kube import models as m
from k8s_agent.kube.index import ClusterIndex

NOW = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d4cf56db6", "controller": True}


def pods() -> list[m.Pod]:
    docs = [api_pod(f"web-6d4cf56db6-{i:05d}", "shop", node=f"node-{i % 3}", owner=RS) for i in range(6)]
    docs.append(api_pod("web-6d4cf56db6-crash", "shop", node="node-1", owner=RS, crash_loop=True, restarts=9))
    for i, d in enumerate(docs):
        d["metadata"]["uid"] = f"0b6f4c1e-8f3e-4d1a-9c7b-{i:012d}"
    return [m.convert(d, m.Pod) for d in docs]


def test_equal_parts_are_stored_once_and_each_pod_keeps_its_own_identity_and_issues():
    index = ClusterIndex(None)
    for p in pods():
        index.put("pods", p, NOW)
    records = [index.pod_table.records[("shop", f"web-6d4cf56db6-{i:05d}")] for i in range(6)]
    crash = index.pod_table.records[("shop", "web-6d4cf56db6-crash")]
    first = records[0]
    for rec in records[1:]:
        assert rec.kubectl is first.kubectl and rec.ctrl_key is first.ctrl_key
        assert rec.issues is first.issues and rec.issues == []
        assert rec.phase is first.phase and rec.template_hash is first.template_hash
        assert rec.name != first.name and rec.uid != first.uid
    assert crash.kubectl is not first.kubectl and [i.type for i in crash.issues] == [
        "HighRestarts",
        "CrashLoopBackOff",
    ]
    slims = list(index.node_sums._by_pod.values())
    assert len({id(s.spec.tolerations) for s in slims}) == 1  # unset fields: one shared empty list
    assert len({id(s.metadata.annotations) for s in slims}) == 1
    assert len({id(s.spec.init_containers) for s in slims}) == 1
    assert len({id(s.spec.containers) for s in slims}) == 1  # equal containers (resources) stored once
    assert first.kubectl.status == "Running" and first.kubectl.ready == "1/1"


def test_the_answers_from_the_index_are_those_of_the_full_pods():
    full = pods()
    index = ClusterIndex(None)
    for p in full:
        index.put("pods", p, NOW)
    expected = analyze_cluster(full, [], [], restart_threshold=index.restart_threshold, now=NOW)
    got = index.pod_table.report(now=NOW, owners=index.owner_index, recent=index.recent_events)
    assert got == expected
    direct = sums_of(full)
    for node in ("node-0", "node-1", "node-2"):
        assert index.node_sums.of(node) == direct.of(node)
