"""Readers and changes: an answer that reads the stores from a thread (a large report, off the event loop)
holds the gate, and the watches' changes wait until no reader holds it, so a reader never sees the stores
change under it. A change that waits stops new readers from coming in, so a stream of answers cannot hold
the watches back indefinitely; the readers are few (the expensive-computation bound) and finish."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ReadGate:
    __slots__ = ("_idle", "readers", "writers_waiting")

    def __init__(self) -> None:
        self.readers = 0
        self.writers_waiting = 0
        self._idle: asyncio.Event | None = None

    def _event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    async def hold(self) -> Callable[[], None]:
        """Wait while a change waits, then hold the gate; returns the release (call it once, when the
        reading is over: from the thread's completion, not from a cancelled request)."""
        idle = self._event()
        while self.writers_waiting:
            await idle.wait()
            await asyncio.sleep(0)  # the waiting change goes first
        self.readers += 1
        idle.clear()
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self.readers -= 1
            if not self.readers:
                idle.set()

        return release

    async def writable(self) -> None:
        """Return when no reader holds the gate (at once when none does: the common case)."""
        if not self.readers:
            return
        idle = self._event()
        self.writers_waiting += 1
        try:
            while self.readers:
                await idle.wait()
        finally:
            self.writers_waiting -= 1
