"""AUTH_MODE=token against the fake Kubernetes API's TokenReview and SubjectAccessReview endpoints: allowed,
denied, missing and invalid tokens, a review the API server cannot answer in time, and the decision cache
(N requests with one token cost one review per TTL).

The agent caches decisions per token for the module's whole run, so each test authenticates with tokens of
its own (``token()``) and starts from a clean fake: no test sees a review cached by another, in any order."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter

import pytest
from _support import live_client
from sanic_testing.reusable import ReusableClient

from fakeapi import FakeKubeAPI, builtin_cluster
from k8s_agent.auth import ReviewLimiter, token_hash

POD = "/api/v1/pods/demo/api-crashloop/describe"
DASHBOARD_USER = "system:serviceaccount:mon:dashboard"


@pytest.fixture(scope="module")
def fake():
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        f.allow(DASHBOARD_USER, "get", "pods", "demo")
        f.allow(DASHBOARD_USER, "list", "pods", "demo")
        f.allow(DASHBOARD_USER, "get", "nodes")
        yield f


@pytest.fixture(autouse=True)
def _clean(fake):
    fake.reset()
    yield
    fake.reset()


@pytest.fixture
def token(fake, request):
    """A fresh bearer token for ``user`` (unknown to the agent's decision cache), named after the test."""

    def make(user: str = DASHBOARD_USER, groups: tuple[str, ...] = ("system:serviceaccounts",)) -> str:
        tok = f"{request.node.name}-{user}-{uuid.uuid4().hex[:8]}"
        fake.add_user(tok, user, groups)
        return tok

    return make


@pytest.fixture(scope="module")
def client(fake, tmp_path_factory):
    with live_client(
        fake,
        tmp_path_factory.mktemp("kube"),
        "k8s-agent-auth",
        AUTH_MODE="token",
        AUTH_CACHE_TTL="60s",
        REQUEST_DEADLINE="300ms",
    ) as c:
        warm_index(c)  # the scheduling answers below name nodes only once the cluster index has synced
        yield c


def warm_index(client: ReusableClient) -> None:
    """Start the app's cluster index and wait (bounded) for its first sync."""
    from k8s_agent.kube.index import IndexSyncing

    index = client.app.ctx.agent.index

    async def synced() -> None:
        for _ in range(400):
            try:
                await index.require()
                return
            except IndexSyncing:
                await asyncio.sleep(0.025)
        raise AssertionError(f"the cluster index did not sync: {index.progress()}")

    client._loop.run_until_complete(synced())


def get(client, path, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    _, resp = client.get(path, headers=headers)
    return resp


def test_missing_and_malformed_tokens_are_401(client, fake):
    resp = get(client, POD)
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "UNAUTHORIZED"
    assert resp.headers["www-authenticate"].startswith("Bearer")
    resp = get(client, POD, Authorization="Basic dXNlcjpwYXNz")
    assert resp.status_code == 401
    assert not fake.caused_requests  # nothing reaches the API server for these


def test_invalid_token_is_401_and_the_failure_is_cached(client, fake):
    bad = f"not-a-real-token-{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        resp = get(client, POD, bad)
        assert resp.status_code == 401 and resp.json["error"]["message"] == "Invalid token"
    assert len(fake.requests_for(group="authentication.k8s.io")) == 1


def test_allowed_reads_and_one_review_per_ttl(client, fake, token):
    dashboard = token()
    for _ in range(10):
        resp = get(client, POD, dashboard)
        assert resp.status_code == 200, resp.text
    reviews = [r for r in fake.requests if r.method == "POST"]
    assert [r.path.rsplit("/", 1)[-1] for r in reviews] == ["tokenreviews", "subjectaccessreviews"]
    # the token itself never appears in the agent's cache keys
    agent = client.app.ctx.agent
    keys = list(agent.authorizer.cache._values.keys())
    assert all(dashboard not in map(str, k) for k in keys)
    assert any(token_hash(dashboard) in k for k in keys)


def test_denied_read_is_403_naming_verb_and_resource(client, fake, token):
    dashboard, jane = token(), token("jane", ())
    resp = get(client, "/api/v1/pods/kube-system/x/describe", dashboard)
    assert resp.status_code == 403
    err = resp.json["error"]
    assert err["code"] == "FORBIDDEN"
    assert "may not get pods in namespace 'kube-system'" in err["details"]
    resp = get(client, "/api/v1/cluster/pod-issues", dashboard)  # list pods cluster-wide
    assert resp.status_code == 403 and "list pods cluster-wide" in resp.json["error"]["details"]
    resp = get(client, POD, jane)
    assert resp.status_code == 403 and "user 'jane'" in resp.json["error"]["details"]


def test_a_review_the_api_server_cannot_answer_is_503_or_504_never_an_allow(client, fake, token):
    fake.fail(r"tokenreviews$", 500, method="POST")
    resp = get(client, POD, token())
    assert resp.status_code == 503 and resp.json["error"]["code"] == "SERVICE_UNAVAILABLE"
    fake.reset()
    fake.delay(r"tokenreviews$", 2.0, method="POST")
    resp = get(client, POD, token())
    assert resp.status_code == 504 and resp.json["error"]["code"] == "REQUEST_TIMEOUT"


def test_health_and_docs_stay_open(client):
    assert get(client, "/healthz").status_code == 200
    assert get(client, "/openapi.json").status_code == 200


# ------------------------------------------------------------------------------------------ hardening
def test_a_token_with_a_non_ascii_byte_is_401_not_500(client, fake):
    async def raw_request(token: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
        writer.write(
            b"GET " + POD.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Authorization: Bearer " + token + b"\r\n\r\n"
        )
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return answer

    fake.reset()
    for raw in (b"abc\xffdef", b"\xff", b"tok\x80en"):
        # the server's loop runs while the client talks to it (ReusableClient runs it only on demand)
        answer = client._loop.run_until_complete(raw_request(raw))
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 401 "), answer[:300]
        assert b'"code":"UNAUTHORIZED"' in body and b"Traceback" not in answer
    assert fake.requests_for(group="authentication.k8s.io") == []  # refused without a review


def test_a_bogus_token_flood_costs_a_bounded_number_of_reviews_and_evicts_no_valid_decision(
    client, fake, token
):
    """300 distinct bogus tokens, 50 at a time: the reviews made are bounded by the per-worker budget (20 per
    second, burst 20, 8 at once), the rest are 503 with Retry-After without a review; a valid caller's cached
    decision survives the flood."""
    import httpx

    fake.reset()
    dashboard = token()
    assert get(client, POD, dashboard).status_code == 200  # its decisions are cached now
    authorizer = client.app.ctx.agent.authorizer
    decisions_before = set(authorizer.cache._values.keys())
    fake.reset()
    url = f"http://127.0.0.1:{client.port}{POD}"

    async def flood():
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(limits=limits, timeout=10.0) as c:
            sem = asyncio.Semaphore(50)

            async def one(i):
                async with sem:
                    r = await c.get(url, headers={"Authorization": f"Bearer bogus-{i}"})
                    return r.status_code, r.headers.get("retry-after")

            return await asyncio.gather(*(one(i) for i in range(300)))

    t0 = time.monotonic()
    # the flood runs in a thread of its own; the server's loop serves meanwhile (it only runs on demand)
    results = client._loop.run_until_complete(asyncio.to_thread(asyncio.run, flood()))
    elapsed = time.monotonic() - t0
    reviews = len(fake.requests_for(group="authentication.k8s.io"))
    statuses = Counter(s for s, _ in results)
    authorizer.limiter = ReviewLimiter()  # the flood spent this second's budget: not the next test's concern
    print(f"flood: 300 bogus tokens in {elapsed:.2f}s -> {dict(statuses)}, {reviews} TokenReviews")
    # a request that got a review gets its 401, or 504 when the 300 ms deadline passed first (the flood, the
    # agent and the fake API share this machine's CPU); every other request is refused at once with 503
    assert set(statuses) <= {401, 503, 504}
    assert statuses[401] <= reviews and statuses[503] >= 300 - 20 - 20 * elapsed - statuses[504]
    assert all(ra == "1" for s, ra in results if s == 503)
    assert reviews <= 20 + 20 * elapsed + 1
    # the valid caller's decisions are still cached: no review for it now
    fake.reset()
    assert decisions_before <= set(authorizer.cache._values.keys())
    assert get(client, POD, dashboard).status_code == 200
    assert [r for r in fake.requests if r.method == "POST"] == []


def test_a_rejected_token_is_remembered_apart_from_valid_decisions(client, fake):
    fake.reset()
    authorizer = client.app.ctx.agent.authorizer
    for _ in range(5):
        assert get(client, POD, "rejected-token-x").status_code == 401
    assert len(fake.requests_for(group="authentication.k8s.io")) == 1
    key = token_hash("rejected-token-x")
    assert key in authorizer.rejected
    assert not any(key in k for k in authorizer.cache._values.keys())


def test_a_namespace_scoped_caller_sees_no_node_detail(client, fake, token):
    """A caller allowed only to read pods in its namespace gets 403 on /nodes/*; its pod-level answers are
    computed without the cluster's nodes (names, taints, free memory, node events) and say so in a note."""
    user = "system:serviceaccount:demo:viewer"
    fake.allow(user, "get", "pods", "demo")
    scoped = token(user)
    resp = get(client, "/api/v1/nodes/node-b/utilization", scoped)
    assert resp.status_code == 403
    for path in (
        "/api/v1/pods/demo/batch-pending/scheduling",
        "/api/v1/pods/demo/batch-pending/scheduling/explain",
    ):
        resp = get(client, path, scoped)
        assert resp.status_code == 200, resp.text
        body = resp.text
        assert "node-a" not in body and "node-b" not in body, body[:2000]
        assert any("node detail withheld" in n for n in resp.json["data"]["notes"])
    resp = get(client, "/api/v1/pods/demo/api-crashloop/failure-events", scoped)
    assert resp.status_code == 200, resp.text
    d = resp.json["data"]
    assert not [e for e in d["failureEvents"] if e["involvedObject"]["kind"] == "Node"]
    assert any("node detail withheld" in w for w in d["warnings"])
    # the same answers for a caller who may get nodes name them
    viewer = "system:serviceaccount:demo:admin"
    fake.allow(viewer, "get", "pods", "demo")
    fake.allow(viewer, "get", "nodes")
    admin = token(viewer)
    for _ in range(
        50
    ):  # its nodes come from the cluster index, which syncs on first use (503/504 until then)
        resp = get(client, "/api/v1/pods/demo/batch-pending/scheduling", admin)
        if resp.status_code == 200:
            break
        assert resp.status_code in (503, 504), resp.text
        client._loop.run_until_complete(asyncio.sleep(0.2))
    assert resp.status_code == 200 and "node-b" in resp.text
    assert not any("node detail withheld" in n for n in resp.json["data"]["notes"])
