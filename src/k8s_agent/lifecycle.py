"""Process lifecycle: how a worker drains on SIGTERM, how slow clients are cut off, and how the main process
handles a SIGTERM during start-up and a worker that dies.

Worker (any mode, including ``--single-process``):
* ``install_drain(app, ctx)`` replaces Sanic's stop-at-once signal handlers once the worker serves: the first
  SIGTERM/SIGINT makes ``/readyz`` answer 503 at once and every response carry ``Connection: close`` (so
  keep-alive clients reconnect elsewhere), the listener stays open for SHUTDOWN_DRAIN seconds, and only then
  does Sanic stop (closing the listener, answering what it already received within SHUTDOWN_TIMEOUT).
* ``AgentHttpProtocol`` (the HTTP protocol the agent serves with) bounds the *total* time to receive a
  request's head and body (READ_TIMEOUT), whatever the byte rate: Sanic's own REQUEST_TIMEOUT restarts with
  every byte received, so a client sending a byte a second could hold a connection for ever.

Main process (multi-worker mode): ``AgentWorkerManager`` is Sanic's WorkerManager with three changes:
* a SIGTERM while workers are still starting ends the process (Sanic 25.12 waits for every worker's start-up
  acknowledgement in a loop that the shutdown message keeps alive, so it never ends: the process then hangs
  until SIGKILL);
* on SIGTERM it closes its own copy of the listening socket, so the port closes when the workers close
  theirs after draining (a copy held by the main process would keep accepting connections nobody serves);
* a worker that dies while the agent is serving is logged and restarted; after ``MAX_RESTARTS`` deaths within
  ``RESTART_WINDOW`` seconds the main process exits with status 1 instead, so Kubernetes restarts the pod;
* a SIGTERM/SIGINT that arrives while the main thread is in the middle of a call to the workers' shared
  state (a multiprocessing manager proxy: one request and its reply on one connection) is acted on when that
  call returns: Sanic's handler makes calls of its own on the same connection, and one made inside another
  read the other's reply (the shutdown then failed with a TypeError and the process exited with status 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
import threading
import time
from collections import deque
from typing import Any

from loguru import logger
from sanic import Sanic
from sanic.exceptions import RequestTimeout
from sanic.http import Http, Stage
from sanic.server.protocols.http_protocol import HttpProtocol
from sanic.worker.manager import WorkerManager
from sanic.worker.process import ProcessState

from k8s_agent.tuning import GC_PAUSE_WARN, MAX_RESTARTS, RESTART_WINDOW


# ------------------------------------------------------------------------------------------ HTTP protocol
class AgentHttp(Http):
    """Sanic's HTTP/1.1 connection state with a total receive limit per request and ``Connection: close``
    while the worker drains."""

    __slots__ = ("_receive_timer", "_receive_seq")

    def __init__(self, protocol: Any) -> None:
        super().__init__(protocol)
        self._receive_timer: asyncio.TimerHandle | None = None
        self._receive_seq = 0

    async def http1_request_header(self) -> None:
        # the first bytes of a request are here (stage REQUEST): from now on its head and body have
        # READ_TIMEOUT in total to arrive
        self._receive_seq += 1
        if self._receive_timer is not None:
            self._receive_timer.cancel()
        protocol = self.protocol
        self._receive_timer = protocol.loop.call_later(
            protocol.request_timeout, self._receive_overdue, self._receive_seq
        )
        await super().http1_request_header()

    def _receive_overdue(self, seq: int) -> None:
        self._receive_timer = None
        if seq != self._receive_seq:
            return  # a later request is being received
        receiving = self.stage is Stage.REQUEST or (self.stage is Stage.HANDLER and self.request_body)
        task = getattr(self.protocol, "_task", None)
        if receiving and task is not None:
            logger.debug(
                "request not received within {:g}s: closing the connection", self.protocol.request_timeout
            )
            self.exception = RequestTimeout("Request Timeout")
            task.cancel("request not received in time")

    async def http1_response_header(self, data: bytes, end_stream: bool) -> None:
        agent = getattr(self.protocol.app.ctx, "agent", None)
        if agent is not None and agent.shutting_down:
            self.keep_alive = False  # the client's next request goes to a new connection (another pod)
        await super().http1_response_header(data, end_stream)


class AgentHttpProtocol(HttpProtocol):
    HTTP_CLASS = AgentHttp

    def close(self, timeout: float | None = None) -> None:
        http = self._http
        if http is not None and isinstance(http, AgentHttp) and http._receive_timer is not None:
            http._receive_timer.cancel()
            http._receive_timer = None
        super().close(timeout)


# ------------------------------------------------------------------------------------------ worker drain
def install_drain(app: Sanic, ctx: Any) -> None:
    """Replace Sanic's signal handlers of this worker (called from ``after_server_start``, which runs after
    Sanic installed its own): the first SIGTERM/SIGINT starts draining, a second one stops at once."""
    loop = asyncio.get_running_loop()
    drain = ctx.settings.shutdown_drain

    def on_signal(signum: int) -> None:
        if ctx.shutting_down:
            logger.info("{} again: stopping now", signal.Signals(signum).name)
            app.stop(terminate=False)
            return
        begin_draining(ctx)
        logger.info(
            "{}: draining for {:g}s (readiness 503, Connection: close), then closing the listener",
            signal.Signals(signum).name,
            drain,
        )
        loop.call_later(drain, app.stop, False)

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (test servers)
            return


def begin_draining(ctx: Any) -> None:
    ctx.shutting_down = True
    ctx.ready = False
    ctx.ready_reason = "shutting down"


# ------------------------------------------------------------------------------------------ GC pauses
class GcPauses:
    """The longest cyclic-GC pause of this worker (gc.callbacks), logged at shutdown; a pause over
    GC_PAUSE_WARN is logged when it happens."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_gen = -1
        self.collections = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        pause = time.perf_counter() - self._start
        self.collections += 1
        if pause > self.longest:
            self.longest, self.longest_gen = pause, info.get("generation", -1)
        if pause >= GC_PAUSE_WARN:
            logger.warning("GC pause {:.0f} ms (generation {})", pause * 1000, info.get("generation"))

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def report(self) -> None:
        logger.info(
            "largest GC pause {:.1f} ms (generation {}) over {} collections",
            self.longest * 1000,
            self.longest_gen,
            self.collections,
        )


# ------------------------------------------------------------------------------------------ main process
#: SIGTERM/SIGINT received before the worker manager installed its handlers (see hold_early_signals)
_early_signals: list[int] = []


def hold_early_signals() -> None:
    """Remember a SIGTERM/SIGINT that arrives before Sanic's worker manager exists. Sanic starts its helper
    processes (a sync manager, the resource tracker) first; with the default action a signal in that window
    ended this process at once and left them running. The manager then skips starting the workers."""

    def remember(signum: int, frame: Any) -> None:
        _early_signals.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, remember)


class AgentWorkerManager(WorkerManager):
    """Sanic's worker manager, with the changes the module docstring lists."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # installs Sanic's own SIGTERM/SIGINT handlers
        self._deaths: deque[float] = deque()
        self._serving = False
        #: calls to the workers' shared state in progress in the main thread, and a signal held meanwhile
        self._in_state_call = 0
        self._held_signal: int | None = None

    def run(self) -> None:
        if _early_signals:
            logger.info(
                "{} before the workers started: not starting them", signal.Signals(_early_signals[0]).name
            )
            return  # Sanic.serve's cleanup then stops its helper processes
        super().run()

    def wait_for_ack(self) -> None:
        """Sanic's wait for every worker's start-up acknowledgement, ending when a shutdown has begun."""
        misses = 0
        while not self._all_workers_ack():
            if self._shutting_down:
                # a worker may miss the stop signal: Sanic ignores it for a moment while it installs its
                # handlers, and a stop that arrives while the start-up hooks finish is lost. Repeat it.
                logger.info("shutdown requested while workers were starting")
                threading.Thread(target=self._repeat_stop, daemon=True).start()
                return
            if self.monitor_subscriber.poll(0.1):
                message = self.monitor_subscriber.recv()
                if message == "__TERMINATE_EARLY__":
                    logger.error("a worker failed during start-up; see its error above. Shutting down.")
                    self.kill()
                self.monitor_publisher.send(message)  # for the monitor loop, as Sanic does
            misses += 1
            if misses > self.THRESHOLD:
                logger.error(
                    "workers did not finish starting within {:g}s: shutting down", self.THRESHOLD / 10
                )
                self.kill()
        self._serving = True

    #: seconds the workers get, after the shutdown began, before the stragglers are killed (set by serve)
    stop_within: float = 30.0

    def _state_call(self, call: Any, *args: Any) -> Any:
        """``call`` (a method that talks to the workers' shared state) with SIGTERM/SIGINT held until it
        returns (see the module docstring)."""
        self._in_state_call += 1
        try:
            return call(*args)
        finally:
            self._in_state_call -= 1
            if not self._in_state_call and self._held_signal is not None:
                signum, self._held_signal = self._held_signal, None
                self.shutdown_signal(signum, None)

    def _all_workers_ack(self) -> bool:
        return bool(self._state_call(super()._all_workers_ack))

    def _poll_monitor(self) -> Any:
        return self._state_call(super()._poll_monitor)

    def _cleanup_non_tracked_workers(self) -> None:
        self._state_call(super()._cleanup_non_tracked_workers)

    def shutdown_signal(self, signum: Any, frame: Any) -> None:
        if self._in_state_call:  # the main thread is inside a call to the shared state: act when it returns
            self._held_signal = signum
            return
        if not self._shutting_down:
            self._close_listeners()
            # whatever state a worker is in (starting, draining, stuck), the process ends in bounded time
            timer = threading.Timer(self.stop_within, self._kill_stragglers)
            timer.daemon = True
            timer.start()
        super().shutdown_signal(signum, frame)

    def _repeat_stop(self) -> None:
        for _ in range(int(self.stop_within)):
            time.sleep(1.0)
            alive = [p for p in list(self.processes) if p.is_alive()]
            if not alive:
                return
            for process in alive:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGINT)

    def _kill_stragglers(self) -> None:
        for process in list(self.processes):
            if process.is_alive():
                logger.warning(
                    "worker {} (pid {}) still running {:g}s after the shutdown began: killing it",
                    process.name,
                    process.pid,
                    self.stop_within,
                )
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)

    def _close_listeners(self) -> None:
        """Close the main process's copy of the listening sockets (the workers keep theirs while draining)."""
        for server_info in (self._server_settings.get("server_info") or {}).values():
            for info in server_info:
                sock = info.settings.get("sock")
                if isinstance(sock, socket.socket):
                    sock.close()
        sock = self._server_settings.get("sock")
        if isinstance(sock, socket.socket):
            sock.close()

    def _sync_states(self) -> None:
        self._state_call(self._sync_and_restart)

    def _sync_and_restart(self) -> None:
        super()._sync_states()
        if self._shutting_down or not self._serving:
            return
        for worker in list(self.transient.values()):
            for process in worker.processes:
                if process.state in (ProcessState.FAILED, ProcessState.COMPLETED) and not process.is_alive():
                    self._worker_died(process)

    def _worker_died(self, process: Any) -> None:
        now = time.monotonic()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > RESTART_WINDOW:
            self._deaths.popleft()
        code = process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with status {code}"
        if len(self._deaths) > MAX_RESTARTS:
            logger.error(
                "worker {} (pid {}) {}: {} worker deaths within {:g}s, exiting so that the pod is restarted",
                process.name,
                process.pid,
                how,
                len(self._deaths),
                RESTART_WINDOW,
            )
            self.kill()  # raises ServerKilled: Sanic.serve exits with status 1
        logger.error("worker {} (pid {}) {}: restarting it", process.name, process.pid, how)
        process.restart()


def use_agent_manager(stop_within: float) -> None:
    """Make ``Sanic.serve`` use AgentWorkerManager (it looks the class up in its module at call time);
    workers still running ``stop_within`` seconds after a SIGTERM are killed."""
    import sanic.mixins.startup as startup

    AgentWorkerManager.stop_within = stop_within
    startup.WorkerManager = AgentWorkerManager  # type: ignore[misc]
