"""AUTH_MODE=token against the fake Kubernetes API's TokenReview and SubjectAccessReview endpoints: allowed,
denied, missing and invalid tokens, a review the API server cannot answer in time, and the decision cache
(N requests with one token cost one review per TTL).

The agent caches decisions per token for the module's whole run, so each test authenticates with tokens of
its own (``token()``) and starts from a clean fake: no test sees a review cached by another, in any order."""

from __future__ import annotations

import uuid

import pytest
from sanic_testing.reusable import ReusableClient

from fakeapi import FakeKubeAPI, builtin_cluster, free_port
from k8s_agent.app import create_app
from k8s_agent.auth import token_hash
from k8s_agent.config import load_settings

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
    kc = fake.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config")
    settings = load_settings(
        {
            "CLUSTER_SOURCE": "live",
            "KUBECONFIG": str(kc),
            "AUTH_MODE": "token",
            "AUTH_CACHE_TTL": "60s",
            "REQUEST_DEADLINE": "300ms",
            "LOG_LEVEL": "warn",
            "WORKERS": "1",
        }
    )
    c = ReusableClient(create_app(settings, name="k8s-agent-auth"), port=free_port())
    c.run()
    try:
        yield c
    finally:
        c.stop()


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
    assert not [r for r in fake.requests if r.path != "/version"]  # nothing reaches the API server for these


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
