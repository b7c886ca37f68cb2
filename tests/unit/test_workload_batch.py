"""Jobs and CronJobs rule by rule: each finishing condition and its sentence, a suspended or running Job,
active pods that cannot get better, the advice per failure reason, the facts and counts the answer
carries; a CronJob's Jobs newest first, missed runs and why, its last Job's state and blockers."""

from __future__ import annotations

from datetime import timedelta

from builders.workloads import NOW, NS, ago, cond, cronjob, event, job, owner, pod, ts
from k8s_agent.analysis.workloads.diagnose import diagnose
from k8s_agent.kube import models as m


def conv(d: dict, t: type):
    return m.convert(d, t)


def run(kind, obj, t, **kw):
    kw.setdefault("pods", [])
    kw.setdefault("events", [])
    return diagnose(kind, conv(obj, t), namespace=NS, now=NOW, **kw)


def job_pod(job_name: str, suffix: str, state: str, minutes_ago: int = 10, uid: str | None = None) -> m.Pod:
    ref = owner("Job", job_name, "batch/v1")
    if uid:
        ref["uid"] = uid
    return conv(
        pod(
            f"{job_name}-{suffix}",
            ref,
            "busybox:1.36",
            state=state,
            created=NOW - timedelta(minutes=minutes_ago),
        ),
        m.Pod,
    )


# ------------------------------------------------------------------------------------------ Job
def test_a_job_that_succeeded_at_once_and_its_facts():
    j = job(
        "export",
        completions=1,
        status={"succeeded": 1, "startTime": ago(minutes=30), "completionTime": ago(minutes=20), "ready": 0},
        conditions=[cond("SuccessCriteriaMet", "True", "CompletionsReached"), cond("Complete", "True")],
    )
    out = run("Job", j, m.Job, pods=[job_pod("export", "a", "succeeded")])
    assert (out.state, out.state_reason) == ("complete", "succeeded (1 succeeded)")
    f = out.job
    assert (f.active, f.succeeded, f.failed, f.completions, f.parallelism, f.backoff_limit) == (
        0,
        1,
        0,
        1,
        1,
        6,
    )
    assert (f.suspended, f.start_time, f.completion_time) == (False, ago(minutes=30), ago(minutes=20))
    assert (f.failure_reason, f.failure_message, f.retried_then_succeeded, f.pod_failure_policy) == (
        None,
        None,
        False,
        [],
    )
    r = out.replicas
    assert (r.desired, r.current, r.updated, r.ready, r.available) == (1, 0, 1, 0, 1)
    assert [c.type for c in out.conditions] == ["SuccessCriteriaMet", "Complete"]
    assert [(rev.name, rev.pods) for rev in out.revisions] == [("export", 1)]
    assert (out.kind, out.name, out.generation) == ("Job", "export", 1)


def test_success_criteria_met_alone_is_complete():
    j = job("export", status={"succeeded": 2, "failed": 1}, conditions=[cond("SuccessCriteriaMet", "True")])
    out = run("Job", j, m.Job)
    assert (out.state, out.state_reason) == (
        "complete",
        "succeeded (2 succeeded, after 1 failed pod retried within backoffLimit 6)",
    )
    assert out.revisions == [] and out.job.retried_then_succeeded is True


def test_failure_target_alone_is_failed_and_a_condition_without_reason_says_its_type():
    j = job(
        "train",
        status={"failed": 7},
        conditions=[
            cond(
                "FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            )
        ],
    )
    out = run("Job", j, m.Job)
    assert (out.state, out.state_reason) == (
        "failed",
        "BackoffLimitExceeded: Job has reached the specified backoff limit",
    )
    # FailureTarget is not Failed yet: no failure reason in the facts
    assert (out.job.failure_reason, out.job.failure_message) == (None, None)
    bare = job("train", status={"failed": 1}, conditions=[cond("Failed", "True")])
    assert run("Job", bare, m.Job).state_reason == "Failed"
    false_cond = job(
        "train", status={"active": 1}, conditions=[cond("Failed", "False", "BackoffLimitExceeded")]
    )
    out = run("Job", false_cond, m.Job)
    assert out.state == "progressing" and out.job.failure_reason is None


def test_a_failed_job_advice_per_reason():
    limit = job(
        "reconcile",
        backoff=2,
        status={"failed": 3},
        conditions=[
            cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        ],
    )
    out = run("Job", limit, m.Job)  # its pods are gone (ttlSecondsAfterFinished, or deleted)
    assert out.suggestions == [
        "The Job failed 3 times (backoffLimit 2): read the last failure with `kubectl logs`; raise backoffLimit "
        "only if the failures are transient"
    ]
    pods = [job_pod("reconcile", "b", "failed", 5), job_pod("reconcile", "a", "failed", 20)]
    out = run("Job", limit, m.Job, pods=pods)
    assert out.suggestions[0] == (
        "The Job failed 3 times (backoffLimit 2): read the last failure with `kubectl logs -n shop reconcile-b`; "
        "raise backoffLimit only if the failures are transient"
    )
    assert (out.job.failure_reason, out.job.failure_message) == (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    deadline = job(
        "etl",
        status={"failed": 1},
        conditions=[
            cond("Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline")
        ],
    )
    deadline["spec"]["activeDeadlineSeconds"] = 600
    out = run("Job", deadline, m.Job)
    assert out.state_reason == "DeadlineExceeded: Job was active longer than specified deadline"
    assert out.suggestions == [
        "The Job ran longer than activeDeadlineSeconds (600s): raise it or make the work faster"
    ]
    policy = job("train", status={"failed": 1}, conditions=[cond("Failed", "True", "PodFailurePolicy", "x")])
    out = run("Job", policy, m.Job)
    assert out.suggestions == [
        "A podFailurePolicy rule failed the Job at once (see jobFacts.podFailurePolicy)"
    ]


def test_a_suspended_job():
    j = job("batch", status={})
    j["spec"]["suspend"] = True
    out = run("Job", j, m.Job)
    assert (out.state, out.state_reason) == ("suspended", "the Job is suspended (spec.suspend)")
    assert out.job.suspended is True


def test_a_running_job_counts_and_a_work_queue_without_completions():
    j = job("etl", completions=5, status={"active": 1, "succeeded": 2, "failed": 1, "ready": 1})
    out = run("Job", j, m.Job, pods=[job_pod("etl", "a", "ready")])
    assert (out.state, out.state_reason) == (
        "progressing",
        "1 active, 2 succeeded of 5, 1 failed (backoffLimit 6)",
    )
    r = out.replicas
    assert (r.desired, r.current, r.updated, r.ready, r.available) == (5, 1, 2, 1, 2)
    queue = job("queue", status={"active": 2})
    del queue["spec"]["completions"]
    del queue["spec"]["backoffLimit"]
    out = run("Job", queue, m.Job)
    assert out.state_reason == "2 active, 0 succeeded, 0 failed (backoffLimit 6)"
    assert (out.replicas.desired, out.replicas.ready, out.job.completions, out.job.backoff_limit) == (
        1,
        0,
        None,
        6,
    )


def test_one_hopeless_active_pod_of_two_is_not_stuck_and_an_earlier_jobs_pod_is_not_counted():
    j = job("etl", status={"active": 2})
    pods = [job_pod("etl", "a", "imagepull"), job_pod("etl", "b", "ready")]
    out = run("Job", j, m.Job, pods=pods)
    assert out.state == "progressing"
    # a pod left by an earlier Job of the same name (another uid) is not this Job's
    old = job_pod("etl", "z", "imagepull", uid="0b0b0b0b-0000-4000-8000-000000000000")
    out = run("Job", j, m.Job, pods=[old, job_pod("etl", "b", "ready")])
    assert out.state == "progressing" and out.revisions[0].pods == 1
    out = run("Job", job("etl", status={"active": 1}), m.Job, pods=[job_pod("etl", "a", "imagepull")])
    assert (out.state, out.state_reason) == (
        "stuck",
        "all 1 active pod fail in a way that does not pass by itself",
    )


def test_pods_the_job_controller_cannot_create():
    refused = (
        'Error creating: pods "etl-k2j4h" is forbidden: exceeded quota: compute, requested: requests.cpu=2, '
        "used: requests.cpu=9, limited: requests.cpu=10"
    )
    evs = [
        conv(
            event(
                "Job",
                "etl",
                "FailedCreate",
                refused,
                first=NOW - timedelta(minutes=2),
                component="job-controller",
            ),
            m.Event,
        )
    ]
    out = run("Job", job("etl", status={}), m.Job, events=evs)
    assert [(cf.object, cf.cause) for cf in out.create_failures] == [("Job/etl", "quota")]
    assert out.blockers == [f"Job/etl: FailedCreate (quota): {out.create_failures[0].message[:200]}"]


# ------------------------------------------------------------------------------------------ CronJob
def cj_job(name: str, scheduled: str | None, *, cron: str = "report", **kw) -> m.Job:
    annotations = {"batch.kubernetes.io/cronjob-scheduled-timestamp": scheduled} if scheduled else {}
    return conv(job(name, owner_ref=owner("CronJob", cron, "batch/v1"), annotations=annotations, **kw), m.Job)


def test_the_last_job_is_the_newest_scheduled_of_the_cronjobs_own():
    cj = cronjob("report", "0 * * * *", status={"lastScheduleTime": ts(NOW.replace(minute=0))})
    jobs = [
        cj_job("report-new", ts(NOW.replace(minute=0)), created=ago(days=5), status={"active": 1}),
        cj_job("report-old", ago(hours=1), created=ago(minutes=1), conditions=[cond("Complete", "True")]),
        # an unreadable annotation: its creation time stands in
        cj_job("report-odd", "yesterday", created=ago(hours=3), conditions=[cond("Complete", "True")]),
        # another CronJob's newer Job
        cj_job("other-1", ts(NOW), cron="other", conditions=[cond("Complete", "True")]),
    ]
    out = run("CronJob", cj, m.CronJob, jobs=jobs)
    assert (out.cron_job.last_job, out.cron_job.last_job_state) == ("report-new", "progressing")
    assert out.state == "progressing"
    assert (
        out.state_reason
        == "last Job report-new: progressing (1 active, 0 succeeded of 1, 0 failed (backoffLimit 6))"
    )


def test_a_suspended_cronjob_says_how_to_resume_it():
    out = run("CronJob", cronjob("report", "0 * * * *", status={}, suspend=True), m.CronJob)
    assert (out.state, out.state_reason) == (
        "suspended",
        "the CronJob is suspended (spec.suspend): no Job is started",
    )
    assert out.suggestions == [
        'Resume it with `kubectl patch cronjob/report -n shop -p \'{"spec":{"suspend":false}}\'`'
    ]
    assert out.cron_job.suspended is True


def test_missed_runs_with_a_starting_deadline_and_without():
    cj = cronjob("report", "*/15 * * * *", status={"lastScheduleTime": ago(hours=1)})
    out = run("CronJob", cj, m.CronJob)
    assert out.state == "stuck"
    assert out.state_reason == (
        f"3 scheduled run(s) since {ago(minutes=45)} started no Job: the CronJob controller "
        "(kube-controller-manager) did not start them"
    )
    assert out.suggestions == [
        "Check kube-controller-manager (its cronjob controller) and its logs; more than 100 missed runs stop a "
        "CronJob until lastScheduleTime is recent"
    ]
    f = out.cron_job
    assert (f.schedule, f.time_zone, f.concurrency_policy, f.starting_deadline_seconds) == (
        "*/15 * * * *",
        None,
        "Allow",
        None,
    )
    assert (f.last_schedule_time, f.missed_schedules, f.first_missed, f.active_jobs, f.last_job) == (
        ago(hours=1),
        3,
        ago(minutes=45),
        [],
        None,
    )
    cj["spec"]["startingDeadlineSeconds"] = 30
    out = run("CronJob", cj, m.CronJob)
    assert out.state_reason == (
        f"3 scheduled run(s) since {ago(minutes=45)} started no Job: startingDeadlineSeconds 30 may be shorter "
        "than the controller's delay, so late starts are dropped"
    )
    assert out.suggestions == ["Raise startingDeadlineSeconds (or remove it) so late starts still run"]
    assert out.cron_job.starting_deadline_seconds == 30


def test_a_hundred_missed_runs_or_more_read_100_plus():
    cj = cronjob("tick", "* * * * *", status={"lastScheduleTime": ago(hours=3)})
    out = run("CronJob", cj, m.CronJob)
    assert out.state_reason.startswith(
        f"100+ scheduled run(s) since {ago(hours=3, minutes=-1)} started no Job"
    )
    assert out.cron_job.missed_schedules == 100


def test_a_cronjob_without_a_job_yet_or_with_an_unreadable_schedule():
    fresh = cronjob("report", "0 3 * * *", status={}, created=ago(minutes=5))
    out = run("CronJob", fresh, m.CronJob)
    assert (out.state, out.state_reason) == (
        "progressing",
        f"no Job yet: the first run is due at {ts(NOW.replace(day=3, hour=3))}",
    )
    assert out.cron_job.next_schedule_time == ts(NOW.replace(day=3, hour=3))
    bad = cronjob("report", "every day", status={}, created=ago(minutes=5))
    out = run("CronJob", bad, m.CronJob)
    assert (out.state, out.state_reason) == ("progressing", "no Job yet")
    assert len(out.warnings) == 1 and out.warnings[0].startswith(
        "the schedule 'every day' could not be read: "
    )
    assert out.cron_job.next_schedule_time is None


def test_a_failed_last_job_lends_its_blockers_and_revisions():
    cj = cronjob("report", "0 * * * *", status={"lastScheduleTime": ts(NOW.replace(minute=0))})
    failed = cj_job(
        "report-1",
        ts(NOW.replace(minute=0)),
        status={"failed": 1},
        conditions=[
            cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        ],
    )
    pods = [job_pod("report-1", "a", "failed")]
    out = run("CronJob", cj, m.CronJob, jobs=[failed], pods=pods)
    assert out.state == "failed"
    assert out.suggestions == [
        "See why Job report-1 failed: GET /api/v1/workloads/shop/Job/report-1/diagnosis"
    ]
    assert [b.split(" (")[0] for b in out.blockers] == ["Job report-1: report-1: 1 pod Failed"]
    assert [(r.name, r.pods) for r in out.revisions] == [("report-1", 1)]
    # a complete last Job: no blockers, no revisions
    done = cj_job(
        "report-1", ts(NOW.replace(minute=0)), status={"succeeded": 1}, conditions=[cond("Complete", "True")]
    )
    out = run("CronJob", cj, m.CronJob, jobs=[done], pods=pods)
    assert (out.state, out.blockers, out.revisions) == ("complete", [], [])


def test_a_suspended_last_job_leaves_the_cronjob_progressing():
    cj = cronjob("report", "0 * * * *", status={"lastScheduleTime": ts(NOW.replace(minute=0))})
    held = cj_job("report-1", ts(NOW.replace(minute=0)), status={})
    held.spec.suspend = True
    out = run("CronJob", cj, m.CronJob, jobs=[held])
    assert (out.state, out.state_reason) == (
        "progressing",
        "last Job report-1: suspended (the Job is suspended (spec.suspend))",
    )


def test_pod_failure_policy_rules_in_words():
    pfp = {
        "rules": [
            {"action": "Ignore", "onExitCodes": {"operator": "NotIn", "values": [0, 1]}},
            {"action": "Count", "onPodConditions": [{"type": "DisruptionTarget", "status": "False"}]},
        ]
    }
    j = job("train", status={"active": 1}, pod_failure_policy=pfp)
    assert run("Job", j, m.Job).job.pod_failure_policy == [
        "Ignore when a container exits with a code that is not in [0, 1]",
        "Count when the pod has condition DisruptionTarget=False",
    ]


def test_a_running_job_names_its_own_backoff_limit_and_its_one_revision():
    j = job("etl", backoff=2, status={"active": 1}, created=ago(hours=1))
    out = run("Job", j, m.Job, pods=[job_pod("etl", "a", "ready")])
    assert out.state_reason == "1 active, 0 succeeded of 1, 0 failed (backoffLimit 2)"
    (rev,) = out.revisions
    assert (rev.revision, rev.name, rev.current, rev.created, rev.images) == (
        0,
        "etl",
        True,
        ago(hours=1),
        ["busybox:1.36"],
    )


def test_a_complete_job_takes_no_advice_from_an_old_refusal():
    refused = (
        'Error creating: pods "etl-k2j4h" is forbidden: violates PodSecurity "restricted:latest": '
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)'
    )
    evs = [
        conv(
            event(
                "Job",
                "etl",
                "FailedCreate",
                refused,
                first=NOW - timedelta(minutes=30),
                component="job-controller",
            ),
            m.Event,
        )
    ]
    j = job("etl", status={"succeeded": 1}, conditions=[cond("Complete", "True")])
    out = run("Job", j, m.Job, events=evs)
    assert out.state == "complete" and len(out.create_failures) == 1
    assert out.suggestions == []


def test_a_cronjob_in_another_time_zone_without_a_stated_policy():
    cj = cronjob(
        "report",
        "0 9 * * *",
        status={"lastScheduleTime": ago(hours=3), "lastSuccessfulTime": ago(hours=3)},
    )
    cj["spec"]["timeZone"] = "America/New_York"  # 09:00 EST is 14:00 UTC
    del cj["spec"]["concurrencyPolicy"]
    out = run("CronJob", cj, m.CronJob)
    f = out.cron_job
    assert (f.time_zone, f.concurrency_policy, f.next_schedule_time) == (
        "America/New_York",
        "Allow",
        ts(NOW.replace(hour=14)),
    )
    assert (f.last_successful_time, f.missed_schedules, out.generation) == (ago(hours=3), 0, 1)


def test_missed_runs_behind_a_running_job_under_allow_are_the_controllers():
    active = [{"kind": "Job", "namespace": NS, "name": "report-1", "apiVersion": "batch/v1"}]
    cj = cronjob("report", "*/15 * * * *", status={"active": active, "lastScheduleTime": ago(hours=1)})
    running = cj_job("report-1", ago(hours=1), status={"active": 1}, created=ago(hours=1))
    out = run("CronJob", cj, m.CronJob, jobs=[running])
    assert out.state_reason.endswith(": the CronJob controller (kube-controller-manager) did not start them")
    assert out.cron_job.active_jobs == ["report-1"]


def test_a_forbid_job_without_a_start_time_counts_from_its_creation():
    active = [{"kind": "Job", "namespace": NS, "name": "report-1", "apiVersion": "batch/v1"}]
    cj = cronjob(
        "report", "*/15 * * * *", policy="Forbid", status={"active": active, "lastScheduleTime": ago(hours=2)}
    )
    running = cj_job("report-1", ago(hours=2), status={"active": 1}, created=ago(hours=2))
    out = run("CronJob", cj, m.CronJob, jobs=[running])
    assert out.state_reason == (
        f"7 scheduled run(s) since {ago(hours=1, minutes=45)} started no Job: concurrencyPolicy Forbid skips them "
        "while Job report-1 runs (since 2h ago)"
    )
    assert out.suggestions == [
        "Job report-1 blocks new runs (concurrencyPolicy Forbid): find why it does not finish "
        "(GET /api/v1/workloads/shop/Job/report-1/diagnosis), or set activeDeadlineSeconds on the job template"
    ]


def test_a_running_last_job_lends_its_failing_pods_as_blockers():
    cj = cronjob("report", "0 * * * *", status={"lastScheduleTime": ts(NOW.replace(minute=0))})
    running = cj_job("report-1", ts(NOW.replace(minute=0)), status={"active": 1})
    notready = pod("report-1-b", owner("Job", "report-1", "batch/v1"), "busybox:1.36", state="notready")
    notready["status"]["conditions"][2]["lastTransitionTime"] = ago(minutes=20)  # readiness failing for long
    pods = [job_pod("report-1", "a", "crashloop"), conv(notready, m.Pod)]
    out = run("CronJob", cj, m.CronJob, jobs=[running], pods=pods)
    assert out.state == "progressing"
    assert [b.split(" (")[0] for b in out.blockers] == [
        "Job report-1: report-1: 1 pod CrashLoopBackOff",
        "Job report-1: report-1: 1 pod NotReady",
    ]
    assert [(r.name, r.failing_pods) for r in out.revisions] == [("report-1", 2)]
