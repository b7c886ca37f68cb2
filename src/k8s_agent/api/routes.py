"""The API's route table. One entry per endpoint feeds both the Sanic router and the OpenAPI document, so
the two cannot drift apart.

Every API route is served the same way (``serve``): validate the path and query (400 before any upstream
call), then, under the request's deadline, take the route's encoded ``data`` from the response cache or
compute it once for all concurrent callers (single-flight), and splice it into the envelope.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sanic import Request

from k8s_agent.api import envelope, validation
from k8s_agent.errors import DeadlineExceeded
from k8s_agent.schemas.pods import PodDescription, PodResources
from k8s_agent.services import pods


@dataclass(frozen=True)
class PathParam:
    name: str
    validate: Callable[[str], str]
    description: str
    schema: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str
    parse: Callable[[Any], Any]  # (request.args) -> normalised value (raises BadRequest)


@dataclass(frozen=True)
class Route:
    name: str
    path: str  # Sanic form: /pods/<namespace>/<pod>/describe (relative to /api/v1)
    summary: str
    response: type
    compute: Callable[..., Awaitable[Any]]  # (ctx, now, **params) -> response Struct
    params: tuple[PathParam, ...] = ()
    query: tuple[QueryParam, ...] = ()
    errors: tuple[int, ...] = (400, 404, 503, 504)
    #: what the caller must be allowed to do (token auth mode): (verb, resource, group, namespaced-by-param)
    permission: tuple[str, str, str, str | None] = ("get", "pods", "", "namespace")
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


NAMESPACE = PathParam(
    "namespace",
    validation.namespace,
    "Kubernetes namespace (DNS-1123 label)",
    {"type": "string", "maxLength": 63, "pattern": validation.LABEL_PATTERN, "examples": ["default"]},
)
POD = PathParam(
    "pod",
    lambda v: validation.object_name(v, "pod"),
    "Pod name (DNS-1123 subdomain)",
    {"type": "string", "maxLength": 253, "pattern": validation.SUBDOMAIN_PATTERN, "examples": ["my-pod"]},
)
NODE = PathParam(
    "node",
    lambda v: validation.object_name(v, "node"),
    "Node name (DNS-1123 subdomain)",
    {"type": "string", "maxLength": 253, "pattern": validation.SUBDOMAIN_PATTERN, "examples": ["node-1"]},
)


def _describe(ctx, now, namespace: str, pod: str):
    return pods.describe(ctx.source, namespace, pod, redact_env=ctx.settings.redact_env_values)


def _resources(ctx, now, namespace: str, pod: str):
    return pods.resources(ctx.source, namespace, pod)


ROUTES: list[Route] = [
    Route(
        name="pod_describe",
        path="/pods/<namespace>/<pod>/describe",
        summary="Everything kubectl describe pod shows, as JSON",
        response=PodDescription,
        compute=_describe,
        params=(NAMESPACE, POD),
        tags=("pods",),
    ),
    Route(
        name="pod_resources",
        path="/pods/<namespace>/<pod>/resources",
        summary="Requests and limits per container, totals, and the pod's effective request",
        response=PodResources,
        compute=_resources,
        params=(NAMESPACE, POD),
        tags=("pods",),
    ),
]


def add_routes(routes: list[Route]) -> None:
    """Feature modules register their routes here (imported by the app factory)."""
    names = {r.name for r in ROUTES}
    for r in routes:
        if r.name not in names:
            ROUTES.append(r)


def request_key(route: Route, raw_params: dict[str, str], request: Request) -> tuple[dict, dict, tuple]:
    """Validate the path and query (BadRequest before any upstream call) and build the response-cache key."""
    params = {p.name: p.validate(raw_params.get(p.name, "")) for p in route.params}
    if not route.query:
        return params, {}, (route.name, *params.values())
    query = {q.name: q.parse(request.args) for q in route.query}
    return params, query, (route.name, *params.values(), *query.values())


async def answer(
    request: Request, route: Route, params: dict, query: dict, key: tuple, started: float
) -> bytes:
    """The encoded ``data`` of a request the response cache could not answer at once: authorize (token
    mode), then wait for the single computation shared by every concurrent caller, all within the deadline
    that started at ``started`` (loop time)."""
    ctx = request.app.ctx.agent

    async def compute() -> bytes:
        result = await route.compute(ctx, datetime.now(UTC), **params, **query)
        return envelope.encode(result)

    loop = asyncio.get_running_loop()
    deadline = ctx.settings.request_deadline
    try:
        async with asyncio.timeout_at(started + deadline) as cm:
            if ctx.authorizer is not None:
                await ctx.authorizer.authorize(request, route, params)
            return await ctx.responses.get(key, compute)
    except TimeoutError:
        if not cm.expired():
            raise
        ctx.observe_timeout(route.name)
        raise DeadlineExceeded(
            details=f"{route.name} did not complete within the {deadline * 1000:.0f} ms deadline "
            f"({(loop.time() - started) * 1000:.0f} ms); the Kubernetes API is slow to answer"
        ) from None
