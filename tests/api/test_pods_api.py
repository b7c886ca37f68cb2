"""The HTTP contract over real pod objects (the corpus, tests/fixtures, served as a snapshot): envelope, every error
code, request ids, describe and resources fields, the deadline."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from _support import FailingSource, SlowSource, client_for, our_pending_tasks

from corpus import CORPUS_PODS
from k8s_agent.errors import ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube.snapshot import SnapshotSource

CORPUS = CORPUS_PODS


def _placeholders(text: str) -> str:
    # the is-healthy fixture carries template placeholders instead of timestamps
    return text.replace("@now-5m", "2024-05-01T11:55:00Z").replace("@now-2h", "2024-05-01T10:00:00Z")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """The corpus pods (and the real Event objects some of them carry) as a kubectl-style dump."""
    d = tmp_path_factory.mktemp("corpus-snapshot")
    pods, events = [], []
    for f in sorted(CORPUS.glob("*.json")):
        doc = json.loads(_placeholders(f.read_text()))
        if doc.get("_partial"):
            continue
        for ev in doc.get("_events", []):
            if "involvedObject" in ev:  # real Event objects (not kubectl describe rows)
                events.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Event",
                        "metadata": {"namespace": ev["involvedObject"].get("namespace", "")},
                        **ev,
                    }
                )
        pods.append({k: v for k, v in doc.items() if not k.startswith("_")})
    (d / "pods.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
    (d / "events.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": events}))
    return d


@pytest.fixture(scope="module")
def client(corpus_dir):
    with client_for(SnapshotSource(corpus_dir)) as c:
        yield c


def _ok(resp):
    assert resp.status_code == 200, resp.text
    body = resp.json
    assert set(body) == {"data", "metadata"}
    assert set(body["metadata"]) == {"requestId", "timestamp"}
    assert resp.headers["x-request-id"] == body["metadata"]["requestId"]
    return body["data"]


def _err(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json
    assert set(body) == {"error", "metadata"}
    assert body["error"]["code"] == code
    assert resp.headers["x-request-id"] == body["metadata"]["requestId"]
    assert "Traceback" not in resp.text
    return body["error"]


def test_describe_crashloop_pod_shows_state_last_state_and_owner_fields(client):
    _, resp = client.get("/api/v1/pods/argocd/my-pod/describe")
    d = _ok(resp)
    assert d["name"] == "my-pod" and d["namespace"] == "argocd"
    assert d["podStatus"] == "CrashLoopBackOff"
    assert d["status"] == {"phase": "Running", "hostIP": "192.168.64.41", "podIP": "172.17.0.9"}
    c = d["containers"][0]
    assert c["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert c["lastState"]["terminated"]["exitCode"] == 1
    assert c["lastState"]["terminated"]["reason"] == "Error"
    assert c["restartCount"] == 3
    assert d["volumes"][0] == {
        "name": "default-token-f9jvj",
        "type": "Secret",
        "source": {"secret": {"secretName": "default-token-f9jvj", "defaultMode": 420}},
    }
    assert d["qosClass"] == "BestEffort"
    assert {t["key"] for t in d["tolerations"]} == {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    }


def test_describe_init_container_failure(client):
    _, resp = client.get("/api/v1/pods/default/logging-agent/describe")
    d = _ok(resp)
    assert d["podStatus"] == "Init:CrashLoopBackOff"
    init = d["initContainers"][0]
    assert init["name"] == "downloader"
    assert init["lastState"]["terminated"]["reason"] == "StartError"
    assert init["lastState"]["terminated"]["exitCode"] == 128
    assert d["containers"][0]["state"]["waiting"]["reason"] == "PodInitializing"


def test_describe_events_sorted_newest_first_and_sourced(client):
    _, resp = client.get("/api/v1/pods/default/ws-cecf2a75-7225-4056-a125-fa3144b9c012/describe")
    d = _ok(resp)
    assert d["podStatus"] == "Evicted"
    assert d["status"]["reason"] == "Evicted"
    reasons = [e["reason"] for e in d["events"]]
    assert "Evicted" in reasons and "Scheduled" in reasons
    evicted = next(e for e in d["events"] if e["reason"] == "Evicted")
    assert evicted["source"].startswith("kubelet/gke-production")
    assert evicted["count"] == 1
    times = [e["lastTimestamp"] for e in d["events"]]
    assert times == sorted(times, reverse=True)


def test_resources_of_a_pod_with_limits(client):
    _, resp = client.get("/api/v1/pods/mission-control/oomkilled-pod/resources")
    d = _ok(resp)
    spec = json.loads(_placeholders((CORPUS / "oomkilled-restarts-gke-2024.json").read_text()))["spec"][
        "containers"
    ][0]
    assert d["containers"][0]["name"] == spec["name"]
    assert d["containers"][0]["limits"] == spec["resources"].get("limits", {})
    assert d["total"]["memoryLimit"] == spec["resources"]["limits"]["memory"]
    assert set(d) >= {"containers", "initContainers", "total", "effective", "notes"}


@pytest.mark.parametrize(
    "path,detail",
    [
        (
            "/api/v1/pods/Default/my-pod/describe",
            "namespace 'Default' is not a valid Kubernetes namespace name",
        ),
        ("/api/v1/pods/argocd/My_Pod/describe", "pod name 'My_Pod' is not a valid Kubernetes name"),
        ("/api/v1/pods/" + "a" * 64 + "/p/resources", "is not a valid Kubernetes namespace name"),
    ],
)
def test_invalid_names_are_400_before_any_read(client, path, detail):
    _, resp = client.get(path)
    err = _err(resp, 400, "BAD_REQUEST")
    assert detail in err["details"]


def test_missing_pod_is_404_naming_it(client):
    _, resp = client.get("/api/v1/pods/argocd/gone/describe")
    err = _err(resp, 404, "RESOURCE_NOT_FOUND")
    assert err["message"] == "Pod not found"
    assert err["details"] == "Pod 'gone' not found in namespace 'argocd'"


def test_unknown_route_and_wrong_method_use_the_envelope(client):
    _, resp = client.get("/api/v1/nothing/here")
    _err(resp, 404, "RESOURCE_NOT_FOUND")
    _, resp = client.post("/api/v1/pods/argocd/my-pod/describe")
    err = _err(resp, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in resp.headers["allow"]
    assert "POST" in err["details"]


def test_request_id_is_taken_from_a_valid_header_and_replaced_when_invalid(client):
    _, resp = client.get("/api/v1/pods/argocd/my-pod/resources", headers={"X-Request-ID": "dash-42.a"})
    assert resp.json["metadata"]["requestId"] == "dash-42.a"
    assert resp.headers["x-request-id"] == "dash-42.a"
    _, resp = client.get(
        "/api/v1/pods/argocd/my-pod/resources", headers={"X-Request-ID": "bad id with spaces"}
    )
    rid = resp.json["metadata"]["requestId"]
    assert uuid.UUID(rid).version == 4


def test_cached_answers_get_their_own_request_id_and_never_skip_validation(client):
    url = "/api/v1/pods/argocd/my-pod/describe"
    _, first = client.get(url, headers={"X-Request-ID": "poller-1"})
    _, second = client.get(url, headers={"X-Request-ID": "poller-2"})
    _, third = client.get(url)
    assert first.json["data"] == second.json["data"] == third.json["data"]
    assert [r.json["metadata"]["requestId"] for r in (first, second)] == ["poller-1", "poller-2"]
    assert second.headers["x-request-id"] == "poller-2"
    assert uuid.UUID(third.headers["x-request-id"]).version == 4
    assert third.json["metadata"]["requestId"] == third.headers["x-request-id"]
    # the same pod under names that are not valid Kubernetes names: 400, never the cached answer
    for bad in ("/api/v1/pods/argocd/My-Pod/describe", "/api/v1/pods/Argocd/my-pod/describe"):
        _, resp = client.get(bad)
        _err(resp, 400, "BAD_REQUEST")


def test_request_log_accounts_hits_misses_and_refusals(client, monkeypatch):
    lines = []
    log = client.app.ctx.agent.access_log
    monkeypatch.setattr(
        log,
        "write",
        lambda rid, ts, method, path, status, ms, up, hits, co: lines.append((path, status, hits)),
    )
    client.app.ctx.agent.responses.clear()
    client.app.ctx.agent.reads.clear()
    for url in (
        "/api/v1/pods/argocd/my-pod/resources",  # computed
        "/api/v1/pods/argocd/my-pod/resources",  # the response cache's
        "/api/v1/pods/Argocd/my-pod/resources",  # refused before any lookup
    ):
        client.get(url)
    (_, s1, computed), (_, s2, hit), (_, s3, refused) = lines
    assert (s1, s2, s3) == (200, 200, 400)
    assert (computed, hit, refused) == (0, 1, 0)


def test_health_endpoints_have_no_envelope(client):
    _, resp = client.get("/healthz")
    assert resp.json == {"status": "ok"}


def test_upstream_unavailable_is_503_and_refusal_names_the_permission(corpus_dir):
    base = SnapshotSource(corpus_dir)
    down = FailingSource(
        base, ServiceUnavailable("Kubernetes API unreachable", "get pods: connection refused"), ("get_pod",)
    )
    with client_for(down) as c:
        _, resp = c.get("/api/v1/pods/argocd/my-pod/describe")
        err = _err(resp, 503, "SERVICE_UNAVAILABLE")
        assert "connection refused" in err["details"]
    refused = FailingSource(
        base,
        UpstreamForbidden(
            details='get pods: pods "my-pod" is forbidden: User "system:serviceaccount:a:b" cannot get resource "pods"'
        ),
        ("get_pod",),
    )
    with client_for(refused) as c:
        _, resp = c.get("/api/v1/pods/argocd/my-pod/resources")
        err = _err(resp, 503, "SERVICE_UNAVAILABLE")
        assert 'cannot get resource "pods"' in err["details"]


def test_events_unreadable_still_describes_the_pod_with_a_warning(corpus_dir):
    src = FailingSource(
        SnapshotSource(corpus_dir), UpstreamForbidden(details="list events: forbidden"), ("list_events",)
    )
    with client_for(src) as c:
        _, resp = c.get("/api/v1/pods/argocd/my-pod/describe")
        d = _ok(resp)
        assert d["events"] == []
        assert any("forbidden" in w for w in d["warnings"])


def test_deadline_gives_504_cancels_the_work_and_keeps_serving(corpus_dir):
    slow = SlowSource(SnapshotSource(corpus_dir), delay=5.0)
    with client_for(slow, request_deadline=0.2) as c:
        _, resp = c.get("/healthz")
        before = our_pending_tasks(c._loop)  # the readiness and metrics loops of the worker
        _, resp = c.get("/api/v1/pods/argocd/my-pod/describe")
        err = _err(resp, 504, "REQUEST_TIMEOUT")
        assert "200 ms" in err["details"]
        # answered at the deadline, not when the slow read would have returned: the read was cancelled
        assert slow.cancelled == slow.started == 1
        agent = c.app.ctx.agent
        assert agent.reads.inflight == 0 and agent.responses.inflight == 0
        assert not our_pending_tasks(c._loop) - before  # no task of the request left behind
        _, resp = c.get("/healthz")
        assert resp.status_code == 200


def test_an_unexpected_exception_is_a_500_whose_body_carries_none_of_its_text(corpus_dir):
    secret = "token=s3cr3t-abc /var/run/secrets/kubernetes.io/serviceaccount/token"
    broken = FailingSource(SnapshotSource(corpus_dir), RuntimeError(secret), ("get_pod",))
    with client_for(broken) as c:
        _, resp = c.get("/api/v1/pods/argocd/my-pod/describe", headers={"X-Request-ID": "req-500-check"})
    err = _err(resp, 500, "INTERNAL_ERROR")
    assert err["details"] == "an unexpected error occurred; see the agent's log for this request id"
    for leak in ("s3cr3t", "RuntimeError", "Traceback", "/var/run/secrets", "token="):
        assert leak not in resp.text, leak
    assert resp.json["metadata"]["requestId"] == "req-500-check"


def test_identical_requests_within_the_ttl_share_reads_and_responses(corpus_dir):
    class Counting:
        def __init__(self, inner):
            self.inner, self.description, self.calls = inner, "counting", 0

        def __getattr__(self, name):
            return getattr(self.inner, name)

        async def get_pod(self, ns, name):
            self.calls += 1
            return await self.inner.get_pod(ns, name)

    src = Counting(SnapshotSource(corpus_dir))
    with client_for(src, cache_ttl=30.0) as c:
        for _ in range(3):
            _ok(c.get("/api/v1/pods/argocd/my-pod/describe")[1])
        _ok(c.get("/api/v1/pods/argocd/my-pod/resources")[1])  # another route, same pod read
        assert src.calls == 1
        r1 = c.get("/api/v1/pods/argocd/my-pod/describe")[1].json
        r2 = c.get("/api/v1/pods/argocd/my-pod/describe")[1].json
        assert r1["data"] == r2["data"]
        assert r1["metadata"]["requestId"] != r2["metadata"]["requestId"]
