"""How every API request is answered: the hot path for a poller's repeat, validation, the deadline, the
envelope, errors, and the request's bookkeeping (id, accounting, the log line, metrics).

The bookkeeping is done here rather than in middleware: it is the hot path of every cached answer.

A poller's repeat is answered before validation: the response cache is looked up with the raw path
parameters, and only validated parameters ever make an entry, so a hit proves them valid (validators return
valid values unchanged); a route with a query is looked up through the raw query strings it has already
validated. Everything else is validated first (400 before any upstream call), then, under the
request's deadline, the route's encoded ``data`` is taken from the response cache or computed once for all
concurrent callers (single-flight), and spliced into the envelope. The cached answer is a ``conditional.Payload``
(data, weak ETag, gzip form, all made once per fill): a matching ``If-None-Match`` is answered 304 on this same
path, after authorization in token mode.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from typing import Any

from loguru import logger
from sanic import HTTPResponse, Request
from sanic.exceptions import MethodNotAllowed as SanicMethodNotAllowed
from sanic.exceptions import NotFound as SanicNotFound
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.request import RequestParameters

from k8s_agent import errors
from k8s_agent.api import conditional, envelope, refresh
from k8s_agent.api.route import Route
from k8s_agent.auth import NodeFreeSource, withhold_node_detail
from k8s_agent.context import AppContext, NoMetrics
from k8s_agent.errors import DeadlineExceeded
from k8s_agent.kube.cache import RequestStats, request_stats
from k8s_agent.logs import request_id_var, throttled
from k8s_agent.tuning import MAX_QUERY_ALIASES

API_PREFIX = "/api/v1"

#: the accounting of an answer served straight from the response cache, and of a request refused before any
#: lookup (bad parameters)
_CACHE_HIT = RequestStats(cache_hits=1)
_NO_WORK = RequestStats()


def api_handler(ctx: AppContext, route: Route) -> Callable[..., Coroutine[Any, Any, HTTPResponse]]:
    """The Sanic handler of one API route."""
    name = route.name
    raw_key_hits = not route.query  # a query's parsed values are part of the key: validate those first
    # A route with a query: the raw query strings (with the raw path values) already validated, and the
    # response-cache key each one made, so a poller's repeat of one is looked up before validation too
    # (validation depends on the string alone). At most MAX_QUERY_ALIASES per route and worker (cleared when
    # full: a client sending ever new strings costs their validation, never memory).
    validated: dict[tuple[str, ...], tuple[Any, ...]] = {}
    refreshed = route.refreshed

    async def handler(request: Request, **path: str) -> HTTPResponse:
        wall = time.perf_counter()
        rid = envelope.request_id_from(request.headers.get("x-request-id"))
        stats = _NO_WORK
        response: HTTPResponse
        try:
            data = None
            if ctx.authorizer is None:
                answers: Any = ctx.refresher if refreshed and ctx.refresher is not None else ctx.responses
                if raw_key_hits:
                    data = answers.peek((name, *path.values()))
                else:
                    known = validated.get((request.query_string, *path.values()))
                    if known is not None:
                        data = answers.peek(known)
                if data is not None:
                    stats = _CACHE_HIT
            if data is None:  # not a poller's repeat: validate, account, compute or wait, within the deadline
                started = asyncio.get_running_loop().time()
                request.ctx.request_id = rid
                params, query, key = request_key(route, path, request)
                if not raw_key_hits:
                    if len(validated) >= MAX_QUERY_ALIASES:
                        validated.clear()
                    validated[(request.query_string, *path.values())] = key
                stats = request.ctx.stats = RequestStats()
                request_stats.set(stats)
                request_id_var.set(rid)
                data = await answer(ctx, request, route, params, query, key, started)
            timestamp = envelope.now_iso()
            response = conditional.respond(data, request, rid, timestamp)
        except Exception as exc:  # noqa: BLE001 - AgentError or a bug: the error envelope either way
            timestamp = envelope.now_iso()
            response = error_response(request, exc, rid, timestamp)
        finish_request(ctx, request, name, response, wall, stats, rid, timestamp)
        return response

    handler.__name__ = name
    handler.validated_queries = validated  # type: ignore[attr-defined]  # read by tests: its bound
    return handler


def request_key(
    route: Route, raw_params: dict[str, str], request: Request
) -> tuple[dict[str, str], dict[str, Any], tuple[Any, ...]]:
    """Validate the path and query (BadRequest before any upstream call) and build the response-cache key."""
    params = {p.name: p.validate(raw_params.get(p.name, "")) for p in route.params}
    if not route.query:
        return params, {}, (route.name, *params.values())
    query = {q.name: q.parse(request.args) for q in route.query}
    return params, query, (route.name, *params.values(), *query.values())


async def answer(
    ctx: AppContext,
    request: Request,
    route: Route,
    params: dict[str, str],
    query: dict[str, Any],
    key: tuple[Any, ...],
    started: float,
) -> conditional.Payload:
    """The cached answer (encoded ``data``, ETag, gzip form) of a request the response cache could not
    answer at once: authorize (token mode), then wait for the single computation shared by every concurrent
    caller, all within the deadline that started at ``started`` (loop time)."""

    source = ctx.source
    node_free = False
    refresher = ctx.refresher if route.refreshed else None

    def result() -> Coroutine[Any, Any, Any]:
        return route_result(ctx, route, params, query, source, node_free)

    async def compute() -> conditional.Payload:
        return conditional.Payload.of(await result())

    loop = asyncio.get_running_loop()
    deadline = ctx.settings.request_deadline
    try:
        async with asyncio.timeout_at(started + deadline) as cm:
            if ctx.authorizer is not None:
                await ctx.authorizer.authorize(request, route, params)
                if route.node_detail and not await ctx.authorizer.may(request, "get", "nodes"):
                    source, node_free, key = NodeFreeSource(ctx.source), True, (*key, "node-free")
            if refresher is not None:  # kept current in the background: the last complete answer
                return await refresher.get(key, result)
            return await ctx.responses.get(key, compute)  # type: ignore[union-attr]
    except TimeoutError:
        if not cm.expired():
            raise
        ctx.observe_timeout(route.name)
        if refresher is not None:  # its computation goes on: the retry gets it
            raise refresh.preparing(route.name, loop.time() - started) from None
        raise DeadlineExceeded(
            details=f"{route.name} did not complete within the {deadline * 1000:.0f} ms deadline "
            f"({(loop.time() - started) * 1000:.0f} ms); the Kubernetes API is slow to answer"
        ) from None


async def route_result(
    ctx: AppContext,
    route: Route,
    params: dict[str, str],
    query: dict[str, Any],
    source: Any = None,
    node_free: bool = False,
) -> Any:
    """The route's result (a Struct) for validated parameters."""
    if route.derive is None:
        answer = await expensive(ctx, route, params, query, source)
        return withhold_node_detail(answer) if node_free else answer
    # once per data: the shared computation (cached under a key without the derived parameters), then this
    # query's answer from it (cheap: a slice, a sort)
    basis = route.basis(query) if route.basis is not None else query
    basis_key = (route.name, *params.values(), *basis.values())
    refresher = ctx.refresher if route.refreshed else None
    if refresher is not None:  # kept current in the background: made once per refresh pass
        full = await refresher.shared(basis_key, lambda: expensive(ctx, route, params, basis), ctx.analyses)
    else:
        full = await ctx.analyses.get(  # type: ignore[union-attr]
            basis_key, lambda: expensive(ctx, route, params, basis)
        )
    return route.derive(full, query)


def default_answers(ctx: AppContext) -> list[tuple[tuple[Any, ...], Callable[[], Coroutine[Any, Any, Any]]]]:
    """The refreshed routes' answers to a request without parameters (what a dashboard asks first), as
    (response key, computation) pairs: prepared when the index has synced (``Refresher.warm``)."""
    out: list[tuple[tuple[Any, ...], Callable[[], Coroutine[Any, Any, Any]]]] = []
    for route in ctx.routes:
        if not route.refreshed or route.params:
            continue
        query = {q.name: q.parse(RequestParameters()) for q in route.query}
        key = (route.name, *query.values())
        out.append((key, partial(route_result, ctx, route, {}, query)))
    return out


#: expensive computations (``Route.expensive``) one worker runs at once
EXPENSIVE_CONCURRENCY = 2


async def expensive(
    ctx: AppContext, route: Route, params: dict[str, str], query: dict[str, Any], source: Any = None
) -> Any:
    """Run the route's computation; an expensive one only when fewer than EXPENSIVE_CONCURRENCY run in this
    worker, else 503 with Retry-After (a flood of distinct parameters must not stall the cached answers)."""
    source = ctx.source if source is None else source
    if not route.expensive:
        return await route.compute(source, ctx.settings, datetime.now(UTC), **params, **query)
    if ctx.expensive_running >= EXPENSIVE_CONCURRENCY:
        exc = errors.ServiceUnavailable(
            "Busy",
            f"this worker is already computing {ctx.expensive_running} cluster-wide answers; retry shortly",
        )
        exc.retry_after = 1.0
        raise exc
    ctx.expensive_running += 1
    try:
        return await route.compute(source, ctx.settings, datetime.now(UTC), **params, **query)
    finally:
        ctx.expensive_running -= 1


def error_response(
    request: Request, exception: Exception, rid: str, timestamp: str | None = None
) -> HTTPResponse:
    """Every error, ours or Sanic's, leaves in the error envelope; 5xx details never carry a stack trace."""
    headers: dict[str, str] = {}
    exc: errors.AgentError
    if isinstance(exception, errors.AgentError):
        exc = exception
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="k8s-cluster-agent"'
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        if exc.status >= 500:  # once a second per kind of failure, with the count of repeats
            throttled.warning(f"{exc.status}:{exc.message}", f"{exc.status} {exc.code}: {exc}")
    elif isinstance(exception, SanicNotFound):
        exc = errors.RouteNotFound(details=f"no route for {request.method} {request.path}")
    elif isinstance(exception, SanicMethodNotAllowed):
        allowed = sorted(getattr(exception, "allowed_methods", None) or ["GET"])
        exc = errors.MethodNotAllowed(
            details=f"{request.method} is not allowed on {request.path}; use {', '.join(allowed)}"
        )
        headers["Allow"] = ", ".join(allowed)
    elif isinstance(exception, SanicException) and 400 <= exception.status_code < 500:
        exc = errors.BadRequest(details=str(exception))
        exc.status = exception.status_code
    elif isinstance(exception, asyncio.CancelledError):  # Sanic's RequestCancelled is one
        # a request cut short (client gone, shutdown, a connection timeout): nothing went wrong in the agent
        agent = getattr(request.app.ctx, "agent", None)
        why = "the agent is shutting down" if agent is not None and agent.shutting_down else "cancelled"
        logger.debug("{} {} cancelled ({})", request.method, request.path, why)
        exc = errors.ServiceUnavailable("Request cancelled", why)
    elif isinstance(exception, SanicException) and exception.status_code == 503:  # Sanic's response timeout
        exc = errors.ServiceUnavailable("Response timeout", str(exception))
        throttled.warning("503:sanic", f"503 {exc.code}: {exc}")
    else:
        logger.opt(exception=exception).error("unhandled error on {} {}", request.method, request.path)
        exc = errors.InternalError(
            details="an unexpected error occurred; see the agent's log for this request id"
        )
    return envelope.error(exc, rid, headers, timestamp)


class EnvelopeErrorHandler(ErrorHandler):
    """Errors raised outside the API handlers (no such route, wrong method, malformed HTTP)."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        wall = time.perf_counter()
        rid = getattr(request.ctx, "request_id", None)
        if rid is None:
            rid = request.ctx.request_id = envelope.request_id_from(request.headers.get("x-request-id"))
        timestamp = envelope.now_iso()
        response = error_response(request, exception, rid, timestamp)
        agent = getattr(request.app.ctx, "agent", None)
        if agent is not None:
            stats = getattr(request.ctx, "stats", None) or RequestStats()
            finish_request(agent, request, "unmatched", response, wall, stats, rid, timestamp)
        return response


def finish_request(
    ctx: AppContext,
    request: Request,
    route: str,
    response: HTTPResponse,
    wall: float,
    stats: RequestStats,
    request_id: str,
    timestamp: str,
) -> None:
    seconds = time.perf_counter() - wall
    status = response.status
    method = request.method
    if ctx.metrics.__class__ is not NoMetrics:
        ctx.metrics.observe_request(route, method, status, seconds)
        if status == 304:
            ctx.metrics.observe_not_modified(route)
        elif response.__class__ is conditional.GzipResponse:
            ctx.metrics.observe_compressed(route, "gzip")
    ctx.access_log.write(
        request_id,
        timestamp,
        method,
        request.path,
        status,
        seconds * 1000,
        stats.upstream_calls,
        stats.cache_hits,
        stats.coalesced,
    )
