"""The main process's worker manager (``lifecycle.AgentWorkerManager``) and a SIGTERM that arrives while it
is in the middle of a call to the workers' shared state: Sanic keeps that state in a multiprocessing manager,
whose proxy sends a request and reads its reply on one connection. Sanic's signal handler makes calls of its
own on it; made inside another call, they read that call's reply, and the shutdown failed (a TypeError, exit
status 1; seen once in a run of the live SIGTERM test). The manager holds the signal until the call returns."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from sanic.worker.manager import WorkerManager
from sanic.worker.process import ProcessState

from k8s_agent.lifecycle import AgentWorkerManager


class _Process:
    def __init__(self, name: str) -> None:
        self.name, self.pid, self.exitcode = name, 4242, None
        self.state: Any = ProcessState.ACKED

    def is_alive(self) -> bool:
        return True

    def set_state(self, state: Any, force: bool = False) -> None:
        self.state = state


class _Worker:
    def __init__(self, process: _Process) -> None:
        self.processes = [process]


class _SignalledState(dict):
    """The shared state, as the proxy the main thread reads it through: the signal comes while a read is in
    progress (between its request and its reply)."""

    def __init__(self, manager: AgentWorkerManager, order: list[Any]) -> None:
        super().__init__({"worker-0": {"state": "ACKED"}})
        self.manager, self.order = manager, order

    def __getitem__(self, key: str) -> Any:
        self.order.append(f"read {key} starts")
        self.manager.shutdown_signal(signal.SIGTERM, None)
        self.order.append(f"read {key} ends")
        return super().__getitem__(key)


@pytest.fixture
def manager(monkeypatch) -> tuple[AgentWorkerManager, list[Any]]:
    order: list[Any] = []
    # what Sanic's handler does (reads and writes the shared state) is recorded instead
    monkeypatch.setattr(WorkerManager, "shutdown_signal", lambda self, signum, frame: order.append(signum))
    m = AgentWorkerManager.__new__(AgentWorkerManager)  # no processes started
    m._in_state_call, m._held_signal = 0, None
    m._shutting_down = (
        True  # its own first-signal steps (closing listeners, the kill timer) are not tested here
    )
    m._serving = False
    m.transient, m.durable = {"worker": _Worker(_Process("worker-0"))}, {}
    m.worker_state = _SignalledState(m, order)
    return m, order


def test_a_sigterm_during_a_state_read_is_handled_when_the_read_returns(manager):
    m, order = manager
    m._sync_states()
    assert order == ["read worker-0 starts", "read worker-0 ends", signal.SIGTERM]
    assert m._held_signal is None and m._in_state_call == 0


def test_a_sigterm_outside_any_state_call_is_handled_at_once(manager):
    m, order = manager
    m.shutdown_signal(signal.SIGINT, None)
    assert order == [signal.SIGINT]


def test_nested_state_calls_hold_the_signal_until_the_outermost_returns(manager):
    m, order = manager

    def inner() -> str:
        m.shutdown_signal(signal.SIGTERM, None)
        order.append("inner ends")
        return "inner"

    def outer() -> str:
        got = m._state_call(inner)
        order.append("outer ends")
        return got

    assert m._state_call(outer) == "inner"
    assert order == ["inner ends", "outer ends", signal.SIGTERM]
