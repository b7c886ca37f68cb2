"""Routes of node utilization, pod health score and cluster pod issues (added to the route table by
``api.features``).

``/nodes/utilization`` (two segments) and ``/nodes/<node>/utilization`` (three) cannot shadow each other:
Sanic matches on the number of segments first, and no route ``/nodes/<node>`` exists.
"""

from __future__ import annotations

from typing import get_args

from k8s_agent.analysis.node_utilization import SORTS
from k8s_agent.analysis.pod_issues import DEFAULT_LIMIT, MAX_LIMIT, SEVERITIES
from k8s_agent.api import validation
from k8s_agent.api.routes import NAMESPACE, NODE, POD, QueryParam, Route
from k8s_agent.errors import BadRequest
from k8s_agent.schemas.failure_events import IssueType
from k8s_agent.schemas.health_score import PodHealthScore
from k8s_agent.schemas.node_utilization import ClusterNodeUtilization, NodeUtilization
from k8s_agent.schemas.pod_issues import ClusterPodIssues
from k8s_agent.services import health_score as health_service
from k8s_agent.services import node_utilization as nodes_service
from k8s_agent.services import pod_issues as cluster_service

ISSUE_TYPES: tuple[str, ...] = get_args(IssueType)


# ------------------------------------------------------------------------------------------ query parsers
def _bool_query(args, name: str) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return False
    low = raw.lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise BadRequest(details=f"query parameter {name}={raw[:40]!r} is not a boolean (true or false)")


def _namespace_query(args) -> str:
    raw = args.get("namespace")
    if raw is None or raw == "":
        return ""  # every namespace (never a namespace literally named "all")
    return validation.namespace(raw)


SORT = QueryParam(
    "sort",
    {"type": "string", "enum": list(SORTS), "default": "cpu"},
    "Order of the nodes: cpu (default) or memory, busiest first by usage against allocatable (nodes without "
    "a sample last, by requests against allocatable); name, alphabetical",
    lambda args: validation.choice_query(args, "sort", SORTS) or "cpu",
)
LIMIT = QueryParam(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    f"Maximum number of problematic pods returned (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}); "
    "`truncated` is true when more matched",
    lambda args: validation.int_query(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
)
SEVERITY = QueryParam(
    "severity",
    {"type": "string", "enum": list(SEVERITIES)},
    "Only issues of this severity",
    lambda args: validation.choice_query(args, "severity", SEVERITIES),
)
ISSUE_TYPE = QueryParam(
    "issueType",
    {"type": "string", "enum": list(ISSUE_TYPES)},
    "Only issues of this type",
    lambda args: validation.choice_query(args, "issueType", ISSUE_TYPES),
)
NAMESPACE_FILTER = QueryParam(
    "namespace",
    {"type": "string", "maxLength": 63},
    "Only this namespace; empty or absent means every namespace",
    _namespace_query,
)
INCLUDE_ALL = QueryParam(
    "includeAll",
    {"type": "boolean", "default": False},
    "Also analyse Job, DaemonSet, static and bare pods (default: Deployment/ReplicaSet and StatefulSet "
    "pods only, as the namespace endpoint does)",
    lambda args: _bool_query(args, "includeAll"),
)


# ------------------------------------------------------------------------------------------ computes
def _node_utilization(ctx, now, node: str):
    return nodes_service.utilization(ctx.source, node, now=now)


def _nodes_utilization(ctx, now, sort: str):
    return nodes_service.all_utilization(ctx.source, now=now, sort=sort)


def _health_score(ctx, now, namespace: str, pod: str):
    return health_service.pod_health(ctx.source, namespace, pod, now=now)


def _cluster_pod_issues(
    ctx,
    now,
    limit: int,
    severity: str,
    issueType: str,
    namespace: str,
    includeAll: bool,  # noqa: N803
):
    return cluster_service.pod_issues(
        ctx.source,
        now=now,
        restart_threshold=ctx.settings.pod_restart_threshold,
        limit=limit,
        severity=severity,
        issue_type=issueType,
        namespace=namespace,
        include_all=includeAll,
    )


ROUTES: list[Route] = [
    Route(
        name="nodes_utilization",
        path="/nodes/utilization",
        summary="Every node's usage, capacity, allocatable and committed requests/limits, with cluster totals",
        response=ClusterNodeUtilization,
        compute=_nodes_utilization,
        query=(SORT,),
        errors=(400, 503, 504),
        permission=("list", "nodes", "", None),
        description="Without metrics-server the answer is still 200: the committed view, with "
        "`metricsAvailable: false` and a message. Nodes without a sample have null usage and are counted "
        "in `nodesWithoutMetrics`.",
        tags=("nodes",),
    ),
    Route(
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
    ),
    Route(
        name="pod_health_score",
        path="/pods/<namespace>/<pod>/health-score",
        summary="A 0-100 health score of a pod with the components that produced it",
        response=PodHealthScore,
        compute=_health_score,
        params=(NAMESPACE, POD),
        errors=(400, 404, 503, 504),
        permission=("get", "pods", "", "namespace"),
        description="Weighted components: restarts 0.30 (recent restarts weigh more), containerStates 0.25, "
        "events 0.20 (Warning events of the last 24 h), conditions 0.15, scheduling 0.10. The formula is "
        "documented in docs/health-score.md.",
        tags=("pods",),
    ),
    Route(
        name="cluster_pod_issues",
        path="/cluster/pod-issues",
        summary="Pod issues across every namespace (or one): per-namespace counts, summary by issue type, "
        "the most severe problematic pods",
        response=ClusterPodIssues,
        compute=_cluster_pod_issues,
        query=(LIMIT, SEVERITY, ISSUE_TYPE, NAMESPACE_FILTER, INCLUDE_ALL),
        errors=(400, 503, 504),
        permission=("list", "pods", "", None),
        description="Three reads (pods, Warning events about pods, ReplicaSets), cluster-wide or in the "
        "`namespace` given; the same per-pod rules as /namespace/{namespace}/error.",
        tags=("cluster",),
    ),
]
