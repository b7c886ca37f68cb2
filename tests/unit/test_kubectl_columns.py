"""READY, STATUS and RESTARTS as ``kubectl get pods`` prints them.

The expectations in ``tests/fixtures/kubectl/printed-pods.json`` were written by kubectl 1.36.3's own pod
printer for each pod at a recorded time; the rules below are also stated case by case, so that a wrong
answer names the rule it breaks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from corpus import FIXTURES
from k8s_agent.analysis.podstatus import kubectl_row
from k8s_agent.analysis.text import human_duration
from k8s_agent.kube.models import Pod, convert

PRINTED = json.loads((FIXTURES / "kubectl" / "printed-pods.json").read_text())
NOW = datetime.fromisoformat(PRINTED["now"].replace("Z", "+00:00")[:26] + "+00:00")


@pytest.mark.parametrize(
    "case",
    PRINTED["cases"],
    ids=[
        f"{i}-{c['pod'].get('metadata', {}).get('name') or 'unnamed'}" for i, c in enumerate(PRINTED["cases"])
    ],
)
def test_columns_match_kubectl(case: dict) -> None:
    row = kubectl_row(convert(case["pod"], Pod))
    assert (row.ready, row.status, row.restarts_text(NOW)) == (
        case["ready"],
        case["status"],
        case["restarts"],
    )


def _by_name(name: str) -> dict:
    return next(c for c in PRINTED["cases"] if c["pod"].get("metadata", {}).get("name") == name)


@pytest.mark.parametrize(
    ("name", "ready", "restarts"),
    [
        # a sidecar (restartable init container) counts in READY, and its restarts count once initialized
        ("sidecar-ready", "2/2", 3),
        ("sidecar-not-ready", "1/2", 0),
        # a finished init container's restarts stop counting once the pod is initialized
        ("init-done-restarts-dropped", "1/1", 0),
        # while initializing, the init containers gone through so far count
        ("init-second-running", "0/1", 2),
        ("init-crashloop", "0/1", 5),
        # a container restarted without a recorded finish time shows the count alone
        ("restart-without-time", "1/1", 3),
    ],
)
def test_rules(name: str, ready: str, restarts: int) -> None:
    row = kubectl_row(convert(_by_name(name)["pod"], Pod))
    assert (row.ready, row.restarts) == (ready, restarts)


def test_restart_time_is_the_latest_finish_of_the_counted_containers() -> None:
    row = kubectl_row(convert(_by_name("sidecar-ready")["pod"], Pod))
    # the sidecar's restart ended 40 s before the app's (700 s): the later one is shown
    assert row.last_restart is not None and (NOW - row.last_restart) < timedelta(seconds=60)
    assert row.restarts_text(NOW).startswith("3 (") and row.restarts_text(NOW).endswith(" ago)")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (599, "9m59s"),
        (600, "10m"),
        (10799, "179m"),
        (10800, "3h"),
        (28799, "7h59m"),
        (28800, "8h"),
        (172799, "47h"),
        (172800, "2d"),
        (691199, "7d23h"),
        (691200, "8d"),
        (63071999, "729d"),
        (63072000, "2y"),
        (252287999, "7y364d"),
        (252288000, "8y"),
        (-1, "0s"),
        (-3, "<invalid>"),
    ],
)
def test_human_duration_matches_apimachinery(seconds: int, text: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == text


def test_no_restart_time_before_any_restart() -> None:
    row = kubectl_row(convert(_by_name("two-ready")["pod"], Pod))
    assert row.restarts_text(datetime(2030, 1, 1, tzinfo=UTC)) == "0"
