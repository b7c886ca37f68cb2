"""The small text helpers every analysis uses for its sentences."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from k8s_agent.analysis.text import compact_duration, dedupe, human_duration, rfc3339


def test_dedupe_keeps_first_occurrences_and_drops_empty_items():
    assert dedupe(["b", "a", "b", "", "a", "c", ""]) == ["b", "a", "c"]
    assert dedupe(["", ""]) == []
    assert dedupe([]) == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h"),
        (2 * 3600 + 5 * 60 + 59, "2h5m"),
        (2 * 86400 + 4 * 3600 + 59, "2d4h"),
        (5 * 86400 + 3599, "5d"),
        (-90, "-1m"),  # a time ahead of the clock (skew) keeps its sign
        (-1, "-1s"),
    ],
)
def test_compact_duration_writes_two_units_truncated_like_the_age_column(seconds: int, text: str):
    assert compact_duration(timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-2, "<invalid>"),  # more than a second ahead
        (610, "10m"),  # from 10 minutes on, no seconds
        (193 * 3600, "8d"),  # from 8 days on, no hours
    ],
)
def test_human_duration_at_the_edges_of_its_units(seconds: int, text: str):
    assert human_duration(timedelta(seconds=seconds)) == text


@pytest.fixture
def new_york_local_time(monkeypatch):
    """The process's local time zone is New York's (the agent's host may run in any zone)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_rfc3339_is_utc_whatever_the_local_time_zone(new_york_local_time):
    paris = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2025, 6, 1, 14, 0, 5, 999, tzinfo=paris)) == "2025-06-01T12:00:05Z"
    assert rfc3339(datetime(2025, 6, 1, 12, 0, tzinfo=UTC)) == "2025-06-01T12:00:00Z"
    assert rfc3339(None) is None
