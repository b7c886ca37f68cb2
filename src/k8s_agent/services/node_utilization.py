"""Node utilization: which reads to make, made together, then the pure analysis (``analysis.nodes``).

One node (``GET /nodes/{node}/utilization``): the node GET, its NodeMetrics GET and the LIST of the pods
bound to it (all namespaces, ``spec.nodeName=<node>``) start together. Outcomes, in this order:

1. the node does not exist -> 404 ``RESOURCE_NOT_FOUND`` naming the node, **whatever the metrics API
   says** (an unknown node with metrics-server absent is a 404: the node GET decides, because the caller's
   mistake is the more useful answer);
2. the metrics API is absent, not answering or refused -> 503 ``SERVICE_UNAVAILABLE`` saying metrics-server
   is needed (``MetricsUnavailable`` propagated);
3. metrics-server has no sample for the node yet (a node that just joined) -> 200 with null usage and
   ``metricsStatus: noSample``, not an error;
4. otherwise 200 with usage.

All nodes (``GET /nodes/utilization``), when the source has a cluster index (``kube.index``): the nodes and
their pods' summed requests, limits and counts from the index (503 with the progress until its first sync),
and one NodeMetrics LIST (metrics.k8s.io cannot be watched). Without an index: one node LIST, one NodeMetrics LIST and one all-namespaces pod LIST
(the same cached read the cluster pod-issues view makes), together. A dashboard prefers a partial answer: when
the metrics API is absent or refused, the answer still carries capacity, allocatable, committed requests and
limits, pod counts and conditions, with ``metricsAvailable: false`` and a message; nodes without a sample are
listed with null usage and counted in ``nodesWithoutMetrics``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

from k8s_agent.analysis.node_utilization import (
    NodeSums,
    cluster_utilization,
    cluster_utilization_steps,
    node_utilization,
)
from k8s_agent.analysis.resources import invalid_in
from k8s_agent.errors import AgentError, MetricsUnavailable, NotFound, ServiceUnavailable
from k8s_agent.kube.index import ClusterIndex
from k8s_agent.kube.models import NodeMetrics, Pod
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.node_utilization import ClusterNodeUtilization, NodeUtilization
from k8s_agent.services._concurrency import gather, off_loop

T = TypeVar("T")

METRICS_HINT = "node usage comes from the metrics.k8s.io API: install or repair metrics-server"


def node_pods_selector(node: str) -> str:
    return f"spec.nodeName={node}"


async def _captured(aw: Awaitable[T]) -> T | AgentError:
    """Await a read and return its AgentError instead of raising it (so the node GET decides first)."""
    try:
        return await aw
    except AgentError as exc:
        return exc


def _metrics_unavailable(exc: ServiceUnavailable) -> ServiceUnavailable:
    if isinstance(exc, MetricsUnavailable) and "metrics-server" not in (exc.details or ""):
        details = f"{exc.details}; {METRICS_HINT}" if exc.details else METRICS_HINT
        return MetricsUnavailable(details=details)
    return exc


async def _index_sums(index: ClusterIndex) -> NodeSums:
    await index.require()  # counts the use (keeps a synced index alive)
    return index.node_sums


async def utilization(source: ClusterSource, node: str, *, now: datetime | None = None) -> NodeUtilization:
    """Utilization of one node (see the module docstring for the outcomes). The node's pods come from the
    cluster index when it is synced already (a pod LIST otherwise; one node's answer never starts it)."""
    index = getattr(source, "index", None)
    pods_read = (
        _index_sums(index)
        if index is not None and index.synced
        else source.list_pods(None, field_selector=node_pods_selector(node))
    )
    node_obj, metrics, pods = await gather(
        source.get_node(node), _captured(source.get_node_metrics(node)), _captured(pods_read)
    )
    if isinstance(pods, AgentError):
        raise pods
    sample: NodeMetrics | None
    if isinstance(metrics, NotFound):
        sample = None
    elif isinstance(metrics, ServiceUnavailable):
        raise _metrics_unavailable(metrics)
    elif isinstance(metrics, AgentError):
        raise metrics
    else:
        sample = metrics
    result = node_utilization(node_obj, sample, pods)
    result.warnings = invalid_in(pods if isinstance(pods, list) else [], [node_obj])
    return result


async def all_utilization(
    source: ClusterSource, *, now: datetime, sort: str = "cpu"
) -> ClusterNodeUtilization:
    """Every node in one answer (see the module docstring)."""

    async def metrics_or_none() -> tuple[list[NodeMetrics] | None, str]:
        try:
            return await source.list_node_metrics(), ""
        except ServiceUnavailable as exc:  # MetricsUnavailable, UpstreamForbidden, API trouble
            detail = f" ({exc.details})" if exc.details else ""
            return None, f"{exc.message}{detail}"

    index = getattr(source, "index", None)
    if index is not None:
        # nodes and per-node sums from the watch-fed index (503 until its first sync); metrics polled
        await index.require()
        metrics, message = await metrics_or_none()
        steps = cluster_utilization_steps(
            index.node_list(),
            metrics,
            index.node_sums,
            now=now,
            sort=sort or "cpu",
            metrics_message=message,
            memo=index.utilization_memo,
        )
        while True:  # thousands of nodes: in steps, letting the event loop answer polls in between
            try:
                next(steps)
            except StopIteration as done:
                return done.value
            await asyncio.sleep(0)
    nodes, (metrics, message), pods = await gather(
        source.list_nodes(), metrics_or_none(), source.list_pods(None)
    )
    pod_list: list[Pod] = pods
    return await off_loop(
        cluster_utilization, nodes, metrics, pod_list, now=now, sort=sort or "cpu", metrics_message=message
    )
