"""Route of the namespace errors feature."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.api.route import NAMESPACE, Route
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.namespace_errors import NamespaceErrorReport
from k8s_agent.services import namespace_errors as service


async def _namespace_errors(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str
) -> NamespaceErrorReport:
    return await service.namespace_report(
        source, namespace, restart_threshold=settings.pod_restart_threshold, now=now
    )


ROUTE = Route(
    name="namespace_errors",
    path="/namespace/<namespace>/error",
    summary="Every Deployment/StatefulSet pod of a namespace checked for common problems",
    response=NamespaceErrorReport,
    compute=_namespace_errors,
    params=(NAMESPACE,),
    permission=("list", "pods", "", "namespace"),
    description="404 when the namespace does not exist (and the agent may read namespaces); "
    "an empty namespace gives an empty, well-formed report.",
    tags=("namespaces",),
)
