"""Prometheus metrics across all workers (prometheus_client multiprocess mode).

PROMETHEUS_MULTIPROC_DIR must be set in the environment before Python starts (the chart does it, on an
emptyDir); the main process wipes it at start-up, each worker writes its own files, and ``/metrics``
aggregates them on every scrape.

The per-request observations (request count, latency, cache outcome) are counted in plain dicts and
published to the shared files every ``PUBLISH_EVERY`` seconds by each worker (and at once by the worker
answering a scrape, and at shutdown): writing a multiprocess value takes a lock and an mmap write, and doing
that four times per request cost more than the rest of a cached answer. A scrape may therefore miss up to
one second of another worker's requests, which the next scrape includes.
"""

from __future__ import annotations

import os
import shutil
from bisect import bisect_left
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from k8s_agent.tuning import METRICS_PUBLISH_EVERY

#: the methods counted by name; any other method a client sends is counted as "other" (labels come from a
#: closed set, so no client can add series: routes are route names or "unmatched", statuses are the agent's)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)


def prepare_multiproc_dir(path: str) -> None:
    """Create the directory and remove what a previous run left there (an emptyDir survives restarts)."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    for child in p.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(p)


_instance: PrometheusMetrics | None = None


def prometheus_metrics() -> PrometheusMetrics:
    """The process's metrics (collectors register globally, so they are made once per process)."""
    global _instance
    if _instance is None:
        _instance = PrometheusMetrics()
    return _instance


class PrometheusMetrics:
    PUBLISH_EVERY = METRICS_PUBLISH_EVERY

    def __init__(self) -> None:
        self.requests = Counter(
            "k8s_agent_http_requests_total", "HTTP requests served", ["route", "method", "status"]
        )
        self.latency = Histogram(
            "k8s_agent_http_request_duration_seconds",
            "HTTP request latency",
            ["route", "method"],
            buckets=_BUCKETS,
        )
        self.upstream = Counter(
            "k8s_agent_upstream_requests_total",
            "Kubernetes API reads by resource and outcome",
            ["resource", "outcome"],
        )
        self.cache = Counter(
            "k8s_agent_cache_requests_total", "Cache lookups by cache and outcome", ["cache", "outcome"]
        )
        self.timeouts = Counter(
            "k8s_agent_deadline_timeouts_total", "Requests answered 504 at the deadline", ["route"]
        )
        self.not_modified = Counter(
            "k8s_agent_http_not_modified_total",
            "API requests answered 304 Not Modified (If-None-Match matched the ETag)",
            ["route"],
        )
        self.compressed = Counter(
            "k8s_agent_http_compressed_responses_total",
            "API responses sent compressed, by content coding",
            ["route", "encoding"],
        )
        # the cluster index (kube.index), one per worker: gauges per worker (pid label), counters summed
        self.index_objects = Gauge(
            "k8s_agent_index_objects",
            "Objects held by the worker's cluster index",
            ["resource"],
            multiprocess_mode="liveall",
        )
        self.index_synced = Gauge(
            "k8s_agent_index_synced",
            "1 when the worker's cluster index has completed its first sync (0: stopped or syncing)",
            multiprocess_mode="liveall",
        )
        self.index_last_sync = Gauge(
            "k8s_agent_index_last_sync_timestamp_seconds",
            "Unix time of the index's last completed LIST of every collection",
            multiprocess_mode="liveall",
        )
        self.index_events = Counter(
            "k8s_agent_index_watch_events_total", "Watch events applied to the index", ["resource", "type"]
        )
        self.index_relists = Counter(
            "k8s_agent_index_relists_total", "LISTs again after 410 Gone (watch too old)", ["resource"]
        )
        self.index_list_pages = Counter("k8s_agent_index_list_pages_total", "LIST pages read by the index")
        self._index = None
        self._index_seen: dict = {}
        # not yet published: (route, method, status) -> n; (route, method) -> [n per bucket..., sum]; ...
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latency: dict[tuple[str, str], list] = {}
        self._cache: dict[tuple[str, str], int] = {}
        self._not_modified: dict[str, int] = {}
        self._compressed: dict[tuple[str, str], int] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in KNOWN_METHODS:
            method = "other"
        key = (route, method, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        counts = self._latency.get(key[:2])
        if counts is None:
            counts = self._latency[key[:2]] = [0] * (len(_BUCKETS) + 2)
        counts[bisect_left(_BUCKETS, seconds)] += 1  # the bucket observe() picks: first bound >= seconds
        counts[-1] += seconds

    def observe_cache(self, cache: str, outcome: str) -> None:
        key = (cache, outcome)
        self._cache[key] = self._cache.get(key, 0) + 1

    def observe_not_modified(self, route: str) -> None:
        self._not_modified[route] = self._not_modified.get(route, 0) + 1

    def observe_compressed(self, route: str, encoding: str) -> None:
        key = (route, encoding)
        self._compressed[key] = self._compressed.get(key, 0) + 1

    def watch_index(self, index: Any) -> None:
        """Publish this worker's cluster index (``kube.index.ClusterIndex``) with the other metrics."""
        self._index = index

    def _publish_index(self) -> None:
        index = self._index
        if index is None:
            return
        for c in index.collections:
            self.index_objects.labels(c.resource).set(index.count(c.resource))
        self.index_synced.set(1 if index.synced else 0)
        if index.stats.last_sync:
            self.index_last_sync.set(index.stats.last_sync)
        seen = self._index_seen
        stats = index.stats
        for key, n in stats.events.items():
            delta = n - seen.get(("ev", key), 0)
            if delta:
                self.index_events.labels(*key).inc(delta)
                seen[("ev", key)] = n
        for resource, n in stats.relists.items():
            delta = n - seen.get(("relist", resource), 0)
            if delta:
                self.index_relists.labels(resource).inc(delta)
                seen[("relist", resource)] = n
        delta = stats.list_pages - seen.get("pages", 0)
        if delta:
            self.index_list_pages.inc(delta)
            seen["pages"] = stats.list_pages

    def observe_upstream(self, what: str, outcome: str) -> None:
        self.upstream.labels(what, outcome).inc()

    def observe_timeout(self, route: str) -> None:
        self.timeouts.labels(route).inc()

    def publish(self) -> None:
        """Add what was counted since the last call to the shared values."""
        requests, self._requests = self._requests, {}
        latency, self._latency = self._latency, {}
        cache, self._cache = self._cache, {}
        not_modified, self._not_modified = self._not_modified, {}
        compressed, self._compressed = self._compressed, {}
        for (route, method, status), n in requests.items():
            self.requests.labels(route, method, str(status)).inc(n)
        for (route, method), counts in latency.items():
            child = self.latency.labels(route, method)
            # Histogram.observe() adds one observation; its per-bucket values take a batch (pinned version)
            for bucket, n in zip(child._buckets, counts[:-1], strict=True):
                if n:
                    bucket.inc(n)
            child._sum.inc(counts[-1])
        for (name, outcome), n in cache.items():
            self.cache.labels(name, outcome).inc(n)
        for route, n in not_modified.items():
            self.not_modified.labels(route).inc(n)
        for (route, encoding), n in compressed.items():
            self.compressed.labels(route, encoding).inc(n)
        self._publish_index()

    def render(self) -> tuple[bytes, str]:
        self.publish()
        registry = CollectorRegistry(support_collectors_without_names=True)
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
