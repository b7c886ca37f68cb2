"""Routes of the analysis features, added to the route table when the app is built."""

from __future__ import annotations

from k8s_agent.api import features_nodes, features_scheduling
from k8s_agent.api.routes import NAMESPACE, POD, Route, add_routes
from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.schemas.failure_events import NamespaceErrorReport, PodFailureEvents
from k8s_agent.services import failure_events as events_service
from k8s_agent.services._concurrency import gather


def _failure_events(ctx, now, namespace: str, pod: str):
    return events_service.pod_failure_events(ctx.source, namespace, pod, now=now)


async def _namespace_exists(ctx, namespace: str) -> None:
    """404 when the namespace object is readable and absent; when it cannot be read (RBAC without
    ``get namespaces``, API trouble) the analysis answers on its own (an empty namespace lists nothing)."""
    try:
        await ctx.source.get_namespace(namespace)
    except NotFound:
        raise
    except ServiceUnavailable:
        return


async def _namespace_errors(ctx, now, namespace: str):
    _, report = await gather(
        _namespace_exists(ctx, namespace),
        events_service.namespace_errors(
            ctx.source, namespace, restart_threshold=ctx.settings.pod_restart_threshold, now=now
        ),
    )
    return report


ROUTES = [
    Route(
        name="pod_failure_events",
        path="/pods/<namespace>/<pod>/failure-events",
        summary="Failure events of a pod, categorised, with severity, recurrence, causes and actions",
        response=PodFailureEvents,
        compute=_failure_events,
        params=(NAMESPACE, POD),
        tags=("pods",),
    ),
    Route(
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
    ),
]

add_routes(ROUTES)

add_routes(features_scheduling.ROUTES)
add_routes(features_nodes.ROUTES)
