"""Node utilization: metrics-server usage next to capacity, allocatable and the resources committed by pods.

Pure functions over decoded objects (no I/O, no clock: ``now`` is passed in).

* **Usage** comes from a metrics.k8s.io ``NodeMetrics`` sample (cpu in nanocores ``"151318487n"``, memory
  in ``Ki``). CPU is shown in whole millicores rounded up (``"152m"``), memory in canonical binary form.
* **Percentages** are exact ratios rounded half-up to one decimal: against capacity (the contract's
  ``cpuPercentage``/``memoryPercentage``) and against allocatable (``...AllocatablePercentage``, what pods can
  actually get). Nothing is clamped: usage includes system daemons, so it can exceed allocatable.
* **Allocated resources** are what ``kubectl describe node`` reports: for every non-terminated pod bound to
  the node (phase neither Succeeded nor Failed), its effective requests and limits, summed, with their share
  of allocatable. A pod's effective value follows ``k8s.io/component-helpers/resource``: app containers plus
  sidecars (init containers with ``restartPolicy: Always``), or the peak of a regular init container running
  beside the sidecars started before it, whichever is larger; plus pod overhead (for limits, only on
  resources the pod limits). A missing request defaults to the limit (API defaulting); a container without a
  limit contributes nothing to the limits.

Quantities are handled as integers in billionths (parsed once per distinct string) and formatted on integers
with the canonical rules of :mod:`k8s_agent.analysis.quantity`, so the all-nodes view of 500 nodes and 10,000
pods stays well inside the request deadline (``scripts/bench_nodes.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from k8s_agent.analysis.kube import is_terminated, taint_text
from k8s_agent.analysis.quantity import unit_of, units_exact
from k8s_agent.analysis.resources import nano, pod_limit_nanos, pod_request_nanos, to_units
from k8s_agent.analysis.text import rfc3339
from k8s_agent.kube.models import Node, NodeMetrics, Pod
from k8s_agent.schemas.node_utilization import (
    AllocatedResources,
    ClusterNodeUtilization,
    ClusterUtilizationTotals,
    NodeConditionSummary,
    NodeUtilization,
    ResourceAllocation,
)

STANDARD = ("cpu", "memory", "ephemeral-storage")
PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")
SORTS = ("cpu", "memory", "name")

NO_SAMPLE_MESSAGE = (
    "metrics-server has no sample for node '{node}' yet (a node that joined recently, or a kubelet "
    "metrics-server cannot scrape); usage appears after its next successful scrape"
)
UNAVAILABLE_NODE_MESSAGE = "metrics API unavailable: usage unknown"


# ------------------------------------------------------------------------------------------ numbers
def percentage(part: int | None, whole: int | None) -> float | None:
    """``part / whole`` in percent, exact, rounded half-up to one decimal; None without a positive whole."""
    if part is None or not whole or whole <= 0:
        return None
    tenths = (2000 * part + whole) // (2 * whole)  # floor(part / whole x 1000 + 1/2), on integers
    return tenths / 10


def resource_list_units(rl: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in rl.items():
        n = nano(v)
        if n is not None:
            out[k] = to_units(k, n)
    return out


# ------------------------------------------------------------------------------------------ pod requests
def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def pod_requests_limits(pod: Pod) -> tuple[dict[str, int], dict[str, int]]:
    """The pod's effective (requests, limits) in billionths: the one rule of
    :mod:`k8s_agent.analysis.resources` (the scheduler's, also used by describe, resources and node fit)."""
    return pod_request_nanos(pod), pod_limit_nanos(pod)


def group_pods_by_node(pods: Iterable[Pod]) -> dict[str, list[Pod]]:
    """Non-terminated pods bound to a node, by node name (one pass)."""
    out: dict[str, list[Pod]] = {}
    for p in pods:
        node = p.spec.node_name
        if node and not is_terminated(p):
            out.setdefault(node, []).append(p)
    return out


class NodeSums:
    """Per node: the summed effective requests and limits (billionths) and the count of its non-terminated
    pods, kept current pod by pod (``put`` a pod's new version, ``remove`` it). The pod counted is kept
    (the index's slim copy: no extra memory) so that a change or a deletion subtracts exactly what its
    version added."""

    __slots__ = ("requests", "limits", "count", "_by_pod")

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, int]] = {}
        self.limits: dict[str, dict[str, int]] = {}
        self.count: dict[str, int] = {}
        self._by_pod: dict[tuple[str, str], Pod] = {}

    def __len__(self) -> int:
        return len(self._by_pod)

    def clear(self) -> None:
        self.requests.clear()
        self.limits.clear()
        self.count.clear()
        self._by_pod.clear()

    def put(self, pod: Pod) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        self._drop(key)
        node = pod.spec.node_name
        if not node or is_terminated(pod):
            return
        req, lim = pod_requests_limits(pod)
        self._by_pod[key] = pod
        self.count[node] = self.count.get(node, 0) + 1
        _add(self.requests.setdefault(node, {}), req)
        _add(self.limits.setdefault(node, {}), lim)

    def remove(self, namespace: str, name: str) -> None:
        self._drop((namespace, name))

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._by_pod.pop(key, None)
        if old is None:
            return
        node = old.spec.node_name
        n = self.count[node] - 1
        if n:
            req, lim = pod_requests_limits(old)
            self.count[node] = n
            _sub(self.requests[node], req)
            _sub(self.limits[node], lim)
        else:  # the node's last pod: nothing left, not even rounding
            del self.count[node]
            self.requests.pop(node, None)
            self.limits.pop(node, None)

    def of(self, node: str) -> tuple[dict[str, int], dict[str, int], int]:
        return self.requests.get(node, {}), self.limits.get(node, {}), self.count.get(node, 0)


def _sub(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        left = into.get(k, 0) - v
        if left:
            into[k] = left
        else:
            into.pop(k, None)


def sums_of(pods: Iterable[Pod]) -> NodeSums:
    sums = NodeSums()
    for p in pods:
        sums.put(p)
    return sums


# ------------------------------------------------------------------------------------------ per node
@dataclass(slots=True)
class NodeNumbers:
    """One node's figures as integers (cpu in millicores, the rest in units/bytes), kept for the totals."""

    name: str
    capacity: dict[str, int]
    allocatable: dict[str, int]
    requests: dict[str, int]  # units
    limits: dict[str, int]  # units
    pod_count: int
    usage_cpu_nano: int | None = None
    usage_memory: int | None = None
    sample_time: datetime | None = None
    ready: bool = False


def _allocation(resource: str, requests: int, limits: int, allocatable: int | None) -> ResourceAllocation:
    alloc = allocatable or 0
    return ResourceAllocation(
        resource=resource,
        unit=unit_of(resource),
        requests=units_exact(resource, requests),
        requests_value=requests,
        requests_percentage=percentage(requests, allocatable),
        limits=units_exact(resource, limits),
        limits_value=limits,
        limits_percentage=percentage(limits, allocatable),
        allocatable=units_exact(resource, alloc),
        allocatable_value=alloc,
    )


def allocated_resources(
    requests: Mapping[str, int], limits: Mapping[str, int], allocatable: Mapping[str, int]
) -> AllocatedResources:
    """The "Allocated resources" block: cpu, memory and ephemeral-storage always; other resources (GPUs,
    hugepages) when a pod asks for them or the node advertises a non-zero amount. ``pods`` is not a
    resource here (see ``podCount``/``podCapacity``)."""
    others = sorted(
        {k for k in (*requests, *limits) if k not in STANDARD and k != "pods"}
        | {k for k, v in allocatable.items() if v and k not in STANDARD and k != "pods"}
    )
    return AllocatedResources(
        cpu=_allocation("cpu", requests.get("cpu", 0), limits.get("cpu", 0), allocatable.get("cpu")),
        memory=_allocation(
            "memory", requests.get("memory", 0), limits.get("memory", 0), allocatable.get("memory")
        ),
        ephemeral_storage=_allocation(
            "ephemeral-storage",
            requests.get("ephemeral-storage", 0),
            limits.get("ephemeral-storage", 0),
            allocatable.get("ephemeral-storage"),
        ),
        other=[_allocation(k, requests.get(k, 0), limits.get(k, 0), allocatable.get(k)) for k in others],
    )


def condition_summary(node: Node) -> NodeConditionSummary:
    ready_status, reason, message, since = "Unknown", "", "", None
    pressure: list[str] = []
    network_unavailable = False
    for c in node.status.conditions:
        if c.type == "Ready":
            ready_status = c.status or "Unknown"
            reason, message = c.reason, c.message
            since = rfc3339(c.last_transition_time)
        elif c.type in PRESSURE_CONDITIONS and c.status == "True":
            pressure.append(c.type)
        elif c.type == "NetworkUnavailable" and c.status == "True":
            network_unavailable = True
    return NodeConditionSummary(
        ready=ready_status == "True",
        ready_status=ready_status,
        ready_reason=reason,
        ready_message=message,
        ready_since=since,
        pressure=sorted(pressure, key=PRESSURE_CONDITIONS.index),
        network_unavailable=network_unavailable,
        unschedulable=node.spec.unschedulable,
        taints=[taint_text(t) for t in node.spec.taints],
    )


def node_numbers(node: Node, pods: Iterable[Pod], metrics: NodeMetrics | None) -> NodeNumbers:
    """Parse one node, its pods' requests/limits and its sample into integers."""
    name = node.metadata.name
    return numbers_from_sums(node, sums_of(p for p in pods if p.spec.node_name == name).of(name), metrics)


def numbers_from_sums(
    node: Node, sums: tuple[Mapping[str, int], Mapping[str, int], int], metrics: NodeMetrics | None
) -> NodeNumbers:
    """One node's figures from its pods' summed (requests, limits, count) and its sample."""
    req_n, lim_n, count = sums
    nums = NodeNumbers(
        name=node.metadata.name,
        capacity=resource_list_units(node.status.capacity),
        allocatable=resource_list_units(node.status.allocatable),
        requests={k: to_units(k, v) for k, v in req_n.items()},
        limits={k: to_units(k, v) for k, v in lim_n.items()},
        pod_count=count,
        ready=any(c.type == "Ready" and c.status == "True" for c in node.status.conditions),
    )
    if metrics is not None:
        cpu = nano(metrics.usage.get("cpu", "") or "")
        mem = nano(metrics.usage.get("memory", "") or "")
        nums.usage_cpu_nano = cpu
        nums.usage_memory = to_units("memory", mem) if mem is not None else None
        nums.sample_time = metrics.timestamp
    return nums


def _cpu_pct(usage_nano: int | None, millicores: int) -> float | None:
    if usage_nano is None:
        return None
    return percentage(usage_nano, millicores * 10**6)


def build_node_utilization(
    node: Node,
    nums: NodeNumbers,
    metrics: NodeMetrics | None,
    *,
    metrics_status: str,
    message: str = "",
) -> NodeUtilization:
    cap_cpu = nums.capacity.get("cpu", 0)
    alloc_cpu = nums.allocatable.get("cpu", 0)
    cap_mem = nums.capacity.get("memory", 0)
    alloc_mem = nums.allocatable.get("memory", 0)
    cpu_usage_m = to_units("cpu", nums.usage_cpu_nano) if nums.usage_cpu_nano is not None else None
    pod_cap = nums.allocatable.get("pods", nums.capacity.get("pods", 0))
    return NodeUtilization(
        node_name=nums.name,
        metrics_status=metrics_status,  # type: ignore[arg-type]
        message=message,
        cpu_usage=units_exact("cpu", cpu_usage_m) if cpu_usage_m is not None else None,
        cpu_usage_millicores=cpu_usage_m,
        cpu_capacity=units_exact("cpu", cap_cpu),
        cpu_capacity_millicores=cap_cpu,
        cpu_allocatable=units_exact("cpu", alloc_cpu),
        cpu_allocatable_millicores=alloc_cpu,
        cpu_percentage=_cpu_pct(nums.usage_cpu_nano, cap_cpu),
        cpu_allocatable_percentage=_cpu_pct(nums.usage_cpu_nano, alloc_cpu),
        memory_usage=units_exact("memory", nums.usage_memory) if nums.usage_memory is not None else None,
        memory_usage_bytes=nums.usage_memory,
        memory_capacity=units_exact("memory", cap_mem),
        memory_capacity_bytes=cap_mem,
        memory_allocatable=units_exact("memory", alloc_mem),
        memory_allocatable_bytes=alloc_mem,
        memory_percentage=percentage(nums.usage_memory, cap_mem),
        memory_allocatable_percentage=percentage(nums.usage_memory, alloc_mem),
        timestamp=rfc3339(metrics.timestamp) if metrics is not None else None,
        window=(metrics.window or None) if metrics is not None else None,
        allocated=allocated_resources(nums.requests, nums.limits, nums.allocatable),
        pod_count=nums.pod_count,
        pod_capacity=pod_cap,
        pod_percentage=percentage(nums.pod_count, pod_cap),
        conditions=condition_summary(node),
    )


def node_utilization(
    node: Node, metrics: NodeMetrics | None, pods: Iterable[Pod] | NodeSums
) -> NodeUtilization:
    """Utilization of one node. ``metrics`` None means metrics-server has no sample for it yet: the usage
    fields are null and ``metricsStatus`` is ``noSample``. ``pods`` may hold pods of other nodes (they are
    skipped): only the non-terminated pods bound to this node count (or the index's per-node sums)."""
    if isinstance(pods, NodeSums):
        nums = numbers_from_sums(node, pods.of(node.metadata.name), metrics)
    else:
        nums = node_numbers(node, pods, metrics)
    if metrics is None:
        return build_node_utilization(
            node, nums, None, metrics_status="noSample", message=NO_SAMPLE_MESSAGE.format(node=nums.name)
        )
    return build_node_utilization(node, nums, metrics, metrics_status="ok")


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
    """Every node's utilization and the cluster totals, from one node list, one NodeMetrics list and one pod
    list (summed per node in one pass) or the per-node sums the index keeps. ``metrics`` None means the
    metrics API is unavailable (``metrics_message`` says why): the answer is the committed view, with
    ``metricsAvailable: false``.

    ``memo`` (kept by the caller between answers, e.g. with the cluster index) holds each node's entry with
    what it was computed from; a node whose object, sums and sample are the same as last time reuses its
    entry, so an answer over thousands of nodes costs the nodes that changed. Same result either way."""
    sort = sort or "cpu"
    sums = pods if isinstance(pods, NodeSums) else sums_of(pods)
    samples = {m.metadata.name: m for m in metrics} if metrics is not None else {}
    previous = dict(memo) if memo is not None else {}
    if memo is not None:
        memo.clear()  # only the nodes of this answer are kept

    entries: list[NodeUtilization] = []
    numbers: list[NodeNumbers] = []
    for node in nodes:
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
