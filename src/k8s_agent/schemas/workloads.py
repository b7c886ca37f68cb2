"""Response Structs of ``GET /workloads/{namespace}/{kind}/{name}/diagnosis``, and the per-workload summary
rows the namespace and cluster pod analyses add.

Every field is always present: lists are ``[]`` when empty and absent values are ``null``.
"""

from __future__ import annotations

from typing import Literal

from k8s_agent.schemas.base import Condition, Response

WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]

#: see ``analysis.workloads`` for the decisions behind each state
State = Literal["progressing", "stuck", "complete", "degraded", "failed", "suspended", "unknown"]


_R = Response


class Replicas(_R, kw_only=True):
    """The controller's own counts. ``desired`` is ``spec.replicas`` (Deployment, StatefulSet), the
    DaemonSet's ``desiredNumberScheduled`` or the Job's ``completions``; the others are read from status
    (``updated`` is a DaemonSet's ``updatedNumberScheduled``, a Job's ``succeeded``)."""

    desired: int
    current: int
    updated: int
    ready: int
    available: int


class PodProblem(_R, kw_only=True):
    """Pods of one revision failing for one reason (an issue type of ``/namespace/{ns}/error``, or
    ``NotReady`` for a running pod whose readiness has failed for more than 5 minutes)."""

    reason: str
    count: int
    pods: list[str] = []  # the first 5
    message: str = ""


class Revision(_R, kw_only=True):
    """One revision of the pod template: a Deployment's ReplicaSet or a StatefulSet/DaemonSet
    ControllerRevision. ``current`` marks the revision the controller rolls out (the newest)."""

    revision: int
    name: str
    current: bool
    created: str | None = None
    images: list[str] = []
    pods: int
    ready_pods: int
    failing_pods: int
    problems: list[PodProblem] = []


class CreateFailure(_R, kw_only=True):
    """A ``FailedCreate`` (or ``FailedCreatePodSandBox`` is not one: only the controller's) event of the
    controller or one of its ReplicaSets: ``cause`` is ``quota``, ``admission-webhook``, ``pod-security``,
    ``limit-range``, ``service-account`` or ``other``."""

    object: str  # kind/name the event is about
    cause: str
    message: str
    count: int
    last_seen: str | None = None
    quota: str | None = None  # the ResourceQuota named by a quota refusal


class NodeGap(_R, kw_only=True):
    """A DaemonSet's pod missing or unavailable on a node. ``problem``: ``missing`` (the node should run
    one and has none), ``unavailable`` (its pod is not ready or failing), ``excluded`` (the controller does
    not place one there: ``reason`` says which taint, selector or affinity keeps it off)."""

    node: str
    problem: Literal["missing", "unavailable", "excluded"]
    reason: str
    pod: str | None = None


class DaemonSetNodes(_R, kw_only=True):
    nodes_total: int
    eligible: int
    missing: int
    unavailable: int
    excluded: int
    nodes: list[NodeGap] = []  # at most 50, missing first, then unavailable, then excluded
    truncated: bool = False


class JobFacts(_R, kw_only=True):
    """A Job's outcome as the Job controller states it (``Complete`` / ``Failed`` conditions), its backoff
    limit and, when one is set, the pod failure policy rule that decided."""

    active: int
    succeeded: int
    failed: int
    completions: int | None = None
    parallelism: int | None = None
    backoff_limit: int
    suspended: bool
    start_time: str | None = None
    completion_time: str | None = None
    failure_reason: str | None = None  # BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy...
    failure_message: str | None = None
    pod_failure_policy: list[str] = []  # the rules, as sentences
    retried_then_succeeded: bool = False


class CronJobFacts(_R, kw_only=True):
    schedule: str
    time_zone: str | None = None
    suspended: bool
    concurrency_policy: str
    starting_deadline_seconds: int | None = None
    last_schedule_time: str | None = None
    last_successful_time: str | None = None
    next_schedule_time: str | None = None
    missed_schedules: int  # schedule times between the last schedule and now that started no Job (max 100)
    first_missed: str | None = None
    active_jobs: list[str] = []
    last_job: str | None = None
    last_job_state: str | None = None


class TemplateChange(_R, kw_only=True):
    """One difference between two pod templates. ``container`` is empty for pod-level fields (volumes).
    Environment entries are shown as names and references (``secret db/password``), never as values."""

    container: str = ""
    field: str  # image, command, args, env, envFrom, resources, livenessProbe, readinessProbe, ...
    before: str | None = None
    after: str | None = None


class WhatChanged(_R, kw_only=True):
    """The current revision against the one before it. ``changedAt`` is when the current revision was
    created; ``firstFailureAt`` the first sign of trouble of the current revision's pods after it (an
    event's first time, or a container's termination), ``firstFailure`` what it was."""

    from_revision: int
    to_revision: int
    from_name: str
    to_name: str
    changed_at: str | None = None
    first_failure_at: str | None = None
    first_failure: str | None = None
    failure_after: str | None = None  # "12m": from the change to the first failure
    changes: list[TemplateChange] = []
    summary: str


class WorkloadDiagnosis(_R, kw_only=True):
    """Why a workload is where it is: its state from the controller's own conditions and generation, what
    blocks it (per revision, reusing the pod analyses), what changed, and what to do."""

    kind: WorkloadKind
    namespace: str
    name: str
    analysis_time: str
    state: State
    state_reason: str
    generation: int | None = None
    observed_generation: int | None = None
    replicas: Replicas | None = None
    conditions: list[Condition] = []
    revisions: list[Revision] = []
    blockers: list[str] = []
    create_failures: list[CreateFailure] = []
    daemon_set_nodes: DaemonSetNodes | None = None
    job: JobFacts | None = None
    cron_job: CronJobFacts | None = None
    what_changed: WhatChanged | None = None
    suggestions: list[str] = []
    warnings: list[str] = []


class WorkloadSummary(_R, kw_only=True):
    """One workload with failing pods, in the namespace and cluster pod analyses. ``state`` is the
    controller's (``unknown`` when the controller could not be read); ``topReason`` the issue type most of
    its failing pods have."""

    namespace: str
    kind: str
    name: str
    state: State
    total_pods: int
    failing_pods: int
    top_reason: str
