"""Waiting in a test for something the agent does in the background: a bound on correctness, never a
measurement of time (a loaded machine may be slow; the bound only keeps a broken test from hanging)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(check: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll ``check()`` on the running loop until it is true; fail naming ``what`` after ``timeout`` s."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError(f"{what} not reached within {timeout}s")
        await asyncio.sleep(0.005)
