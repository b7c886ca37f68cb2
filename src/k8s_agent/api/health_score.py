"""Route of the pod health-score feature."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.health_score import document
from k8s_agent.api.route import NAMESPACE, POD, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.health_score import PodHealthScore
from k8s_agent.services import health_score as service


async def _health_score(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, pod: str
) -> PodHealthScore:
    return await service.pod_health(source, namespace, pod, now=now)


ROUTE = Route(
    name="pod_health_score",
    path="/pods/<namespace>/<pod>/health-score",
    summary="A 0-100 health score of a pod with the components that produced it",
    response=PodHealthScore,
    compute=_health_score,
    params=(NAMESPACE, POD),
    errors=(400, 404, 503, 504),
    permission=("get", "pods", "", "namespace"),
    description=document.route_description(),
    tags=("pods",),
)
