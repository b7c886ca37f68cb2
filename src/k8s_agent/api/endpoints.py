"""Every route the agent serves, in one explicit table. The app factory receives it (``create_app``) and so
does the OpenAPI builder (``docs.build_openapi``); nothing registers a route anywhere else.

``API`` routes answer under ``/api/v1`` in the envelope, through ``api.handler``; ``OPERATIONS`` are the
dashboard's page and files, health, metrics and documentation endpoints outside it.
"""

from __future__ import annotations

from k8s_agent.api import (
    dashboard,
    describe,
    docs,
    failure_events,
    health,
    health_score,
    namespace_errors,
    node_utilization,
    pod_issues,
    resources,
    scheduling,
    workloads,
)
from k8s_agent.api.route import Operation, Route

API: tuple[Route, ...] = (
    describe.ROUTE,
    resources.ROUTE,
    failure_events.ROUTE,
    namespace_errors.ROUTE,
    scheduling.SCHEDULING,
    scheduling.EXPLAIN,
    node_utilization.ALL_NODES,
    node_utilization.ONE_NODE,
    health_score.ROUTE,
    pod_issues.ROUTE,
    workloads.ROUTE,
)

OPERATIONS: tuple[Operation, ...] = (
    Operation("/", "dashboard", dashboard.page),
    Operation("/ui/app.js", "dashboard_script", dashboard.script),
    Operation("/ui/app.css", "dashboard_style", dashboard.style),
    Operation("/healthz", "healthz", health.healthz),
    Operation("/readyz", "readyz", health.readyz),
    Operation("/metrics", "metrics", health.metrics),
    Operation("/openapi.json", "openapi", docs.openapi),
    Operation("/docs", "docs", docs.docs),
)
