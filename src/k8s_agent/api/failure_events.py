"""Route of the pod failure-events feature."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.api.route import NAMESPACE, POD, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.failure_events import PodFailureEvents
from k8s_agent.services import failure_events as service


async def _failure_events(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, pod: str
) -> PodFailureEvents:
    return await service.pod_failure_events(source, namespace, pod, now=now)


ROUTE = Route(
    name="pod_failure_events",
    path="/pods/<namespace>/<pod>/failure-events",
    summary="Failure events of a pod, categorised, with severity, recurrence, causes and actions",
    response=PodFailureEvents,
    compute=_failure_events,
    params=(NAMESPACE, POD),
    node_detail=True,
    tags=("pods",),
)
