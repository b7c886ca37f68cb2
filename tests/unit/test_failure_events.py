"""Failure-event analysis on the corpus pods with their recorded events, and on constructed events of both
shapes (classic core/v1 and events.k8s.io eventTime + series): filtering, classification, enrichment from the
pod's state, recurrence, ongoing window, sorting, owner/node events, UID filtering, truncation, the service."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from builders.status import status_event, status_pod
from corpus import corpus_pod
from k8s_agent.analysis.failure_events import ONGOING_MAX_CHARS, analyze_failure_events, recurrence
from k8s_agent.analysis.text import shorten
from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.kube.models import (
    Event,
    EventSeries,
    ObjectReference,
    Pod,
    convert,
)
from k8s_agent.services.failure_events import NODE_EVENTS, NON_POD_EVENTS, pod_failure_events

_AGE = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def clip_chars(text: str) -> str:
    """How an ongoing issue's text is cut."""
    return shorten(text, ONGOING_MAX_CHARS)


def _age(text: str) -> timedelta:
    return timedelta(seconds=sum(int(n) * _UNIT[u] for n, u in _AGE.findall(text)))


def corpus(name: str, now: datetime) -> tuple[Pod, list[Event]]:
    """A corpus pod and its ``_events``: real Event objects, or kubectl-describe rows (``age: 17s (x4 over
    59s)``, ``from``) turned into classic events relative to ``now``."""
    raw = corpus_pod(name, now)
    pod = convert(raw, Pod)
    events = []
    for row in raw.get("_events", []):
        if "age" not in row:
            events.append(convert(row, Event))
            continue
        m = re.match(r"^(\S+)(?: \(x(\d+) over (\S+)\))?$", row["age"])
        last = now - _age(m.group(1))
        first = now - _age(m.group(3)) if m.group(3) else last
        component, _, host = row["from"].partition("/")
        events.append(
            status_event(
                row["reason"],
                row["message"],
                type_=row["type"],
                name=pod.metadata.name,
                namespace=pod.metadata.namespace,
                count=int(m.group(2) or 1),
                first=first,
                last=last,
                component=component,
                host=host,
            )
        )
    return pod, events


def ev(reason, message, *, type_="Warning", first=None, last=None, count=None, name="p", **kw) -> Event:
    return status_event(
        reason,
        message,
        type_=type_,
        first=first,
        last=last,
        count=count,
        name=name,
        component="kubelet",
        host="node-1",
        **kw,
    )


def simple_pod(**status) -> Pod:
    meta = status.pop("metadata", {"uid": "uid-1"})
    spec = status.pop(
        "spec",
        {"nodeName": "node-1", "containers": [{"name": "app", "resources": {"limits": {"memory": "256Mi"}}}]},
    )
    return status_pod(metadata=meta, spec=spec, **status)


NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
CRASHING = dict(
    phase="Running",
    startTime="2025-06-01T10:00:00Z",
    containerStatuses=[
        {
            "name": "app",
            "restartCount": 10,
            "state": {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container=app pod=p_ns(uid-1)",
                }
            },
            "lastState": {
                "terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2025-06-01T11:58:00Z"}
            },
        }
    ],
)


def crashing_replica() -> Pod:
    """Pod ``ns/p`` of ReplicaSet ``web-abc``, crash-looping."""
    owner = {"kind": "ReplicaSet", "name": "web-abc", "uid": "rs-1", "controller": True}
    return simple_pod(metadata={"uid": "uid-1", "ownerReferences": [owner]}, **CRASHING)


# ------------------------------------------------------------------------------------------ corpus pods
def test_init_container_starterror_pod():
    now = datetime(2025, 9, 26, 10, 42, 56, tzinfo=UTC)
    pod, events = corpus("init-container-crashloop-starterror-2025", now)
    r = analyze_failure_events(pod, events, [], [], now)
    assert r.pod_name == "logging-agent" and r.namespace == "default"
    assert (r.pod_phase, r.pod_status) == ("Pending", "Init:CrashLoopBackOff")
    assert r.total_events == 5
    assert [(f.reason, f.category, f.severity, f.count) for f in r.failure_events] == [
        ("BackOff", "ContainerCrash", "critical", 5),  # newest first among criticals
        ("Failed", "ContainerCrash", "critical", 4),
    ]
    assert r.event_categories == {"ContainerCrash": 2}
    assert (r.critical_events, r.warning_events) == (2, 0)
    backoff, failed = r.failure_events
    assert backoff.is_recurring and backoff.recurrence_rate == f"{5 / (56 / 3600):.1f} times per hour"
    assert backoff.time_since_first == "57s"
    assert failed.possible_causes[0] == "Command or entrypoint not found in the image"
    causes = " | ".join(backoff.possible_causes)
    assert "Init container downloader could not be started (StartError, exit code 128)" in causes
    assert "executable file not found in $PATH" in causes
    assert "Init container downloader has restarted 3 times" in causes
    assert "back-off 40s before the next restart" in causes
    assert r.most_recent_issue.reason == "BackOff"
    assert len(r.ongoing_issues) == 2 and all(len(s) <= 100 for s in r.ongoing_issues)
    assert r.ongoing_issues[0].startswith("BackOff: Back-off restarting failed container downloader")


def test_errimagepull_pod_with_real_events():
    now = datetime(2021, 8, 19, 11, 16, 0, tzinfo=UTC)
    pod, events = corpus("errimagepull-to-imagepullbackoff-gke-containerd-2021", now)
    r = analyze_failure_events(pod, events, [], [], now)
    assert r.pod_status == "ErrImagePull" and r.total_events == 6
    assert r.event_categories == {"ImagePull": 4}
    assert (r.critical_events, r.warning_events) == (3, 1)
    reasons = [(f.type, f.reason, f.severity) for f in r.failure_events]
    assert reasons[-1] == ("Normal", "BackOff", "warning")  # the Normal pull back-off, a warning
    pull = next(f for f in r.failure_events if f.message.startswith("Failed to pull image"))
    assert pull.possible_causes[0] == "Image download interrupted or corrupted (or the node's disk is full)"
    assert any(
        c.startswith("Container workspace cannot pull its image (ErrImagePull): rpc error")
        for c in pull.possible_causes
    )
    assert (
        pull.involved_object.kind == "Pod" and pull.involved_object.field_path == "spec.containers{workspace}"
    )
    assert pull.source == "kubelet/gke-gp-prod-ws-us14-us-workspace-pool-61eed5be-kq0k"
    assert len(r.ongoing_issues) == 4
    assert all(len(s) <= 100 for s in r.ongoing_issues)
    assert any(s.endswith("...") and len(s) == 100 for s in r.ongoing_issues)


def test_evicted_pod():
    now = datetime(2020, 2, 17, 14, 10, 0, tzinfo=UTC)
    pod, events = corpus("evicted-diskpressure-gke-2020", now)
    r = analyze_failure_events(pod, events, [], [], now)
    assert (r.pod_phase, r.pod_status) == ("Failed", "Evicted")
    (f,) = r.failure_events
    assert (f.reason, f.category, f.severity) == ("Evicted", "Resource", "critical")
    assert f.message == "The node was low on resource: [DiskPressure]."
    assert f.possible_causes[0] == "Node had condition DiskPressure"
    assert r.ongoing_issues == []  # 8 minutes ago


def test_crashloop_pod_with_constructed_events_go_fix_last_state():
    now = datetime(2018, 12, 2, 9, 30, 0, tzinfo=UTC)
    pod, _ = corpus("crashloopbackoff-minikube-2018", now)
    backoff = ev(
        "BackOff",
        "Back-off restarting failed container",
        name="my-pod",
        count=10,
        first=now - timedelta(hours=1, minutes=25),
        last=now - timedelta(minutes=1),
    )
    r = analyze_failure_events(pod, [backoff], [], [], now)
    (f,) = r.failure_events
    # README's example: causes, then the pod's state; the exit code comes from lastState (Go missed it)
    assert f.possible_causes[:3] == ["Application crash", "Missing dependencies", "Configuration error"]
    assert "Container main exited with code 1 (generic application error)" in f.possible_causes
    assert "Container main has restarted 3 times" in f.possible_causes
    assert f.suggested_action == "Examine container logs and fix application startup issues"
    assert f.time_since_first == "1h25m" and f.recurrence_rate == "7.1 times per hour"
    assert r.pod_status == "CrashLoopBackOff"


def test_oomkilled_pod_with_owner_and_node_events():
    now = datetime(2024, 11, 20, 10, 0, 0, tzinfo=UTC)
    pod, _ = corpus("oomkilled-restarts-gke-2024", now)
    node = pod.spec.node_name
    backoff = ev(
        "BackOff",
        "Back-off restarting failed container oomkilled in pod x",
        name="oomkilled-pod",
        count=9,
        first=now - timedelta(hours=3),
        last=now - timedelta(minutes=2),
    )
    system_oom = ev(
        "SystemOOM",
        "System OOM encountered, victim process: stress, pid: 4242",
        kind="Node",
        name=node,
        first=now - timedelta(minutes=30),
        last=now - timedelta(minutes=30),
        count=1,
    )
    old_oom = ev(
        "SystemOOM",
        "System OOM encountered, victim process: old, pid: 1",
        kind="Node",
        name=node,
        first=datetime(2024, 11, 1, tzinfo=UTC),
        last=datetime(2024, 11, 1, tzinfo=UTC),
    )
    node_ready = ev(
        "NodeReady",
        "Node x status is now: NodeReady",
        type_="Normal",
        kind="Node",
        name=node,
        last=now - timedelta(minutes=1),
    )
    quota = ev(
        "FailedCreate",
        'Error creating: pods "oom-7d9f-abcde" is forbidden: exceeded quota: mem, requested: limits.memory=200Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi',
        kind="ReplicaSet",
        name="oom-7d9f",
        first=now - timedelta(minutes=10),
        last=now - timedelta(minutes=3),
        count=4,
    )
    r = analyze_failure_events(pod, [backoff], [quota], [system_oom, old_oom, node_ready], now)
    assert r.pod_status == "Running"
    by_reason = {f.reason: f for f in r.failure_events}
    assert set(by_reason) == {"BackOff", "SystemOOM", "FailedCreate"}
    assert (
        r.total_events == 1 + 1 + 1
    )  # the pod's, the owner's, and the node's relevant since the pod started
    assert "Container oomkilled was OOMKilled (memory limit 200Mi)" in by_reason["BackOff"].possible_causes
    assert "Container oomkilled has restarted 9 times" in by_reason["BackOff"].possible_causes
    assert (
        by_reason["SystemOOM"].involved_object.kind == "Node"
        and by_reason["SystemOOM"].involved_object.name == node
    )
    assert (
        "Pod QoS class is Burstable - consider setting guaranteed QoS"
        in by_reason["SystemOOM"].possible_causes
    )
    q = by_reason["FailedCreate"]
    assert (q.category, q.severity, q.involved_object.kind) == ("Resource", "critical", "ReplicaSet")
    assert q.possible_causes[0] == "ResourceQuota mem exceeded"
    assert r.event_categories == {"ContainerCrash": 1, "Resource": 2}


# ------------------------------------------------------------------------------------------ constructed events
def test_events_api_shape_series_and_null_counts():
    pod = simple_pod(
        phase="Pending", conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]
    )
    series = Event(
        involved_object=ObjectReference(kind="Pod", name="p", uid="uid-1"),
        reason="FailedScheduling",
        message="0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        type="Warning",
        event_time=NOW - timedelta(minutes=30),
        series=EventSeries(count=7, last_observed_time=NOW - timedelta(minutes=2)),
        reporting_component="default-scheduler",
        reporting_instance="default-scheduler-cp-1",
    )
    single = Event(
        involved_object=ObjectReference(kind="Pod", name="p"),
        reason="FailedScheduling",
        message="0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
        type="Warning",
        event_time=NOW - timedelta(minutes=40),
        reporting_component="default-scheduler",
        count=0,
    )
    r = analyze_failure_events(pod, [single, series], [], [], NOW)
    first, second = r.failure_events
    assert first.message.startswith("0/3 nodes are available: 3 Insufficient cpu")
    assert (first.count, first.first_timestamp, first.last_timestamp) == (
        7,
        "2025-06-01T11:30:00Z",
        "2025-06-01T11:58:00Z",
    )
    assert first.source == "default-scheduler/cp-1"
    assert first.is_recurring and first.recurrence_rate == "15.0 times per hour"
    assert first.time_since_first == "30m"
    assert first.possible_causes[0] == "Scheduler: 0/3 nodes are available: 3 Insufficient cpu"
    assert (second.count, second.is_recurring, second.recurrence_rate) == (1, False, None)
    assert second.first_timestamp == second.last_timestamp == "2025-06-01T11:20:00Z"
    assert second.time_since_first == "40m"
    full = f"FailedScheduling: {series.message}"
    assert r.ongoing_issues == [full[:97] + "..."]


def test_ongoing_window_is_strict_and_includes_warnings():
    pod = simple_pod(**CRASHING)
    at_edge = ev(
        "BackOff", "Back-off restarting failed container app in pod p", last=NOW - timedelta(minutes=5)
    )
    inside = ev(
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        last=NOW - timedelta(minutes=4, seconds=59),
    )
    r = analyze_failure_events(pod, [at_edge, inside], [], [], NOW)
    assert r.ongoing_issues == ["Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503"]
    assert [f.severity for f in r.failure_events] == ["critical", "warning"]


@pytest.mark.parametrize(
    ("count", "span", "recurring", "rate"),
    [
        (5, timedelta(minutes=30), True, "10.0 times per hour"),
        (10, timedelta(hours=1, minutes=25), True, "7.1 times per hour"),
        (4, timedelta(hours=10), True, "0.4 times per hour"),  # Go said "4 times in 10.0 hours"
        (4, timedelta(0), True, None),  # zero span: no rate
        (3, timedelta(hours=1), False, None),  # count > 3 is the Go rule
        (None, timedelta(hours=1), False, None),  # null count is once
    ],
)
def test_recurrence_math(count, span, recurring, rate):
    e = ev("BackOff", "x", count=count, first=NOW - timedelta(hours=2), last=NOW - timedelta(hours=2) + span)
    got_recurring, got_rate, since = recurrence(e, NOW)
    assert (got_recurring, got_rate, since) == (recurring, rate, "2h")


def test_time_since_first_absent_for_future_or_missing_times():
    assert (
        recurrence(
            ev("BackOff", "x", first=NOW + timedelta(seconds=5), last=NOW + timedelta(seconds=5)), NOW
        )[2]
        is None
    )
    assert recurrence(ev("BackOff", "x"), NOW) == (False, None, None)


def test_truncation_counts_characters_not_bytes():
    text = "Liveness probe failed: " + "ошибка ❌ 错误 " * 20
    cut = clip_chars(f"Unhealthy: {text}")
    assert len(cut) == 100 and cut.endswith("...")
    cut.encode("utf-8")  # always valid
    pod = simple_pod(**CRASHING)
    r = analyze_failure_events(pod, [ev("Unhealthy", text, last=NOW)], [], [], NOW)
    assert r.ongoing_issues == [cut]
    assert clip_chars("x" * 100) == "x" * 100


def test_uid_filter_and_combined_prefix():
    pod = simple_pod(**CRASHING)
    mine = ev(
        "BackOff",
        "(combined from similar events): Back-off restarting failed container app in pod p",
        uid="uid-1",
        last=NOW,
    )
    other = ev("BackOff", "Back-off restarting failed container app in pod p", uid="uid-OLD", last=NOW)
    unknown_uid = ev("Failed", 'Error: secret "s" not found', last=NOW - timedelta(minutes=1))
    r = analyze_failure_events(pod, [mine, other, unknown_uid], [], [], NOW)
    assert r.total_events == 2
    assert [f.message for f in r.failure_events] == [
        "Back-off restarting failed container app in pod p",
        'Error: secret "s" not found',
    ]
    assert r.failure_events[1].category == "Other"


def test_sorting_and_most_recent_and_normal_events():
    pod = simple_pod(**CRASHING)
    events = [
        ev(
            "Unhealthy",
            "Liveness probe failed: timeout",
            last=NOW - timedelta(seconds=10),
            count=30,
            first=NOW - timedelta(hours=1),
        ),
        ev("BackOff", "Back-off restarting failed container app in pod p", last=NOW - timedelta(minutes=1)),
        ev(
            "FailedMount",
            'MountVolume.SetUp failed for volume "x" : secret "s" not found',
            last=NOW - timedelta(minutes=20),
        ),
        ev("Pulled", 'Container image "x" already present on machine', type_="Normal", count=10, last=NOW),
        ev("Created", "Created container app", type_="Normal", count=10, last=NOW),
        ev(
            "Killing",
            "Container app failed liveness probe, will be restarted",
            type_="Normal",
            count=3,
            last=NOW - timedelta(seconds=20),
        ),
    ]
    r = analyze_failure_events(pod, events, [], [], NOW)
    assert [f.reason for f in r.failure_events] == ["BackOff", "FailedMount", "Unhealthy", "Killing"]
    assert r.most_recent_issue.reason == "Unhealthy"
    assert r.most_recent_issue.last_timestamp == "2025-06-01T11:59:50Z"
    assert r.total_events == 6 and r.critical_events == 2 and r.warning_events == 2
    probe = r.failure_events[2]
    assert "Container app has restarted 10 times" in probe.possible_causes
    assert "Application too slow to answer the probe" in probe.possible_causes


def test_field_path_targets_the_named_container():
    pod = simple_pod(
        spec={"containers": [{"name": "a"}, {"name": "b"}]},
        phase="Running",
        containerStatuses=[
            {
                "name": "a",
                "restartCount": 2,
                "lastState": {"terminated": {"exitCode": 139, "reason": "Error"}},
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            },
            {
                "name": "b",
                "restartCount": 4,
                "lastState": {"terminated": {"exitCode": 2, "reason": "Error"}},
                "state": {"running": {}},
            },
        ],
    )
    e = ev(
        "BackOff",
        "Back-off restarting failed container a in pod p",
        field_path="spec.containers{a}",
        last=NOW,
    )
    (f,) = analyze_failure_events(pod, [e], [], [], NOW).failure_events
    joined = " | ".join(f.possible_causes)
    assert (
        "Container a exited with code 139 (segmentation fault (SIGSEGV))" in joined
        and "Container b" not in joined
    )


def test_no_events_is_well_formed_and_encodes_with_spec_fields():
    r = analyze_failure_events(simple_pod(phase="Running"), [], [], [], NOW)
    assert (
        r.failure_events == []
        and r.most_recent_issue is None
        and r.ongoing_issues == []
        and r.event_categories == {}
    )
    data = msgspec.json.decode(msgspec.json.encode(r))
    assert set(data) == {
        "podName",
        "namespace",
        "totalEvents",
        "failureEvents",
        "eventCategories",
        "criticalEvents",
        "warningEvents",
        "mostRecentIssue",
        "ongoingIssues",
        "podPhase",
        "podStatus",
        "warnings",
    }
    pod = simple_pod(**CRASHING)
    r = analyze_failure_events(
        pod, [ev("BackOff", "Back-off restarting failed container", last=NOW)], [], [], NOW
    )
    data = msgspec.json.decode(msgspec.json.encode(r))
    assert set(data["failureEvents"][0]) == {
        "type",
        "reason",
        "message",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "source",
        "category",
        "severity",
        "isRecurring",
        "recurrenceRate",
        "timeSinceFirst",
        "possibleCauses",
        "suggestedAction",
        "involvedObject",
    }
    assert data["mostRecentIssue"] == {
        "reason": "BackOff",
        "message": "Back-off restarting failed container",
        "lastTimestamp": "2025-06-01T12:00:00Z",
    }
    assert data["podStatus"] == "CrashLoopBackOff"


# ------------------------------------------------------------------------------------------ the service
class FakeSource:
    description = "fake"

    def __init__(self, pod: Pod | None, events: dict[str, list[Event]], fail: set[str] = frozenset()):
        self.pod, self.events, self.fail, self.calls = pod, events, fail, []

    async def get_pod(self, namespace, name):
        self.calls.append(("get_pod", namespace, name))
        await asyncio.sleep(0)
        if self.pod is None:
            raise NotFound("Pod", name, namespace)
        return self.pod

    async def list_events(self, namespace=None, *, field_selector=""):
        self.calls.append(("list_events", namespace, field_selector))
        await asyncio.sleep(0)
        if field_selector in self.fail:
            raise ServiceUnavailable(details="boom")
        return self.events.get(field_selector, [])


def test_service_reads_owner_and_node_events_and_survives_their_failure():
    pod = crashing_replica()
    pod_sel = "involvedObject.kind=Pod,involvedObject.name=p"
    src = FakeSource(
        pod,
        {
            pod_sel: [ev("BackOff", "Back-off restarting failed container", uid="uid-1", last=NOW)],
            NON_POD_EVENTS: [
                ev(
                    "FailedCreate",
                    "Error creating: exceeded quota: q",
                    kind="ReplicaSet",
                    name="web-abc",
                    last=NOW,
                ),
                # another ReplicaSet's event in the same namespace: not this pod's controller
                ev(
                    "FailedCreate", "Error creating: forbidden", kind="ReplicaSet", name="other-xyz", last=NOW
                ),
            ],
            NODE_EVENTS: [ev("NodeNotReady", "Node is not ready", kind="Node", name="node-1", last=NOW)],
        },
        fail={NODE_EVENTS},
    )
    r = asyncio.run(pod_failure_events(src, "ns", "p", now=NOW))
    assert ("list_events", None, NODE_EVENTS) in src.calls and (
        "list_events",
        "ns",
        NON_POD_EVENTS,
    ) in src.calls
    assert [(f.reason, f.message) for f in r.failure_events] == [
        ("BackOff", "Back-off restarting failed container"),
        ("FailedCreate", "Error creating: exceeded quota: q"),
    ]
    assert r.warnings == ["Events of node node-1 could not be read: Kubernetes API unavailable (boom)"]


def test_service_picks_the_node_events_of_the_pods_node_only():
    pod = simple_pod(**CRASHING)
    src = FakeSource(
        pod,
        {
            NODE_EVENTS: [
                ev("NodeNotReady", "Node is not ready", kind="Node", name="node-1", last=NOW),
                ev("NodeNotReady", "Node is not ready", kind="Node", name="node-2", last=NOW),
            ]
        },
    )
    r = asyncio.run(pod_failure_events(src, "ns", "p", now=NOW))
    assert r.total_events == 1 and r.failure_events[0].involved_object.name == "node-1"


def test_service_makes_one_round_trip():
    """Every read starts before the pod's GET has answered: with 300 ms of API latency a cold answer costs one
    round trip, not two (the owner and the node are picked from the wider lists once the pod is read)."""

    class SlowPod(FakeSource):
        async def get_pod(self, namespace, name):
            self.calls.append(("get_pod", namespace, name))
            await asyncio.sleep(0.05)
            self.calls.append(("pod answered",))
            return self.pod

    pod = crashing_replica()
    src = SlowPod(pod, {})
    asyncio.run(pod_failure_events(src, "ns", "p", now=NOW))
    answered = src.calls.index(("pod answered",))
    assert len(src.calls[:answered]) == 4 and src.calls[answered + 1 :] == []


def test_service_missing_pod_is_not_found():
    with pytest.raises(NotFound):
        asyncio.run(pod_failure_events(FakeSource(None, {}), "ns", "gone", now=NOW))


def test_service_pod_events_failure_is_a_warning():
    pod = simple_pod(spec={"containers": [{"name": "app"}]}, **CRASHING)
    src = FakeSource(pod, {}, fail={"involvedObject.kind=Pod,involvedObject.name=p"})
    r = asyncio.run(pod_failure_events(src, "ns", "p", now=NOW))
    assert r.failure_events == [] and r.pod_status == "CrashLoopBackOff"
    assert r.warnings == ["Events of the pod could not be read: Kubernetes API unavailable (boom)"]
    # no owner and no node: the wider lists were read (together with the GET), and nothing is said of them
    assert [c[0] for c in src.calls] == ["get_pod", "list_events", "list_events", "list_events"]
