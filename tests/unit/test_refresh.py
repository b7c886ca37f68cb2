"""Cluster-wide answers kept current in the background (``api.refresh``) and large answers encoded in steps
(``conditional.build``).

* a request is answered from the last complete answer while a refresh runs, and a refresh picks up what
  changed (a new ETag only when the data changed);
* the first answer of a key is computed once for all its concurrent requests, in a task no request owns: a
  waiter that gives up (its deadline) does not cancel it;
* the keys are bounded (the least recently requested go first), a key nobody asks for is dropped, and then no
  task is left; ``stop`` cancels a refresh in progress;
* a refresh is no use of the index (only requests keep it from its idle stop) and never starts a stopped one;
* ``build`` gives exactly the bytes and the ETag of ``Payload.of``, and reuses the JSON of unchanged items.
"""

from __future__ import annotations

import asyncio
import gzip

import pytest

from k8s_agent.api import conditional
from k8s_agent.api.refresh import Refresher
from k8s_agent.errors import ServiceUnavailable
from k8s_agent.kube.index import ClusterIndex, IndexSyncing, background
from k8s_agent.schemas.namespace_errors import ProblematicPod
from k8s_agent.schemas.pod_issues import ClusterPodIssues
from waiting import until

TTL = 0.05


def report(n: int, *, status: str = "CrashLoopBackOff", analysis_time: str = "2026-12-06T20:00:00Z"):
    pods = [
        ProblematicPod(
            name=f"api-{i:05d}",
            namespace="shop",
            owner_kind="Deployment",
            owner_name="api",
            phase="Running",
            status=status,
            ready="0/1",
            restarts=f"{i % 9} ({i % 60}s ago)",
            restart_count=i % 9,
            age=f"{i % 50}m",
        )
        for i in range(n)
    ]
    return ClusterPodIssues(
        analysis_time=analysis_time,
        scope="all",
        limit=1000,
        restart_threshold_used=5,
        total_pods=n,
        pods_analyzed=n,
        healthy_pods=0,
        problematic_pods_count=n,
        critical_issues_count=n,
        warning_issues_count=0,
        returned_pods=n,
        truncated=False,
        problematic_pods=pods,
    )


def refresher(**kw) -> Refresher:
    args = {"ttl": TTL, "max_keys": 8, "max_bytes": 64 << 20, "keep": 5.0, "max_age": 10.0}
    return Refresher(**{**args, **kw})


# ------------------------------------------------------------------------------------------ encoding in steps
@pytest.mark.parametrize("n", [0, 5, 201, 1000])
def test_build_gives_the_bytes_and_the_etag_of_payload_of(n):
    result = report(n)
    whole = conditional.Payload.of(result)
    built = asyncio.run(conditional.build(result, {}))
    assert built.head == whole.head and built.data == whole.data
    assert built.etag == whole.etag
    assert (built.gzip_head is None) == (whole.gzip_head is None) == (len(whole.head) < 1024)
    if built.gzip_head is not None:
        tail = built.tail("req-1", "2026-12-06T20:00:00.000Z")
        assert gzip.decompress(built.gzip_body(tail)) == whole.body(tail)


def test_build_reuses_unchanged_items_and_the_etag_ignores_the_time_of_the_analysis():
    memo: conditional.ItemMemo = {}
    first = report(400)
    a = asyncio.run(conditional.build(first, memo))
    assert len(memo) == 400 and all(memo[id(p)][0] is p for p in first.problematic_pods)
    # the same items in another answer made later: their JSON is reused, the tag is the same
    later = ClusterPodIssues(**{**{f: getattr(first, f) for f in first.__struct_fields__}})
    later.analysis_time = "2026-12-06T20:00:09Z"
    encoded = {id(p): memo[id(p)][1] for p in first.problematic_pods}
    b = asyncio.run(conditional.build(later, memo))
    assert all(memo[id(p)][1] is encoded[id(p)] for p in first.problematic_pods)
    assert b.etag == a.etag and b.data != a.data
    # a real change is a new tag
    c = asyncio.run(conditional.build(report(400, status="Error"), memo))
    assert c.etag != a.etag
    assert c.data == conditional.Payload.of(report(400, status="Error")).data


# ------------------------------------------------------------------------------------------ the refresher
def test_answers_are_served_while_a_refresh_runs_and_the_refresh_picks_up_the_change():
    async def main():
        r = refresher()
        state = {"status": "CrashLoopBackOff", "calls": 0}
        release = asyncio.Event()
        release.set()

        async def compute():
            state["calls"] += 1
            await release.wait()
            return report(3, status=state["status"])

        first = await r.get(("issues",), compute)
        assert state["calls"] == 1 and b"CrashLoopBackOff" in first.data
        # a slow refresh: the requests meanwhile get the last complete answer at once
        release.clear()
        state["status"] = "ImagePullBackOff"
        await until(lambda: state["calls"] == 2, what="a background refresh")
        for _ in range(3):
            assert r.peek(("issues",)) is first
            assert await r.get(("issues",), compute) is first
        release.set()
        await until(lambda: r.peek(("issues",)) is not first, what="the refreshed answer")
        second = r.peek(("issues",))
        assert b"ImagePullBackOff" in second.data and second.etag != first.etag
        # nothing changed: the next refresh keeps the tag (pollers keep getting 304s)
        calls = state["calls"]
        await until(lambda: state["calls"] > calls and r.peek(("issues",)) is not second, what="a refresh")
        assert r.peek(("issues",)).etag == second.etag
        await r.stop()
        assert r.tasks == 0

    asyncio.run(main())


def test_a_first_answer_is_computed_once_and_a_waiter_that_gives_up_does_not_cancel_it():
    async def main():
        r = refresher(ttl=60.0)
        calls = []
        release = asyncio.Event()

        async def compute():
            calls.append(1)
            await release.wait()
            return report(2)

        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):  # a request's deadline
                await r.get(("nodes", "cpu"), compute)
        waiters = [asyncio.create_task(r.get(("nodes", "cpu"), compute)) for _ in range(5)]
        await asyncio.sleep(0.01)
        release.set()
        payloads = await asyncio.gather(*waiters)
        assert len(calls) == 1 and all(p is payloads[0] for p in payloads)
        await r.stop()

    asyncio.run(main())


def test_a_failed_first_answer_is_the_error_and_a_failed_refresh_keeps_the_last_answer():
    async def main():
        r = refresher()
        fail = [True]

        async def compute():
            if fail[0]:
                raise ServiceUnavailable("Cluster index is syncing", "listing pods: 500 so far")
            return report(1)

        with pytest.raises(ServiceUnavailable) as info:
            await r.get(("issues",), compute)
        assert info.value.details == "listing pods: 500 so far"
        fail[0] = False
        good = await r.get(("issues",), compute)  # the next request computes again
        fail[0] = True
        await until(lambda: r._entries[("issues",)].error is not None, what="a failed refresh")
        assert r.peek(("issues",)) is good  # within max_age the last complete answer stands
        await r.stop()

    asyncio.run(main())


def test_an_answer_older_than_max_age_is_not_served():
    async def main():
        now = [100.0]
        r = refresher(ttl=1.0, max_age=3.0, clock=lambda: now[0])

        async def compute():
            return report(1)

        await r.get(("issues",), compute)
        r._entries[("issues",)].tried = now[0]  # no refresh in between (the clock is the test's)
        now[0] += 2.9
        assert r.peek(("issues",)) is not None
        now[0] += 0.2
        assert r.peek(("issues",)) is None  # a request then waits for a refresh (or gets its error)
        await r.stop()

    asyncio.run(main())


def test_keys_are_bounded_least_recently_requested_first():
    async def main():
        r = refresher(max_keys=3)

        async def compute():
            return report(1)

        for k in ("a", "b", "c"):
            await r.get(("issues", k), compute)
        r.peek(("issues", "a"))  # a is requested again: b is now the least recent
        await r.get(("issues", "d"), compute)
        assert len(r) == 3
        assert r.peek(("issues", "b")) is None
        assert all(r.peek(("issues", k)) is not None for k in ("a", "c", "d"))
        await r.stop()

    asyncio.run(main())


def test_the_answers_are_bounded_in_bytes():
    async def main():
        one = conditional.Payload.of(report(300)).nbytes
        r = refresher(max_bytes=int(one * 2.5))

        async def compute():
            return report(300)

        for k in range(5):
            await r.get(("issues", k), compute)
        assert len(r) == 2  # the two most recently requested fit the budget
        assert r.peek(("issues", 4)) is not None and r.peek(("issues", 3)) is not None
        await r.stop()

    asyncio.run(main())


def test_a_key_nobody_asks_for_is_dropped_and_no_task_is_left():
    async def main():
        r = refresher(keep=0.2)

        async def compute():
            return report(1)

        await r.get(("issues",), compute)
        assert r.tasks == 1  # the background loop
        await until(lambda: r.refreshes >= 2, what="background refreshes")
        await until(lambda: len(r) == 0 and r.tasks == 0, what="the key dropped, the loop ended")
        # the next request starts over
        await r.get(("issues",), compute)
        assert len(r) == 1 and r.tasks == 1
        await r.stop()
        assert r.tasks == 0 and len(r) == 0

    asyncio.run(main())


def test_stop_cancels_a_refresh_in_progress():
    async def main():
        r = refresher()
        started = asyncio.Event()
        cancelled = []

        async def compute():
            started.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.append(1)
                raise
            return report(1)

        waiter = asyncio.create_task(r.get(("issues",), compute))
        await started.wait()
        await r.stop()
        assert cancelled == [1] and r.tasks == 0
        with pytest.raises(asyncio.CancelledError):
            await waiter

    asyncio.run(main())


# ------------------------------------------------------------------------------------------ the index
class _NoFeed:
    """A feed the index must not read: the test is about its use, not its sync."""

    async def list_page(self, *a, **kw):
        await asyncio.sleep(60)

    def watch_lines(self, *a, **kw):
        raise AssertionError("not watched")


def test_a_background_refresh_is_no_use_of_the_index_and_never_starts_it():
    async def main():
        now = [0.0]
        index = ClusterIndex(_NoFeed(), clock=lambda: now[0], idle_timeout=600)
        token = background.set(True)
        try:
            with pytest.raises(IndexSyncing) as info:
                await index.require()
            assert "stopped" in info.value.details and index.state == "stopped"
        finally:
            background.reset(token)
        with pytest.raises(IndexSyncing):
            await index.require()  # a request starts it and is its use
        assert index.state == "syncing" and index.last_used == 0.0
        index.state = "synced"  # as if the sync were done
        now[0] = 50.0
        token = background.set(True)
        try:
            await index.require()
        finally:
            background.reset(token)
        assert index.last_used == 0.0  # the refresh did not keep the index alive
        await index.require()
        assert index.last_used == 50.0
        await index.stop("test over")

    asyncio.run(main())


# ------------------------------------------------------------------------------------------ when a key is due
def test_a_key_is_refreshed_when_the_index_changes_and_an_unchanged_index_recomputes_nothing():
    """With the index's change counter: a key is refreshed once ``cadence`` (1 s) has passed since its last
    refresh started if the generation moved meanwhile; an unchanged index recomputes nothing but the answers
    of the ``polled`` routes (their metrics, once per ttl), until ``max_age / 2`` (the texts of ages)."""

    async def main():
        now = [100.0]
        gen = [7]
        calls = {"issues": 0, "nodes": 0}
        r = refresher(
            ttl=2.0,
            max_age=10.0,
            keep=1000.0,
            clock=lambda: now[0],
            generation=lambda: gen[0],
            polled=frozenset({"nodes"}),
            tick=0.005,
        )
        assert r.cadence == 1.0 and r.unchanged == 5.0

        def counting(name):
            async def compute():
                calls[name] += 1
                return report(1)

            return compute

        async def passes(n=2):  # the background loop went over every key (at least) n more times
            p = r.passes
            await until(lambda: r.passes >= p + n, what="passes of the refresh loop")

        await r.get(("issues",), counting("issues"))
        await r.get(("nodes", "cpu"), counting("nodes"))
        assert calls == {"issues": 1, "nodes": 1}

        # unchanged index, past the ttl: only the metrics-backed answer is redone
        now[0] += 3.0
        await until(lambda: calls["nodes"] == 2, what="the polled answer's refresh")
        await passes()
        assert calls["issues"] == 1

        # a change: refreshed at the next pass (more than a cadence since its last refresh)
        gen[0] += 1
        await until(lambda: calls["issues"] == 2, what="the refresh after a change")
        # another change half a cadence later: not yet ...
        gen[0] += 1
        now[0] += 0.5
        await passes()
        assert calls["issues"] == 2
        # ... but once a cadence has passed since the last refresh started
        now[0] += 0.5
        await until(lambda: calls["issues"] == 3, what="the refresh a cadence later")

        # unchanged again: nothing for the pod issues until max_age / 2, then their ages are redone
        now[0] += 4.9
        await passes()
        assert calls["issues"] == 3
        now[0] += 0.2
        await until(lambda: calls["issues"] == 4, what="the refresh of an unchanged answer")
        await r.stop()

    asyncio.run(main())


def test_warm_prepares_the_defaults_and_redoes_what_failed_during_the_sync_before_serving():
    """``warm`` (the index has filled its stores): the default answers and every key whose computation failed
    during the sync are computed, one at a time; meanwhile no request is answered from the refresher (a
    request waits for ``until_ready``: the index's 503 with its progress)."""

    async def main():
        ready = [False]

        async def until_ready():
            if not ready[0]:
                raise IndexSyncing(details="preparing the first answers")

        r = refresher(ttl=60.0, until_ready=until_ready)
        syncing = [True]
        release = asyncio.Event()
        running = [0, 0]  # now, most at once
        calls: list[str] = []

        def compute_of(name):
            async def compute():
                if syncing[0]:
                    raise IndexSyncing(details="listing pods: 500 so far")
                calls.append(name)
                running[0] += 1
                running[1] = max(running)
                await release.wait()
                running[0] -= 1
                return report(1)

            return compute

        with pytest.raises(IndexSyncing):  # a key asked for during the sync
            await r.get(("issues", "demo"), compute_of("demo"))
        syncing[0] = False
        warm = asyncio.create_task(
            r.warm([(("issues", ""), compute_of("issues")), (("nodes", "cpu"), compute_of("nodes"))])
        )
        await until(lambda: calls, what="the first computation")
        assert r.warming and r.peek(("issues", "")) is None
        with pytest.raises(IndexSyncing) as exc:
            await r.get(("issues", ""), compute_of("issues"))
        assert exc.value.details == "preparing the first answers"
        release.set()
        await warm
        ready[0] = True
        assert not r.warming
        assert sorted(calls) == ["demo", "issues", "nodes"] and running[1] == 1  # once each, one at a time
        assert r.prepared() == {("issues", "demo"): True, ("issues", ""): True, ("nodes", "cpu"): True}
        for key in r.prepared():
            assert r.peek(key) is not None
        assert sorted(calls) == ["demo", "issues", "nodes"]  # served from them: nothing computed again
        await r.stop()

    asyncio.run(main())
