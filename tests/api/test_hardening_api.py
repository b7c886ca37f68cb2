"""Expensive answers computed once per data (not per parameter), bounded per worker, and readiness that turns
503 when the API fails repeatedly: the whole app over HTTP (ReusableClient)."""

from __future__ import annotations

import asyncio

import pytest
from _support import client_for, live_client, spin

import k8s_agent.app as app_module
from corpus import DEMO
from fakeapi import builtin_fake
from k8s_agent.analysis import node_utilization as nodes_analysis
from k8s_agent.kube.snapshot import SnapshotSource
from k8s_agent.services import node_utilization as nodes_service
from k8s_agent.services import pod_issues as issues_service


@pytest.fixture(scope="module")
def client():
    with client_for(SnapshotSource(DEMO), cache_ttl=60.0) as c:
        yield c


def count_calls(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_distinct_limits_cost_one_analysis_per_ttl_and_each_answer_is_its_limits(client, monkeypatch):
    calls = count_calls(
        monkeypatch, issues_service, "pod_issues"
    )  # the analysis, from the index or the lists
    client.app.ctx.agent.responses.clear()
    client.app.ctx.agent.analyses.clear()
    client.app.ctx.agent.refresher.clear()  # the cluster-wide answers kept current in the background
    answers = {}
    for limit in (1, 2, 3, 5, 7, 11, 1000, 999, 100, 4, 6, 101):
        _, resp = client.get(f"/api/v1/cluster/pod-issues?includeAll=true&limit={limit}")
        assert resp.status_code == 200, resp.text
        answers[limit] = resp.json["data"]
    assert calls[0] == 2  # one analysis for the limits up to 100 (the default), one for those above
    assert answers[100]["problematicPodsCount"] > 7  # the demo has enough problems to page through
    names = [p["name"] for p in answers[1000]["problematicPods"]]
    assert [p["name"] for p in answers[100]["problematicPods"]] == names[:100]  # the two agree
    for limit, d in answers.items():
        # sliced from the analysis made for its group (the two were made at their own moments: the relative
        # times in them may differ by a second, so each answer is compared with its own group's)
        full = answers[100] if limit <= 100 else answers[1000]
        page = full["problematicPods"][:limit]
        assert d["problematicPods"] == page
        assert d["limit"] == limit and d["returnedPods"] == len(page)
        assert d["truncated"] == (full["problematicPodsCount"] > limit)
        same = {
            k: v for k, v in d.items() if k not in ("problematicPods", "limit", "returnedPods", "truncated")
        }
        assert same == {k: v for k, v in full.items() if k in same}
    # a filter is other data for the analysis: one more (and then shared by its own limits)
    for limit in (1, 2, 3):
        _, resp = client.get(f"/api/v1/cluster/pod-issues?includeAll=true&severity=critical&limit={limit}")
        assert resp.status_code == 200
    assert calls[0] == 3


def test_a_derived_answer_equals_the_one_computed_for_it(client):
    """The paged answer is what the analysis gives for that limit itself (same pods, counts, summary)."""
    from datetime import datetime

    import msgspec

    ctx = client.app.ctx.agent
    _, resp = client.get("/api/v1/cluster/pod-issues?limit=3&includeAll=true")
    d = resp.json["data"]
    now = datetime.fromisoformat(d["analysisTime"].replace("Z", "+00:00"))
    direct = client._loop.run_until_complete(
        issues_service.pod_issues(
            ctx.source,
            now=now,
            restart_threshold=ctx.settings.pod_restart_threshold,
            limit=3,
            include_all=True,
        )
    )
    assert d == msgspec.json.decode(msgspec.json.encode(direct))


def test_node_sorts_cost_one_analysis_and_keep_each_order(client, monkeypatch):
    calls = count_calls(monkeypatch, nodes_service, "all_utilization")
    client.app.ctx.agent.responses.clear()
    client.app.ctx.agent.analyses.clear()
    client.app.ctx.agent.refresher.clear()  # the cluster-wide answers kept current in the background
    orders = {}
    for sort in ("memory", "name", "cpu", "memory"):
        _, resp = client.get(f"/api/v1/nodes/utilization?sort={sort}")
        assert resp.status_code == 200, resp.text
        assert resp.json["data"]["sort"] == sort
        orders[sort] = [n["nodeName"] for n in resp.json["data"]["nodes"]]
    assert calls[0] == 1
    assert orders["name"] == sorted(orders["name"])
    by_name = {n["nodeName"]: n for n in resp.json["data"]["nodes"]}
    for sort in ("cpu", "memory"):
        expected = nodes_analysis.sorted_nodes([_node(by_name[name]) for name in orders["name"]], sort)
        assert orders[sort] == [u.node_name for u in expected]


def _node(d: dict):
    import msgspec

    from k8s_agent.schemas.node_utilization import NodeUtilization

    return msgspec.json.decode(msgspec.json.encode(d), type=NodeUtilization)


def test_expensive_answers_beyond_the_per_worker_limit_are_503_with_retry_after(monkeypatch):
    """Two analyses at once per worker; a third distinct one is refused at once (503, Retry-After) while a
    cached answer is still served."""
    from _support import SlowSource

    slow = SlowSource(SnapshotSource(DEMO), 0.5, methods=("list_replicasets",))
    with client_for(slow, cache_ttl=60.0, request_deadline=3.0, cluster_index=False) as c:

        async def burst():
            import httpx

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{c.port}", timeout=10) as h:
                await h.get("/api/v1/pods/shop/web-5d8f7c9b6-jjfph/describe")  # cached from now on
                first = [
                    asyncio.create_task(h.get(f"/api/v1/cluster/pod-issues?issueType={t}"))
                    for t in ("CrashLoopBackOff", "ImagePullError")
                ]
                await asyncio.sleep(0.2)  # both analyses are waiting for their reads
                third = await h.get("/api/v1/cluster/pod-issues?issueType=OOMKilled")
                cached = await h.get("/api/v1/pods/shop/web-5d8f7c9b6-jjfph/describe")
                return [await t for t in first], third, cached

        first, third, cached = c._loop.run_until_complete(asyncio.to_thread(asyncio.run, burst()))
    assert [r.status_code for r in first] == [200, 200]
    assert third.status_code == 503 and third.headers["retry-after"] == "1"
    assert third.json()["error"]["message"] == "Busy"
    assert cached.status_code == 200


# ------------------------------------------------------------------------------------------ readiness
@pytest.fixture
def readiness_client(monkeypatch, tmp_path):
    monkeypatch.setattr(app_module, "READY_INTERVAL", 0.05)
    monkeypatch.setattr(app_module, "READY_TIMEOUT", 0.5)
    with builtin_fake() as fake, live_client(fake, tmp_path, "k8s-agent-readiness") as c:
        yield c, fake


def test_readiness_turns_503_when_the_api_fails_repeatedly_and_back_when_it_answers(readiness_client):
    client, fake = readiness_client
    spin(client, 0.3)
    _, resp = client.get("/readyz")
    assert resp.status_code == 200
    checks = fake.count("version")
    fake.fail(r"^/version$", 500, times=1)  # one failed check: still ready
    spin(client, 0.3)
    assert fake.count("version") >= checks + 3
    _, resp = client.get("/readyz")
    assert resp.status_code == 200
    fake.fail(r"^/version$", 500)  # every check fails
    spin(client, 0.4)
    _, resp = client.get("/readyz")
    assert resp.status_code == 503
    assert "HTTP 500" in resp.json["reason"]
    fake.reset_controls()
    spin(client, 0.3)
    _, resp = client.get("/readyz")
    assert resp.status_code == 200


def test_readiness_uses_a_short_timeout(readiness_client):
    client, fake = readiness_client
    spin(client, 0.3)
    fake.delay(r"^/version$", 5.0)  # the API hangs: each check gives up after READY_TIMEOUT (0.5 s here)
    spin(client, 2.0)
    _, resp = client.get("/readyz")
    assert resp.status_code == 503
    assert "within 0.5s" in resp.json["reason"]
    fake.reset_controls()


# ------------------------------------------------------------------------------------------ retry storm
def test_a_failing_api_gets_no_more_calls_than_a_healthy_one_and_warnings_are_aggregated(tmp_path, capsys):
    """The same polling load (6 pods, 40 rounds) against a healthy API and against one answering 500 to every
    read: failures are remembered per read and the circuit breaker stops calling, so the failing API gets no
    more calls than the healthy one (before: every request called it, about 47 times the healthy rate), and
    the 503 warnings are logged once a second with a count, not once per request."""
    pods = ["api-crashloop", "db-0", "web-1", "cache-0", "batch-pending", "missing-x"]
    settings = {"LOG_FORMAT": "text", "CACHE_TTL": "1s", "CLUSTER_INDEX": "false"}
    with builtin_fake() as fake, live_client(fake, tmp_path, "k8s-agent-storm", **settings) as c:

        def poll() -> tuple[int, dict[int, int]]:
            fake.reset_log()
            statuses: dict[int, int] = {}
            for _ in range(40):
                for p in pods:
                    _, resp = c.get(f"/api/v1/pods/demo/{p}/describe")
                    statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                spin(c, 0.05)
            return len(fake.caused_requests), statuses

        healthy, ok = poll()
        capsys.readouterr()
        fake.fail(r"^/api/v1/namespaces/", 500)
        ctx = c.app.ctx.agent
        ctx.responses.clear()  # no answer cached while the API was healthy: every request meets the failure
        ctx.reads.clear()
        failing, bad = poll()
        fake.reset_controls()
        logged = capsys.readouterr().out
    warnings = [line for line in logged.splitlines() if "503 SERVICE_UNAVAILABLE" in line]
    print(f"API calls: healthy {healthy} ({ok}), failing {failing} ({bad}); {len(warnings)} warning lines")
    assert bad == {503: 240}
    assert failing <= healthy, (failing, healthy)
    # one line per kind of failure per second (the run lasts a few seconds), not one per 503 as before
    assert 1 <= len(warnings) <= bad[503] // 10, warnings
    assert any("more like it" in w or "repeated" in w for w in warnings), warnings
