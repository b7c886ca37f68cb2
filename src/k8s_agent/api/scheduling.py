"""Routes of the scheduling feature: the analysis and its explanation."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.api.route import NAMESPACE, POD, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.scheduling import PodScheduling, SchedulingExplanation
from k8s_agent.services import scheduling as service


async def _scheduling(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, pod: str
) -> PodScheduling:
    return await service.pod_scheduling(source, namespace, pod, now=now)


async def _explain(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, pod: str
) -> SchedulingExplanation:
    return await service.pod_scheduling_explain(source, namespace, pod, now=now)


SCHEDULING = Route(
    name="pod_scheduling",
    path="/pods/<namespace>/<pod>/scheduling",
    summary="Where and why a pod was (not) scheduled, with per-node failure analysis",
    response=PodScheduling,
    compute=_scheduling,
    params=(NAMESPACE, POD),
    description="For a pending pod every node is evaluated from live state the way the scheduler's filters "
    "would (readiness, cordon, taints, selectors and affinity, free allocatable, host ports, pod "
    "anti-affinity, volume node affinity), and the scheduler's own FailedScheduling messages are parsed "
    "across Kubernetes versions; disagreements between the two are reported.",
    node_detail=True,
    tags=("scheduling",),
)
EXPLAIN = Route(
    name="pod_scheduling_explain",
    path="/pods/<namespace>/<pod>/scheduling/explain",
    summary="A short human explanation of the pod's scheduling and concrete suggestions",
    response=SchedulingExplanation,
    compute=_explain,
    params=(NAMESPACE, POD),
    node_detail=True,
    tags=("scheduling",),
)
