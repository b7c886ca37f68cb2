"""Running a request's independent reads together, reads whose failure must not fail the answer, and long
analyses off the event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.kube.models import Event
from k8s_agent.kube.source import ClusterSource, pod_events_selector
from k8s_agent.tuning import ANALYSIS_THREADS

T = TypeVar("T")


async def gather(*aws: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` that cancels the siblings when one read fails, so no read outlives its request."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            if not t.done():
                t.cancel()
        raise


async def optional(aw: Awaitable[T], default: T, warnings: list[str], what: str) -> T:
    """Await a read the answer can do without: on NotFound or an unavailable/refused API, note it in
    ``warnings`` and return ``default``."""
    try:
        return await aw
    except (NotFound, ServiceUnavailable) as exc:
        warnings.append(
            f"{what} could not be read: {exc.message}" + (f" ({exc.details})" if exc.details else "")
        )
    return default


_analysis_pool: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    """In a forked child: the parent's pool threads do not exist there, so a pool made before the fork would
    queue work that no thread ever runs (the request would hang). The child makes its own on first use."""
    global _analysis_pool
    _analysis_pool = None


os.register_at_fork(after_in_child=_forget_pool)


async def off_loop(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a pure analysis that takes more than a few milliseconds in a thread of its own, so that the event
    loop keeps answering cached requests meanwhile (the interpreter switches threads every few ms)."""
    return await _submit(fn, *args, **kwargs)


def _submit(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> asyncio.Future[T]:
    """``fn`` in the analysis threads (``ANALYSIS_THREADS`` of them: at most that many run at once)."""
    global _analysis_pool
    if _analysis_pool is None:
        _analysis_pool = ThreadPoolExecutor(ANALYSIS_THREADS, thread_name_prefix="analysis")
    return asyncio.get_running_loop().run_in_executor(_analysis_pool, partial(fn, *args, **kwargs))


async def off_loop_holding(
    release: Callable[[], None], fn: Callable[..., T], /, *args: Any, **kwargs: Any
) -> T:
    """``off_loop`` for an analysis that reads state the event loop would otherwise change (the cluster
    index's stores, whose gate the caller holds): ``release`` is called when the thread is done, even when
    the awaiting request is cancelled first (the thread reads on until it finishes)."""
    try:
        fut = _submit(fn, *args, **kwargs)
    except BaseException:
        release()
        raise
    fut.add_done_callback(lambda _: release())
    return await asyncio.shield(fut)


def pod_events(
    source: ClusterSource, namespace: str, name: str, warnings: list[str], what: str = "events of the pod"
) -> Awaitable[list[Event]]:
    """The LIST of a pod's events (by kind and name), as a read the answer can do without (see ``optional``);
    events of an earlier pod of the same name are told apart by the analysis (``analysis.kube.is_about``)."""
    return optional(
        source.list_events(namespace, field_selector=pod_events_selector(name)), [], warnings, what
    )
