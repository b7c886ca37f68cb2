"""A controller's revisions and what fails in them: which ReplicaSets and pods are the Deployment's (orphans,
another controller's, a foreign pod anywhere in the list), revision numbers from the annotation, each
revision's problems in order with the pods named, the blockers and advice per problem, and when a rollback
is offered."""

from __future__ import annotations

from datetime import timedelta

from builders.workloads import (
    NOW,
    ago,
    cond,
    controller_revision,
    deployment,
    owner,
    pod,
    replicaset,
    rs_pod,
    statefulset,
    ts,
)
from k8s_agent.analysis.workloads.diagnose import diagnose
from k8s_agent.kube import models as m

ROLLING = {"replicas": 5, "updatedReplicas": 5, "readyReplicas": 0, "availableReplicas": 0}
PROGRESSING = [cond("Progressing", "True", "ReplicaSetUpdated")]


def conv(d: dict, t: type):
    return m.convert(d, t)


def run_deploy(d: dict, rss: list[dict], pods: list[dict], **kw):
    return diagnose(
        "Deployment",
        conv(d, m.Deployment),
        namespace=d["metadata"]["namespace"],
        now=NOW,
        replicasets=[conv(r, m.ReplicaSet) for r in rss],
        pods=[conv(p, m.Pod) for p in pods],
        events=[],
        **kw,
    )


def foreign_pods() -> list[dict]:
    """Pods in the namespace that are not the Deployment's: a bare debug pod, another Deployment's pod."""
    other = replicaset("api", "5d5d5d5d5d", 1, "api:1", replicas=1)
    return [pod("debug", {}, "busybox:1.36", state="ready"), rs_pod(other, "q1w2e")]


def test_revision_problems_in_order_with_the_pods_named_and_the_advice_per_problem():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=0, created=ago(days=3))
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=5, ready=0, created=ago(hours=1))
    pods = foreign_pods()
    pods += [rs_pod(new, f"c{i}", state="crashloop") for i in range(4)]
    pods.append(rs_pod(new, "n0", state="notready"))
    d = deployment("web", "web:2", replicas=5, conditions=PROGRESSING, status=ROLLING)
    d["status"]["availableReplicas"] = 0
    out = run_deploy(d, [new, old], pods)
    assert (out.kind, out.namespace, out.name, out.analysis_time) == ("Deployment", "shop", "web", ts(NOW))
    current, previous = out.revisions
    assert (current.revision, current.name, current.created, current.images) == (
        2,
        "web-7b9f8c5d4f",
        ago(hours=1),
        ["web:2"],
    )
    assert (previous.revision, previous.created, previous.images, previous.pods) == (
        1,
        ago(days=3),
        ["web:1"],
        0,
    )
    assert (current.pods, current.ready_pods, current.failing_pods) == (5, 0, 5)
    assert [(p.reason, p.count, p.pods) for p in current.problems] == [
        ("CrashLoopBackOff", 4, [f"web-7b9f8c5d4f-c{i}" for i in range(4)]),
        ("NotReady", 1, ["web-7b9f8c5d4f-n0"]),
    ]
    crash = current.problems[0].message
    assert crash.startswith("back-off 5m0s restarting failed container=app pod=web-7b9f8c5d4f-c0_shop(")
    assert out.blockers == [
        f"revision 2 (web-7b9f8c5d4f): 4 pods CrashLoopBackOff (web-7b9f8c5d4f-c0, web-7b9f8c5d4f-c1, "
        f"web-7b9f8c5d4f-c2 and 1 more): {crash[:200]}",
        f"revision 2 (web-7b9f8c5d4f): 1 pod NotReady (web-7b9f8c5d4f-n0): {current.problems[1].message[:200]}",
    ]
    # the previous revision has no pods left (scaled to 0), which does not make it a bad rollback target
    assert out.suggestions == [
        "Roll back to the last working revision with `kubectl rollout undo deployment/web -n shop --to-revision=1` "
        "(revision 2 fails: CrashLoopBackOff)",
        "Read why revision 2's containers exit: `kubectl logs -n shop web-7b9f8c5d4f-c0 --previous`",
        "The readiness probe of web-7b9f8c5d4f-n0 fails: `kubectl describe pod -n shop web-7b9f8c5d4f-n0` shows "
        "the probe's last answers",
    ]
    assert "revision 2's pods are failing (CrashLoopBackOff)" in out.state_reason


def test_three_pods_are_all_named_and_other_problems_have_their_own_advice():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=2, created=ago(days=3))
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=4, ready=0, created=ago(hours=1))
    pods = [rs_pod(new, f"i{i}", state="imagepull") for i in range(3)]
    pods.append(rs_pod(new, "u0", state="unschedulable"))  # Insufficient cpu: ResourceConstraints
    # the previous revision: one pod failing, one still ready: still worth going back to
    pods += [rs_pod(old, "r0"), rs_pod(old, "f0", state="crashloop")]
    d = deployment("web", "web:2", replicas=4, conditions=PROGRESSING, status=ROLLING)
    out = run_deploy(d, [old, new], pods)
    problems = out.revisions[0].problems
    assert [(p.reason, p.count) for p in problems] == [("ImagePullError", 3), ("ResourceConstraints", 1)]
    assert out.blockers[0].startswith(
        "revision 2 (web-7b9f8c5d4f): 3 pods ImagePullError (web-7b9f8c5d4f-i0, web-7b9f8c5d4f-i1, "
        "web-7b9f8c5d4f-i2): "
    )
    assert out.suggestions[:3] == [
        "Roll back to the last working revision with `kubectl rollout undo deployment/web -n shop --to-revision=1` "
        "(revision 2 fails: ImagePullError)",
        "Check that the image(s) web:2 exist and that the pull secret grants access",
        "See why web-7b9f8c5d4f-u0 cannot be scheduled: GET /api/v1/pods/shop/web-7b9f8c5d4f-u0/scheduling/explain",
    ]


def test_equal_counts_put_the_problems_in_name_order_and_the_top_one_is_the_last_name():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=2, created=ago(days=3))
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=2, ready=0, created=ago(hours=1))
    pods = [rs_pod(new, "n0", state="notready"), rs_pod(new, "c0", state="crashloop")]
    pods += [rs_pod(old, "r0"), rs_pod(old, "r1")]
    d = deployment("web", "web:2", replicas=2, conditions=PROGRESSING, status=ROLLING)
    out = run_deploy(d, [old, new], pods)
    assert [p.reason for p in out.revisions[0].problems] == ["CrashLoopBackOff", "NotReady"]
    assert "(revision 2 fails: NotReady)" in out.suggestions[0]


def test_a_previous_revision_whose_every_pod_fails_is_no_rollback_target():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=1, ready=0, created=ago(days=3))
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, ready=0, created=ago(hours=1))
    pods = [rs_pod(new, "c0", state="crashloop"), rs_pod(old, "c1", state="crashloop")]
    d = deployment("web", "web:2", replicas=1, conditions=PROGRESSING, status=ROLLING)
    out = run_deploy(d, [old, new], pods)
    assert not any("rollout undo" in s for s in out.suggestions)


def test_only_the_deployments_own_replicasets_are_its_revisions():
    mine = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, created=ago(hours=1))
    # orphaned by `kubectl delete deployment --cascade=orphan` of an earlier web: no controller
    orphan = replicaset("web", "1a1a1a1a1a", 1, "web:0", replicas=1)
    orphan["metadata"]["ownerReferences"] = []
    # an Argo Rollout named web controls this one
    rollout = replicaset("web", "2b2b2b2b2b", 3, "web:3", replicas=1)
    rollout["metadata"]["ownerReferences"] = [owner("Rollout", "web", "argoproj.io/v1alpha1")]
    d = deployment("web", "web:2", replicas=1)
    out = run_deploy(d, [orphan, rollout, mine], [rs_pod(mine, "a0")])
    assert [(r.revision, r.name) for r in out.revisions] == [(2, "web-7b9f8c5d4f")]


def test_revision_numbers_come_from_the_annotation_and_ties_go_newest_first():
    a = replicaset("web", "1a1a1a1a1a", 1, "web:1", replicas=0, created=ago(days=2))
    b = replicaset("web", "2b2b2b2b2b", 1, "web:2", replicas=0, created=ago(days=1))
    del a["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    del b["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    c = replicaset("web", "3c3c3c3c3c", 1, "web:3", replicas=1, created=ago(hours=1))
    c["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "three"
    d = deployment("web", "web:3", replicas=1)
    out = run_deploy(d, [a, b, c], [rs_pod(c, "a0")])
    # no annotation or an unreadable one: revision 0, the newest first among equals
    assert [(r.revision, r.name) for r in out.revisions] == [
        (0, "web-3c3c3c3c3c"),
        (0, "web-2b2b2b2b2b"),
        (0, "web-1a1a1a1a1a"),
    ]


def test_the_generation_not_yet_observed_is_said_in_full():
    d = deployment("web", "web:2", generation=5, observed=4)
    out = run_deploy(d, [], [])
    assert out.state_reason == (
        "the controller has not yet acted on generation 5 of the spec (observed 4); its status describes the "
        "previous spec"
    )


def test_statefulset_pods_of_an_earlier_set_of_the_same_name_are_not_its_own():
    s = statefulset(
        "db",
        "postgres:16.3",
        replicas=2,
        status={
            "replicas": 2,
            "readyReplicas": 2,
            "updatedReplicas": 2,
            "currentRevision": "db-3c3c3c3c3c",
            "updateRevision": "db-3c3c3c3c3c",
        },
    )
    cr = controller_revision("StatefulSet", "db", "3c3c3c3c3c", 1, s["spec"]["template"], created=ago(days=1))
    labels = {"app": "db", "controller-revision-hash": "db-3c3c3c3c3c"}
    earlier = owner("StatefulSet", "db")
    earlier["uid"] = "0a0a0a0a-0000-4000-8000-000000000000"  # the set deleted with --cascade=orphan
    pods = [
        pod("stray-0", earlier, "postgres:15", state="crashloop", labels=labels),
        pod("web-0", owner("Deployment", "web"), "web:1", labels=labels),
        pod("db-0", owner("StatefulSet", "db"), "postgres:16.3", labels=labels),
        pod("db-1", owner("StatefulSet", "db"), "postgres:16.3", labels=labels),
    ]
    out = diagnose(
        "StatefulSet",
        conv(s, m.StatefulSet),
        namespace="shop",
        now=NOW,
        pods=[conv(p, m.Pod) for p in pods],
        events=[],
        revisions=[conv(cr, m.ControllerRevision)],
    )
    assert [(r.revision, r.pods, r.created) for r in out.revisions] == [(1, 2, ago(days=1))]
    assert out.state == "complete" and out.blockers == []


def test_the_deadline_note_uses_the_revisions_creation_time():
    created = NOW - timedelta(minutes=2)
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, ready=0, created=ts(created))
    d = deployment("web", "web:2", replicas=1, conditions=[], status=ROLLING)
    out = run_deploy(d, [new], [rs_pod(new, "c0", state="crashloop")])
    assert f"ProgressDeadlineExceeded at {ts(created + timedelta(seconds=600))}" in out.state_reason


def test_a_pod_restarting_often_gets_the_logs_advice():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=1, created=ago(days=3))
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, created=ago(hours=1))
    pods = [rs_pod(new, "h0", state="ready", restarts=12), rs_pod(old, "r0")]
    d = deployment("web", "web:2", replicas=1, conditions=PROGRESSING, status=ROLLING)
    out = run_deploy(d, [old, new], pods)
    assert [(p.reason, p.message) for p in out.revisions[0].problems] == [
        ("HighRestarts", "app: 12 restarts")
    ]
    assert "Read why revision 2's containers exit: `kubectl logs -n shop web-7b9f8c5d4f-h0 --previous`" in (
        out.suggestions
    )


def test_more_pods_with_a_problem_put_it_first_whatever_its_name():
    old = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=2, created=ago(days=3))
    new = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=3, ready=0, created=ago(hours=1))
    pods = [rs_pod(new, "c0", state="crashloop"), rs_pod(new, "n0", state="notready")]
    pods += [rs_pod(new, "n1", state="notready"), rs_pod(old, "r0"), rs_pod(old, "r1")]
    d = deployment("web", "web:2", replicas=3, conditions=PROGRESSING, status=ROLLING)
    out = run_deploy(d, [old, new], pods)
    assert [(p.reason, p.count) for p in out.revisions[0].problems] == [
        ("NotReady", 2),
        ("CrashLoopBackOff", 1),
    ]
    assert [b.split(" (web-7b9f8c5d4f-")[0] for b in out.blockers] == [
        "revision 2 (web-7b9f8c5d4f): 2 pods NotReady",
        "revision 2 (web-7b9f8c5d4f): 1 pod CrashLoopBackOff",
    ]
