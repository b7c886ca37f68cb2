"""What a route is: its path and query parameters (validated before any upstream call), its response type,
the compute that answers it, and what the OpenAPI document says about it. The table of every route is
``api.endpoints``; each feature's module in ``api/`` declares its own routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sanic import HTTPResponse, Request
from sanic.request import RequestParameters

from k8s_agent.api import validation

#: A route's answer from its typed dependencies: ``compute(source, settings, now, **params)`` with the
#: worker's (cached) ``ClusterSource``, the ``Settings``, the request's clock (a UTC ``datetime``) and the
#: validated path and query parameters by name; it returns the response Struct.
Compute = Callable[..., Awaitable[Any]]


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
    parse: Callable[[RequestParameters], Any]  # (request.args) -> normalised value (raises BadRequest)


@dataclass(frozen=True)
class Route:
    name: str
    path: str  # Sanic form: /pods/<namespace>/<pod>/describe (relative to /api/v1)
    summary: str
    response: type
    compute: Compute
    params: tuple[PathParam, ...] = ()
    query: tuple[QueryParam, ...] = ()
    errors: tuple[int, ...] = (400, 404, 503, 504)
    #: what the caller must be allowed to do (token auth mode): (verb, resource, group, namespaced-by-param)
    permission: tuple[str, str, str, str | None] = ("get", "pods", "", "namespace")
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: an answer computed once per data rather than once per parameter: the shared computation runs with the
    #: query ``basis(query)`` (e.g. the largest ``limit``), ``derive(result, query)`` makes this query's answer
    basis: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    derive: Callable[[Any, dict[str, Any]], Any] | None = None
    #: a computation of more than a few milliseconds: a worker runs at most EXPENSIVE_CONCURRENCY of them at
    #: once (beyond that, 503 with Retry-After), so they cannot stall the cached answers
    expensive: bool = False
    #: a cluster-wide answer from the worker's index: while the index exists, each of its answers is kept
    #: current in the background (``api.refresh``) and a request is answered from the last complete one
    refreshed: bool = False
    #: a refreshed answer that also reads inputs the index does not watch (metrics.k8s.io, polled): refreshed
    #: once per CACHE_TTL even while the index is unchanged
    polled: bool = False
    #: a pod-level answer that shows nodes (names, taints, capacity, node events): in token mode a caller who
    #: may not get nodes gets it computed without them, with a note saying why
    node_detail: bool = False


@dataclass(frozen=True)
class Operation:
    """An endpoint outside the API envelope (health, metrics, the OpenAPI document and its page)."""

    path: str
    name: str
    handler: Callable[[Request], Coroutine[Any, Any, HTTPResponse]]


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
