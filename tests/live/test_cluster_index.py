"""The watch-fed cluster index (``kube.index``) over the live source, against the fake API server.

Proves the protocol: a paged LIST, then a WATCH from its resourceVersion with bookmarks; changes applied as
they come (issue records, per-node sums, the scheduler's per-node view); a watch the server ends is renewed
from the last resourceVersion without a new LIST; a cut connection is resumed, after a backoff, from where it
was; 410 Gone leads to a LIST that also drops what was deleted meanwhile; 503 with the progress until the
first sync; the idle stop drops everything.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from builders import api_node, api_pod
from fakeapi import FakeKubeAPI, builtin_cluster
from k8s_agent.kube.index import ClusterIndex, IndexSyncing
from k8s_agent.kube.live import LiveSource
from waiting import until

CONTROLLERS = ("deployments", "statefulsets", "daemonsets", "jobs", "cronjobs")
RS_OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9c7b", "controller": True}


@pytest.fixture
def fake(tmp_path):
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        f.page_size = 2  # several pages per collection
        f.bookmark_interval = 0.1
        f.kubeconfig = str(f.write_kubeconfig(tmp_path / "config"))
        yield f


def run(fake: FakeKubeAPI, body, **index_kw):
    """A LiveSource and an index over the fake, ``body(index)`` run in a fresh loop, everything stopped."""

    async def main():
        src = await LiveSource.connect(kubeconfig=fake.kubeconfig, timeout=5.0)
        index = ClusterIndex(src, **index_kw)
        try:
            return await body(index)
        finally:
            await index.stop("test over")
            await src.close()

    return asyncio.run(main())


async def synced(index: ClusterIndex) -> None:
    with pytest.raises(IndexSyncing):
        await index.require()  # starts it
    await until(lambda: index.synced, what="first sync")


def lists(fake: FakeKubeAPI, resource: str = "pods") -> list:
    return [r for r in fake.requests if r.verb == "list" and r.resource == resource]


def watches(fake: FakeKubeAPI, resource: str = "pods") -> list:
    return [r for r in fake.requests if r.verb == "watch" and r.resource == resource]


def test_first_use_starts_a_paged_list_then_a_watch_from_its_resource_version(fake):
    pods_in_fake = len(fake.objects("pods"))

    async def body(index):
        assert index.state == "stopped" and not fake.requests  # nothing read before the first use
        with pytest.raises(IndexSyncing) as info:
            await index.require()
        assert info.value.status == 503 and info.value.retry_after > 0
        assert "listing pods:" in info.value.details and "so far" in info.value.details
        await until(lambda: index.synced)
        watched = ("pods", "nodes", "replicasets", "events", *CONTROLLERS)
        await until(lambda: all(watches(fake, r) for r in watched))
        return (
            index.count("pods"),
            index.count("nodes"),
            index.count("deployments.apps"),
            index.workload_states,
        )

    pods, nodes, deployments, states = run(fake, body)
    assert (pods, nodes, deployments) == (pods_in_fake, 2, 1)
    assert states == {("demo", "Deployment", "web"): "complete"}  # the fake's one controller, its state
    pod_lists = lists(fake)
    assert len(pod_lists) > 1 and all(r.query.get("limit") == "500" for r in pod_lists)
    assert pod_lists[-1].query.get("continue")  # paged with continue tokens
    w = watches(fake)[0]
    assert w.query["allowWatchBookmarks"] == "true"
    assert int(w.query["resourceVersion"]) > 0 and int(w.query["timeoutSeconds"]) >= 300
    ev = watches(fake, "events")[0]
    assert ev.query["fieldSelector"] == "involvedObject.kind=Pod,type=Warning"


def test_changes_reach_the_records_the_node_sums_and_the_scheduling_view(fake):
    async def body(index):
        await synced(index)
        now = datetime.now(UTC)
        assert ("demo", "new-web") not in index.pod_table.records
        before = index.node_sums.of("node-b")[2]

        fake.add(api_pod("new-web", "demo", node="node-b", owner=RS_OWNER, cpu="250m"))
        await until(lambda: ("demo", "new-web") in index.pod_table.records)
        assert index.node_sums.of("node-b")[2] == before + 1
        assert index.node_sums.of("node-b")[0]["cpu"] >= 250_000_000  # billionths
        assert any(p.metadata.name == "new-web" for p in index.scheduling.pods_by_node["node-b"])
        assert not index.pod_table.records[("demo", "new-web")].issues

        fake.add(api_pod("new-web", "demo", node="node-b", owner=RS_OWNER, cpu="250m", crash_loop=True))
        await until(lambda: index.pod_table.records[("demo", "new-web")].issues)
        assert [i.type for i in index.pod_table.records[("demo", "new-web")].issues] == ["CrashLoopBackOff"]
        report = index.pod_table.report(
            now=now, owners=index.owner_index, recent=index.recent_events, namespace="demo"
        )
        assert "new-web" in [p.name for p in report.problematic_pods]

        fake.remove("Pod", "new-web", "demo")
        await until(lambda: ("demo", "new-web") not in index.pod_table.records)
        assert index.node_sums.of("node-b")[2] == before
        assert all(p.metadata.name != "new-web" for p in index.scheduling.pods_by_node.get("node-b", []))

        fake.add(api_node("node-c"))
        await until(lambda: "node-c" in index.nodes)
        assert "node-c" in index.scheduling.nodes
        fake.remove("Node", "node-c")
        await until(lambda: "node-c" not in index.nodes)
        assert "node-c" not in index.scheduling.nodes
        return index.stats

    stats = run(fake, body)
    assert stats.events[("pods", "ADDED")] == 1 and stats.events[("pods", "MODIFIED")] == 1
    assert stats.events[("pods", "DELETED")] == 1
    assert len(lists(fake)) == -(-len(fake.objects("pods")) // 2)  # the first LIST's pages (2 a page) only
    assert stats.relists == {}


def test_a_watch_the_server_ends_is_renewed_from_the_last_resource_version_without_a_list(fake):
    async def body(index):
        await synced(index)
        await until(lambda: len(watches(fake)) >= 1)
        fake.add(api_pod("before-close", "demo", node="node-a"))
        await until(lambda: ("demo", "before-close") in index.pod_table.records)
        seen = index.reflectors["pods"].rv
        pages = len(lists(fake))
        fake.close_watches()
        await until(lambda: len(watches(fake)) >= 2, what="a new watch")
        fake.add(api_pod("after-close", "demo", node="node-a"))
        await until(lambda: ("demo", "after-close") in index.pod_table.records)
        return seen, pages

    seen, pages = run(fake, body)
    renewed = watches(fake)[1]
    assert int(renewed.query["resourceVersion"]) >= int(seen)  # from where it was (a bookmark may be newer)
    assert len(lists(fake)) == pages  # no LIST


def test_a_dropped_connection_is_resumed_after_a_backoff_from_where_it_was(fake):
    async def body(index):
        await synced(index)
        await until(lambda: watches(fake))
        fake.add(api_pod("before-drop", "demo", node="node-a"))
        await until(lambda: ("demo", "before-drop") in index.pod_table.records)
        pages = len(lists(fake))
        fake.drop_watches()
        reflector = index.reflectors["pods"]
        await until(lambda: reflector.backoff.delay > 0, what="a backoff after the broken stream")
        assert "watch" in reflector.error
        fake.add(api_pod("after-drop", "demo", node="node-a"))
        await until(lambda: ("demo", "after-drop") in index.pod_table.records, what="resumed watch")
        return pages, reflector.backoff.delay

    pages, delay = run(fake, body)
    assert delay == 0  # reset by the first event of the resumed watch
    resumed = watches(fake)[-1]
    first = watches(fake)[0]
    assert int(resumed.query["resourceVersion"]) > int(first.query["resourceVersion"])
    assert len(lists(fake)) == pages  # resumed, not relisted


def test_410_gone_relists_and_drops_what_was_deleted_meanwhile(fake):
    async def body(index):
        await synced(index)
        await until(lambda: watches(fake))
        fake.drop_watches()  # the agent is disconnected ...
        fake.remove("Pod", "api-crashloop", "demo")  # ... while a pod goes ...
        fake.add(api_pod("meanwhile", "demo", node="node-a"))  # ... and another comes,
        fake.compact()  # and the history is compacted: resuming gets 410 Gone
        await until(lambda: index.stats.relists.get("pods") == 1, what="relist")
        assert index.synced  # answers keep coming from the previous state during the relist
        await until(lambda: index.stats.lists.get("pods") == 2, what="relist complete")
        assert ("demo", "meanwhile") in index.pod_table.records
        assert ("demo", "api-crashloop") not in index.pod_table.records
        return index.stats

    stats = run(fake, body)
    assert stats.lists["pods"] == 2


def test_idle_stop_frees_the_index_and_the_next_use_starts_it_again(fake):
    async def body(index):
        await synced(index)
        assert index.count("pods") > 0
        await until(lambda: index.state == "stopped", timeout=5, what="idle stop")
        assert index.count("pods") == index.count("nodes") == index.count("events") == 0
        assert not index.pod_table.records and not index.node_sums.count and not index.scheduling.nodes
        assert not index.slimmer.shared.table and not index._tasks
        await until(lambda: fake.open_watches == 0, what="watches closed")
        await synced(index)  # used again: listed again
        return index.count("pods")

    assert run(fake, body, idle_timeout=0.5) == len(fake.objects("pods"))
    assert len([r for r in lists(fake) if not r.query.get("continue")]) == 2


def test_an_optional_collection_the_agent_may_not_read_is_skipped_with_a_warning(fake):
    fake.fail(r"/apis/apps/v1/replicasets", 403)

    async def body(index):
        await synced(index)
        return index.warnings()

    warnings = run(fake, body)
    assert len(warnings) == 1 and warnings[0].startswith("replicasets.apps could not be read")


def test_pods_the_agent_may_not_list_keep_the_index_unsynced_with_the_reason(fake):
    fake.fail(r"^/api/v1/pods$", 403)

    async def body(index):
        with pytest.raises(IndexSyncing):
            await index.require()
        await until(lambda: index.reflectors["pods"].error)
        with pytest.raises(IndexSyncing) as info:
            await index.require()
        return info.value.details

    details = run(fake, body)
    assert "listing pods: 0 so far (last attempt failed" in details and "forbidden" in details


def test_a_watch_down_for_a_while_is_named_in_the_warnings_until_it_is_back(fake, monkeypatch):
    import k8s_agent.kube.index.facade as index_module

    monkeypatch.setattr(index_module, "STALE_AFTER", 0.3)

    async def body(index):
        await synced(index)
        await until(lambda: watches(fake))
        assert index.warnings() == []
        fake.fail(r"^/api/v1/pods$", 500)
        fake.drop_watches()
        await until(lambda: any(w.startswith("pods: the watch has been failing") for w in index.warnings()))
        assert index.synced  # still answering, from the state the watch last saw
        fake.reset_controls()
        await until(lambda: index.warnings() == [], what="the warning gone once the watch is back")

    run(fake, body)


def test_the_first_sync_is_announced_once_to_on_synced(fake):
    """The app moves the synced index out of the cyclic GC's reach (``gc.freeze``) through ``on_synced``:
    called once the first sync is complete, not per page, not per watch event."""
    called = []

    async def body(index):
        await synced(index)
        assert called == [index.count("pods")]  # every pod was indexed when it was called
        fake.add(api_pod("after-sync", "demo", node="node-b", owner=RS_OWNER))
        await until(lambda: ("demo", "after-sync") in index.pod_table.records)
        return list(called)

    holder = {}

    def on_synced():
        called.append(holder["index"].count("pods"))

    async def body_with(index):
        holder["index"] = index
        index.on_synced = on_synced
        return await body(index)

    assert run(fake, body_with) == [len(fake.objects("pods")) - 1]


def test_the_first_answers_prepared_at_the_sync_are_awaited_before_requests_are_let_in(fake):
    """``on_synced`` may return an awaitable (the app prepares the first answers from the filled stores):
    meanwhile the background computations read the index, a request for a prepared answer gets the 503 with
    the progress, and once it is done the index is synced."""
    prepared = asyncio.Event()
    seen = []

    def on_synced():
        return prepared.wait()

    async def body(index):
        index.on_synced = on_synced
        with pytest.raises(IndexSyncing):
            await index.require()  # starts it
        await until(lambda: index.state == "warming", what="stores filled")
        await index.require()  # the stores may be read: the computations preparing the answers do
        seen.append(index.count("pods"))
        with pytest.raises(IndexSyncing) as exc:
            await index.require(answers=True)
        assert "preparing the first answers" in exc.value.details
        assert not index.synced
        prepared.set()
        await until(lambda: index.synced, what="synced once the answers are ready")
        await index.require(answers=True)

    run(fake, body)
    assert seen == [len(fake.objects("pods"))]
