"""Per-process TTL cache with single-flight, and the caching wrapper around a ClusterSource (with the circuit
breaker of ``kube.breaker`` around the reads the cache lets through).

``SingleFlightCache.get(key, fetch)``:
* a fresh value is returned at once (hit);
* concurrent misses for one key share one ``fetch`` (coalesced): all of them get its result or its error;
* NotFound is cached for a shorter time (a poller asking for a deleted pod costs one read per short TTL);
  it is remembered as a small record (kind, name, namespace, details), never as the raised exception, whose
  traceback would keep the failed request's frames alive;
* with ``error_ttl``, an unavailable API (ServiceUnavailable) is remembered for about that long (with
  jitter, per key) the same way, so concurrent and immediately following requests for a failing read are
  answered from that memory instead of each calling the API again;
* with ``getsizeof``/``maxbytes``, the values are bounded in bytes as well as in entries;
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
import random
import time
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from cachetools import TTLCache

from k8s_agent.errors import (
    AgentError,
    NotFound,
    ServiceUnavailable,
)
from k8s_agent.kube.breaker import CircuitBreaker
from k8s_agent.kube.models import (
    ControllerRevision,
    CSIDriver,
    CSINode,
    CSIStorageCapacity,
    DeviceClass,
    Event,
    Namespace,
    Node,
    NodeMetrics,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    ReplicaSet,
    ResourceClaim,
    ResourceQuota,
    ResourceSlice,
    StorageClass,
    VolumeAttachment,
    Workload,
)
from k8s_agent.tuning import DEFAULT_ITEM_BYTES

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


class ErrorMemo:
    """What an answer needs of an error: its type and attributes, not the exception (whose traceback holds
    the failed request's frames) and nothing of the request."""

    __slots__ = ("cls", "args", "attrs")

    def __init__(self, exc: AgentError) -> None:
        self.cls = type(exc)
        self.args = exc.args
        self.attrs = dict(vars(exc))

    def error(self) -> AgentError:
        """A fresh exception equal to the remembered one."""
        exc = self.cls.__new__(self.cls)
        Exception.__init__(exc, *self.args)
        exc.__dict__.update(self.attrs)
        return exc


class _Failed:
    """The outcome of a fetch that failed with an AgentError, handed to its waiters as a value: each raises a
    fresh exception of its own. (Raised through the shared task instead, one exception object would collect
    every waiter's frames in its traceback, and the task holding it and those frames holding the task would
    form a reference cycle per failed request, freed only by a full garbage collection.)"""

    __slots__ = ("memo",)

    def __init__(self, memo: ErrorMemo) -> None:
        self.memo = memo


def value_size(value: Any) -> int:
    """Bytes a cached value is counted for: encoded answers by their length, lists read from the API by the
    size of the JSON they were decoded from (``nbytes``, an upper bound of the decoded form), the rest at a
    flat estimate."""
    if isinstance(value, bytes | bytearray | str):
        return len(value) + 64
    nbytes = getattr(value, "nbytes", None)
    if nbytes is not None:
        return int(nbytes) + 64
    return DEFAULT_ITEM_BYTES


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
        error_ttl: float = 0.0,
        maxbytes: int | None = None,
        observer: CacheObserver | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.ttl = ttl
        self.error_ttl = error_ttl
        neg = ttl / 2 if negative_ttl is None else negative_ttl
        if maxbytes is not None:
            # bounded in bytes: TTLCache's maxsize becomes a byte budget; the entry bound is kept separately
            self._values: TTLCache | None = (
                TTLCache(maxbytes, ttl, timer=timer, getsizeof=value_size) if ttl > 0 else None
            )
        else:
            self._values = TTLCache(maxsize, ttl, timer=timer) if ttl > 0 else None
        self._maxentries = maxsize
        self._maxbytes = maxbytes
        self._negative: TTLCache | None = TTLCache(maxsize, neg, timer=timer) if neg > 0 else None
        # errors of an unavailable API: key -> (expiry, memo), kept to maxsize entries
        self._errors: dict[Hashable, tuple[float, ErrorMemo]] = {}
        self._inflight: dict[Hashable, _Flight] = {}
        self._fresh: dict[Hashable, tuple[float, Any]] = {}  # key -> (expiry, value), keys of _values only
        self._timer = timer
        self._observer = observer
        self.hits = self.misses = self.coalesced = 0

    def _observe(self, outcome: str) -> None:
        if self._observer is not None:
            self._observer(self.name, outcome)

    def __len__(self) -> int:
        return len(self._values or ()) + len(self._negative or ()) + len(self._errors)

    @property
    def nbytes(self) -> int:
        """Bytes the fresh values are counted for (0 when the cache is bounded by entries only)."""
        return int(self._values.currsize) if self._values is not None and self._maxbytes else 0

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def clear(self) -> None:
        self._fresh.clear()
        self._errors.clear()
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
        try:
            values[key] = value  # may expire or evict others
        except ValueError:  # a single value larger than the whole byte budget: not cached
            return
        if self._maxbytes is not None:
            while len(values) > self._maxentries:
                values.popitem()
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
            memo: ErrorMemo | None = self._negative.get(key)
            if memo is not None:
                self.hits += 1
                current_stats().cache_hits += 1
                self._observe("negative_hit")
                raise memo.error()
        if self._errors:
            remembered = self._errors.get(key)
            if remembered is not None:
                if remembered[0] > self._timer():
                    self.hits += 1
                    current_stats().cache_hits += 1
                    self._observe("error_hit")
                    raise remembered[1].error()
                del self._errors[key]

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
            outcome = await asyncio.shield(flight.task)
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
        if outcome.__class__ is _Failed:
            raise outcome.memo.error()
        return outcome

    async def _fill(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await fetch()
        except AgentError as exc:
            memo = ErrorMemo(exc)
            if isinstance(exc, NotFound):
                if self._negative is not None:
                    self._negative[key] = memo
            elif isinstance(exc, ServiceUnavailable) and self.error_ttl > 0:
                self._remember(key, memo)
            return _Failed(memo)  # type: ignore[return-value]
        else:
            self._store(key, value)
            return value
        finally:
            flight = self._inflight.get(key)
            if flight is not None and flight.task is asyncio.current_task():
                del self._inflight[key]

    def _remember(self, key: Hashable, memo: ErrorMemo) -> None:
        errors = self._errors
        now = self._timer()
        if len(errors) >= self._maxentries:
            for k in [k for k, (expiry, _) in errors.items() if expiry <= now]:
                del errors[k]
            while len(errors) >= self._maxentries:
                del errors[next(iter(errors))]  # the oldest remembered
        # jitter: the keys remembered at one moment do not all come back at the same moment
        errors[key] = (now + self.error_ttl * random.uniform(0.75, 1.25), memo)


# ----------------------------------------------------------------------------------------- cached source
class CachedSource:
    """A ClusterSource whose reads go through one SingleFlightCache, keyed by the read, and (when given) a
    circuit breaker around the calls the cache lets through.

    Every endpoint shares it: one poller's pod GET serves the next poller's describe, scheduling and
    failure-events alike. Returned objects are shared between requests and must not be mutated.
    """

    def __init__(self, inner: Any, cache: SingleFlightCache, breaker: CircuitBreaker | None = None) -> None:
        self.inner = inner
        self.cache = cache
        self.breaker = breaker
        self.description = inner.description
        #: the worker's cluster index (``kube.index.ClusterIndex``) when the app made one: cluster-wide
        #: answers read it instead of listing
        self.index: Any = None

    def _get(self, key: tuple, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        breaker = self.breaker
        if breaker is None:
            return self.cache.get(key, call)
        return self.cache.get(key, lambda: breaker.call(call))

    async def get_pod(self, namespace: str, name: str) -> Pod:
        return await self._get(("pod", namespace, name), lambda: self.inner.get_pod(namespace, name))

    async def list_pods(
        self, namespace: str | None = None, *, field_selector: str = "", label_selector: str = ""
    ) -> list[Pod]:
        return await self._get(
            ("pods", namespace, field_selector, label_selector),
            lambda: self.inner.list_pods(
                namespace, field_selector=field_selector, label_selector=label_selector
            ),
        )

    async def list_events(self, namespace: str | None = None, *, field_selector: str = "") -> list[Event]:
        return await self._get(
            ("events", namespace, field_selector),
            lambda: self.inner.list_events(namespace, field_selector=field_selector),
        )

    async def get_node(self, name: str) -> Node:
        return await self._get(("node", name), lambda: self.inner.get_node(name))

    async def list_nodes(self) -> list[Node]:
        return await self._get(("nodes",), self.inner.list_nodes)

    async def list_replicasets(self, namespace: str | None = None) -> list[ReplicaSet]:
        return await self._get(("replicasets", namespace), lambda: self.inner.list_replicasets(namespace))

    async def get_workload(self, kind: str, namespace: str, name: str) -> Workload:
        return await self._get(
            ("workload", kind, namespace, name), lambda: self.inner.get_workload(kind, namespace, name)
        )

    async def list_workloads(self, kind: str, namespace: str | None = None) -> list[Workload]:
        return await self._get(
            ("workloads", kind, namespace), lambda: self.inner.list_workloads(kind, namespace)
        )

    async def list_controllerrevisions(self, namespace: str) -> list[ControllerRevision]:
        return await self._get(
            ("controllerrevisions", namespace), lambda: self.inner.list_controllerrevisions(namespace)
        )

    async def list_resourcequotas(self, namespace: str) -> list[ResourceQuota]:
        return await self._get(
            ("resourcequotas", namespace), lambda: self.inner.list_resourcequotas(namespace)
        )

    async def get_namespace(self, name: str) -> Namespace:
        return await self._get(("namespace", name), lambda: self.inner.get_namespace(name))

    async def get_pvc(self, namespace: str, name: str) -> PersistentVolumeClaim:
        return await self._get(("pvc", namespace, name), lambda: self.inner.get_pvc(namespace, name))

    async def get_pv(self, name: str) -> PersistentVolume:
        return await self._get(("pv", name), lambda: self.inner.get_pv(name))

    async def list_pvs(self) -> list[PersistentVolume]:
        return await self._get(("pvs",), self.inner.list_pvs)

    async def list_pvcs(self) -> list[PersistentVolumeClaim]:
        return await self._get(("pvcs",), self.inner.list_pvcs)

    async def list_csinodes(self) -> list[CSINode]:
        return await self._get(("csinodes",), self.inner.list_csinodes)

    async def list_volumeattachments(self) -> list[VolumeAttachment]:
        return await self._get(("volumeattachments",), self.inner.list_volumeattachments)

    async def list_resourceclaims(self) -> list[ResourceClaim]:
        return await self._get(("resourceclaims",), self.inner.list_resourceclaims)

    async def list_resourceslices(self) -> list[ResourceSlice]:
        return await self._get(("resourceslices",), self.inner.list_resourceslices)

    async def list_deviceclasses(self) -> list[DeviceClass]:
        return await self._get(("deviceclasses",), self.inner.list_deviceclasses)

    async def get_csidriver(self, name: str) -> CSIDriver:
        return await self._get(("csidriver", name), lambda: self.inner.get_csidriver(name))

    async def list_csistoragecapacities(self) -> list[CSIStorageCapacity]:
        return await self._get(("csistoragecapacities",), self.inner.list_csistoragecapacities)

    async def get_storage_class(self, name: str) -> StorageClass:
        return await self._get(("storageclass", name), lambda: self.inner.get_storage_class(name))

    async def list_node_metrics(self) -> list[NodeMetrics]:
        return await self._get(("nodemetrics",), self.inner.list_node_metrics)

    async def get_node_metrics(self, name: str) -> NodeMetrics:
        return await self._get(("nodemetrics", name), lambda: self.inner.get_node_metrics(name))

    async def check_ready(self) -> None:
        await self.inner.check_ready()

    async def close(self) -> None:
        await self.inner.close()
