"""One node's utilization: its capacity, allocatable, committed requests and limits (from its pods' sums) and
usage (from its metrics sample) as integers, then the answer's entry with percentages and conditions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from k8s_agent.analysis.kube import taint_text
from k8s_agent.analysis.node_utilization.sums import NodeSums, sums_of
from k8s_agent.analysis.quantity import unit_of, units_exact
from k8s_agent.analysis.resources import nano, to_units
from k8s_agent.analysis.text import rfc3339
from k8s_agent.kube.models import Node, NodeMetrics, Pod
from k8s_agent.schemas.node_utilization import (
    AllocatedResources,
    NodeConditionSummary,
    NodeUtilization,
    ResourceAllocation,
)

STANDARD = ("cpu", "memory", "ephemeral-storage")
PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")

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
