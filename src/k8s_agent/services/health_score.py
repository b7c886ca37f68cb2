"""Pod health score: the pod GET and the LIST of its events, together, then the pure score
(``analysis.health_score``).

A missing pod is a 404. The events are optional: when they cannot be read the
score is computed without them and ``warnings`` says so.
"""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.health_score import health_score
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.health_score import PodHealthScore
from k8s_agent.services._concurrency import gather, pod_events


async def pod_health(source: ClusterSource, namespace: str, name: str, *, now: datetime) -> PodHealthScore:
    warnings: list[str] = []
    pod, events = await gather(
        source.get_pod(namespace, name),
        pod_events(
            source, namespace, name, warnings, "events of the pod (the events component assumes none)"
        ),
    )
    return health_score(pod, events, now, warnings=warnings)
