"""The Job and CronJob diagnoses (see :mod:`.diagnose` for the states)."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.kube import conditions_out, controller
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.analysis.workloads.create_failures import (
    _controller_findings,
    _create_failures,
)
from k8s_agent.analysis.workloads.cron import CronError, Schedule
from k8s_agent.analysis.workloads.revisions import (
    CRON_GRACE,
    HOPELESS,
    MISSED_CAP,
    _analyse_pods,
    _cond,
    _Ctx,
    _owned_by,
    _plural,
    _Rev,
)
from k8s_agent.kube.models import (
    CronJob,
    Job,
    Pod,
    ResourceQuota,
)
from k8s_agent.schemas.workloads import (
    CronJobFacts,
    JobFacts,
    Replicas,
    WorkloadDiagnosis,
)


def _policy_sentences(job: Job) -> list[str]:
    pfp = job.spec.pod_failure_policy
    if pfp is None:
        return []
    out = []
    for r in pfp.rules:
        if r.on_exit_codes is not None:
            who = (
                f"container {r.on_exit_codes.container_name}"
                if r.on_exit_codes.container_name
                else "a container"
            )
            vals = ", ".join(str(v) for v in r.on_exit_codes.values)
            op = "is in" if r.on_exit_codes.operator == "In" else "is not in"
            out.append(f"{r.action} when {who} exits with a code that {op} [{vals}]")
        for pc in r.on_pod_conditions:
            out.append(f"{r.action} when the pod has condition {pc.type}={pc.status or 'True'}")
    return out


def job_state(job: Job, failing_active: int = 0, active_pods: int = 0) -> tuple[str, str]:
    """The Job's state from its conditions (see the module docstring)."""
    conds = job.status.conditions
    st = job.status
    backoff = job.spec.backoff_limit if job.spec.backoff_limit is not None else 6
    for ctype, state in (
        ("Complete", "complete"),
        ("SuccessCriteriaMet", "complete"),
        ("Failed", "failed"),
        ("FailureTarget", "failed"),
    ):
        cond = _cond(conds, ctype)
        if cond is not None and cond.status == "True":
            if state == "complete":
                text = f"succeeded ({st.succeeded} succeeded"
                text += (
                    f", after {_plural(st.failed, 'failed pod')} retried within backoffLimit {backoff})"
                    if st.failed
                    else ")"
                )
                return state, text
            return state, f"{cond.reason or ctype}: {cond.message}".rstrip(": ")
    if job.spec.suspend:
        return "suspended", "the Job is suspended (spec.suspend)"
    if active_pods and failing_active >= active_pods:
        return "stuck", f"all {_plural(active_pods, 'active pod')} fail in a way that does not pass by itself"
    want = job.spec.completions
    text = f"{st.active} active, {st.succeeded} succeeded" + (f" of {want}" if want is not None else "")
    text += f", {st.failed} failed (backoffLimit {backoff})"
    return "progressing", text


def _job(job: Job, pods: list[Pod], c: _Ctx, quotas: list[ResourceQuota]) -> WorkloadDiagnosis:
    rev = _Rev(0, job.metadata.name, job.metadata.creation_timestamp, job.spec.template.spec)
    rev.current = True
    for pod in pods:
        ref = controller(pod.metadata)
        if (
            ref is not None
            and ref.kind == "Job"
            and ref.name == job.metadata.name
            and (not ref.uid or not job.metadata.uid or ref.uid == job.metadata.uid)
        ):
            rev.pods.append(pod)
    _analyse_pods([rev], c.now, c.restart_threshold)
    active = [p for p in rev.pods if p.status.phase in ("Pending", "Running")]
    hopeless = sum(
        1
        for reason, items in rev.problems.items()
        if reason in HOPELESS
        for p, _ in items
        if p.status.phase in ("Pending", "Running")
    )
    state, reason = job_state(job, hopeless, len(active))
    st = job.status
    backoff = job.spec.backoff_limit if job.spec.backoff_limit is not None else 6
    failed_cond = _cond(st.conditions, "Failed")
    create = _create_failures(c.events, {job.metadata.name: "Job"})
    failures = [cf for cf, _ in create]
    # a Job that succeeded: its failed pods are history, not problems
    if state == "complete":
        rev.problems.clear()
    if state == "failed" and failed_cond is not None:
        failed_pods = sorted(
            (p for p in rev.pods if p.status.phase == "Failed"),
            key=lambda p: p.metadata.creation_timestamp or c.now,
        )
        if failed_cond.reason == "BackoffLimitExceeded":
            c.suggestions.append(
                f"The Job failed {st.failed} times (backoffLimit {backoff}): read the last failure with "
                + (
                    f"`kubectl logs -n {c.namespace} {failed_pods[-1].metadata.name}`"
                    if failed_pods
                    else "`kubectl logs`"
                )
                + "; raise backoffLimit only if the failures are transient"
            )
        elif failed_cond.reason == "DeadlineExceeded":
            c.suggestions.append(
                f"The Job ran longer than activeDeadlineSeconds ({job.spec.active_deadline_seconds}s): raise it "
                "or make the work faster"
            )
        elif failed_cond.reason == "PodFailurePolicy":
            c.suggestions.append(
                "A podFailurePolicy rule failed the Job at once (see jobFacts.podFailurePolicy)"
            )
    _controller_findings(
        c, "job", job.metadata.name, [rev], None, failures, quotas, advise=state != "complete", first=[]
    )
    facts = JobFacts(
        active=st.active,
        succeeded=st.succeeded,
        failed=st.failed,
        completions=job.spec.completions,
        parallelism=job.spec.parallelism,
        backoff_limit=backoff,
        suspended=bool(job.spec.suspend),
        start_time=rfc3339(st.start_time),
        completion_time=rfc3339(st.completion_time),
        failure_reason=failed_cond.reason
        if failed_cond is not None and failed_cond.status == "True"
        else None,
        failure_message=failed_cond.message
        if failed_cond is not None and failed_cond.status == "True"
        else None,
        pod_failure_policy=_policy_sentences(job),
        retried_then_succeeded=state == "complete" and st.failed > 0,
    )
    out = c.diagnosis("Job", state, reason, job.metadata.generation)
    out.replicas = Replicas(
        desired=job.spec.completions if job.spec.completions is not None else 1,
        current=st.active,
        updated=st.succeeded,
        ready=st.ready or 0,
        available=st.succeeded,
    )
    out.conditions = conditions_out(st.conditions)
    out.revisions = [rev.out()] if rev.pods else []
    out.create_failures = failures
    out.job = facts
    return out


def _job_scheduled_at(job: Job) -> datetime | None:
    text = job.metadata.annotations.get("batch.kubernetes.io/cronjob-scheduled-timestamp")
    if text:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    return job.metadata.creation_timestamp


def _cronjob(cj: CronJob, jobs: list[Job], pods: list[Pod], c: _Ctx) -> WorkloadDiagnosis:
    mine = [j for j in jobs if _owned_by(j.metadata, cj.metadata, "CronJob")]
    epoch = datetime.min
    mine.sort(key=lambda j: (_job_scheduled_at(j) is not None, _job_scheduled_at(j) or epoch), reverse=True)
    last = mine[0] if mine else None
    last_state = job_state(last) if last is not None else None
    st = cj.status
    policy = cj.spec.concurrency_policy or "Allow"
    missed: list[datetime] = []
    next_at = None
    try:
        sched = Schedule(cj.spec.schedule, cj.spec.time_zone)
        since = st.last_schedule_time or cj.metadata.creation_timestamp
        if since is not None:
            missed = sched.times(since, c.now - CRON_GRACE, cap=MISSED_CAP)
        next_at = sched.next_after(c.now)
    except CronError as exc:
        c.warnings.append(f"the schedule {cj.spec.schedule!r} could not be read: {exc}")
    active_names = [a.name for a in st.active]
    running = [j for j in mine if j.metadata.name in active_names]

    if cj.spec.suspend:
        state, reason = "suspended", "the CronJob is suspended (spec.suspend): no Job is started"
        c.suggestions.append(
            f'Resume it with `kubectl patch cronjob/{cj.metadata.name} -n {c.namespace} -p \'{{"spec":{{"suspend":false}}}}\'`'
        )
    elif missed:
        state = "stuck"
        n = f"{len(missed)}{'+' if len(missed) >= MISSED_CAP else ''}"
        reason = f"{n} scheduled run(s) since {rfc3339(missed[0])} started no Job"
        if policy == "Forbid" and running:
            started = running[0].status.start_time or running[0].metadata.creation_timestamp
            reason += f": concurrencyPolicy Forbid skips them while Job {running[0].metadata.name} runs" + (
                f" (since {compact_duration(c.now - started)} ago)" if started else ""
            )
            c.suggestions.append(
                f"Job {running[0].metadata.name} blocks new runs (concurrencyPolicy Forbid): find why it does not "
                f"finish (GET /api/v1/workloads/{c.namespace}/Job/{running[0].metadata.name}/diagnosis), or set "
                "activeDeadlineSeconds on the job template"
            )
        elif cj.spec.starting_deadline_seconds is not None:
            reason += (
                f": startingDeadlineSeconds {cj.spec.starting_deadline_seconds} may be shorter than the controller's "
                "delay, so late starts are dropped"
            )
            c.suggestions.append("Raise startingDeadlineSeconds (or remove it) so late starts still run")
        else:
            reason += ": the CronJob controller (kube-controller-manager) did not start them"
            c.suggestions.append(
                "Check kube-controller-manager (its cronjob controller) and its logs; more than 100 missed runs "
                "stop a CronJob until lastScheduleTime is recent"
            )
    elif last is not None and last_state is not None:
        state = last_state[0] if last_state[0] != "suspended" else "progressing"
        reason = f"last Job {last.metadata.name}: {last_state[0]} ({last_state[1]})"
        if last_state[0] == "failed":
            c.suggestions.append(
                f"See why Job {last.metadata.name} failed: GET /api/v1/workloads/{c.namespace}/Job/{last.metadata.name}/diagnosis"
            )
    else:
        state = "progressing"
        reason = "no Job yet" + (f": the first run is due at {rfc3339(next_at)}" if next_at else "")

    facts = CronJobFacts(
        schedule=cj.spec.schedule,
        time_zone=cj.spec.time_zone,
        suspended=bool(cj.spec.suspend),
        concurrency_policy=policy,
        starting_deadline_seconds=cj.spec.starting_deadline_seconds,
        last_schedule_time=rfc3339(st.last_schedule_time),
        last_successful_time=rfc3339(st.last_successful_time),
        next_schedule_time=rfc3339(next_at),
        missed_schedules=len(missed),
        first_missed=rfc3339(missed[0]) if missed else None,
        active_jobs=active_names,
        last_job=last.metadata.name if last is not None else None,
        last_job_state=last_state[0] if last_state is not None else None,
    )
    if last is not None and last_state is not None and last_state[0] in ("failed", "stuck", "progressing"):
        job_ctx = _Ctx(c.namespace, last.metadata.name, c.now, c.restart_threshold, c.events)
        sub = _job(last, pods, job_ctx, [])
        c.blockers.extend(f"Job {last.metadata.name}: {b}" for b in job_ctx.blockers)
        revisions = sub.revisions
    else:
        revisions = []
    out = c.diagnosis("CronJob", state, reason, cj.metadata.generation)
    out.revisions = revisions
    out.cron_job = facts
    return out
