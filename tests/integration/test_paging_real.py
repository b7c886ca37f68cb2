"""Paging on the real kube-apiserver: the live source reads a pod list larger than one page across namespaces
whose names share a prefix (``kube``, ``kube-public``, ``kube-system``, ``kubeflow``), exactly and in the
server's order.

Not here: an expired continue token. kube-apiserver 1.36 serves a list's continuation from its watch-cache
snapshot (feature ListFromCacheSnapshot, on by default since 1.34), and drops those snapshots only when its
cacher's compactor (polling every 15 s) sees a compaction recorded by the API server's own etcd compactor
(``--etcd-compaction-interval``, 5 min). Compacting etcd directly left the token valid (tried: the second page
came back 200); making it expire would take a shared control-plane flag and 15-30 s of waiting per test. The
410 Expired answer and the agent's restart are tested against the fake (tests/live/test_live_source.py), whose
410 body is the one kube-apiserver's etcd3 storage writes.

The page size is lowered in-process (``kube.live.PAGE_SIZE``) so that a few dozen pods span many pages; the
pods use a scheduler name nobody serves, so the real scheduler leaves them alone, and they are deleted at the
end (an unscheduled pod goes away at once), so no other test of the session sees them."""

from __future__ import annotations

import asyncio

import pytest
from controlplane import ApiError, requires_control_plane, wait_for

from builders import pod_manifest, request_container
from k8s_agent.kube import live
from k8s_agent.kube.live import LiveSource

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
