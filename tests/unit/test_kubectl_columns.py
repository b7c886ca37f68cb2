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


T0 = datetime(2025, 6, 1, 11, 0, tzinfo=UTC)


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod(init: list[tuple[dict, dict]], app: list[dict], initialized: bool) -> Pod:
    """A pod with init containers (spec, status) and app container statuses, all named as given."""
    return convert(
        {
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {
                "initContainers": [{"name": s["name"], "image": "busybox", **s} for s, _ in init],
                "containers": [{"name": c["name"], "image": "nginx"} for c in app],
            },
            "status": {
                "phase": "Running" if initialized else "Pending",
                "conditions": [{"type": "Initialized", "status": "True" if initialized else "False"}],
                "initContainerStatuses": [{"name": s["name"], "image": "busybox", **st} for s, st in init],
                "containerStatuses": [{"image": "nginx", **c} for c in app],
            },
        },
        Pod,
    )


RUNNING = {"running": {"startedAt": _at(0)}}


def _restarted(count: int, finished: int | None) -> dict:
    last = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": _at(finished)}} if finished else {}
    return {"restartCount": count, "lastState": last}


def test_every_sidecar_counts_in_ready_and_restarts() -> None:
    sidecars = [
        (
            {"name": "proxy", "restartPolicy": "Always"},
            {"ready": True, "started": True, "state": RUNNING, **_restarted(2, 30)},
        ),
        (
            {"name": "log", "restartPolicy": "Always"},
            {"ready": True, "started": True, "state": RUNNING, **_restarted(3, None)},
        ),
    ]
    app = [{"name": "app", "ready": True, "started": True, "state": RUNNING, **_restarted(1, 10)}]
    row = kubectl_row(_pod(sidecars, app, initialized=True))
    # READY 3/3 (both sidecars and the app), RESTARTS 2 + 3 + 1, the latest finish among them (the proxy's)
    assert (row.ready, row.status, row.restarts, row.last_restart) == (
        "3/3",
        "Running",
        6,
        T0 + timedelta(minutes=30),
    )


def test_a_started_sidecar_does_not_hide_the_init_container_after_it() -> None:
    init = [
        ({"name": "proxy", "restartPolicy": "Always"}, {"ready": False, "started": True, "state": RUNNING}),
        (
            {"name": "migrate"},
            {"ready": False, "state": {"waiting": {"reason": "CrashLoopBackOff"}}, **_restarted(4, 20)},
        ),
    ]
    row = kubectl_row(
        _pod(
            init,
            [{"name": "app", "ready": False, "state": {"waiting": {"reason": "PodInitializing"}}}],
            initialized=False,
        )
    )
    assert (row.ready, row.status, row.restarts) == ("0/2", "Init:CrashLoopBackOff", 4)


def test_an_initialized_pod_counts_its_app_containers_even_when_an_init_container_shows_a_failure() -> None:
    # the Initialized condition is True (the init container's status is from an earlier sandbox): kubectl
    # reads the app containers, whose restarts replace the init container's
    init = [
        (
            {"name": "setup"},
            {"ready": False, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}, **_restarted(2, 5)},
        )
    ]
    app = [{"name": "app", "ready": True, "started": True, "state": RUNNING, **_restarted(1, 10)}]
    row = kubectl_row(_pod(init, app, initialized=True))
    assert (row.ready, row.restarts) == ("1/1", 1)
