"""Response Structs of ``GET /pods/{ns}/{pod}/scheduling`` and ``GET /pods/{ns}/{pod}/scheduling/explain``.

Every field is always present (empty lists as ``[]``, absent values as ``null``) so clients never have to
guess whether a key was left out or means "nothing". Timestamps are RFC 3339 strings (UTC, seconds).
"""

from __future__ import annotations

from k8s_agent.kube.models import Affinity, PodCondition, Toleration
from k8s_agent.schemas.base import Response


class SchedulingEvent(Response, kw_only=True):
    """A scheduling-related event of the pod (FailedScheduling, Scheduled, Preempted, cluster-autoscaler's
    NotTriggerScaleUp/TriggeredScaleUp, or anything the pod's scheduler reported). Both event shapes are
    read: ``timestamp`` is lastTimestamp, else series.lastObservedTime, else eventTime; ``count`` is count,
    else series.count, else 1."""

    type: str
    reason: str
    message: str
    timestamp: str | None
    count: int


class FailureSummary(Response, kw_only=True):
    """Nodes grouped by failure category. ``count`` is the number of nodes with that failure now (when the
    live evaluation found it), else the scheduler's own count from its last message. ``nodes`` names the
    nodes found by the live evaluation, in name order.

    Three counts sit beside it, each null when it cannot be known:
    ``anyFailureCount``: every node failing a check of this category now (a node may be counted under
    several categories); ``firstFailureCount``: the nodes the scheduler's own rules count under it now,
    because kube-scheduler stops at a node's first failing filter (in its plugin order) and reports only
    that one (null when the cluster's pods could not be read); ``schedulerMessageCount``: the count in the
    scheduler's last message.

    ``source`` says where the entry comes from: ``nodes`` (live evaluation), ``scheduler`` (only the
    scheduler's message reports it), ``both`` (the message reports it, and its counts for this category are
    exactly those the scheduler's rules give on the cluster now), or ``pod`` (a problem of the pod itself,
    such as a missing PVC, which blocks every node). A category the message reports with other counts than
    the live evaluation is ``nodes``, and ``discrepancies`` says why."""

    category: str
    count: int
    description: str
    nodes: list[str]
    source: str
    any_failure_count: int | None = None
    first_failure_count: int | None = None
    scheduler_message_count: int | None = None


class UnschedulableNode(Response, kw_only=True):
    """A node the pod cannot run on now, with every failed check (not only the first, as the scheduler
    reports). ``categories`` come from this node's own checks."""

    node_name: str
    reasons: list[str]
    insufficient_resources: list[str]
    categories: list[str]


class ParsedSchedulerReason(Response, kw_only=True):
    """One reason of the scheduler's message: the text, the node count in front of it (null for a
    PreFilter reason, which applies to the pod as a whole), and its categories (empty for preemption text
    and for DaemonSet PreFilterResult noise)."""

    reason: str
    count: int | None
    categories: list[str]


class PodScheduling(Response, kw_only=True):
    """Where the pod runs and why, or why it does not run anywhere.

    ``status``: ``Scheduled`` (spec.nodeName set), ``SchedulingGated`` (spec.schedulingGates non-empty),
    ``Pending``, or the terminal phase ``Failed`` / ``Succeeded`` of a pod that never got a node.

    For a scheduled pod ``schedulingReasons`` says how the node satisfies the pod's constraints, computed
    from the node as it is now. For a pending pod ``unschedulableNodes`` evaluates every node from live
    state (taints, readiness, cordon, selectors, affinity, free resources, host ports, pod affinity, volume
    node affinity); ``failureSummary`` / ``failureCategories`` combine that with the scheduler's last
    message, so the scheduler's reasons show even when no node is flagged now. ``discrepancies`` lists where
    the two disagree (a stale event, a changed cluster). ``schedulerMessage`` is the newest FailedScheduling
    event message or PodScheduled condition message, ``parsedSchedulerReasons`` its reasons. ``conditions``
    holds the pod's PodScheduled condition. ``notes`` are pod-level observations (a PVC waiting for binding,
    a missing PVC, a nominated node), ``warnings`` name optional reads that failed (events, PVCs, PVs).
    """

    status: str
    node_name: str | None
    scheduler_name: str
    node_selector: dict[str, str]
    tolerations: list[Toleration]
    affinity: Affinity | None
    priority: int
    priority_class_name: str
    nominated_node_name: str | None
    scheduling_gates: list[str]
    scheduling_reasons: list[str]
    failure_categories: list[str]
    failure_summary: list[FailureSummary]
    unschedulable_nodes: list[UnschedulableNode]
    scheduler_message: str | None
    parsed_scheduler_reasons: list[ParsedSchedulerReason]
    discrepancies: list[str]
    scheduling_events: list[SchedulingEvent]
    conditions: list[PodCondition]
    notes: list[str]
    warnings: list[str] = []


class NodeAnalysis(Response, kw_only=True):
    """One node's verdict for the pod: ``schedulable`` when every check passes; otherwise every failed
    check in ``reasons`` (resource shortfalls detailed in ``insufficientResources``) and its categories."""

    node_name: str
    schedulable: bool
    reasons: list[str]
    insufficient_resources: list[str]
    categories: list[str]


class ExplainSummary(Response, kw_only=True):
    """Node counts: how many nodes exist, how many could run the pod now, and how many fail each check (a
    node failing several checks is counted under each)."""

    total_nodes: int
    schedulable_nodes: int
    filtered_by_node_not_ready: int
    filtered_by_unschedulable: int
    filtered_by_taints: int
    filtered_by_node_selector: int
    filtered_by_node_affinity: int
    filtered_by_resources: int
    filtered_by_pod_affinity: int
    filtered_by_volume: int
    filtered_by_host_ports: int
    filtered_by_topology_spread: int
    filtered_by_node_name: int


class SchedulingExplanation(Response, kw_only=True):
    """Why the pod is (or is not) on a node, in words, with concrete fixes.

    ``explanation`` is a short paragraph; ``suggestions`` are concrete actions naming nodes, labels, taints
    and quantities; ``nodeAnalysis`` has one entry per node in name order (also for scheduled pods, with
    the pod's own requests not counted against its node). ``summary.schedulableNodes`` counts nodes whose
    own checks pass: a pod-level problem listed in ``notes`` (a missing PVC) can still block every node.
    ``discrepancies``, ``notes`` and ``warnings`` are as in the scheduling answer.
    """

    pod_name: str
    namespace: str
    status: str
    node_name: str | None
    explanation: str
    suggestions: list[str]
    node_analysis: list[NodeAnalysis]
    summary: ExplainSummary
    failure_categories: list[str]
    scheduler_message: str | None
    discrepancies: list[str]
    scheduling_events: list[SchedulingEvent]
    notes: list[str]
    warnings: list[str] = []
