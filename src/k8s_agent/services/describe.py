"""Pod describe: the pod GET and the LIST of its events, together, then the pure analysis."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.describe import describe_pod
from k8s_agent.analysis.podstatus import kubectl_row
from k8s_agent.analysis.resources import invalid_quantities
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.describe import PodDescription
from k8s_agent.services._concurrency import gather, pod_events


async def describe(
    source: ClusterSource, namespace: str, name: str, *, now: datetime, redact_env: bool = False
) -> PodDescription:
    warnings: list[str] = []
    pod, events = await gather(
        source.get_pod(namespace, name),
        pod_events(source, namespace, name, warnings, "Events of the pod"),
    )
    row = kubectl_row(pod)
    result = describe_pod(
        pod,
        events,
        pod_status=row.status,
        ready=row.ready,
        restarts=row.restarts_text(now),
        redact_env=redact_env,
    )
    result.warnings = warnings + invalid_quantities(pod)
    return result
