"""Per-process TTL cache with single-flight, and the caching wrapper around a ClusterSource.

``SingleFlightCache.get(key, fetch)``:
* a fresh value is returned at once (hit);
* concurrent misses for one key share one ``fetch`` (coalesced): all of them get its result or its error;
* NotFound is cached for a shorter time (a poller asking for a deleted pod costs one read per short TTL);
  other errors are never cached, so the next request tries again;
* when every waiter of a fetch has gone (their request deadline cancelled them), the fetch is cancelled:
  no task is left running for nobody.

It is built on cachetools' TTLCache for expiry and size bounds; the in-flight table is a plain dict (one
event loop per process, no threads, so no locks). Fresh values are also indexed in a plain dict with their
expiry time, kept to the keys the TTLCache holds, so that a hit (the hot path of every poller) is one dict
lookup and one clock read rather than four Python calls inside TTLCache. (Such hits do not refresh the
TTLCache's least-recently-used order; with a TTL of seconds a hot key is stored again every TTL anyway.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from cachetools import TTLCache

from k8s_agent.errors import NotFound

T = TypeVar("T")


@dataclass
class RequestStats:
    """What one HTTP request cost; read by the request log line."""

    upstream_calls: int = 0
    cache_hits: int = 0
    coalesced: int = 0


#: the stats of the request being served (set by the HTTP layer; a fresh throwaway one elsewhere)
request_stats: ContextVar[RequestStats | None] = ContextVar("request_stats", default=None)


def current_stats() -> RequestStats:
    stats = request_stats.get()
    if stats is None:
        stats = RequestStats()
        request_stats.set(stats)
    return stats


#: hook for metrics: (cache name, outcome) with outcome in hit | miss | coalesced | negative_hit
CacheObserver = Callable[[str, str], None]


class _Flight:
    __slots__ = ("task", "waiters")

    def __init__(self, task: asyncio.Task) -> None:
        self.task = task
        self.waiters = 0


class SingleFlightCache:
    def __init__(
        self,
        name: str,
        *,
        maxsize: int,
        ttl: float,
        negative_ttl: float | None = None,
        observer: CacheObserver | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.ttl = ttl
        neg = ttl / 2 if negative_ttl is None else negative_ttl
        self._values: TTLCache | None = TTLCache(maxsize, ttl, timer=timer) if ttl > 0 else None
        self._negative: TTLCache | None = TTLCache(maxsize, neg, timer=timer) if neg > 0 else None
        self._inflight: dict[Hashable, _Flight] = {}
        self._fresh: dict[Hashable, tuple[float, Any]] = {}  # key -> (expiry, value), keys of _values only
        self._timer = timer
        self._observer = observer
        self.hits = self.misses = self.coalesced = 0

    def _observe(self, outcome: str) -> None:
        if self._observer is not None:
            self._observer(self.name, outcome)

    def __len__(self) -> int:
        return len(self._values or ()) + len(self._negative or ())

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def clear(self) -> None:
        self._fresh.clear()
        if self._values is not None:
            self._values.clear()
        if self._negative is not None:
            self._negative.clear()

    def peek(self, key: Hashable) -> T | None:
        """The fresh value for ``key`` (counted as a hit of this cache, not in the request's stats), or
        None: the synchronous fast path of ``get`` for callers that can answer a hit without awaiting."""
        entry = self._fresh.get(key)
        if entry is None or entry[0] <= self._timer():
            return None
        self.hits += 1
        if self._observer is not None:
            self._observer(self.name, "hit")
        return entry[1]

    def _store(self, key: Hashable, value: Any) -> None:
        values = self._values
        if values is None:
            return
        values[key] = value  # may expire or evict others
        fresh = self._fresh
        fresh[key] = (self._timer() + self.ttl, value)
        if len(fresh) > len(values):  # keep the index to what the TTLCache holds (its size bound)
            for stale in [k for k in fresh if k not in values]:
                del fresh[stale]

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        value = self.peek(key)
        if value is not None:
            current_stats().cache_hits += 1
            return value
        if self._negative is not None:
            try:
                error: NotFound = self._negative[key]
            except KeyError:
                pass
            else:
                self.hits += 1
                current_stats().cache_hits += 1
                self._observe("negative_hit")
                raise NotFound(error.kind, error.name, error.namespace, error.details)

        flight = self._inflight.get(key)
        if flight is None:
            self.misses += 1
            self._observe("miss")
            flight = _Flight(asyncio.ensure_future(self._fill(key, fetch)))
            self._inflight[key] = flight
        else:
            self.coalesced += 1
            current_stats().coalesced += 1
            self._observe("coalesced")
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            # this waiter's request was cancelled (deadline); the last one to leave cancels the fetch
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                # forget the flight now: a caller arriving while it unwinds starts a fresh fetch
                # instead of joining one that is being cancelled (and getting its CancelledError)
                if self._inflight.get(key) is flight:
                    del self._inflight[key]
                flight.task.cancel()
            raise

    async def _fill(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await fetch()
        except NotFound as exc:
            if self._negative is not None:
                self._negative[key] = exc
            raise
        else:
            self._store(key, value)
            return value
        finally:
            flight = self._inflight.get(key)
            if flight is not None and flight.task is asyncio.current_task():
                del self._inflight[key]


# ----------------------------------------------------------------------------------------- cached source
class CachedSource:
    """A ClusterSource whose reads go through one SingleFlightCache, keyed by the read.

    Every endpoint shares it: one poller's pod GET serves the next poller's describe, scheduling and
    failure-events alike. Returned objects are shared between requests and must not be mutated.
    """

    def __init__(self, inner: Any, cache: SingleFlightCache) -> None:
        self.inner = inner
        self.cache = cache
        self.description = inner.description

    def _get(self, key: tuple, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        return self.cache.get(key, call)

    async def get_pod(self, namespace: str, name: str):
        return await self._get(("pod", namespace, name), lambda: self.inner.get_pod(namespace, name))

    async def list_pods(
        self, namespace: str | None = None, *, field_selector: str = "", label_selector: str = ""
    ):
        return await self._get(
            ("pods", namespace, field_selector, label_selector),
            lambda: self.inner.list_pods(
                namespace, field_selector=field_selector, label_selector=label_selector
            ),
        )

    async def list_events(self, namespace: str | None = None, *, field_selector: str = ""):
        return await self._get(
            ("events", namespace, field_selector),
            lambda: self.inner.list_events(namespace, field_selector=field_selector),
        )

    async def get_node(self, name: str):
        return await self._get(("node", name), lambda: self.inner.get_node(name))

    async def list_nodes(self):
        return await self._get(("nodes",), self.inner.list_nodes)

    async def list_replicasets(self, namespace: str | None = None):
        return await self._get(("replicasets", namespace), lambda: self.inner.list_replicasets(namespace))

    async def get_workload(self, kind: str, namespace: str, name: str):
        return await self._get(
            ("workload", kind, namespace, name), lambda: self.inner.get_workload(kind, namespace, name)
        )

    async def list_workloads(self, kind: str, namespace: str | None = None):
        return await self._get(
            ("workloads", kind, namespace), lambda: self.inner.list_workloads(kind, namespace)
        )

    async def list_controllerrevisions(self, namespace: str):
        return await self._get(
            ("controllerrevisions", namespace), lambda: self.inner.list_controllerrevisions(namespace)
        )

    async def list_resourcequotas(self, namespace: str):
        return await self._get(
            ("resourcequotas", namespace), lambda: self.inner.list_resourcequotas(namespace)
        )

    async def get_namespace(self, name: str):
        return await self._get(("namespace", name), lambda: self.inner.get_namespace(name))

    async def get_pvc(self, namespace: str, name: str):
        return await self._get(("pvc", namespace, name), lambda: self.inner.get_pvc(namespace, name))

    async def get_pv(self, name: str):
        return await self._get(("pv", name), lambda: self.inner.get_pv(name))

    async def list_node_metrics(self):
        return await self._get(("nodemetrics",), self.inner.list_node_metrics)

    async def get_node_metrics(self, name: str):
        return await self._get(("nodemetrics", name), lambda: self.inner.get_node_metrics(name))

    async def check_ready(self) -> None:
        await self.inner.check_ready()

    async def close(self) -> None:
        await self.inner.close()
