"""The watch machinery: one collection LISTed (paged), then WATCHed from the list's ``resourceVersion``
with bookmarks; renewed when the server ends the watch, resumed with backoff after a failure, LISTed again
on ``410 Gone``. The stream is read as raw JSON lines and decoded with msgspec into the agent's Structs.
What a change does to the stores is the index's business (``index.put`` / ``index.delete``)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from loguru import logger

from k8s_agent.errors import AgentError, NotFound, ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube import models as m
from k8s_agent.kube.index.feed import Collection, Gone
from k8s_agent.tuning import PAGE_SIZE, WATCH_BACKOFF_FIRST, WATCH_BACKOFF_MAX

if TYPE_CHECKING:
    from k8s_agent.kube.index.facade import ClusterIndex


class _WatchEvent(msgspec.Struct):
    type: str
    object: msgspec.Raw = msgspec.Raw()


class _Meta(msgspec.Struct, rename="camel"):
    resource_version: str = ""


class _Versioned(msgspec.Struct):
    metadata: _Meta = msgspec.field(default_factory=_Meta)


_EVENT_DECODER = msgspec.json.Decoder(_WatchEvent)
_VERSION_DECODER = msgspec.json.Decoder(_Versioned)
_STATUS_DECODER = msgspec.json.Decoder(m.Status)


# ------------------------------------------------------------------------------------------ backoff
class Backoff:
    def __init__(self, first: float = WATCH_BACKOFF_FIRST, cap: float = WATCH_BACKOFF_MAX) -> None:
        self.first, self.cap = first, cap
        self.delay = 0.0

    def next(self) -> float:
        self.delay = self.first if not self.delay else min(self.cap, self.delay * 2)
        return self.delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.delay = 0.0


# ------------------------------------------------------------------------------------------ one collection
class Reflector:
    """LIST then WATCH one collection until cancelled (see the module docstring)."""

    def __init__(self, index: ClusterIndex, kind: Collection) -> None:
        self.index = index
        self.kind = kind
        self.rv = ""
        self.synced = False
        self.listing = False
        self.listed = 0  # objects read by the LIST in progress
        self.error = ""
        self.broken_since = 0.0  # index clock time of the first failure since the stream last worked
        #: an optional collection the agent may not read: why (the answers say so)
        self.unavailable = ""
        self.backoff = Backoff()
        self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(kind.item_type)

    def progress(self) -> str:
        k = self.kind.resource
        if self.synced:
            return f"{k}: {self.index.count(k):,} indexed"
        text = f"listing {k}: {self.listed:,} so far"
        if self.error:
            text += f" (last attempt failed: {self.error}; retrying)"
        return text

    async def run(self) -> None:
        while True:
            try:
                if not self.rv:
                    await self._list()
                await self._watch()
                self.backoff.reset()
            except asyncio.CancelledError:
                raise
            except Gone:
                logger.info("index: {} watch too old (410 Gone): listing again", self.kind.resource)
                self.rv = ""
                stats = self.index.stats
                stats.relists[self.kind.resource] = stats.relists.get(self.kind.resource, 0) + 1
            except AgentError as exc:
                self.error = f"{exc.message}: {exc.details}" if exc.details else exc.message
                self.broken_since = self.broken_since or self.index.clock()
                if isinstance(exc, UpstreamForbidden | NotFound) and self.kind.optional and not self.synced:
                    # the answers do without it, and say so; keep trying now and then (RBAC may change, the API
                    # group may come to be served)
                    self.unavailable = self.error
                    self.synced = True
                    self.index._check_synced()
                delay = self.backoff.next()
                logger.warning(
                    "index: {} failed ({}); again in {:.1f}s", self.kind.resource, self.error, delay
                )
                await asyncio.sleep(delay)
            except Exception as exc:  # noqa: BLE001 - a bug or an unreadable answer: retry, never die
                self.error = repr(exc)
                self.broken_since = self.broken_since or self.index.clock()
                delay = self.backoff.next()
                logger.opt(exception=exc).warning(
                    "index: {} failed unexpectedly; again in {:.1f}s", self.kind.resource, delay
                )
                await asyncio.sleep(delay)

    async def _list(self) -> None:
        kind, index = self.kind, self.index
        relist = self.synced
        seen: set[tuple[str, str]] = set()
        self.listing, self.listed = True, 0
        token = ""
        rv = ""
        try:
            while True:
                q = [("limit", str(PAGE_SIZE))]
                if kind.field_selector:
                    q.append(("fieldSelector", kind.field_selector))
                if token:
                    q.append(("continue", token))
                raw = await index.live_feed.list_page(kind.path, q, what=f"list {kind.resource}")
                index.stats.list_pages += 1
                try:
                    page: Any = m.decode(raw, kind.list_type)
                except msgspec.DecodeError as exc:
                    raise ServiceUnavailable(
                        "Kubernetes API sent an unreadable answer", f"list {kind.resource}: {exc}"
                    ) from None
                if index.gate.readers:  # an answer is reading the stores from its thread
                    await index.gate.writable()
                now = datetime.now(UTC)
                for obj in page.items:
                    seen.add(index.put(kind.resource, obj, now))
                self.listed += len(page.items)
                rv = page.metadata.resource_version
                token = page.metadata.continue_
                del page, raw
                if not token:
                    break
                await asyncio.sleep(0)  # let requests in between pages
        finally:
            self.listing = False
        if relist:  # what the new list no longer has was deleted while we were not watching
            for key in index.keys(kind.resource) - seen:
                index.delete(kind.resource, key)
        stats = index.stats
        stats.lists[kind.resource] = stats.lists.get(kind.resource, 0) + 1
        self.rv = rv
        self.error = self.unavailable = ""
        self.broken_since = 0.0
        self.synced = True
        index._check_synced()

    async def _watch(self) -> None:
        kind, index = self.kind, self.index
        timeout = random.randint(*index.watch_timeout)
        q = [
            ("watch", "1"),
            ("allowWatchBookmarks", "true"),
            ("resourceVersion", self.rv),
            ("timeoutSeconds", str(timeout)),
        ]
        if kind.field_selector:
            q.append(("fieldSelector", kind.field_selector))
        index.stats.watches += 1
        counts = index.stats.events
        resource = kind.resource
        async for line in index.live_feed.watch_lines(
            kind.path, q, what=f"watch {resource}", read_timeout=timeout + 30
        ):
            ev = _EVENT_DECODER.decode(line)
            typ = ev.type
            if typ == "BOOKMARK":
                rv = _VERSION_DECODER.decode(ev.object).metadata.resource_version
                if rv:
                    self.rv = rv
                self.error, self.broken_since = "", 0.0
                continue
            if typ == "ERROR":
                st = _STATUS_DECODER.decode(ev.object)
                if st.code == 410:
                    raise Gone(st.message)
                raise ServiceUnavailable("Kubernetes API error", f"watch {resource}: {st.code} {st.message}")
            obj = self.decoder.decode(ev.object)
            if index.gate.readers:  # an answer is reading the stores from its thread: after it
                await index.gate.writable()
            if typ == "DELETED":
                md = obj.metadata
                index.delete(resource, (md.namespace, md.name))
            else:
                index.put(resource, obj, datetime.now(UTC))
            if obj.metadata.resource_version:
                self.rv = obj.metadata.resource_version
            key = (resource, typ)
            counts[key] = counts.get(key, 0) + 1
            self.backoff.reset()
            self.error = ""
            self.broken_since = 0.0
