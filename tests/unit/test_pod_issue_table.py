"""The cluster pod-issues table kept pod by pod (what the watch-fed index feeds): each put, change and removal
of a pod leaves the right per-namespace and per-controller counts, and the report over it states every
column, count and order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from builders.status import running, status_event, status_pod, terminated, waiting
from k8s_agent.analysis.pod_issues import PodIssueTable, analyze_cluster
from k8s_agent.analysis.workloads.owners import OwnerIndex
from k8s_agent.kube.models import ReplicaSet

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
CRASH = "back-off 5m0s restarting failed container=app pod=x"


def ts(ago: timedelta) -> str:
    return (NOW - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


def rs_ref(name, uid):
    return {"kind": "ReplicaSet", "name": name, "uid": uid, "controller": True}


def pod(ns, name, *statuses, owners=(), labels=None, phase="Running", age=timedelta(hours=2)):
    meta = {"uid": f"uid-{ns}-{name}", "ownerReferences": list(owners), "labels": labels or {}}
    if age is not None:
        meta["creationTimestamp"] = ts(age)
    return status_pod(
        name,
        ns,
        metadata=meta,
        spec={"nodeName": "n1", "containers": [{"name": s["name"]} for s in statuses] or [{"name": "app"}]},
        phase=phase,
        containerStatuses=list(statuses),
    )


def crash(restarts=3):
    return waiting("app", "CrashLoopBackOff", CRASH, restarts, {"exitCode": 1, "reason": "Error"})


def replicaset(ns, name, uid, deployment):
    owner = {"kind": "Deployment", "name": deployment, "uid": f"d-{deployment}", "controller": True}
    return msgspec.convert(
        {"metadata": {"name": name, "namespace": ns, "uid": uid, "ownerReferences": [owner]}}, ReplicaSet
    )


def test_put_change_remove_keep_the_counts():
    table = PodIssueTable(5)
    web = [rs_ref("web-7d9f", "rs-1")]
    a = table.put(pod("shop", "a", crash(), owners=web, labels={"pod-template-hash": "7d9f"}), NOW)
    assert (a.template_hash, a.ctrl_key) == ("7d9f", ("ReplicaSet", "web-7d9f", "rs-1", "7d9f"))
    assert not a.time_dependent and a.pod is None
    table.put(pod("shop", "b", running("app"), owners=web, labels={"pod-template-hash": "7d9f"}), NOW)
    key = ("ReplicaSet", "web-7d9f", "rs-1", "7d9f")
    assert (table.ns_counts, table.ns_totals, list(table.flagged), len(table)) == (
        {"shop": {key: 2}},
        {"shop": 2},
        [("shop", "a")],
        2,
    )
    # a changed pod replaces its record: counted once, flagged no more once healthy
    table.put(pod("shop", "a", running("app"), owners=web, labels={"pod-template-hash": "7d9f"}), NOW)
    assert (table.ns_counts, table.ns_totals, table.flagged) == ({"shop": {key: 2}}, {"shop": 2}, {})
    table.remove("shop", "b")
    assert (table.ns_counts, table.ns_totals) == ({"shop": {key: 1}}, {"shop": 1})
    # a bare pod, its hash label ignored: keyed by its own name; a Pending pod is kept to be read again
    c = table.put(
        pod(
            "shop",
            "c",
            waiting("app", "ContainerCreating"),
            phase="Pending",
            labels={"pod-template-hash": "x"},
        ),
        NOW,
    )
    assert (c.template_hash, c.ctrl_key, c.time_dependent, c.pod is not None) == (
        "",
        ("", "c", "", ""),
        True,
        True,
    )
    assert list(table.flagged) == [("shop", "c")]
    table.remove("shop", "a")
    table.remove("shop", "c")
    table.remove("shop", "gone")  # not there: nothing changes
    assert (table.records, table.flagged, table.ns_counts, table.ns_totals) == ({}, {}, {}, {})
    table.put(pod("shop", "a", crash()), NOW)
    table.clear()
    assert (table.records, table.flagged, table.ns_counts, table.ns_totals, len(table)) == ({}, {}, {}, {}, 0)


def test_report_of_one_namespace_of_a_table_over_several():
    table = PodIssueTable(5)
    table.put(pod("shop", "a", crash()), NOW)  # flagged first, in another namespace
    table.put(pod("data", "b", crash()), NOW)
    asked: list[str] = []

    def owners(ns):
        asked.append(ns)
        return OwnerIndex([], [])

    r = table.report(now=NOW, owners=owners, recent=lambda rec, now: [], namespace="data")
    assert [(p.namespace, p.name) for p in r.problematic_pods] == [("data", "b")]
    assert asked == ["data"]  # once per namespace, however many pods


def test_filters_are_echoed():
    pods = [pod("shop", "a", running("app", restarts=1, last={"exitCode": 137, "reason": "OOMKilled"}))]
    r = analyze_cluster(
        pods, [], [], restart_threshold=5, now=NOW, severity="warning", issue_type="OOMKilled"
    )
    assert (r.severity, r.issue_type, r.problematic_pods_count) == ("warning", "OOMKilled", 1)


def test_workloads_are_capped_at_100():
    pods = [pod("shop", f"bare-{i:03}", crash()) for i in range(101)]
    r = analyze_cluster(pods, [], [], restart_threshold=5, now=NOW)
    assert (len(r.workloads), r.problematic_pods_count) == (100, 101)


def test_owner_kinds_scope_resolves_through_each_namespaces_replicasets():
    pods = [
        pod("shop", "a", crash(), owners=[rs_ref("web-1", "rs-1")]),
        pod("shop", "b", running("app"), owners=[rs_ref("web-1", "rs-1")]),
    ]
    r = analyze_cluster(
        pods,
        [],
        [replicaset("shop", "web-1", "rs-1", "web")],
        restart_threshold=5,
        now=NOW,
        owner_kinds=frozenset({"Deployment"}),
    )
    assert (r.pods_analyzed, r.problematic_pods_count, r.healthy_pods) == (2, 1, 1)


def test_cluster_report_in_full():
    web1, web2 = rs_ref("web-1", "rs-1"), rs_ref("web-2", "rs-2")
    cache = rs_ref("cache-8c7d", "rs-3")  # not in the list: its Deployment from the pod-template-hash
    hashed = {"pod-template-hash": "8c7d"}
    pods = [
        # shop: a Deployment in the middle of a rollout (two ReplicaSets), two of its pods crash-looping
        pod("shop", "web-1-a", crash(7), owners=[web1]),
        pod("shop", "web-2-a", crash(), owners=[web2], age=None),
        pod("shop", "web-2-b", running("app"), owners=[web2]),
        # data: two pods with one warning each
        pod(
            "data",
            "cache-8c7d-a",
            running("app", restarts=1, last={"exitCode": 137, "reason": "OOMKilled"}),
            owners=[cache],
            labels=hashed,
        ),
        pod(
            "data",
            "cache-8c7d-b",
            running("app"),
            terminated("helper", 2, "Error"),
            owners=[cache],
            labels=hashed,
        ),
        # batch: one pod, two warnings; and an OOM kill down in one container, up again in the other
        pod(
            "batch",
            "x",
            running("app", restarts=1, last={"exitCode": 137, "reason": "OOMKilled"}),
            terminated("helper", 2, "Error"),
        ),
        pod(
            "ml",
            "y",
            terminated("app", 137, "OOMKilled"),
            running("side", restarts=1, last={"exitCode": 137, "reason": "OOMKilled"}),
        ),
    ]
    replicasets = [replicaset("shop", "web-1", "rs-1", "web"), replicaset("shop", "web-2", "rs-2", "web")]
    events = [
        status_event(
            "BackOff",
            "Back-off restarting failed container app",
            name="web-1-a",
            namespace="shop",
            uid="uid-shop-web-1-a",
            last=ts(timedelta(minutes=1)),
            first=ts(timedelta(minutes=1)),
        ),
        # an event whose object names no namespace is placed by its own
        status_event(
            "Unhealthy",
            "Liveness probe failed: EOF",
            name="web-1-a",
            namespace="",
            metadata={"name": "web-1-a.1", "namespace": "shop"},
            last=ts(timedelta(minutes=2)),
            first=ts(timedelta(minutes=2)),
        ),
        # the earlier pod of the same name
        status_event(
            "BackOff",
            "old",
            name="web-1-a",
            namespace="shop",
            uid="uid-old",
            last=ts(timedelta(minutes=1)),
            first=ts(timedelta(minutes=1)),
        ),
    ]
    r = analyze_cluster(
        pods,
        events,
        replicasets,
        restart_threshold=5,
        now=NOW,
        states={("shop", "Deployment", "web"): "progressing"},
    )
    # critical pods first, then by restarts, namespace and name; namespaces by critical, warning and
    # problematic counts; the summary by pods affected, then type; a rollout's two ReplicaSets one workload
    assert msgspec.json.decode(msgspec.json.encode(r)) == EXPECTED


EXPECTED = {
    "analysisTime": "2025-06-01T12:00:00Z",
    "scope": "all",
    "ownerKinds": None,
    "namespace": None,
    "severity": None,
    "issueType": None,
    "limit": 100,
    "restartThresholdUsed": 5,
    "totalPods": 7,
    "podsAnalyzed": 7,
    "healthyPods": 1,
    "problematicPodsCount": 6,
    "criticalIssuesCount": 4,
    "warningIssuesCount": 5,
    "returnedPods": 6,
    "truncated": False,
    "summary": [
        {
            "issueType": "OOMKilled",
            "count": 3,
            "criticalPods": 1,
            "description": "Pods with containers killed for running out of memory",
            "affectedPods": ["ml/y", "batch/x", "data/cache-8c7d-a"],
        },
        {
            "issueType": "CrashLoopBackOff",
            "count": 2,
            "criticalPods": 2,
            "description": "Pods in crash loop backoff",
            "affectedPods": ["shop/web-1-a", "shop/web-2-a"],
        },
        {
            "issueType": "Failed",
            "count": 2,
            "criticalPods": 0,
            "description": "Pods in failed state or with containers that cannot start or exited with an "
            "error",
            "affectedPods": ["batch/x", "data/cache-8c7d-b"],
        },
        {
            "issueType": "HighRestarts",
            "count": 1,
            "criticalPods": 1,
            "description": "Pods with excessive restart counts",
            "affectedPods": ["shop/web-1-a"],
        },
    ],
    "workloads": [
        {
            "namespace": "data",
            "kind": "Deployment",
            "name": "cache",
            "state": "unknown",
            "totalPods": 2,
            "failingPods": 2,
            "topReason": "OOMKilled",
        },
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
            "namespace": "batch",
            "kind": "Pod",
            "name": "x",
            "state": "unknown",
            "totalPods": 1,
            "failingPods": 1,
            "topReason": "OOMKilled",
        },
        {
            "namespace": "ml",
            "kind": "Pod",
            "name": "y",
            "state": "unknown",
            "totalPods": 1,
            "failingPods": 1,
            "topReason": "OOMKilled",
        },
    ],
    "namespaces": [
        {"namespace": "shop", "totalPods": 3, "problematicPods": 2, "criticalIssues": 3, "warningIssues": 0},
        {"namespace": "ml", "totalPods": 1, "problematicPods": 1, "criticalIssues": 1, "warningIssues": 1},
        {"namespace": "data", "totalPods": 2, "problematicPods": 2, "criticalIssues": 0, "warningIssues": 2},
        {"namespace": "batch", "totalPods": 1, "problematicPods": 1, "criticalIssues": 0, "warningIssues": 2},
    ],
    "problematicPods": [
        {
            "name": "web-1-a",
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
                {
                    "type": "HighRestarts",
                    "description": "Pod has restarted 7 times (threshold: 5)",
                    "severity": "critical",
                    "details": "app: 7 restarts",
                },
                {
                    "type": "CrashLoopBackOff",
                    "description": "Container app is in CrashLoopBackOff state",
                    "severity": "critical",
                    "details": "back-off 5m0s restarting failed container=app pod=x; last "
                    "termination: Error, exit code 1 (generic application error)",
                },
            ],
            "recentEvents": [
                {
                    "type": "Warning",
                    "reason": "BackOff",
                    "message": "Back-off restarting failed container app",
                    "firstTimestamp": "2025-06-01T11:59:00Z",
                    "lastTimestamp": "2025-06-01T11:59:00Z",
                    "count": 1,
                    "source": "",
                },
                {
                    "type": "Warning",
                    "reason": "Unhealthy",
                    "message": "Liveness probe failed: EOF",
                    "firstTimestamp": "2025-06-01T11:58:00Z",
                    "lastTimestamp": "2025-06-01T11:58:00Z",
                    "count": 1,
                    "source": "",
                },
            ],
        },
        {
            "name": "web-2-a",
            "namespace": "shop",
            "ownerKind": "Deployment",
            "ownerName": "web",
            "phase": "Running",
            "status": "CrashLoopBackOff",
            "ready": "0/1",
            "restarts": "3",
            "restartCount": 3,
            "age": "unknown",
            "issues": [
                {
                    "type": "CrashLoopBackOff",
                    "description": "Container app is in CrashLoopBackOff state",
                    "severity": "critical",
                    "details": "back-off 5m0s restarting failed container=app pod=x; last "
                    "termination: Error, exit code 1 (generic application error)",
                }
            ],
            "recentEvents": [],
        },
        {
            "name": "y",
            "namespace": "ml",
            "ownerKind": "Pod",
            "ownerName": "y",
            "phase": "Running",
            "status": "OOMKilled",
            "ready": "1/2",
            "restarts": "1",
            "restartCount": 1,
            "age": "2h",
            "issues": [
                {
                    "type": "OOMKilled",
                    "description": "Container app was OOMKilled (no memory limit set)",
                    "severity": "critical",
                    "details": "exit code 137",
                },
                {
                    "type": "OOMKilled",
                    "description": "Container side was OOMKilled (no memory limit set)",
                    "severity": "warning",
                    "details": "exit code 137, 1 restarts",
                },
            ],
            "recentEvents": [],
        },
        {
            "name": "x",
            "namespace": "batch",
            "ownerKind": "Pod",
            "ownerName": "x",
            "phase": "Running",
            "status": "Error",
            "ready": "1/2",
            "restarts": "1",
            "restartCount": 1,
            "age": "2h",
            "issues": [
                {
                    "type": "OOMKilled",
                    "description": "Container app was OOMKilled (no memory limit set)",
                    "severity": "warning",
                    "details": "exit code 137, 1 restarts",
                },
                {
                    "type": "Failed",
                    "description": "Container helper terminated with exit code 2",
                    "severity": "warning",
                    "details": "Error, exit code 2 (misuse of a shell builtin or application-defined error)",
                },
            ],
            "recentEvents": [],
        },
        {
            "name": "cache-8c7d-a",
            "namespace": "data",
            "ownerKind": "Deployment",
            "ownerName": "cache",
            "phase": "Running",
            "status": "Running",
            "ready": "1/1",
            "restarts": "1",
            "restartCount": 1,
            "age": "2h",
            "issues": [
                {
                    "type": "OOMKilled",
                    "description": "Container app was OOMKilled (no memory limit set)",
                    "severity": "warning",
                    "details": "exit code 137, 1 restarts",
                }
            ],
            "recentEvents": [],
        },
        {
            "name": "cache-8c7d-b",
            "namespace": "data",
            "ownerKind": "Deployment",
            "ownerName": "cache",
            "phase": "Running",
            "status": "Error",
            "ready": "1/2",
            "restarts": "0",
            "restartCount": 0,
            "age": "2h",
            "issues": [
                {
                    "type": "Failed",
                    "description": "Container helper terminated with exit code 2",
                    "severity": "warning",
                    "details": "Error, exit code 2 (misuse of a shell builtin or application-defined error)",
                }
            ],
            "recentEvents": [],
        },
    ],
    "warnings": [],
}


def test_a_removed_pod_leaves_its_controllers_other_pods_counted():
    table = PodIssueTable(5)
    web = [rs_ref("web-7d9f", "rs-1")]
    for name in ("a", "b", "c"):
        # no pod-template-hash label: the key has an empty hash
        table.put(pod("shop", name, running("app"), owners=web), NOW)
    table.remove("shop", "a")
    assert table.ns_counts == {"shop": {("ReplicaSet", "web-7d9f", "rs-1", ""): 2}}


def test_a_replaced_replicaset_of_the_same_name_is_not_the_pods():
    # the pod's ReplicaSet (rs-old) was deleted and one of the same name created (rs-new, of Deployment web):
    # the pod stays under its own ReplicaSet, out of a Deployment scope
    pods = [pod("shop", "a", crash(), owners=[rs_ref("web-1", "rs-old")])]
    r = analyze_cluster(
        pods,
        [],
        [replicaset("shop", "web-1", "rs-new", "web")],
        restart_threshold=5,
        now=NOW,
        owner_kinds=frozenset({"Deployment"}),
    )
    assert (r.pods_analyzed, r.problematic_pods_count) == (0, 0)
