"""The rules of the workload package's small modules, one test each, on the objects the API serves
(pods, ReplicaSets, Jobs, controllers from ``tests/builders/workloads.py``): when a workload's pod counts as
failing or not ready, who owns a pod, how the per-workload rows rank and count, the CronJob schedule
language, the state from the controller alone, and a DaemonSet's nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from builders.workloads import (
    NOW,
    ago,
    cond,
    container,
    cronjob,
    daemon_pod,
    daemonset,
    deployment,
    event,
    job,
    node,
    owner,
    pod,
    replicaset,
    rs_pod,
    statefulset,
    ts,
)
from k8s_agent.analysis.workloads.changes import _event_failure_word, _first_failure, _what_changed
from k8s_agent.analysis.workloads.cron import CronError, Schedule
from k8s_agent.analysis.workloads.daemonset import evaluate_daemonset_nodes, exclusion
from k8s_agent.analysis.workloads.diagnose import diagnose, workload_state
from k8s_agent.analysis.workloads.owners import OwnerIndex, workload_of
from k8s_agent.analysis.workloads.pods import is_ready, pod_problem
from k8s_agent.analysis.workloads.revisions import _Rev
from k8s_agent.analysis.workloads.summary import (
    Tally,
    main_issue,
    retried_pod_of_succeeded_job,
    succeeded_jobs,
    summaries,
)
from k8s_agent.kube import models as m
from k8s_agent.schemas.namespace_errors import PodIssue


def conv(d: dict, t: type):
    return m.convert(d, t)


# ------------------------------------------------------------------------------------------ pods
def _not_ready_for(delta: timedelta, *, containers_ready: bool = False, message: str | None = None) -> m.Pod:
    """A running pod whose Ready condition turned False ``delta`` before now (readiness probe failing)."""
    d = pod("web-1", owner("StatefulSet", "web"), "web:1", state="notready")
    for c in d["status"]["conditions"]:
        if c["type"] in ("Ready", "ContainersReady"):
            c["lastTransitionTime"] = ts(NOW - delta)
            if message is not None:
                c["message"] = message
                c["reason"] = "ReadinessGatesNotReady"
    for cs in d["status"]["containerStatuses"]:
        cs["ready"] = containers_ready
    return conv(d, m.Pod)


def test_a_running_pod_not_ready_for_more_than_five_minutes_fails_naming_its_unready_containers():
    assert pod_problem(_not_ready_for(timedelta(minutes=5, seconds=1)), NOW, 5) == (
        "NotReady",
        "containers not ready: app",
    )
    # five minutes exactly, or less: still allowed to become ready
    assert pod_problem(_not_ready_for(timedelta(minutes=5)), NOW, 5) is None
    assert pod_problem(_not_ready_for(timedelta(minutes=2)), NOW, 5) is None


def test_not_ready_with_every_container_ready_says_the_conditions_message_or_that_the_pod_is_not_ready():
    gate = 'corresponding condition of pod readiness gate "target-health" does not exist.'
    p = _not_ready_for(timedelta(hours=1), containers_ready=True, message=gate)
    assert pod_problem(p, NOW, 5) == ("NotReady", gate)
    p = _not_ready_for(timedelta(hours=1), containers_ready=True)
    for c in p.status.conditions:
        c.message = ""
    assert pod_problem(p, NOW, 5) == ("NotReady", "the pod is not ready")


def test_not_ready_needs_a_running_pod_a_ready_condition_and_its_transition_time():
    p = _not_ready_for(timedelta(hours=1))
    p.status.conditions = [c for c in p.status.conditions if c.type != "Ready"]
    assert pod_problem(p, NOW, 5) is None
    p = _not_ready_for(timedelta(hours=1))
    for c in p.status.conditions:
        c.last_transition_time = None
    assert pod_problem(p, NOW, 5) is None
    ready = conv(pod("web-0", owner("StatefulSet", "web"), "web:1"), m.Pod)
    assert pod_problem(ready, NOW, 5) is None


def test_a_failing_pod_names_its_most_telling_issue_and_its_details():
    crashing = conv(pod("web-0", owner("StatefulSet", "web"), "web:1", state="crashloop", restarts=9), m.Pod)
    reason, message = pod_problem(crashing, NOW, 5)
    # HighRestarts (9 > 5) only says that something restarts: CrashLoopBackOff names the failure
    assert reason == "CrashLoopBackOff"
    assert message.startswith("back-off 5m0s restarting failed container=app")
    # restarts above the threshold with nothing else wrong: HighRestarts with the per-container counts
    restarting = conv(pod("web-0", owner("StatefulSet", "web"), "web:1", restarts=6), m.Pod)
    assert pod_problem(restarting, NOW, 5) == ("HighRestarts", "app: 6 restarts")
    assert pod_problem(restarting, NOW, 6) is None


def test_a_failed_pod_without_details_is_described_by_the_issue():
    failed = conv(pod("job-x", owner("Job", "j", "batch/v1"), "j:1", state="failed"), m.Pod)
    failed.status.container_statuses = []
    assert pod_problem(failed, NOW, 5) == ("Failed", "Pod is in Failed phase")


def test_finished_and_deleted_pods_are_no_problem():
    done = conv(pod("job-x", owner("Job", "j", "batch/v1"), "j:1", state="succeeded"), m.Pod)
    assert pod_problem(done, NOW, 5) is None
    going = pod("web-0", owner("StatefulSet", "web"), "web:1", state="crashloop")
    going["metadata"]["deletionTimestamp"] = ago(seconds=10)
    assert pod_problem(conv(going, m.Pod), NOW, 5) is None


def test_a_succeeded_pod_is_no_problem_however_often_it_restarted():
    """A Job pod with ``restartPolicy: OnFailure`` that crashed 8 times, then exited 0."""
    d = pod("report-1-x", owner("Job", "report-1", "batch/v1"), "r:1", state="succeeded")
    d["status"]["containerStatuses"][0]["restartCount"] = 8
    p = conv(d, m.Pod)
    assert pod_problem(p, NOW, 5) is None
    d["status"]["phase"] = "Running"  # the same pod still running: its restarts are a problem
    assert pod_problem(conv(d, m.Pod), NOW, 5)[0] == "HighRestarts"


def test_not_ready_lists_every_unready_container():
    d = pod("web-0", owner("StatefulSet", "web"), "web:1", state="notready")
    sidecar = dict(d["status"]["containerStatuses"][0], name="proxy")
    ready = dict(d["status"]["containerStatuses"][0], name="log", ready=True)
    d["status"]["containerStatuses"] += [sidecar, ready]
    assert pod_problem(conv(d, m.Pod), NOW, 5) == ("NotReady", "containers not ready: app, proxy")


def test_is_ready_reads_the_ready_condition():
    assert is_ready(conv(pod("a", owner("StatefulSet", "web"), "web:1"), m.Pod))
    assert not is_ready(_not_ready_for(timedelta(hours=1)))
    p = conv(pod("a", owner("StatefulSet", "web"), "web:1"), m.Pod)
    p.status.conditions = [c for c in p.status.conditions if c.type != "Ready"]
    assert not is_ready(p)


# ------------------------------------------------------------------------------------------ owners
def _of(ref: dict, idx: OwnerIndex, labels: dict | None = None) -> tuple[str, str]:
    return workload_of(conv(pod("p", ref, "x", labels=labels or {}), m.Pod), idx)


def test_a_replicaset_replaced_under_the_same_name_is_not_the_pods_owner():
    """The pod's reference carries the old ReplicaSet's UID: the new object of that name (owned by another
    Deployment here) is not its parent; the Deployment comes from the pod-template-hash suffix."""
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=1)
    rs["metadata"]["uid"] = "0f1e2d3c-0000-4000-8000-000000000001"
    rs["metadata"]["ownerReferences"] = [owner("Deployment", "other")]
    idx = OwnerIndex([conv(rs, m.ReplicaSet)])
    assert _of(owner("ReplicaSet", "web-6d4cf56db6"), idx, {"pod-template-hash": "6d4cf56db6"}) == (
        "Deployment",
        "web",
    )
    # a reference without a UID is matched by name
    ref = owner("ReplicaSet", "web-6d4cf56db6")
    ref["uid"] = ""
    assert _of(ref, idx) == ("Deployment", "other")
    # an object without a UID is matched by name whatever the reference's UID
    rs["metadata"]["uid"] = ""
    idx = OwnerIndex([conv(rs, m.ReplicaSet)])
    assert _of(owner("ReplicaSet", "web-6d4cf56db6"), idx) == ("Deployment", "other")


def test_a_replicaset_is_found_by_uid_and_its_controller_may_be_any_kind():
    rs = replicaset("canary", "5c9f7b8d4", 1, "web:1", replicas=1)
    rs["metadata"]["ownerReferences"] = [owner("Rollout", "canary", "argoproj.io/v1alpha1")]
    idx = OwnerIndex([conv(rs, m.ReplicaSet)])
    ref = owner("ReplicaSet", "canary-5c9f7b8d4")
    assert _of(ref, idx) == ("Rollout", "canary")
    # the UID names the object even when the reference's name is stale
    ref["name"] = "renamed"
    assert _of(ref, idx) == ("Rollout", "canary")


def test_a_job_and_a_replicaset_of_the_same_name_are_different_parents():
    rs = replicaset("batch", "7f7f7f7f7", 1, "b:1", replicas=1)
    rs["metadata"]["uid"] = ""
    jb = job("batch-7f7f7f7f7", owner_ref=owner("CronJob", "batch", "batch/v1"))
    jb["metadata"]["uid"] = ""
    idx = OwnerIndex([conv(rs, m.ReplicaSet)], [conv(jb, m.Job)])
    rs_ref = owner("ReplicaSet", "batch-7f7f7f7f7")
    rs_ref["uid"] = ""
    job_ref = owner("Job", "batch-7f7f7f7f7", "batch/v1")
    job_ref["uid"] = ""
    assert _of(rs_ref, idx) == ("Deployment", "batch")
    assert _of(job_ref, idx) == ("CronJob", "batch")


def test_a_job_without_a_controller_is_its_own_workload():
    jb = job("migrate")
    idx = OwnerIndex([], [conv(jb, m.Job)])
    assert _of(owner("Job", "migrate", "batch/v1"), idx) == ("Job", "migrate")


def test_an_unknown_replicaset_names_a_deployment_only_through_a_matching_hash_suffix():
    idx = OwnerIndex([])
    # the hash label must be the name's suffix after a dash, with a Deployment name before it
    assert _of(owner("ReplicaSet", "web-abc"), idx, {"pod-template-hash": "abc"}) == ("Deployment", "web")
    assert _of(owner("ReplicaSet", "webabc"), idx, {"pod-template-hash": "abc"}) == ("ReplicaSet", "webabc")
    assert _of(owner("ReplicaSet", "-abc"), idx, {"pod-template-hash": "abc"}) == ("ReplicaSet", "-abc")
    assert _of(owner("ReplicaSet", "w-abc"), idx, {"pod-template-hash": "abc"}) == ("Deployment", "w")
    assert _of(owner("ReplicaSet", "web-abc"), idx, {"pod-template-hash": "xyz"}) == ("ReplicaSet", "web-abc")
    # an unknown Job is never read as a Deployment's
    assert _of(owner("Job", "web-abc", "batch/v1"), idx, {"pod-template-hash": "abc"}) == ("Job", "web-abc")


# ------------------------------------------------------------------------------------------ summary
def _issue(type_: str, severity: str = "critical") -> PodIssue:
    return PodIssue(type=type_, description=f"{type_} seen", severity=severity)


def test_the_main_issue_is_critical_first_then_the_one_that_names_the_failure_best():
    # an OOM kill the container recovered from (warning) says less than restarts over the threshold
    assert main_issue([_issue("OOMKilled", "warning"), _issue("HighRestarts")]).type == "HighRestarts"
    assert main_issue([_issue("HighRestarts"), _issue("OOMKilled")]).type == "OOMKilled"
    ranked = ["ImagePullError", "CrashLoopBackOff", "OOMKilled", "Failed", "Evicted", "Unschedulable"]
    ranked += ["ResourceConstraints", "Pending", "HighRestarts"]
    for i, best in enumerate(ranked):
        assert main_issue([_issue(t) for t in reversed(ranked[i:])]).type == best
    assert main_issue([]) is None


def test_succeeded_jobs_are_those_the_controller_marked_complete():
    done = job("done", conditions=[cond("Complete", "True"), cond("SuccessCriteriaMet", "True")])
    failed = job("failed", conditions=[cond("Failed", "True", "BackoffLimitExceeded")])
    not_yet = job("pending", conditions=[cond("Complete", "False")])
    running = job("running")
    jobs = [conv(j, m.Job) for j in (done, failed, not_yet, running)]
    assert succeeded_jobs(jobs) == {done["metadata"]["uid"]}


def test_a_failed_pod_of_a_job_that_later_succeeded_is_history():
    jb = job("report-1", owner_ref=owner("CronJob", "report", "batch/v1"))
    succeeded = {jb["metadata"]["uid"]}
    failed = conv(pod("report-1-a", owner("Job", "report-1", "batch/v1"), "r:1", state="failed"), m.Pod)
    assert retried_pod_of_succeeded_job("Failed", failed.metadata, succeeded)
    # a pod still running, or a Job that did not succeed (yet), is not history
    assert not retried_pod_of_succeeded_job("Running", failed.metadata, succeeded)
    assert not retried_pod_of_succeeded_job("Failed", failed.metadata, set())
    assert not retried_pod_of_succeeded_job("Failed", failed.metadata, {"another-uid"})
    # only a Job's pods: a controller of another kind is never looked up in the Job UIDs
    other = conv(pod("x", {**owner("Job", "report-1", "batch/v1"), "kind": "ReplicaSet"}, "r:1"), m.Pod)
    assert not retried_pod_of_succeeded_job("Failed", other.metadata, succeeded)
    bare = conv(pod("bare", owner("Job", "report-1", "batch/v1"), "r:1"), m.Pod)
    bare.metadata.owner_references = []
    assert not retried_pod_of_succeeded_job("Failed", bare.metadata, succeeded)


def test_workload_rows_count_pods_and_failing_pods_and_name_the_commonest_reason():
    web, db, jobs = ("shop", "Deployment", "web"), ("shop", "StatefulSet", "db"), ("batch", "Job", "etl")
    tallies = {web: Tally(), db: Tally(), jobs: Tally(), ("shop", "DaemonSet", "ok"): Tally()}
    tallies[web].add([_issue("CrashLoopBackOff"), _issue("HighRestarts")])
    tallies[web].add([_issue("HighRestarts")])
    tallies[web].add([_issue("HighRestarts")])
    tallies[web].add([])
    tallies[db].add([_issue("Pending")])
    tallies[db].fail([_issue("ImagePullError")])  # a failing pod counted apart: not in total
    tallies[db].fail([])
    tallies[jobs].add([_issue("Failed")])
    tallies[jobs].add([_issue("Failed")])
    tallies[("shop", "DaemonSet", "ok")].add([])
    rows = summaries(tallies, {web: "progressing"})
    assert [(r.namespace, r.kind, r.name) for r in rows] == [web, jobs, db]  # most failing, then by name
    assert [(r.state, r.total_pods, r.failing_pods, r.top_reason) for r in rows] == [
        ("progressing", 4, 3, "HighRestarts"),
        ("unknown", 2, 2, "Failed"),
        ("unknown", 1, 2, "ImagePullError"),  # a tie of one each: the reason ranked first
    ]
    assert [r.name for r in summaries(tallies, None, limit=2)] == ["web", "etl"]
    assert [r.state for r in summaries(tallies, None)] == ["unknown"] * 3


def test_workload_rows_with_equal_failing_counts_sort_by_namespace_kind_and_name():
    keys = [
        ("b", "Deployment", "a"),
        ("a", "StatefulSet", "a"),
        ("a", "Deployment", "b"),
        ("a", "Deployment", "a"),
    ]
    tallies = {k: Tally() for k in keys}
    for t in tallies.values():
        t.add([_issue("Pending")])
    assert [(r.namespace, r.kind, r.name) for r in summaries(tallies, {})] == sorted(keys)


# ------------------------------------------------------------------------------------------ cron
def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_cron_fields_values_ranges_steps_and_lists():
    s = Schedule("1,5-7,10-20/5,*/20 */6 3/10 */4 *")
    assert s.minutes == {0, 1, 5, 6, 7, 10, 15, 20, 40}
    assert s.hours == {0, 6, 12, 18}
    assert s.days == {3, 13, 23}  # a/n: from a to the field's end
    assert s.months == {1, 5, 9}
    assert s.weekdays == set(range(7))
    assert Schedule("59 23 31 12 6").minutes == {59}
    assert Schedule("0 0 1 1 0").days == {1}
    assert Schedule("*/1 * * * *").minutes == set(range(60))  # a step of 1 is every value
    assert Schedule("* * */1 * *").dom_star


def test_cron_month_and_weekday_names_in_any_case_and_weekday_7_is_sunday():
    s = Schedule("0 0 * jan-Mar,DEC mon-FRI")
    assert s.months == {1, 2, 3, 12}
    assert s.weekdays == {1, 2, 3, 4, 5}
    assert Schedule("0 0 * * 7").weekdays == {0}
    assert Schedule("0 0 * * 5-7").weekdays == {5, 6, 0}
    assert Schedule("0 0 * * sun,sat").weekdays == {0, 6}


def test_cron_day_fields_either_matches_only_when_both_are_restricted():
    after = _utc(2026, 1, 1)  # a Thursday
    # day of month 10 OR Monday
    assert Schedule("0 0 10 * MON").times(after, _utc(2026, 1, 13)) == [
        _utc(2026, 1, 5),
        _utc(2026, 1, 10),
        _utc(2026, 1, 12),
    ]
    # a stepped day field is restricted too: odd days OR Monday
    assert Schedule("0 0 */2 * MON").times(after, _utc(2026, 1, 6)) == [
        _utc(2026, 1, 3),
        _utc(2026, 1, 5),
    ]
    # one field unrestricted (* or ?): the other alone decides
    assert Schedule("0 0 ? * MON").times(after, _utc(2026, 1, 13)) == [_utc(2026, 1, 5), _utc(2026, 1, 12)]
    assert Schedule("0 0 10 * ?").times(after, _utc(2026, 1, 13)) == [_utc(2026, 1, 10)]
    assert Schedule("0 0 10 * *").times(after, _utc(2026, 1, 13)) == [_utc(2026, 1, 10)]
    assert Schedule("0 0 * * MON").times(after, _utc(2026, 1, 13)) == [_utc(2026, 1, 5), _utc(2026, 1, 12)]


def test_cron_descriptors():
    after = _utc(2026, 5, 13, 10, 30)  # a Wednesday
    expected = {
        "@yearly": _utc(2027, 1, 1),
        "@annually": _utc(2027, 1, 1),
        "@monthly": _utc(2026, 6, 1),
        "@weekly": _utc(2026, 5, 17),
        "@daily": _utc(2026, 5, 14),
        "@midnight": _utc(2026, 5, 14),
        "@hourly": _utc(2026, 5, 13, 11),
        "@Daily": _utc(2026, 5, 14),
    }
    for spec, first in expected.items():
        assert Schedule(spec).next_after(after) == first, spec


@pytest.mark.parametrize(
    "spec, message",
    [
        ("* * * *", "expected 5 fields, found 4 in '* * * *'"),
        ("* * * * * *", "expected 5 fields, found 6 in '* * * * * *'"),
        ("60 * * * *", "'60' is outside 0-59"),
        ("* 24 * * *", "'24' is outside 0-23"),
        ("* * 0 * *", "'0' is outside 1-31"),
        ("* * 32 * *", "'32' is outside 1-31"),
        ("* * * 0 *", "'0' is outside 1-12"),
        ("* * * 13 *", "'13' is outside 1-12"),
        ("* * * * 8", "'8' is outside 0-7"),
        ("5-3 * * * *", "'5-3' is outside 0-59"),
        ("50-60 * * * *", "'50-60' is outside 0-59"),
        ("*/0 * * * *", "step '0' must be positive"),
        ("*/x * * * *", "'x' is not a number"),
        ("*/5/2 * * * *", "'5/2' is not a number"),
        ("1-5-7 * * * *", "'5-7' is not a number"),
        ("0 0 * * FOO", "'FOO' is not a number"),
        ("@every 5m", "@every schedules are not supported by the CronJob controller's parser here"),
        ("TZ=Mars/Olympus 0 9 * * *", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_cron_errors_say_what_is_wrong(spec, message):
    with pytest.raises(CronError) as err:
        Schedule(spec)
    assert str(err.value) == message


def test_cron_time_zone_from_the_field_or_a_prefix_and_blanks_around_it():
    july = _utc(2026, 7, 1, 12, 0)
    ny = _utc(2026, 7, 1, 13, 0)  # 9:00 in New York (EDT)
    assert Schedule("TZ=America/New_York 0 9 * * *").next_after(july) == ny
    assert Schedule("  CRON_TZ=America/New_York   0 9 * * *  ").next_after(july) == ny
    assert Schedule(" 0 9 * * * ", "America/New_York").next_after(july) == ny
    assert Schedule("0 9 * * *").next_after(july) == _utc(2026, 7, 2, 9, 0)
    with pytest.raises(CronError, match="unknown time zone '/etc/passwd'"):
        Schedule("0 9 * * *", "/etc/passwd")


def test_cron_times_are_after_exclusive_until_inclusive_capped_and_in_afters_zone():
    s = Schedule("0,30 9 * * *")
    assert s.times(_utc(2026, 1, 1, 9, 0), _utc(2026, 1, 2, 9, 0)) == [
        _utc(2026, 1, 1, 9, 30),
        _utc(2026, 1, 2, 9, 0),
    ]
    assert s.times(_utc(2026, 1, 1, 8, 59, 59), _utc(2026, 1, 1, 9, 29, 59)) == [_utc(2026, 1, 1, 9, 0)]
    # an API timestamp with a fraction of a second: the times are whole minutes
    assert s.times(_utc(2026, 1, 1, 8, 59, 59, 500000), _utc(2026, 1, 1, 9, 0)) == [_utc(2026, 1, 1, 9, 0)]
    assert s.times(_utc(2026, 1, 1, 8, 59, 59, 500000), _utc(2026, 1, 1, 9, 0))[0].microsecond == 0
    assert s.times(_utc(2026, 1, 1), _utc(2026, 1, 31), cap=3) == [
        _utc(2026, 1, 1, 9, 0),
        _utc(2026, 1, 1, 9, 30),
        _utc(2026, 1, 2, 9, 0),
    ]
    assert len(s.times(_utc(2026, 1, 1), _utc(2026, 12, 31))) == 100
    berlin = ZoneInfo("Europe/Berlin")
    got = Schedule("0 12 * * *", "America/New_York").times(
        datetime(2026, 1, 1, tzinfo=berlin), _utc(2026, 1, 2)
    )
    assert got == [datetime(2026, 1, 1, 18, 0, tzinfo=berlin)]
    assert got[0].tzinfo is berlin


def test_cron_walks_months_days_and_hours_to_the_next_match():
    assert Schedule("15 4 * 3 *").next_after(_utc(2026, 1, 20, 7, 0)) == _utc(2026, 3, 1, 4, 15)
    assert Schedule("15 4 * * *").next_after(_utc(2026, 1, 20, 7, 0)) == _utc(2026, 1, 21, 4, 15)
    assert Schedule("15 4,6 * * *").next_after(_utc(2026, 1, 20, 4, 15)) == _utc(2026, 1, 20, 6, 15)
    assert Schedule("0 0 30 2 *").next_after(_utc(2026, 1, 1)) is None


# ------------------------------------------------------------------------------------------ state from the controller alone
def _sts_state(desired: int | None, generation: int = 2, observed: int = 2, **status) -> str:
    d = statefulset("db", "pg:16", replicas=desired or 1, status=status, generation=generation)
    d["status"]["observedGeneration"] = observed
    if desired is None:
        del d["spec"]["replicas"]
    return workload_state(conv(d, m.StatefulSet), NOW)


def test_statefulset_state_from_its_status():
    same = {"currentRevision": "db-7c9d", "updateRevision": "db-7c9d"}
    assert _sts_state(3, replicas=3, readyReplicas=3, **same) == "complete"
    assert _sts_state(3, replicas=3, readyReplicas=2, **same) == "degraded"
    assert _sts_state(3, replicas=4, readyReplicas=4, **same) == "degraded"  # one pod more than desired
    assert _sts_state(3, replicas=2, readyReplicas=3, **same) == "degraded"
    # spec.replicas defaults to 1
    assert _sts_state(None, replicas=1, readyReplicas=1, **same) == "complete"
    assert _sts_state(None, replicas=2, readyReplicas=2, **same) == "degraded"
    # a rollout to another revision under way
    rolling = {"currentRevision": "db-7c9d", "updateRevision": "db-5f6b"}
    assert _sts_state(3, replicas=3, readyReplicas=3, **rolling) == "progressing"
    # a revision not reported (yet) says nothing about a rollout
    assert (
        _sts_state(3, replicas=3, readyReplicas=3, currentRevision="", updateRevision="db-5f6b") == "complete"
    )
    assert (
        _sts_state(3, replicas=3, readyReplicas=3, currentRevision="db-7c9d", updateRevision="") == "complete"
    )
    # a spec the controller has not observed yet
    assert _sts_state(3, generation=3, observed=2, replicas=3, readyReplicas=3, **same) == "progressing"
    assert _sts_state(3, generation=2, observed=3, replicas=3, readyReplicas=3, **same) == "complete"


def _ds_state(desired: int, updated: int, available: int, generation: int = 1, observed: int = 1) -> str:
    status = {
        "desiredNumberScheduled": desired,
        "currentNumberScheduled": desired,
        "updatedNumberScheduled": updated,
        "numberAvailable": available,
        "numberReady": available,
    }
    d = daemonset("node-agent", "agent:2", status=status, generation=generation)
    d["status"]["observedGeneration"] = observed
    return workload_state(conv(d, m.DaemonSet), NOW)


def test_daemonset_state_from_its_status():
    assert _ds_state(3, 3, 3) == "complete"
    assert _ds_state(3, 3, 4) == "complete"
    assert _ds_state(3, 3, 2) == "degraded"
    assert _ds_state(3, 2, 3) == "progressing"
    assert _ds_state(3, 4, 3) == "complete"
    assert _ds_state(3, 3, 3, generation=2, observed=1) == "progressing"


def test_cronjob_and_job_states_from_the_controller_alone():
    cj = cronjob("report", "0 * * * *", status={})
    assert workload_state(conv(cj, m.CronJob), NOW) == "progressing"
    cj["spec"]["suspend"] = True
    assert workload_state(conv(cj, m.CronJob), NOW) == "suspended"
    assert workload_state(conv(job("j", conditions=[cond("Complete", "True")]), m.Job), NOW) == "complete"
    assert workload_state(conv(job("j"), m.Job), NOW) == "progressing"
    paused = deployment("w", "w:1", paused=True)
    assert workload_state(conv(paused, m.Deployment), NOW) == "suspended"


# ------------------------------------------------------------------------------------------ DaemonSet nodes
_DS_STATUS = {"desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": 1}


def _ds(**spec) -> m.DaemonSet:
    d = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    d["spec"]["template"]["spec"].update(spec)
    return conv(d, m.DaemonSet)


def _node(name: str = "worker-a", taints: list[dict] | None = None, **labels) -> m.Node:
    return conv(node(name, taints=taints, labels=labels), m.Node)


def _taint(key: str, effect: str, value: str = "") -> dict:
    return {"key": key, "effect": effect, **({"value": value} if value else {})}


def test_daemonset_node_selector_says_what_the_node_has():
    ds = _ds(nodeSelector={"disk": "ssd", "kubernetes.io/os": "linux"})
    assert exclusion(ds, _node(disk="ssd"), False) is None
    assert exclusion(ds, _node(disk="hdd"), False) == ("nodeSelector disk=ssd (node has disk=hdd)", None)
    assert exclusion(ds, _node(), False) == ("nodeSelector disk=ssd (node has no label disk)", None)


def test_daemonset_required_node_affinity_must_match():
    term = {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}
    affinity = {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
    }
    ds = _ds(affinity=affinity)
    assert exclusion(ds, _node(zone="a"), False) is None
    assert exclusion(ds, _node(zone="c"), False) == (
        "required node affinity does not match (zone In [a, b])",
        None,
    )
    # no terms, or only a preferred affinity: nothing required
    empty = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}
    assert exclusion(_ds(affinity=empty), _node(zone="c"), False) is None
    preferred = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": term}]
        }
    }
    assert exclusion(_ds(affinity=preferred), _node(zone="c"), False) is None
    assert exclusion(_ds(affinity={"podAntiAffinity": {}}), _node(zone="c"), False) is None


def test_daemonset_taints_and_the_tolerations_the_controller_adds():
    ds = _ds()
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        assert exclusion(ds, _node(taints=[_taint(key, "NoExecute")]), False) is None
        nosched = _taint(key, "NoSchedule")
        assert exclusion(ds, _node(taints=[nosched]), False) == (
            f"taint {key}:NoSchedule is not tolerated",
            m.Taint(key=key, effect="NoSchedule"),
        )
    for cond_ in ("disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"):
        key = f"node.kubernetes.io/{cond_}"
        assert exclusion(ds, _node(taints=[_taint(key, "NoSchedule")]), False) is None
        assert exclusion(ds, _node(taints=[_taint(key, "NoExecute")]), False) is not None
    # network-unavailable only for host-network pods
    net = [_taint("node.kubernetes.io/network-unavailable", "NoSchedule")]
    assert exclusion(ds, _node(taints=net), False) is not None
    assert exclusion(_ds(hostNetwork=True), _node(taints=net), False) is None
    # PreferNoSchedule never excludes; a running pod stays despite NoSchedule but not NoExecute
    gpu = _taint("dedicated", "PreferNoSchedule", "gpu")
    assert exclusion(ds, _node(taints=[gpu]), False) is None
    gpu = _taint("dedicated", "NoSchedule", "gpu")
    assert exclusion(ds, _node(taints=[gpu]), True) is None
    assert exclusion(ds, _node(taints=[gpu]), False)[0] == "taint dedicated=gpu:NoSchedule is not tolerated"
    evict = _taint("dedicated", "NoExecute", "gpu")
    assert exclusion(ds, _node(taints=[evict]), True)[0] == "taint dedicated=gpu:NoExecute is not tolerated"
    tolerating = _ds(tolerations=[{"key": "dedicated", "operator": "Exists"}])
    assert exclusion(tolerating, _node(taints=[gpu, evict]), False) is None


def _view(ds_dict: dict, pods: list[dict], nodes: list[m.Node], problems=None):
    return evaluate_daemonset_nodes(
        conv(ds_dict, m.DaemonSet), [conv(p, m.Pod) for p in pods], nodes, problems or {}
    )


def test_daemonset_nodes_missing_unavailable_and_excluded_in_that_order():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    nodes = [
        _node("n5", taints=[_taint("dedicated", "NoSchedule", "gpu")]),
        _node("n4"),
        _node("n3"),
        _node("n2"),
        _node("n1"),
        _node("n0"),
    ]
    crashing = daemon_pod(ds, "n1", "abc", state="crashloop")
    pending = daemon_pod(ds, "n2", "abc", state="unschedulable")  # no nodeName yet: its affinity pins n2
    pending_no_msg = daemon_pod(ds, "n3", "abc", state="unschedulable")
    pending_no_msg["status"]["conditions"][0]["message"] = ""
    deleted = daemon_pod(ds, "n4", "abc")
    deleted["metadata"]["deletionTimestamp"] = ago(seconds=5)
    starting = daemon_pod(ds, "n0", "abc", state="starting")
    problems = {crashing["metadata"]["name"]: ("CrashLoopBackOff", "x" * 300)}
    view, suggestions = _view(ds, [crashing, pending, pending_no_msg, deleted, starting], nodes, problems)
    assert (view.nodes_total, view.eligible, view.missing, view.unavailable, view.excluded) == (6, 5, 1, 4, 1)
    assert not view.truncated
    assert [(g.node, g.problem, g.pod) for g in view.nodes] == [
        ("n4", "missing", None),
        ("n0", "unavailable", starting["metadata"]["name"]),
        ("n1", "unavailable", crashing["metadata"]["name"]),
        ("n2", "unavailable", pending["metadata"]["name"]),
        ("n3", "unavailable", pending_no_msg["metadata"]["name"]),
        ("n5", "excluded", None),
    ]
    reasons = [g.reason for g in view.nodes]
    assert reasons[0] == "no daemon pod on this node"
    assert reasons[1] == "not ready (Running)"
    assert reasons[2] == "CrashLoopBackOff: " + "x" * 200
    assert reasons[3] == (
        "not ready (Pending: 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod.)"
    )
    assert reasons[4] == "not ready (Pending (Unschedulable))"
    assert reasons[5] == "taint dedicated=gpu:NoSchedule is not tolerated"
    assert suggestions == [
        "To run on n5 (taint dedicated=gpu:NoSchedule), add the toleration "
        "{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule} to the DaemonSet's pod template, "
        "if those nodes should run it"
    ]


def test_a_running_daemon_pod_stays_on_a_node_tainted_noschedule_after_it_started():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    tainted = _node("n1", taints=[_taint("dedicated", "NoSchedule", "gpu")])
    view, suggestions = _view(ds, [daemon_pod(ds, "n1", "abc")], [tainted])
    assert (view.eligible, view.missing, view.unavailable, view.excluded, view.nodes) == (1, 0, 0, 0, [])
    assert suggestions == []


def test_a_daemon_pod_without_a_phase_yet_is_not_ready():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    p = daemon_pod(ds, "n1", "abc")
    p["status"] = {}
    view, _ = _view(ds, [p], [_node("n1")])
    assert view.nodes[0].reason == "not ready (not ready)"


def test_every_taint_of_a_node_is_checked():
    ds = _ds()
    evict = _taint("dedicated", "NoExecute", "gpu")
    # after a taint that never excludes, and after a NoSchedule one a running pod outlives
    assert exclusion(ds, _node(taints=[_taint("spot", "PreferNoSchedule"), evict]), False) is not None
    assert exclusion(ds, _node(taints=[_taint("spot", "NoSchedule"), evict]), True)[0] == (
        "taint dedicated=gpu:NoExecute is not tolerated"
    )


def test_required_node_affinity_terms_are_alternatives():
    terms = [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
        {"matchExpressions": [{"key": "pool", "operator": "Exists"}]},
    ]
    affinity = {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}
    }
    ds = _ds(affinity=affinity)
    assert exclusion(ds, _node(pool="x"), False) is None
    assert exclusion(ds, _node(zone="c"), False)[0] == (
        "required node affinity does not match (zone In [a] OR pool Exists)"
    )


def test_a_pending_daemon_pods_scheduler_message_is_cut_at_200_characters():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    p = daemon_pod(ds, "n1", "abc", state="unschedulable")
    msg = "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. " * 4
    p["status"]["conditions"][0]["message"] = msg
    view, _ = _view(ds, [p], [_node("n1")])
    assert view.nodes[0].reason == f"not ready (Pending: {msg[:200]})"


def test_a_daemon_pod_without_a_node_or_a_single_node_pin_is_on_no_node():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    p = daemon_pod(ds, "n1", "abc", state="unschedulable")
    p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ][0]["matchFields"][0]["values"] = ["n1", "n2"]
    q = daemon_pod(ds, "n1", "abc", state="unschedulable")
    q["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ][0]["matchFields"][0]["operator"] = "NotIn"
    r = daemon_pod(ds, "n1", "abc", state="unschedulable")
    r["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ][0]["matchFields"][0]["key"] = "metadata.namespace"
    s = daemon_pod(ds, "n1", "abc", state="unschedulable")
    del s["spec"]["affinity"]
    t = daemon_pod(ds, "n1", "abc", state="unschedulable")
    t["spec"]["affinity"] = {"podAffinity": {}}
    u = daemon_pod(ds, "n1", "abc", state="unschedulable")
    u["spec"]["affinity"]["nodeAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": []}
    for pod_ in (p, q, r, s, t, u):
        view, _ = _view(ds, [pod_], [_node("n1"), _node("n2")])
        assert [(g.node, g.problem) for g in view.nodes] == [("n1", "missing"), ("n2", "missing")]
    # a second term may pin it
    v = daemon_pod(ds, "n1", "abc", state="unschedulable")
    terms = v["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    terms.insert(0, {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a", "b"]}]})
    terms[1]["matchFields"].insert(0, {"key": "other", "operator": "In", "values": ["x"]})
    view, _ = _view(ds, [v], [_node("n1")])
    assert [(g.node, g.problem) for g in view.nodes] == [("n1", "unavailable")]


def test_daemonset_nodes_shown_are_capped_and_suggestions_rank_taints_by_node_count():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    gpu = [_taint("dedicated", "NoSchedule", "gpu")]
    infra = [_taint("batch", "NoExecute")]  # sorts before "dedicated", on fewer nodes
    nodes = [_node(f"gpu-{i}", taints=gpu) for i in range(7)] + [_node("infra-0", taints=infra)]
    nodes += [_node(f"w-{i:02}") for i in range(43)]
    view, suggestions = _view(ds, [], nodes)
    assert (view.nodes_total, view.missing, view.excluded) == (51, 43, 8)
    assert len(view.nodes) == 50 and view.truncated
    assert view.nodes[-1].node == "gpu-6"  # missing first, then the excluded, by name
    assert suggestions == [
        "To run on gpu-0, gpu-1, gpu-2, gpu-3, gpu-4 and 2 more (taint dedicated=gpu:NoSchedule), add the "
        "toleration {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule} to the DaemonSet's pod "
        "template, if those nodes should run it",
        "To run on infra-0 (taint batch:NoExecute), add the toleration "
        "{key: batch, operator: Exists, effect: NoExecute} to the DaemonSet's pod template, if those nodes "
        "should run it",
    ]
    view, _ = _view(ds, [], nodes[:50])
    assert len(view.nodes) == 50 and not view.truncated
    six = [_node(f"gpu-{i}", taints=gpu) for i in range(6)]
    assert _view(ds, [], six)[1][0].startswith(
        "To run on gpu-0, gpu-1, gpu-2, gpu-3, gpu-4 and 1 more (taint"
    )
    five = [_node(f"gpu-{i}", taints=gpu) for i in range(5)]
    assert _view(ds, [], five)[1][0].startswith("To run on gpu-0, gpu-1, gpu-2, gpu-3, gpu-4 (taint")


# ------------------------------------------------------------------------------------------ what changed
def _spec(image: str, **kw) -> m.PodSpec:
    return conv({"containers": [container(image, **kw)]}, m.PodSpec)


def _rev(number: int, image: str, created: datetime | None, pods: list[dict] = (), failing: int = 0) -> _Rev:
    r = _Rev(number, f"web-{number}abc", created, _spec(image))
    r.pods = [conv(p, m.Pod) for p in pods]
    for p in r.pods[:failing]:
        r.problems["CrashLoopBackOff"].append((p, "back-off"))
    return r


def _pod_event(pod_name: str, reason: str, message: str, at: datetime, type_: str = "Warning", kind="Pod"):
    return conv(
        event(kind, pod_name, reason, message, first=at, last=at + timedelta(minutes=5), type_=type_), m.Event
    )


def test_event_reasons_name_the_failure():
    at = NOW - timedelta(minutes=1)
    words = {
        ("BackOff", 'Back-off pulling image "web:1.5.0"'): "ImagePullBackOff",
        ("BackOff", "Back-off restarting failed container app in pod web-1_shop(1f2e)"): "CrashLoopBackOff",
        ("Failed", 'Failed to pull image "web:1.5.0": rpc error: code = NotFound'): "ErrImagePull",
        ("Failed", "Error: ErrImagePull"): "ErrImagePull",
        ("Failed", "Error: InvalidImageName"): "ErrImagePull",
        ("Failed", "Error: failed to create containerd task: exec: no such file"): "container failure",
        ("FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu."): "FailedScheduling",
        ("FailedCreate", 'pods "web-1" is forbidden: exceeded quota: compute'): "FailedCreate",
        ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"): "failing probe",
        ("FailedMount", 'MountVolume.SetUp failed for volume "cfg"'): "FailedMount",
        ("FailedAttachVolume", "AttachVolume.Attach failed"): None,
        ("Killing", "Stopping container app"): None,
    }
    for (reason, message), word in words.items():
        assert _event_failure_word(_pod_event("web-1", reason, message, at)) == word, (reason, message)


def test_the_first_failure_of_a_revisions_pods_is_the_earliest_warning_or_failed_termination():
    created = NOW - timedelta(hours=1)
    p1 = pod("web-4abc-1", owner("ReplicaSet", "web-4abc"), "web:2", created=created)
    p2 = pod("web-4abc-2", owner("ReplicaSet", "web-4abc"), "web:2", created=created)
    rev = _rev(4, "web:2", created, [p1, p2], failing=1)
    t = created + timedelta(minutes=10)
    events = [
        _pod_event("web-4abc-1", "Unhealthy", "Readiness probe failed", t + timedelta(minutes=3)),
        _pod_event("web-4abc-2", "FailedMount", "MountVolume.SetUp failed", t + timedelta(minutes=2)),
        _pod_event("other-pod", "BackOff", "Back-off restarting failed container", t),  # not this revision's
        _pod_event("web-4abc-1", "Pulled", "Successfully pulled image", t, type_="Normal"),
        _pod_event("web-4abc-1", "Killing", "Stopping container app", t),  # a Warning, not a failure
        _pod_event("web-4abc-1", "BackOff", "Back-off restarting", created - timedelta(minutes=1)),  # before
    ]
    assert _first_failure(rev, events, {"web-4abc"}, created) == (t + timedelta(minutes=2), "FailedMount")
    # an event about the ReplicaSet itself (a FailedCreate) counts, whatever its kind
    rs_event = _pod_event(
        "web-4abc", "FailedCreate", "exceeded quota", t + timedelta(minutes=1), kind="ReplicaSet"
    )
    assert _first_failure(rev, [*events, rs_event], {"web-4abc"}, created) == (
        t + timedelta(minutes=1),
        "FailedCreate",
    )
    assert _first_failure(rev, [*events, rs_event], set(), created) == (
        t + timedelta(minutes=2),
        "FailedMount",
    )
    # without a start, the earlier BackOff counts
    assert _first_failure(rev, events, set(), None) == (created - timedelta(minutes=1), "CrashLoopBackOff")
    # at the start exactly: counts
    at_start = _pod_event("web-4abc-2", "FailedMount", "x", created)
    assert _first_failure(rev, [at_start], set(), created) == (created, "FailedMount")
    assert _first_failure(rev, [], set(), created) is None


def test_a_failed_termination_is_a_failure_and_a_tie_keeps_the_event():
    created = NOW - timedelta(hours=1)
    t = created + timedelta(minutes=20)
    p = pod("web-4abc-1", owner("ReplicaSet", "web-4abc"), "web:2", created=created)
    cs = p["status"]["containerStatuses"][0]
    cs["lastState"] = {
        "terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ts(t), "startedAt": ts(created)}
    }
    init = dict(cs, name="migrate", lastState={})
    init["state"] = {
        "terminated": {"exitCode": 3, "reason": "Error", "finishedAt": ts(t + timedelta(minutes=1))}
    }
    p["status"]["initContainerStatuses"] = [init]
    rev = _rev(4, "web:2", created, [p], failing=1)
    assert _first_failure(rev, [], set(), created) == (t, "OOMKilled")
    cs["lastState"]["terminated"]["exitCode"] = 0  # OOMKilled names the kill even with another exit code
    rev = _rev(4, "web:2", created, [p], failing=1)
    assert _first_failure(rev, [], set(), created) == (t, "OOMKilled")
    cs["lastState"]["terminated"].update(exitCode=0, reason="Completed")  # a clean exit is no failure
    rev = _rev(4, "web:2", created, [p], failing=1)
    assert _first_failure(rev, [], set(), created) == (t + timedelta(minutes=1), "exit code 3 (migrate)")
    cs["lastState"]["terminated"].update(exitCode=1, reason="Error")
    del cs["lastState"]["terminated"]["finishedAt"]  # no time: not placed
    rev = _rev(4, "web:2", created, [p], failing=1)
    assert _first_failure(rev, [], set(), created) == (t + timedelta(minutes=1), "exit code 3 (migrate)")
    same_time = _pod_event("web-4abc-1", "BackOff", "Back-off restarting", t + timedelta(minutes=1))
    assert _first_failure(rev, [same_time], set(), created) == (t + timedelta(minutes=1), "CrashLoopBackOff")


def test_what_changed_names_the_change_its_age_and_the_first_failure_after_it():
    created = NOW - timedelta(hours=2, minutes=5)
    p = pod("web-4abc-1", owner("ReplicaSet", "web-4abc"), "web:2", created=created)
    cur = _rev(4, "web:1.5.0", created, [p], failing=1)
    cur.name = "web-4abc"
    prev = _rev(3, "web:1.4.2", NOW - timedelta(days=3))
    first = created + timedelta(minutes=12)
    events = [_pod_event("web-4abc", "FailedCreate", "exceeded quota", first, kind="ReplicaSet")]
    w = _what_changed(cur, prev, events, NOW)
    assert (w.from_revision, w.to_revision, w.from_name, w.to_name) == (3, 4, "web-3abc", "web-4abc")
    assert (w.changed_at, w.first_failure_at, w.first_failure, w.failure_after) == (
        ts(created),
        ts(first),
        "FailedCreate",
        "12m",
    )
    assert [(c.container, c.field, c.before, c.after) for c in w.changes] == [
        ("app", "image", "web:1.4.2", "web:1.5.0")
    ]
    assert w.summary == (
        "revision 4: app: image changed from web:1.4.2 to web:1.5.0, 2h5m ago, 12m before the first FailedCreate"
    )
    # more changes are counted; a revision without failing pods has no first failure
    cur.template = _spec("web:1.5.0", cpu="500m", args=["--fast"])
    cur.problems.clear()
    w = _what_changed(cur, prev, events, NOW)
    assert len(w.changes) == 3
    assert (
        w.summary
        == "revision 4: app: image changed from web:1.4.2 to web:1.5.0 (and 2 other changes), 2h5m ago"
    )
    assert (w.first_failure_at, w.first_failure, w.failure_after) == (None, None, None)
    cur.template = _spec("web:1.5.0", cpu="500m")
    assert _what_changed(cur, prev, events, NOW).summary.endswith("(and 1 other change), 2h5m ago")


def test_what_changed_ignores_failures_from_before_the_revision_was_created():
    """Rolled back to a template whose ReplicaSet the history limit had deleted: the new ReplicaSet has the
    same name (the template's hash), and the old one's FailedCreate events (kept for an hour) are not this
    revision's first failure."""
    created = NOW - timedelta(minutes=10)
    cur = _rev(
        4, "web:1.5.0", created, [pod("web-4abc-1", owner("ReplicaSet", "web-4abc"), "web:2")], failing=1
    )
    cur.name = "web-4abc"
    prev = _rev(3, "web:1.4.2", NOW - timedelta(days=3))
    old = _pod_event(
        "web-4abc", "FailedCreate", "exceeded quota", NOW - timedelta(minutes=40), kind="ReplicaSet"
    )
    new = _pod_event(
        "web-4abc", "FailedCreate", "exceeded quota", NOW - timedelta(minutes=4), kind="ReplicaSet"
    )
    w = _what_changed(cur, prev, [old, new], NOW)
    assert (w.first_failure_at, w.failure_after) == (ts(NOW - timedelta(minutes=4)), "6m")
    assert _what_changed(cur, prev, [old], NOW).first_failure is None


def test_what_changed_without_a_compared_difference_or_a_creation_time():
    cur = _rev(4, "web:1.4.2", None, [pod("web-4abc-1", owner("ReplicaSet", "web-4abc"), "web:2")], failing=1)
    cur.name = "web-4abc"
    prev = _rev(3, "web:1.4.2", NOW - timedelta(days=3))
    first = NOW - timedelta(minutes=30)
    events = [_pod_event("web-4abc", "FailedCreate", "exceeded quota", first, kind="ReplicaSet")]
    w = _what_changed(cur, prev, events, NOW)
    assert w.changes == []
    assert w.summary == (
        "revision 4 differs from 3 only in fields not compared here (labels, annotations, security context, "
        "scheduling...)"
    )
    assert (w.changed_at, w.first_failure_at, w.first_failure, w.failure_after) == (
        None,
        ts(first),
        "FailedCreate",
        None,
    )


def test_what_changed_needs_both_revisions_and_their_templates():
    cur, prev = _rev(4, "web:2", NOW), _rev(3, "web:1", NOW)
    assert _what_changed(None, prev, [], NOW) is None
    assert _what_changed(cur, None, [], NOW) is None
    assert _what_changed(cur, prev, [], NOW) is not None
    cur.template = None
    assert _what_changed(cur, prev, [], NOW) is None
    cur, prev = _rev(4, "web:2", NOW), _rev(3, "web:1", NOW)
    prev.template = None
    assert _what_changed(cur, prev, [], NOW) is None


# ------------------------------------------------------------------------------------------ diagnose
def test_the_diagnosis_names_its_workload_and_flags_restarts_above_five_by_default():
    rs = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=2)
    pods = [conv(rs_pod(rs, "a", restarts=6), m.Pod), conv(rs_pod(rs, "b", restarts=5), m.Pod)]
    out = diagnose(
        "Deployment",
        conv(deployment("web", "web:1", replicas=2), m.Deployment),
        namespace="shop",
        now=NOW,
        pods=pods,
        events=[],
        replicasets=[conv(rs, m.ReplicaSet)],
    )
    assert (out.kind, out.namespace, out.name, out.analysis_time) == ("Deployment", "shop", "web", ts(NOW))
    assert out.warnings == []
    [rev] = out.revisions
    assert [(p.reason, p.count, p.pods) for p in rev.problems] == [("HighRestarts", 1, ["web-6d4cf56db6-a"])]


def test_the_diagnosis_says_what_it_could_not_read():
    ds = daemonset("node-agent", "agent:2", status=_DS_STATUS)
    out = diagnose("DaemonSet", conv(ds, m.DaemonSet), namespace="kube-system", now=NOW, pods=[], events=[])
    assert out.warnings == ["nodes could not be read: no per-node view"]
