"""Routes of the node utilization feature: one node, and every node.

``/nodes/utilization`` (two segments) and ``/nodes/<node>/utilization`` (three) cannot shadow each other:
Sanic matches on the number of segments first, and no route ``/nodes/<node>`` exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from k8s_agent.analysis.node_utilization import SORTS, sorted_nodes
from k8s_agent.api import validation
from k8s_agent.api.route import NODE, QueryParam, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.node_utilization import ClusterNodeUtilization, NodeUtilization
from k8s_agent.services import node_utilization as service

SORT = QueryParam(
    "sort",
    {"type": "string", "enum": list(SORTS), "default": "cpu"},
    "Order of the nodes: cpu (default) or memory, busiest first by usage against allocatable (nodes without "
    "a sample last, by requests against allocatable); name, alphabetical",
    lambda args: validation.choice_query(args, "sort", SORTS) or "cpu",
)


async def _node_utilization(
    source: ClusterSource, settings: Settings, now: datetime, node: str
) -> NodeUtilization:
    return await service.utilization(source, node, now=now)


async def _nodes_utilization(
    source: ClusterSource, settings: Settings, now: datetime, sort: str
) -> ClusterNodeUtilization:
    return await service.all_utilization(source, now=now, sort=sort)


def _resorted(full: ClusterNodeUtilization, query: dict[str, Any]) -> ClusterNodeUtilization:
    """The answer in the order asked for, from the one computed per data (in cpu order)."""
    sort = query["sort"] or "cpu"
    if sort == full.sort:
        return full
    return msgspec.structs.replace(full, sort=sort, nodes=sorted_nodes(full.nodes, sort))


ALL_NODES = Route(
    name="nodes_utilization",
    path="/nodes/utilization",
    summary="Every node's usage, capacity, allocatable and committed requests/limits, with cluster totals",
    response=ClusterNodeUtilization,
    compute=_nodes_utilization,
    query=(SORT,),
    basis=lambda query: {"sort": "cpu"},
    derive=_resorted,
    expensive=True,
    refreshed=True,
    polled=True,
    errors=(400, 503, 504),
    permission=("list", "nodes", "", None),
    description="Without metrics-server the answer is still 200: the committed view, with "
    "`metricsAvailable: false` and a message. Nodes without a sample have null usage and are counted "
    "in `nodesWithoutMetrics`.",
    tags=("nodes",),
)
ONE_NODE = Route(
    name="node_utilization",
    path="/nodes/<node>/utilization",
    summary="Usage of a node from metrics-server against capacity and allocatable, committed requests "
    "and limits, pod count and conditions",
    response=NodeUtilization,
    compute=_node_utilization,
    params=(NODE,),
    errors=(400, 404, 503, 504),
    permission=("get", "nodes", "", None),
    description="404 when the node does not exist (even when metrics-server is absent); 503 when the "
    "metrics API is absent or not answering; 200 with null usage and `metricsStatus: noSample` when "
    "metrics-server has no sample for the node yet.",
    tags=("nodes",),
)
