"""``create_app(settings, api=..., operations=...)``: the Sanic application wired from the route table
(``api.endpoints``), and its per-worker lifecycle.

How a request is answered lives in ``api.handler``. Each worker process opens its own cluster source (one API
client) and its own two caches in ``before_server_start`` and closes them in ``after_server_stop``; nothing is
shared between workers but what each one caches for a short TTL.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from sanic import Sanic

from k8s_agent import errors
from k8s_agent.api import endpoints
from k8s_agent.api.handler import API_PREFIX, EnvelopeErrorHandler, api_handler, default_answers
from k8s_agent.api.route import Operation, Route
from k8s_agent.config import Settings
from k8s_agent.context import AppContext, NoMetrics
from k8s_agent.demo import demo_cluster_path
from k8s_agent.kube.breaker import CircuitBreaker
from k8s_agent.kube.cache import CachedSource, SingleFlightCache
from k8s_agent.kube.discovery import resolve_source
from k8s_agent.lifecycle import begin_draining, install_drain
from k8s_agent.logs import AccessLog, sanic_log_config, setup_logging, throttled
from k8s_agent.tuning import (
    ANALYSES_MAX,
    API_FAILURE_MEMORY,
    GC_GEN0_THRESHOLD,
    READY_FAILURES,
    READY_INTERVAL,
    READY_TIMEOUT,
    REFRESH_KEEP,
    REFRESH_MAX_AGE,
    REFRESH_MAX_KEYS,
)

SourceFactory = Callable[[Settings], Awaitable[Any]]


# ------------------------------------------------------------------------------------------- sources
async def default_source_factory(settings: Settings) -> Any:
    if settings.cluster_source == "live":
        from k8s_agent.kube.live import LiveSource

        return await LiveSource.connect(
            kubeconfig=settings.kubeconfig, context=settings.kube_context, timeout=settings.k8s_timeout
        )
    from k8s_agent.kube.snapshot import SnapshotSource

    return SnapshotSource(settings.snapshot_path or demo_cluster_path())


# ------------------------------------------------------------------------------------------- the app
def make_index(inner: Any, settings: Settings) -> Any:
    """The worker's cluster index: watch-fed over a live source, built once from a snapshot's dump; None
    for a source that offers neither (cluster-wide answers then list, as before)."""
    from k8s_agent.kube.index import ClusterIndex

    if not settings.cluster_index:
        return None
    threshold, idle = settings.pod_restart_threshold, settings.index_idle_timeout
    if hasattr(inner, "watch_lines"):
        # a request waits up to half its deadline for a first sync in progress (small clusters: no 503)
        wait = settings.request_deadline / 2
        return ClusterIndex(
            inner,
            restart_threshold=threshold,
            idle_timeout=idle,
            first_wait=wait,
        )
    if hasattr(inner, "index_lists"):
        return ClusterIndex(snapshot=inner.index_lists, restart_threshold=threshold, idle_timeout=idle)
    return None


def make_refresher(index: Any, settings: Settings, routes: tuple[Route, ...]) -> Any:
    """The worker's background refresher of its cluster-wide answers (``api.refresh``), when it has an index
    and caches answers at all (``CACHE_TTL`` above 0): refreshed when the index changes (its generation),
    those of the ``polled`` routes also once per CACHE_TTL (their metrics)."""
    from k8s_agent.api.refresh import Refresher

    if index is None or settings.cache_ttl <= 0:
        return None

    def used() -> None:  # a request answered from the refresher is a use of the index
        index.last_used = index.clock()

    return Refresher(
        ttl=settings.cache_ttl,
        max_keys=REFRESH_MAX_KEYS,
        max_bytes=settings.cache_max_bytes,
        keep=min(REFRESH_KEEP, index.idle_timeout / 2),
        max_age=REFRESH_MAX_AGE,
        on_use=used,
        generation=lambda: index.generation,
        polled=frozenset(r.name for r in routes if r.refreshed and r.polled),
        until_ready=index.answers_ready,
    )


def on_index_synced(ctx: AppContext) -> Callable[[], Awaitable[None] | None]:
    """What a live index does when its first sync has filled its stores: leave the cyclic GC's reach (out of
    tests, which build many apps in one process), and have the refresher prepare the default answers of the
    refreshed routes before requests are let in."""

    def synced() -> Awaitable[None] | None:
        if not Sanic.test_mode:
            gc.freeze()
        if ctx.refresher is None:
            return None
        return ctx.refresher.warm(default_answers(ctx))

    return synced


def create_app(
    settings: Settings,
    *,
    api: tuple[Route, ...] = endpoints.API,
    operations: tuple[Operation, ...] = endpoints.OPERATIONS,
    source_factory: SourceFactory | None = None,
    name: str = "k8s-agent",
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
        settings=settings, routes=api, access_log=AccessLog(settings.log_level, settings.log_format)
    )
    factory = source_factory or default_source_factory

    # -------------------------------------------------------------------------- lifecycle (per worker)
    @app.before_server_start
    async def open_source(app: Sanic) -> None:
        s = ctx.settings
        if s.cluster_source == "auto" and source_factory is None:
            ctx.settings = resolve_source(s)
        if ctx.settings.prometheus_multiproc_dir:
            from k8s_agent.metrics import prometheus_metrics

            ctx.metrics = prometheus_metrics()
        inner = await factory(ctx.settings)
        if hasattr(inner, "observer"):
            inner.observer = ctx.metrics.observe_upstream
        observe_cache = None if isinstance(ctx.metrics, NoMetrics) else ctx.metrics.observe_cache
        ctx.reads = SingleFlightCache(
            "reads",
            maxsize=s.cache_max_entries,
            maxbytes=s.cache_max_bytes,
            ttl=s.cache_ttl,
            error_ttl=API_FAILURE_MEMORY,
            observer=observe_cache,
        )
        ctx.responses = SingleFlightCache(
            "responses",
            maxsize=s.cache_max_entries,
            maxbytes=s.cache_max_bytes,
            ttl=s.cache_ttl,
            observer=observe_cache,
        )
        ctx.analyses = SingleFlightCache(
            "analyses", maxsize=ANALYSES_MAX, ttl=s.cache_ttl, negative_ttl=0, observer=observe_cache
        )
        ctx.source = CachedSource(inner, ctx.reads, CircuitBreaker(on_change=_breaker_changed))
        ctx.index = ctx.source.index = make_index(inner, ctx.settings)
        ctx.refresher = make_refresher(ctx.index, s, ctx.routes)
        if ctx.index is not None and ctx.index.snapshot is None:
            ctx.index.on_synced = on_index_synced(ctx)
        if hasattr(ctx.metrics, "watch_index"):
            ctx.metrics.watch_index(ctx.index)
        if ctx.index is not None and ctx.index.snapshot is not None:
            await ctx.index.require()  # a dump's index is built once, before serving (no request pays it)
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
            ctx.gc_pauses.install()
        install_drain(app, ctx)  # SIGTERM: readiness 503 and Connection: close for SHUTDOWN_DRAIN, then stop
        loop = asyncio.get_running_loop()
        ctx.ready_task = loop.create_task(_readiness_loop(ctx))
        if not isinstance(ctx.metrics, NoMetrics):
            ctx.publish_task = loop.create_task(_publish_loop(ctx.metrics))

    @app.before_server_stop
    async def begin_shutdown(app: Sanic) -> None:
        begin_draining(ctx)
        if not Sanic.test_mode:
            ctx.gc_pauses.report()
        for task in (ctx.ready_task, ctx.publish_task):
            if task is not None:
                task.cancel()

    @app.after_server_stop
    async def close_source(app: Sanic) -> None:
        throttled.flush()
        ctx.access_log.flush()
        ctx.metrics.publish()
        if ctx.refresher is not None:
            await ctx.refresher.stop()
        if ctx.index is not None:
            await ctx.index.stop("worker stopping")
        if ctx.source is not None:
            await ctx.source.close()

    # -------------------------------------------------------------------------- routes
    for op in operations:
        app.add_route(op.handler, op.path, methods=["GET"], name=op.name)
    for route in api:
        app.add_route(api_handler(ctx, route), API_PREFIX + route.path, methods=["GET"], name=route.name)
    return app


def _breaker_changed(state: str, detail: str) -> None:
    if state == "open":
        logger.warning(
            "Kubernetes API failing every read: answering 503 without calling it; last: {}", detail
        )
    else:
        logger.info("Kubernetes API answering again {}", detail)


async def _publish_loop(metrics: Any) -> None:
    """Publish this worker's counted metrics to the shared multiprocess files every second."""
    while True:
        await asyncio.sleep(metrics.PUBLISH_EVERY)
        try:
            throttled.flush()
            metrics.publish()
        except Exception as exc:  # noqa: BLE001 - metrics must never take the worker down
            logger.warning("publishing metrics failed: {!r}", exc)


async def _readiness_loop(ctx: AppContext) -> None:
    """Check the source in the background; /readyz answers from the last result (never per request).

    Ready after a check succeeds; not ready after READY_FAILURES checks in a row failed (each within
    READY_TIMEOUT), or at once when the worker starts shutting down."""
    failures = 0
    while True:
        reason = ""
        try:
            await asyncio.wait_for(ctx.source.check_ready(), timeout=READY_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            reason = f"Kubernetes API did not answer the readiness check within {READY_TIMEOUT:g}s"
        except errors.AgentError as exc:
            reason = f"{exc.message}: {exc.details}" if exc.details else exc.message
        except Exception as exc:  # noqa: BLE001 - readiness must keep running whatever happens
            reason = f"readiness check failed: {type(exc).__name__}"
        if ctx.shutting_down:
            return
        if reason:
            failures += 1
            if ctx.ready_reason == "starting" or (ctx.ready and failures >= READY_FAILURES):
                logger.warning("not ready ({} failed check(s) in a row): {}", failures, reason)
                ctx.ready = False
            if not ctx.ready:
                ctx.ready_reason = reason
        else:
            failures = 0
            if not ctx.ready:
                ctx.ready, ctx.ready_reason = True, "ok"
        await asyncio.sleep(READY_INTERVAL)
