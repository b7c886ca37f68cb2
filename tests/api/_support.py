"""Building the real app over an in-process source, served by sanic-testing's ReusableClient."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sanic_testing.reusable import ReusableClient

from fakeapi import free_port
from k8s_agent.app import create_app
from k8s_agent.config import load_settings

_names = itertools.count()


def make_app(source: Any, **overrides: Any):
    """The app over ``source``. Its deadline is generous unless a test sets ``request_deadline``: these tests
    are about answers, and a shared, loaded machine can take more than the production 500 ms on a cold
    analysis (a test of the deadline itself passes its own)."""
    overrides.setdefault("request_deadline", 10.0)
    settings = load_settings(
        {}, cluster_source="snapshot", snapshot_path="-", workers=1, log_level="warn", **overrides
    )

    async def factory(_settings):
        return source

    return create_app(settings, source_factory=factory, name=f"k8s-agent-test-{next(_names)}")


def client_for(source: Any, **overrides: Any) -> ReusableClient:
    return ReusableClient(make_app(source, **overrides), port=free_port())


@contextmanager
def live_client(fake: Any, tmp: Path, name: str, **env: str) -> Iterator[ReusableClient]:
    """The real app over the live source reading the fake API ``fake`` (one worker, quiet logs; ``env``
    adds or replaces settings by their environment names), served on a free port while the block runs."""
    kubeconfig = fake.write_kubeconfig(tmp / "config")
    base = {"CLUSTER_SOURCE": "live", "KUBECONFIG": str(kubeconfig), "LOG_LEVEL": "warn", "WORKERS": "1"}
    c = ReusableClient(create_app(load_settings({**base, **env}), name=name), port=free_port())
    c.run()
    try:
        yield c
    finally:
        c.stop()


def spin(client: ReusableClient, seconds: float) -> None:
    """Let the served app's loop run for ``seconds`` (its background tasks too)."""
    client._loop.run_until_complete(asyncio.sleep(seconds))


class SlowSource:
    """Wraps a source; selected reads sleep first (an API server that is slow to answer)."""

    def __init__(self, inner: Any, delay: float, methods: tuple[str, ...] = ("get_pod",)) -> None:
        self.inner, self.delay, self.methods = inner, delay, methods
        self.description = "slow " + inner.description
        self.cancelled = 0
        self.started = 0

    def __getattr__(self, name: str):
        target = getattr(self.inner, name)
        if name not in self.methods:
            return target

        async def slow(*args, **kwargs):
            self.started += 1
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            return await target(*args, **kwargs)

        return slow


class FailingSource:
    """Wraps a source; selected reads raise the given error."""

    def __init__(self, inner: Any, error: Exception, methods: tuple[str, ...]) -> None:
        self.inner, self.error, self.methods = inner, error, methods
        self.description = "failing " + inner.description

    def __getattr__(self, name: str):
        target = getattr(self.inner, name)
        if name not in self.methods:
            return target

        async def fail(*args, **kwargs):
            raise self.error

        return fail


def our_pending_tasks(loop) -> set[asyncio.Task]:
    """Unfinished tasks running the agent's code or the test sources' (not Sanic's connection tasks, and not
    the readiness loop's check: ``asyncio.wait_for`` runs ``check_ready`` as a task of its own, and
    ``check_ready`` its ``/version`` read as another, for the few milliseconds they are in flight, every
    READY_INTERVAL, whatever the requests do; nothing else reads ``/version``)."""
    out = set()
    for task in asyncio.all_tasks(loop):
        coro = task.get_coro()
        code = getattr(coro, "cr_code", None)
        if task.done() or code is None or code.co_name == "check_ready":
            continue
        frame = getattr(coro, "cr_frame", None)
        if code.co_name == "_get" and frame is not None and frame.f_locals.get("path") == "/version":
            continue
        if "k8s_agent" in code.co_filename or "tests" in code.co_filename:
            out.add(task)
    return out
