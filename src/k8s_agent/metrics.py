"""Prometheus metrics across all workers (prometheus_client multiprocess mode).

PROMETHEUS_MULTIPROC_DIR must be set in the environment before Python starts (the chart does it, on an
emptyDir); the main process wipes it at start-up, each worker writes its own files, and ``/metrics``
aggregates them on every scrape.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

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

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def observe_cache(self, cache: str, outcome: str) -> None:
        self.cache.labels(cache, outcome).inc()

    def observe_upstream(self, what: str, outcome: str) -> None:
        self.upstream.labels(what, outcome).inc()

    def observe_timeout(self, route: str) -> None:
        self.timeouts.labels(route).inc()

    @staticmethod
    def render() -> tuple[bytes, str]:
        registry = CollectorRegistry(support_collectors_without_names=True)
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
