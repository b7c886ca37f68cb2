"""Failure events of a pod: which reads to make, made together, then the pure analysis
(``k8s_agent.analysis.failure_events``).

Reads the answer can do without (the pod's events, its owner's and its node's events) never fail the request:
their failure (NotFound, API unavailable or refused) is named in the result's ``warnings`` and the analysis
runs on what was read.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from k8s_agent.analysis.failure_events import analyze_failure_events
from k8s_agent.analysis.kube import controller
from k8s_agent.kube.models import Event
from k8s_agent.kube.source import ClusterSource, pod_events_selector
from k8s_agent.schemas.failure_events import PodFailureEvents
from k8s_agent.services._concurrency import gather, optional


async def _nothing() -> list[Event]:
    return []


async def pod_failure_events(
    source: ClusterSource, namespace: str, name: str, *, now: datetime
) -> PodFailureEvents:
    """GET the pod and LIST its events together; then its controller's and its node's events together.

    Raises NotFound when the pod does not exist. Events of an earlier pod with the same name (another UID)
    are dropped by the analysis.
    """
    warnings: list[str] = []
    pod, pod_events = await gather(
        source.get_pod(namespace, name),
        optional(
            source.list_events(namespace, field_selector=pod_events_selector(name)),
            [],
            warnings,
            "Events of the pod",
        ),
    )

    owner = controller(pod.metadata)
    owner_read: Awaitable[list[Event]] | None = None
    if owner is not None and owner.name and owner.kind and owner.kind != "Node":
        owner_read = optional(
            source.list_events(namespace, field_selector=pod_events_selector(owner.name, owner.kind)),
            [],
            warnings,
            f"Events of {owner.kind} {owner.name}",
        )
    node = pod.spec.node_name
    node_read: Awaitable[list[Event]] | None = None
    if node:
        # node events are recorded in the default namespace (kubelet) or elsewhere (node-problem-detector)
        node_read = optional(
            source.list_events(None, field_selector=pod_events_selector(node, "Node")),
            [],
            warnings,
            f"Events of node {node}",
        )
    owner_events, node_events = await gather(owner_read or _nothing(), node_read or _nothing())

    result = analyze_failure_events(pod, pod_events, owner_events, node_events, now)
    result.warnings = warnings
    return result
