"""Route of the cluster pod-issues feature, with its query filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

import msgspec

from k8s_agent.analysis.pod_issues import DEFAULT_LIMIT, MAX_LIMIT, SEVERITIES
from k8s_agent.api import validation
from k8s_agent.api.route import QueryParam, Route
from k8s_agent.api.workloads import OWNER_KINDS
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.namespace_errors import IssueType
from k8s_agent.schemas.pod_issues import ClusterPodIssues
from k8s_agent.services import pod_issues as service

ISSUE_TYPES: tuple[str, ...] = get_args(IssueType)

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
    validation.namespace_query,
)
INCLUDE_ALL = QueryParam(
    "includeAll",
    {"type": "boolean", "default": False},
    "Accepted for compatibility and ignored: every owner kind (Job, DaemonSet, static and bare pods too) "
    "is analysed now; use ownerKinds to select kinds",
    lambda args: validation.bool_query(args, "includeAll"),
)


async def _cluster_pod_issues(
    source: ClusterSource,
    settings: Settings,
    now: datetime,
    limit: int,
    severity: str,
    issueType: str,  # noqa: N803 - the query parameter's name
    namespace: str,
    includeAll: bool,  # noqa: N803
    ownerKinds: frozenset[str],  # noqa: N803
) -> ClusterPodIssues:
    return await service.pod_issues(
        source,
        now=now,
        restart_threshold=settings.pod_restart_threshold,
        limit=limit,
        severity=severity,
        issue_type=issueType,
        namespace=namespace,
        include_all=includeAll,
        owner_kinds=ownerKinds,
    )


def _basis_limit(limit: int) -> int:
    """The limit of the shared computation a ``limit`` is sliced from: the default (what dashboards ask) for
    the limits up to it, the largest otherwise; so at most two computations per data, and the usual one
    makes a tenth of the entries (their owners and recent events)."""
    return DEFAULT_LIMIT if limit <= DEFAULT_LIMIT else MAX_LIMIT


def _page(full: ClusterPodIssues, query: dict[str, Any]) -> ClusterPodIssues:
    """The answer for this ``limit``, from the one computed per data with a limit at least as large
    (``_basis_limit``): the same first pods, in the same order, and the same counts (they never depend on
    the limit)."""
    limit = query["limit"]
    page = full.problematic_pods[:limit]
    return msgspec.structs.replace(
        full,
        limit=limit,
        problematic_pods=page,
        returned_pods=len(page),
        truncated=full.problematic_pods_count > len(page),
    )


ROUTE = Route(
    name="cluster_pod_issues",
    path="/cluster/pod-issues",
    summary="Pod issues across every namespace (or one): per-namespace counts, summary by issue type, "
    "the most severe problematic pods",
    response=ClusterPodIssues,
    compute=_cluster_pod_issues,
    query=(LIMIT, SEVERITY, ISSUE_TYPE, NAMESPACE_FILTER, INCLUDE_ALL, OWNER_KINDS),
    basis=lambda query: {**query, "limit": _basis_limit(query["limit"])},
    derive=_page,
    expensive=True,
    refreshed=True,
    errors=(400, 503, 504),
    permission=("list", "pods", "", None),
    description="Pods, Warning events about pods, ReplicaSets and the controllers (for CronJobs and the "
    "per-workload states), cluster-wide or in the `namespace` given; every owner kind, or those of "
    "`ownerKinds`; the same per-pod rules as /namespace/{namespace}/error.",
    tags=("cluster",),
)
