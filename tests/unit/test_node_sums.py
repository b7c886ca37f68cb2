"""Per-node sums kept pod by pod (the cluster index's) and the all-nodes answer's per-node memo: the same
answers as the one-pass computation over the pod list, whatever the order of changes."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from builders import container, make_node, make_pod
from k8s_agent.analysis.node_utilization import NodeSums, cluster_utilization, sums_of
from k8s_agent.kube.models import NodeMetrics

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def sample(node: str, cpu: str) -> NodeMetrics:
    return msgspec.convert(
        {
            "metadata": {"name": node},
            "timestamp": NOW,
            "window": "20s",
            "usage": {"cpu": cpu, "memory": "1Gi"},
        },
        NodeMetrics,
    )


def test_put_and_remove_keep_the_sums_of_the_pods_present():
    pods = [make_pod(f"p{i}", node=f"n{i % 2}", cpu=f"{100 * (i + 1)}m") for i in range(6)]
    sums = NodeSums()
    for p in pods:
        sums.put(p)
    sums.put(make_pod("p0", node="n1", cpu="50m"))  # p0 moves (a new version) and shrinks
    sums.remove("default", "p5")
    sums.remove("default", "nope")  # unknown: nothing
    expected = sums_of([make_pod("p0", node="n1", cpu="50m"), *pods[1:5]])
    for node in ("n0", "n1"):
        assert sums.of(node) == expected.of(node)
    sums.put(make_pod("p2", node="n0", cpu="300m", phase="Succeeded"))  # terminated: no longer counted
    assert sums.of("n0")[2] == expected.of("n0")[2] - 1
    for name in ("p0", "p1", "p3", "p4"):
        sums.remove("default", name)
    assert sums.of("n0") == sums.of("n1") == ({}, {}, 0) and len(sums) == 0


def test_the_memo_gives_the_same_answer_and_follows_changes():
    nodes = [make_node(f"n{i}") for i in range(4)]
    pods = [make_pod(f"p{i}", node=f"n{i % 4}", cpu="250m") for i in range(12)]
    metrics = [sample(f"n{i}", f"{i + 1}00m") for i in range(3)]  # n3 has no sample
    sums = sums_of(pods)
    memo: dict = {}
    plain = cluster_utilization(nodes, metrics, sums, now=NOW)
    first = cluster_utilization(nodes, metrics, sums, now=NOW, memo=memo)
    again = cluster_utilization(nodes, metrics, sums, now=NOW, memo=memo)
    assert msgspec.json.encode(plain) == msgspec.json.encode(first) == msgspec.json.encode(again)
    assert again.nodes[0] is first.nodes[0]  # unchanged inputs: the entry is reused

    sums.put(make_pod("extra", node="n2", cpu="1"))  # n2's sums change, a new sample for n0
    metrics[0] = sample("n0", "900m")
    changed = cluster_utilization(nodes, metrics, sums, now=NOW, memo=memo)
    fresh = cluster_utilization(nodes, metrics, sums, now=NOW)
    assert msgspec.json.encode(changed) == msgspec.json.encode(fresh)
    by_name = {u.node_name: u for u in changed.nodes}
    assert by_name["n2"].pod_count == 4 and by_name["n0"].cpu_usage == "900m"
    assert set(memo) == {"n0", "n1", "n2", "n3"}
    cluster_utilization(nodes[:2], metrics, sums, now=NOW, memo=memo)
    assert set(memo) == {"n0", "n1"}  # only the nodes of the last answer are kept


def test_a_resource_no_pod_left_on_the_node_asks_for_is_gone_from_its_sums():
    gpu = "nvidia.com/gpu"
    sums = sums_of(
        [
            make_pod("web", node="n0", cpu="100m", memory=None),
            make_pod(
                "train", node="n0", containers=[container(cpu="100m", extra={gpu: "1"}, limits={gpu: "1"})]
            ),
        ]
    )
    assert sums.of("n0")[0][gpu] == 1_000_000_000
    sums.remove("default", "train")
    requests, limits, count = sums.of("n0")
    # the node's remaining pod asks for cpu only: no zero GPU entry left behind (it would list the GPU)
    assert requests == {"cpu": 100_000_000} and gpu not in limits and count == 1


def test_the_last_pod_leaving_a_node_takes_its_limits_with_it():
    sums = sums_of([make_pod("web", node="n0", containers=[container(cpu="100m", limits={"cpu": "200m"})])])
    assert sums.of("n0")[1] == {"cpu": 200_000_000}
    sums.remove("default", "web")
    # the node has no pod left: neither its requests nor its limits are kept (a gauge would show a limit)
    assert sums.of("n0") == ({}, {}, 0)
