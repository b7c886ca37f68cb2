"""Per-request observations are counted locally and published in batches: what a scrape sees after a publish
must be exactly what Histogram.observe / Counter.inc per request would have produced."""

import pytest

from k8s_agent.metrics import prometheus_metrics


def _samples(collector, route: str) -> dict[tuple[str, str], float]:
    out = {}
    for family in collector.collect():
        for s in family.samples:
            if s.labels.get("route") == route:
                out[(s.name, s.labels.get("le") or s.labels.get("status", ""))] = s.value
    return out


def test_published_batch_equals_per_request_observations():
    m = prometheus_metrics()
    route = "unit_batch_route"
    latencies = [0.0005, 0.001, 0.003, 0.7, 5.0, 0.001]
    for seconds in latencies:
        m.observe_request(route, "GET", 200, seconds)
    m.observe_request(route, "GET", 404, 0.002)
    assert _samples(m.requests, route) == {}  # counted, not yet published
    m.publish()
    requests = _samples(m.requests, route)
    assert requests[("k8s_agent_http_requests_total", "200")] == 6
    assert requests[("k8s_agent_http_requests_total", "404")] == 1
    hist = _samples(m.latency, route)
    n = "k8s_agent_http_request_duration_seconds"
    # cumulative buckets, an observation equal to a bound counted in that bucket (as observe() does)
    assert hist[(n + "_bucket", "0.001")] == 3
    assert hist[(n + "_bucket", "0.0025")] == 4
    assert hist[(n + "_bucket", "0.005")] == 5
    assert hist[(n + "_bucket", "0.5")] == 5
    assert hist[(n + "_bucket", "0.75")] == 6
    assert hist[(n + "_bucket", "2.5")] == 6
    assert hist[(n + "_bucket", "+Inf")] == 7
    assert hist[(n + "_count", "")] == 7
    assert hist[(n + "_sum", "")] == pytest.approx(sum(latencies) + 0.002)
    m.observe_request(route, "GET", 200, 0.02)
    m.publish()
    m.publish()  # nothing new: nothing added twice
    assert _samples(m.requests, route)[("k8s_agent_http_requests_total", "200")] == 7
    assert _samples(m.latency, route)[(n + "_bucket", "0.025")] == 6


def test_cache_outcomes_are_published():
    m = prometheus_metrics()
    for outcome in ("hit", "hit", "miss"):
        m.observe_cache("unit_cache", outcome)
    m.publish()
    got = {
        s.labels["outcome"]: s.value
        for family in m.cache.collect()
        for s in family.samples
        if s.labels.get("cache") == "unit_cache" and s.name.endswith("_total")
    }
    assert got == {"hit": 2, "miss": 1}
