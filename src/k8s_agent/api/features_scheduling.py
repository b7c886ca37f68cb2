"""Routes of the scheduling analysis."""

from __future__ import annotations

from k8s_agent.api.routes import NAMESPACE, POD, Route
from k8s_agent.schemas.scheduling import PodScheduling, SchedulingExplanation
from k8s_agent.services import scheduling


def _scheduling(ctx, now, namespace: str, pod: str):
    return scheduling.pod_scheduling(ctx.source, namespace, pod, now=now)


def _explain(ctx, now, namespace: str, pod: str):
    return scheduling.pod_scheduling_explain(ctx.source, namespace, pod, now=now)


ROUTES = [
    Route(
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
        tags=("scheduling",),
    ),
    Route(
        name="pod_scheduling_explain",
        path="/pods/<namespace>/<pod>/scheduling/explain",
        summary="A short human explanation of the pod's scheduling and concrete suggestions",
        response=SchedulingExplanation,
        compute=_explain,
        params=(NAMESPACE, POD),
        tags=("scheduling",),
    ),
]
