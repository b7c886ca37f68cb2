"""Response Structs of ``GET /nodes/{node}/utilization`` and ``GET /nodes/utilization``.

Quantities are given twice: as the canonical Kubernetes string (what ``kubectl`` prints: cpu ``"152m"``,
``"4"``, ``"3920m"``; memory ``"2Gi"``, ``"16318412Ki"``) and as an integer in a fixed unit (``...Millicores``
for cpu, ``...Bytes`` for memory), so a dashboard can compute without parsing quantities. CPU usage is
rounded *up* to whole millicores (metrics-server reports nanocores, ``"151318487n"`` -> ``"152m"``), as
Kubernetes rounds ``MilliValue()``. The capacity is the canonical string (``"4"``), not the ``"4000m"`` of the
old README example: ``cpuCapacityMillicores`` carries 4000.

Percentages are rounded half-up to one decimal; ``...Percentage`` is against **capacity** (the contract's
fields), ``...AllocatablePercentage`` against **allocatable** (what pods may use: capacity minus
system/kube reserved and the eviction threshold). Usage is measured on the whole node (system daemons
included), so the allocatable percentage can exceed 100; nothing is clamped.

Every field is always present: lists are ``[]`` when empty and absent values are ``null``.
"""

from __future__ import annotations

from typing import Literal

from k8s_agent.schemas.base import Response

MetricsStatus = Literal["ok", "noSample", "unavailable"]
NodeSort = Literal["cpu", "memory", "name"]


class ResourceAllocation(Response, kw_only=True):
    """One resource committed on a node, as ``kubectl describe node`` "Allocated resources" reports it: the
    sum of the requests and of the limits of the node's non-terminated pods (each pod's effective value:
    the larger of its init-container peak and its app containers plus sidecars, plus pod overhead; a
    container without a limit adds nothing to the limits), and their share of allocatable.

    ``unit`` says what the integer fields count: ``millicores`` for cpu, ``bytes`` for memory,
    ephemeral-storage and hugepages, ``units`` for extended resources (GPUs...). Percentages are null when
    the node does not advertise the resource."""

    resource: str
    unit: str
    requests: str
    requests_value: int
    requests_percentage: float | None = None
    limits: str
    limits_value: int
    limits_percentage: float | None = None
    allocatable: str
    allocatable_value: int


class AllocatedResources(Response, kw_only=True):
    """Requests and limits committed on a node (or, in cluster totals, on every node). ``other`` holds the
    extended resources and hugepages pods request or the node advertises, by name."""

    cpu: ResourceAllocation
    memory: ResourceAllocation
    ephemeral_storage: ResourceAllocation
    other: list[ResourceAllocation] = []


class NodeConditionSummary(Response, kw_only=True):
    """The node's health at a glance. ``ready`` is true only when the Ready condition is True;
    ``readyStatus`` is that condition's status (``Unknown`` when the kubelet stopped reporting or the
    condition is missing). ``pressure`` lists the pressure conditions that are True (MemoryPressure,
    DiskPressure, PIDPressure); ``taints`` are ``key=value:Effect`` as kubectl prints them."""

    ready: bool
    ready_status: str
    ready_reason: str = ""
    ready_message: str = ""
    ready_since: str | None = None
    pressure: list[str] = []
    network_unavailable: bool = False
    unschedulable: bool = False
    taints: list[str] = []


class NodeUtilization(Response, kw_only=True):
    """Usage of one node from metrics-server next to its capacity, allocatable and committed resources.

    ``metricsStatus`` is ``ok`` (usage fields set), ``noSample`` (metrics-server has no sample for this node
    yet: usage, percentages, ``timestamp`` and ``window`` are null, ``message`` says why) or ``unavailable``
    (only in the all-nodes view, when the metrics API is absent). ``timestamp`` is the time of the metrics
    sample (not the server's clock) and ``window`` the interval it averages (``"10s"``, ``"20.029s"``).
    ``podCount`` counts the non-terminated pods bound to the node; ``podCapacity`` is allocatable ``pods``.
    """

    node_name: str
    metrics_status: MetricsStatus
    message: str = ""
    cpu_usage: str | None = None
    cpu_usage_millicores: int | None = None
    cpu_capacity: str
    cpu_capacity_millicores: int
    cpu_allocatable: str
    cpu_allocatable_millicores: int
    cpu_percentage: float | None = None
    cpu_allocatable_percentage: float | None = None
    memory_usage: str | None = None
    memory_usage_bytes: int | None = None
    memory_capacity: str
    memory_capacity_bytes: int
    memory_allocatable: str
    memory_allocatable_bytes: int
    memory_percentage: float | None = None
    memory_allocatable_percentage: float | None = None
    timestamp: str | None = None
    window: str | None = None
    allocated: AllocatedResources
    pod_count: int
    pod_capacity: int
    pod_percentage: float | None = None
    conditions: NodeConditionSummary
    #: values of the node or its pods that are not quantities (only a snapshot or dump can hold them),
    #: each left out of the sums above
    warnings: list[str] = []


class ClusterUtilizationTotals(Response, kw_only=True):
    """Sums over the nodes. Usage percentages are computed over the nodes that have a sample only (their
    usage against their own capacity/allocatable), so nodes without a sample do not make the cluster look
    idle; ``cpuCapacity``/``cpuAllocatable`` (and memory) sum every node. ``allocated`` sums the requests
    and limits of every node against the allocatable of every node."""

    node_count: int
    ready_nodes: int
    nodes_with_metrics: int
    nodes_without_metrics: int
    cpu_usage: str | None = None
    cpu_usage_millicores: int | None = None
    cpu_capacity: str
    cpu_capacity_millicores: int
    cpu_allocatable: str
    cpu_allocatable_millicores: int
    cpu_percentage: float | None = None
    cpu_allocatable_percentage: float | None = None
    memory_usage: str | None = None
    memory_usage_bytes: int | None = None
    memory_capacity: str
    memory_capacity_bytes: int
    memory_allocatable: str
    memory_allocatable_bytes: int
    memory_percentage: float | None = None
    memory_allocatable_percentage: float | None = None
    allocated: AllocatedResources
    pod_count: int
    pod_capacity: int
    pod_percentage: float | None = None


class ClusterNodeUtilization(Response, kw_only=True):
    """Every node's utilization in one answer, with cluster totals.

    ``metricsAvailable`` is false when the metrics API is absent or refused: the answer is then the
    committed view only (capacity, allocatable, requests and limits, pod counts, conditions), every node has
    ``metricsStatus: unavailable`` and ``message`` says what is missing. ``nodesWithoutMetrics`` counts nodes
    with null usage (no sample yet, or no metrics API). ``sort`` is the order of ``nodes``: ``cpu``
    (default) or ``memory``, busiest first by usage against allocatable, nodes without a sample after them
    by requests against allocatable; ``name``, alphabetical. ``timestamp`` is the newest sample time.
    """

    metrics_available: bool
    message: str = ""
    sort: NodeSort
    calculated_at: str
    timestamp: str | None = None
    node_count: int
    nodes_without_metrics: int
    totals: ClusterUtilizationTotals
    nodes: list[NodeUtilization] = []
