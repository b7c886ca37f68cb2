"""Response Structs of ``GET /cluster/pod-issues``: the namespace error analysis over every namespace.

Problematic pods are the namespace endpoint's :class:`~k8s_agent.schemas.failure_events.ProblematicPod` (same issue
types, severities and sentences). Every field is always present: lists are ``[]`` when empty and absent values
are ``null``.
"""

from __future__ import annotations

from typing import Literal

from k8s_agent.schemas.base import Response
from k8s_agent.schemas.namespace_errors import IssueType, ProblematicPod
from k8s_agent.schemas.workloads import WorkloadSummary

Scope = Literal["all", "ownerKinds"]


class NamespaceIssueCounts(Response, kw_only=True):
    """One namespace: ``totalPods`` analysed there, ``problematicPods`` among them with an issue matching the
    filters, and the matching issues by severity."""

    namespace: str
    total_pods: int
    problematic_pods: int
    critical_issues: int
    warning_issues: int


class ClusterIssueSummary(Response, kw_only=True):
    """Pods with an issue of this type (a pod counts once per type). ``affectedPods`` names the first 10
    (``namespace/pod``, in the order of ``problematicPods``); ``count`` is the full number."""

    issue_type: IssueType
    count: int
    critical_pods: int
    description: str
    affected_pods: list[str] = []


class ClusterPodIssues(Response, kw_only=True):
    """Pod issues across the cluster (or one namespace), for dashboards.

    Scope: every pod, under its workload (``ownerKind``: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
    CronJob, Node for a static pod, Pod for a bare pod; ``scope: all``), or only the pods of the workload
    kinds in ``ownerKinds`` (``scope: ownerKinds``). ``includeAll`` is still accepted and changes nothing
    (every kind is analysed now). ``totalPods`` counts every pod listed (after the
    namespace filter), ``podsAnalyzed`` those in scope, ``healthyPods`` the analysed pods without any issue at
    all. A failed pod of a Job that later succeeded has no issue.

    Filters (``severity``, ``issueType``) select issues: a pod is listed when at least one of its issues
    matches, with only the matching issues; ``problematicPodsCount``, ``criticalIssuesCount``,
    ``warningIssuesCount``, ``summary``, ``namespaces`` and ``workloads`` count what matches.
    ``problematicPods`` is sorted with pods that have a critical issue first, then by restarts (descending),
    namespace and name, and cut to ``limit`` (``truncated`` is then true; ``returnedPods`` is its length).
    ``namespaces`` lists every namespace with analysed pods, those with the most critical, then warning issues
    first. ``workloads`` lists the workloads with matching issues, most failing pods first, at most 100 (whatever
    the ``limit``).
    """

    analysis_time: str
    scope: Scope
    owner_kinds: list[str] | None = None
    namespace: str | None = None
    severity: str | None = None
    issue_type: str | None = None
    limit: int
    restart_threshold_used: int
    total_pods: int
    pods_analyzed: int
    healthy_pods: int
    problematic_pods_count: int
    critical_issues_count: int
    warning_issues_count: int
    returned_pods: int
    truncated: bool
    summary: list[ClusterIssueSummary] = []
    workloads: list[WorkloadSummary] = []
    namespaces: list[NamespaceIssueCounts] = []
    problematic_pods: list[ProblematicPod] = []
    warnings: list[str] = []
