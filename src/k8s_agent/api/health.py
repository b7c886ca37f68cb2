"""The operational endpoints outside the API envelope: liveness, readiness (from the worker's background
check, never a read per request) and the Prometheus metrics of all workers."""

from __future__ import annotations

from sanic import HTTPResponse, Request

from k8s_agent.api import envelope
from k8s_agent.context import AppContext


async def healthz(request: Request) -> HTTPResponse:
    return envelope.Response(b'{"status":"ok"}', content_type=envelope.JSON)


async def readyz(request: Request) -> HTTPResponse:
    ctx: AppContext = request.app.ctx.agent
    if ctx.ready and not ctx.shutting_down:
        return envelope.Response(b'{"status":"ready"}', content_type=envelope.JSON)
    body = envelope.encode({"status": "not ready", "reason": ctx.ready_reason})
    return envelope.Response(body, status=503, content_type=envelope.JSON)


async def metrics(request: Request) -> HTTPResponse:
    ctx: AppContext = request.app.ctx.agent
    body, content_type = ctx.metrics.render()
    if not body:
        body = b"# metrics are off: set PROMETHEUS_MULTIPROC_DIR to a writable directory\n"
    return envelope.Response(body, content_type=content_type)
