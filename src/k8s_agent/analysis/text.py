"""Text helpers of the analyses: shortening free text, de-duplicating sentences, and writing durations and
timestamps the way the API shows them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta


def shorten(text: str, limit: int) -> str:
    """Cut to ``limit`` characters (code points, never inside a UTF-8 sequence), ending with ``...``."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str | None, limit: int) -> str:
    """Whitespace runs (newlines included) made single spaces, then shortened to ``limit``."""
    return shorten(" ".join((text or "").split()), limit)


def dedupe(items: Iterable[str]) -> list[str]:
    """The non-empty items, each once, in their first order."""
    seen: set[str] = set()
    out: list[str] = []
    for s in items:
        if s and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def compact_duration(delta: timedelta) -> str:
    """An age as kubectl's AGE column writes it at two units: ``45s``, ``12m``, ``2h5m``, ``3h``, ``2d4h``,
    ``5d`` (truncated, never rounded up)."""
    secs = int(delta.total_seconds())
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    if secs < 60:
        return f"{sign}{secs}s"
    mins = secs // 60
    if mins < 60:
        return f"{sign}{mins}m"
    hours, mins = divmod(mins, 60)
    if hours < 24:
        return f"{sign}{hours}h{mins}m" if mins else f"{sign}{hours}h"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d{hours}h" if hours else f"{sign}{days}d"


def human_duration(delta: timedelta) -> str:
    """A duration as kubectl writes ages and "ago" times (apimachinery's HumanDuration): exact seconds below
    2 minutes, minutes and seconds below 10 minutes, minutes below 3 hours, hours and minutes below 8 hours,
    hours below 2 days, days and hours below 8 days, days below 2 years, years and days below 8 years, then
    years. Up to a second in the future reads ``0s`` (clock skew), further ahead ``<invalid>``."""
    secs = int(delta.total_seconds())  # truncated towards zero, as Go's Duration.Seconds() -> int
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    mins = secs // 60
    if mins < 10:
        return f"{mins}m{secs % 60}s" if secs % 60 else f"{mins}m"
    if mins < 180:
        return f"{mins}m"
    hours = mins // 60
    if hours < 8:
        return f"{hours}h{mins % 60}m" if mins % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years, rest = divmod(days, 365)
    if hours < 24 * 365 * 8:
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"


def spaced_duration(delta: timedelta) -> str:
    """An uptime in whole minutes with spaced units: ``2d 3h 5m``, ``3h 5m``, ``5m`` (seconds dropped)."""
    mins = max(int(delta.total_seconds()), 0) // 60
    hours, mins = divmod(mins, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h {mins}m"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


def rfc3339(ts: datetime | None) -> str | None:
    """Kubernetes' wire form for a timestamp (UTC, seconds, ``Z``), or None."""
    if ts is None:
        return None
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
