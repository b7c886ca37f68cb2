"""The small text helpers every analysis uses for its sentences."""

from __future__ import annotations

from k8s_agent.analysis.text import dedupe


def test_dedupe_keeps_first_occurrences_and_drops_empty_items():
    assert dedupe(["b", "a", "b", "", "a", "c", ""]) == ["b", "a", "c"]
    assert dedupe(["", ""]) == []
    assert dedupe([]) == []
