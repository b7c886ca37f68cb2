"""Route of the pod resources feature."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.api.route import NAMESPACE, POD, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.resources import PodResources
from k8s_agent.services import resources as service


async def _resources(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, pod: str
) -> PodResources:
    return await service.resources(source, namespace, pod)


ROUTE = Route(
    name="pod_resources",
    path="/pods/<namespace>/<pod>/resources",
    summary="Requests and limits per container, totals, and the pod's effective request",
    response=PodResources,
    compute=_resources,
    params=(NAMESPACE, POD),
    tags=("pods",),
)
