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

The package: ``sums`` (what each node's pods commit, kept current pod by pod), ``node`` (one node's figures
and its entry), ``cluster`` (every node, sorted, with the totals).
"""

from k8s_agent.analysis.node_utilization.cluster import (
    SORTS,
    cluster_utilization,
    cluster_utilization_steps,
    sorted_nodes,
)
from k8s_agent.analysis.node_utilization.node import (
    NO_SAMPLE_MESSAGE,
    PRESSURE_CONDITIONS,
    STANDARD,
    UNAVAILABLE_NODE_MESSAGE,
    NodeNumbers,
    allocated_resources,
    build_node_utilization,
    condition_summary,
    node_numbers,
    node_utilization,
    numbers_from_sums,
    percentage,
    resource_list_units,
)
from k8s_agent.analysis.node_utilization.sums import (
    NodeSums,
    group_pods_by_node,
    pod_requests_limits,
    sums_of,
)

__all__ = [
    "NO_SAMPLE_MESSAGE",
    "PRESSURE_CONDITIONS",
    "SORTS",
    "STANDARD",
    "UNAVAILABLE_NODE_MESSAGE",
    "NodeNumbers",
    "NodeSums",
    "allocated_resources",
    "build_node_utilization",
    "cluster_utilization",
    "cluster_utilization_steps",
    "condition_summary",
    "group_pods_by_node",
    "node_numbers",
    "node_utilization",
    "numbers_from_sums",
    "percentage",
    "pod_requests_limits",
    "resource_list_units",
    "sorted_nodes",
    "sums_of",
]
