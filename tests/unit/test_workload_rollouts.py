"""The rolling controllers' states, rule by rule: a Deployment's defaulted replicas, the complete-but-short
case, a paused rollout, the deadline of a rollout whose pods fail; a StatefulSet's current revision, its
rollback target, the pod it waits on (OrderedReady by ordinal, Parallel any), OnDelete, pods the controller
cannot create; a DaemonSet without a node list, OnDelete, pods of no known revision."""

from __future__ import annotations

from datetime import timedelta

from builders.workloads import (
    NOW,
    ago,
    cond,
    container,
    controller_revision,
    daemon_pod,
    daemonset,
    deployment,
    event,
    owner,
    pod,
    replicaset,
    rs_pod,
    statefulset,
    ts,
)
from builders.workloads import (
    node as node_of,
)
from k8s_agent.analysis.workloads.diagnose import diagnose
from k8s_agent.kube import models as m


def conv(d: dict, t: type):
    return m.convert(d, t)


def run(kind, obj, t, **kw):
    kw.setdefault("pods", [])
    kw.setdefault("events", [])
    return diagnose(kind, conv(obj, t), namespace=obj["metadata"]["namespace"], now=NOW, **kw)


def replicas(out) -> tuple[int, int, int, int, int]:
    r = out.replicas
    return r.desired, r.current, r.updated, r.ready, r.available


# ------------------------------------------------------------------------------------------ Deployment
def test_a_deployment_without_replicas_wants_one():
    d = deployment("web", "web:1", replicas=1)
    del d["spec"]["replicas"]  # the API server defaults it to 1; a stored object may omit it
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=1)
    out = run(
        "Deployment",
        d,
        m.Deployment,
        replicasets=[conv(rs, m.ReplicaSet)],
        pods=[conv(rs_pod(rs, "a"), m.Pod)],
    )
    assert (out.state, out.state_reason) == ("complete", "all 1 replicas updated and available")
    assert replicas(out) == (1, 1, 1, 1, 1)
    assert [c.type for c in out.conditions] == ["Available", "Progressing"]


def test_complete_rollout_short_of_available_replicas_names_the_available_condition():
    d = deployment(
        "web",
        "web:1",
        conditions=[
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            ),
            cond("Progressing", "True", "NewReplicaSetAvailable"),
        ],
        status={"readyReplicas": 1, "availableReplicas": 1, "unavailableReplicas": 2},
    )
    out = run("Deployment", d, m.Deployment)
    assert (out.state, out.state_reason) == (
        "degraded",
        "the rollout is complete but 1 of 3 replicas are available (MinimumReplicasUnavailable)",
    )
    assert replicas(out) == (3, 3, 3, 1, 1)


def test_old_pods_still_counted_after_the_new_replicaset_is_available_is_progressing():
    # Progressing says NewReplicaSetAvailable, but a 4th (old) pod is still counted: not done yet
    d = deployment("web", "web:2", status={"replicas": 4})
    out = run("Deployment", d, m.Deployment)
    assert (out.state, out.state_reason) == (
        "progressing",
        "rollout in progress: 3 of 3 updated, 3 available, 4 in total",
    )


def test_a_scale_up_not_yet_updated_is_progressing():
    d = deployment(
        "web",
        "web:1",
        conditions=[cond("Progressing", "True", "ReplicaSetUpdated")],
        status={"replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2},
    )
    out = run("Deployment", d, m.Deployment)
    assert (out.state, out.state_reason) == (
        "progressing",
        "rollout in progress: 2 of 3 updated, 2 available, 2 in total",
    )


def test_a_paused_rollout_is_suspended_and_left_as_it_is():
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=3, ready=2)
    pods = [
        conv(rs_pod(rs, s, state=st), m.Pod) for s, st in (("a", "ready"), ("b", "ready"), ("c", "crashloop"))
    ]
    d = deployment("web", "web:1", paused=True, status={"readyReplicas": 2, "availableReplicas": 2})
    out = run("Deployment", d, m.Deployment, replicasets=[conv(rs, m.ReplicaSet)], pods=pods)
    assert (out.state, out.state_reason) == ("suspended", "the rollout is paused (spec.paused)")
    # no advice on the crashing pod: only how to resume
    assert out.suggestions == ["Resume it with `kubectl rollout resume deployment/web -n shop`"]


def test_failing_new_pods_without_a_progress_time_count_the_deadline_from_the_revision():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=3, created=ago(days=2))
    created = NOW - timedelta(minutes=3)
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, ready=0, created=ts(created))
    d = deployment(
        "web",
        "web:2",
        conditions=[cond("Available", "True", "MinimumReplicasAvailable")],  # no Progressing condition yet
        status={"replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3},
    )
    del d["spec"]["progressDeadlineSeconds"]  # the default, 600 s
    pods = [rs_pod(old, s) for s in ("a", "b", "c")]
    pods.append(rs_pod(new, "x", state="crashloop", created=created))
    out = run(
        "Deployment",
        d,
        m.Deployment,
        replicasets=[conv(new, m.ReplicaSet), conv(old, m.ReplicaSet)],
        pods=[conv(p, m.Pod) for p in pods],
    )
    assert out.state == "progressing"
    assert out.state_reason == (
        "rollout in progress: 1 of 3 updated, 3 available, 4 in total; revision 2's pods are failing "
        f"(CrashLoopBackOff); without progress the controller reports ProgressDeadlineExceeded at "
        f"{ts(created + timedelta(seconds=600))} (progressDeadlineSeconds 600)"
    )
    assert replicas(out) == (3, 4, 1, 3, 3)
    assert [(r.revision, r.current) for r in out.revisions] == [(2, True), (1, False)]
    assert (out.what_changed.from_revision, out.what_changed.to_revision) == (1, 2)


# ------------------------------------------------------------------------------------------ StatefulSet
OLD_T = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [container("postgres:16.1")]}}
MID_T = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [container("postgres:16.2")]}}


def _db(status: dict, *, replicas: int = 3, strategy: dict | None = None, policy: str | None = None):
    s = statefulset("db", "postgres:16.3", replicas=replicas, status=status, policy=policy)
    if strategy is not None:
        s["spec"]["updateStrategy"] = strategy
    crs = [
        controller_revision("StatefulSet", "db", "1a1a1a1a1a", 1, OLD_T, created=ago(days=20)),
        controller_revision("StatefulSet", "db", "2b2b2b2b2b", 2, MID_T, created=ago(days=10)),
        controller_revision(
            "StatefulSet", "db", "3c3c3c3c3c", 3, s["spec"]["template"], created=ago(minutes=30)
        ),
    ]
    return s, [conv(c, m.ControllerRevision) for c in crs]


def db_pod(i: int, rev: str, state: str = "ready", young: bool = False):
    p = pod(
        f"db-{i}",
        owner("StatefulSet", "db"),
        "postgres:16.3",
        state=state,
        labels={"app": "db", "controller-revision-hash": rev},
    )
    p = conv(p, m.Pod)
    for c in p.status.conditions:
        if c.type == "Ready" and young:
            c.last_transition_time = NOW - timedelta(seconds=20)
    return p


def test_without_an_update_revision_the_newest_revision_is_current():
    s, crs = _db({"replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3})
    pods = [db_pod(i, "db-3c3c3c3c3c") for i in range(3)]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == ("complete", "all 3 replicas ready on revision ?")
    assert [(r.revision, r.current, r.pods) for r in out.revisions] == [
        (3, True, 3),
        (2, False, 0),
        (1, False, 0),
    ]
    assert replicas(out) == (3, 3, 3, 3, 3)


def test_the_rollback_target_is_the_current_revision_not_the_one_before_the_update():
    status = {
        "replicas": 3,
        "readyReplicas": 2,
        "currentReplicas": 2,
        "updatedReplicas": 1,
        "currentRevision": "db-1a1a1a1a1a",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status)
    pods = [db_pod(0, "db-1a1a1a1a1a"), db_pod(1, "db-1a1a1a1a1a"), db_pod(2, "db-3c3c3c3c3c", "crashloop")]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert out.state == "stuck"
    assert (out.what_changed.from_revision, out.what_changed.to_revision) == (1, 3)
    assert out.suggestions == [
        "Once the template is fixed (or rolled back: `kubectl rollout undo statefulset/db -n shop --to-revision=1`), "
        "delete db-2: a StatefulSet does not replace a pod that never became ready on its own",
        "Roll back to the last working revision with `kubectl rollout undo statefulset/db -n shop --to-revision=1` "
        "(revision 3 fails: CrashLoopBackOff)",
        "Read why revision 3's containers exit: `kubectl logs -n shop db-2 --previous`",
    ]


def test_without_a_known_current_revision_the_next_newest_is_the_rollback_target():
    status = {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 1, "updateRevision": "db-3c3c3c3c3c"}
    s, crs = _db(status)
    pods = [db_pod(0, "db-2b2b2b2b2b"), db_pod(1, "db-2b2b2b2b2b"), db_pod(2, "db-3c3c3c3c3c", "crashloop")]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.what_changed.from_revision, out.what_changed.to_revision) == (2, 3)
    two = run("StatefulSet", s, m.StatefulSet, revisions=crs[1:], pods=pods)
    assert (two.what_changed.from_revision, two.what_changed.to_revision) == (2, 3)
    # one revision only: nothing to go back to
    single = run("StatefulSet", s, m.StatefulSet, revisions=crs[2:], pods=pods[2:])
    assert single.what_changed is None
    assert not any("rollout undo" in x for x in single.suggestions)


def test_ordered_ready_waits_on_the_lowest_ordinal_not_ready():
    status = {
        "replicas": 11,
        "readyReplicas": 9,
        "updatedReplicas": 11,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status, replicas=11)
    pods = [db_pod(10, "db-3c3c3c3c3c", "crashloop"), db_pod(2, "db-3c3c3c3c3c", "crashloop")]
    pods += [db_pod(i, "db-3c3c3c3c3c") for i in (0, 1, 3, 4, 5, 6, 7, 8, 9)]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert out.state_reason.startswith("pod db-2 cannot become ready (CrashLoopBackOff: ")
    # nothing is rolling and no pod is missing: the set is degraded, not stuck, and no pod needs deleting
    assert out.state == "degraded"
    assert out.state_reason.endswith(
        "; with podManagementPolicy OrderedReady the controller waits for it before creating, updating or "
        "deleting any other pod"
    )
    assert not any("delete db-" in x for x in out.suggestions)


def test_parallel_waits_on_no_pod_in_particular():
    status = {
        "replicas": 3,
        "readyReplicas": 1,
        "updatedReplicas": 3,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status, policy="Parallel")
    # db-1 has just started (no problem yet); db-2 crashes
    pods = [db_pod(0, "db-3c3c3c3c3c"), db_pod(1, "db-3c3c3c3c3c", "starting", young=True)]
    pods.append(db_pod(2, "db-3c3c3c3c3c", "crashloop"))
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert out.state == "degraded"
    assert out.state_reason.startswith("pod db-2 cannot become ready (CrashLoopBackOff: ")
    assert "OrderedReady" not in out.state_reason and out.state_reason.endswith(")")
    # the same pods under OrderedReady: the controller waits on db-1, which is only starting
    ordered, crs = _db(status)
    out = run("StatefulSet", ordered, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == (
        "progressing",
        "1 of 3 replicas ready, 3 on the update revision db-3c3c3c3c3c",
    )


def test_a_pod_starting_with_nothing_rolling_is_progressing_without_an_update_revision():
    s, crs = _db({"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3})
    pods = [
        db_pod(0, "db-3c3c3c3c3c"),
        db_pod(1, "db-3c3c3c3c3c"),
        db_pod(2, "db-3c3c3c3c3c", "starting", young=True),
    ]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == ("progressing", "2 of 3 replicas ready, 3 on the update revision")


def test_on_delete_keeps_old_pods_until_deleted_and_is_complete():
    status = {
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 2,
        "updatedReplicas": 1,
        "currentRevision": "db-2b2b2b2b2b",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status, strategy={"type": "OnDelete"})
    pods = [db_pod(0, "db-2b2b2b2b2b"), db_pod(1, "db-2b2b2b2b2b"), db_pod(2, "db-3c3c3c3c3c")]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == (
        "complete",
        "all 3 replicas ready on revision db-3c3c3c3c3c; updateStrategy OnDelete: 2 pods keep revision "
        "db-2b2b2b2b2b until deleted",
    )
    # the same status under RollingUpdate is a rollout under way
    s, crs = _db(status)
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == (
        "progressing",
        "3 of 3 replicas ready, 1 on the update revision db-3c3c3c3c3c",
    )


def test_pods_the_controller_cannot_create_make_it_stuck():
    status = {
        "replicas": 1,
        "readyReplicas": 1,
        "updatedReplicas": 1,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status)
    refused = (
        'create Pod db-1 in StatefulSet db failed error: pods "db-1" is forbidden: exceeded quota: compute, '
        "requested: requests.cpu=2,requests.memory=4Gi, used: requests.cpu=9,requests.memory=30Gi, limited: "
        "requests.cpu=10,requests.memory=32Gi (the namespace's quota is set by the platform team)"
    )
    assert len(refused) > 200
    evs = [
        conv(
            event(
                "StatefulSet",
                "db",
                "FailedCreate",
                refused,
                first=NOW - timedelta(minutes=5),
                count=4,
                component="statefulset-controller",
            ),
            m.Event,
        )
    ]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=[db_pod(0, "db-3c3c3c3c3c")], events=evs)
    assert len(out.create_failures) == 1 and out.create_failures[0].object == "StatefulSet/db"
    assert out.state == "stuck"
    assert out.state_reason == f"the controller cannot create pods: {out.create_failures[0].message[:200]}"
    assert len(out.create_failures[0].message) > 200


def test_unobserved_generation_of_a_statefulset_is_progressing():
    s, crs = _db({"replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "observedGeneration": 1})
    s["metadata"]["generation"] = 2
    out = run(
        "StatefulSet", s, m.StatefulSet, revisions=crs, pods=[db_pod(i, "db-3c3c3c3c3c") for i in range(3)]
    )
    assert out.state == "progressing"
    assert out.state_reason.startswith(
        "the controller has not yet acted on generation 2 of the spec (observed 1)"
    )


def test_statefulset_pods_of_a_revision_no_longer_listed():
    status = {
        "replicas": 2,
        "readyReplicas": 1,
        "updatedReplicas": 2,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status, replicas=2)
    # db-1's revision was pruned from the history: its pod is under no known revision, and crashes
    pods = [db_pod(0, "db-3c3c3c3c3c"), db_pod(1, "db-9f9f9f9f9f", "crashloop")]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert out.state == "degraded"
    assert out.state_reason.startswith("pod db-1 cannot become ready (CrashLoopBackOff: ")
    unknown = out.revisions[-1]
    assert (unknown.revision, unknown.name, unknown.pods, unknown.failing_pods) == (
        0,
        "(unknown revision)",
        1,
        1,
    )
    assert any("db-1" in b for b in out.blockers)


def test_a_statefulset_without_replicas_wants_one():
    s, crs = _db({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1})
    del s["spec"]["replicas"]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=[db_pod(0, "db-3c3c3c3c3c")])
    assert (out.state, out.state_reason) == ("complete", "all 1 replicas ready on revision ?")
    assert out.replicas.desired == 1


# ------------------------------------------------------------------------------------------ DaemonSet
def _agent(status: dict, *, strategy: dict | None = None, generation: int = 2):
    ds = daemonset("agent", "agent:2", generation=generation, status=status)
    if strategy is not None:
        ds["spec"]["updateStrategy"] = strategy
    old_t = {"metadata": {"labels": {"k8s-app": "agent"}}, "spec": {"containers": [container("agent:1")]}}
    crs = []
    for h, r, t in (("5f5f5f5f5", 1, old_t), ("7a7a7a7a7", 2, ds["spec"]["template"])):
        cr = controller_revision("DaemonSet", "agent", h, r, t)
        cr["metadata"]["namespace"] = "kube-system"
        cr["metadata"]["ownerReferences"] = [owner("DaemonSet", "agent", ns="kube-system")]
        crs.append(conv(cr, m.ControllerRevision))
    return ds, crs


def run_ds(ds, crs, pods, nodes, events=()):
    return diagnose(
        "DaemonSet",
        conv(ds, m.DaemonSet),
        namespace="kube-system",
        now=NOW,
        pods=[conv(p, m.Pod) for p in pods],
        events=list(events),
        revisions=crs,
        nodes=None if nodes is None else [conv(n, m.Node) for n in nodes],
    )


def test_a_daemonset_without_the_node_list_counts_from_its_status():
    status = {
        "desiredNumberScheduled": 3,
        "currentNumberScheduled": 2,
        "numberReady": 1,
        "numberAvailable": 1,
        "updatedNumberScheduled": 3,
    }  # numberUnavailable omitted (the API omits a zero; here it is derived: 3 - 1)
    ds, crs = _agent(status)
    pods = [
        daemon_pod(ds, "worker-a", "7a7a7a7a7"),
        daemon_pod(ds, "worker-b", "7a7a7a7a7", state="imagepull"),
    ]
    out = run_ds(ds, crs, pods, None)
    assert out.warnings == ["nodes could not be read: no per-node view"]
    assert out.daemon_set_nodes is None
    assert (out.state, out.state_reason) == (
        "degraded",
        "1 of 3 pods available; 1 node that should run one have none; 2 unavailable",
    )
    assert replicas(out) == (3, 2, 3, 1, 1)
    assert [(r.revision, r.current) for r in out.revisions] == [(2, True), (1, False)]


def test_a_daemonset_available_everywhere_without_the_node_list_is_complete():
    status = {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2,
        "numberReady": 2,
        "numberAvailable": 2,
        "updatedNumberScheduled": 2,
    }
    ds, crs = _agent(status)
    pods = [daemon_pod(ds, n, "7a7a7a7a7") for n in ("worker-a", "worker-b")]
    out = run_ds(ds, crs, pods, None)
    assert (out.state, out.state_reason) == (
        "complete",
        "a pod available on each of the 2 nodes it should run on",
    )
    assert out.blockers == [] and out.suggestions == []


def test_a_rolling_update_under_way_is_progressing_and_on_delete_is_not_rolling():
    status = {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2,
        "numberReady": 2,
        "numberAvailable": 2,
        "updatedNumberScheduled": 1,
    }
    ds, crs = _agent(status)
    pods = [daemon_pod(ds, "worker-a", "5f5f5f5f5"), daemon_pod(ds, "worker-b", "7a7a7a7a7")]
    nodes = [node_of("worker-a"), node_of("worker-b")]
    out = run_ds(ds, crs, pods, nodes)
    assert (out.state, out.state_reason) == ("progressing", "rolling update: 1 of 2 nodes updated")
    ds, crs = _agent(status, strategy={"type": "OnDelete"})
    out = run_ds(ds, crs, pods, nodes)
    assert (out.state, out.state_reason) == (
        "complete",
        "a pod available on each of the 2 nodes it should run on",
    )


def test_failing_updated_pods_under_on_delete_are_not_a_stuck_rollout():
    status = {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2,
        "numberReady": 1,
        "numberAvailable": 1,
        "numberUnavailable": 1,
        "updatedNumberScheduled": 1,
    }
    pods_of = lambda ds: [  # noqa: E731
        daemon_pod(ds, "worker-a", "5f5f5f5f5"),
        daemon_pod(ds, "worker-b", "7a7a7a7a7", state="crashloop"),
    ]
    nodes = [node_of("worker-a"), node_of("worker-b")]
    ds, crs = _agent(status)
    out = run_ds(ds, crs, pods_of(ds), nodes)
    assert out.state == "stuck"
    assert out.state_reason == (
        "rolling update: 1 of 2 nodes updated, and the updated pods fail (CrashLoopBackOff) on 1 node; the update "
        "cannot go past maxUnavailable"
    )
    assert replicas(out) == (2, 2, 1, 1, 1)
    ds, crs = _agent(status, strategy={"type": "OnDelete"})
    out = run_ds(ds, crs, pods_of(ds), nodes)
    assert (out.state, out.state_reason) == ("degraded", "1 of 2 pods available; 1 unavailable")
    gap = out.daemon_set_nodes.nodes[0]
    assert [f"node {gap.node}: {gap.problem}: {gap.reason}"] == [
        b for b in out.blockers if b.startswith("node ")
    ]


def test_excluded_nodes_are_named_in_the_reason_but_are_not_blockers():
    status = {
        "desiredNumberScheduled": 1,
        "currentNumberScheduled": 1,
        "numberReady": 1,
        "numberAvailable": 1,
        "updatedNumberScheduled": 1,
    }
    ds, crs = _agent(status)
    nodes = [
        node_of("worker-a"),
        node_of("gpu-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
        node_of("gpu-2", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
    ]
    out = run_ds(ds, crs, [daemon_pod(ds, "worker-a", "7a7a7a7a7")], nodes)
    assert (out.state, out.state_reason) == (
        "complete",
        "a pod available on each of the 1 nodes it should run on (2 nodes excluded by taints, selector or "
        "affinity)",
    )
    assert out.blockers == []
    one = run_ds(ds, crs, [daemon_pod(ds, "worker-a", "7a7a7a7a7")], nodes[:2])
    assert one.state_reason.endswith("(1 node excluded by taints, selector or affinity)")


def test_daemon_pods_of_a_revision_no_longer_listed():
    status = {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2,
        "numberReady": 1,
        "numberAvailable": 1,
        "numberUnavailable": 1,
        "updatedNumberScheduled": 2,
    }
    ds, crs = _agent(status)
    pods = [
        daemon_pod(ds, "worker-a", "7a7a7a7a7"),
        daemon_pod(ds, "worker-b", "0e0e0e0e0", state="crashloop"),
    ]
    out = run_ds(ds, crs, pods, [node_of("worker-a"), node_of("worker-b")])
    unknown = out.revisions[-1]
    assert (unknown.revision, unknown.name, unknown.pods, unknown.failing_pods) == (
        0,
        "(unknown revision)",
        1,
        1,
    )
    gaps = {g.node: (g.problem, g.reason.split(":")[0]) for g in out.daemon_set_nodes.nodes}
    assert gaps == {"worker-b": ("unavailable", "CrashLoopBackOff")}


def test_unobserved_generation_of_a_daemonset_is_progressing():
    status = {
        "desiredNumberScheduled": 1,
        "currentNumberScheduled": 1,
        "numberReady": 1,
        "numberAvailable": 1,
        "updatedNumberScheduled": 1,
        "observedGeneration": 1,
    }
    ds, crs = _agent(status, generation=2)
    out = run_ds(ds, crs, [daemon_pod(ds, "worker-a", "7a7a7a7a7")], [node_of("worker-a")])
    assert out.state == "progressing"
    assert out.state_reason.startswith(
        "the controller has not yet acted on generation 2 of the spec (observed 1)"
    )


def test_on_delete_with_every_pod_on_the_update_revision_says_nothing_of_old_pods():
    status = {
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 3,
        "updatedReplicas": 3,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status, strategy={"type": "OnDelete"})
    out = run(
        "StatefulSet", s, m.StatefulSet, revisions=crs, pods=[db_pod(i, "db-3c3c3c3c3c") for i in range(3)]
    )
    assert (out.state, out.state_reason) == ("complete", "all 3 replicas ready on revision db-3c3c3c3c3c")


def test_a_statefulset_scaling_up_is_progressing_and_an_old_refusal_does_not_make_it_stuck():
    status = {
        "replicas": 2,
        "readyReplicas": 2,
        "updatedReplicas": 2,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status)
    pods = [db_pod(0, "db-3c3c3c3c3c"), db_pod(1, "db-3c3c3c3c3c")]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == (
        "progressing",
        "2 of 3 replicas ready, 2 on the update revision db-3c3c3c3c3c",
    )
    refused = (
        'create Pod db-2 in StatefulSet db failed error: pods "db-2" is forbidden: exceeded quota: compute'
    )
    evs = [
        conv(
            event(
                "StatefulSet",
                "db",
                "FailedCreate",
                refused,
                first=NOW - timedelta(hours=2),
                component="statefulset-controller",
            ),
            m.Event,
        )
    ]
    done = dict(status, replicas=3, readyReplicas=3, updatedReplicas=3)
    s, crs = _db(done)
    out = run(
        "StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods + [db_pod(2, "db-3c3c3c3c3c")], events=evs
    )
    assert out.state == "complete" and len(out.create_failures) == 1


def test_without_controller_revisions_the_rolling_controllers_still_answer():
    s, _ = _db({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1})
    s["spec"]["replicas"] = 1
    out = run("StatefulSet", s, m.StatefulSet, revisions=[], pods=[db_pod(0, "db-3c3c3c3c3c")])
    assert (out.state, out.state_reason) == ("complete", "all 1 replicas ready on revision ?")
    assert [(r.revision, r.name) for r in out.revisions] == [(0, "(unknown revision)")]
    status = {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2,
        "numberReady": 2,
        "numberAvailable": 2,
        "updatedNumberScheduled": 1,
    }
    ds, _ = _agent(status)
    pods = [daemon_pod(ds, "worker-a", "5f5f5f5f5"), daemon_pod(ds, "worker-b", "7a7a7a7a7")]
    out = run_ds(ds, [], pods, [node_of("worker-a"), node_of("worker-b")])
    assert (out.state, out.state_reason) == ("progressing", "rolling update: 1 of 2 nodes updated")


def test_pods_the_daemonset_controller_cannot_create_are_listed():
    status = {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 1,
        "numberReady": 1,
        "numberAvailable": 1,
        "numberUnavailable": 1,
        "updatedNumberScheduled": 1,
    }
    ds, crs = _agent(status)
    refused = (
        'Error creating: pods "agent-x2k9p" is forbidden: violates PodSecurity "baseline:latest": host namespaces '
        "(hostNetwork=true)"
    )
    evs = [
        conv(
            event(
                "DaemonSet",
                "agent",
                "FailedCreate",
                refused,
                first=NOW - timedelta(minutes=3),
                component="daemonset-controller",
                ns="kube-system",
            ),
            m.Event,
        )
    ]
    out = run_ds(
        ds, crs, [daemon_pod(ds, "worker-a", "7a7a7a7a7")], [node_of("worker-a"), node_of("worker-b")], evs
    )
    assert [(cf.object, cf.cause) for cf in out.create_failures] == [("DaemonSet/agent", "pod-security")]


def test_a_complete_statefulset_lists_a_restarting_pod_as_a_blocker_without_advice():
    status = {
        "replicas": 2,
        "readyReplicas": 2,
        "updatedReplicas": 2,
        "currentRevision": "db-3c3c3c3c3c",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(status, replicas=2)
    restarting = m.convert(
        pod(
            "db-0",
            owner("StatefulSet", "db"),
            "postgres:16.3",
            state="ready",
            restarts=12,
            labels={"app": "db", "controller-revision-hash": "db-3c3c3c3c3c"},
        ),
        m.Pod,
    )
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=[restarting, db_pod(1, "db-3c3c3c3c3c")])
    assert out.state == "complete"
    assert out.blockers == ["revision 3 (db-3c3c3c3c3c): 1 pod HighRestarts (db-0): app: 12 restarts"]
    assert out.suggestions == []


def test_the_deadline_counts_from_the_last_progress_when_there_was_some():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=3, created=ago(days=2))
    created = NOW - timedelta(minutes=8)
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, ready=0, created=ts(created))
    progressed = cond("Progressing", "True", "ReplicaSetUpdated", at=ago(minutes=2))
    progressed["lastUpdateTime"] = ago(minutes=2)
    d = deployment(
        "web",
        "web:2",
        conditions=[cond("Available", "True", "MinimumReplicasAvailable"), progressed],
        status={"replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3},
    )
    pods = [rs_pod(old, s) for s in ("a", "b", "c")] + [rs_pod(new, "x", state="crashloop", created=created)]
    out = run(
        "Deployment",
        d,
        m.Deployment,
        replicasets=[conv(new, m.ReplicaSet), conv(old, m.ReplicaSet)],
        pods=[conv(p, m.Pod) for p in pods],
    )
    assert f"ProgressDeadlineExceeded at {ts(NOW + timedelta(minutes=8))} (progressDeadlineSeconds 600)" in (
        out.state_reason
    )


def test_statefulset_updates_under_way_and_a_partition_that_has_done_its_part():
    # the last pod updated, the status not yet caught up with the revisions: still rolling
    rolling = {
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 0,
        "updatedReplicas": 3,
        "currentRevision": "db-2b2b2b2b2b",
        "updateRevision": "db-3c3c3c3c3c",
    }
    s, crs = _db(rolling)
    pods = [db_pod(i, "db-3c3c3c3c3c") for i in range(3)]
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == (
        "progressing",
        "3 of 3 replicas ready, 3 on the update revision db-3c3c3c3c3c",
    )
    # scaling down from 4: db-3 is still counted
    s, crs = _db({"replicas": 4, "readyReplicas": 3, "updatedReplicas": 4, "updateRevision": "db-3c3c3c3c3c"})
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert out.state == "progressing"
    # a partition of 2: only db-2 is to be updated, and it is
    partial = {"replicas": 3, "readyReplicas": 3, "updatedReplicas": 1, "updateRevision": "db-3c3c3c3c3c"}
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    s, crs = _db(partial, strategy=strategy)
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == ("complete", "all 3 replicas ready on revision db-3c3c3c3c3c")
    s, crs = _db(partial)  # no partition: two pods still to update
    out = run("StatefulSet", s, m.StatefulSet, revisions=crs, pods=pods)
    assert (out.state, out.state_reason) == (
        "progressing",
        "3 of 3 replicas ready, 1 on the update revision db-3c3c3c3c3c",
    )


def test_a_deployment_that_cannot_create_its_new_replicaset_is_stuck_on_the_controllers_words():
    """The deployment controller writes a failed ReplicaSet create as a Progressing=False condition and a
    Warning event on the Deployment, both with reason ReplicaSetCreateError (never FailedCreate); an object
    count quota is freed by deleting objects, not by lowering requests."""
    refused = (
        'Failed to create new replica set "web-5f7b9c8d4": replicasets.apps "web-5f7b9c8d4" is forbidden: '
        "exceeded quota: objects, requested: count/replicasets.apps=1, used: count/replicasets.apps=10, "
        "limited: count/replicasets.apps=10"
    )
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=3)
    d = deployment(
        "web",
        "web:2",
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable"),
            cond("Progressing", "False", "ReplicaSetCreateError", refused),
        ],
        status={"updatedReplicas": 0},
    )
    ev = event(
        "Deployment", "web", "ReplicaSetCreateError", refused, first=NOW - timedelta(minutes=5), count=4
    )
    out = run(
        "Deployment",
        d,
        m.Deployment,
        replicasets=[conv(rs, m.ReplicaSet)],
        pods=[conv(rs_pod(rs, s), m.Pod) for s in "abc"],
        events=[conv(ev, m.Event)],
    )
    assert (out.state, out.state_reason) == ("stuck", f"ReplicaSetCreateError: {refused}")
    assert [(cf.object, cf.cause, cf.count, cf.quota) for cf in out.create_failures] == [
        ("Deployment/web", "quota", 4, "objects")
    ]
    assert f"Deployment/web: ReplicaSetCreateError (quota): {refused[:200]}" in out.blockers
    assert (
        "The quota `objects` in `shop` has 0 count/replicasets.apps left (when refused: 10 of 10 used); a new "
        "ReplicaSet asks for 1: raise the quota by 1 or more, or delete replicasets.apps the namespace no "
        "longer needs (the quota counts every one)"
    ) in out.suggestions
    # a FailedCreate written against the Deployment (no controller writes one) is not taken for it
    other = event("Deployment", "web", "FailedCreate", refused, first=NOW - timedelta(minutes=5))
    out = run("Deployment", d, m.Deployment, events=[conv(other, m.Event)])
    assert out.create_failures == []
