"""Paging on the real kube-apiserver: the live source reads a pod list larger than one page across namespaces
whose names share a prefix (``kube``, ``kube-public``, ``kube-system``, ``kubeflow``), exactly and in the
server's order; and a continue token that etcd's compaction has made too old is the server's 410 Expired,
after which the agent starts the list again, once.

The expired token needs a server that reads a list's continuation from etcd. kube-apiserver 1.36 serves it from
its watch-cache snapshot (feature ListFromCacheSnapshot, on by default since 1.34) and drops those snapshots
only when its cacher sees a compaction made by its own etcd compactor (``--etcd-compaction-interval``,
5 minutes), so compacting etcd leaves the shared server's token valid (tried: the second page came back 200).
Those tests talk to a second kube-apiserver on the same etcd, as in an HA control plane, with
``--feature-gates=ListFromCacheSnapshot=false``: what every server before 1.34 does, and what one of 1.34 or
later does for a token older than its snapshots. The shared server's flags are not changed.

The page size is lowered in-process (``kube.live.PAGE_SIZE``) so that a few dozen pods span many pages; the
pods use a scheduler name nobody serves, so the real scheduler leaves them alone, and they are deleted at the
end (an unscheduled pod goes away at once), so no other test of the session sees them."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from controlplane import ApiError, requires_control_plane, wait_for

from builders import pod_manifest, request_container
from fakeapi.server import _CONTINUE_EXPIRED
from k8s_agent.kube import live
from k8s_agent.kube.live import LiveSource
from k8s_agent.kube.replies import ContinueExpired

pytestmark = requires_control_plane

NAMESPACES = ("kube", "kube-public", "kube-system", "kubeflow")
PER_NAMESPACE = 6
MARK = {"k8s-agent-test": "paging"}


def _pod(name: str, ns: str) -> dict:
    return pod_manifest(
        name,
        ns,
        containers=[request_container("main")],
        labels=MARK,
        schedulerName="k8s-agent-test-no-such-scheduler",
    )


@pytest.fixture(scope="module")
def paging_pods(control_plane):
    cp = control_plane
    for ns in NAMESPACES:
        cp.create_namespace(ns)
        for i in range(PER_NAMESPACE):
            cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod(f"paging-{i}", ns))
    yield cp
    for ns in NAMESPACES:
        for i in range(PER_NAMESPACE):
            try:
                cp.api("DELETE", f"/api/v1/namespaces/{ns}/pods/paging-{i}", query={"gracePeriodSeconds": 0})
            except ApiError as e:
                if e.status != 404:
                    raise
    wait_for(
        lambda: not cp.api("GET", "/api/v1/pods", query={"labelSelector": "k8s-agent-test=paging"})["items"],
        30,
        what="paging pods deleted",
    )


def _read(kubeconfig: str, body):
    async def main():
        src = await LiveSource.connect(kubeconfig=kubeconfig, timeout=10)
        try:
            return await body(src)
        finally:
            await src.close()

    return asyncio.run(main())


def _ours(pods) -> list[tuple[str, str]]:
    return [(p.metadata.namespace, p.metadata.name) for p in pods if p.metadata.name.startswith("paging-")]


def test_a_list_of_many_pages_across_prefix_sharing_namespaces_is_exact_and_in_etcd_order(
    paging_pods, monkeypatch
):
    cp = paging_pods
    unpaged = cp.api("GET", "/api/v1/pods")["items"]  # one page: the server's own order
    monkeypatch.setattr(live, "PAGE_SIZE", 4)
    pods = _read(cp.admin_kubeconfig, lambda s: s.list_pods(None))
    assert [(p.metadata.namespace, p.metadata.name) for p in pods] == [
        (o["metadata"]["namespace"], o["metadata"]["name"]) for o in unpaged
    ]
    assert len(pods) > 4 * 5  # many pages
    ours = _ours(pods)
    assert len(ours) == len(set(ours)) == len(NAMESPACES) * PER_NAMESPACE
    # etcd key order: "kube-public/…" < "kube-system/…" < "kube/…" < "kubeflow/…"
    assert [ns for ns, _ in ours[::PER_NAMESPACE]] == ["kube-public", "kube-system", "kube", "kubeflow"]


# ------------------------------------------------------------------------------- an expired continue token
@pytest.fixture(scope="module")
def etcd_continuations(paging_pods):
    """(the control plane, the URL of its second kube-apiserver, which reads continuations from etcd)."""
    with paging_pods.extra_apiserver("--feature-gates=ListFromCacheSnapshot=false") as url:
        yield paging_pods, url


def _compact_past(cp, rv: int) -> int:
    """Write once (the revision moves past ``rv``), then compact etcd at the revision after that write."""
    cp.api(
        "PATCH",
        "/api/v1/namespaces/kube/pods/paging-0",
        {"metadata": {"annotations": {"k8s-agent-test/compacted-after": str(rv)}}},
    )
    revision = cp.etcd_revision()
    assert revision > rv
    cp.compact_etcd(revision)
    return revision


def _token_rv(token: str) -> int:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["rv"]


def test_a_continue_token_older_than_the_compaction_is_410_expired_with_the_fakes_body(etcd_continuations):
    cp, server = etcd_continuations
    first = cp.api("GET", "/api/v1/pods", query={"limit": 4}, server=server)
    token = first["metadata"]["continue"]
    rv = int(first["metadata"]["resourceVersion"])
    assert _token_rv(token) == rv
    _compact_past(cp, rv)
    with pytest.raises(ApiError) as err:
        cp.api("GET", "/api/v1/pods", query={"limit": 4, "continue": token}, server=server)
    body = err.value.body
    assert err.value.status == 410, body
    assert (body["kind"], body["status"], body["reason"], body["code"]) == (
        "Status",
        "Failure",
        "Expired",
        410,
    )
    assert body["message"] == _CONTINUE_EXPIRED  # the fake's 410 says word for word what the real one says
    # and offers a token that goes on at the latest version (rv -1), which the agent does not use: it restarts
    assert _token_rv(body["metadata"]["continue"]) == -1


def test_a_list_whose_token_expires_between_pages_is_restarted_once_and_exact(
    etcd_continuations, monkeypatch
):
    cp, server = etcd_continuations
    monkeypatch.setattr(live, "PAGE_SIZE", 4)
    calls: list[tuple[bool, str]] = []
    get = live.LiveSource._get

    async def get_and_compact_after_the_first_page(self, path, query=None, *, what):
        has_token = any(k == "continue" for k, _ in query or [])
        try:
            raw = await get(self, path, query, what=what)
        except ContinueExpired:
            calls.append((has_token, "410"))
            raise
        calls.append((has_token, "200"))
        if len(calls) == 1:
            _compact_past(cp, int(json.loads(raw)["metadata"]["resourceVersion"]))
        return raw

    monkeypatch.setattr(live.LiveSource, "_get", get_and_compact_after_the_first_page)
    pods = _read(cp.kubeconfig_path(server=server), lambda s: s.list_pods(None))
    # the first page, its expired continuation, then the list again from its start, every page of it
    assert calls[:2] == [(False, "200"), (True, "410")]
    assert calls[2] == (False, "200") and set(calls[3:]) == {(True, "200")}
    assert len(calls) - 2 >= len(pods) // 4
    unpaged = cp.api("GET", "/api/v1/pods")["items"]
    assert [(p.metadata.namespace, p.metadata.name) for p in pods] == [
        (o["metadata"]["namespace"], o["metadata"]["name"]) for o in unpaged
    ]
    ours = _ours(pods)
    assert len(ours) == len(set(ours)) == len(NAMESPACES) * PER_NAMESPACE
