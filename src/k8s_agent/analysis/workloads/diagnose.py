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

from datetime import datetime

from k8s_agent.analysis.workloads.batch import (
    _cronjob,
    _job,
    job_state,
)
from k8s_agent.analysis.workloads.revisions import (
    _Ctx,
    _generation_pending,
)
from k8s_agent.analysis.workloads.rollouts import (
    _daemonset,
    _deployment,
    _statefulset,
)
from k8s_agent.kube.models import (
    ControllerRevision,
    CronJob,
    DaemonSet,
    Deployment,
    Event,
    Job,
    Node,
    Pod,
    ReplicaSet,
    ResourceQuota,
    StatefulSet,
    Workload,
)
from k8s_agent.schemas.workloads import (
    WorkloadDiagnosis,
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
