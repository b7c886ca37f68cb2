"""Namespace error analysis on a constructed namespace holding every issue type and every owner chain, and
the service over a fake cluster source."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from builders.status import running, status_event, status_pod, waiting
from k8s_agent.analysis.namespace_errors import analyze_namespace, pod_issues
from k8s_agent.errors import NotFound, UpstreamForbidden
from k8s_agent.kube.models import Event, Job, Pod, ReplicaSet, convert
from k8s_agent.kube.source import POD_WARNINGS_SELECTOR
from k8s_agent.services.namespace_errors import namespace_errors

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
NS = "shop"


def ts(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def owner(kind, name, uid=None, controller=True):
    return {"kind": kind, "name": name, "uid": uid or f"uid-{name}", "controller": controller}


def rs(name, owner_ref=None) -> ReplicaSet:
    meta = {"name": name, "namespace": NS, "uid": f"uid-{name}"}
    if owner_ref:
        meta["ownerReferences"] = [owner_ref]
    return convert({"metadata": meta}, ReplicaSet)


def mkpod(
    name,
    *,
    owners=(),
    age=timedelta(hours=2),
    phase="Running",
    containers=None,
    init=None,
    labels=None,
    reason="",
    message="",
    conditions=None,
) -> Pod:
    containers = containers if containers is not None else [running("main")]
    init = init or []
    return status_pod(
        name,
        NS,
        metadata={
            "uid": f"uid-{name}",
            "creationTimestamp": ts(age),
            "ownerReferences": list(owners),
            "labels": labels or {},
        },
        spec={
            "nodeName": "node-1",
            "containers": [
                {"name": c["name"], "resources": {"limits": {"memory": "256Mi"}}} for c in containers
            ],
            "initContainers": [{"name": c["name"]} for c in init],
        },
        phase=phase,
        reason=reason,
        message=message,
        conditions=conditions or [],
        containerStatuses=containers,
        initContainerStatuses=init,
    )


def warning_event(pod_name, reason, message, ago, uid=None, type_="Warning", count=1):
    return status_event(
        reason,
        message,
        type_=type_,
        name=pod_name,
        namespace=NS,
        uid=uid if uid is not None else f"uid-{pod_name}",
        count=count,
        first=NOW - ago - timedelta(minutes=1),
        last=NOW - ago,
        component="kubelet",
        host="node-1",
    )


WEB_RS = "web-6d4cf56db6"
DEPLOY = owner("ReplicaSet", WEB_RS)
JOBS = [
    convert(
        {
            "metadata": {
                "name": "nightly-28000",
                "namespace": NS,
                "uid": "uid-nightly-28000",
                "ownerReferences": [owner("CronJob", "nightly")],
            }
        },
        Job,
    )
]

REPLICASETS = [
    rs(WEB_RS, owner("Deployment", "web")),
    rs("frontend-canary"),  # bare ReplicaSet: Go called it Deployment "frontend"
    rs("roll-7c9d8", owner("Rollout", "roll")),
]


def namespace_pods() -> list[Pod]:
    def unsched(msg):
        return [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": msg}]

    return [
        mkpod(f"{WEB_RS}-healthy", owners=[DEPLOY]),
        mkpod(
            f"{WEB_RS}-crash",
            owners=[DEPLOY],
            containers=[
                waiting(
                    "main",
                    "CrashLoopBackOff",
                    "back-off 5m0s restarting failed container=main pod=x",
                    12,
                    {"exitCode": 1, "reason": "OOMKilled", "finishedAt": ts(timedelta(minutes=3))},
                ),
                waiting(
                    "sidecar",
                    "CrashLoopBackOff",
                    "back-off 40s restarting failed container=sidecar pod=x",
                    3,
                    {"exitCode": 1, "reason": "Error"},
                ),
            ],
        ),
        mkpod(
            f"{WEB_RS}-pull",
            owners=[DEPLOY],
            phase="Pending",
            containers=[
                waiting(
                    "main",
                    "ImagePullBackOff",
                    'Back-off pulling image "web:nope": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/web:nope": not found',
                )
            ],
        ),
        mkpod(
            f"{WEB_RS}-invalid",
            owners=[DEPLOY],
            phase="Pending",
            age=timedelta(minutes=1),
            containers=[
                waiting(
                    "main",
                    "InvalidImageName",
                    'Failed to apply default image tag "Web:X": couldn\'t parse image name',
                )
            ],
        ),
        mkpod(
            f"{WEB_RS}-config",
            owners=[DEPLOY],
            phase="Pending",
            age=timedelta(minutes=3),
            containers=[waiting("main", "CreateContainerConfigError", 'secret "db-password" not found')],
        ),
        mkpod(
            f"{WEB_RS}-outofcpu",
            owners=[DEPLOY],
            phase="Failed",
            reason="OutOfcpu",
            message="Pod was rejected: Node didn't have enough resource: cpu, requested: 500, used: 3800, capacity: 4000",
            containers=[],
        ),
        mkpod(
            f"{WEB_RS}-exit2",
            owners=[DEPLOY],
            containers=[
                running("main"),
                {
                    "name": "helper",
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 2, "reason": "Error", "message": "bad flag"}},
                },
            ],
        ),
        mkpod(
            f"{WEB_RS}-oomwarn",
            owners=[DEPLOY],
            containers=[
                {
                    "name": "main",
                    "ready": True,
                    "restartCount": 5,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
                }
            ],
        ),
        mkpod(
            f"{WEB_RS}-initloop",
            owners=[DEPLOY],
            phase="Pending",
            age=timedelta(minutes=2),
            init=[
                waiting(
                    "migrate",
                    "CrashLoopBackOff",
                    "back-off 20s restarting failed container=migrate pod=x",
                    2,
                    {
                        "exitCode": 128,
                        "reason": "StartError",
                        "startedAt": "1970-01-01T00:00:00Z",
                        "message": 'exec: "migrat": executable file not found in $PATH',
                    },
                )
            ],
            containers=[waiting("main", "PodInitializing")],
        ),
        mkpod(
            "db-0",
            owners=[owner("StatefulSet", "db")],
            phase="Pending",
            age=timedelta(minutes=10),
            containers=[],
            conditions=unsched(
                "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
            ),
        ),
        mkpod(
            "db-1",
            owners=[owner("StatefulSet", "db")],
            phase="Pending",
            age=timedelta(minutes=10),
            containers=[],
            conditions=unsched(
                "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
            ),
        ),
        mkpod(
            "db-2",
            owners=[owner("StatefulSet", "db")],
            phase="Pending",
            age=timedelta(minutes=4),
            containers=[],
            conditions=unsched("0/3 nodes are available: 3 Too many pods."),
        ),
        mkpod(
            "db-3",
            owners=[owner("StatefulSet", "db")],
            phase="Pending",
            age=timedelta(minutes=6),
            containers=[],
            conditions=unsched("0/3 nodes are available: 3 Too many pods."),
        ),
        mkpod(
            "frontend-canary-x1",
            owners=[owner("ReplicaSet", "frontend-canary")],
            phase="Failed",
            reason="Evicted",
            message="The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki.",
            containers=[
                {
                    "name": "main",
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown"}},
                }
            ],
        ),
        mkpod(
            "roll-7c9d8-a",
            owners=[owner("ReplicaSet", "roll-7c9d8")],
            containers=[running("main", restarts=6)],
        ),
        # ReplicaSet not in the list: Deployment name from pod-template-hash, else the ReplicaSet itself
        mkpod(
            "api-5c8f7b-q",
            owners=[owner("ReplicaSet", "api-5c8f7b")],
            labels={"pod-template-hash": "5c8f7b"},
            containers=[{"name": "main", "ready": True, "restartCount": 9, "state": {"running": {}}}],
        ),
        mkpod(
            "gone-rs-q",
            owners=[owner("ReplicaSet", "gone-rs")],
            containers=[{"name": "main", "ready": True, "restartCount": 9, "state": {"running": {}}}],
        ),
        # every owner kind is analysed: Job, CronJob's Job, DaemonSet, bare pod, non-controller owner only
        mkpod(
            "batch-x",
            owners=[owner("Job", "batch")],
            phase="Failed",
            containers=[waiting("main", "CrashLoopBackOff", restarts=50)],
        ),
        mkpod(
            "nightly-28000-x",
            owners=[owner("Job", "nightly-28000")],
            containers=[waiting("main", "CrashLoopBackOff", restarts=50)],
        ),
        mkpod(
            "agent-x",
            owners=[owner("DaemonSet", "agent")],
            containers=[waiting("main", "CrashLoopBackOff", restarts=50)],
        ),
        mkpod("bare", containers=[waiting("main", "CrashLoopBackOff", restarts=50)]),
        mkpod(
            "adopted",
            owners=[owner("ReplicaSet", WEB_RS, controller=False)],
            containers=[waiting("main", "CrashLoopBackOff", restarts=50)],
        ),
    ]


def events() -> list[Event]:
    crash = f"{WEB_RS}-crash"
    out = [
        warning_event(
            crash, "BackOff", f"Back-off restarting failed container main ({i})", timedelta(minutes=i)
        )
        for i in range(1, 8)
    ]
    out.append(warning_event(crash, "BackOff", "too old", timedelta(minutes=61)))
    out.append(
        warning_event(crash, "BackOff", "earlier pod with the same name", timedelta(seconds=1), uid="uid-old")
    )
    out.append(
        warning_event(crash, "Pulled", "normal events are not listed", timedelta(seconds=1), type_="Normal")
    )
    out.append(
        warning_event(f"{WEB_RS}-pull", "Failed", "Error: ImagePullBackOff", timedelta(minutes=2), uid="")
    )
    out.append(
        warning_event(f"{WEB_RS}-healthy", "Unhealthy", "Readiness probe failed", timedelta(minutes=2))
    )
    return out


@pytest.fixture(scope="module")
def report():
    return analyze_namespace(
        NS,
        namespace_pods(),
        events(),
        REPLICASETS,
        5,
        NOW,
        jobs=JOBS,
        states={(NS, "Deployment", "web"): "stuck"},
    )


def by_name(report):
    return {p.name: p for p in report.problematic_pods}


def types(p):
    return [i.type for i in p.issues]


def test_counts(report):
    assert report.namespace == NS and report.analysis_time == "2025-06-01T12:00:00Z"
    assert report.total_pods_analyzed == 22  # every pod, whatever owns it
    healthy = {f"{WEB_RS}-healthy", "db-2"}
    assert report.problematic_pods_count == 20 and report.healthy_pods_count == 2
    assert healthy.isdisjoint(by_name(report))
    assert report.restart_threshold_used == 5
    all_issues = [i for p in report.problematic_pods for i in p.issues]
    assert report.critical_issues_count == sum(i.severity == "critical" for i in all_issues)
    assert report.warning_issues_count == sum(i.severity == "warning" for i in all_issues) == 2


def test_owner_chains(report):
    pods = by_name(report)
    assert (pods[f"{WEB_RS}-crash"].owner_kind, pods[f"{WEB_RS}-crash"].owner_name) == ("Deployment", "web")
    assert (pods["db-0"].owner_kind, pods["db-0"].owner_name) == ("StatefulSet", "db")
    assert (pods["frontend-canary-x1"].owner_kind, pods["frontend-canary-x1"].owner_name) == (
        "ReplicaSet",
        "frontend-canary",
    )
    assert (pods["roll-7c9d8-a"].owner_kind, pods["roll-7c9d8-a"].owner_name) == ("Rollout", "roll")
    assert (pods["api-5c8f7b-q"].owner_kind, pods["api-5c8f7b-q"].owner_name) == ("Deployment", "api")
    assert (pods["gone-rs-q"].owner_kind, pods["gone-rs-q"].owner_name) == ("ReplicaSet", "gone-rs")
    owners = {
        n: (pods[n].owner_kind, pods[n].owner_name)
        for n in ("batch-x", "nightly-28000-x", "agent-x", "bare", "adopted")
    }
    assert owners == {
        "batch-x": ("Job", "batch"),
        "nightly-28000-x": ("CronJob", "nightly"),  # through the Job's own controller
        "agent-x": ("DaemonSet", "agent"),
        "bare": ("Pod", "bare"),
        "adopted": ("Pod", "adopted"),  # an owner that is not its controller: a bare pod
    }


def test_workload_summary(report):
    rows = {(w.kind, w.name): w for w in report.workloads}
    web = rows[("Deployment", "web")]
    assert (web.state, web.total_pods, web.failing_pods) == ("stuck", 9, 8)
    assert rows[("StatefulSet", "db")].state == "unknown"  # no state given for it
    assert (rows[("CronJob", "nightly")].failing_pods, rows[("CronJob", "nightly")].top_reason) == (
        1,
        "CrashLoopBackOff",
    )
    counts = [(-w.failing_pods, w.namespace, w.kind, w.name) for w in report.workloads]
    assert counts == sorted(counts)
    assert sum(w.failing_pods for w in report.workloads) == report.problematic_pods_count


def test_owner_kinds_filter_and_retried_pods_of_succeeded_jobs():
    done = convert(
        {
            "metadata": {"name": "batch", "namespace": NS, "uid": "uid-batch"},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]},
        },
        Job,
    )
    r = analyze_namespace(
        NS, namespace_pods(), [], REPLICASETS, 5, NOW, jobs=[done], owner_kinds=frozenset({"Job", "Pod"})
    )
    assert r.owner_kinds == ["Job", "Pod"]
    assert {p.name for p in r.problematic_pods} == {
        "nightly-28000-x",
        "bare",
        "adopted",
    }  # batch-x: retried, Job complete
    assert r.total_pods_analyzed == 4 and r.healthy_pods_count == 1


def test_pod_with_several_issues(report):
    p = by_name(report)[f"{WEB_RS}-crash"]
    assert types(p) == ["HighRestarts", "CrashLoopBackOff", "OOMKilled", "CrashLoopBackOff"]
    high = p.issues[0]
    assert high.description == "Pod has restarted 15 times (threshold: 5)"
    assert high.details == "main: 12 restarts, sidecar: 3 restarts"
    assert p.issues[1].description == "Container main is in CrashLoopBackOff state"
    assert p.issues[1].details.startswith(
        "back-off 5m0s restarting failed container=main pod=x; last termination: OOMKilled, exit code 1"
    )
    assert p.issues[2].description == "Container main was OOMKilled (memory limit 256Mi)"
    assert p.issues[2].severity == "critical"  # down now
    assert p.issues[3].details.endswith("last termination: Error, exit code 1 (generic application error)")
    assert (p.status, p.restart_count, p.age, p.phase) == ("CrashLoopBackOff", 15, "2h", "Running")


def test_recent_events(report):
    p = by_name(report)[f"{WEB_RS}-crash"]
    assert [e.message for e in p.recent_events] == [
        f"Back-off restarting failed container main ({i})" for i in range(1, 6)
    ]
    assert p.recent_events[0].last_timestamp == "2025-06-01T11:59:00Z" and p.recent_events[0].count == 1
    # an event without a UID still belongs to the pod of that name
    assert [e.reason for e in by_name(report)[f"{WEB_RS}-pull"].recent_events] == ["Failed"]
    assert by_name(report)["db-0"].recent_events == []


def test_each_issue_type(report):
    pods = by_name(report)
    pull = pods[f"{WEB_RS}-pull"]
    assert types(pull) == ["Pending", "ImagePullError"]
    assert pull.issues[1].description == "Container main has image pull error: ImagePullBackOff"
    assert pull.issues[1].details.startswith("ErrImagePull: rpc error: code = NotFound")
    assert types(pods[f"{WEB_RS}-invalid"]) == [
        "ImagePullError"
    ]  # InvalidImageName; too young to be "Pending"
    cfg = pods[f"{WEB_RS}-config"].issues
    assert [(i.type, i.severity, i.description, i.details) for i in cfg] == [
        (
            "Failed",
            "critical",
            "Container main cannot start: CreateContainerConfigError",
            'secret "db-password" not found',
        )
    ]
    assert pods[f"{WEB_RS}-config"].status == "CreateContainerConfigError"
    out = pods[f"{WEB_RS}-outofcpu"]
    assert [(i.type, i.severity) for i in out.issues] == [("Failed", "critical")]
    assert out.issues[0].description == "Pod is in Failed phase (OutOfcpu)" and out.status == "OutOfcpu"
    exit2 = pods[f"{WEB_RS}-exit2"].issues
    assert [(i.type, i.severity, i.description) for i in exit2] == [
        ("Failed", "warning", "Container helper terminated with exit code 2")
    ]
    assert (
        exit2[0].details
        == "Error, exit code 2 (misuse of a shell builtin or application-defined error): bad flag"
    )
    oom = pods[f"{WEB_RS}-oomwarn"]
    assert [(i.type, i.severity) for i in oom.issues] == [("OOMKilled", "warning")]  # 5 restarts: not > 5
    init = pods[f"{WEB_RS}-initloop"]
    assert types(init) == ["CrashLoopBackOff"]
    assert init.issues[0].description == "Init container migrate is in CrashLoopBackOff state"
    assert "StartError, exit code 128" in init.issues[0].details and init.status == "Init:CrashLoopBackOff"
    db0, db1, db3 = pods["db-0"], pods["db-1"], pods["db-3"]
    assert [(i.type, i.description) for i in db0.issues] == [
        ("ResourceConstraints", "Pod has been pending for 10m")
    ]
    assert db0.issues[0].details.startswith("0/3 nodes are available: 3 Insufficient memory.")
    assert types(db1) == ["Unschedulable"] and types(db3) == ["ResourceConstraints"]  # "Too many pods"
    ev = pods["frontend-canary-x1"]
    assert [(i.type, i.severity) for i in ev.issues] == [("Evicted", "critical")]  # not also Failed
    assert ev.status == "ContainerStatusUnknown" and ev.phase == "Failed"
    assert ev.issues[0].details.startswith("The node was low on resource: memory.")
    assert types(pods["roll-7c9d8-a"]) == ["HighRestarts"]


def test_summary_counts_pods_not_issues(report):
    summary = {s.issue_type: s for s in report.summary}
    crash = summary["CrashLoopBackOff"]
    assert crash.count == 7 == len(crash.affected_pods) == len(set(crash.affected_pods))
    assert set(crash.affected_pods) == {
        f"{WEB_RS}-crash",
        f"{WEB_RS}-initloop",
        *("batch-x", "nightly-28000-x", "agent-x", "bare", "adopted"),
    }
    assert crash.description == "Pods in crash loop backoff"
    assert summary["HighRestarts"].count == 9  # the 5 pods of other owner kinds restarted 50 times
    assert summary["Failed"].count == 4 and summary["ImagePullError"].count == 2
    assert summary["ResourceConstraints"].count == 2 and summary["Unschedulable"].count == 1
    assert summary["OOMKilled"].count == 2 and summary["Evicted"].count == 1 and summary["Pending"].count == 1
    keys = [(-s.count, s.issue_type) for s in report.summary]
    assert keys == sorted(keys)


def test_problematic_pod_order(report):
    pods = report.problematic_pods
    crit = [any(i.severity == "critical" for i in p.issues) for p in pods]
    assert crit == sorted(crit, reverse=True)  # critical first
    assert [p.name for p in pods if not crit[pods.index(p)]] == [
        f"{WEB_RS}-oomwarn",
        f"{WEB_RS}-exit2",
    ]  # restarts desc
    assert [p.name for p in pods[:6]] == [
        "adopted",
        "agent-x",
        "bare",
        "batch-x",
        "nightly-28000-x",
        f"{WEB_RS}-crash",
    ]
    # 50 restarts each (by name), then 15
    critical_keys = [(-p.restart_count, p.name) for p, c in zip(pods, crit, strict=True) if c]
    assert critical_keys == sorted(critical_keys)


@pytest.mark.parametrize(
    ("restarts", "threshold", "flagged"), [(5, 5, False), (6, 5, True), (0, 0, False), (1, 0, True)]
)
def test_restart_threshold_is_strict(restarts, threshold, flagged):
    p = mkpod(
        "x",
        owners=[DEPLOY],
        containers=[{"name": "main", "ready": True, "restartCount": restarts, "state": {"running": {}}}],
    )
    assert ("HighRestarts" in [i.type for i in pod_issues(p, threshold, NOW)]) is flagged


def test_restarts_include_init_containers():
    p = mkpod(
        "x",
        owners=[DEPLOY],
        init=[
            {
                "name": "init",
                "restartCount": 4,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
            }
        ],
        containers=[{"name": "main", "ready": True, "restartCount": 2, "state": {"running": {}}}],
    )
    (issue,) = pod_issues(p, 5, NOW)
    assert (
        issue.description == "Pod has restarted 6 times (threshold: 5)"
        and issue.details == "init (init): 4 restarts, main: 2 restarts"
    )


def test_pending_boundary_and_scheduled_pending():
    exactly = mkpod("x", phase="Pending", age=timedelta(minutes=5), containers=[])
    assert pod_issues(exactly, 5, NOW) == []
    creating = mkpod(
        "y", phase="Pending", age=timedelta(minutes=7), containers=[waiting("main", "ContainerCreating")]
    )
    (issue,) = pod_issues(creating, 5, NOW)
    assert (issue.type, issue.details) == ("Pending", "main: ContainerCreating")


def test_empty_namespace_is_well_formed():
    r = analyze_namespace("nope", [], [], [], 5, NOW)
    data = msgspec.json.decode(msgspec.json.encode(r))
    assert data == {
        "namespace": "nope",
        "analysisTime": "2025-06-01T12:00:00Z",
        "ownerKinds": None,
        "totalPodsAnalyzed": 0,
        "problematicPodsCount": 0,
        "healthyPodsCount": 0,
        "restartThresholdUsed": 5,
        "summary": [],
        "workloads": [],
        "problematicPods": [],
        "criticalIssuesCount": 0,
        "warningIssuesCount": 0,
        "warnings": [],
    }


def test_encoded_field_names(report):
    data = msgspec.json.decode(msgspec.json.encode(report))
    pod = next(p for p in data["problematicPods"] if p["name"] == f"{WEB_RS}-crash")
    assert set(pod) == {
        "name",
        "namespace",
        "ownerKind",
        "ownerName",
        "phase",
        "status",
        "ready",
        "restarts",
        "restartCount",
        "age",
        "issues",
        "recentEvents",
    }
    # kubectl's columns: neither container is ready; 12 + 3 restarts, the latest finished 3 minutes ago
    assert (pod["name"], pod["ready"], pod["restarts"]) == (f"{WEB_RS}-crash", "0/2", "15 (3m ago)")
    assert set(pod["issues"][0]) == {"type", "description", "severity", "details"}
    assert set(data["summary"][0]) == {"issueType", "count", "description", "affectedPods"}


# ------------------------------------------------------------------------------------------ the service
class FakeSource:
    description = "fake"

    def __init__(self, pods, evs, rss, *, rs_error=None, pods_error=None):
        self.pods, self.evs, self.rss, self.rs_error, self.pods_error = pods, evs, rss, rs_error, pods_error
        self.calls = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def _enter(self, call):
        self.calls.append(call)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1

    async def list_pods(self, namespace=None, *, field_selector="", label_selector=""):
        await self._enter(("list_pods", namespace))
        if self.pods_error:
            raise self.pods_error
        return self.pods

    async def list_events(self, namespace=None, *, field_selector=""):
        await self._enter(("list_events", namespace, field_selector))
        return [e for e in self.evs if e.type == "Warning" and e.involved_object.kind == "Pod"]

    async def list_replicasets(self, namespace=None):
        await self._enter(("list_replicasets", namespace))
        if self.rs_error:
            raise self.rs_error
        return self.rss

    async def list_workloads(self, kind, namespace=None):
        await self._enter(("list_workloads", kind, namespace))
        return JOBS if kind == "Job" else []


def test_service_concurrent_reads():
    src = FakeSource(namespace_pods(), events(), REPLICASETS)
    r = asyncio.run(namespace_errors(src, NS, restart_threshold=5, now=NOW))
    controllers = [
        ("list_workloads", k, NS) for k in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
    ]
    assert sorted(src.calls) == sorted(
        [
            ("list_pods", NS),
            ("list_events", NS, POD_WARNINGS_SELECTOR),
            ("list_replicasets", NS),
            *controllers,
        ]
    )
    assert src.max_in_flight == 8
    assert r.total_pods_analyzed == 22 and r.warnings == []
    assert by_name(r)["nightly-28000-x"].owner_kind == "CronJob"  # the Jobs were read


def test_service_without_replicasets_falls_back_and_warns():
    src = FakeSource(
        namespace_pods(), events(), [], rs_error=UpstreamForbidden(details="replicasets.apps is forbidden")
    )
    r = asyncio.run(namespace_errors(src, NS, restart_threshold=5, now=NOW))
    assert len(r.warnings) == 1 and "ReplicaSets" in r.warnings[0]
    pods = by_name(r)
    # no pod-template-hash label on these constructed pods: reported under their ReplicaSet
    assert (pods[f"{WEB_RS}-crash"].owner_kind, pods[f"{WEB_RS}-crash"].owner_name) == ("ReplicaSet", WEB_RS)
    assert (pods["api-5c8f7b-q"].owner_kind, pods["api-5c8f7b-q"].owner_name) == ("Deployment", "api")


def test_service_unknown_namespace_is_empty():
    src = FakeSource([], [], [], pods_error=NotFound("Namespace", "nope"))
    r = asyncio.run(namespace_errors(src, "nope", restart_threshold=5, now=NOW))
    assert r.total_pods_analyzed == 0 and r.problematic_pods == [] and r.summary == []
