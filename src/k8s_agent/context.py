"""The state one worker process serves from: its settings, its cluster source and caches, the authorizer
(token mode), the metrics hooks, readiness and the access log. ``create_app`` makes one per app; the request
handler and the operational endpoints read it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from k8s_agent.config import Settings
from k8s_agent.kube.cache import SingleFlightCache
from k8s_agent.lifecycle import GcPauses
from k8s_agent.logs import AccessLog

if TYPE_CHECKING:
    from k8s_agent.api.route import Route


class NoMetrics:
    """Metrics hooks when Prometheus is off (tests, single runs)."""

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None: ...
    def observe_cache(self, cache: str, outcome: str) -> None: ...
    def observe_upstream(self, what: str, outcome: str) -> None: ...
    def observe_timeout(self, route: str) -> None: ...
    def observe_not_modified(self, route: str) -> None: ...
    def observe_compressed(self, route: str, encoding: str) -> None: ...
    def publish(self) -> None: ...
    def render(self) -> tuple[bytes, str]:
        return b"", "text/plain"


@dataclass
class AppContext:
    settings: Settings
    #: the API route table this app serves (the OpenAPI document is built from it)
    routes: tuple[Route, ...] = ()
    source: Any = None  # CachedSource over the live or snapshot source
    index: Any = None  # the worker's cluster index (kube.index), fed by watches or built from the snapshot
    reads: SingleFlightCache | None = None
    responses: SingleFlightCache | None = None
    #: shared computations of answers derived per parameter (``Route.derive``), as objects
    analyses: SingleFlightCache | None = None
    expensive_running: int = 0
    #: the cluster-wide answers kept current in the background (``api.refresh``), while there is an index
    refresher: Any = None
    authorizer: Any = None
    metrics: Any = field(default_factory=NoMetrics)
    ready: bool = False
    ready_reason: str = "starting"
    shutting_down: bool = False
    ready_task: asyncio.Task | None = None
    publish_task: asyncio.Task | None = None
    access_log: AccessLog = field(default_factory=AccessLog)
    gc_pauses: GcPauses = field(default_factory=GcPauses)
    openapi: bytes | None = None  # the encoded OpenAPI document, built on first request

    def observe_timeout(self, route: str) -> None:
        self.metrics.observe_timeout(route)
