"""The Deployment, StatefulSet and DaemonSet diagnoses (see :mod:`.diagnose` for the states)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from k8s_agent.analysis.kube import conditions_out
from k8s_agent.analysis.text import rfc3339
from k8s_agent.analysis.workloads.changes import (
    _what_changed,
)
from k8s_agent.analysis.workloads.create_failures import (
    _controller_findings,
    _create_failures,
)
from k8s_agent.analysis.workloads.daemonset import evaluate_daemonset_nodes
from k8s_agent.analysis.workloads.pods import is_ready
from k8s_agent.analysis.workloads.revisions import (
    DEFAULT_PROGRESS_DEADLINE,
    REVISIONS_SHOWN,
    _analyse_pods,
    _assign_pods,
    _cond,
    _cr_revisions,
    _Ctx,
    _deployment_revisions,
    _generation_pending,
    _plural,
    _Rev,
    _rollback_suggestion,
)
from k8s_agent.kube.models import (
    ControllerRevision,
    DaemonSet,
    DaemonSetStatus,
    Deployment,
    Node,
    Pod,
    ReplicaSet,
    ResourceQuota,
    StatefulSet,
)
from k8s_agent.schemas.workloads import (
    CreateFailure,
    Replicas,
    WorkloadDiagnosis,
    WorkloadKind,
)


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

    history = _History(revs, unknown, current, previous)
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
    elif prog is not None and prog.status == "False" and prog.reason == "ReplicaSetCreateError":
        # the controller cannot create the new revision's ReplicaSet (it retries; the deadline still runs)
        state, reason = "stuck", f"ReplicaSetCreateError: {prog.message}"
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

    return _rolling_diagnosis(
        c,
        d,
        desired,
        state,
        reason,
        history,
        failures,
        quotas,
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
    problems = _pod_problems(revs, unknown)
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

    history = _History(revs, unknown, current, previous)
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

    return _rolling_diagnosis(c, s, desired, state, reason, history, failures, quotas)


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
    problems = _pod_problems(revs, unknown)
    node_view = None
    if nodes is not None:
        node_view, tolerations = evaluate_daemonset_nodes(ds, mine, nodes, problems)
        c.suggestions.extend(tolerations)
    else:
        c.warnings.append("nodes could not be read: no per-node view")
    unavailable = st.number_unavailable or max(desired - st.number_available, 0)
    rolling = st.updated_number_scheduled < desired
    failing_current = current.failing if current is not None else 0

    history = _History(revs, unknown, current, previous)
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

    diagnosis = _rolling_diagnosis(c, ds, desired, state, reason, history, failures, quotas)
    if node_view is not None:
        diagnosis.daemon_set_nodes = node_view
        c.blockers.extend(
            f"node {g.node}: {g.problem}: {g.reason}" for g in node_view.nodes if g.problem != "excluded"
        )
    return diagnosis


def _pod_problems(revs: list[_Rev], unknown: _Rev | None) -> dict[str, tuple[str, str]]:
    """Each failing pod's problem (issue type, message) by pod name, over the revisions and the pods of none."""
    return {
        p.metadata.name: (reason, msg)
        for r in revs + ([unknown] if unknown else [])
        for reason, items in r.problems.items()
        for p, msg in items
    }


@dataclass(frozen=True, slots=True)
class _History:
    """A rolling controller's revisions, newest first, the pods of none of them, and the current and previous
    revision (what a rollback returns to)."""

    revs: list[_Rev]
    unknown: _Rev | None
    current: _Rev | None
    previous: _Rev | None


def _rolling_diagnosis(
    c: _Ctx,
    obj: Deployment | StatefulSet | DaemonSet,
    desired: int,
    state: str,
    reason: str,
    h: _History,
    failures: list[CreateFailure],
    quotas: list[ResourceQuota],
) -> WorkloadDiagnosis:
    """The diagnosis of a rolling controller (Deployment, StatefulSet, DaemonSet) once its state is known, with
    what blocks it and, unless it is complete or paused, what to do (a rollback first)."""
    kind, meta, st = _KIND[type(obj)], obj.metadata, obj.status
    _controller_findings(
        c,
        kind.lower(),
        meta.name,
        h.revs,
        h.unknown,
        failures,
        quotas,
        advise=state not in ("complete", "suspended"),  # a paused Deployment is left as it is
        first=_rollback_suggestion(kind.lower(), meta.name, c.namespace, h.current, h.previous),
    )
    if isinstance(st, DaemonSetStatus):  # a DaemonSet counts nodes, not replicas
        counts = (
            st.current_number_scheduled,
            st.updated_number_scheduled,
            st.number_ready,
            st.number_available,
        )
    else:
        counts = st.replicas, st.updated_replicas, st.ready_replicas, st.available_replicas
    current, updated, ready, available = counts
    out = c.diagnosis(kind, state, reason, meta.generation)
    out.observed_generation = st.observed_generation
    out.replicas = Replicas(
        desired=desired, current=current, updated=updated, ready=ready, available=available
    )
    out.conditions = conditions_out(st.conditions)
    out.revisions = [r.out() for r in h.revs[:REVISIONS_SHOWN]] + ([h.unknown.out()] if h.unknown else [])
    out.create_failures = failures
    out.what_changed = _what_changed(h.current, h.previous, c.events, c.now)
    return out


_KIND: dict[type, WorkloadKind] = {
    Deployment: "Deployment",
    StatefulSet: "StatefulSet",
    DaemonSet: "DaemonSet",
}
