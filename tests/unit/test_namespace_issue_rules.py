"""Each issue rule of the namespace analysis stated in full (type, description, severity, details) on the
pod status the kubelet and the scheduler report, and the report's own columns, order and summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from builders.status import running, status_event, status_pod, terminated, waiting
from k8s_agent.analysis.namespace_errors import (
    analyze_namespace,
    index_recent_warnings,
    pod_issues,
    recent_events,
)
from k8s_agent.kube.models import ReplicaSet
from k8s_agent.schemas.namespace_errors import PodIssue

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
EXIT_1 = "exit code 1 (generic application error)"
EXIT_2 = "exit code 2 (misuse of a shell builtin or application-defined error)"
EXIT_137 = "exit code 137 (killed by SIGKILL (OOM kill, kill after the grace period, or liveness-probe restart; check the reason))"
EXIT_143 = "exit code 143 (terminated by SIGTERM (graceful stop: rolling update, eviction or probe restart))"
PENDING_10M = "Pod has been pending for 10m"


def ts(ago: timedelta) -> str:
    return (NOW - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(
    *statuses,
    phase="Running",
    age: timedelta | None = timedelta(hours=2),
    node="node-1",
    gates=(),
    conditions=(),
    name="p",
    uid="uid-p",
    owners=(),
    **status,
):
    meta = {"uid": uid, "ownerReferences": list(owners)}
    if age is not None:
        meta["creationTimestamp"] = ts(age)
    spec = {
        "nodeName": node,
        "containers": [{"name": s["name"]} for s in statuses] or [{"name": "app"}],
        "schedulingGates": [{"name": g} for g in gates],
    }
    return status_pod(
        name,
        "shop",
        metadata=meta,
        spec=spec,
        phase=phase,
        conditions=list(conditions),
        containerStatuses=list(statuses),
        **status,
    )


def issue(kind, description, severity, details):
    return PodIssue(type=kind, description=description, severity=severity, details=details)


def scheduled_false(reason, message, ago=timedelta(minutes=10)):
    return {
        "type": "PodScheduled",
        "status": "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": ts(ago),
    }


CRASH_MSG = "back-off 5m0s restarting failed container=app pod=p_shop(uid-p)"
PULL_ERR = 'ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/web:nope": not found'


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        # crash loops: the back-off message, then the last termination (reason, code, signal, message)
        (
            pod(
                waiting(
                    "app",
                    "CrashLoopBackOff",
                    CRASH_MSG,
                    3,
                    {"exitCode": 1, "reason": "Error", "message": "panic: boom"},
                )
            ),
            [
                issue(
                    "CrashLoopBackOff",
                    "Container app is in CrashLoopBackOff state",
                    "critical",
                    f"{CRASH_MSG}; last termination: Error, {EXIT_1}: panic: boom",
                )
            ],
        ),
        (
            pod(waiting("app", "CrashLoopBackOff", "", 3, {"exitCode": 143, "signal": 15})),
            [
                issue(
                    "CrashLoopBackOff",
                    "Container app is in CrashLoopBackOff state",
                    "critical",
                    f"last termination: Error, {EXIT_143}, signal 15",
                )
            ],
        ),
        (
            pod(waiting("app", "CrashLoopBackOff", CRASH_MSG, 3)),
            [issue("CrashLoopBackOff", "Container app is in CrashLoopBackOff state", "critical", CRASH_MSG)],
        ),
        # pull errors: the error the back-off carries, else the waiting message
        (
            pod(
                waiting("app", "ImagePullBackOff", f'Back-off pulling image "web:nope": {PULL_ERR}'),
                phase="Pending",
                age=timedelta(minutes=1),
            ),
            [
                issue(
                    "ImagePullError",
                    "Container app has image pull error: ImagePullBackOff",
                    "critical",
                    PULL_ERR,
                )
            ],
        ),
        (
            pod(
                waiting("app", "ImagePullBackOff", 'Back-off pulling image "web:nope"'),
                phase="Pending",
                age=timedelta(minutes=1),
            ),
            [
                issue(
                    "ImagePullError",
                    "Container app has image pull error: ImagePullBackOff",
                    "critical",
                    'Back-off pulling image "web:nope"',
                )
            ],
        ),
        (
            pod(
                waiting("app", "CreateContainerConfigError", 'secret "db" not found'),
                phase="Pending",
                age=timedelta(minutes=1),
            ),
            [
                issue(
                    "Failed",
                    "Container app cannot start: CreateContainerConfigError",
                    "critical",
                    'secret "db" not found',
                )
            ],
        ),
        # OOM kills: a warning once the container runs again, critical while it is down
        (
            pod(
                running(
                    "app",
                    restarts=2,
                    last={
                        "exitCode": 137,
                        "reason": "OOMKilled",
                        "finishedAt": ts(timedelta(minutes=10)),
                        "message": "Memory cgroup out of memory",
                    },
                )
            ),
            [
                issue(
                    "OOMKilled",
                    "Container app was OOMKilled (no memory limit set)",
                    "warning",
                    "exit code 137, finished at 2025-06-01T11:50:00Z, 2 restarts: Memory cgroup out of memory",
                )
            ],
        ),
        (
            pod(terminated("app", 137, "OOMKilled")),
            [
                issue(
                    "OOMKilled",
                    "Container app was OOMKilled (no memory limit set)",
                    "critical",
                    "exit code 137",
                )
            ],
        ),
        # a container stopped with an error while the pod still runs
        (
            pod(
                running("web"),
                {
                    **terminated("app", 143, "Error"),
                    "state": {"terminated": {"exitCode": 143, "reason": "Error", "signal": 15}},
                },
            ),
            [
                issue(
                    "Failed",
                    "Container app terminated with exit code 143",
                    "warning",
                    f"Error, {EXIT_143}, signal 15",
                )
            ],
        ),
        # the pod failed: its reason, its message, else each failed container
        (
            pod(terminated("app", 1, "Error"), terminated("sidecar", 2, ""), phase="Failed"),
            [
                issue(
                    "Failed",
                    "Pod is in Failed phase",
                    "critical",
                    f"app: Error, {EXIT_1}; sidecar: Error, {EXIT_2}",
                )
            ],
        ),
        (
            pod(
                terminated("app", 143, "Error"),
                phase="Failed",
                reason="DeadlineExceeded",
                message="Pod was active on the node longer than the specified deadline",
            ),
            [
                issue(
                    "Failed",
                    "Pod is in Failed phase (DeadlineExceeded)",
                    "critical",
                    "Pod was active on the node longer than the specified deadline",
                )
            ],
        ),
        # evicted by the kubelet (1.26+: the DisruptionTarget condition, no reason or message)
        (
            pod(
                terminated("app", 137, "ContainerStatusUnknown"),
                phase="Failed",
                conditions=[{"type": "DisruptionTarget", "status": "True", "reason": "TerminationByKubelet"}],
            ),
            [
                issue(
                    "Evicted",
                    "Pod was evicted from its node",
                    "critical",
                    "DisruptionTarget condition set by the kubelet",
                )
            ],
        ),
    ],
)
def test_container_and_phase_issues(p, expected):
    assert pod_issues(p, 5, NOW) == expected


@pytest.mark.parametrize(
    ("p", "details", "kind"),
    [
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                conditions=[scheduled_false("Unschedulable", "0/3 nodes are available: 3 Too many pods.")],
            ),
            "0/3 nodes are available: 3 Too many pods.",
            "ResourceConstraints",
        ),
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                conditions=[scheduled_false("Unschedulable", "0/3 nodes are available: 3 Insufficient cpu.")],
            ),
            "0/3 nodes are available: 3 Insufficient cpu.",
            "ResourceConstraints",
        ),
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                conditions=[
                    scheduled_false(
                        "Unschedulable", "0/3 nodes are available: 3 node(s) had untolerated taint {a: b}."
                    )
                ],
            ),
            "0/3 nodes are available: 3 node(s) had untolerated taint {a: b}.",
            "Unschedulable",
        ),
        # scheduling gates: named from the spec, else the condition's message
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                node="",
                gates=("example.com/quota", "example.com/ready"),
                conditions=[
                    scheduled_false(
                        "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates"
                    )
                ],
            ),
            "Scheduling gated by: example.com/quota, example.com/ready",
            "Pending",
        ),
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                node="",
                conditions=[
                    scheduled_false(
                        "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates"
                    )
                ],
            ),
            "Scheduling is blocked due to non-empty scheduling gates",
            "Pending",
        ),
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                node="",
                conditions=[scheduled_false("SchedulingGated", "")],
            ),
            "Scheduling gated",
            "Pending",
        ),
        # any other reason the pod is not scheduled
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                node="",
                conditions=[scheduled_false("SchedulerError", 'binding rejected: pods "p" not found')],
            ),
            'SchedulerError: binding rejected: pods "p" not found',
            "Pending",
        ),
        (
            pod(
                phase="Pending",
                age=timedelta(minutes=10),
                node="",
                conditions=[scheduled_false("", "waiting")],
            ),
            "waiting",
            "Pending",
        ),
        # scheduled (the Ready condition being False says nothing of scheduling): what the containers wait for
        (
            pod(
                waiting("app", "ContainerCreating"),
                waiting("init-db", "PodInitializing"),
                phase="Pending",
                age=timedelta(minutes=10),
                conditions=[
                    {"type": "PodScheduled", "status": "True"},
                    {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
                ],
            ),
            "app: ContainerCreating; init-db: PodInitializing",
            "Pending",
        ),
        (pod(phase="Pending", age=timedelta(minutes=10), node=""), "not scheduled yet", "Pending"),
        (pod(phase="Pending", age=timedelta(minutes=10)), "", "Pending"),
        # no creation time: pending since the scheduler said it could not place the pod
        (
            pod(phase="Pending", age=None, node="", conditions=[scheduled_false("", "waiting")]),
            "waiting",
            "Pending",
        ),
    ],
)
def test_pending_issues(p, details, kind):
    assert pod_issues(p, 5, NOW) == [issue(kind, PENDING_10M, "critical", details)]


def test_pending_without_any_time_or_recent_is_not_an_issue():
    assert pod_issues(pod(phase="Pending", age=None, node=""), 5, NOW) == []
    recent = pod(
        phase="Pending", age=None, node="", conditions=[scheduled_false("", "w", timedelta(minutes=2))]
    )
    assert pod_issues(recent, 5, NOW) == []


# ------------------------------------------------------------------------------------------ the report
def _event(pod_name, message, ago, *, reason="BackOff", kind="Pod", uid="", type_="Warning"):
    return status_event(
        reason,
        message,
        type_=type_,
        kind=kind,
        name=pod_name,
        namespace="shop",
        uid=uid,
        first=NOW - ago,
        last=NOW - ago,
    )


def _info(reason, message, ago):
    at = ts(ago)
    return {
        "type": "Warning",
        "reason": reason,
        "message": message,
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "source": "",
    }


def _issue(kind, description, severity, details):
    return {"type": kind, "description": description, "severity": severity, "details": details}


def test_report_in_full():
    rs = {"kind": "ReplicaSet", "name": "web-7d9f", "uid": "rs-1", "controller": True}
    replicasets = [
        msgspec.convert(
            {
                "metadata": {
                    "name": "web-7d9f",
                    "namespace": "shop",
                    "uid": "rs-1",
                    "ownerReferences": [
                        {"kind": "Deployment", "name": "web", "uid": "d-1", "controller": True}
                    ],
                }
            },
            ReplicaSet,
        )
    ]
    crash = pod(
        waiting("app", "CrashLoopBackOff", CRASH_MSG, 7, {"exitCode": 1, "reason": "Error"}),
        name="web-7d9f-a",
        uid="uid-a",
        owners=[rs],
    )
    oom = pod(
        running("app", restarts=9, last={"exitCode": 137, "reason": "OOMKilled"}),
        name="web-7d9f-b",
        uid="uid-b",
        owners=[rs],
    )
    # a pod read without its namespace (an item of a dump) and without a creation time
    bare = pod(
        running("app", last={"exitCode": 137, "reason": "OOMKilled"}),
        terminated("helper", 2, "Error"),
        name="bare",
        uid="uid-c",
        age=None,
    )
    bare.metadata.namespace = ""
    healthy = pod(running("app"), name="web-7d9f-c", uid="uid-d", owners=[rs])
    events = [
        _event("web-7d9f-a", "second", timedelta(minutes=2), uid="uid-a"),
        _event("web-7d9f-a", "first", timedelta(minutes=30)),
        _event("web-7d9f-a", "an earlier pod of the name", timedelta(minutes=1), uid="uid-old"),
    ]
    r = analyze_namespace(
        "shop",
        [healthy, bare, oom, crash],
        events,
        replicasets,
        10,
        NOW,
        states={("shop", "Deployment", "web"): "progressing"},
    )
    oom_summary = "Pods with containers killed for running out of memory"
    failed_summary = "Pods in failed state or with containers that cannot start or exited with an error"
    assert msgspec.json.decode(msgspec.json.encode(r)) == {
        "namespace": "shop",
        "ownerKinds": None,
        "warnings": [],
        "analysisTime": "2025-06-01T12:00:00Z",
        "totalPodsAnalyzed": 4,
        "problematicPodsCount": 3,
        "healthyPodsCount": 1,
        "restartThresholdUsed": 10,
        # by pods affected, then by type
        "summary": [
            {
                "issueType": "OOMKilled",
                "count": 2,
                "description": oom_summary,
                "affectedPods": ["web-7d9f-b", "bare"],
            },
            {
                "issueType": "CrashLoopBackOff",
                "count": 1,
                "description": "Pods in crash loop backoff",
                "affectedPods": ["web-7d9f-a"],
            },
            {"issueType": "Failed", "count": 1, "description": failed_summary, "affectedPods": ["bare"]},
        ],
        "workloads": [
            {
                "namespace": "shop",
                "kind": "Deployment",
                "name": "web",
                "state": "progressing",
                "totalPods": 3,
                "failingPods": 2,
                "topReason": "CrashLoopBackOff",
            },
            {
                "namespace": "shop",
                "kind": "Pod",
                "name": "bare",
                "state": "unknown",
                "totalPods": 1,
                "failingPods": 1,
                "topReason": "OOMKilled",
            },
        ],
        # a pod with a critical issue first, however few its restarts; then by restarts
        "problematicPods": [
            {
                "name": "web-7d9f-a",
                "namespace": "shop",
                "ownerKind": "Deployment",
                "ownerName": "web",
                "phase": "Running",
                "status": "CrashLoopBackOff",
                "ready": "0/1",
                "restarts": "7",
                "restartCount": 7,
                "age": "2h",
                "issues": [
                    _issue(
                        "CrashLoopBackOff",
                        "Container app is in CrashLoopBackOff state",
                        "critical",
                        f"{CRASH_MSG}; last termination: Error, {EXIT_1}",
                    )
                ],
                # newest first; not the earlier pod's of the same name
                "recentEvents": [
                    _info("BackOff", "second", timedelta(minutes=2)),
                    _info("BackOff", "first", timedelta(minutes=30)),
                ],
            },
            {
                "name": "web-7d9f-b",
                "namespace": "shop",
                "ownerKind": "Deployment",
                "ownerName": "web",
                "phase": "Running",
                "status": "Running",
                "ready": "1/1",
                "restarts": "9",
                "restartCount": 9,
                "age": "2h",
                "issues": [
                    _issue(
                        "OOMKilled",
                        "Container app was OOMKilled (no memory limit set)",
                        "warning",
                        "exit code 137, 9 restarts",
                    )
                ],
                "recentEvents": [],
            },
            {
                "name": "bare",
                "namespace": "shop",
                "ownerKind": "Pod",
                "ownerName": "bare",
                "phase": "Running",
                "status": "Error",
                "ready": "1/2",
                "restarts": "0",
                "restartCount": 0,
                "age": "unknown",
                "issues": [
                    _issue(
                        "OOMKilled",
                        "Container app was OOMKilled (no memory limit set)",
                        "warning",
                        "exit code 137",
                    ),
                    _issue(
                        "Failed",
                        "Container helper terminated with exit code 2",
                        "warning",
                        f"Error, {EXIT_2}",
                    ),
                ],
                "recentEvents": [],
            },
        ],
        "criticalIssuesCount": 1,
        "warningIssuesCount": 3,
    }


def test_recent_warnings_of_a_pod():
    hour = timedelta(hours=1)
    events = [
        _event("p", "normal events are not listed", timedelta(minutes=1), type_="Normal"),
        _event("p", "about the node of the same name", timedelta(minutes=1), kind="Node"),
        _event("p", "older than an hour", hour + timedelta(seconds=1)),
        _event("p", "exactly an hour ago", hour),
        _event("p", "no kind: about the pod", timedelta(minutes=3), kind=""),
        # the same second: by reason, then message, the greatest first
        _event("p", "Back-off restarting failed container app", timedelta(minutes=5)),
        _event(
            "p",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            timedelta(minutes=5),
            reason="Unhealthy",
        ),
    ]
    index = index_recent_warnings(events, NOW)
    assert [(e.reason, e.message) for e in recent_events(pod(), index)] == [
        ("BackOff", "no kind: about the pod"),
        ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
        ("BackOff", "Back-off restarting failed container app"),
    ]
