"""Response Structs of the failure-events endpoint (``/pods/{ns}/{pod}/failure-events``).

Field names are the contract's (camelCase on the wire). Every field is always present: lists are ``[]`` when
empty and optional scalars are ``null`` rather than missing, so clients need one code path.
"""

from __future__ import annotations

from typing import Literal

from k8s_agent.schemas.base import EventInfo, Response

Category = Literal[
    "Scheduling", "ImagePull", "ContainerCrash", "Volume", "Resource", "Probe", "Network", "Other"
]
Severity = Literal["critical", "warning", "info"]


class InvolvedObject(Response, kw_only=True):
    """The object an event is about: the pod itself, its owner (e.g. a ReplicaSet's FailedCreate for quota)
    or its node (NodeNotReady, SystemOOM). ``fieldPath`` names the container when the event is about one
    (``spec.containers{app}``)."""

    kind: str
    name: str
    field_path: str = ""


class FailureEvent(EventInfo, kw_only=True):
    """One event that signals trouble, classified, with its recurrence and what to do about it.

    ``firstTimestamp``/``lastTimestamp``/``count`` are read from either event shape (classic core/v1 or
    events.k8s.io with ``eventTime`` + ``series``); a missing count means once. ``recurrenceRate`` is set for
    recurring events (count > 3) that span a positive time, always per hour; ``timeSinceFirst`` uses the
    compact duration format (``45s``, ``12m``, ``2h5m``, ``3d4h``).
    """

    category: Category
    severity: Severity
    is_recurring: bool = False
    recurrence_rate: str | None = None
    time_since_first: str | None = None
    possible_causes: list[str] = []
    suggested_action: str = ""
    involved_object: InvolvedObject


class RecentIssue(Response, kw_only=True):
    """The failure event seen last."""

    reason: str
    message: str
    last_timestamp: str | None = None


class PodFailureEvents(Response, kw_only=True):
    """Failure-event analysis of one pod: its failure events (and those of its owner and node that explain
    its trouble), sorted by severity then recency, with per-category and per-severity totals.

    ``totalEvents`` counts every event examined (the pod's own, its controller's, and its node's since the
    pod started). ``ongoingIssues`` lists failure events seen in the last 5 minutes as ``"<reason>:
    <message>"`` cut to 100 characters. ``podStatus`` is kubectl's STATUS column. ``warnings`` names the
    optional reads that failed (the answer is then built without them).
    """

    pod_name: str
    namespace: str
    total_events: int = 0
    failure_events: list[FailureEvent] = []
    event_categories: dict[str, int] = {}
    critical_events: int = 0
    warning_events: int = 0
    most_recent_issue: RecentIssue | None = None
    ongoing_issues: list[str] = []
    pod_phase: str = ""
    pod_status: str = ""
    warnings: list[str] = []
