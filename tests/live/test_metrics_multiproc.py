"""/metrics of the real 2-worker agent (prometheus_client multiprocess mode): the counts of every worker add
up (each worker publishes its own every second); requests by route and status, latency histogram, upstream reads by resource and outcome, cache
outcomes, deadline timeouts."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest

from agentproc import start_agent
from builders import api_pod
from fakeapi import FakeKubeAPI, builtin_cluster


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("metrics")
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster())
        fake.add(api_pod("api-slow", "demo", node="node-b"))
        kubeconfig = fake.write_kubeconfig(tmp / "config")
        (tmp / "prom").mkdir()
        (tmp / "prom" / "stale.db").write_text("left by an earlier run")
        agent = start_agent(
            tmp,
            kubeconfig,
            PROMETHEUS_MULTIPROC_DIR=str(tmp / "prom"),
            REQUEST_DEADLINE="300ms",
            CACHE_TTL="5s",
        )
        try:
            yield agent, fake, tmp
        finally:
            agent.stop()


def _samples(text: str, name: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels, _, value = line.rpartition(" ")
            out[labels] = float(value)
    return out


def test_counts_of_all_workers_add_up(setup):
    agent, fake, tmp = setup
    assert not (tmp / "prom" / "stale.db").exists()  # wiped at start

    async def burst():
        limits = httpx.Limits(max_keepalive_connections=0)  # fresh connections reach both workers
        async with httpx.AsyncClient(base_url=agent.url, limits=limits, timeout=10) as c:
            ok = await asyncio.gather(*(c.get("/api/v1/pods/demo/api-crashloop/describe") for _ in range(30)))
            missing = await asyncio.gather(*(c.get("/api/v1/pods/demo/ghost/resources") for _ in range(5)))
            return ok, missing

    ok, missing = asyncio.run(burst())
    assert {r.status_code for r in ok} == {200} and {r.status_code for r in missing} == {404}
    with httpx.Client(base_url=agent.url) as c:  # a poller's repeats on one connection: cache hits
        assert all(c.get("/api/v1/pods/demo/api-crashloop/describe").status_code == 200 for _ in range(3))
    fake.delay(r"/pods/api-slow$", 2.0)
    try:
        slow = httpx.get(agent.url + "/api/v1/pods/demo/api-slow/describe", timeout=10)
    finally:
        fake.reset_controls()
    assert slow.status_code == 504

    # each worker publishes its counts every second (the scraped one at once): wait for the other's
    end = time.monotonic() + 10
    while True:
        text = httpx.get(agent.url + "/metrics").text
        requests = _samples(text, "k8s_agent_http_requests_total")
        mine = sum(v for k, v in requests.items() if 'method="GET"' in k and "pod_" in k)  # not other tests'
        if mine >= 39 or time.monotonic() > end:
            break
        time.sleep(0.2)
    assert requests['k8s_agent_http_requests_total{method="GET",route="pod_describe",status="200"}'] == 33
    assert requests['k8s_agent_http_requests_total{method="GET",route="pod_resources",status="404"}'] == 5
    assert requests['k8s_agent_http_requests_total{method="GET",route="pod_describe",status="504"}'] == 1
    count = _samples(text, "k8s_agent_http_request_duration_seconds_count")
    assert count['k8s_agent_http_request_duration_seconds_count{method="GET",route="pod_describe"}'] == 34
    upstream = _samples(text, "k8s_agent_upstream_requests_total")
    assert upstream['k8s_agent_upstream_requests_total{outcome="ok",resource="get pods"}'] >= 1
    assert upstream['k8s_agent_upstream_requests_total{outcome="not_found",resource="get pods"}'] >= 1
    cache = _samples(text, "k8s_agent_cache_requests_total")
    outcomes = {re.search(r'outcome="(\w+)"', k)[1] for k in cache}
    assert {"hit", "miss"} <= outcomes
    assert sum(v for k, v in cache.items() if 'cache="responses"' in k) >= 38
    timeouts = _samples(text, "k8s_agent_deadline_timeouts_total")
    assert timeouts['k8s_agent_deadline_timeouts_total{route="pod_describe"}'] == 1


def test_made_up_methods_and_paths_add_no_series(setup):
    """Labels come from closed sets: 300 requests with made-up methods on made-up paths (and on real routes)
    add at most the `other` method and the `unmatched` route, not one series per request."""
    agent, _fake, _tmp = setup

    def series() -> set[str]:
        text = httpx.get(agent.url + "/metrics").text
        return {line.rpartition(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}

    async def junk():
        # 300 at once through 100 connections: on a loaded machine the last wait long for a connection
        async with httpx.AsyncClient(base_url=agent.url, timeout=60) as c:
            return await asyncio.gather(
                *(
                    c.request(f"M{i:04d}X", f"/junk/{i}" if i % 2 else "/api/v1/pods/demo/x/describe")
                    for i in range(300)
                )
            )

    before = series()
    responses = asyncio.run(junk())
    assert {r.status_code for r in responses} <= {404, 405}
    time.sleep(1.3)  # every worker has published its counts
    added = series() - before
    methods = {m for s in added for m in re.findall(r'method="([^"]*)"', s)}
    routes = {r for s in added for r in re.findall(r'route="([^"]*)"', s)}
    assert methods <= {"other"}, methods
    assert routes <= {"unmatched", "pod_describe"}, routes
    assert len(added) <= 40, sorted(
        added
    )  # a handful of status x route x method combinations, histogram buckets
