"""The real agent process (``python -m k8s_agent --workers 2``, CLUSTER_SOURCE=live) against the fake
Kubernetes API: single-flight per worker under a burst of identical requests, JSON logs carrying the
request id, and graceful shutdown on SIGTERM (an in-flight request completes, the process exits in time).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time

import httpx
import pytest

from agentproc import SHUTDOWN_TIMEOUT, start_agent
from builders import api_pod
from fakeapi import builtin_fake

POD = "/api/v1/pods/demo/api-crashloop/describe"


@pytest.fixture(scope="module")
def fake():
    with builtin_fake(api_pod("slow-term", "demo", node="node-b")) as f:
        yield f


@pytest.fixture(scope="module")
def agent(fake, kubeconfig, tmp_path_factory):
    a = start_agent(tmp_path_factory.mktemp("agent"), kubeconfig, REQUEST_DEADLINE="2s", CACHE_TTL="5s")
    try:
        yield a
    finally:
        a.stop()


# ------------------------------------------------------------------------------------------ tests
def test_burst_of_identical_requests_is_single_flight_per_worker(agent, fake):
    fake.reset()
    fake.delay(r"/pods/api-crashloop$", 0.2)

    async def burst():
        # no keep-alive: 50 fresh connections, spread by the kernel over both workers
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=agent.url, limits=limits, timeout=10.0) as c:
            return await asyncio.gather(
                *(c.get(POD, headers={"X-Request-ID": f"burst-{i}"}) for i in range(50))
            )

    try:
        responses = asyncio.run(burst())
    finally:
        fake.reset_controls()
    assert [r.status_code for r in responses] == [200] * 50, [
        r.text for r in responses if r.status_code != 200
    ]
    bodies = {r.headers["x-request-id"]: r.content.split(b'"metadata"')[0] for r in responses}

    gets = fake.count("get", "pods", name="api-crashloop")
    lists = fake.count("list", "events")
    time.sleep(0.3)  # let the last log lines reach the file
    served = [
        r
        for r in agent.records()
        if r.get("msg") == "request" and r.get("requestId", "").startswith("burst-")
    ]
    pids = {r["pid"] for r in served}
    print(
        f"burst: 50 requests served by workers {sorted(pids)}; upstream pod GETs {gets}, event lists {lists}"
    )
    assert len(served) == 50
    # one shared answer per worker: each worker computes it once (two workers may compute it a second
    # apart, and kubectl's RESTARTS column says "(N s ago)")
    by_worker: dict[int, set[bytes]] = {}
    for r in served:
        by_worker.setdefault(r["pid"], set()).add(bodies[r["requestId"]])
    assert all(len(answers) == 1 for answers in by_worker.values()), by_worker.keys()
    assert 1 <= gets <= len(pids) <= 2, (gets, pids)  # at most one upstream read per worker
    assert 1 <= lists <= len(pids)
    assert sum(r["upstreamCalls"] for r in served) == gets + lists
    assert sum(r["coalesced"] + r["cacheHits"] for r in served) >= 50 - len(pids)


def test_healthz_and_json_logs_carry_the_request_id(agent):
    r = httpx.get(agent.url + "/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = httpx.get(agent.url + POD, headers={"X-Request-ID": "mw-trace-1"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "mw-trace-1"
    r404 = httpx.get(agent.url + "/api/v1/pods/demo/ghost/describe", headers={"X-Request-ID": "mw-trace-2"})
    assert r404.status_code == 404
    time.sleep(0.3)
    records = agent.records()  # every line parses as JSON
    by_id = {r.get("requestId"): r for r in records if r.get("msg") == "request"}
    line = by_id["mw-trace-1"]
    assert line["status"] == 200 and line["path"] == POD and line["method"] == "GET"
    assert {"ts", "level", "pid", "durationMs", "upstreamCalls"} <= set(line)
    assert by_id["mw-trace-2"]["status"] == 404
    assert all("requestId" in r for r in records if r.get("msg") == "request")


def test_sigterm_lets_the_in_flight_request_finish_and_exits_in_time(fake, kubeconfig, tmp_path):
    a = start_agent(tmp_path, kubeconfig, REQUEST_DEADLINE="5s", CACHE_TTL="5s")
    try:
        fake.reset()
        fake.delay(r"/pods/slow-term$", 1.5)
        result: dict = {}

        def slow_request() -> None:
            try:
                result["resp"] = httpx.get(a.url + "/api/v1/pods/demo/slow-term/describe", timeout=15.0)
            except Exception as exc:  # noqa: BLE001 - reported below
                result["error"] = exc

        t = threading.Thread(target=slow_request)
        t.start()
        end = time.monotonic() + 5
        while not fake.requests_for("get", "pods", name="slow-term") and time.monotonic() < end:
            time.sleep(0.02)
        assert fake.requests_for("get", "pods", name="slow-term"), "the slow request never reached the API"
        t_term = time.monotonic()
        a.proc.send_signal(signal.SIGTERM)
        t.join(15)
        assert "error" not in result, result.get("error")
        resp = result["resp"]
        assert resp.status_code == 200, resp.text
        assert resp.json()["data"]["name"] == "slow-term"
        try:
            code = a.proc.wait(SHUTDOWN_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"agent still running {SHUTDOWN_TIMEOUT + 5}s after SIGTERM\n{a.logs()}")
        elapsed = time.monotonic() - t_term
        print(f"sigterm: in-flight request {resp.status_code}, exit code {code} {elapsed:.2f}s after SIGTERM")
        assert code == 0, a.logs()
        assert elapsed < SHUTDOWN_TIMEOUT + 5
        # new connections are refused once it is gone
        with pytest.raises(httpx.ConnectError):
            httpx.get(a.url + "/healthz", timeout=1.0)
    finally:
        fake.reset_controls()
        a.stop()
