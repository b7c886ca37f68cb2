"""Response Structs of the namespace errors endpoint (``/namespace/{ns}/error``).

Field names are the contract's (camelCase on the wire). Every field is always present: lists are ``[]`` when
empty and optional scalars are ``null`` rather than missing, so clients need one code path.
"""

from __future__ import annotations

from typing import Literal

from k8s_agent.schemas.base import EventInfo, Response
from k8s_agent.schemas.workloads import WorkloadSummary

IssueType = Literal[
    "HighRestarts",
    "Pending",
    "Failed",
    "CrashLoopBackOff",
    "ImagePullError",
    "ResourceConstraints",
    "Unschedulable",
    "OOMKilled",
    "Evicted",
]
IssueSeverity = Literal["critical", "warning"]


class PodIssue(Response, kw_only=True):
    """One problem found on a pod; ``details`` carries the evidence (waiting message, exit code, condition
    message)."""

    type: IssueType
    description: str
    severity: IssueSeverity
    details: str = ""


class ProblematicPod(Response, kw_only=True):
    """A pod with at least one issue. ``ownerKind``/``ownerName`` are the workload (Deployment through its
    ReplicaSet, StatefulSet, or a bare ReplicaSet); ``status``, ``ready`` and ``restarts`` are kubectl's STATUS,
    READY and RESTARTS columns; ``restartCount`` sums app and init containers; ``recentEvents`` are its Warning events of the last hour, newest first, at
    most 5."""

    name: str
    namespace: str
    owner_kind: str
    owner_name: str
    phase: str
    status: str
    ready: str = ""
    restarts: str = ""
    restart_count: int = 0
    age: str
    issues: list[PodIssue] = []
    recent_events: list[EventInfo] = []


class IssueSummary(Response, kw_only=True):
    """How many pods have an issue of this type (a pod counts once per type), and which."""

    issue_type: IssueType
    count: int
    description: str
    affected_pods: list[str] = []


class NamespaceErrorReport(Response, kw_only=True):
    """Error analysis of the pods of one namespace, every owner kind (Deployment, ReplicaSet, StatefulSet,
    DaemonSet, Job, CronJob, Node for static pods, Pod for bare pods), or those of ``ownerKinds`` when the
    filter is given. ``criticalIssuesCount``/``warningIssuesCount`` count issues; ``summary`` counts pods per
    issue type; ``workloads`` sums up per workload with failing pods. ``warnings`` names optional reads that
    failed (events, ReplicaSets, controllers)."""

    namespace: str
    analysis_time: str
    owner_kinds: list[str] | None = None
    total_pods_analyzed: int = 0
    problematic_pods_count: int = 0
    healthy_pods_count: int = 0
    restart_threshold_used: int
    summary: list[IssueSummary] = []
    workloads: list[WorkloadSummary] = []
    problematic_pods: list[ProblematicPod] = []
    critical_issues_count: int = 0
    warning_issues_count: int = 0
    warnings: list[str] = []
