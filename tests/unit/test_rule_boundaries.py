"""Rules whose wrong twin passed every test before mutation testing found it: who counts as evicted, what a
terminal pod being deleted shows, which frequent Normal events stay routine, the largest quantity suffixes,
and the health score's restart discount between one hour and a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from builders import status
from builders.status import started_pod, status_event, status_pod
from k8s_agent.analysis.failure_events import classify_event
from k8s_agent.analysis.health_score import health_score
from k8s_agent.analysis.podstatus import is_evicted, kubectl_status
from k8s_agent.analysis.quantity import (
    BINARY,
    DECIMAL,
    format_quantity,
    human_bytes,
    units_exact,
    units_human,
)
from k8s_agent.kube.models import Event, Pod

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod(metadata=None, **status) -> Pod:
    return status_pod(metadata=metadata, **status)


# ------------------------------------------------------------------------------------------ evicted or not
def _disruption(reason: str) -> list[dict]:
    return [{"type": "DisruptionTarget", "status": "True", "reason": reason}]


@pytest.mark.parametrize(
    ("reason", "evicted"),
    [
        ("TerminationByKubelet", True),  # node-pressure eviction (1.26+: no status.reason)
        ("EvictionByEvictionAPI", True),  # kubectl drain / the Eviction API
        ("PreemptionByScheduler", False),  # preempted for a higher-priority pod: not an eviction
        ("DeletionByTaintManager", False),  # NoExecute taint
        ("DeletionByPodGC", False),
    ],
)
def test_only_kubelet_and_eviction_api_disruptions_are_evictions(reason, evicted):
    assert is_evicted(_pod(phase="Failed", conditions=_disruption(reason))) is evicted


def test_disruption_condition_must_be_true_and_the_pod_failed():
    false_cond = [{"type": "DisruptionTarget", "status": "False", "reason": "TerminationByKubelet"}]
    assert is_evicted(_pod(phase="Failed", conditions=false_cond)) is False
    assert is_evicted(_pod(phase="Running", conditions=_disruption("TerminationByKubelet"))) is False
    # a pod-level reason other than Evicted says what happened instead
    assert (
        is_evicted(_pod(phase="Failed", reason="OutOfcpu", conditions=_disruption("TerminationByKubelet")))
        is False
    )
    assert is_evicted(_pod(phase="Failed", reason="Evicted")) is True


# ------------------------------------------------------------------------------- terminal pod being deleted
def test_a_failed_pod_being_deleted_keeps_its_status_not_terminating():
    """kubectl's printPod: Terminating only for a pod being deleted that has not reached Succeeded/Failed."""
    deleted = {"deletionTimestamp": _ts(NOW - timedelta(minutes=1))}
    assert kubectl_status(_pod(deleted, phase="Failed")) == "Failed"
    assert kubectl_status(_pod(deleted, phase="Failed", reason="Evicted")) == "Evicted"
    assert kubectl_status(_pod(deleted, phase="Succeeded")) == "Succeeded"
    assert kubectl_status(_pod(deleted, phase="Pending")) == "Terminating"


# ---------------------------------------------------------------------------------- frequent Normal Killing
def _event(reason: str, message: str, *, type_: str = "Normal", count: int = 1) -> Event:
    return status_event(
        reason,
        message,
        type_=type_,
        count=count,
        namespace="ns",
        first=NOW - timedelta(hours=1),
        last=NOW,
        metadata={"name": f"p.{reason}", "namespace": "ns"},
    )


@pytest.mark.parametrize("count", [1, 5, 50])
def test_normal_killing_stays_routine_however_often(count):
    """``Killing`` (the kubelet stopping a container: a rollout, a scale-down, a restart) is routine; the
    failure behind a restart loop is reported by its own events, so repetition does not escalate it."""
    c = classify_event(_event("Killing", "Stopping container app", count=count))
    assert c.severity == "info" and not c.is_failure


def test_killing_on_a_failed_probe_is_a_probe_failure():
    msg = "Container app failed liveness probe, will be restarted"
    c = classify_event(_event("Killing", msg))
    assert c.category == "Probe" and c.severity == "warning"


def test_an_unknown_normal_reason_becomes_a_warning_at_five_repeats():
    assert classify_event(_event("SomethingOdd", "x", count=4)).severity == "info"
    assert classify_event(_event("SomethingOdd", "x", count=5)).severity == "warning"


# ----------------------------------------------------------------------------------- the largest suffixes
def test_exa_suffixes_are_written_as_exa():
    """The largest suffixes are Ei (2^60) and E (10^18): 1Ei, not 1024Pi; 1E, not 1000P."""
    assert format_quantity(Fraction(2**60), BINARY) == "1Ei"
    assert format_quantity(Fraction(3 * 2**60), BINARY) == "3Ei"
    assert format_quantity(Fraction(2**70), BINARY) == "1024Ei"  # no suffix above Ei
    assert format_quantity(Fraction(10**18), DECIMAL) == "1E"
    assert format_quantity(Fraction(10**21), DECIMAL) == "1000E"
    assert units_exact("memory", 2**60) == "1Ei"
    assert units_exact("memory", 2**70) == "1024Ei"
    assert units_exact("pods", 10**18) == "1E"
    assert units_exact("pods", 10**21) == "1000E"
    assert units_exact("cpu", 10**21) == "1E"  # millicores: 10^21 m = 10^18 cores
    assert human_bytes(2**60) == "1Ei"
    assert human_bytes(2**60 - 2**50) == "1023Pi"
    assert units_human("memory", 2**60) == "1Ei"
    assert units_human("memory", 3 * 2**59) == "1.5Ei"


# ------------------------------------------------------------------------------------- restart discount
def _restarted(last: timedelta, restarts: int = 6) -> Pod:
    when = _ts(NOW - last)
    cs = status.running(
        "app", started=when, restarts=restarts, last={"exitCode": 1, "reason": "Error", "finishedAt": when}
    )
    return started_pod(created=_ts(NOW - timedelta(days=3)), statuses=[cs], node="n1", uid="u")


@pytest.mark.parametrize(
    ("last", "weighted", "score"),
    [
        (timedelta(minutes=30), 8, 50),  # within the hour: 1 dated restart x 3 + 5 older x 1
        (timedelta(hours=1), 8, 50),  # exactly an hour ago is still within the hour
        (timedelta(hours=1, seconds=1), 3, 70),  # 1-24 h: older restarts weigh 1/2: 6 x 1/2
        (timedelta(hours=5), 3, 70),
        (timedelta(hours=24), 3, 70),  # exactly a day ago still weighs 1/2
        (timedelta(hours=24, seconds=1), 1.5, 85),  # beyond a day: 1/4
    ],
)
def test_restart_weight_by_age_of_the_last_restart(last, weighted, score):
    r = health_score(_restarted(last), [], NOW)
    comp = r.components["restarts"]
    assert comp.score == score
    assert f"weighted restarts {weighted:g}" in comp.description
