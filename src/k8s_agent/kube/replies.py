"""The API server's replies, read: a body decoded into its Kubernetes shape, a status that is not 2xx or a
connection failure turned into the agent's errors (in words, without the API server's address), and the
metrics API's failures in metrics terms. ``kube.live`` makes the calls."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
import msgspec

from k8s_agent.errors import MetricsUnavailable, NotFound, ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube import models as m

T = TypeVar("T")


def decode_reply(raw: bytes, t: type[T], what: str) -> T:
    """Decode an answer; one that is not the Kubernetes shape (a proxy's HTML page, a truncated body) is the
    cluster's failure, not a bug of ours: 503, never 500."""
    try:
        return m.decode(raw, t)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise ServiceUnavailable(
            "Kubernetes API sent an unreadable answer", f"{what}: {exc} ({len(raw)} bytes)"
        ) from None


#: network addresses inside an error text (URLs, IPv4/IPv6 with a port, host:port)
_ADDRESS = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+|\[[0-9a-fA-F:]+\](?::\d+)?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"
    r"|\b[\w.-]+\.[a-z]{2,}:\d+\b",
    re.IGNORECASE,
)


class ObjectList(list):
    """A list read from the API that knows the size of the JSON it was decoded from (the cache counts it)."""

    __slots__ = ("nbytes",)
    nbytes: int


def connection_failure(exc: BaseException) -> str:
    """What failed, in words, without the API server's address or the library's raw message."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return "TLS handshake with the API server failed"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "cannot connect to the API server"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the API server closed the connection"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the API server's answer was cut short"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"the API server answered HTTP {exc.status}"
    return f"connection to the API server failed ({type(exc).__name__})"


class ContinueExpired(ServiceUnavailable):
    """410 Gone: a continue token whose resourceVersion the API server no longer has (a 503 if it escapes)."""


async def metrics_read(read: Awaitable[T], node: str = "") -> T:
    """A read of the metrics API, its failures in metrics terms: no metrics API served (a 404 of the API
    server) or none answering is MetricsUnavailable; the agent's own credentials refused stays
    UpstreamForbidden. For one ``node``, metrics-server's own 404 (``nodemetrics.metrics.k8s.io "x" not
    found``) means no sample for it yet: NotFound; anything else (the API server's plain "404 page not
    found", "could not find the requested resource") means no metrics API at all."""
    try:
        return await read
    except NotFound as exc:
        if node and 'metrics.k8s.io "' in exc.details:
            raise NotFound(
                "NodeMetrics", node, details=f"metrics-server has no sample for node '{node}' yet"
            ) from None
        raise MetricsUnavailable(
            details="the metrics.k8s.io API is not served: install metrics-server"
        ) from None
    except UpstreamForbidden:
        raise
    except ServiceUnavailable as exc:
        raise MetricsUnavailable(
            details=f"metrics.k8s.io did not answer ({exc.details}); is metrics-server running?"
        ) from None


def status_error(status: int, body: bytes, what: str) -> Exception:
    """The agent's error for an API server's non-2xx answer: 404 NotFound, 410 ContinueExpired, 401/403
    UpstreamForbidden (the agent's own permissions), anything else ServiceUnavailable (addresses removed)."""
    try:
        st = m.decode(body, m.Status)
        detail = st.message
    except Exception:  # noqa: BLE001 - a non-Status body (proxy error page)
        detail = body[:200].decode("utf-8", "replace")
    if status == 404:
        return NotFound(details=detail or f"{what}: not found")
    if status == 410:
        return ContinueExpired("Kubernetes API list expired", f"{what}: HTTP 410: {detail}")
    if status in (401, 403):
        return UpstreamForbidden(
            details=f"{what}: the API server answered {status}: {detail} "
            "(the agent's ServiceAccount lacks this permission; see the chart's ClusterRole)"
        )
    detail = _ADDRESS.sub("<address>", detail)  # an etcd or proxy address says nothing to the caller
    exc = ServiceUnavailable("Kubernetes API error", f"{what}: HTTP {status}: {detail}")
    exc.upstream_status = status  # type: ignore[attr-defined]
    return exc
