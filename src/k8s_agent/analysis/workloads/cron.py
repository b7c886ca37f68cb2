"""The CronJob schedule language, as the CronJob controller reads it (robfig/cron's standard parser).

Five fields (minute hour day-of-month month day-of-week), each ``*``, ``?`` (day fields), a value, a
range ``a-b``, a step ``*/n`` or ``a-b/n`` or ``a/n``, or a comma list of those; month and weekday names
(``JAN``, ``MON``); weekday 7 is Sunday like 0; the descriptors ``@yearly``/``@annually``, ``@monthly``,
``@weekly``, ``@daily``/``@midnight``, ``@hourly``. As in cron, when both day fields are restricted a
day matches if either does. A leading ``TZ=Zone`` or ``CRON_TZ=Zone`` is accepted (the API server rejects
it since 1.27 in favour of ``spec.timeZone``; old objects may still hold one).

Times are walked minute by minute only inside the matching hours and days, so counting the schedule times
in a long window stays cheap; counts stop at a cap (the controller itself gives up past 100 missed starts).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {n: i + 1 for i, n in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {n: i for i, n in enumerate("sun mon tue wed thu fri sat".split())}
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class CronError(ValueError):
    pass


def _value(text: str, names: dict[str, int]) -> int:
    t = text.strip().lower()
    if t in names:
        return names[t]
    if not t.isdigit():
        raise CronError(f"{text!r} is not a number")
    return int(t)


def _field(text: str, lo: int, hi: int, names: dict[str, int] | None = None) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it was a bare ``*``/``?`` (unrestricted)."""
    names = names or {}
    out: set[int] = set()
    star = False
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _value(step_text, {})
            if step <= 0:
                raise CronError(f"step {step_text!r} must be positive")
        if part in ("*", "?"):
            a, b = lo, hi
            star = star or step == 1
        elif "-" in part:
            a_text, b_text = part.split("-", 1)
            a, b = _value(a_text, names), _value(b_text, names)
        else:
            a = _value(part, names)
            b = hi if step != 1 else a
        if a < lo or b > hi or a > b:
            raise CronError(f"{part!r} is outside {lo}-{hi}")
        out.update(range(a, b + 1, step))
    return frozenset(out), star


class Schedule:
    __slots__ = ("minutes", "hours", "days", "months", "weekdays", "dom_star", "dow_star", "tz")

    def __init__(self, spec: str, time_zone: str | None = None) -> None:
        text = spec.strip()
        zone = time_zone or ""
        for prefix in ("CRON_TZ=", "TZ="):
            if text.startswith(prefix):
                zone, _, text = text[len(prefix) :].partition(" ")
                text = text.strip()
        text = _DESCRIPTORS.get(text.lower(), text)
        if text.startswith("@every"):
            raise CronError("@every schedules are not supported by the CronJob controller's parser here")
        fields = text.split()
        if len(fields) != 5:
            raise CronError(f"expected 5 fields, found {len(fields)} in {spec!r}")
        self.minutes, _ = _field(fields[0], 0, 59)
        self.hours, _ = _field(fields[1], 0, 23)
        self.days, self.dom_star = _field(fields[2], 1, 31)
        self.months, _ = _field(fields[3], 1, 12, _MONTHS)
        dow, self.dow_star = _field(fields[4], 0, 7, _DAYS)
        self.weekdays = frozenset(d % 7 for d in dow)
        try:
            self.tz: tzinfo | None = ZoneInfo(zone) if zone else None
        except (ZoneInfoNotFoundError, ValueError):
            raise CronError(f"unknown time zone {zone!r}") from None

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def times(self, after: datetime, until: datetime, cap: int = 100) -> list[datetime]:
        """Schedule times ``t`` with ``after < t <= until`` (at most ``cap``), in ``after``'s time zone."""
        out: list[datetime] = []
        tz = self.tz or after.tzinfo
        t = after.astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
        end = until.astimezone(tz)
        while t <= end and len(out) < cap:
            if t.month not in self.months or not self._day_matches(t):
                t = (t + timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if t.hour not in self.hours:
                t = (t + timedelta(hours=1)).replace(minute=0)
                continue
            if t.minute in self.minutes:
                out.append(t.astimezone(after.tzinfo))
            t += timedelta(minutes=1)
        return out

    def next_after(self, after: datetime) -> datetime | None:
        """The first schedule time after ``after`` within about four years (None for 30 February)."""
        found = self.times(after, after + timedelta(days=366 * 4 + 1), cap=1)
        return found[0] if found else None
