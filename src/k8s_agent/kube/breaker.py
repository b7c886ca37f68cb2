"""The circuit breaker around the reads of a cluster source: stop calling an API server that fails every read,
probe it now and then, close again on its first answer."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from k8s_agent.errors import AgentError, MetricsUnavailable, ServiceUnavailable, UpstreamForbidden

T = TypeVar("T")


class CircuitBreaker:
    """Stop calling an API server that fails every read.

    After ``threshold`` consecutive failed reads (ServiceUnavailable: 5xx, 429, timeouts, connection
    errors; not a 404, not a refusal of the agent's permissions, not an absent metrics-server) the breaker
    opens: reads fail at once with 503 and ``Retry-After`` without calling the API. Every ``probe_interval``
    one read is let through as a probe; its success closes the breaker (so recovery takes at most one probe
    interval), its failure keeps it open. Any success resets the count.
    """

    def __init__(
        self,
        *,
        threshold: int = 5,
        probe_interval: float = 1.0,
        timer: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.threshold = threshold
        self.probe_interval = probe_interval
        self._timer = timer
        self._on_change = on_change
        self.failures = 0
        self.opened_at: float | None = None
        self._next_probe = 0.0
        self._probing = False
        self.last_error = ""
        self.rejected = 0

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "probing" if self._probing else "open"

    def _set_open(self, detail: str) -> None:
        if self.opened_at is None:
            self.opened_at = self._timer()
            if self._on_change is not None:
                self._on_change("open", detail)
        self._next_probe = self._timer() + self.probe_interval

    def _rejection(self) -> ServiceUnavailable:
        self.rejected += 1
        wait = max(0.0, self._next_probe - self._timer())
        exc = ServiceUnavailable(
            "Kubernetes API unavailable",
            f"the last {self.failures} reads failed (last: {self.last_error}); "
            f"not calling it again for {wait:.1f}s",
        )
        exc.retry_after = max(1.0, wait)
        return exc

    async def call(self, fetch: Callable[[], Awaitable[T]]) -> T:
        probe = False
        if self.opened_at is not None:
            if self._probing or self._timer() < self._next_probe:
                raise self._rejection()
            probe = self._probing = True
        try:
            value = await fetch()
        except MetricsUnavailable:  # metrics-server trouble says nothing of the API server itself
            raise
        except ServiceUnavailable as exc:
            if isinstance(exc, UpstreamForbidden):  # the API server answered
                self._success()
            else:
                self.failures += 1
                self.last_error = exc.details or exc.message
                if probe or self.failures >= self.threshold:
                    self._set_open(self.last_error)
            raise
        except AgentError:
            self._success()  # a 404 is an answer
            raise
        finally:
            if probe:
                self._probing = False
        self._success()
        return value

    def _success(self) -> None:
        self.failures = 0
        if self.opened_at is not None:
            down = self._timer() - self.opened_at
            self.opened_at = None
            if self._on_change is not None:
                self._on_change("closed", f"after {down:.1f}s, {self.rejected} reads answered 503 meanwhile")
            self.rejected = 0
