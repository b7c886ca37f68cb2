"""Cluster pod issues: the namespace analysis over several namespaces from one pod, event and ReplicaSet
list; scope (every owner kind, or ownerKinds), filters, limit/truncated, per-namespace and per-workload counts,
and the service's reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from builders.status import running, status_event, status_pod, terminated, waiting
from k8s_agent.analysis.pod_issues import analyze_cluster
from k8s_agent.errors import ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube.models import Event, Job, Pod, ReplicaSet, convert
from k8s_agent.kube.source import POD_WARNINGS_SELECTOR
from k8s_agent.services import pod_issues as svc

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rs(ns: str, name: str, deployment: str | None) -> ReplicaSet:
    owners = (
        [{"kind": "Deployment", "name": deployment, "uid": f"d-{ns}-{deployment}", "controller": True}]
        if deployment
        else []
    )
    return convert(
        {"metadata": {"name": name, "namespace": ns, "uid": f"rs-{ns}-{name}", "ownerReferences": owners}},
        ReplicaSet,
    )


def pod(
    ns: str,
    name: str,
    owner: tuple[str, str] | None = ("ReplicaSet", "web-7d9f8"),
    *,
    phase: str = "Running",
    created: str | None = None,
    statuses: list | None = None,
    reason: str = "",
    conditions: list | None = None,
) -> Pod:
    owners = []
    if owner is not None:
        kind, oname = owner
        uid = f"rs-{ns}-{oname}" if kind == "ReplicaSet" else f"{kind}-{oname}"
        owners = [{"kind": kind, "name": oname, "uid": uid, "controller": True}]
    return status_pod(
        name,
        ns,
        metadata={
            "uid": f"uid-{ns}-{name}",
            "creationTimestamp": created or ago(days=1),
            "ownerReferences": owners,
            "labels": {"pod-template-hash": "7d9f8"},
        },
        spec={"nodeName": "n1" if phase != "Pending" else "", "containers": [{"name": "app"}]},
        phase=phase,
        reason=reason,
        conditions=conditions or [],
        containerStatuses=statuses if statuses is not None else [ok("app")],
    )


def ok(name="app", restarts=0) -> dict:
    return running(name, started=ago(hours=20), restarts=restarts)


def crashloop(name="app", restarts=12) -> dict:
    last = {"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=2)}
    return waiting(name, "CrashLoopBackOff", "back-off 5m0s restarting failed container", restarts, last)


def pull_error(name="app") -> dict:
    return waiting(name, "ImagePullBackOff")


def creating(name="app") -> dict:
    return waiting(name, "ContainerCreating")


def oom_recovered(name="app") -> dict:
    last = {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(minutes=31)}
    return running(name, started=ago(minutes=30), restarts=1, last=last)


def completed(name="app") -> dict:
    return terminated(name)


def warning(ns: str, pod_name: str, reason: str, minutes: int = 5, uid: str | None = None) -> Event:
    return status_event(
        reason,
        f"{reason} in {ns}",
        name=pod_name,
        namespace=ns,
        uid=uid or f"uid-{ns}-{pod_name}",
        count=3,
        first=ago(minutes=minutes + 30),
        last=ago(minutes=minutes),
        metadata={"name": f"{pod_name}.{reason}", "namespace": ns},
    )


UNSCHEDULABLE = [
    {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient memory.",
    }
]


def cluster():
    pods = [
        # shop: a crash loop (critical x2), an image pull error stuck pending (critical x2), a healthy pod
        pod("shop", "api-1", ("ReplicaSet", "api-5f9c"), statuses=[crashloop()]),
        pod("shop", "checkout-1", ("ReplicaSet", "checkout-6b7d"), phase="Pending", created=ago(minutes=20), statuses=[pull_error()]),
        pod("shop", "web-1", ("ReplicaSet", "web-7d9f8")),
        # data: a StatefulSet replica that cannot be scheduled (critical), one recovered from an OOM kill (warning)
        pod("data", "db-1", ("StatefulSet", "db"), phase="Pending", created=ago(minutes=30), statuses=[], conditions=UNSCHEDULABLE),
        pod("data", "cache-1", ("ReplicaSet", "cache-8c7d"), statuses=[oom_recovered()]),
        # same pod name as in shop, healthy; and a pod just being created (not flagged yet)
        pod("web", "api-1", ("ReplicaSet", "api-5f9c")),
        pod("web", "new-1", ("ReplicaSet", "api-5f9c"), phase="Pending", created=ago(minutes=1), statuses=[creating()]),
        # evicted (reported once, as Evicted)
        pod("web", "evicted-1", ("ReplicaSet", "api-5f9c"), phase="Failed", reason="Evicted", statuses=[]),
        # outside the workload scope: a failed Job pod, a completed Job pod, a crash-looping DaemonSet pod, a bare pod
        pod("batch", "job-fail", ("Job", "nightly"), phase="Failed", statuses=[
            {"name": "app", "ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}]),
        pod("batch", "job-done", ("Job", "hourly"), phase="Succeeded", statuses=[completed()]),
        pod("kube-system", "agent-x", ("DaemonSet", "agent"), statuses=[crashloop(restarts=40)]),
        pod("default", "debug", None, statuses=[pull_error()], phase="Pending", created=ago(hours=2)),
    ]  # fmt: skip
    replicasets = [
        rs("shop", "api-5f9c", "api"),
        rs("shop", "checkout-6b7d", "checkout"),
        rs("shop", "web-7d9f8", "web"),
        rs("data", "cache-8c7d", "cache"),
        # a ReplicaSet of the same name in another namespace, owned by another Deployment
        rs("web", "api-5f9c", "frontend-api"),
    ]
    events = [
        warning("shop", "api-1", "BackOff", 1),
        warning("shop", "api-1", "Unhealthy", 3),
        warning(
            "web", "api-1", "FailedMount", 2
        ),  # the healthy namesake in "web": must not show under shop/api-1
        warning("shop", "checkout-1", "Failed", 4),
        warning("shop", "api-1", "BackOff", 200),  # older than an hour
    ]
    return pods, events, replicasets


# the kinds the namespace analysis was limited to before every owner kind was analysed
WORKLOADS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})


def analyze(**kw):
    pods, events, replicasets = cluster()
    return analyze_cluster(pods, events, replicasets, restart_threshold=5, now=NOW, **kw)


def by_key(r):
    return {(p.namespace, p.name): p for p in r.problematic_pods}


# ------------------------------------------------------------------------------------------ analysis
def test_owner_kinds_scope_over_several_namespaces():
    r = analyze(owner_kinds=WORKLOADS)
    assert r.scope == "ownerKinds" and r.owner_kinds == ["Deployment", "ReplicaSet", "StatefulSet"]
    assert r.namespace is None and not r.truncated
    assert (r.total_pods, r.pods_analyzed) == (12, 8)
    assert set(by_key(r)) == {
        ("shop", "api-1"),
        ("shop", "checkout-1"),
        ("data", "db-1"),
        ("data", "cache-1"),
        ("web", "evicted-1"),
    }
    assert r.problematic_pods_count == 5 and r.returned_pods == 5
    assert (
        r.healthy_pods == 3
    )  # shop/web-1, web/api-1, web/new-1 (ContainerCreating for 1 minute is not an issue)
    # critical first, then restarts descending, then namespace and name
    assert [(p.namespace, p.name) for p in r.problematic_pods] == [
        ("shop", "api-1"),
        ("data", "db-1"),
        ("shop", "checkout-1"),
        ("web", "evicted-1"),
        ("data", "cache-1"),
    ]
    api = by_key(r)[("shop", "api-1")]
    assert (api.owner_kind, api.owner_name, api.status) == ("Deployment", "api", "CrashLoopBackOff")
    assert [i.type for i in api.issues] == ["HighRestarts", "CrashLoopBackOff"]
    # events matched within the pod's own namespace, newest first, last hour only
    assert [(e.reason, e.message) for e in api.recent_events] == [
        ("BackOff", "BackOff in shop"),
        ("Unhealthy", "Unhealthy in shop"),
    ]
    evicted = by_key(r)[("web", "evicted-1")]
    assert [i.type for i in evicted.issues] == ["Evicted"]  # not also Failed
    assert (evicted.owner_kind, evicted.owner_name) == (
        "Deployment",
        "frontend-api",
    )  # the web namespace's ReplicaSet
    assert [i.severity for i in by_key(r)[("data", "cache-1")].issues] == ["warning"]


def test_per_namespace_counts_and_summary():
    r = analyze(owner_kinds=WORKLOADS)
    assert [
        (n.namespace, n.total_pods, n.problematic_pods, n.critical_issues, n.warning_issues)
        for n in r.namespaces
    ] == [
        ("shop", 3, 2, 4, 0),
        ("data", 2, 2, 1, 1),
        ("web", 3, 1, 1, 0),
    ]
    assert (r.critical_issues_count, r.warning_issues_count) == (6, 1)
    summary = {s.issue_type: (s.count, s.critical_pods, s.affected_pods) for s in r.summary}
    assert summary["CrashLoopBackOff"] == (1, 1, ["shop/api-1"])
    assert summary["OOMKilled"] == (1, 0, ["data/cache-1"])
    assert summary["Pending"] == (1, 1, ["shop/checkout-1"])
    assert summary["ResourceConstraints"] == (1, 1, ["data/db-1"])
    assert summary["Evicted"] == (1, 1, ["web/evicted-1"])
    assert [s.issue_type for s in r.summary] == sorted(summary)  # equal counts: by type


def test_every_owner_kind_by_default_jobs_daemonsets_and_bare_pods_too():
    r = analyze()
    assert r.scope == "all" and r.owner_kinds is None and r.pods_analyzed == 12
    assert analyze(include_all=True) == r  # accepted, changes nothing
    found = by_key(r)
    assert (found[("kube-system", "agent-x")].owner_kind, found[("kube-system", "agent-x")].owner_name) == (
        "DaemonSet",
        "agent",
    )
    assert found[("batch", "job-fail")].owner_kind == "Job"
    assert (found[("default", "debug")].owner_kind, found[("default", "debug")].owner_name) == (
        "Pod",
        "debug",
    )
    assert ("batch", "job-done") not in found  # completed pods are never flagged
    assert r.problematic_pods[0].name == "agent-x"  # critical, 40 restarts
    assert r.healthy_pods == 4


def test_severity_and_issue_type_filters():
    crit = analyze(severity="critical", owner_kinds=WORKLOADS)
    assert ("data", "cache-1") not in by_key(crit)
    assert all(i.severity == "critical" for p in crit.problematic_pods for i in p.issues)
    assert (crit.critical_issues_count, crit.warning_issues_count, crit.problematic_pods_count) == (6, 0, 4)
    assert crit.healthy_pods == 3  # unfiltered
    warn = analyze(severity="warning", owner_kinds=WORKLOADS)
    assert [(p.namespace, p.name) for p in warn.problematic_pods] == [("data", "cache-1")]
    assert [(n.namespace, n.problematic_pods) for n in warn.namespaces] == [
        ("data", 1),
        ("shop", 0),
        ("web", 0),
    ]
    crash = analyze(issue_type="CrashLoopBackOff")
    assert [(p.namespace, p.name) for p in crash.problematic_pods] == [
        ("kube-system", "agent-x"),
        ("shop", "api-1"),
    ]
    assert all([i.type for i in p.issues] == ["CrashLoopBackOff"] for p in crash.problematic_pods)
    assert [s.issue_type for s in crash.summary] == ["CrashLoopBackOff"]
    none = analyze(issue_type="Failed", severity="warning")
    assert none.problematic_pods == [] and none.problematic_pods_count == 0 and not none.truncated


def test_limit_and_truncated():
    r = analyze(limit=2, owner_kinds=WORKLOADS)
    assert r.limit == 2 and r.truncated and r.returned_pods == 2
    assert [p.name for p in r.problematic_pods] == ["api-1", "db-1"]
    assert r.problematic_pods_count == 5  # counts are not cut
    assert sum(s.count for s in r.summary) == sum(s.count for s in analyze(owner_kinds=WORKLOADS).summary)
    assert len(r.workloads) == 5  # not cut by the page's limit (at most 100)
    exact = analyze(limit=5, owner_kinds=WORKLOADS)
    assert not exact.truncated and exact.returned_pods == 5


def test_workload_summary_cronjob_through_its_job_and_retried_pods_of_a_succeeded_job():
    pods, events, replicasets = cluster()
    jobs = [
        convert(
            {
                "metadata": {
                    "name": "nightly",
                    "namespace": "batch",
                    "uid": "Job-nightly",
                    "ownerReferences": [
                        {"kind": "CronJob", "name": "reports", "uid": "cj", "controller": True}
                    ],
                },
                "status": {
                    "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]
                },
            },
            Job,
        ),
        convert(
            {
                "metadata": {"name": "hourly", "namespace": "batch", "uid": "Job-hourly"},
                "status": {"conditions": [{"type": "Complete", "status": "True"}]},
            },
            Job,
        ),
    ]
    states = {("shop", "Deployment", "api"): "stuck", ("batch", "CronJob", "reports"): "failed"}
    r = analyze_cluster(pods, events, replicasets, restart_threshold=5, now=NOW, jobs=jobs, states=states)
    job_fail = by_key(r)[("batch", "job-fail")]
    assert (job_fail.owner_kind, job_fail.owner_name) == ("CronJob", "reports")
    rows = [
        (w.namespace, w.kind, w.name, w.state, w.total_pods, w.failing_pods, w.top_reason)
        for w in r.workloads
    ]
    assert rows == [
        ("batch", "CronJob", "reports", "failed", 1, 1, "Failed"),
        ("data", "Deployment", "cache", "unknown", 1, 1, "OOMKilled"),
        ("data", "StatefulSet", "db", "unknown", 1, 1, "ResourceConstraints"),
        ("default", "Pod", "debug", "unknown", 1, 1, "ImagePullError"),
        ("kube-system", "DaemonSet", "agent", "unknown", 1, 1, "CrashLoopBackOff"),
        ("shop", "Deployment", "api", "stuck", 1, 1, "CrashLoopBackOff"),
        ("shop", "Deployment", "checkout", "unknown", 1, 1, "ImagePullError"),
        ("web", "Deployment", "frontend-api", "unknown", 3, 1, "Evicted"),
    ]
    # a failed pod of a Job that then succeeded is history, not a problem
    retried = pod("batch", "hourly-x", ("Job", "hourly"), phase="Failed", statuses=[
        {"name": "app", "ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}])  # fmt: skip
    r2 = analyze_cluster([retried], [], [], restart_threshold=5, now=NOW, jobs=jobs)
    assert r2.problematic_pods == [] and r2.healthy_pods == 1 and r2.workloads == []
    only_jobs = analyze_cluster(
        pods,
        events,
        replicasets,
        restart_threshold=5,
        now=NOW,
        jobs=jobs,
        owner_kinds=frozenset({"CronJob", "Job"}),
    )
    assert [(p.namespace, p.name) for p in only_jobs.problematic_pods] == [("batch", "job-fail")]
    assert only_jobs.pods_analyzed == 2


def test_namespace_filter():
    r = analyze(namespace="data")
    assert r.namespace == "data" and r.total_pods == 2
    assert [n.namespace for n in r.namespaces] == ["data"]
    assert analyze(namespace="all").total_pods == 0  # a namespace named "all", not every namespace


def test_summary_affected_pods_are_capped():
    pods = [pod("ns", f"p{i:02d}", ("StatefulSet", "s"), statuses=[crashloop(restarts=1)]) for i in range(15)]
    r = analyze_cluster(pods, [], [], restart_threshold=5, now=NOW)
    (s,) = r.summary
    assert s.count == 15 and len(s.affected_pods) == 10 and s.affected_pods[0] == "ns/p00"


def test_empty_cluster():
    r = analyze_cluster([], [], [], restart_threshold=5, now=NOW)
    assert (r.total_pods, r.pods_analyzed, r.healthy_pods, r.problematic_pods_count) == (0, 0, 0, 0)
    assert r.summary == [] and r.namespaces == [] and r.problematic_pods == [] and not r.truncated


# ------------------------------------------------------------------------------------------ service
class FakeSource:
    description = "fake"

    def __init__(self, events_error=None):
        self.pods, self.events, self.replicasets = cluster()
        self.events_error = events_error
        self.calls: list[tuple] = []

    async def list_pods(self, namespace=None, *, field_selector="", label_selector=""):
        self.calls.append(("list_pods", namespace, field_selector))
        await asyncio.sleep(0)
        return [p for p in self.pods if namespace is None or p.metadata.namespace == namespace]

    async def list_events(self, namespace=None, *, field_selector=""):
        self.calls.append(("list_events", namespace, field_selector))
        await asyncio.sleep(0)
        if self.events_error:
            raise self.events_error
        return [e for e in self.events if namespace is None or e.metadata.namespace == namespace]

    async def list_replicasets(self, namespace=None):
        self.calls.append(("list_replicasets", namespace))
        await asyncio.sleep(0)
        return [x for x in self.replicasets if namespace is None or x.metadata.namespace == namespace]

    async def list_workloads(self, kind, namespace=None):
        self.calls.append(("list_workloads", namespace, kind))
        await asyncio.sleep(0)
        return []


def test_service_makes_cluster_wide_reads_only():
    src = FakeSource()
    r = asyncio.run(svc.pod_issues(src, now=NOW, restart_threshold=5))
    assert sorted(src.calls, key=str) == sorted(
        [
            ("list_pods", None, ""),
            ("list_events", None, POD_WARNINGS_SELECTOR),
            ("list_replicasets", None),
            *(
                ("list_workloads", None, k)
                for k in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
            ),
        ],
        key=str,
    )
    assert r.problematic_pods_count == 8 and r.warnings == []


def test_service_namespace_filter_reads_that_namespace():
    src = FakeSource()
    r = asyncio.run(svc.pod_issues(src, now=NOW, restart_threshold=5, namespace="shop", limit=1))
    assert {c[1] for c in src.calls} == {"shop"}
    assert r.truncated and r.problematic_pods[0].name == "api-1"


@pytest.mark.parametrize(
    "error", [ServiceUnavailable(details="etcd slow"), UpstreamForbidden(details="cannot list events")]
)
def test_service_without_events_still_answers(error):
    r = asyncio.run(svc.pod_issues(FakeSource(events_error=error), now=NOW, restart_threshold=5))
    assert r.problematic_pods_count == 8
    assert all(p.recent_events == [] for p in r.problematic_pods)
    assert len(r.warnings) == 1 and "events" in r.warnings[0].lower()


def test_restart_threshold_is_the_setting():
    src = FakeSource()
    r = asyncio.run(svc.pod_issues(src, now=NOW, restart_threshold=20, issue_type="HighRestarts"))
    assert r.restart_threshold_used == 20
    assert [(p.name, p.restart_count) for p in r.problematic_pods] == [("agent-x", 40)]  # 12 is not above 20
