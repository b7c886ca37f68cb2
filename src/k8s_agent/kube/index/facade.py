"""The cluster index's facade: its life cycle (start on first use, first sync in the background, 503 with
the progress until then, idle stop), its statistics and the warnings its answers carry. The stores it
inherits are in ``stores``; the watches in ``reflector``."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from loguru import logger

from k8s_agent.errors import ServiceUnavailable
from k8s_agent.kube.index.feed import COLLECTIONS, Collection, Feed
from k8s_agent.kube.index.gate import ReadGate
from k8s_agent.kube.index.memory import release_memory
from k8s_agent.kube.index.reflector import Reflector
from k8s_agent.kube.index.slim import Slimmer
from k8s_agent.kube.index.stores import IndexStores
from k8s_agent.tuning import INDEX_RETRY_AFTER_SECONDS, INDEX_WARM_TIMEOUT, STALE_AFTER, WATCH_TIMEOUT

#: set in the tasks that keep answers current in the background (``api.refresh``): their reads are no use of the
#: index (only requests keep it from its idle stop) and never start a stopped one
background: contextvars.ContextVar[bool] = contextvars.ContextVar("index_background", default=False)


class IndexSyncing(ServiceUnavailable):
    """The index is filling (or cannot fill): 503 with its progress, and when to ask again."""

    default_message = "Cluster index is syncing"
    retry_after = INDEX_RETRY_AFTER_SECONDS


# ------------------------------------------------------------------------------------------ statistics
@dataclass
class IndexStats:
    """Counted by the index, published as Prometheus metrics by the app."""

    events: dict[tuple[str, str], int] = field(default_factory=dict)  # (resource, type) -> n
    relists: dict[str, int] = field(default_factory=dict)
    lists: dict[str, int] = field(default_factory=dict)
    list_pages: int = 0
    watches: int = 0
    last_sync: float = 0.0  # wall time of the last completed (re)list of the whole index


# ------------------------------------------------------------------------------------------ the index
class ClusterIndex(IndexStores):
    """One worker's index (see the module docstring). ``require()`` is what a cluster-wide request calls;
    the stores and derived tables are then read synchronously."""

    def __init__(
        self,
        feed: Feed | None = None,
        *,
        restart_threshold: int = 5,
        idle_timeout: float = 600.0,
        snapshot: Callable[[], Awaitable[dict[str, list]]] | None = None,
        collections: tuple[Collection, ...] = COLLECTIONS,
        watch_timeout: tuple[int, int] = WATCH_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        first_wait: float = 0.0,
        on_synced: Callable[[], Awaitable[None] | None] | None = None,
    ) -> None:
        self.feed = feed
        self.snapshot = snapshot
        self.collections = collections
        self.restart_threshold = restart_threshold
        self.idle_timeout = idle_timeout
        self.watch_timeout = watch_timeout
        self.clock = clock
        self.stats = IndexStats()
        #: every change to the stores adds one (never reset: a stopped and restarted index goes on counting), so
        #: an answer made at one generation is known to be current while the generation is unchanged
        self.generation = 0
        self.state = "stopped"  # stopped | syncing | warming | synced
        self.started_at = 0.0
        self.synced_after = 0.0  # seconds the first sync took
        self.last_used = 0.0
        self.reflectors: dict[str, Reflector] = {}
        self._tasks: list[asyncio.Task] = []
        self._idle_task: asyncio.Task | None = None
        self._snapshot_lock: asyncio.Lock | None = None
        self._synced_event: asyncio.Event | None = None  # set when synced (the first answers ready)
        self._listed_event: asyncio.Event | None = None  # set when the stores are filled
        #: how long a request waits for a first sync in progress before its 503
        self.first_wait = first_wait
        #: called once the stores of each first sync are complete (the app moves the index out of the cyclic
        #: GC's reach, and prepares the first answers); an awaitable it returns is awaited (at most
        #: INDEX_WARM_TIMEOUT) before requests are let in: meanwhile (state ``warming``) only the background
        #: computations read the stores, and a request gets the 503 with the progress
        self.on_synced = on_synced
        self.slimmer = Slimmer()
        #: answers that read the stores off the event loop hold it; the watches' changes wait for them
        self.gate = ReadGate()
        self._new_stores()

    # -------------------------------------------------------------------------------- life cycle
    @property
    def live_feed(self) -> Feed:
        if self.feed is None:
            raise RuntimeError("a snapshot's index has no feed")
        return self.feed

    @property
    def synced(self) -> bool:
        return self.state == "synced"

    async def require(self, *, answers: bool = False) -> None:
        """Called by every request that needs the index: note the use, start it if it is stopped, and
        raise IndexSyncing (503, progress, Retry-After) until its first sync has filled the stores (with
        ``answers``: until the first answers prepared from them are ready too, state ``synced``). From a
        background refresh (``background`` set) it is no use, and a stopped index is not started."""
        if background.get():
            if self.state == "stopped" and self.snapshot is None:
                raise IndexSyncing(details="the index is stopped (idle); the next request starts it")
        else:
            self.last_used = self.clock()
        states = ("synced",) if answers else ("synced", "warming")
        if self.state in states:
            return
        if self.snapshot is not None:
            await self._load_snapshot()
            return
        if self.state == "stopped":
            self.start()
        event = self._synced_event if answers else self._listed_event
        if self.first_wait > 0 and event is not None:
            # a small cluster syncs in a moment: wait that long rather than answer 503 at once (only this
            # wait is bounded and cancelled; the sync itself belongs to the index)
            try:
                await asyncio.wait_for(event.wait(), self.first_wait)
            except TimeoutError:
                pass
            if self.state in states:
                return
        raise IndexSyncing(details=self.progress())

    async def answers_ready(self) -> None:
        """``require(answers=True)``: what a request for a prepared answer waits for while they are made."""
        await self.require(answers=True)

    def progress(self) -> str:
        parts = [r.progress() for r in self.reflectors.values()]
        if self.state == "warming":
            parts.append("preparing the first answers")
        elapsed = self.clock() - self.started_at
        return (
            "the agent is reading the cluster's objects once before it answers cluster-wide questions "
            f"(started {elapsed:.0f}s ago): " + "; ".join(parts)
        )

    def start(self) -> None:
        """Start the reflectors and the idle check, in a context of their own (no request's stats or
        deadline reach them)."""
        if self.state != "stopped" or self.feed is None:
            return
        self.state = "syncing"
        self.started_at = self.clock()
        logger.info("index: starting (first cluster-wide request)")
        loop = asyncio.get_running_loop()
        ctx = contextvars.Context()
        self._synced_event = asyncio.Event()
        self._listed_event = asyncio.Event()
        self.reflectors = {c.resource: Reflector(self, c) for c in self.collections}
        self._tasks = [
            loop.create_task(r.run(), name=f"index {r.kind.resource}", context=ctx)
            for r in self.reflectors.values()
        ]
        self._idle_task = loop.create_task(self._idle_loop(), name="index idle", context=ctx)

    async def stop(self, reason: str = "stopped") -> None:
        """Stop the watches and drop everything held (the memory goes back to the allocator)."""
        tasks = [*self._tasks, *([self._idle_task] if self._idle_task is not None else [])]
        current = asyncio.current_task()
        for t in tasks:
            if t is not current:
                t.cancel()
        await asyncio.gather(*(t for t in tasks if t is not current), return_exceptions=True)
        if self.state != "stopped":
            logger.info("index: stopped ({}); dropped {}", reason, self.summary())
        self._tasks, self._idle_task = [], None
        self.reflectors = {}
        self.state = "stopped"
        self._new_stores()
        self.generation += 1
        self.slimmer.clear()
        release_memory()

    async def _idle_loop(self) -> None:
        while True:
            idle = self.clock() - self.last_used
            if idle >= self.idle_timeout:
                await self.stop(f"no cluster-wide request for {idle:.0f}s")
                return
            await asyncio.sleep(min(max(self.idle_timeout - idle, 0.05), 30.0))

    def _check_synced(self) -> None:
        if self.state == "syncing" and all(r.synced for r in self.reflectors.values()):
            logger.info("index: listed in {:.1f}s ({})", self.clock() - self.started_at, self.summary())
            release_memory()  # the LIST pages' transient memory
            if self._listed_event is not None:
                self._listed_event.set()
            ready = self.on_synced() if self.on_synced is not None else None
            if ready is None:
                self._ready()
            else:
                self.state = "warming"
                self._tasks.append(
                    asyncio.get_running_loop().create_task(self._warm(ready), name="index warm")
                )
        if self.state in ("warming", "synced") and not any(r.listing for r in self.reflectors.values()):
            self.stats.last_sync = time.time()

    async def _warm(self, ready: Awaitable[None]) -> None:
        """Wait for the first answers the app prepares (bounded), then let the requests in."""
        try:
            await asyncio.wait_for(ready, INDEX_WARM_TIMEOUT)
        except TimeoutError:
            logger.warning(
                "index: the first answers took more than {:.0f}s; serving anyway", INDEX_WARM_TIMEOUT
            )
        except Exception as exc:  # noqa: BLE001 - a bug in a preparation must not keep the index closed
            logger.opt(exception=exc).error("index: preparing the first answers failed; serving anyway")
        if self.state == "warming":
            self._ready()

    def _ready(self) -> None:
        self.state = "synced"
        if self._synced_event is not None:
            self._synced_event.set()
        self.synced_after = self.clock() - self.started_at
        logger.info("index: synced in {:.1f}s ({})", self.synced_after, self.summary())

    async def _load_snapshot(self) -> None:
        """The snapshot source's index: built once from the dump."""
        if self._snapshot_lock is None:
            self._snapshot_lock = asyncio.Lock()
        async with self._snapshot_lock:
            if self.state == "synced" or self.snapshot is None:
                return
            lists = await self.snapshot()
            now = datetime.now(UTC)
            for c in self.collections:
                for obj in lists.get(c.resource, ()):
                    self.put(c.resource, obj, now)
            self.state = "synced"
            self.stats.last_sync = time.time()

    def summary(self) -> str:
        return ", ".join(f"{self.count(c.resource):,} {c.resource}" for c in self.collections)

    def warnings(self) -> list[str]:
        """Collections the answers had to do without, and watches that are down (the answers then show the
        cluster as it was when they broke)."""
        out = []
        now = self.clock()
        for r in self.reflectors.values():
            if r.unavailable:
                out.append(f"{r.kind.resource} could not be read: {r.unavailable}")
            elif r.synced and r.broken_since and now - r.broken_since >= STALE_AFTER:
                out.append(
                    f"{r.kind.resource}: the watch has been failing for {now - r.broken_since:.0f}s "
                    f"({r.error}); this answer shows them as of then, reconnecting"
                )
        return out
