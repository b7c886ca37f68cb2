"""The per-worker cluster index: the cluster-wide collections kept current by watches.

What it holds: every pod (all namespaces), every node, every ReplicaSet (owner resolution) and the Warning
events about pods (a pod's recent events in the cluster report). Each collection is read the way controllers
read it: one paged LIST, then a WATCH from the list's ``resourceVersion`` with ``allowWatchBookmarks``. A watch
the server ends (its ``timeoutSeconds``) is renewed from the last resourceVersion seen (bookmarks keep that
fresh); a dropped connection or an API error is retried from there with exponential backoff (0.5 s doubling to
30 s, with jitter); ``410 Gone`` (the resourceVersion is too old: compacted) means LIST again, and the objects
the new list no longer has are deleted. The watch stream is read as raw JSON lines and decoded with msgspec
into the agent's own Structs, as the LIST pages are.

What each change does: a pod's new version recomputes its issue record (``analysis.pod_issues.PodIssueTable``),
its node's committed requests, limits and pod count (``analysis.node_utilization.NodeSums``) and its entry in
the scheduler's per-node view (``analysis.scheduling.index.ClusterIndex``): a cluster-wide answer then costs
what its result costs, not what the cluster's size costs. Only the fields those analyses read are kept
(``slim_pod``), and parts that many pods share (labels, owner references, container resources, affinity) are
stored once.

Life cycle (live source): nothing is read until a request needs the index (``require``); the first sync then runs in the
background, owned by the index, never by a request, so no deadline cancels it. Until every collection has
been listed, ``require`` raises :class:`IndexSyncing` (503 with the progress, ``Retry-After``). After
``idle_timeout`` seconds without a request needing it, the index stops its watches and drops everything it
holds. A snapshot source has no watches: its index is built once from the dump (the app does it when the
worker starts).
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import gc
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from loguru import logger

from k8s_agent.analysis.namespace_errors import index_recent_warnings, recent_events_of
from k8s_agent.analysis.node_utilization import NodeSums
from k8s_agent.analysis.pod_issues import PodIssueTable, PodRecord
from k8s_agent.analysis.scheduling import index as scheduling_index
from k8s_agent.analysis.workloads.owners import OwnerIndex
from k8s_agent.errors import AgentError, ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube import models as m
from k8s_agent.kube.source import POD_WARNINGS_SELECTOR
from k8s_agent.schemas.base import EventInfo
from k8s_agent.tuning import (
    INDEX_RETRY_AFTER_SECONDS,
    PAGE_SIZE,
    STALE_AFTER,
    WATCH_BACKOFF_FIRST,
    WATCH_BACKOFF_MAX,
    WATCH_TIMEOUT,
)


class Gone(Exception):
    """410 Gone: the resourceVersion asked for is older than the server keeps (list again)."""


class IndexSyncing(ServiceUnavailable):
    """The index is filling (or cannot fill): 503 with its progress, and when to ask again."""

    default_message = "Cluster index is syncing"
    retry_after = INDEX_RETRY_AFTER_SECONDS


# ------------------------------------------------------------------------------------------ feeds
class Feed(Protocol):
    """Where the collections come from: a LIST page, and a watch stream read as JSON lines."""

    async def list_page(self, path: str, query: list[tuple[str, str]], *, what: str) -> bytes: ...

    def watch_lines(
        self, path: str, query: list[tuple[str, str]], *, what: str, read_timeout: float
    ) -> AsyncIterator[bytes]: ...


@dataclass(frozen=True)
class Collection:
    resource: str  # pods, nodes, replicasets.apps, events (as the RBAC and the metrics name them)
    path: str
    list_type: type
    item_type: type
    field_selector: str = ""
    #: the answers can do without it (a warning says so) when the agent may not read it
    optional: bool = False


PODS = Collection("pods", "/api/v1/pods", m.PodList, m.Pod)
NODES = Collection("nodes", "/api/v1/nodes", m.NodeList, m.Node)
REPLICASETS = Collection(
    "replicasets.apps", "/apis/apps/v1/replicasets", m.ReplicaSetList, m.ReplicaSet, optional=True
)
EVENTS = Collection(
    "events", "/api/v1/events", m.EventList, m.Event, field_selector=POD_WARNINGS_SELECTOR, optional=True
)
COLLECTIONS = (PODS, NODES, REPLICASETS, EVENTS)


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


# ------------------------------------------------------------------------------------------ slimming
class _Shared:
    """Equal parts of many objects stored once (keyed by their msgpack encoding). Bounded: past ``limit``
    distinct values the table starts again (later objects just share less)."""

    __slots__ = ("table", "limit", "encode")

    def __init__(self, limit: int = 200_000) -> None:
        self.table: dict[bytes, Any] = {}
        self.limit = limit
        self.encode = msgspec.msgpack.Encoder().encode

    def __call__(self, value: Any) -> Any:
        if not value:
            return value
        key = self.encode(value)
        got = self.table.get(key)
        if got is None:
            if len(self.table) >= self.limit:
                self.table.clear()
            got = self.table[key] = value
        return got

    def clear(self) -> None:
        self.table.clear()


class Slimmer:
    """Keeps of a pod what the cluster-wide analyses read of the pods around the one analysed: identity,
    labels, controller, node, phase, effective requests and limits (containers' resources, sidecars,
    overhead), host ports, pod affinity and PVC/ephemeral volumes. Env, probes, mounts, images, annotations,
    statuses and conditions are dropped (a pod's own answers GET the whole pod)."""

    def __init__(self) -> None:
        self.shared = _Shared()
        self.strings: dict[str, str] = {}
        self.statuses: dict[str, m.PodStatus] = {}

    def clear(self) -> None:
        self.shared.clear()
        self.strings.clear()
        self.statuses.clear()

    def _s(self, s: str) -> str:
        got = self.strings.get(s)
        if got is None:
            if len(self.strings) >= 200_000:
                self.strings.clear()
            got = self.strings[s] = s
        return got

    def _container(self, c: m.Container) -> m.Container:
        return m.Container(
            name=c.name,
            ports=[p for p in c.ports if p.host_port],
            resources=c.resources,
            restart_policy=c.restart_policy,
        )

    def pod(self, pod: m.Pod) -> m.Pod:
        md, spec = pod.metadata, pod.spec
        share = self.shared
        meta = m.ObjectMeta(
            name=md.name,
            namespace=self._s(md.namespace),
            uid=md.uid,
            creation_timestamp=md.creation_timestamp,
            deletion_timestamp=md.deletion_timestamp,
            labels=share(md.labels),
            owner_references=share(md.owner_references),
        )
        volumes = [
            m.Volume(name=v.name, persistent_volume_claim=v.persistent_volume_claim, ephemeral=v.ephemeral)
            for v in spec.volumes
            if v.persistent_volume_claim is not None or v.ephemeral is not None
        ]
        slim_spec = m.PodSpec(
            node_name=self._s(spec.node_name),
            containers=share([self._container(c) for c in spec.containers]),
            init_containers=share([self._container(c) for c in spec.init_containers]),
            overhead=share(spec.overhead),
            affinity=share(spec.affinity),
            volumes=share(volumes),
            topology_spread_constraints=share(spec.topology_spread_constraints),
        )
        phase = pod.status.phase
        status = self.statuses.get(phase)
        if status is None:  # the slim status is the phase alone: one object per phase, shared
            status = self.statuses[phase] = m.PodStatus(phase=phase)
        return m.Pod(metadata=meta, spec=slim_spec, status=status)

    def replicaset(self, rs: m.ReplicaSet) -> m.ReplicaSet:
        md = rs.metadata
        return m.ReplicaSet(
            metadata=m.ObjectMeta(
                name=md.name,
                namespace=self._s(md.namespace),
                uid=md.uid,
                owner_references=self.shared(md.owner_references),
            )
        )


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
                if isinstance(exc, UpstreamForbidden) and self.kind.optional and not self.synced:
                    # the answers do without it, and say so; keep trying now and then (RBAC may change)
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


# ------------------------------------------------------------------------------------------ the index
class ClusterIndex:
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
    ) -> None:
        self.feed = feed
        self.snapshot = snapshot
        self.collections = collections
        self.restart_threshold = restart_threshold
        self.idle_timeout = idle_timeout
        self.watch_timeout = watch_timeout
        self.clock = clock
        self.stats = IndexStats()
        self.state = "stopped"  # stopped | syncing | synced
        self.started_at = 0.0
        self.synced_after = 0.0  # seconds the first sync took
        self.last_used = 0.0
        self.reflectors: dict[str, Reflector] = {}
        self._tasks: list[asyncio.Task] = []
        self._idle_task: asyncio.Task | None = None
        self._snapshot_lock: asyncio.Lock | None = None
        self._synced_event: asyncio.Event | None = None
        #: how long a request waits for a first sync in progress before its 503
        self.first_wait = first_wait
        self.slimmer = Slimmer()
        self._new_stores()

    def _new_stores(self) -> None:
        self.pod_table = PodIssueTable(self.restart_threshold)
        self.node_sums = NodeSums()
        self.scheduling = scheduling_index.ClusterIndex(())
        self.nodes: dict[str, m.Node] = {}
        self.replicasets: dict[str, dict[tuple[str, str], m.ReplicaSet]] = {}  # ns -> (ns, name) -> rs
        self.events: dict[tuple[str, str], m.Event] = {}  # (ns, event name)
        self.events_by_pod: dict[tuple[str, str], set[tuple[str, str]]] = {}  # (ns, pod) -> event keys
        self._event_pod: dict[tuple[str, str], tuple[str, str]] = {}
        #: the all-nodes utilization's per-node entries, reused while a node's inputs are unchanged
        self.utilization_memo: dict[str, tuple] = {}

    # -------------------------------------------------------------------------------- life cycle
    @property
    def live_feed(self) -> Feed:
        if self.feed is None:
            raise RuntimeError("a snapshot's index has no feed")
        return self.feed

    @property
    def synced(self) -> bool:
        return self.state == "synced"

    async def require(self) -> None:
        """Called by every request that needs the index: note the use, start it if it is stopped, and
        raise IndexSyncing (503, progress, Retry-After) until its first sync is complete."""
        self.last_used = self.clock()
        if self.state == "synced":
            return
        if self.snapshot is not None:
            await self._load_snapshot()
            return
        if self.state == "stopped":
            self.start()
        if self.first_wait > 0 and self._synced_event is not None:
            # a small cluster syncs in a moment: wait that long rather than answer 503 at once (only this
            # wait is bounded and cancelled; the sync itself belongs to the index)
            try:
                await asyncio.wait_for(self._synced_event.wait(), self.first_wait)
            except TimeoutError:
                pass
            if self.state == "synced":
                return
        raise IndexSyncing(details=self.progress())

    def progress(self) -> str:
        parts = [r.progress() for r in self.reflectors.values()]
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
            self.state = "synced"
            if self._synced_event is not None:
                self._synced_event.set()
            self.synced_after = self.clock() - self.started_at
            logger.info("index: synced in {:.1f}s ({})", self.synced_after, self.summary())
            release_memory()  # the LIST pages' transient memory
        if self.state == "synced" and not any(r.listing for r in self.reflectors.values()):
            self.stats.last_sync = time.time()

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

    # -------------------------------------------------------------------------------- the stores
    def count(self, resource: str) -> int:
        if resource == "pods":
            return len(self.pod_table)
        if resource == "nodes":
            return len(self.nodes)
        if resource == "replicasets.apps":
            return sum(len(v) for v in self.replicasets.values())
        if resource == "events":
            return len(self.events)
        return 0

    def keys(self, resource: str) -> set[tuple[str, str]]:
        if resource == "pods":
            return set(self.pod_table.records)
        if resource == "nodes":
            return {("", n) for n in self.nodes}
        if resource == "replicasets.apps":
            return {k for v in self.replicasets.values() for k in v}
        if resource == "events":
            return set(self.events)
        return set()

    def put(self, resource: str, obj: Any, now: datetime) -> tuple[str, str]:
        md = obj.metadata
        key = (md.namespace, md.name)
        if resource == "pods":
            rec = self.pod_table.put(obj, now)
            slim = self.slimmer.pod(obj)
            _share_strings(rec, slim)
            self.node_sums.put(slim)
            self.scheduling.add(slim)
        elif resource == "nodes":
            self.nodes[md.name] = obj
            self.scheduling.set_node(obj)
        elif resource == "replicasets.apps":
            self.replicasets.setdefault(md.namespace, {})[key] = self.slimmer.replicaset(obj)
        elif resource == "events":
            self._put_event(key, obj)
        return key

    def delete(self, resource: str, key: tuple[str, str]) -> None:
        ns, name = key
        if resource == "pods":
            self.pod_table.remove(ns, name)
            self.node_sums.remove(ns, name)
            self.scheduling.remove(ns, name)
        elif resource == "nodes":
            self.nodes.pop(name, None)
            self.scheduling.remove_node(name)
        elif resource == "replicasets.apps":
            in_ns = self.replicasets.get(ns)
            if in_ns is not None:
                in_ns.pop(key, None)
                if not in_ns:
                    del self.replicasets[ns]
        elif resource == "events":
            self._drop_event(key)

    def _put_event(self, key: tuple[str, str], ev: m.Event) -> None:
        self._drop_event(key)
        io = ev.involved_object
        pod = (io.namespace or ev.metadata.namespace, io.name)
        self.events[key] = ev
        self._event_pod[key] = pod
        self.events_by_pod.setdefault(pod, set()).add(key)

    def _drop_event(self, key: tuple[str, str]) -> None:
        if self.events.pop(key, None) is None:
            return
        pod = self._event_pod.pop(key)
        keys = self.events_by_pod.get(pod)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.events_by_pod[pod]

    # -------------------------------------------------------------------------------- reads for the answers
    def owner_index(self, namespace: str, jobs: list[m.Job] | None = None) -> OwnerIndex:
        """The namespace's ReplicaSets (watched here) and the Jobs given (listed by the caller), for owner
        resolution."""
        return OwnerIndex(list(self.replicasets.get(namespace, {}).values()), jobs or [])

    def recent_events(self, rec: PodRecord, now: datetime) -> list[EventInfo]:
        keys = self.events_by_pod.get((rec.namespace, rec.name))
        if not keys:
            return []
        index = index_recent_warnings([self.events[k] for k in keys], now)
        return recent_events_of(rec.name, rec.uid, index)

    def node_list(self) -> list[m.Node]:
        return list(self.nodes.values())


def release_memory() -> None:
    """Give the allocator's free memory back to the system (after a LIST's transient pages, after a stop):
    a collection, then glibc's ``malloc_trim`` where there is one."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the process instead
        pass


def _share_strings(rec: PodRecord, slim: m.Pod) -> None:
    """The record names the pod with the slim copy's (interned) strings."""
    rec.namespace = slim.metadata.namespace
    if rec.controller is not None and slim.metadata.owner_references:
        for ref in slim.metadata.owner_references:
            if ref == rec.controller:
                rec.controller = ref
                break
