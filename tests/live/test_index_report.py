"""The cluster pod-issues report from the index (``services.pod_issues`` over ``kube.index``) runs in an
analysis thread, as the listed analysis does, not on the event loop: while it runs, the loop keeps serving
(other requests, the watches' reads), and the watches' changes wait for it (the index's gate), so the report
never sees the stores change under it. A request cancelled meanwhile (its deadline) leaves the gate held
until the thread is done.

The report is held inside its thread by an event the test sets (no timing), standing in for a table of
150,000 pods that takes a while.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from builders import api_pod
from fakeapi import FakeKubeAPI, builtin_cluster
from k8s_agent.kube.index import ClusterIndex, IndexSyncing
from k8s_agent.kube.live import LiveSource
from k8s_agent.services.pod_issues import pod_issues
from waiting import until


@pytest.fixture
def fake(tmp_path):
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        f.bookmark_interval = 0.1
        f.kubeconfig = str(f.write_kubeconfig(tmp_path / "config"))
        yield f


class HeldReport:
    """Wraps the table's report: records the thread it runs in, then waits for ``go`` before reporting."""

    def __init__(self, report) -> None:
        self.report = report
        self.started = threading.Event()
        self.go = threading.Event()
        self.threads: list[str] = []

    def __call__(self, **kw):
        self.threads.append(threading.current_thread().name)
        self.started.set()
        assert self.go.wait(10), "the test never let the report go on"
        return self.report(**kw)


def run(fake: FakeKubeAPI, body):
    async def main():
        src = await LiveSource.connect(kubeconfig=fake.kubeconfig, timeout=5.0)
        index = ClusterIndex(src)
        try:
            with pytest.raises(IndexSyncing):
                await index.require()
            await until(lambda: index.synced, what="first sync")
            held = HeldReport(index.pod_table.report)
            index.pod_table.report = held  # type: ignore[method-assign]
            return await body(index, held)
        finally:
            await index.stop("test over")
            await src.close()

    return asyncio.run(main())


def ask(index: ClusterIndex):
    return pod_issues(SimpleNamespace(index=index), now=datetime.now(UTC), restart_threshold=5)


def names(report) -> set[str]:
    return {p.name for p in report.problematic_pods}


def test_the_report_runs_in_an_analysis_thread_while_the_loop_serves_and_changes_wait(fake):
    async def body(index, held):
        request = asyncio.create_task(ask(index))
        await until(held.started.is_set, what="the report started")
        # the loop is free meanwhile: this coroutine runs, and a change from the watch arrives ...
        fake.add(api_pod("late-crash", "demo", node="node-a", crash_loop=True, restarts=9))
        await until(lambda: index.gate.writers_waiting == 1, what="the change waiting for the report")
        # ... but is not applied while the report reads the stores
        assert ("demo", "late-crash") not in index.pod_table.records
        assert not request.done()
        held.go.set()
        report = await request
        await until(lambda: ("demo", "late-crash") in index.pod_table.records, what="the change applied")
        assert index.gate.readers == 0
        after = await ask(index)  # the next report sees it (the held report lets it through at once now)
        return report, after

    report, after = run(fake, body)
    assert "api-crashloop" in names(report) and "late-crash" not in names(report)
    assert "late-crash" in names(after)


def test_the_report_runs_in_the_bounded_analysis_pool(fake):
    async def body(index, held):
        held.go.set()
        await ask(index)
        return held.threads

    [thread] = run(fake, body)
    assert thread.startswith("analysis")  # services._concurrency's pool: ANALYSIS_THREADS at most at once


def test_a_cancelled_request_keeps_the_changes_waiting_until_its_thread_is_done(fake):
    async def body(index, held):
        request = asyncio.create_task(ask(index))
        await until(held.started.is_set, what="the report started")
        request.cancel()  # the request's deadline: the thread itself cannot be stopped
        with pytest.raises(asyncio.CancelledError):
            await request
        assert index.gate.readers == 1  # the thread still reads
        fake.add(api_pod("while-cancelled", "demo", node="node-a"))
        await until(lambda: index.gate.writers_waiting == 1, what="the change waiting for the thread")
        assert ("demo", "while-cancelled") not in index.pod_table.records
        held.go.set()
        await until(lambda: ("demo", "while-cancelled") in index.pod_table.records, what="applied after it")
        return index.gate.readers

    assert run(fake, body) == 0
