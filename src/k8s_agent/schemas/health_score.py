"""Response Structs of ``GET /pods/{ns}/{pod}/health-score``.

The formula is ``k8s_agent.analysis.health_score.formula``, written out in ``docs/health-score.md``. Every field is
always present: lists are ``[]`` when empty and absent values are ``null``.
"""

from __future__ import annotations

from typing import Literal

from k8s_agent.schemas.base import Condition, Response

OverallStatus = Literal["Healthy", "Good", "Warning", "Degraded", "Critical"]
ComponentStatus = Literal["Excellent", "Good", "Fair", "Poor", "Critical"]
ContainerKind = Literal["app", "init", "sidecar"]
ContainerStateName = Literal["Running", "Waiting", "Terminated", "Unknown"]


class HealthComponent(Response, kw_only=True):
    """One part of the score: its 0-100 ``score``, its ``weight`` in the overall score (weights sum to 1),
    its ``status`` label and what produced it (docs/health-score.md)."""

    name: str
    score: int
    weight: float
    status: ComponentStatus
    description: str


class ContainerHealth(Response, kw_only=True):
    """One container status as the score read it. ``kind`` is ``app``, ``init`` or ``sidecar`` (an init
    container with ``restartPolicy: Always``). ``reason``/``message``/``exitCode`` describe the current state
    (waiting or terminated); ``lastTermination...`` the previous run, when there was one."""

    name: str
    kind: ContainerKind
    state: ContainerStateName
    ready: bool
    restart_count: int
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    last_termination_reason: str | None = None
    last_termination_exit_code: int | None = None
    last_termination_time: str | None = None


class HealthEvent(Response, kw_only=True):
    """Events of the pod seen in the last 24 hours, grouped by type and reason (both event shapes read:
    ``count``/``lastTimestamp`` or ``series``/``eventTime``). ``count`` sums the occurrences, ``message`` is
    the latest one's."""

    type: str
    reason: str
    message: str
    count: int
    first_seen: str | None = None
    last_seen: str | None = None


class HealthDetails(Response, kw_only=True):
    """The evidence. ``restartCount`` sums every container (app, init, sidecar). ``restartsLastHour`` is
    reconstructed (Kubernetes keeps only the latest termination of each container): every restart when the
    pod is younger than an hour; else, per container whose last termination finished within the hour, the
    restarts a crash loop fits in the hour (one per last run time + back-off delay), or 1. ``lastRestartTime``/``lastRestartReason``/``lastRestartContainer`` are those of the
    most recent termination across containers. ``uptime`` is the pod's age (``2d 3h 5m``), ``podStatus``
    kubectl's STATUS column."""

    phase: str
    pod_status: str
    uptime: str | None = None
    restart_count: int
    restarts_last_hour: int
    last_restart_time: str | None = None
    last_restart_reason: str | None = None
    last_restart_container: str | None = None
    container_statuses: list[ContainerHealth] = []
    recent_events: list[HealthEvent] = []
    pod_conditions: list[Condition] = []


class PodHealthScore(Response, kw_only=True):
    """A 0-100 health score of a pod with the components that produced it.

    ``status`` and ``components`` (each with its weight) follow the formula of docs/health-score.md.
    ``calculatedAt`` is the server time of the computation. ``warnings`` names
    optional reads that failed (the pod's events): the score is then computed without them.
    """

    pod_name: str
    namespace: str
    overall_score: int
    status: OverallStatus
    components: dict[str, HealthComponent]
    calculated_at: str
    details: HealthDetails
    warnings: list[str] = []
