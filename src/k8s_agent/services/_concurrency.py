"""Running a request's independent reads together, and reads whose failure must not fail the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from k8s_agent.errors import NotFound, ServiceUnavailable

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
