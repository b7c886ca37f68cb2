"""Failure events of a pod: which reads to make, made together, then the pure analysis
(``k8s_agent.analysis.failure_events``).

Reads the answer can do without (the pod's events, its owner's and its node's events) never fail the request:
their failure (NotFound, API unavailable or refused) is named in the result's ``warnings`` and the analysis
runs on what was read.
"""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.failure_events import analyze_failure_events
from k8s_agent.analysis.kube import controller
from k8s_agent.kube.models import Event
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.failure_events import PodFailureEvents
from k8s_agent.services._concurrency import gather, optional, pod_events

#: the events of a namespace's objects other than pods (a pod's controller among them), and the cluster's
#: node events
NON_POD_EVENTS = "involvedObject.kind!=Pod"
NODE_EVENTS = "involvedObject.kind=Node"


def _about(event: Event, kind: str, name: str) -> bool:
    obj = event.involved_object
    return obj.kind == kind and obj.name == name


def _failed(failed: list[str], which: str, what: str) -> str:
    """The warning of a failed wider read, worded for the object it was read for."""
    text = next((w for w in failed if w.startswith(which + " ")), which)
    return what + text[len(which) :]


async def pod_failure_events(
    source: ClusterSource, namespace: str, name: str, *, now: datetime
) -> PodFailureEvents:
    """One round trip: the pod's GET, its events, the events of the namespace's other objects (its
    controller's among them) and the cluster's node events (its node's among them), all together; the
    controller and the node are known once the pod is read, and their events are picked from those lists. The
    two wider lists are the same reads for every pod of the namespace (of the cluster), so they are shared
    through the cache.

    Raises NotFound when the pod does not exist. Events of an earlier pod with the same name (another UID)
    are dropped by the analysis.
    """
    warnings: list[str] = []
    failed: list[str] = []  # warnings of the wider reads, kept only when the pod has such an owner or node
    pod, own_events, others, node_wide = await gather(
        source.get_pod(namespace, name),
        pod_events(source, namespace, name, warnings, "Events of the pod"),
        optional(source.list_events(namespace, field_selector=NON_POD_EVENTS), None, failed, "owner"),
        # node events are recorded in the default namespace (kubelet) or elsewhere (node-problem-detector)
        optional(source.list_events(None, field_selector=NODE_EVENTS), None, failed, "node"),
    )

    owner = controller(pod.metadata)
    owner_events: list[Event] = []
    if owner is not None and owner.name and owner.kind and owner.kind != "Node":
        if others is None:
            warnings.append(_failed(failed, "owner", f"Events of {owner.kind} {owner.name}"))
        else:
            owner_events = [e for e in others if _about(e, owner.kind, owner.name)]
    node = pod.spec.node_name
    node_events: list[Event] = []
    if node:
        if node_wide is None:
            warnings.append(_failed(failed, "node", f"Events of node {node}"))
        else:
            node_events = [e for e in node_wide if _about(e, "Node", node)]

    result = analyze_failure_events(pod, own_events, owner_events, node_events, now)
    result.warnings = warnings
    return result
