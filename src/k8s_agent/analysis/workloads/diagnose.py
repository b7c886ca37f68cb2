"""The workload diagnosis: a controller, its revisions, its pods and their events in, one answer out.

States (``state``), decided from the controller's own conditions and generation first:

* every kind: ``metadata.generation`` above ``status.observedGeneration`` -> ``progressing`` (the controller
  has not acted on the latest spec yet; nothing else in status can be trusted).
* Deployment: ``spec.paused`` -> ``suspended``; the ``Progressing`` condition with reason
  ``ProgressDeadlineExceeded`` -> ``stuck`` (even while the old ReplicaSet's pods are all ready: the
  rollout, not the service, is stuck); a ``ReplicaFailure`` condition -> ``stuck`` (the ReplicaSet cannot
  create pods); fewer updated, more total, or fewer available than desired replicas -> ``progressing``
  (a rollout in progress is never called stuck before its deadline, even when its new pods fail: the
  reason names them and says when the deadline falls); a finished rollout (``NewReplicaSetAvailable``)
  with fewer available replicas than desired -> ``degraded``; otherwise ``complete``.
* StatefulSet (no deadline of its own): the pods the controller waits on are checked. With the default
  ``OrderedReady`` policy it waits on the lowest-ordinal pod that is not ready; with ``Parallel`` on any.
  Such a pod failing (CrashLoopBackOff, image pull, unschedulable, not ready for 5 minutes...) ->
  ``stuck`` while a rollout or scale is under way, ``degraded`` otherwise; a rollout under way without such
  a pod -> ``progressing``; all replicas ready and on the update revision -> ``complete``.
* DaemonSet: a rolling update whose updated pods fail -> ``stuck``; under way otherwise -> ``progressing``;
  pods missing or unavailable without a rollout -> ``degraded``; otherwise ``complete``.
* Job: ``Complete`` (or ``SuccessCriteriaMet``) -> ``complete`` (retries that preceded success are not a
  problem); ``Failed`` (or ``FailureTarget``) -> ``failed`` with the controller's reason
  (BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy...); ``spec.suspend`` -> ``suspended``; every
  active pod failing in a way that cannot pass by itself (image pull, unschedulable...) -> ``stuck``;
  otherwise ``progressing``.
* CronJob: ``spec.suspend`` -> ``suspended``; schedule times that passed more than a minute ago without a
  Job -> ``stuck`` (with why: ``Forbid`` and a Job still running, a short ``startingDeadlineSeconds``...);
  else the last Job's state (``failed``, ``progressing``, ``complete``); no Job yet -> ``progressing``.

What blocks it: every revision's failing pods grouped by reason (the namespace analysis's issue types),
the controller's ``FailedCreate`` events (quota, admission webhook, PodSecurity...), a DaemonSet's nodes
without a (working) pod and why. What changed: the current pod template against the previous revision's,
with the time of the change and the first failure after it. Suggestions say what to run or change.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from k8s_agent.analysis.kube import controller, event_count, event_first_time, event_last_time, event_message
from k8s_agent.analysis.quantity import human, try_parse
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.analysis.workloads.cron import CronError, Schedule
from k8s_agent.analysis.workloads.daemonset import evaluate_daemonset_nodes
from k8s_agent.analysis.workloads.pods import is_ready, pod_problem
from k8s_agent.analysis.workloads.template import change_sentence, diff_templates
from k8s_agent.kube.models import (
    ControllerRevision,
    CronJob,
    DaemonSet,
    Deployment,
    Event,
    Job,
    Node,
    ObjectMeta,
    Pod,
    PodSpec,
    ReplicaSet,
    ResourceQuota,
    StatefulSet,
    Workload,
)
from k8s_agent.schemas.workloads import (
    Condition,
    CreateFailure,
    CronJobFacts,
    JobFacts,
    PodProblem,
    Replicas,
    Revision,
    WhatChanged,
    WorkloadDiagnosis,
)

REVISIONS_SHOWN = 20
PROBLEM_PODS_SHOWN = 5
CREATE_FAILURES_SHOWN = 10
CRON_GRACE = timedelta(minutes=1)
MISSED_CAP = 100
DEFAULT_PROGRESS_DEADLINE = 600
#: failures that pass by themselves (a crash loop may end, a pending pod may get a node) are not these
HOPELESS = {"ImagePullError", "Unschedulable", "ResourceConstraints", "Failed", "Pending"}


# ------------------------------------------------------------------------------------------ small helpers
def _owned_by(meta: ObjectMeta, owner: ObjectMeta, kind: str) -> bool:
    ref = controller(meta)
    if ref is None or ref.kind != kind:
        return False
    if ref.uid and owner.uid:
        return ref.uid == owner.uid
    return ref.name == owner.name


def _conditions(conds: Iterable) -> list[Condition]:
    return [
        Condition(
            type=c.type,
            status=c.status,
            reason=c.reason,
            message=c.message,
            last_transition_time=rfc3339(c.last_transition_time),
        )
        for c in conds
    ]


def _cond(conds: Iterable[Any], ctype: str) -> Any:
    for c in conds:
        if c.type == ctype:
            return c
    return None


def _generation_pending(meta: ObjectMeta, observed: int | None) -> str | None:
    gen = getattr(meta, "generation", None)
    if gen is not None and observed is not None and observed < gen:
        return (
            f"the controller has not yet acted on generation {gen} of the spec (observed {observed}); "
            "its status describes the previous spec"
        )
    return None


def _images(spec: PodSpec | None) -> list[str]:
    if spec is None:
        return []
    return [c.image for c in spec.containers]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ------------------------------------------------------------------------------------------ revisions
class _Rev:
    """A revision while it is being built: its template, pods and problems."""

    __slots__ = ("number", "name", "created", "template", "pods", "current", "problems", "ready")

    def __init__(self, number: int, name: str, created: datetime | None, template: PodSpec | None) -> None:
        self.number = number
        self.name = name
        self.created = created
        self.template = template
        self.pods: list[Pod] = []
        self.current = False
        self.problems: dict[str, list[tuple[Pod, str]]] = defaultdict(list)
        self.ready = 0

    def out(self) -> Revision:
        problems = [
            PodProblem(
                reason=reason,
                count=len(items),
                pods=[p.metadata.name for p, _ in items[:PROBLEM_PODS_SHOWN]],
                message=items[0][1][:300],
            )
            for reason, items in sorted(self.problems.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]
        return Revision(
            revision=self.number,
            name=self.name,
            current=self.current,
            created=rfc3339(self.created),
            images=_images(self.template),
            pods=len(self.pods),
            ready_pods=self.ready,
            failing_pods=sum(len(v) for v in self.problems.values()),
            problems=problems,
        )

    @property
    def failing(self) -> int:
        return sum(len(v) for v in self.problems.values())

    def top_problem(self) -> tuple[str, list[tuple[Pod, str]]] | None:
        if not self.problems:
            return None
        return max(self.problems.items(), key=lambda kv: (len(kv[1]), kv[0]))


def _rs_revision(rs: ReplicaSet) -> int:
    try:
        return int(rs.metadata.annotations.get("deployment.kubernetes.io/revision", "0"))
    except ValueError:
        return 0


def _deployment_revisions(d: Deployment, replicasets: list[ReplicaSet]) -> list[_Rev]:
    revs = [
        _Rev(
            _rs_revision(rs),
            rs.metadata.name,
            rs.metadata.creation_timestamp,
            rs.spec.template.spec if rs.spec.template is not None else None,
        )
        for rs in replicasets
        if _owned_by(rs.metadata, d.metadata, "Deployment")
    ]
    revs.sort(key=lambda r: (r.number, r.created.timestamp() if r.created else 0.0), reverse=True)
    return revs


def _cr_revisions(meta: ObjectMeta, kind: str, revisions: list[ControllerRevision]) -> list[_Rev]:
    revs = [
        _Rev(
            cr.revision,
            cr.metadata.name,
            cr.metadata.creation_timestamp,
            cr.data.spec.template.spec if cr.data.spec.template is not None else None,
        )
        for cr in revisions
        if _owned_by(cr.metadata, meta, kind)
    ]
    revs.sort(key=lambda r: r.number, reverse=True)
    return revs


def _assign_pods(
    kind: str, owner: ObjectMeta, revs: list[_Rev], pods: list[Pod], replicasets: list[ReplicaSet]
) -> tuple[list[Pod], _Rev | None]:
    """The controller's pods, each put under its revision; returns the pods and a catch-all revision for
    pods whose revision is unknown (None when every pod found its revision)."""
    by_name = {r.name: r for r in revs}
    mine: list[Pod] = []
    unknown: _Rev | None = None
    rs_names = {r.name for r in revs} if kind == "Deployment" else set()
    for pod in pods:
        ref = controller(pod.metadata)
        if ref is None:
            continue
        if kind == "Deployment":
            if ref.kind != "ReplicaSet" or ref.name not in rs_names:
                continue
            rev = by_name.get(ref.name)
        else:
            if ref.kind != kind or (ref.uid and owner.uid and ref.uid != owner.uid) or ref.name != owner.name:
                continue
            h = pod.metadata.labels.get("controller-revision-hash", "")
            rev = by_name.get(h) or by_name.get(f"{owner.name}-{h}")
        mine.append(pod)
        if rev is None:
            if unknown is None:
                unknown = _Rev(0, "(unknown revision)", None, None)
            rev = unknown
        rev.pods.append(pod)
    return mine, unknown


def _analyse_pods(revs: Iterable[_Rev], now: datetime, restart_threshold: int) -> None:
    for rev in revs:
        for pod in rev.pods:
            if is_ready(pod):
                rev.ready += 1
            problem = pod_problem(pod, now, restart_threshold)
            if problem is not None:
                rev.problems[problem[0]].append((pod, problem[1]))


# ------------------------------------------------------------------------------------------ create failures
_QUOTA_NAME_RE = re.compile(r"exceeded quota: ([^,\s]+)")
_QUOTA_PARTS_RE = re.compile(r"(requested|used|limited): ([^,]+(?:,\s*[a-z][\w.\-/]*=[^,]+)*)")
_WEBHOOK_RE = re.compile(r'admission webhook "([^"]+)" denied the request:?\s*(.*)')
_PSA_RE = re.compile(r'violates PodSecurity "([^"]+)":\s*(.*)')


def _create_cause(message: str) -> str:
    low = message.lower()
    if "exceeded quota" in low or ("quota" in low and "must specify" in low):
        return "quota"
    if "admission webhook" in low:
        return "admission-webhook"
    if "violates podsecurity" in low:
        return "pod-security"
    if "limitrange" in low or "per container" in low or "per pod" in low:
        return "limit-range"
    if "serviceaccount" in low and "not found" in low:
        return "service-account"
    return "other"


def _create_failures(events: list[Event], objects: dict[str, str]) -> list[tuple[CreateFailure, Event]]:
    """``FailedCreate`` events about the controller or its ReplicaSets (``objects``: name -> kind),
    newest first, one per distinct message."""
    found: dict[str, tuple[datetime | None, CreateFailure, Event]] = {}
    for ev in events:
        if ev.reason != "FailedCreate":
            continue
        io = ev.involved_object
        if objects.get(io.name) != io.kind:
            continue
        last = event_last_time(ev)
        msg = event_message(ev)
        key = f"{io.kind}/{io.name}:{_normalise(msg)}"
        prev = found.get(key)
        count = event_count(ev) + (prev[1].count if prev else 0)
        if prev is not None and prev[0] is not None and last is not None and prev[0] > last:
            prev[1].count = count
            continue
        qm = _QUOTA_NAME_RE.search(msg)
        found[key] = (
            last,
            CreateFailure(
                object=f"{io.kind}/{io.name}",
                cause=_create_cause(msg),
                message=msg[:500],
                count=count,
                last_seen=rfc3339(last),
                quota=qm.group(1) if qm else None,
            ),
            ev,
        )
    epoch = datetime.min
    ordered = sorted(found.values(), key=lambda t: (t[0] is not None, t[0] or epoch), reverse=True)
    return [(cf, ev) for _, cf, ev in ordered[:CREATE_FAILURES_SHOWN]]


def _normalise(msg: str) -> str:
    # the pod name differs per attempt: 'pods "web-7d9f-x2k" is forbidden' -> one entry
    return re.sub(r'pods "[^"]*"', 'pods "*"', msg)


def _quota_parts(msg: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for label, body in _QUOTA_PARTS_RE.findall(msg):
        items = {}
        for part in body.split(","):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                items[k] = v.strip()
        out[label] = items
    return out


def _resource_word(key: str) -> str:
    name = key.split(".", 1)[1] if key.startswith(("requests.", "limits.")) else key
    return name


def _quota_suggestions(
    failures: list[CreateFailure], quotas: list[ResourceQuota], namespace: str
) -> list[str]:
    out: list[str] = []
    by_name = {q.metadata.name: q for q in quotas}
    for cf in failures:
        if cf.cause != "quota":
            continue
        parts = _quota_parts(cf.message)
        requested = parts.get("requested", {})
        if not requested or cf.quota is None:
            out.append(f"A ResourceQuota in {namespace} refuses the pods: {cf.message[:200]}")
            continue
        q = by_name.get(cf.quota)
        for key, asked in requested.items():
            res = _resource_word(key)
            if q is not None and key in q.status.hard:
                hard, used = try_parse(q.status.hard.get(key)), try_parse(q.status.used.get(key, "0"))
                source = "now"
            else:
                hard, used = (
                    try_parse(parts.get("limited", {}).get(key)),
                    try_parse(parts.get("used", {}).get(key)),
                )
                source = "when refused"
            want = try_parse(asked)
            if hard is None or used is None or want is None:
                continue
            left = hard.value - used.value
            left_text = human(res, left if left > 0 else 0)
            short = want.value - left if want.value > left else 0
            out.append(
                f"The quota `{cf.quota}` in `{namespace}` has {left_text} {key} left ({source}: "
                f"{human(res, used.value)} of {human(res, hard.value)} used); a new pod asks for "
                f"{human(res, want.value)}: raise the quota by {human(res, short)} or "
                "more, or lower the pod template's "
                f"{'limits' if key.startswith('limits.') else 'requests'}"
            )
    return out


def _create_suggestions(failures: list[CreateFailure], namespace: str) -> list[str]:
    out: list[str] = []
    for cf in failures:
        if cf.cause == "admission-webhook":
            m = _WEBHOOK_RE.search(cf.message)
            name = m.group(1) if m else "an admission webhook"
            out.append(
                f"The admission webhook `{name}` denies the pods ({(m.group(2) if m else cf.message)[:200]}): "
                "change the pod template to satisfy it, or ask its owner"
            )
        elif cf.cause == "pod-security":
            m = _PSA_RE.search(cf.message)
            level = m.group(1) if m else "the enforced level"
            out.append(
                f"Namespace `{namespace}` enforces PodSecurity `{level}`: fix the pod template "
                f"({(m.group(2) if m else cf.message)[:200]}), or change the namespace's "
                "`pod-security.kubernetes.io/enforce` label"
            )
        elif cf.cause == "limit-range":
            out.append(f"A LimitRange in `{namespace}` refuses the pods: {cf.message[:200]}")
        elif cf.cause == "service-account":
            out.append(f"The pods' ServiceAccount is missing: {cf.message[:200]}")
    return out


# ------------------------------------------------------------------------------------------ what changed
_FAILURE_WORDS = {
    "FailedScheduling": "FailedScheduling",
    "FailedCreate": "FailedCreate",
    "Unhealthy": "failing probe",
    "FailedMount": "FailedMount",
}


def _event_failure_word(ev: Event) -> str | None:
    low = ev.message.lower()
    if ev.reason == "BackOff":
        return "ImagePullBackOff" if "pulling image" in low else "CrashLoopBackOff"
    if ev.reason == "Failed":
        if "pull" in low or "image" in low:
            return "ErrImagePull"
        return "container failure"
    return _FAILURE_WORDS.get(ev.reason)


def _first_failure(
    rev: _Rev, events: list[Event], extra_objects: set[str], since: datetime | None
) -> tuple[datetime, str] | None:
    names = {p.metadata.name for p in rev.pods}
    best: tuple[datetime, str] | None = None

    def consider(ts: datetime | None, what: str) -> None:
        nonlocal best
        if ts is None or (since is not None and ts < since):
            return
        if best is None or ts < best[0]:
            best = (ts, what)

    for ev in events:
        if ev.type != "Warning":
            continue
        io = ev.involved_object
        if not ((io.kind == "Pod" and io.name in names) or io.name in extra_objects):
            continue
        word = _event_failure_word(ev)
        if word is not None:
            consider(event_first_time(ev), word)
    for pod in rev.pods:
        for cs in (*pod.status.init_container_statuses, *pod.status.container_statuses):
            for st in (cs.state.terminated, cs.last_state.terminated):
                if st is not None and (st.exit_code != 0 or st.reason == "OOMKilled"):
                    word = (
                        "OOMKilled" if st.reason == "OOMKilled" else f"exit code {st.exit_code} ({cs.name})"
                    )
                    consider(st.finished_at, word)
    return best


def _what_changed(
    current: _Rev | None, previous: _Rev | None, events: list[Event], now: datetime
) -> WhatChanged | None:
    if current is None or previous is None or current.template is None or previous.template is None:
        return None
    changes = diff_templates(previous.template, current.template)
    first = _first_failure(current, events, {current.name}, current.created) if current.failing else None
    after = None
    if first is not None and current.created is not None:
        after = compact_duration(first[0] - current.created)
    if changes:
        lead = change_sentence(changes[0])
        more = f" (and {_plural(len(changes) - 1, 'other change')})" if len(changes) > 1 else ""
        summary = f"revision {current.number}: {lead}{more}"
    else:
        summary = (
            f"revision {current.number} differs from {previous.number} only in fields not compared here "
            "(labels, annotations, security context, scheduling...)"
        )
    when = f" {compact_duration(now - current.created)} ago" if current.created is not None else ""
    summary += f",{when}" if when else ""
    if first is not None and after is not None:
        summary += f", {after} before the first {first[1]}"
    return WhatChanged(
        from_revision=previous.number,
        to_revision=current.number,
        from_name=previous.name,
        to_name=current.name,
        changed_at=rfc3339(current.created),
        first_failure_at=rfc3339(first[0]) if first else None,
        first_failure=first[1] if first else None,
        failure_after=after,
        changes=changes,
        summary=summary,
    )


# ------------------------------------------------------------------------------------------ pod advice
def _pod_suggestions(kind_lower: str, name: str, namespace: str, revs: list[_Rev]) -> list[str]:
    out: list[str] = []
    for rev in revs:
        for reason, items in rev.problems.items():
            pod = items[0][0].metadata.name
            if reason in ("CrashLoopBackOff", "HighRestarts", "OOMKilled"):
                out.append(
                    f"Read why revision {rev.number}'s containers exit: `kubectl logs -n {namespace} {pod} "
                    "--previous`"
                )
            elif reason == "ImagePullError":
                out.append(
                    f"Check that the image(s) {', '.join(rev.out().images) or 'of the template'} exist and that "
                    "the pull secret grants access"
                )
            elif reason in ("Unschedulable", "ResourceConstraints"):
                out.append(
                    f"See why {pod} cannot be scheduled: GET /api/v1/pods/{namespace}/{pod}/scheduling/explain"
                )
            elif reason == "NotReady":
                out.append(
                    f"The readiness probe of {pod} fails: `kubectl describe pod -n {namespace} {pod}` shows "
                    "the probe's last answers"
                )
    return list(dict.fromkeys(out))


def _rollback_suggestion(
    kind_lower: str, name: str, namespace: str, current: _Rev | None, previous: _Rev | None
) -> list[str]:
    if current is None or previous is None or not current.failing:
        return []
    if previous.failing and not previous.ready:
        return []
    return [
        f"Roll back to the last working revision with `kubectl rollout undo {kind_lower}/{name} -n {namespace} "
        f"--to-revision={previous.number}` (revision {current.number} fails: "
        f"{current.top_problem()[0] if current.top_problem() else 'see problems'})"  # type: ignore[index]
    ]


# ------------------------------------------------------------------------------------------ per kind
class _Ctx:
    def __init__(
        self, namespace: str, name: str, now: datetime, restart_threshold: int, events: list[Event]
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.now = now
        self.restart_threshold = restart_threshold
        self.events = events
        self.blockers: list[str] = []
        self.suggestions: list[str] = []
        self.warnings: list[str] = []


def _problem_blockers(revs: list[_Rev]) -> list[str]:
    out = []
    for rev in revs:
        for reason, items in sorted(rev.problems.items(), key=lambda kv: -len(kv[1])):
            names = ", ".join(p.metadata.name for p, _ in items[:3])
            more = f" and {len(items) - 3} more" if len(items) > 3 else ""
            where = f"revision {rev.number} ({rev.name})" if rev.number else rev.name
            out.append(f"{where}: {_plural(len(items), 'pod')} {reason} ({names}{more}): {items[0][1][:200]}")
    return out


def _deployment(
    d: Deployment, replicasets: list[ReplicaSet], pods: list[Pod], quotas: list[ResourceQuota], c: _Ctx
) -> WorkloadDiagnosis:
    revs = _deployment_revisions(d, replicasets)
    if revs:
        revs[0].current = True
    _, unknown = _assign_pods("Deployment", d.metadata, revs, pods, replicasets)
    _analyse_pods(revs, c.now, c.restart_threshold)
    current = revs[0] if revs else None
    previous = revs[1] if len(revs) > 1 else None
    st = d.status
    desired = d.spec.replicas if d.spec.replicas is not None else 1
    conds = st.conditions
    prog, rf, avail = _cond(conds, "Progressing"), _cond(conds, "ReplicaFailure"), _cond(conds, "Available")
    old_ready = sum(r.ready for r in revs[1:])
    create = _create_failures(
        c.events, {d.metadata.name: "Deployment", **{r.name: "ReplicaSet" for r in revs}}
    )
    failures = [cf for cf, _ in create]

    pending = _generation_pending(d.metadata, st.observed_generation)
    if pending:
        state, reason = "progressing", pending
    elif d.spec.paused:
        state, reason = "suspended", "the rollout is paused (spec.paused)"
        c.suggestions.append(
            f"Resume it with `kubectl rollout resume deployment/{d.metadata.name} -n {c.namespace}`"
        )
    elif prog is not None and prog.reason == "ProgressDeadlineExceeded":
        state = "stuck"
        reason = f"ProgressDeadlineExceeded: {prog.message}"
        if old_ready:
            reason += f" ({_plural(old_ready, 'pod')} of older revisions still ready and serving)"
    elif rf is not None and rf.status == "True":
        state, reason = "stuck", f"ReplicaFailure ({rf.reason}): {rf.message}"
    elif (
        st.updated_replicas < desired
        or st.replicas > st.updated_replicas
        or st.available_replicas < st.updated_replicas
    ):
        if (
            prog is not None
            and prog.reason == "NewReplicaSetAvailable"
            and st.updated_replicas >= desired
            and st.replicas <= st.updated_replicas
        ):
            state = "degraded"
            reason = (
                f"the rollout is complete but {st.available_replicas} of {desired} replicas are available"
                + (f" ({avail.reason})" if avail is not None and avail.status != "True" else "")
            )
        else:
            state = "progressing"
            reason = (
                f"rollout in progress: {st.updated_replicas} of {desired} updated, "
                f"{st.available_replicas} available, {st.replicas} in total"
            )
            if current is not None and current.failing:
                deadline = d.spec.progress_deadline_seconds or DEFAULT_PROGRESS_DEADLINE
                since = (prog.last_update_time if prog is not None else None) or current.created
                top = current.top_problem()
                reason += (
                    f"; revision {current.number}'s pods are failing ({top[0] if top else 'see blockers'})"
                )
                if since is not None:
                    at = since + timedelta(seconds=deadline)
                    reason += (
                        f"; without progress the controller reports ProgressDeadlineExceeded at {rfc3339(at)} "
                        f"(progressDeadlineSeconds {deadline})"
                    )
    elif desired and st.available_replicas < desired:
        state, reason = "degraded", f"{st.available_replicas} of {desired} replicas available"
    else:
        state, reason = "complete", f"all {desired} replicas updated and available"

    c.blockers.extend(_problem_blockers(revs + ([unknown] if unknown else [])))
    c.blockers.extend(f"{cf.object}: FailedCreate ({cf.cause}): {cf.message[:200]}" for cf in failures)
    if state in ("stuck", "progressing", "degraded"):
        c.suggestions.extend(
            _rollback_suggestion("deployment", d.metadata.name, c.namespace, current, previous)
        )
        c.suggestions.extend(_quota_suggestions(failures, quotas, c.namespace))
        c.suggestions.extend(_create_suggestions(failures, c.namespace))
        c.suggestions.extend(_pod_suggestions("deployment", d.metadata.name, c.namespace, revs))
    return WorkloadDiagnosis(
        kind="Deployment",
        namespace=c.namespace,
        name=c.name,
        analysis_time=rfc3339(c.now) or "",
        state=state,  # type: ignore[arg-type]
        state_reason=reason,
        generation=d.metadata.generation,
        observed_generation=st.observed_generation,
        replicas=Replicas(
            desired=desired,
            current=st.replicas,
            updated=st.updated_replicas,
            ready=st.ready_replicas,
            available=st.available_replicas,
        ),
        conditions=_conditions(conds),
        revisions=[r.out() for r in revs[:REVISIONS_SHOWN]] + ([unknown.out()] if unknown else []),
        create_failures=failures,
        what_changed=_what_changed(current, previous, c.events, c.now),
    )


def _ordinal(pod: Pod, sts_name: str) -> int:
    tail = pod.metadata.name[len(sts_name) + 1 :]
    return int(tail) if tail.isdigit() else 1 << 30


def _statefulset(
    s: StatefulSet, revisions: list[ControllerRevision], pods: list[Pod], quotas: list[ResourceQuota], c: _Ctx
) -> WorkloadDiagnosis:
    revs = _cr_revisions(s.metadata, "StatefulSet", revisions)
    st = s.status
    for r in revs:
        r.current = r.name == st.update_revision if st.update_revision else r is revs[0]
    revs.sort(key=lambda r: (r.current, r.number), reverse=True)
    mine, unknown = _assign_pods("StatefulSet", s.metadata, revs, pods, [])
    _analyse_pods(revs + ([unknown] if unknown else []), c.now, c.restart_threshold)
    current = revs[0] if revs else None
    previous = next(
        (r for r in revs[1:] if r.name == st.current_revision), revs[1] if len(revs) > 1 else None
    )
    desired = s.spec.replicas if s.spec.replicas is not None else 1
    policy = s.spec.pod_management_policy or "OrderedReady"
    create = _create_failures(c.events, {s.metadata.name: "StatefulSet"})
    failures = [cf for cf, _ in create]
    problems = {
        p.metadata.name: (reason, msg)
        for r in revs + ([unknown] if unknown else [])
        for reason, items in r.problems.items()
        for p, msg in items
    }
    rolling = bool(st.update_revision and st.current_revision and st.update_revision != st.current_revision)
    partition = (
        s.spec.update_strategy.rolling_update.partition if s.spec.update_strategy.rolling_update else None
    )
    on_delete = s.spec.update_strategy.type == "OnDelete"
    under_way = (
        (rolling and not on_delete)
        or st.replicas != desired
        or st.updated_replicas < desired
        and not on_delete
        and not partition
    )

    # the pod the controller waits on
    blocking: list[Pod] = []
    not_ready = sorted((p for p in mine if not is_ready(p)), key=lambda p: _ordinal(p, s.metadata.name))
    if policy == "OrderedReady":
        if not_ready and not_ready[0].metadata.name in problems:
            blocking = [not_ready[0]]
    else:
        blocking = [p for p in not_ready if p.metadata.name in problems]

    pending = _generation_pending(s.metadata, st.observed_generation)
    if pending:
        state, reason = "progressing", pending
    elif blocking:
        pod = blocking[0]
        why, msg = problems[pod.metadata.name]
        state = "stuck" if under_way or failures else "degraded"
        reason = f"pod {pod.metadata.name} cannot become ready ({why}: {msg[:200]})" + (
            "; with podManagementPolicy OrderedReady the controller waits for it before creating, updating or "
            "deleting any other pod"
            if policy == "OrderedReady"
            else ""
        )
        if under_way and previous is not None:
            c.suggestions.append(
                f"Once the template is fixed (or rolled back: `kubectl rollout undo statefulset/{s.metadata.name} "
                f"-n {c.namespace} --to-revision={previous.number}`), delete {pod.metadata.name}: a StatefulSet "
                "does not replace a pod that never became ready on its own"
            )
    elif failures and st.replicas < desired:
        state, reason = "stuck", f"the controller cannot create pods: {failures[0].message[:200]}"
    elif under_way or st.ready_replicas < desired:
        state = "progressing"
        reason = (
            f"{st.ready_replicas} of {desired} replicas ready, {st.updated_replicas} on the update revision"
            + (f" {st.update_revision}" if st.update_revision else "")
        )
    else:
        state, reason = "complete", f"all {desired} replicas ready on revision {st.update_revision or '?'}"
        if on_delete and rolling:
            reason += f"; updateStrategy OnDelete: {st.current_replicas} pods keep revision {st.current_revision} until deleted"

    c.blockers.extend(_problem_blockers(revs + ([unknown] if unknown else [])))
    c.blockers.extend(f"{cf.object}: FailedCreate ({cf.cause}): {cf.message[:200]}" for cf in failures)
    if state != "complete":
        c.suggestions.extend(
            _rollback_suggestion("statefulset", s.metadata.name, c.namespace, current, previous)
        )
        c.suggestions.extend(_quota_suggestions(failures, quotas, c.namespace))
        c.suggestions.extend(_create_suggestions(failures, c.namespace))
        c.suggestions.extend(_pod_suggestions("statefulset", s.metadata.name, c.namespace, revs))
    return WorkloadDiagnosis(
        kind="StatefulSet",
        namespace=c.namespace,
        name=c.name,
        analysis_time=rfc3339(c.now) or "",
        state=state,  # type: ignore[arg-type]
        state_reason=reason,
        generation=s.metadata.generation,
        observed_generation=st.observed_generation,
        replicas=Replicas(
            desired=desired,
            current=st.replicas,
            updated=st.updated_replicas,
            ready=st.ready_replicas,
            available=st.available_replicas,
        ),
        conditions=_conditions(st.conditions),
        revisions=[r.out() for r in revs[:REVISIONS_SHOWN]] + ([unknown.out()] if unknown else []),
        create_failures=failures,
        what_changed=_what_changed(current, previous, c.events, c.now),
    )


def _daemonset(
    ds: DaemonSet,
    revisions: list[ControllerRevision],
    pods: list[Pod],
    nodes: list[Node] | None,
    quotas: list[ResourceQuota],
    c: _Ctx,
) -> WorkloadDiagnosis:
    revs = _cr_revisions(ds.metadata, "DaemonSet", revisions)
    if revs:
        revs[0].current = True
    mine, unknown = _assign_pods("DaemonSet", ds.metadata, revs, pods, [])
    _analyse_pods(revs + ([unknown] if unknown else []), c.now, c.restart_threshold)
    current = revs[0] if revs else None
    previous = revs[1] if len(revs) > 1 else None
    st = ds.status
    desired = st.desired_number_scheduled
    create = _create_failures(c.events, {ds.metadata.name: "DaemonSet"})
    failures = [cf for cf, _ in create]
    problems = {
        p.metadata.name: (r, msg)
        for rev in revs + ([unknown] if unknown else [])
        for r, items in rev.problems.items()
        for p, msg in items
    }
    node_view = None
    if nodes is not None:
        node_view, tolerations = evaluate_daemonset_nodes(ds, mine, nodes, problems)
        c.suggestions.extend(tolerations)
    else:
        c.warnings.append("nodes could not be read: no per-node view")
    unavailable = st.number_unavailable or max(desired - st.number_available, 0)
    rolling = st.updated_number_scheduled < desired
    failing_current = current.failing if current is not None else 0

    pending = _generation_pending(ds.metadata, st.observed_generation)
    if pending:
        state, reason = "progressing", pending
    elif rolling and failing_current and ds.spec.update_strategy.type != "OnDelete":
        state = "stuck"
        top = current.top_problem() if current else None
        reason = (
            f"rolling update: {st.updated_number_scheduled} of {desired} nodes updated, and the updated pods fail "
            f"({top[0] if top else '?'}) on {_plural(failing_current, 'node')}; the update cannot go past "
            "maxUnavailable"
        )
    elif rolling and ds.spec.update_strategy.type != "OnDelete":
        state, reason = (
            "progressing",
            f"rolling update: {st.updated_number_scheduled} of {desired} nodes updated",
        )
    elif unavailable or (node_view is not None and node_view.missing):
        state = "degraded"
        missing = node_view.missing if node_view is not None else desired - st.current_number_scheduled
        reason = f"{st.number_available} of {desired} pods available"
        if missing:
            reason += f"; {_plural(missing, 'node')} that should run one have none"
        if unavailable:
            reason += f"; {unavailable} unavailable"
    else:
        state, reason = "complete", f"a pod available on each of the {desired} nodes it should run on"
    if node_view is not None and node_view.excluded:
        reason += f" ({_plural(node_view.excluded, 'node')} excluded by taints, selector or affinity)"

    c.blockers.extend(_problem_blockers(revs + ([unknown] if unknown else [])))
    c.blockers.extend(f"{cf.object}: FailedCreate ({cf.cause}): {cf.message[:200]}" for cf in failures)
    if node_view is not None:
        c.blockers.extend(
            f"node {g.node}: {g.problem}: {g.reason}" for g in node_view.nodes if g.problem != "excluded"
        )
    if state != "complete":
        c.suggestions.extend(
            _rollback_suggestion("daemonset", ds.metadata.name, c.namespace, current, previous)
        )
        c.suggestions.extend(_quota_suggestions(failures, quotas, c.namespace))
        c.suggestions.extend(_create_suggestions(failures, c.namespace))
        c.suggestions.extend(_pod_suggestions("daemonset", ds.metadata.name, c.namespace, revs))
    return WorkloadDiagnosis(
        kind="DaemonSet",
        namespace=c.namespace,
        name=c.name,
        analysis_time=rfc3339(c.now) or "",
        state=state,  # type: ignore[arg-type]
        state_reason=reason,
        generation=ds.metadata.generation,
        observed_generation=st.observed_generation,
        replicas=Replicas(
            desired=desired,
            current=st.current_number_scheduled,
            updated=st.updated_number_scheduled,
            ready=st.number_ready,
            available=st.number_available,
        ),
        conditions=_conditions(st.conditions),
        revisions=[r.out() for r in revs[:REVISIONS_SHOWN]] + ([unknown.out()] if unknown else []),
        create_failures=failures,
        daemon_set_nodes=node_view,
        what_changed=_what_changed(current, previous, c.events, c.now),
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
    c.blockers.extend(_problem_blockers([rev]))
    c.blockers.extend(f"{cf.object}: FailedCreate ({cf.cause}): {cf.message[:200]}" for cf in failures)
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
    if state not in ("complete",):
        c.suggestions.extend(_quota_suggestions(failures, quotas, c.namespace))
        c.suggestions.extend(_create_suggestions(failures, c.namespace))
        c.suggestions.extend(_pod_suggestions("job", job.metadata.name, c.namespace, [rev]))
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
    return WorkloadDiagnosis(
        kind="Job",
        namespace=c.namespace,
        name=c.name,
        analysis_time=rfc3339(c.now) or "",
        state=state,  # type: ignore[arg-type]
        state_reason=reason,
        generation=job.metadata.generation,
        replicas=Replicas(
            desired=job.spec.completions if job.spec.completions is not None else 1,
            current=st.active,
            updated=st.succeeded,
            ready=st.ready or 0,
            available=st.succeeded,
        ),
        conditions=_conditions(st.conditions),
        revisions=[rev.out()] if rev.pods else [],
        create_failures=failures,
        job=facts,
    )


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
    return WorkloadDiagnosis(
        kind="CronJob",
        namespace=c.namespace,
        name=c.name,
        analysis_time=rfc3339(c.now) or "",
        state=state,  # type: ignore[arg-type]
        state_reason=reason,
        generation=cj.metadata.generation,
        revisions=revisions,
        cron_job=facts,
    )


# ------------------------------------------------------------------------------------------ entry point
def diagnose(
    kind: str,
    obj: Workload,
    *,
    namespace: str,
    now: datetime,
    pods: list[Pod],
    events: list[Event],
    replicasets: list[ReplicaSet] = (),  # type: ignore[assignment]
    revisions: list[ControllerRevision] = (),  # type: ignore[assignment]
    nodes: list[Node] | None = None,
    jobs: list[Job] = (),  # type: ignore[assignment]
    quotas: list[ResourceQuota] = (),  # type: ignore[assignment]
    restart_threshold: int = 5,
) -> WorkloadDiagnosis:
    """Diagnose one controller (see the module docstring). ``pods``, ``events``, ``replicasets``,
    ``revisions``, ``jobs`` and ``quotas`` may hold the whole namespace: what belongs to the controller is
    picked by owner reference."""
    c = _Ctx(namespace, obj.metadata.name, now, restart_threshold, events)
    out: WorkloadDiagnosis
    if isinstance(obj, Deployment):
        out = _deployment(obj, list(replicasets), pods, list(quotas), c)
    elif isinstance(obj, StatefulSet):
        out = _statefulset(obj, list(revisions), pods, list(quotas), c)
    elif isinstance(obj, DaemonSet):
        out = _daemonset(obj, list(revisions), pods, nodes, list(quotas), c)
    elif isinstance(obj, Job):
        out = _job(obj, pods, c, list(quotas))
    else:
        out = _cronjob(obj, list(jobs), pods, c)
    assert out.kind == kind, (out.kind, kind)
    out.blockers = list(dict.fromkeys(c.blockers))
    out.suggestions = list(dict.fromkeys(c.suggestions))
    out.warnings = c.warnings
    return out


def workload_state(obj: Workload, now: datetime) -> str:
    """The state from the controller object alone (no pods, no events): what the namespace and cluster
    summaries show. A StatefulSet or DaemonSet that is neither complete nor rolling is ``degraded``; a
    CronJob's is its suspension, else ``progressing`` (its Jobs carry their own states)."""
    if isinstance(obj, Deployment):
        return _deployment(obj, [], [], [], _Ctx("", obj.metadata.name, now, 5, [])).state
    if isinstance(obj, Job):
        return job_state(obj)[0]
    if isinstance(obj, CronJob):
        return "suspended" if obj.spec.suspend else "progressing"
    if _generation_pending(obj.metadata, obj.status.observed_generation):
        return "progressing"
    if isinstance(obj, StatefulSet):
        st = obj.status
        desired = obj.spec.replicas if obj.spec.replicas is not None else 1
        if st.update_revision and st.current_revision and st.update_revision != st.current_revision:
            return "progressing"
        return "complete" if st.ready_replicas >= desired and st.replicas == desired else "degraded"
    ds = obj.status
    if ds.updated_number_scheduled < ds.desired_number_scheduled:
        return "progressing"
    return "complete" if ds.number_available >= ds.desired_number_scheduled else "degraded"
