"""Workload diagnosis on real object shapes: every state the issue lists, the template diff, create
failures, DaemonSet nodes, Jobs, CronJobs, the schedule parser and owner resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders.workloads import (
    NOW,
    NS,
    ago,
    cond,
    container,
    controller_revision,
    cronjob,
    daemon_pod,
    daemonset,
    deployment,
    event,
    job,
    node,
    owner,
    pod,
    quota,
    replicaset,
    rs_pod,
    statefulset,
    ts,
)
from k8s_agent.analysis.workloads.cron import CronError, Schedule
from k8s_agent.analysis.workloads.diagnose import diagnose, workload_state
from k8s_agent.analysis.workloads.owners import OwnerIndex, workload_of
from k8s_agent.analysis.workloads.template import diff_templates
from k8s_agent.kube import models as m


def conv(d: dict, t: type):
    return m.convert(d, t)


def pods_of(*dicts):
    return [conv(d, m.Pod) for d in dicts]


def events_of(*dicts):
    return [conv(d, m.Event) for d in dicts]


def run(kind, obj, t, **kw):
    kw.setdefault("pods", [])
    kw.setdefault("events", [])
    return diagnose(kind, conv(obj, t), namespace=obj["metadata"]["namespace"], now=NOW, **kw)


# ------------------------------------------------------------------------------------------ Deployment
def _rollout(new_state: str, *, new_age: timedelta, conditions: list[dict], status: dict):
    """web: revision 3 (v1.4.2, 3 ready pods) rolling to revision 4 (v1.5.0)."""
    old = replicaset(
        "web", "6d4cf56db6", 3, "registry.example.com/web:v1.4.2", replicas=3, created=ago(days=2)
    )
    new_created = NOW - new_age
    new = replicaset(
        "web",
        "7b9f8c5d4f",
        4,
        "registry.example.com/web:v1.5.0",
        replicas=1,
        ready=0,
        created=ts(new_created),
    )
    older = replicaset(
        "web", "5c8d7b6a9f", 2, "registry.example.com/web:v1.4.1", replicas=0, created=ago(days=9)
    )
    d = deployment(
        "web",
        "registry.example.com/web:v1.5.0",
        replicas=3,
        generation=4,
        conditions=conditions,
        status=status,
    )
    pods = [rs_pod(old, s) for s in ("a1b2c", "d3e4f", "g5h6i")]
    pods.append(rs_pod(new, "x7y8z", state=new_state, created=new_created + timedelta(seconds=2)))
    return d, [conv(r, m.ReplicaSet) for r in (old, new, older)], pods_of(*pods), new_created


IN_PROGRESS_STATUS = {
    "replicas": 4,
    "updatedReplicas": 1,
    "readyReplicas": 3,
    "availableReplicas": 3,
    "unavailableReplicas": 1,
}


AVAILABLE = cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")


def test_rollout_in_progress_is_progressing_not_stuck():
    conditions = [
        AVAILABLE,
        cond(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            'ReplicaSet "web-7b9f8c5d4f" is progressing.',
            at=ago(seconds=20),
        ),
    ]
    d, rss, pods, _ = _rollout(
        "starting", new_age=timedelta(seconds=20), conditions=conditions, status=IN_PROGRESS_STATUS
    )
    out = run("Deployment", d, m.Deployment, replicasets=rss, pods=pods)
    assert out.state == "progressing"
    assert out.state_reason.startswith("rollout in progress: 1 of 3 updated, 3 available, 4 in total")
    assert out.blockers == []
    assert not any("rollout undo" in s for s in out.suggestions)
    assert [r.revision for r in out.revisions] == [4, 3, 2]
    assert out.revisions[0].current and out.revisions[0].pods == 1 and out.revisions[1].ready_pods == 3


def test_rollout_in_progress_with_failing_new_pods_says_when_the_deadline_falls_but_stays_progressing():
    conditions = [
        cond("Available", "True", "MinimumReplicasAvailable"),
        cond("Progressing", "True", "ReplicaSetUpdated", at=ago(minutes=4)),
    ]
    conditions[1]["lastUpdateTime"] = ago(minutes=4)
    d, rss, pods, _ = _rollout(
        "crashloop", new_age=timedelta(minutes=4), conditions=conditions, status=IN_PROGRESS_STATUS
    )
    out = run("Deployment", d, m.Deployment, replicasets=rss, pods=pods)
    assert out.state == "progressing"
    assert "revision 4's pods are failing (CrashLoopBackOff)" in out.state_reason
    assert f"ProgressDeadlineExceeded at {ts(NOW + timedelta(minutes=6))}" in out.state_reason


def test_progress_deadline_exceeded_while_old_pods_are_ready_is_stuck_with_revision_diff_and_rollback():
    conditions = [
        AVAILABLE,
        cond(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            'ReplicaSet "web-7b9f8c5d4f" has timed out progressing.',
            at=ago(minutes=3),
        ),
    ]
    d, rss, pods, new_created = _rollout(
        "crashloop", new_age=timedelta(minutes=15), conditions=conditions, status=IN_PROGRESS_STATUS
    )
    backoff = event(
        "Pod",
        "web-7b9f8c5d4f-x7y8z",
        "BackOff",
        "Back-off restarting failed container app in pod web-7b9f8c5d4f-x7y8z_shop(...)",
        first=new_created + timedelta(minutes=3),
        last=NOW - timedelta(seconds=30),
        count=40,
    )
    out = run("Deployment", d, m.Deployment, replicasets=rss, pods=pods, events=events_of(backoff))
    assert out.state == "stuck"
    assert out.state_reason.startswith(
        'ProgressDeadlineExceeded: ReplicaSet "web-7b9f8c5d4f" has timed out progressing.'
    )
    assert "3 pods of older revisions still ready and serving" in out.state_reason
    # the broken revision, named, and its problem
    current = out.revisions[0]
    assert (current.revision, current.name, current.failing_pods) == (4, "web-7b9f8c5d4f", 1)
    assert current.problems[0].reason == "CrashLoopBackOff"
    assert any(
        b.startswith("revision 4 (web-7b9f8c5d4f): 1 pod CrashLoopBackOff (web-7b9f8c5d4f-x7y8z)")
        for b in out.blockers
    )
    # what changed: the image, when, and the first failure after it (the container's first exit, at +2m)
    wc = out.what_changed
    assert (wc.from_revision, wc.to_revision) == (3, 4)
    assert [(c.container, c.field, c.before, c.after) for c in wc.changes] == [
        ("app", "image", "registry.example.com/web:v1.4.2", "registry.example.com/web:v1.5.0")
    ]
    assert wc.changed_at == ts(new_created)
    assert wc.first_failure == "exit code 1 (app)"
    assert wc.failure_after == "2m"
    assert wc.summary == (
        "revision 4: app: image changed from registry.example.com/web:v1.4.2 to registry.example.com/web:v1.5.0, "
        "15m ago, 2m before the first exit code 1 (app)"
    )
    assert "`kubectl rollout undo deployment/web -n shop --to-revision=3`" in out.suggestions[0]


def test_unobserved_generation_is_progressing_even_with_a_stale_deadline_condition():
    conditions = [cond("Progressing", "False", "ProgressDeadlineExceeded", "old news")]
    d = deployment("web", "web:2", generation=5, observed=4, conditions=conditions)
    out = run("Deployment", d, m.Deployment)
    assert out.state == "progressing"
    assert out.state_reason.startswith(
        "the controller has not yet acted on generation 5 of the spec (observed 4)"
    )
    assert (out.generation, out.observed_generation) == (5, 4)


def test_new_replicaset_blocked_by_quota_is_stuck_with_quota_left_vs_asked():
    new = replicaset(
        "api",
        "58d9c7b6f4",
        2,
        "api:2.0",
        replicas=3,
        ready=0,
        created=ago(minutes=8),
        containers=[container("api:2.0", cpu="3", memory="1Gi")],
        conditions=[
            cond(
                "ReplicaFailure",
                "True",
                "FailedCreate",
                'pods "api-58d9c7b6f4-k2j4h" is forbidden: exceeded quota: compute, requested: requests.cpu=3, used: requests.cpu=8, limited: requests.cpu=10',
            )
        ],
    )
    new["status"].update(replicas=0, readyReplicas=0, availableReplicas=0)
    old = replicaset("api", "6f7d8c9b5a", 1, "api:1.0", replicas=3, created=ago(days=5))
    msg = (
        'Error creating: pods "api-58d9c7b6f4-{}" is forbidden: exceeded quota: compute, requested: '
        "requests.cpu=3, used: requests.cpu=8, limited: requests.cpu=10"
    )
    evs = events_of(
        event(
            "ReplicaSet",
            new["metadata"]["name"],
            "FailedCreate",
            msg.format("k2j4h"),
            first=NOW - timedelta(minutes=8),
            count=5,
            component="replicaset-controller",
        ),
        event(
            "ReplicaSet",
            new["metadata"]["name"],
            "FailedCreate",
            msg.format("p9q8r"),
            first=NOW - timedelta(minutes=2),
            count=3,
            component="replicaset-controller",
        ),
    )
    d = deployment(
        "api",
        "api:2.0",
        generation=2,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable"),
            cond("Progressing", "True", "ReplicaSetUpdated"),
            cond("ReplicaFailure", "True", "FailedCreate", msg.format("k2j4h")[len("Error creating: ") :]),
        ],
        status={"replicas": 3, "updatedReplicas": 0, "readyReplicas": 3, "availableReplicas": 3},
    )
    quotas = [
        conv(
            quota(
                "compute",
                {"requests.cpu": "10", "requests.memory": "20Gi"},
                {"requests.cpu": "8", "requests.memory": "6Gi"},
            ),
            m.ResourceQuota,
        )
    ]
    pods = pods_of(*(rs_pod(old, s) for s in ("aaaaa", "bbbbb", "ccccc")))
    out = run(
        "Deployment",
        d,
        m.Deployment,
        replicasets=[conv(new, m.ReplicaSet), conv(old, m.ReplicaSet)],
        pods=pods,
        events=evs,
        quotas=quotas,
    )
    assert out.state == "stuck"
    assert out.state_reason.startswith("ReplicaFailure (FailedCreate): pods")
    # one entry for both attempts (the pod names differ), counts added
    assert len(out.create_failures) == 1
    cf = out.create_failures[0]
    assert (cf.object, cf.cause, cf.quota, cf.count) == ("ReplicaSet/api-58d9c7b6f4", "quota", "compute", 8)
    assert (
        "The quota `compute` in `shop` has 2 requests.cpu left (now: 8 of 10 used); a new pod asks for 3: "
        "raise the quota by 1 or more, or lower the pod template's requests"
    ) in out.suggestions


def test_admission_webhook_and_pod_security_refusals_are_told_apart():
    d = deployment(
        "pay",
        "pay:1",
        status={"replicas": 0, "updatedReplicas": 0, "readyReplicas": 0, "availableReplicas": 0},
    )
    rs = replicaset("pay", "7c6b5d4f8e", 1, "pay:1", replicas=2, ready=0)
    name = rs["metadata"]["name"]
    evs = events_of(
        event(
            "ReplicaSet",
            name,
            "FailedCreate",
            f'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: resource Pod/shop/{name}-abcde was blocked due to the following policies require-labels: check-team: team label is required',
            first=NOW - timedelta(minutes=5),
            component="replicaset-controller",
        ),
        event(
            "ReplicaSet",
            name,
            "FailedCreate",
            f'Error creating: pods "{name}-fghij" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
            first=NOW - timedelta(minutes=4),
            component="replicaset-controller",
        ),
    )
    out = run("Deployment", d, m.Deployment, replicasets=[conv(rs, m.ReplicaSet)], events=evs)
    assert sorted(cf.cause for cf in out.create_failures) == ["admission-webhook", "pod-security"]
    assert any(
        s.startswith("The admission webhook `validate.kyverno.svc-fail` denies the pods")
        for s in out.suggestions
    )
    assert any(
        s.startswith("Namespace `shop` enforces PodSecurity `restricted:latest`") for s in out.suggestions
    )


def test_healthy_deployment_is_complete_and_paused_is_suspended():
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=3)
    out = run(
        "Deployment",
        deployment("web", "web:1"),
        m.Deployment,
        replicasets=[conv(rs, m.ReplicaSet)],
        pods=pods_of(*(rs_pod(rs, s) for s in "abc")),
    )
    assert (out.state, out.state_reason) == ("complete", "all 3 replicas updated and available")
    assert out.what_changed is None and out.suggestions == [] and out.blockers == []
    paused = run("Deployment", deployment("web", "web:1", paused=True), m.Deployment)
    assert paused.state == "suspended"
    assert "`kubectl rollout resume deployment/web -n shop`" in paused.suggestions[0]


def test_finished_rollout_with_a_crashing_pod_is_degraded_not_progressing():
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=3, ready=2)
    pods = pods_of(rs_pod(rs, "a"), rs_pod(rs, "b"), rs_pod(rs, "c", state="crashloop"))
    d = deployment(
        "web",
        "web:1",
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable"),
            cond("Progressing", "True", "NewReplicaSetAvailable"),
        ],
        status={"readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1},
    )
    out = run("Deployment", d, m.Deployment, replicasets=[conv(rs, m.ReplicaSet)], pods=pods)
    assert out.state == "degraded"
    assert out.state_reason == "the rollout is complete but 2 of 3 replicas are available"


# ------------------------------------------------------------------------------------------ StatefulSet
def _sts(pod_states: list[str], status: dict, policy: str | None = None):
    sts = statefulset("db", "postgres:16.3", replicas=3, status=status, policy=policy)
    tmpl_old = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [container("postgres:16.2")]}}
    tmpl_new = sts["spec"]["template"]
    crs = [
        controller_revision("StatefulSet", "db", "7d9f6c5b48", 1, tmpl_old, created=ago(days=10)),
        controller_revision("StatefulSet", "db", "5b6c7d8e9f", 2, tmpl_new, created=ago(minutes=30)),
    ]
    pods = []
    for i, state in enumerate(pod_states):
        rev = "db-5b6c7d8e9f" if i >= len(pod_states) - 1 else "db-7d9f6c5b48"
        p = pod(
            f"db-{i}",
            owner("StatefulSet", "db"),
            "postgres:16.3",
            state=state,
            labels={"app": "db", "controller-revision-hash": rev},
        )
        if state == "notready":
            p["status"]["conditions"][2]["lastTransitionTime"] = ago(minutes=20)
        pods.append(p)
    return sts, [conv(c, m.ControllerRevision) for c in crs], pods_of(*pods)


def test_statefulset_stuck_on_a_pod_that_cannot_become_ready():
    status = {
        "replicas": 3,
        "readyReplicas": 2,
        "currentReplicas": 2,
        "updatedReplicas": 1,
        "currentRevision": "db-7d9f6c5b48",
        "updateRevision": "db-5b6c7d8e9f",
    }
    sts, crs, pods = _sts(["ready", "ready", "notready"], status)
    out = run("StatefulSet", sts, m.StatefulSet, revisions=crs, pods=pods)
    assert out.state == "stuck"
    assert out.state_reason.startswith("pod db-2 cannot become ready (NotReady: containers not ready: app)")
    assert "OrderedReady the controller waits for it" in out.state_reason
    assert [(r.revision, r.name, r.current) for r in out.revisions] == [
        (2, "db-5b6c7d8e9f", True),
        (1, "db-7d9f6c5b48", False),
    ]
    assert out.what_changed.changes[0].field == "image"
    assert any("delete db-2" in s for s in out.suggestions)
    assert any("kubectl rollout undo statefulset/db -n shop --to-revision=1" in s for s in out.suggestions)


def test_statefulset_pod_still_starting_is_progressing():
    status = {
        "replicas": 3,
        "readyReplicas": 2,
        "currentReplicas": 2,
        "updatedReplicas": 1,
        "currentRevision": "db-7d9f6c5b48",
        "updateRevision": "db-5b6c7d8e9f",
    }
    sts, crs, pods = _sts(["ready", "ready", "starting"], status)
    # "starting": not ready since it started seconds after creation a day ago would be NotReady; make it young
    young = [p if p.metadata.name != "db-2" else p for p in pods]
    for c in young[2].status.conditions:
        if c.type == "Ready":
            c.last_transition_time = NOW - timedelta(seconds=30)
    out = run("StatefulSet", sts, m.StatefulSet, revisions=crs, pods=young)
    assert out.state == "progressing"
    assert out.state_reason == "2 of 3 replicas ready, 1 on the update revision db-5b6c7d8e9f"


# ------------------------------------------------------------------------------------------ DaemonSet
def test_daemonset_missing_on_tainted_nodes_and_short_on_another():
    nodes = [
        node(
            "cp-1",
            taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
            labels={"node-role.kubernetes.io/control-plane": ""},
        ),
        node("gpu-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
        node("gpu-2", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
        node("worker-a"),
        node("worker-b"),
        node("worker-c", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]),
    ]
    ds = daemonset(
        "log-agent",
        "fluent-bit:3.1",
        status={
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 2,
            "numberReady": 1,
            "numberAvailable": 1,
            "numberUnavailable": 2,
            "updatedNumberScheduled": 3,
        },
        tolerations=[
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}
        ],
    )
    cr = controller_revision("DaemonSet", "log-agent", "6b8f9d7c5", 1, ds["spec"]["template"])
    cr["metadata"]["namespace"] = "kube-system"
    cr["metadata"]["ownerReferences"] = [owner("DaemonSet", "log-agent", ns="kube-system")]
    pods = pods_of(
        daemon_pod(ds, "cp-1", "6b8f9d7c5"),
        daemon_pod(ds, "worker-a", "6b8f9d7c5", state="imagepull"),
        # worker-c is cordoned: daemon pods tolerate that, and it has none -> missing
    )
    pods_dicts_b = []
    out = diagnose(
        "DaemonSet",
        conv(ds, m.DaemonSet),
        namespace="kube-system",
        now=NOW,
        pods=pods + pods_of(*pods_dicts_b),
        events=[],
        revisions=[conv(cr, m.ControllerRevision)],
        nodes=[conv(n, m.Node) for n in nodes],
    )
    v = out.daemon_set_nodes
    assert (v.nodes_total, v.eligible, v.missing, v.unavailable, v.excluded) == (6, 4, 2, 1, 2)
    gaps = {g.node: (g.problem, g.reason) for g in v.nodes}
    assert gaps["gpu-1"] == ("excluded", "taint dedicated=gpu:NoSchedule is not tolerated")
    assert gaps["worker-b"] == ("missing", "no daemon pod on this node")
    assert gaps["worker-c"][0] == "missing"
    assert gaps["worker-a"][0] == "unavailable" and gaps["worker-a"][1].startswith("ImagePullError")
    assert "cp-1" not in gaps
    assert [g.problem for g in v.nodes] == ["missing", "missing", "unavailable", "excluded", "excluded"]
    assert out.state == "degraded"
    assert "2 nodes that should run one have none" in out.state_reason
    assert (
        "To run on gpu-1, gpu-2 (taint dedicated=gpu:NoSchedule), add the toleration "
        "{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule} to the DaemonSet's pod template, if those "
        "nodes should run it"
    ) in out.suggestions


def test_daemonset_rolling_update_with_failing_updated_pods_is_stuck():
    ds = daemonset(
        "agent",
        "agent:2",
        generation=2,
        status={
            "desiredNumberScheduled": 2,
            "currentNumberScheduled": 2,
            "numberReady": 1,
            "numberAvailable": 1,
            "numberUnavailable": 1,
            "updatedNumberScheduled": 1,
        },
    )
    old_t = {"metadata": {"labels": {"k8s-app": "agent"}}, "spec": {"containers": [container("agent:1")]}}
    crs = []
    for h, r, t in (("5f5f5f5f5", 1, old_t), ("7a7a7a7a7", 2, ds["spec"]["template"])):
        cr = controller_revision("DaemonSet", "agent", h, r, t)
        cr["metadata"]["namespace"] = "kube-system"
        cr["metadata"]["ownerReferences"] = [owner("DaemonSet", "agent", ns="kube-system")]
        crs.append(conv(cr, m.ControllerRevision))
    pods = pods_of(
        daemon_pod(ds, "worker-a", "5f5f5f5f5"), daemon_pod(ds, "worker-b", "7a7a7a7a7", state="crashloop")
    )
    out = diagnose(
        "DaemonSet",
        conv(ds, m.DaemonSet),
        namespace="kube-system",
        now=NOW,
        pods=pods,
        events=[],
        revisions=crs,
        nodes=[conv(node("worker-a"), m.Node), conv(node("worker-b"), m.Node)],
    )
    assert out.state == "stuck"
    assert out.state_reason.startswith(
        "rolling update: 1 of 2 nodes updated, and the updated pods fail (CrashLoopBackOff) on 1 node"
    )
    assert out.what_changed.changes[0].after == "agent:2"
    assert any("rollout undo daemonset/agent -n kube-system --to-revision=1" in s for s in out.suggestions)


# ------------------------------------------------------------------------------------------ Job
def test_job_that_failed_its_backoff_limit():
    j = job(
        "reconcile",
        backoff=2,
        status={"failed": 3, "startTime": ago(minutes=30)},
        conditions=[
            cond(
                "FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            ),
            cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ],
    )
    ref = owner("Job", "reconcile", "batch/v1")
    pods = pods_of(
        *(
            pod(
                f"reconcile-{s}",
                ref,
                "busybox:1.36",
                state="failed",
                created=NOW - timedelta(minutes=30 - i * 5),
            )
            for i, s in enumerate(("abcde", "fghij", "klmno"))
        )
    )
    out = run("Job", j, m.Job, pods=pods)
    assert out.state == "failed"
    assert out.state_reason == "BackoffLimitExceeded: Job has reached the specified backoff limit"
    assert (out.job.failed, out.job.backoff_limit, out.job.failure_reason) == (3, 2, "BackoffLimitExceeded")
    assert out.job.retried_then_succeeded is False
    assert "`kubectl logs -n shop reconcile-klmno`" in out.suggestions[0]
    assert out.blockers[0].startswith("reconcile: 3 pods Failed")


def test_job_that_retried_and_succeeded_is_complete_and_its_failed_pods_are_not_blockers():
    j = job(
        "export",
        status={"succeeded": 1, "failed": 2, "startTime": ago(hours=1), "completionTime": ago(minutes=40)},
        conditions=[
            cond("SuccessCriteriaMet", "True", "CompletionsReached"),
            cond("Complete", "True", "CompletionsReached"),
        ],
    )
    ref = owner("Job", "export", "batch/v1")
    pods = pods_of(
        pod("export-a", ref, "busybox", state="failed"),
        pod("export-b", ref, "busybox", state="failed"),
        pod("export-c", ref, "busybox", state="succeeded"),
    )
    out = run("Job", j, m.Job, pods=pods)
    assert out.state == "complete"
    assert out.state_reason == "succeeded (1 succeeded, after 2 failed pods retried within backoffLimit 6)"
    assert out.job.retried_then_succeeded is True
    assert out.blockers == [] and out.suggestions == []


def test_job_failed_by_pod_failure_policy_lists_the_rules():
    pfp = {
        "rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "app", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
        ]
    }
    j = job(
        "train",
        status={"failed": 1},
        pod_failure_policy=pfp,
        conditions=[
            cond(
                "Failed",
                "True",
                "PodFailurePolicy",
                "Container app for pod shop/train-x failed with exit code 42 matching FailJob rule at index 0",
            )
        ],
    )
    out = run("Job", j, m.Job)
    assert out.state == "failed" and out.job.failure_reason == "PodFailurePolicy"
    assert out.job.pod_failure_policy == [
        "FailJob when container app exits with a code that is in [42]",
        "Ignore when the pod has condition DisruptionTarget=True",
    ]


def test_running_job_whose_pod_cannot_pull_its_image_is_stuck():
    j = job("etl", status={"active": 1, "startTime": ago(minutes=20)})
    pods = pods_of(
        pod(
            "etl-zzzzz",
            owner("Job", "etl", "batch/v1"),
            "etl:missing",
            state="imagepull",
            created=NOW - timedelta(minutes=20),
        )
    )
    out = run("Job", j, m.Job, pods=pods)
    assert out.state == "stuck"
    assert any("Check that the image(s)" in s for s in out.suggestions)


# ------------------------------------------------------------------------------------------ CronJob
def test_cronjob_with_missed_schedules_behind_a_forbid_job():
    cj = cronjob(
        "report",
        "*/15 * * * *",
        policy="Forbid",
        status={
            "active": [{"kind": "Job", "namespace": NS, "name": "report-29541600", "apiVersion": "batch/v1"}],
            "lastScheduleTime": ago(hours=2),
            "lastSuccessfulTime": ago(hours=2, minutes=15),
        },
    )
    running = job(
        "report-29541600",
        owner_ref=owner("CronJob", "report", "batch/v1"),
        status={"active": 1, "startTime": ago(hours=2)},
        annotations={"batch.kubernetes.io/cronjob-scheduled-timestamp": ago(hours=2)},
        created=ago(hours=2),
    )
    done = job(
        "report-29541585",
        owner_ref=owner("CronJob", "report", "batch/v1"),
        status={"succeeded": 1},
        conditions=[cond("Complete", "True")],
        annotations={"batch.kubernetes.io/cronjob-scheduled-timestamp": ago(hours=2, minutes=15)},
        created=ago(hours=2, minutes=15),
    )
    out = run("CronJob", cj, m.CronJob, jobs=[conv(done, m.Job), conv(running, m.Job)])
    assert out.state == "stuck"
    assert out.cron_job.missed_schedules == 7  # 10:15 ... 11:45 (12:00 is within the grace minute)
    assert out.cron_job.first_missed == ago(hours=1, minutes=45)
    assert out.state_reason.startswith(
        f"7 scheduled run(s) since {ago(hours=1, minutes=45)} started no Job: concurrencyPolicy Forbid skips them while Job report-29541600 runs (since 2h ago)"
    )
    assert out.cron_job.last_job == "report-29541600" and out.cron_job.last_job_state == "progressing"
    assert out.cron_job.next_schedule_time == ts(NOW + timedelta(minutes=15))


def test_cronjob_on_schedule_takes_its_last_jobs_state():
    cj = cronjob(
        "nightly",
        "0 2 * * *",
        status={"lastScheduleTime": ts(NOW.replace(hour=2)), "lastSuccessfulTime": None},
    )
    failed = job(
        "nightly-29541720",
        owner_ref=owner("CronJob", "nightly", "batch/v1"),
        status={"failed": 7},
        conditions=[
            cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        ],
        created=ts(NOW.replace(hour=2)),
    )
    out = run("CronJob", cj, m.CronJob, jobs=[conv(failed, m.Job)])
    assert out.cron_job.missed_schedules == 0
    assert out.state == "failed"
    assert out.state_reason.startswith("last Job nightly-29541720: failed (BackoffLimitExceeded")
    suspended = run("CronJob", cronjob("n", "0 2 * * *", status={}, suspend=True), m.CronJob)
    assert suspended.state == "suspended"


@pytest.mark.parametrize(
    "spec, after, expected",
    [
        ("*/15 * * * *", datetime(2026, 1, 1, 10, 7, tzinfo=UTC), datetime(2026, 1, 1, 10, 15, tzinfo=UTC)),
        (
            "0 3 * * 1-5",
            datetime(2026, 1, 2, 4, 0, tzinfo=UTC),
            datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
        ),  # Fri -> Mon
        (
            "30 8 1 * MON",
            datetime(2026, 1, 1, 9, 0, tzinfo=UTC),
            datetime(2026, 1, 5, 8, 30, tzinfo=UTC),
        ),  # dom OR dow
        ("@hourly", datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 1, 11, 0, tzinfo=UTC)),
        ("0 0 29 2 *", datetime(2026, 3, 1, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        (
            "CRON_TZ=Europe/Berlin 0 9 * * *",
            datetime(2026, 1, 1, 9, 0, tzinfo=UTC),
            datetime(2026, 1, 2, 8, 0, tzinfo=UTC),
        ),
    ],
)
def test_cron_schedule_next_time(spec, after, expected):
    assert Schedule(spec).next_after(after) == expected


def test_cron_schedule_errors_and_time_zone_field():
    for bad in ("* * * *", "61 * * * *", "*/0 * * * *", "@every 5m", "0 0 * * FOO"):
        with pytest.raises(CronError):
            Schedule(bad)
    s = Schedule("0 9 * * *", "America/New_York")
    assert s.next_after(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ template diff
def test_template_diff_shows_env_as_names_and_references_never_values():
    before = m.convert(
        {
            "containers": [
                container(
                    "web:1",
                    env=[
                        {"name": "TOKEN", "value": "s3cr3t-one"},
                        {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                        {"name": "GONE", "value": "x"},
                    ],
                )
            ],
            "volumes": [{"name": "cfg", "configMap": {"name": "web-v1"}}],
        },
        m.PodSpec,
    )
    after = m.convert(
        {
            "containers": [
                container(
                    "web:1",
                    cpu="500m",
                    probe_path="/healthz",
                    args=["--fast"],
                    env=[
                        {"name": "TOKEN", "value": "s3cr3t-two"},
                        {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db-v2", "key": "password"}}},
                        {"name": "NEW", "valueFrom": {"configMapKeyRef": {"name": "web", "key": "mode"}}},
                    ],
                )
            ],
            "volumes": [{"name": "cfg", "configMap": {"name": "web-v2"}}],
        },
        m.PodSpec,
    )
    changes = [(c.container, c.field, c.before, c.after) for c in diff_templates(before, after)]
    assert changes == [
        ("app", "args", None, "--fast"),
        ("app", "env", "DB from secret db/password", "DB from secret db-v2/password"),
        ("app", "env", "GONE (value)", None),
        ("app", "env", None, "NEW from configmap web/mode"),
        ("app", "env", "TOKEN (value)", "TOKEN (value changed)"),
        (
            "app",
            "resources",
            "requests cpu=250m, memory=256Mi; limits memory=256Mi",
            "requests cpu=500m, memory=256Mi; limits memory=256Mi",
        ),
        (
            "app",
            "readinessProbe",
            "http-get http://:8080/ready timeout=1s period=10s success=1 failure=3",
            "http-get http://:8080/healthz timeout=1s period=10s success=1 failure=3",
        ),
        ("", "volumes", "cfg: configmap web-v1", "cfg: configmap web-v2"),
    ]
    assert "s3cr3t" not in repr(changes)


# ------------------------------------------------------------------------------------------ owners and summary states
def test_workload_of_every_owner_kind():
    rs = conv(replicaset("web", "6d4cf56db6", 1, "web:1", replicas=1), m.ReplicaSet)
    cj_job = conv(job("report-1", owner_ref=owner("CronJob", "report", "batch/v1")), m.Job)
    plain_job = conv(job("migrate"), m.Job)
    idx = OwnerIndex([rs], [cj_job, plain_job])

    def of(ref, labels=None):
        return workload_of(conv(pod("p", ref, "x", labels=labels or {}), m.Pod), idx)

    assert of(owner("ReplicaSet", "web-6d4cf56db6")) == ("Deployment", "web")
    assert of(owner("ReplicaSet", "gone-7f7f7f7f7"), {"pod-template-hash": "7f7f7f7f7"}) == (
        "Deployment",
        "gone",
    )
    assert of(owner("ReplicaSet", "lonely")) == ("ReplicaSet", "lonely")
    assert of(owner("Job", "report-1", "batch/v1")) == ("CronJob", "report")
    assert of(owner("Job", "migrate", "batch/v1")) == ("Job", "migrate")
    assert of(owner("Job", "unknown", "batch/v1")) == ("Job", "unknown")
    assert of(owner("StatefulSet", "db")) == ("StatefulSet", "db")
    assert of(owner("DaemonSet", "agent")) == ("DaemonSet", "agent")
    assert of({"kind": "Node", "name": "worker-a", "apiVersion": "v1", "controller": True, "uid": "n"}) == (
        "Node",
        "worker-a",
    )
    bare = conv(pod("bare", owner("X", "y"), "x"), m.Pod)
    bare.metadata.owner_references = []
    assert workload_of(bare, idx) == ("Pod", "bare")


def test_workload_state_from_the_controller_alone():
    assert workload_state(conv(deployment("w", "w:1"), m.Deployment), NOW) == "complete"
    stuck = deployment(
        "w",
        "w:1",
        conditions=[cond("Progressing", "False", "ProgressDeadlineExceeded")],
        status={"updatedReplicas": 1},
    )
    assert workload_state(conv(stuck, m.Deployment), NOW) == "stuck"
    failed = job("j", conditions=[cond("Failed", "True", "BackoffLimitExceeded")])
    assert workload_state(conv(failed, m.Job), NOW) == "failed"
    sts = statefulset(
        "db",
        "pg",
        replicas=3,
        status={"replicas": 3, "readyReplicas": 2, "currentRevision": "a", "updateRevision": "a"},
    )
    assert workload_state(conv(sts, m.StatefulSet), NOW) == "degraded"


def test_label_selector_text_is_the_api_servers_syntax():
    from k8s_agent.kube.source import label_selector_text

    sel = m.convert(
        {
            "matchLabels": {"app": "web", "tier": "front"},
            "matchExpressions": [
                {"key": "track", "operator": "In", "values": ["stable", "canary"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["z9"]},
                {"key": "team", "operator": "Exists"},
            ],
        },
        m.LabelSelector,
    )
    assert (
        label_selector_text(sel) == "app=web,tier=front,track in (stable,canary),!legacy,zone notin (z9),team"
    )
    assert label_selector_text(m.LabelSelector()) == ""
    assert label_selector_text(None) is None
    bad = m.convert({"matchExpressions": [{"key": "x", "operator": "Gt", "values": ["1"]}]}, m.LabelSelector)
    assert label_selector_text(bad) is None
