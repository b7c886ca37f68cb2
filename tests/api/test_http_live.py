"""The whole app (create_app, CLUSTER_SOURCE=live, a real LiveSource) served over HTTP by sanic-testing's
ReusableClient, against the fake Kubernetes API (tests/fakeapi.py).

Proves every error code end to end with real upstream traffic (400 before any upstream call, 404 naming
the object, 405 with Allow, unknown route, 503 for upstream 5xx/403, 504 at the request deadline with no
task left behind), request-id propagation, and the response cache (positive and negative) measured at the
upstream.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from _support import live_client, our_pending_tasks, spin

from builders import api_pod
from fakeapi import FakeKubeAPI, builtin_cluster
from k8s_agent.kube.live import LiveSource

DEADLINE = 0.3  # REQUEST_DEADLINE for this module
TTL = 2.0  # CACHE_TTL (negative entries live TTL/2)
SLOW = 3.0  # injected upstream delay, far past the deadline
CRASH = "/api/v1/pods/demo/api-crashloop/describe"
#: pods added for tests that need a cold cache (one each)
POD_NAMES = ["cache-1", "after-timeout", "slow-1", "err-500", "err-403", "rid-1", "rid-2", "rid-3"]


@pytest.fixture(scope="module")
def fake():
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        # one pod per test that needs a cold cache
        f.add(*(api_pod(name, "demo", node="node-b") for name in POD_NAMES))
        yield f


@pytest.fixture(scope="module")
def client(fake, tmp_path_factory):
    with live_client(
        fake,
        tmp_path_factory.mktemp("kube"),
        "k8s-agent-http-live",
        REQUEST_DEADLINE=f"{int(DEADLINE * 1000)}ms",
        CACHE_TTL=f"{TTL}s",
        K8S_TIMEOUT="10s",
        LOG_FORMAT="text",
    ) as c:
        yield c


@pytest.fixture(autouse=True)
def _clean(fake):
    fake.settle()
    fake.reset()
    yield
    fake.reset()


def envelope_error(resp) -> dict:
    body = resp.json
    assert set(body) == {"error", "metadata"}, body
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["metadata"]["requestId"] == resp.headers["x-request-id"]
    return body["error"]


def upstream_paths(fake) -> list[str]:
    return [r.path for r in fake.caused_requests]


# ------------------------------------------------------------------------------------------ success
def test_describe_over_the_live_source(client, fake):
    _, resp = client.get(CRASH)
    assert resp.status == 200, resp.text
    data = resp.json["data"]
    assert data["name"] == "api-crashloop" and data["namespace"] == "demo" and data["node"] == "node-a"
    assert data["podStatus"] == "CrashLoopBackOff"
    assert {e["reason"] for e in data["events"]} >= {"BackOff", "Unhealthy", "Scheduled"}
    assert sorted(upstream_paths(fake)) == [
        "/api/v1/namespaces/demo/events",
        "/api/v1/namespaces/demo/pods/api-crashloop",
    ]
    [ev] = fake.requests_for("list", "events")
    assert ev.query["fieldSelector"] == "involvedObject.kind=Pod,involvedObject.name=api-crashloop"


# ------------------------------------------------------------------------------------------ 400
@pytest.mark.parametrize(
    "path, what",
    [
        ("/api/v1/pods/Bad_NS/x/describe", "namespace"),
        ("/api/v1/pods/" + "a" * 64 + "/x/describe", "namespace"),
        ("/api/v1/pods/demo/Bad..Name/describe", "pod name"),
        ("/api/v1/pods/demo/UPPER/resources", "pod name"),
    ],
)
def test_400_invalid_names_never_reach_the_api(client, fake, path, what):
    _, resp = client.get(path)
    assert resp.status == 400, resp.text
    err = envelope_error(resp)
    assert err["code"] == "BAD_REQUEST" and what in err["details"]
    assert upstream_paths(fake) == []


# ------------------------------------------------------------------------------------------ 404 / 405
def test_404_names_the_missing_pod(client, fake):
    _, resp = client.get("/api/v1/pods/demo/ghost/describe")
    assert resp.status == 404
    err = envelope_error(resp)
    assert err["code"] == "RESOURCE_NOT_FOUND"
    assert "ghost" in err["details"] and "demo" in err["details"]
    assert fake.count("get", "pods", name="ghost") == 1


def test_405_with_allow_header(client, fake):
    _, resp = client.post(CRASH)
    assert resp.status == 405
    assert "GET" in resp.headers["allow"]
    assert envelope_error(resp)["code"] == "METHOD_NOT_ALLOWED"
    assert upstream_paths(fake) == []


def test_unknown_route_is_a_404_envelope(client, fake):
    _, resp = client.get("/api/v1/no/such/route")
    assert resp.status == 404
    err = envelope_error(resp)
    assert err["code"] == "RESOURCE_NOT_FOUND" and "/api/v1/no/such/route" in err["details"]
    assert upstream_paths(fake) == []


# ------------------------------------------------------------------------------------------ 503
def test_upstream_500_is_503(client, fake):
    fake.fail(r"/pods/err-500$", 500)
    _, resp = client.get("/api/v1/pods/demo/err-500/describe")
    assert resp.status == 503
    err = envelope_error(resp)
    assert err["code"] == "SERVICE_UNAVAILABLE" and "HTTP 500" in err["details"]
    assert "Traceback" not in resp.text
    # the failure is remembered about a second (jittered, at most 1.25 s): a request right after it is
    # answered from that memory without calling the API; one after the memory expired asks the API again
    fake.reset_controls()
    _, resp = client.get("/api/v1/pods/demo/err-500/describe")
    assert resp.status == 503 and "HTTP 500" in envelope_error(resp)["details"]
    assert fake.count("get", "pods", name="err-500") == 1
    spin(client, 1.3)
    _, resp = client.get("/api/v1/pods/demo/err-500/describe")
    assert resp.status == 200
    assert fake.count("get", "pods", name="err-500") == 2


def test_upstream_403_is_503_naming_the_permission(client, fake):
    fake.fail(r"/pods/err-403$", 403)
    _, resp = client.get("/api/v1/pods/demo/err-403/describe")
    assert resp.status == 503
    err = envelope_error(resp)
    assert err["code"] == "SERVICE_UNAVAILABLE"
    assert 'cannot get resource "pods"' in err["details"] and 'in the namespace "demo"' in err["details"]


# ------------------------------------------------------------------------------------------ 504
def _named(task: asyncio.Task, name: str) -> bool:
    return not task.done() and getattr(task.get_coro(), "__name__", "") == name


def test_the_left_behind_check_sees_a_read_in_flight_but_not_the_readiness_checks(client, fake):
    """our_pending_tasks leaves out the readiness loop's check and its /version read (in flight every
    READY_INTERVAL, whatever the requests do), and only those: a read of the agent still in flight is seen."""
    # long enough to see both in flight; short, as the readiness loop's own check may meet it too
    fake.delay(r"/version$", 0.5)
    fake.delay(r"/pods/left-behind$", SLOW)
    ctx = client.app.ctx.agent
    loop, source = client._loop, ctx.source
    live = source
    while not isinstance(live, LiveSource):  # under the cache (and breaker) wrappers
        live = live.inner
    before = our_pending_tasks(loop)
    check = loop.create_task(source.check_ready())  # as the readiness loop calls it
    read = loop.create_task(live._get("/api/v1/namespaces/demo/pods/left-behind", what="get pod"))
    for _ in range(50):  # until both reads reach the fake
        if fake.requests_for("get", "pods", name="left-behind") and any(
            r.path == "/version" for r in fake.requests
        ):
            break
        spin(client, 0.02)
    in_flight = {getattr(t.get_coro(), "__name__", "") for t in asyncio.all_tasks(loop) if not t.done()}
    assert {"check_ready", "_get"} <= in_flight  # the check, its /version read and the pod read
    assert our_pending_tasks(loop) - before == {read}
    check.cancel()
    read.cancel()
    spin(client, 0.05)
    assert not our_pending_tasks(loop) - before
    # leave the worker as it was: the readiness loop's own check, if it met the delay, answered and ready
    for _ in range(100):
        checking = any(_named(t, "check_ready") for t in asyncio.all_tasks(loop))
        if ctx.ready and not checking:
            break
        spin(client, 0.05)
    assert ctx.ready, ctx.ready_reason


def test_504_at_the_deadline_leaves_nothing_running(client, fake):
    fake.delay(r"/pods/slow-1$", SLOW)
    before = our_pending_tasks(client._loop)  # the worker's readiness and metrics loops
    _, resp = client.get("/api/v1/pods/demo/slow-1/describe")
    assert resp.status == 504, resp.text
    assert envelope_error(resp)["code"] == "REQUEST_TIMEOUT"
    ctx = client.app.ctx.agent
    # the cancelled fetches finish unwinding on the next loop iterations: well before the upstream answers
    for _ in range(50):
        if ctx.reads.inflight == 0 and ctx.responses.inflight == 0:
            break
        spin(client, 0.02)
    assert ctx.reads.inflight == 0 and ctx.responses.inflight == 0
    assert not our_pending_tasks(client._loop) - before  # no task of the request left behind
    # the upstream call itself was abandoned before it was answered (the fake saw its client go away): the
    # 504 came at the deadline, not when the upstream answered
    for _ in range(50):
        if fake.requests_for("get", "pods", name="slow-1")[0].status == 499:
            break
        time.sleep(0.02)
    assert fake.requests_for("get", "pods", name="slow-1")[0].status == 499
    # and the service keeps serving
    _, resp = client.get("/api/v1/pods/demo/after-timeout/describe")
    assert resp.status == 200 and resp.json["data"]["name"] == "after-timeout"


def test_a_caller_arriving_while_a_timed_out_fetch_unwinds_gets_a_fresh_fetch():
    """Regression (SingleFlightCache): when the last waiter's deadline cancels a fetch, a request for the
    same key arriving before the cancelled fetch has finished unwinding used to join it and fail with
    CancelledError although its own budget was intact. It now starts a fresh fetch."""
    from k8s_agent.kube.cache import SingleFlightCache

    async def main():
        cache = SingleFlightCache("t", maxsize=8, ttl=5)
        calls = 0

        async def fetch():
            nonlocal calls
            calls += 1
            try:
                await asyncio.sleep(0.2)
            except asyncio.CancelledError:
                await asyncio.sleep(0)  # cleanup that takes a loop iteration (closing a connection)
                raise
            return "value"

        async def request(budget):
            async with asyncio.timeout(budget):
                return await cache.get("k", fetch)

        first = asyncio.ensure_future(request(0.05))
        while not first.done():
            await asyncio.sleep(0)
        assert isinstance(first.exception(), TimeoutError)
        assert cache.inflight == 0  # forgotten at once, not when the cancelled task ends
        assert await request(1.0) == "value"
        assert calls == 2

    asyncio.run(main())


# ------------------------------------------------------------------------------------------ request id
def test_valid_request_id_is_echoed(client):
    _, resp = client.get("/api/v1/pods/demo/rid-1/describe", headers={"X-Request-ID": "trace-abc.123:x"})
    assert resp.status == 200
    assert resp.headers["x-request-id"] == "trace-abc.123:x"
    assert resp.json["metadata"]["requestId"] == "trace-abc.123:x"


def test_request_id_is_echoed_on_errors_too(client):
    _, resp = client.get("/api/v1/pods/demo/ghost-rid/describe", headers={"X-Request-ID": "err-req-7"})
    assert resp.status == 404
    assert resp.headers["x-request-id"] == "err-req-7" and resp.json["metadata"]["requestId"] == "err-req-7"


@pytest.mark.parametrize("bad", ["has spaces in it", "x" * 200, '"quoted"'])
def test_invalid_request_id_is_replaced_by_a_uuid4(client, bad):
    _, resp = client.get("/api/v1/pods/demo/rid-2/describe", headers={"X-Request-ID": bad})
    assert resp.status == 200
    rid = resp.headers["x-request-id"]
    assert rid != bad and uuid.UUID(rid).version == 4
    assert resp.json["metadata"]["requestId"] == rid


def test_missing_request_id_gets_a_uuid4(client):
    _, resp = client.get("/api/v1/pods/demo/rid-3/describe")
    assert uuid.UUID(resp.headers["x-request-id"]).version == 4


# ------------------------------------------------------------------------------------------ response cache
def test_identical_requests_within_ttl_cost_one_upstream_read(client, fake):
    _, a = client.get("/api/v1/pods/demo/cache-1/describe")
    _, b = client.get("/api/v1/pods/demo/cache-1/describe")
    assert a.status == b.status == 200
    assert a.json["data"] == b.json["data"]
    assert a.json["metadata"]["requestId"] != b.json["metadata"]["requestId"]  # metadata is per request
    assert fake.count("get", "pods", name="cache-1") == 1
    assert fake.count("list", "events") == 1
    # resources of the same pod reuse the cached pod read (shared read cache)
    _, c = client.get("/api/v1/pods/demo/cache-1/resources")
    assert c.status == 200 and fake.count("get", "pods", name="cache-1") == 1


def test_not_found_is_cached_briefly(client, fake):
    for _ in range(3):
        _, resp = client.get("/api/v1/pods/demo/neg-missing/describe")
        assert resp.status == 404
    assert fake.count("get", "pods", name="neg-missing") == 1
    time.sleep(TTL / 2 + 0.2)  # negative entries live TTL/2
    _, resp = client.get("/api/v1/pods/demo/neg-missing/describe")
    assert resp.status == 404
    assert fake.count("get", "pods", name="neg-missing") == 2


def test_health_endpoints(client, fake):
    _, resp = client.get("/healthz")
    assert resp.status == 200 and resp.json == {"status": "ok"}
    # readiness comes from a background check of /version; once it has run against the healthy fake it is 200
    # (the 503 cases, failing API and shutdown, are tested with the readiness implementation). The check runs
    # only while the test spins the worker's loop: wait for the first one to have answered.
    for _ in range(100):
        if client.app.ctx.agent.ready_reason != "starting":
            break
        spin(client, 0.05)
    _, resp = client.get("/readyz")
    assert resp.status == 200, resp.text
