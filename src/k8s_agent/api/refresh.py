"""Cluster-wide answers kept current in the background: a poll never waits for one to be computed.

The routes marked ``Route.refreshed`` (``/cluster/pod-issues``, ``/nodes/utilization``) answer from the
worker's cluster index, and their answers grow with the cluster (7.4 MB of JSON for 5,000 nodes). Computed in
a request, such an answer holds up the event loop and every poller queued behind it, and a computation the
deadline cancels is thrown away. So, while the worker has an index, each of their answers (per validated
query key) is a :class:`Refresher` entry:

* the first request for a key starts its computation in a task owned by the refresher (no request's deadline
  cancels it) and waits for it within its deadline; past the deadline it is answered 503 with
  ``Retry-After: 1`` (the answer is still being prepared: the retry gets it), never 504;
* after that, a request is answered from the last complete answer at once (the same hot path as a cached
  answer, with its ETag, so 304s keep working), and one background task refreshes the keys in use, one at a
  time, when they are due: a key is due once ``cadence`` (1 s, start to start) has passed since its last
  refresh started if the index's ``generation`` (its change counter) moved since then, so a change shows
  within ``cadence`` plus one refresh; an answer that also reads polled inputs (``polled`` routes: the
  metrics of ``/nodes/utilization``, which cannot be watched) is also due once per ``ttl`` as before; an
  answer whose index has not changed is only redone every ``max_age / 2`` (its texts of ages). Without a
  generation (no index counter) every key is refreshed once per ``ttl``. An answer is never served older
  than ``max_age`` (past that, from a refresh that keeps failing, a request waits for the next refresh
  within its deadline, and gets its error);
* when the index's first sync has filled its stores, ``warm`` computes the routes' default answers (and
  again every key whose computation failed during the sync) before the index lets requests in, so the
  first poll after the sync is answered at once;
* a refresh builds the answer in steps that yield to the event loop (``conditional.build``; the analyses of the
  largest answers step through their items too), so the polls keep being answered while it runs;
* bounded: at most ``max_keys`` keys and ``max_bytes`` of answers (the least recently requested go first); a
  key not requested for ``keep`` seconds is no longer refreshed and is dropped; with no key left, the
  background task ends. ``stop`` (worker shutdown) cancels every task it owns.

A refresh is not a use of the index: it runs with ``kube.index.background`` set, so only requests keep the
index from its idle stop (``on_use`` notes them), and ``keep`` is shorter than the index's idle timeout.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from loguru import logger

from k8s_agent.api import conditional
from k8s_agent.errors import AgentError, InternalError, ServiceUnavailable
from k8s_agent.kube.cache import ErrorMemo, current_stats
from k8s_agent.kube.index import background
from k8s_agent.tuning import REFRESH_CADENCE


class _Entry:
    __slots__ = ("compute", "route", "payload", "made", "tried", "used", "task", "error", "generation")

    def __init__(self, compute: Callable[[], Awaitable[Any]], route: str, now: float) -> None:
        self.compute = compute
        self.route = route
        self.payload: conditional.Payload | None = None
        self.made = 0.0  # clock time the refresh that made ``payload`` started
        self.tried = 0.0  # clock time of the last refresh started
        self.used = now  # clock time of the last request
        self.task: asyncio.Task | None = None
        self.error: ErrorMemo | None = None  # the last refresh's failure (cleared by a success)
        self.generation = -1  # the index's generation when the last refresh started


class Refresher:
    def __init__(
        self,
        *,
        ttl: float,
        max_keys: int,
        max_bytes: int,
        keep: float,
        max_age: float,
        on_use: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        generation: Callable[[], int] | None = None,
        polled: frozenset[str] = frozenset(),
        cadence: float = REFRESH_CADENCE,
        until_ready: Callable[[], Awaitable[None]] | None = None,
        tick: float | None = None,
    ) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self.max_bytes = max_bytes
        self.keep = keep
        self.max_age = max(max_age, 2 * ttl)
        #: how often (start to start) a key is refreshed while the index changes
        self.cadence = min(cadence, ttl)
        #: how often a key is refreshed while nothing it reads changes (its texts of ages and durations)
        self.unchanged = self.max_age / 2
        self.tick = tick if tick is not None else min(max(self.cadence / 4, 0.01), 0.25)
        self._on_use = on_use
        self._clock = clock
        #: the index's change counter (None: no counter, every key is refreshed once per ``ttl``)
        self._generation = generation
        #: the routes whose answers also read polled inputs (metrics.k8s.io cannot be watched): refreshed once
        #: per ``ttl`` whether the index changed or not
        self._polled = polled
        #: while the first answers of a sync are prepared (``warm``), what a request waits for before it may
        #: be answered (the index's 503 with its progress)
        self._until_ready = until_ready
        self.warming = False
        self._entries: dict[Hashable, _Entry] = {}
        self._loop_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        #: per route: each list item's JSON from its last build (``conditional.build``)
        self._items: dict[str, conditional.ItemMemo] = {}
        #: the shared computations (``Route.basis``) made in the current pass of the background loop
        self._bases: dict[Hashable, asyncio.Task] = {}
        self.refreshes = 0  # completed refreshes (tests, logs)
        self.passes = 0  # passes of the background loop over the keys (tests)

    def __len__(self) -> int:
        return len(self._entries)

    def prepared(self) -> dict[Hashable, bool]:
        """Each key in use, and whether it has a complete answer to serve (tests, logs)."""
        return {k: e.payload is not None and e.error is None for k, e in self._entries.items()}

    @property
    def tasks(self) -> int:
        """Tasks this refresher owns that are still running (the background loop and the refreshes)."""
        running = sum(1 for t in self._tasks if not t.done())
        return running + (self._loop_task is not None and not self._loop_task.done())

    # -------------------------------------------------------------------------------- requests
    def peek(self, key: Hashable) -> conditional.Payload | None:
        """The last complete answer for ``key`` if it is recent enough (``max_age``), noting the use: the
        synchronous hot path (see ``SingleFlightCache.peek``)."""
        e = self._entries.get(key)
        if e is None or e.payload is None or self.warming:
            return None
        now = self._clock()
        if now - e.made > self.max_age:
            return None
        e.used = now
        if self._on_use is not None:
            self._on_use()
        return e.payload

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> conditional.Payload:
        """The answer for ``key``: the last complete one, or the one being computed (``compute()`` gives the
        route's result; the refresher encodes it), waited for. The caller's deadline cancels the wait, never
        the computation."""
        payload = self.peek(key)
        if payload is not None:
            current_stats().cache_hits += 1
            return payload
        if self.warming and self._until_ready is not None:
            await self._until_ready()  # raises the 503 with the progress, unless ready within its wait
            payload = self.peek(key)
            if payload is not None:
                current_stats().cache_hits += 1
                return payload
        now = self._clock()
        e = self._entries.get(key)
        if e is None:
            e = self._add(key, compute, now)
        else:
            e.used, e.compute = now, compute
        task = e.task if e.task is not None else self._start(key, e, requested=True)
        current_stats().coalesced += 1
        outcome = await asyncio.shield(task)
        if self.warming and self._until_ready is not None:
            await (
                self._until_ready()
            )  # a computation started during the sync: not before the others are ready
        if isinstance(outcome, ErrorMemo):
            raise outcome.error()
        return outcome

    def shared(self, key: Hashable, compute: Callable[[], Awaitable[Any]], cache: Any) -> Awaitable[Any]:
        """A computation several keys are derived from (``Route.basis``: every ``limit`` of one filter, every
        ``sort``). In a background refresh it is made once per pass of the loop, so a derived answer is as
        recent as its refresh (not as old as a cached computation); for a request's first answer it comes
        from ``cache`` (the worker's short-TTL cache of such computations), as without the refresher."""
        if not background.get():
            return cache.get(key, compute)
        task = self._bases.get(key)
        if task is None:
            task = self._bases[key] = asyncio.ensure_future(compute())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return asyncio.shield(task)

    # -------------------------------------------------------------------------------- refreshes
    def _add(self, key: Hashable, compute: Callable[[], Awaitable[Any]], now: float) -> _Entry:
        while len(self._entries) >= self.max_keys:
            self._evict(exclude=None)
        name = key[0] if isinstance(key, tuple) and key else str(key)
        e = self._entries[key] = _Entry(compute, str(name), now)
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(
                self._loop(), name="answers refresh", context=contextvars.Context()
            )
        return e

    def _evict(self, exclude: _Entry | None) -> None:
        """Drop the least recently requested key (its refresh in progress, if any, completes for its
        waiters)."""
        candidates = [(e.used, k) for k, e in self._entries.items() if e is not exclude]
        if candidates:
            del self._entries[min(candidates, key=lambda c: c[0])[1]]

    def _start(self, key: Hashable, e: _Entry, requested: bool = False) -> asyncio.Task:
        # a context of its own: no request's stats or deadline; unless a request is waiting for it (it may
        # start the index), the index is told this is no use of it
        ctx = contextvars.Context()
        if not requested:
            ctx.run(background.set, True)
        task = asyncio.get_running_loop().create_task(
            self._refresh(key, e), name="answer refresh", context=ctx
        )
        e.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _refresh(self, key: Hashable, e: _Entry) -> conditional.Payload | ErrorMemo:
        started = e.tried = self._clock()
        if self._generation is not None:
            e.generation = self._generation()
        try:
            result = await e.compute()
            payload = await conditional.build(result, self._items.setdefault(e.route, {}))
        except AgentError as exc:
            e.error = ErrorMemo(exc)
            return e.error
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: its waiters get a 500 envelope, the log the traceback
            logger.opt(exception=exc).error("refreshing the answer {} failed", key)
            e.error = ErrorMemo(InternalError(details="an unexpected error occurred; see the agent's log"))
            return e.error
        finally:
            e.task = None
        e.payload, e.made, e.error = payload, started, None
        self.refreshes += 1
        self._bound(e)
        return payload

    def _bound(self, keep: _Entry) -> None:
        total = sum(x.payload.nbytes for x in self._entries.values() if x.payload is not None)
        while total > self.max_bytes and len(self._entries) > 1:
            before = len(self._entries)
            self._evict(exclude=keep)
            if len(self._entries) == before:
                break
            total = sum(x.payload.nbytes for x in self._entries.values() if x.payload is not None)

    def _due(self, e: _Entry, now: float) -> bool:
        """Whether a key's answer is to be refreshed now (see the module docstring)."""
        if e.task is not None:
            return False
        if self._generation is None:
            return now - e.made >= self.ttl and now - e.tried >= self.ttl
        since = now - e.tried
        if e.payload is None or e.error is not None:  # nothing to serve, or its last refresh failed
            return since >= self.ttl
        if self._generation() != e.generation:
            return since >= self.cadence
        if e.route in self._polled:
            return now - e.made >= self.ttl and since >= self.ttl
        return since >= self.unchanged

    async def _loop(self) -> None:
        """Refresh every key in use when it is due, one at a time; drop the keys nobody asks for; end when
        none is left."""
        while self._entries:
            await asyncio.sleep(self.tick)
            if self.warming:  # ``warm`` is computing them
                continue
            self._bases.clear()
            for key, e in list(self._entries.items()):
                now = self._clock()
                if now - e.used > self.keep:
                    if self._entries.get(key) is e:
                        del self._entries[key]
                    continue
                if self._due(e, now):
                    await self._start(key, e)
            self.passes += 1
        self._loop_task = None
        self._items.clear()
        self._bases.clear()

    async def warm(self, answers: list[tuple[Hashable, Callable[[], Awaitable[Any]]]]) -> None:
        """Prepare the first answers of a synced index: compute ``answers`` (the routes' default keys; a new
        entry is dropped after ``keep`` like any key nobody asks for) and, again at once, every key whose
        computation failed or waited during the sync; return when they are done. Meanwhile no request is
        answered from the refresher (``peek`` has nothing; ``get`` waits for ``until_ready``)."""
        self.warming = True
        try:
            now = self._clock()
            for key, compute in answers:
                if key not in self._entries:
                    self._add(key, compute, now)
            # one at a time, as the refreshes run (a computation that was running meanwhile may have been
            # refused as one too many: the second pass redoes it)
            for _ in range(2):
                for key, e in list(self._entries.items()):
                    if e.task is not None:
                        await asyncio.wait([e.task])
                    if self._entries.get(key) is e and (e.payload is None or e.error is not None):
                        await self._start(key, e)
        finally:
            self.warming = False

    # -------------------------------------------------------------------------------- life cycle
    def clear(self) -> None:
        """Forget every answer (the tasks in progress complete for their waiters)."""
        self._entries.clear()
        self._items.clear()
        self._bases.clear()

    async def stop(self) -> None:
        """Cancel every task this refresher owns and forget everything (worker shutdown)."""
        tasks = [t for t in (*self._tasks, self._loop_task) if t is not None and not t.done()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop_task = None
        self.clear()


def preparing(route: str, waited: float) -> ServiceUnavailable:
    """The 503 of a request whose answer is still being computed (a first one, or one past ``max_age``; the
    computation goes on)."""
    exc = ServiceUnavailable(
        "Answer being prepared",
        f"{route}: the answer for these parameters is still being computed after {waited * 1000:.0f} ms; "
        "it is kept current from then on: retry in a second",
    )
    exc.retry_after = 1.0
    return exc
