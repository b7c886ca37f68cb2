"""Every node's utilization in one answer, with the cluster totals; a memo of each node's entry lets an answer
over thousands of nodes cost the nodes that changed."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from datetime import datetime
from typing import Any

from k8s_agent.analysis.node_utilization.node import (
    NO_SAMPLE_MESSAGE,
    UNAVAILABLE_NODE_MESSAGE,
    NodeNumbers,
    _cpu_pct,
    allocated_resources,
    build_node_utilization,
    numbers_from_sums,
    percentage,
)
from k8s_agent.analysis.node_utilization.sums import NodeSums, _add, sums_of
from k8s_agent.analysis.quantity import units_exact
from k8s_agent.analysis.resources import to_units
from k8s_agent.analysis.text import rfc3339
from k8s_agent.kube.models import Node, NodeMetrics, Pod
from k8s_agent.schemas.node_utilization import (
    ClusterNodeUtilization,
    ClusterUtilizationTotals,
    NodeUtilization,
)

SORTS = ("cpu", "memory", "name")


# ------------------------------------------------------------------------------------------ all nodes
def _sort_key(sort: str, u: NodeUtilization) -> tuple[Any, ...]:
    if sort == "name":
        return (u.node_name,)
    if sort == "memory":
        used, committed = u.memory_allocatable_percentage, u.allocated.memory.requests_percentage
    else:
        used, committed = u.cpu_allocatable_percentage, u.allocated.cpu.requests_percentage
    if used is not None:
        return (0, -used, -(committed or 0.0), u.node_name)
    return (1, 0.0, -(committed or 0.0), u.node_name)


def sorted_nodes(entries: Iterable[NodeUtilization], sort: str) -> list[NodeUtilization]:
    """The nodes in the order ``sort`` names (a total order: ties end on the node name)."""
    return sorted(entries, key=lambda u: _sort_key(sort or "cpu", u))


#: nodes computed between two yields of ``cluster_utilization_steps``
STEP_NODES = 250


def cluster_utilization(
    nodes: list[Node],
    metrics: list[NodeMetrics] | None,
    pods: Iterable[Pod] | NodeSums,
    *,
    now: datetime,
    sort: str = "cpu",
    metrics_message: str = "",
    memo: dict[str, tuple] | None = None,
) -> ClusterNodeUtilization:
    """Every node's utilization and the cluster totals at once (see ``cluster_utilization_steps``)."""
    steps = cluster_utilization_steps(
        nodes, metrics, pods, now=now, sort=sort, metrics_message=metrics_message, memo=memo
    )
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def cluster_utilization_steps(
    nodes: list[Node],
    metrics: list[NodeMetrics] | None,
    pods: Iterable[Pod] | NodeSums,
    *,
    now: datetime,
    sort: str = "cpu",
    metrics_message: str = "",
    memo: dict[str, tuple] | None = None,
) -> Generator[None, None, ClusterNodeUtilization]:
    """Every node's utilization and the cluster totals, from one node list, one NodeMetrics list and one pod
    list (summed per node in one pass) or the per-node sums the index keeps. ``metrics`` None means the
    metrics API is unavailable (``metrics_message`` says why): the answer is the committed view, with
    ``metricsAvailable: false``.

    ``memo`` (kept by the caller between answers, e.g. with the cluster index) holds each node's entry with
    what it was computed from; a node whose object, sums and sample are the same as last time reuses its
    entry, so an answer over thousands of nodes costs the nodes that changed. Same result either way.

    A generator: it yields after every STEP_NODES nodes and returns the answer, so that a caller on an event
    loop can let other work in between (the per-node sums are read node by node, as they are then)."""
    sort = sort or "cpu"
    sums = pods if isinstance(pods, NodeSums) else sums_of(pods)
    samples = {m.metadata.name: m for m in metrics} if metrics is not None else {}
    previous = dict(memo) if memo is not None else {}
    if memo is not None:
        memo.clear()  # only the nodes of this answer are kept

    entries: list[NodeUtilization] = []
    numbers: list[NodeNumbers] = []
    for i, node in enumerate(nodes):
        if i and not i % STEP_NODES:
            yield
        name = node.metadata.name
        sample = samples.get(name)
        node_sums = sums.of(name)
        if memo is not None:
            key = (
                metrics is None,
                (sample.timestamp, sample.window, tuple(sample.usage.items()))
                if sample is not None
                else None,
                tuple(node_sums[0].items()),
                tuple(node_sums[1].items()),
                node_sums[2],
            )
            hit = previous.get(name)
            if hit is not None and hit[0] is node and hit[1] == key:
                memo[name] = hit
                entries.append(hit[2])
                numbers.append(hit[3])
                continue
        nums = numbers_from_sums(node, node_sums, sample)
        if metrics is None:
            u = build_node_utilization(
                node, nums, None, metrics_status="unavailable", message=UNAVAILABLE_NODE_MESSAGE
            )
        elif sample is None:
            u = build_node_utilization(
                node, nums, None, metrics_status="noSample", message=NO_SAMPLE_MESSAGE.format(node=name)
            )
        else:
            u = build_node_utilization(node, nums, sample, metrics_status="ok")
        entries.append(u)
        numbers.append(nums)
        if memo is not None:
            memo[name] = (node, key, u, nums)
    yield
    entries.sort(key=lambda u: _sort_key(sort, u))

    totals = _totals(numbers)
    sample_times = [n.sample_time for n in numbers if n.sample_time is not None]
    message = ""
    if metrics is None:
        message = metrics_message or "metrics API unavailable"
        if "metrics-server" not in message:
            message += "; usage needs metrics-server"
        message += "; showing the committed view only (capacity, allocatable, requests, limits)"
    elif totals.nodes_without_metrics:
        message = f"{totals.nodes_without_metrics} of {totals.node_count} nodes have no metrics sample yet"
    return ClusterNodeUtilization(
        metrics_available=metrics is not None,
        message=message,
        sort=sort,  # type: ignore[arg-type]
        calculated_at=rfc3339(now) or "",
        timestamp=rfc3339(max(sample_times)) if sample_times else None,
        node_count=len(entries),
        nodes_without_metrics=totals.nodes_without_metrics,
        totals=totals,
        nodes=entries,
    )


def _totals(numbers: list[NodeNumbers]) -> ClusterUtilizationTotals:
    cap: dict[str, int] = {}
    alloc: dict[str, int] = {}
    req: dict[str, int] = {}
    lim: dict[str, int] = {}
    sampled_cpu = sampled_cap_cpu = sampled_alloc_cpu = 0
    sampled_mem = sampled_cap_mem = sampled_alloc_mem = 0
    with_cpu = with_mem = 0
    with_metrics = ready = pods = 0
    for n in numbers:
        _add(cap, n.capacity)
        _add(alloc, n.allocatable)
        _add(req, n.requests)
        _add(lim, n.limits)
        pods += n.pod_count
        ready += n.ready
        if n.usage_cpu_nano is not None or n.usage_memory is not None:
            with_metrics += 1
        if n.usage_cpu_nano is not None:
            with_cpu += 1
            sampled_cpu += n.usage_cpu_nano
            sampled_cap_cpu += n.capacity.get("cpu", 0)
            sampled_alloc_cpu += n.allocatable.get("cpu", 0)
        if n.usage_memory is not None:
            with_mem += 1
            sampled_mem += n.usage_memory
            sampled_cap_mem += n.capacity.get("memory", 0)
            sampled_alloc_mem += n.allocatable.get("memory", 0)
    cpu_m = to_units("cpu", sampled_cpu) if with_cpu else None
    mem = sampled_mem if with_mem else None
    pod_cap = sum(n.allocatable.get("pods", n.capacity.get("pods", 0)) for n in numbers)
    return ClusterUtilizationTotals(
        node_count=len(numbers),
        ready_nodes=ready,
        nodes_with_metrics=with_metrics,
        nodes_without_metrics=len(numbers) - with_metrics,
        cpu_usage=units_exact("cpu", cpu_m) if cpu_m is not None else None,
        cpu_usage_millicores=cpu_m,
        cpu_capacity=units_exact("cpu", cap.get("cpu", 0)),
        cpu_capacity_millicores=cap.get("cpu", 0),
        cpu_allocatable=units_exact("cpu", alloc.get("cpu", 0)),
        cpu_allocatable_millicores=alloc.get("cpu", 0),
        cpu_percentage=_cpu_pct(sampled_cpu, sampled_cap_cpu) if with_cpu else None,
        cpu_allocatable_percentage=_cpu_pct(sampled_cpu, sampled_alloc_cpu) if with_cpu else None,
        memory_usage=units_exact("memory", mem) if mem is not None else None,
        memory_usage_bytes=mem,
        memory_capacity=units_exact("memory", cap.get("memory", 0)),
        memory_capacity_bytes=cap.get("memory", 0),
        memory_allocatable=units_exact("memory", alloc.get("memory", 0)),
        memory_allocatable_bytes=alloc.get("memory", 0),
        memory_percentage=percentage(mem, sampled_cap_mem) if mem is not None else None,
        memory_allocatable_percentage=percentage(mem, sampled_alloc_mem) if mem is not None else None,
        allocated=allocated_resources(req, lim, alloc),
        pod_count=pods,
        pod_capacity=pod_cap,
        pod_percentage=percentage(pods, pod_cap),
    )
