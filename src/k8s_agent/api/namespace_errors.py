"""Route of the namespace errors feature."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.api.route import NAMESPACE, Route
from k8s_agent.api.workloads import OWNER_KINDS
from k8s_agent.config import Settings
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.namespace_errors import NamespaceErrorReport
from k8s_agent.services import namespace_errors as service


async def _namespace_errors(
    source: ClusterSource,
    settings: Settings,
    now: datetime,
    namespace: str,
    ownerKinds: frozenset[str],  # noqa: N803 - the query parameter's name
) -> NamespaceErrorReport:
    return await service.namespace_report(
        source, namespace, restart_threshold=settings.pod_restart_threshold, now=now, owner_kinds=ownerKinds
    )


ROUTE = Route(
    name="namespace_errors",
    path="/namespace/<namespace>/error",
    summary="Every pod of a namespace checked for common problems, under its workload, with a per-workload "
    "summary",
    response=NamespaceErrorReport,
    compute=_namespace_errors,
    params=(NAMESPACE,),
    query=(OWNER_KINDS,),
    permission=("list", "pods", "", "namespace"),
    description="404 when the namespace does not exist (and the agent may read namespaces); "
    "an empty namespace gives an empty, well-formed report.",
    tags=("namespaces",),
)
