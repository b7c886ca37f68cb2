"""AUTH_MODE=token end to end: the agent authenticates callers with TokenReview and authorises each read
with SubjectAccessReview against the REAL API server, running under the chart's ServiceAccount with the
chart's ``auth.mode=token`` RBAC (its ClusterRole + the ``system:auth-delegator`` binding, which the chart
renders only in that mode).

A ServiceAccount ``reader`` may ``get pods`` in namespace A only (a Role): it reads a pod of A (200), is
refused a pod of B and the namespace analysis of A (``list pods``) with 403 FORBIDDEN; no token is 401
UNAUTHORIZED; the token of a ServiceAccount that was deleted stops working (401) once the agent's decision
cache (AUTH_CACHE_TTL, 1s here) expires.
"""

from __future__ import annotations

import pytest
from cluster_builder import apply_chart_identity
from controlplane import requires_control_plane, wait_for

from builders import pod_manifest

pytestmark = requires_control_plane

API = "/api/v1"
NS_A, NS_B = "e2e-auth-a", "e2e-auth-b"
RELEASE, RELEASE_NS = "agent-auth", "e2e-agent-auth"
POD = "app"


def _pod(ns: str) -> dict:
    # held back from the scheduler: these pods must not land on the builder's nodes
    return pod_manifest(
        POD, ns, labels={"app": "auth-e2e"}, schedulingGates=[{"name": "e2e.example.com/hold"}]
    )


def _grant_get_pods(cp, ns: str, sa: str) -> None:
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    for path, body in (
        (
            f"{rbac}/namespaces/{ns}/roles",
            {
                "metadata": {"name": "pod-getter"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
            },
        ),
        (
            f"{rbac}/namespaces/{ns}/rolebindings",
            {
                "metadata": {"name": f"pod-getter-{sa}"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-getter"},
                "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns}],
            },
        ),
    ):
        try:
            cp.api("POST", path, body)
        except Exception as e:  # noqa: BLE001 - 409 on a rerun against a kept cluster
            if getattr(e, "status", None) != 409:
                raise


@pytest.fixture(scope="module")
def auth_identity(control_plane, helm_path):
    return apply_chart_identity(
        control_plane, helm_path, RELEASE, RELEASE_NS, "auth.mode=token", "auth.cacheTTL=1s"
    )


@pytest.fixture(scope="module")
def world(control_plane):
    cp = control_plane
    for ns in (NS_A, NS_B):
        cp.create_namespace(ns)
        try:
            cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod(ns))
        except Exception as e:  # noqa: BLE001
            if getattr(e, "status", None) != 409:
                raise
    _grant_get_pods(cp, NS_A, "reader")
    _grant_get_pods(cp, NS_A, "ghost")
    return {"reader": cp.service_account_token(NS_A, "reader")}


@pytest.fixture(scope="module")
def agent(control_plane, auth_identity, world):
    assert auth_identity.chart_env()["AUTH_MODE"] == "token"
    assert auth_identity.chart_env()["AUTH_CACHE_TTL"] == "1s"
    with auth_identity.agent("auth") as proc:
        yield proc


def test_the_chart_binds_auth_delegator_only_in_token_mode(auth_identity, agent_identity):
    def delegator(ident):
        return [
            d
            for d in ident.applied
            if d["kind"] == "ClusterRoleBinding" and d["roleRef"]["name"] == "system:auth-delegator"
        ]

    assert delegator(agent_identity) == []
    (binding,) = delegator(auth_identity)
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": auth_identity.service_account, "namespace": RELEASE_NS}
    ]


def test_reader_reads_a_pod_of_its_namespace(agent, world):
    r = agent.get(f"{API}/pods/{NS_A}/{POD}/describe", token=world["reader"])
    assert r.status == 200, r.body
    assert r.body["data"]["name"] == POD and r.body["data"]["namespace"] == NS_A
    r = agent.get(f"{API}/pods/{NS_A}/{POD}/resources", token=world["reader"])
    assert r.status == 200, r.body


def test_reader_is_forbidden_elsewhere(agent, world):
    token = world["reader"]
    r = agent.get(f"{API}/pods/{NS_B}/{POD}/describe", token=token)
    assert r.status == 403, r.body
    err = r.body["error"]
    assert err["code"] == "FORBIDDEN"
    assert f"system:serviceaccount:{NS_A}:reader" in err["details"] and NS_B in err["details"]
    assert "get pods" in err["details"]
    # the namespace analysis needs `list pods`, which the Role does not grant, even in namespace A
    r = agent.get(f"{API}/namespace/{NS_A}/error", token=token)
    assert r.status == 403 and r.body["error"]["code"] == "FORBIDDEN"
    assert "list pods" in r.body["error"]["details"]
    # cluster-wide reads
    for path in (f"{API}/nodes/utilization", f"{API}/cluster/pod-issues"):
        r = agent.get(path, token=token)
        assert r.status == 403 and r.body["error"]["code"] == "FORBIDDEN", (path, r.body)
    # a missing pod the reader may not see is 403, not 404: nothing leaks about namespace B
    r = agent.get(f"{API}/pods/{NS_B}/no-such-pod/describe", token=token)
    assert r.status == 403


def test_no_or_bad_token_is_unauthorized(agent):
    r = agent.get(f"{API}/pods/{NS_A}/{POD}/describe")
    assert r.status == 401 and r.body["error"]["code"] == "UNAUTHORIZED"
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    r = agent.get(f"{API}/pods/{NS_A}/{POD}/describe", token="not-a-token")
    assert r.status == 401 and r.body["error"]["code"] == "UNAUTHORIZED"
    r = agent.get(f"{API}/pods/{NS_A}/{POD}/describe", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status == 401
    # health endpoints stay open for the kubelet's probes
    assert agent.get("/readyz").status == 200 and agent.get("/healthz").status == 200


def test_a_token_of_a_deleted_service_account_is_unauthorized(control_plane, agent):
    cp = control_plane
    token = cp.service_account_token(NS_A, "ghost")
    r = agent.get(f"{API}/pods/{NS_A}/{POD}/describe", token=token)
    assert r.status == 200, r.body
    cp.api("DELETE", f"/api/v1/namespaces/{NS_A}/serviceaccounts/ghost")

    def unauthorized():
        r = agent.get(f"{API}/pods/{NS_A}/{POD}/describe", token=token)
        return r if r.status != 200 else None

    r = wait_for(unauthorized, 15, 0.3, "the deleted ServiceAccount's token to be refused")
    assert r.status == 401 and r.body["error"]["code"] == "UNAUTHORIZED", r.body


def test_an_authorised_caller_reads_cluster_wide(control_plane, agent):
    # the static admin token (system:masters): every SubjectAccessReview allows
    r = agent.get(f"{API}/nodes/utilization", token=control_plane.admin_token)
    assert r.status == 200, r.body
    r = agent.get(f"{API}/cluster/pod-issues?namespace={NS_A}", token=control_plane.admin_token)
    assert r.status == 200, r.body
    log = agent.log_text().lower()
    assert "refused the agent" not in log  # the agent's own reviews and reads were never refused
