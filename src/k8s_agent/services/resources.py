"""Pod resources: the pod GET, then the pure analysis."""

from __future__ import annotations

from k8s_agent.analysis.resources import pod_resources
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.resources import PodResources


async def resources(source: ClusterSource, namespace: str, name: str) -> PodResources:
    return pod_resources(await source.get_pod(namespace, name))
