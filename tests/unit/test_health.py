"""Pod health score on the corpus pods (real kubelet status shapes) and on constructed pods: healthy pods
score >= 90, crash loops low, pending/unschedulable and gated pods are not "healthy", the Go documentation's
worked example re-computed under the new formula, and the defects the Go service had (no-status pods at 100,
crash loops rewarded by uptime, events with a null lastTimestamp ignored, exit 0 counted unhealthy)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from builders import status
from builders.status import started_pod, status_event, waiting
from corpus import corpus_pod
from k8s_agent.analysis.health_score import (
    WEIGHTS,
    component_status,
    go_duration,
    health_score,
    overall_status,
)
from k8s_agent.analysis.text import spaced_duration
from k8s_agent.kube.models import Event, Pod, convert

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**kw) -> str:
    return ts(NOW - timedelta(**kw))


def corpus(name: str, now: datetime = NOW) -> tuple[Pod, list[Event]]:
    raw = corpus_pod(name, now)
    return convert(raw, Pod), [convert(e, Event) for e in raw.get("_events", [])]


def make_pod(*, created=None, containers=None, status_extra=None, **kw) -> Pod:
    """A scheduled pod ``p`` created two days ago, ready, with one container running since then."""
    statuses = [running("app")] if containers is None else containers
    return started_pod(created=created or ago(days=2), statuses=statuses, **kw, **(status_extra or {}))


def running(name, ready=True, restarts=0, started=None, last=None) -> dict:
    return status.running(name, ready=ready, restarts=restarts, started=started or ago(days=2), last=last)


def terminated(name, exit_code=0, reason="Completed", restarts=0) -> dict:
    return status.terminated(
        name, exit_code, reason, started=ago(hours=1), finished=ago(minutes=30), restarts=restarts
    )


def event(reason, type_="Warning", count=1, last=None, uid="uid-1", **extra) -> Event:
    when = last or ago(minutes=1)
    return status_event(
        reason,
        f"{reason} happened",
        type_=type_,
        name="p",
        namespace="ns",
        uid=uid,
        count=count,
        first=when,
        last=when,
        metadata={"name": f"p.{reason}", "namespace": "ns"},
        **extra,
    )


def scores(r) -> dict[str, int]:
    return {k: v.score for k, v in r.components.items()}


# ------------------------------------------------------------------------------------------ shape
def test_weights_labels_and_formats():
    assert sum(WEIGHTS.values()) == 1
    assert list(WEIGHTS) == ["restarts", "containerStates", "events", "conditions", "scheduling"]
    assert [overall_status(s) for s in (100, 90, 89, 70, 69, 50, 49, 30, 29, 0)] == [
        "Healthy", "Healthy", "Good", "Good", "Warning", "Warning", "Degraded", "Degraded", "Critical", "Critical",
    ]  # fmt: skip
    assert [component_status(s) for s in (90, 70, 50, 30, 29)] == [
        "Excellent",
        "Good",
        "Fair",
        "Poor",
        "Critical",
    ]
    assert spaced_duration(timedelta(days=2, hours=3, minutes=5, seconds=9)) == "2d 3h 5m"
    assert spaced_duration(timedelta(hours=3, minutes=5)) == "3h 5m"
    assert spaced_duration(timedelta(seconds=59)) == "0m"
    assert go_duration("5m0s") == timedelta(minutes=5)
    assert go_duration("1h2m3.5s") == timedelta(hours=1, minutes=2, seconds=3.5)
    assert go_duration("") is None


def test_response_shape():
    r = health_score(make_pod(), [], NOW)
    wire = msgspec.json.decode(msgspec.json.encode(r))
    assert set(wire) == {
        "podName",
        "namespace",
        "overallScore",
        "status",
        "components",
        "calculatedAt",
        "details",
        "warnings",
    }
    assert set(wire["components"]["restarts"]) == {"name", "score", "weight", "status", "description"}
    assert wire["components"]["restarts"]["weight"] == 0.3
    assert {"restartCount", "restartsLastHour", "lastRestartTime", "lastRestartReason", "containerStatuses",
            "recentEvents", "podConditions", "uptime"} <= set(wire["details"])  # fmt: skip
    assert wire["calculatedAt"] == "2025-01-01T12:00:00Z"
    assert wire["details"]["uptime"] == "2d 0h 0m"


# ------------------------------------------------------------------------------------------ constructed pods
def test_healthy_pod_scores_100():
    r = health_score(make_pod(), [event("Pulled", type_="Normal")], NOW)
    assert r.overall_score == 100 and r.status == "Healthy"
    assert all(c.status == "Excellent" for c in r.components.values())
    assert r.details.recent_events[0].reason == "Pulled"


def test_young_healthy_pod_is_not_penalised():
    p = make_pod(created=ago(seconds=40), containers=[running("app", started=ago(seconds=35))])
    assert health_score(p, [], NOW).overall_score == 100


def test_old_restarts_weigh_less_than_recent_ones():
    old = make_pod(containers=[running("app", restarts=3, started=ago(days=1, hours=1),
                                       last={"exitCode": 1, "reason": "Error", "finishedAt": ago(days=1, hours=1)})])  # fmt: skip
    recent = make_pod(containers=[running("app", restarts=3, started=ago(minutes=10),
                                          last={"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=10)})])  # fmt: skip
    r_old, r_recent = health_score(old, [], NOW), health_score(recent, [], NOW)
    assert r_old.components["restarts"].score == 85  # E = 3/4
    assert r_old.overall_score == 96 and r_old.status == "Healthy"
    assert r_recent.details.restarts_last_hour == 1
    assert r_recent.components["restarts"].score == 70  # E = 3 + 2 = 5
    assert r_recent.overall_score < r_old.overall_score
    assert r_recent.details.last_restart_reason == "Error (exit code 1)"
    assert r_recent.details.last_restart_time == ago(minutes=10)


def test_young_pod_restarts_all_count_as_last_hour():
    p = make_pod(created=ago(minutes=20), containers=[running("app", restarts=4, started=ago(minutes=2))])
    r = health_score(p, [], NOW)
    assert r.details.restarts_last_hour == 4
    assert r.components["restarts"].score == 30  # E = 12


def test_last_restart_is_the_most_recent_across_containers():
    p = make_pod(
        containers=[
            running(
                "a",
                restarts=1,
                started=ago(minutes=5),
                last={"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(minutes=5)},
            ),
            running(
                "b",
                restarts=1,
                started=ago(hours=5),
                last={"exitCode": 2, "reason": "Error", "finishedAt": ago(hours=5)},
            ),
        ]
    )
    r = health_score(p, [], NOW)
    assert r.details.last_restart_container == "a"
    assert r.details.last_restart_reason == "OOMKilled (exit code 137)"
    assert r.components["containerStates"].score == 60  # running again after an OOM kill 5m ago


def test_go_worked_example_recomputed():
    """docs/health-score.md: 2 h old pod, 10 restarts, CrashLoopBackOff (back-off 5m0s) after a run from 7 to
    3 minutes ago, one BackOff warning 3 minutes ago, Ready and ContainersReady False."""
    p = make_pod(
        created=ago(hours=2),
        containers=[
            waiting(
                "app",
                "CrashLoopBackOff",
                "back-off 5m0s restarting failed container=app pod=p_ns(uid-1)",
                restarts=10,
                last={
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": ago(minutes=7),
                    "finishedAt": ago(minutes=3),
                },
            )
        ],
        conditions=[
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
            {"type": "PodScheduled", "status": "True"},
        ],
    )
    r = health_score(p, [event("BackOff", last=ago(minutes=3))], NOW)
    assert r.details.restarts_last_hour == 7  # 1 + floor(57 min / (4 min run + 5 min back-off))
    assert scores(r) == {
        "restarts": 10,
        "containerStates": 20,
        "events": 40,
        "conditions": 50,
        "scheduling": 100,
    }
    assert r.overall_score == 34  # 3 + 5 + 8 + 7.5 + 10 = 33.5, rounded half up
    assert r.status == "Degraded"


def test_crash_loop_is_not_rewarded_by_uptime():
    crash = make_pod(containers=[waiting("app", "CrashLoopBackOff", restarts=1,
                                         last={"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=1)})])  # fmt: skip
    r = health_score(crash, [], NOW)
    assert "uptime" not in r.components
    assert r.components["containerStates"].score == 20
    assert r.overall_score < health_score(make_pod(), [], NOW).overall_score - 20


def test_pod_without_container_statuses_is_not_100():
    fresh = make_pod(created=ago(seconds=30), node="", phase="Pending", containers=[], conditions=[])
    r = health_score(fresh, [], NOW)
    assert r.components["containerStates"].score == 70
    assert r.components["conditions"].score == 50
    assert r.components["scheduling"].score == 70
    stuck = make_pod(created=ago(minutes=30), node="", phase="Pending", containers=[], conditions=[])
    r = health_score(stuck, [], NOW)
    assert r.components["containerStates"].score == 30
    assert r.components["scheduling"].score == 30
    assert r.overall_score < 70


def test_pending_unschedulable_scores_low():
    p = make_pod(
        created=ago(minutes=20),
        node="",
        phase="Pending",
        containers=[],
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            }
        ],
    )
    # the scheduler writes through events.k8s.io: null lastTimestamp/count, eventTime + series
    sched = event("FailedScheduling", count=None, last=None, lastTimestamp=None, firstTimestamp=None,
                  eventTime=ago(minutes=19), series={"count": 4, "lastObservedTime": ago(minutes=2)})  # fmt: skip
    r = health_score(p, [sched], NOW)
    assert scores(r) == {
        "restarts": 100,
        "containerStates": 30,
        "events": 30,
        "conditions": 30,
        "scheduling": 0,
    }
    assert r.overall_score == 48 and r.status == "Degraded"
    assert r.components["scheduling"].description.startswith("unschedulable: 0/3 nodes are available")
    (ev,) = r.details.recent_events
    assert (ev.reason, ev.count, ev.last_seen) == ("FailedScheduling", 4, ago(minutes=2))


def test_scheduling_gated_and_nominated():
    gated = make_pod(created=ago(hours=1), node="", phase="Pending", containers=[], gates=("example.com/quota",),
                     conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}])  # fmt: skip
    r = health_score(gated, [], NOW)
    assert r.components["scheduling"].score == 50
    assert "example.com/quota" in r.components["scheduling"].description
    nominated = make_pod(created=ago(minutes=2), node="", phase="Pending", containers=[], status_extra={"nominatedNodeName": "n7"},
                         conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}])  # fmt: skip
    assert health_score(nominated, [], NOW).components["scheduling"].score == 60


def test_completed_job_pod_is_healthy():
    p = make_pod(
        restart_policy="Never",
        phase="Succeeded",
        containers=[terminated("job")],
        conditions=[
            {"type": "PodReadyToStartContainers", "status": "False"},
            {"type": "Initialized", "status": "True", "reason": "PodCompleted"},
            {"type": "Ready", "status": "False", "reason": "PodCompleted"},
            {"type": "ContainersReady", "status": "False", "reason": "PodCompleted"},
            {"type": "PodScheduled", "status": "True"},
        ],
    )
    r = health_score(p, [], NOW)
    assert r.overall_score == 100, scores(r)
    assert r.details.container_statuses[0].state == "Terminated"
    assert r.details.container_statuses[0].exit_code == 0


def test_failed_pod_is_critical():
    p = make_pod(restart_policy="Never", phase="Failed", containers=[terminated("job", exit_code=2, reason="Error")],
                 conditions=[{"type": "Ready", "status": "False", "reason": "PodFailed"}])  # fmt: skip
    r = health_score(p, [], NOW)
    assert r.components["containerStates"].score == 20
    assert r.overall_score == 20 and r.status == "Critical"


def test_init_containers_and_sidecars():
    p = convert(
        {
            "metadata": {"name": "p", "namespace": "ns", "uid": "u", "creationTimestamp": ago(hours=3)},
            "spec": {
                "nodeName": "n",
                "initContainers": [{"name": "setup"}, {"name": "proxy", "restartPolicy": "Always"}],
                "containers": [{"name": "app"}],
            },
            "status": {
                "phase": "Running",
                "conditions": [
                    {"type": t, "status": "True"}
                    for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                ],
                "initContainerStatuses": [terminated("setup"), running("proxy", ready=False)],
                "containerStatuses": [running("app")],
            },
        },
        Pod,
    )
    r = health_score(p, [], NOW)
    kinds = [(c.name, c.kind) for c in r.details.container_statuses]
    assert kinds == [("setup", "init"), ("proxy", "sidecar"), ("app", "app")]
    # the init container that completed is fine; the sidecar that is not ready caps the component
    assert r.components["containerStates"].score == 60
    assert "proxy: running, not ready" in r.components["containerStates"].description


def test_image_pull_and_config_errors():
    for reason, expected in (("ImagePullBackOff", 30), ("ErrImagePull", 30), ("CreateContainerConfigError", 30),
                             ("ContainerCreating", 40), ("SomethingElse", 50)):  # fmt: skip
        p = make_pod(created=ago(minutes=30), containers=[waiting("app", reason)])
        assert health_score(p, [], NOW).components["containerStates"].score == expected, reason
    young = make_pod(created=ago(minutes=1), containers=[waiting("app", "ContainerCreating")])
    assert health_score(young, [], NOW).components["containerStates"].score == 70


def test_events_both_shapes_window_recency_and_uid():
    p = make_pod()
    evs = [
        event("Unhealthy", count=12, last=ago(minutes=10)),
        event("FailedMount", last=ago(hours=3)),  # older than an hour: 30 -> 65
        event("BackOff", last=ago(hours=30)),  # outside the 24 h window
        event("Failed", uid="another-pod-with-the-same-name"),  # an earlier pod: ignored
        event("Killing", type_="Normal"),
    ]
    r = health_score(p, evs, NOW)
    assert r.components["events"].score == 50
    assert r.components["events"].description.startswith("13 warning events in last 24h (2 reasons)")
    assert [e.reason for e in r.details.recent_events] == ["Killing", "Unhealthy", "FailedMount"]
    only_old = health_score(p, [event("FailedMount", last=ago(hours=3))], NOW)
    assert only_old.components["events"].score == 65
    # events.k8s.io shape: no lastTimestamp, no count
    series = event("Unhealthy", count=None, lastTimestamp=None, firstTimestamp=None, eventTime=ago(minutes=50),
                   series={"count": 7, "lastObservedTime": ago(minutes=5)})  # fmt: skip
    r = health_score(p, [series], NOW)
    assert r.components["events"].score == 50
    assert r.details.recent_events[0].count == 7
    single = event("Unhealthy", count=None, lastTimestamp=None, firstTimestamp=None, eventTime=ago(minutes=5))
    assert health_score(p, [single], NOW).components["events"].score == 50


def test_disruption_target_and_missing_conditions():
    p = make_pod(conditions=[
        {"type": "Ready", "status": "True"},
        {"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"},
    ])  # fmt: skip
    assert health_score(p, [], NOW).components["conditions"].score == 30


def test_score_is_stable():
    p = make_pod(containers=[waiting("app", "CrashLoopBackOff", restarts=5,
                                     last={"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=2)})])  # fmt: skip
    evs = [
        event(r, last=ago(minutes=i + 1)) for i, r in enumerate(("BackOff", "Unhealthy", "Failed", "Other"))
    ]
    first = msgspec.json.encode(health_score(p, evs, NOW))
    for seed in range(5):
        shuffled = evs[:]
        random.Random(seed).shuffle(shuffled)
        assert msgspec.json.encode(health_score(p, shuffled, NOW)) == first


# ------------------------------------------------------------------------------------------ corpus pods
CRASHLOOP = ("crashloopbackoff-minikube-2018", datetime(2018, 12, 2, 9, 21, 0, tzinfo=UTC))
ERRIMAGEPULL = (
    "errimagepull-to-imagepullbackoff-gke-containerd-2021",
    datetime(2021, 8, 19, 11, 16, 0, tzinfo=UTC),
)
STARTERROR = ("init-container-crashloop-starterror-2025", datetime(2025, 9, 26, 10, 43, 0, tzinfo=UTC))
PENDING = (
    "pending-unschedulable-insufficient-cpu-2019-partial",
    datetime(2019, 11, 11, 12, 40, 0, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("case", "restarts", "states", "events", "conditions", "scheduling", "overall", "status"),
    [
        # pod 1.4 min old: its 3 restarts are all in the last hour (E = 9)
        (CRASHLOOP, 50, 20, 100, 50, 100, 58, "Warning"),
        (ERRIMAGEPULL, 100, 30, 30, 50, 100, 61, "Warning"),
        (STARTERROR, 50, 20, 100, 50, 100, 58, "Warning"),
        # no metadata: ages come from the condition's lastTransitionTime (11 minutes)
        (PENDING, 100, 30, 100, 30, 0, 62, "Warning"),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) else None,
)
def test_corpus_component_scores(case, restarts, states, events, conditions, scheduling, overall, status):
    name, now = case
    r = health_score(*corpus(name, now), now)
    assert scores(r) == {
        "restarts": restarts,
        "containerStates": states,
        "events": events,
        "conditions": conditions,
        "scheduling": scheduling,
    }
    assert (r.overall_score, r.status) == (overall, status)


def test_corpus_crashloop_minikube():
    name, now = CRASHLOOP
    r = health_score(*corpus(name, now), now)
    assert r.details.restarts_last_hour == 3
    assert r.details.container_statuses[0].reason == "CrashLoopBackOff"
    assert r.details.last_restart_reason == "Error (exit code 1)"


def test_corpus_errimagepull():
    name, now = ERRIMAGEPULL
    r = health_score(*corpus(name, now), now)
    reasons = {(e.type, e.reason): e.count for e in r.details.recent_events}
    assert reasons[("Warning", "Failed")] == 3
    assert reasons[("Normal", "BackOff")] == 1


def test_corpus_evicted():
    now = datetime(2020, 2, 17, 14, 5, 0, tzinfo=UTC)
    pod, events = corpus("evicted-diskpressure-gke-2020", now)
    r = health_score(pod, events, now)
    assert r.components["containerStates"].score == 20
    assert "evicted" in r.components["containerStates"].description
    assert r.components["events"].score == 30
    assert r.overall_score == 20 and r.status == "Critical"


def test_corpus_init_container_starterror():
    name, now = STARTERROR
    r = health_score(*corpus(name, now), now)
    assert r.details.container_statuses[0].kind == "init"
    assert r.details.container_statuses[0].last_termination_exit_code == 128
    # later, the same crash loop in an older pod: the StartError run (startedAt 1970) counts as no run time
    later = now + timedelta(hours=2)
    pod2, _ = corpus(name, later)
    raw = msgspec.json.decode(msgspec.json.encode(pod2))
    raw["status"]["initContainerStatuses"][0]["lastState"]["terminated"]["finishedAt"] = ts(
        later - timedelta(minutes=1)
    )
    r2 = health_score(convert(raw, Pod), [], later)
    # back-off 40s: 1 + floor(59 min / 40 s) = 89, capped by restartCount 3
    assert r2.details.restarts_last_hour == 3


def test_corpus_oomkilled_with_placeholders():
    now = datetime(2024, 11, 20, 12, 0, 0, tzinfo=UTC)
    pod, events = corpus("oomkilled-restarts-gke-2024", now)
    r = health_score(pod, events, now)
    cs = r.details.container_statuses[0]
    assert (cs.state, cs.restart_count, cs.last_termination_reason, cs.last_termination_exit_code) == (
        "Running",
        9,
        "OOMKilled",
        1,
    )
    assert cs.last_termination_time == "2024-11-20T10:00:00Z"  # @now-2h
    # the current run started @now-5m: that restart is in the last hour
    assert r.details.last_restart_time == "2024-11-20T11:55:00Z"
    assert r.details.restarts_last_hour == 1
    assert r.components["restarts"].score == 30  # E = 3 + 8
    assert r.components["containerStates"].score == 60  # running, not ready
    assert r.overall_score == 62 and r.status == "Warning"


def test_corpus_pending_unschedulable_partial_object():
    name, now = PENDING
    assert health_score(*corpus(name, now), now).details.uptime is None


@pytest.mark.parametrize(
    "name",
    [
        "crashloopbackoff-minikube-2018",
        "errimagepull-to-imagepullbackoff-gke-containerd-2021",
        "evicted-diskpressure-gke-2020",
        "init-container-crashloop-starterror-2025",
        "oomkilled-restarts-gke-2024",
        "pending-unschedulable-insufficient-cpu-2019-partial",
    ],
)
def test_corpus_pods_are_not_healthy(name):
    pod, events = corpus(name)
    assert health_score(pod, events, NOW).status != "Healthy"
