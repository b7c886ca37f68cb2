"""Route of the pod describe feature."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.api.route import NAMESPACE, POD, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.describe import PodDescription
from k8s_agent.services import describe as service


async def _describe(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, pod: str
) -> PodDescription:
    return await service.describe(source, namespace, pod, now=now, redact_env=settings.redact_env_values)


ROUTE = Route(
    name="pod_describe",
    path="/pods/<namespace>/<pod>/describe",
    summary="Everything kubectl describe pod shows, as JSON",
    response=PodDescription,
    compute=_describe,
    params=(NAMESPACE, POD),
    tags=("pods",),
)
