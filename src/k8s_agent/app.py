"""``create_app(settings)``: the Sanic application, its routes, error handling and per-worker lifecycle.

The per-request bookkeeping (request id, accounting, the log line, metrics) lives in the API route handler
rather than in middleware: it is the hot path of every cached answer. Each worker process opens its own cluster source (one API client) and its own two caches in
``before_server_start`` and closes them in ``after_server_stop``; nothing is shared between workers but
what each one caches for a short TTL.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from loguru import logger
from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import MethodNotAllowed as SanicMethodNotAllowed
from sanic.exceptions import NotFound as SanicNotFound
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler

from k8s_agent import errors
from k8s_agent.api import docs, envelope, features, routes  # noqa: F401 - features registers its routes
from k8s_agent.config import Settings
from k8s_agent.kube.cache import CachedSource, RequestStats, SingleFlightCache, request_stats
from k8s_agent.logs import AccessLog, request_id_var, sanic_log_config, setup_logging

API_PREFIX = "/api/v1"
READY_INTERVAL = 5.0
GC_GEN0_THRESHOLD = 50_000
DEMO_CLUSTER = Path(__file__).resolve().parents[2] / "examples" / "demo-cluster"

SourceFactory = Callable[[Settings], Awaitable[Any]]


class NoMetrics:
    """Metrics hooks when Prometheus is off (tests, single runs)."""

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None: ...
    def observe_cache(self, cache: str, outcome: str) -> None: ...
    def observe_upstream(self, what: str, outcome: str) -> None: ...
    def observe_timeout(self, route: str) -> None: ...
    def publish(self) -> None: ...
    def render(self) -> tuple[bytes, str]:
        return b"", "text/plain"


@dataclass
class AppContext:
    settings: Settings
    source: Any = None  # CachedSource over the live or snapshot source
    reads: SingleFlightCache | None = None
    responses: SingleFlightCache | None = None
    authorizer: Any = None
    metrics: Any = field(default_factory=NoMetrics)
    ready: bool = False
    ready_reason: str = "starting"
    shutting_down: bool = False
    ready_task: asyncio.Task | None = None
    publish_task: asyncio.Task | None = None
    access_log: AccessLog = field(default_factory=AccessLog)

    def observe_timeout(self, route: str) -> None:
        self.metrics.observe_timeout(route)


# ------------------------------------------------------------------------------------------- sources
def resolve_source(settings: Settings) -> tuple[Settings, str]:
    """Turn CLUSTER_SOURCE=auto into live or snapshot; returns the settings and a sentence for the log."""
    from k8s_agent.kube.live import in_cluster, kubeconfig_path

    if settings.cluster_source == "live":
        return settings, "cluster source: live Kubernetes API"
    if settings.cluster_source == "snapshot":
        return settings, f"cluster source: snapshot {settings.snapshot_path}"
    if in_cluster():
        return msgspec.structs.replace(settings, cluster_source="live"), "cluster source: live, in-cluster"
    kc = kubeconfig_path(settings.kubeconfig)
    if kc is not None:
        return msgspec.structs.replace(settings, cluster_source="live", kubeconfig=str(kc)), (
            f"cluster source: live, kubeconfig {kc}"
        )
    path = settings.snapshot_path or str(DEMO_CLUSTER)
    return msgspec.structs.replace(settings, cluster_source="snapshot", snapshot_path=path), (
        f"no cluster configured (not in a pod, no kubeconfig): serving the bundled demo cluster snapshot {path}"
    )


async def default_source_factory(settings: Settings) -> Any:
    if settings.cluster_source == "live":
        from k8s_agent.kube.live import LiveSource

        return await LiveSource.connect(
            kubeconfig=settings.kubeconfig, context=settings.kube_context, timeout=settings.k8s_timeout
        )
    from k8s_agent.kube.snapshot import SnapshotSource

    return SnapshotSource(settings.snapshot_path or DEMO_CLUSTER)


# ------------------------------------------------------------------------------------------- errors
def error_response(
    request: Request, exception: Exception, rid: str, timestamp: str | None = None
) -> HTTPResponse:
    """Every error, ours or Sanic's, leaves in the error envelope; 5xx details never carry a stack trace."""
    headers: dict[str, str] = {}
    if isinstance(exception, errors.AgentError):
        exc = exception
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="k8s-cluster-agent"'
        if exc.status >= 500:
            logger.warning("{} {}: {}", exc.status, exc.code, exc)
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


# ------------------------------------------------------------------------------------------- the app
def create_app(
    settings: Settings, *, source_factory: SourceFactory | None = None, name: str = "k8s-agent"
) -> Sanic:
    setup_logging(settings.log_level, settings.log_format)
    app = Sanic(name, log_config=sanic_log_config(settings.log_level), error_handler=EnvelopeErrorHandler())
    app.config.update(
        {
            "AUTO_EXTEND": False,
            "ACCESS_LOG": False,
            "MOTD": False,
            "FALLBACK_ERROR_FORMAT": "json",
            "REQUEST_TIMEOUT": settings.read_timeout,
            "RESPONSE_TIMEOUT": max(settings.write_timeout, settings.request_deadline + 1.0),
            "GRACEFUL_SHUTDOWN_TIMEOUT": settings.shutdown_timeout,
            "KEEP_ALIVE_TIMEOUT": 75,
            "REQUEST_ID_HEADER": "X-Request-ID",
        }
    )
    app.ctx.agent = ctx = AppContext(
        settings=settings, access_log=AccessLog(settings.log_level, settings.log_format)
    )
    factory = source_factory or default_source_factory

    # -------------------------------------------------------------------------- lifecycle (per worker)
    @app.before_server_start
    async def open_source(app: Sanic) -> None:
        s = ctx.settings
        if s.cluster_source == "auto" and source_factory is None:
            ctx.settings, _ = resolve_source(s)
        if ctx.settings.prometheus_multiproc_dir:
            from k8s_agent.metrics import prometheus_metrics

            ctx.metrics = prometheus_metrics()
        inner = await factory(ctx.settings)
        if hasattr(inner, "observer"):
            inner.observer = ctx.metrics.observe_upstream
        observe_cache = None if isinstance(ctx.metrics, NoMetrics) else ctx.metrics.observe_cache
        ctx.reads = SingleFlightCache(
            "reads", maxsize=s.cache_max_entries, ttl=s.cache_ttl, observer=observe_cache
        )
        ctx.responses = SingleFlightCache(
            "responses", maxsize=s.cache_max_entries, ttl=s.cache_ttl, observer=observe_cache
        )
        ctx.source = CachedSource(inner, ctx.reads)
        if s.auth_mode == "token":
            from k8s_agent.auth import Authorizer

            ctx.authorizer = Authorizer(inner, ttl=s.auth_cache_ttl, maxsize=s.cache_max_entries)
        logger.info("worker ready to serve; {}", ctx.source.description)

    @app.after_server_start
    async def start_readiness(app: Sanic) -> None:
        # everything alive now (imports, app, decoded snapshot) lives as long as the worker: move it out of
        # the cyclic GC's reach, and collect the young generation less often (request garbage is acyclic
        # and freed by reference counting; a collection every 700 allocations cost ~10% of a cached answer)
        if not Sanic.test_mode:  # not inside a test process that builds many apps
            gc.freeze()
            gc.set_threshold(GC_GEN0_THRESHOLD, 20, 20)
        loop = asyncio.get_running_loop()
        ctx.ready_task = loop.create_task(_readiness_loop(ctx))
        if not isinstance(ctx.metrics, NoMetrics):
            ctx.publish_task = loop.create_task(_publish_loop(ctx.metrics))

    @app.before_server_stop
    async def begin_shutdown(app: Sanic) -> None:
        ctx.shutting_down = True
        ctx.ready = False
        ctx.ready_reason = "shutting down"
        for task in (ctx.ready_task, ctx.publish_task):
            if task is not None:
                task.cancel()

    @app.after_server_stop
    async def close_source(app: Sanic) -> None:
        ctx.access_log.flush()
        ctx.metrics.publish()
        if ctx.source is not None:
            await ctx.source.close()

    # -------------------------------------------------------------------------- health
    @app.get("/healthz", name="healthz")
    async def healthz(request: Request) -> HTTPResponse:
        return envelope.Response(b'{"status":"ok"}', content_type=envelope.JSON)

    @app.get("/readyz", name="readyz")
    async def readyz(request: Request) -> HTTPResponse:
        if ctx.ready and not ctx.shutting_down:
            return envelope.Response(b'{"status":"ready"}', content_type=envelope.JSON)
        body = envelope.encode({"status": "not ready", "reason": ctx.ready_reason})
        return envelope.Response(body, status=503, content_type=envelope.JSON)

    @app.get("/metrics", name="metrics")
    async def metrics(request: Request) -> HTTPResponse:
        body, content_type = ctx.metrics.render()
        if not body:
            body = b"# metrics are off: set PROMETHEUS_MULTIPROC_DIR to a writable directory\n"
        return envelope.Response(body, content_type=content_type)

    # -------------------------------------------------------------------------- API
    for route in routes.ROUTES:
        _add_api_route(app, route)

    docs.register(app)
    return app


def _add_api_route(app: Sanic, route: routes.Route) -> None:
    """One API route. The request's bookkeeping (id, stats, deadline start, the log line, metrics) is done
    here rather than in middleware: it is the hot path of every cached answer.

    A poller's repeat is answered before validation: the response cache is looked up with the raw path
    parameters, and only validated parameters ever make an entry, so a hit proves them valid (validators
    return valid values unchanged). Everything else is validated first (400 before any upstream call)."""
    ctx: AppContext = app.ctx.agent
    name = route.name
    raw_key_hits = not route.query  # a query's parsed values are part of the key: validate those first

    async def handler(request: Request, **path: str) -> HTTPResponse:
        wall = time.perf_counter()
        rid = envelope.request_id_from(request.headers.get("x-request-id"))
        stats = _NO_WORK
        try:
            data = None
            if raw_key_hits and ctx.authorizer is None:
                data = ctx.responses.peek((name, *path.values()))
                if data is not None:
                    stats = _CACHE_HIT
            if data is None:  # not a poller's repeat: validate, account, compute or wait, within the deadline
                started = asyncio.get_running_loop().time()
                request.ctx.request_id = rid
                params, query, key = routes.request_key(route, path, request)
                stats = request.ctx.stats = RequestStats()
                request_stats.set(stats)
                request_id_var.set(rid)
                data = await routes.answer(request, route, params, query, key, started)
            timestamp = envelope.now_iso()
            response = envelope.success(data, rid, timestamp)
        except Exception as exc:  # noqa: BLE001 - AgentError or a bug: the error envelope either way
            timestamp = envelope.now_iso()
            response = error_response(request, exc, rid, timestamp)
        finish_request(ctx, request, name, response, wall, stats, rid, timestamp)
        return response

    handler.__name__ = name
    app.add_route(handler, API_PREFIX + route.path, methods=["GET"], name=name)


#: the accounting of an answer served straight from the response cache, and of a request refused before any
#: lookup (bad parameters)
_CACHE_HIT = RequestStats(cache_hits=1)
_NO_WORK = RequestStats()


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


async def _publish_loop(metrics: Any) -> None:
    """Publish this worker's counted metrics to the shared multiprocess files every second."""
    while True:
        await asyncio.sleep(metrics.PUBLISH_EVERY)
        try:
            metrics.publish()
        except Exception as exc:  # noqa: BLE001 - metrics must never take the worker down
            logger.warning("publishing metrics failed: {!r}", exc)


async def _readiness_loop(ctx: AppContext) -> None:
    """Check the source in the background; /readyz answers from the last result (never per request)."""
    while True:
        try:
            await asyncio.wait_for(ctx.source.check_ready(), timeout=max(ctx.settings.k8s_timeout, 1.0))
        except asyncio.CancelledError:
            raise
        except errors.AgentError as exc:
            if ctx.ready or ctx.ready_reason == "starting":
                logger.warning("not ready: {}", exc)
            ctx.ready, ctx.ready_reason = (
                False,
                f"{exc.message}: {exc.details}" if exc.details else exc.message,
            )
        except Exception as exc:  # noqa: BLE001 - readiness must keep running whatever happens
            ctx.ready, ctx.ready_reason = False, f"readiness check failed: {exc!r}"
        else:
            if not ctx.ready and not ctx.shutting_down:
                ctx.ready, ctx.ready_reason = True, "ok"
        await asyncio.sleep(READY_INTERVAL)
