"""The all-nodes answer: the cluster totals field by field (usage over the sampled nodes only, capacity over
every node), the order of the nodes (ties, nodes without a sample), the messages of an answer without
metrics, the memo of each node's entry and the generator's steps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from builders import container, make_node, make_pod
from k8s_agent.analysis.node_utilization import (
    NO_SAMPLE_MESSAGE,
    cluster_utilization,
    cluster_utilization_steps,
    sorted_nodes,
    sums_of,
)
from k8s_agent.kube.models import Node, NodeMetrics

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
COMMITTED_ONLY = "; showing the committed view only (capacity, allocatable, requests, limits)"


def sample(node: str, cpu: str | None = "100m", memory: str | None = "1Gi", at: str = "2025-06-01T11:59:40Z"):
    usage = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return msgspec.convert(
        {"metadata": {"name": node}, "timestamp": at, "window": "20s", "usage": usage}, NodeMetrics
    )


def reshaped(node: Node, *, drop_capacity=(), drop_allocatable=(), conditions: list | None = None) -> Node:
    """The node with some capacity/allocatable entries absent, or other conditions."""
    raw: dict[str, Any] = msgspec.to_builtins(node)
    for k in drop_capacity:
        del raw["status"]["capacity"][k]
    for k in drop_allocatable:
        del raw["status"]["allocatable"][k]
    if conditions is not None:
        raw["status"]["conditions"] = conditions
    return msgspec.convert(raw, Node)


def pod(name: str, node: str, cpu: str | None, memory: str | None = None, limits: dict | None = None):
    return make_pod(name, node=node, containers=[container(cpu=cpu, memory=memory, limits=limits)])


# ------------------------------------------------------------------------------------------ totals
def _three_nodes():
    big = make_node(
        "n-big", cpu="8", memory="32Gi", allocatable={"cpu": "7910m", "memory": "29Gi", "pods": "100"}
    )
    # memory pressure, then NotReady; neither it nor its allocatable says how many pods it takes
    small = reshaped(
        make_node("n-small", cpu="2", memory="4Gi", allocatable={"cpu": "1930m", "memory": "3Gi"}),
        drop_capacity=["pods"],
        drop_allocatable=["pods"],
        conditions=[
            {"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory"},
            {"type": "Ready", "status": "False", "reason": "KubeletNotReady"},
        ],
    )
    new = reshaped(make_node("n-new", cpu="4", memory="16Gi"), drop_allocatable=["pods"])  # capacity: 110
    pods = [
        pod("p1", "n-big", "1", "2Gi", limits={"cpu": "2", "memory": "4Gi"}),
        pod("p2", "n-new", "500m", "512Mi"),
    ]
    samples = [
        sample("n-big", cpu="3955m", memory="8Gi"),
        sample("n-small", cpu=None, memory="1Gi", at="2025-06-01T11:59:50Z"),  # scraped without cpu
    ]
    return [big, small, new], samples, pods


def test_totals_field_by_field():
    nodes, samples, pods = _three_nodes()
    r = cluster_utilization(nodes, samples, pods, now=NOW)
    t = r.totals
    assert (t.node_count, t.ready_nodes, t.nodes_with_metrics, t.nodes_without_metrics) == (3, 2, 2, 1)
    # cpu usage: n-big only (n-small's sample has no cpu), against n-big's own capacity and allocatable
    assert (t.cpu_usage, t.cpu_usage_millicores) == ("3955m", 3955)
    assert (t.cpu_percentage, t.cpu_allocatable_percentage) == (49.4, 50.0)  # 3955/8000, 3955/7910
    # memory usage: n-big and n-small, against their 36Gi capacity and 32Gi allocatable
    assert (t.memory_usage, t.memory_usage_bytes) == ("9Gi", 9 * 1024**3)
    assert (t.memory_percentage, t.memory_allocatable_percentage) == (25.0, 28.1)
    # capacity and allocatable: every node
    assert (t.cpu_capacity, t.cpu_capacity_millicores) == ("14", 14000)
    assert (t.cpu_allocatable, t.cpu_allocatable_millicores) == ("13840m", 13840)
    assert (t.memory_capacity, t.memory_capacity_bytes) == ("52Gi", 52 * 1024**3)
    assert (t.memory_allocatable, t.memory_allocatable_bytes) == ("48Gi", 48 * 1024**3)
    a = t.allocated
    assert (a.cpu.requests, a.cpu.requests_percentage, a.cpu.limits, a.cpu.limits_percentage) == (
        "1500m",
        10.8,
        "2",
        14.5,
    )
    assert (a.memory.requests, a.memory.requests_percentage, a.memory.limits) == ("2560Mi", 5.2, "4Gi")
    # pods: n-big's allocatable 100 (not its capacity 110), n-new's capacity 110, n-small none
    assert (t.pod_count, t.pod_capacity, t.pod_percentage) == (2, 210, 1.0)
    assert r.nodes_without_metrics == 1 and r.timestamp == "2025-06-01T11:59:50Z"


def test_each_node_entry_says_where_its_usage_comes_from():
    nodes, samples, pods = _three_nodes()
    by_name = {u.node_name: u for u in cluster_utilization(nodes, samples, pods, now=NOW).nodes}
    big = by_name["n-big"]
    assert (big.metrics_status, big.message, big.timestamp, big.window) == (
        "ok",
        "",
        "2025-06-01T11:59:40Z",
        "20s",
    )
    new = by_name["n-new"]
    assert new.metrics_status == "noSample" and new.timestamp is None
    assert new.message == NO_SAMPLE_MESSAGE.format(node="n-new")
    assert new.message.startswith("metrics-server has no sample for node 'n-new' yet")
    r = cluster_utilization(nodes, None, pods, now=NOW)
    assert {(u.metrics_status, u.message) for u in r.nodes} == {
        ("unavailable", "metrics API unavailable: usage unknown")
    }


def test_a_cluster_without_samples_or_nodes_reads_zero_and_null():
    nodes, _, pods = _three_nodes()
    t = cluster_utilization(nodes, [], pods, now=NOW).totals
    assert (t.cpu_usage, t.cpu_usage_millicores, t.cpu_percentage, t.cpu_allocatable_percentage) == (
        None,
        None,
        None,
        None,
    )
    assert (t.memory_usage, t.memory_usage_bytes, t.memory_percentage, t.memory_allocatable_percentage) == (
        None,
        None,
        None,
        None,
    )
    empty = cluster_utilization([], [], [], now=NOW)
    t = empty.totals
    assert (t.node_count, t.cpu_capacity, t.cpu_capacity_millicores, t.cpu_allocatable) == (0, "0", 0, "0")
    assert t.cpu_allocatable_millicores == 0
    assert (t.memory_capacity, t.memory_capacity_bytes, t.memory_allocatable, t.memory_allocatable_bytes) == (
        "0",
        0,
        "0",
        0,
    )
    assert (t.pod_count, t.pod_capacity, t.pod_percentage) == (0, 0, None)
    assert (empty.nodes, empty.message, empty.timestamp) == ([], "", None)


def test_a_sampled_node_without_cpu_or_memory_figures_adds_nothing_to_the_usage_base():
    broken = reshaped(make_node("n-odd"), drop_capacity=["cpu", "memory"], drop_allocatable=["cpu", "memory"])
    t = cluster_utilization([broken], [sample("n-odd", cpu="500m", memory="1Gi")], [], now=NOW).totals
    assert (t.cpu_usage, t.memory_usage) == ("500m", "1Gi")
    assert (t.cpu_percentage, t.cpu_allocatable_percentage) == (None, None)  # nothing to divide by
    assert (t.memory_percentage, t.memory_allocatable_percentage) == (None, None)
    assert (t.cpu_capacity_millicores, t.memory_capacity_bytes, t.memory_allocatable) == (0, 0, "0")


# ------------------------------------------------------------------------------------------ messages
def test_messages_of_an_answer_without_the_metrics_api():
    nodes, _, pods = _three_nodes()
    r = cluster_utilization(nodes, None, pods, now=NOW)
    assert r.message == "metrics API unavailable; usage needs metrics-server" + COMMITTED_ONLY
    said = "Metrics server not available (install metrics-server)"
    r = cluster_utilization(nodes, None, pods, now=NOW, metrics_message=said)
    assert r.message == said + COMMITTED_ONLY  # it already names metrics-server
    said = "the metrics API answered 403 Forbidden"
    r = cluster_utilization(nodes, None, pods, now=NOW, metrics_message=said)
    assert r.message == said + "; usage needs metrics-server" + COMMITTED_ONLY


def test_every_node_sampled_has_no_message():
    nodes = [make_node("a"), make_node("b")]
    r = cluster_utilization(nodes, [sample("a"), sample("b")], [], now=NOW)
    assert r.metrics_available and r.message == "" and r.nodes_without_metrics == 0


# ------------------------------------------------------------------------------------------ order
def _busy_cluster():
    nodes = [make_node(n, allocatable={"cpu": "3920m"}) for n in ("a", "b", "c", "d", "e", "x")]
    nodes.append(reshaped(make_node("y"), drop_allocatable=["cpu"]))  # no allocatable cpu: no percentage
    pods = [
        pod("pa", "a", "10m"),  # 0.3% committed
        pod("pb", "b", "1"),  # 25.5%
        pod("pd", "d", "2"),  # 51.0%
        pod("px", "x", "10m"),  # 0.3%
    ]
    # a, b, c use the same 25%; e uses 1m (0.0%); d, x, y have no sample
    samples = [sample(n, cpu="980m") for n in ("a", "b", "c")] + [sample("e", cpu="1m")]
    return nodes, samples, pods


def test_cpu_order_busiest_first_then_committed_then_name_then_the_unsampled():
    nodes, samples, pods = _busy_cluster()
    r = cluster_utilization(nodes, samples, pods, now=NOW, sort="")
    assert r.sort == "cpu"
    # equal usage: more committed first (b), then a (0.3%) before c (nothing); e (0.0% used) still before
    # every node without a sample, even d with 51% committed; y (no percentage) reads as nothing committed
    assert [u.node_name for u in r.nodes] == ["b", "a", "c", "e", "d", "x", "y"]


def test_sorted_nodes_reorders_an_answer():
    nodes, samples, pods = _busy_cluster()
    entries = list(reversed(cluster_utilization(nodes, samples, pods, now=NOW, sort="name").nodes))
    assert [u.node_name for u in sorted_nodes(entries, "")] == ["b", "a", "c", "e", "d", "x", "y"]
    assert [u.node_name for u in sorted_nodes(entries, "name")] == ["a", "b", "c", "d", "e", "x", "y"]


# ------------------------------------------------------------------------------------------ steps and memo
def _drive(steps) -> tuple[int, Any]:
    yields = 0
    while True:
        try:
            next(steps)
            yields += 1
        except StopIteration as done:
            return yields, done.value


def test_the_generator_yields_after_every_250_nodes_and_once_at_the_end():
    nodes = [make_node(f"n{i:03}") for i in range(501)]
    yields, answer = _drive(cluster_utilization_steps(nodes, [], [], now=NOW))
    assert yields == 3  # after nodes 250 and 500, then before sorting
    assert answer.sort == "cpu" and answer.node_count == 501
    assert answer.message == "501 of 501 nodes have no metrics sample yet"
    yields, _ = _drive(cluster_utilization_steps(nodes[:250], [], [], now=NOW))
    assert yields == 1
    _, answer = _drive(cluster_utilization_steps(nodes[:1], None, [], now=NOW))
    assert answer.message == "metrics API unavailable; usage needs metrics-server" + COMMITTED_ONLY


def test_the_memo_follows_a_change_of_requests_alone():
    nodes = [make_node("n0"), make_node("n1")]
    pods = [pod("web", "n0", "250m"), pod("db", "n1", "500m")]
    sums = sums_of(pods)
    memo: dict = {}
    first = cluster_utilization(nodes, [], sums, now=NOW, memo=memo)
    second = cluster_utilization(nodes, [], sums, now=NOW, memo=memo)
    third = cluster_utilization(nodes, [], sums, now=NOW, memo=memo)
    assert second.nodes[0] is first.nodes[0] and third.nodes[0] is first.nodes[0]  # kept while unchanged
    sums.put(pod("web", "n0", "750m"))  # a new version of the pod: same count, no limits, more requested
    changed = cluster_utilization(nodes, [], sums, now=NOW, memo=memo)
    by_name = {u.node_name: u for u in changed.nodes}
    assert by_name["n0"].allocated.cpu.requests == "750m" and by_name["n0"].pod_count == 1
    assert msgspec.json.encode(changed) == msgspec.json.encode(cluster_utilization(nodes, [], sums, now=NOW))
