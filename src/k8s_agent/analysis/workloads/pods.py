"""Whether a pod of a workload is failing, and why (the namespace analysis's issues, ranked), and whether it
is ready. Who owns a pod is :mod:`.owners`."""

from __future__ import annotations

from datetime import datetime, timedelta

from k8s_agent.analysis.namespace_errors import pod_issues
from k8s_agent.analysis.workloads.summary import main_issue
from k8s_agent.kube.models import Pod, PodCondition

NOT_READY_AFTER = timedelta(minutes=5)


def _ready_condition(pod: Pod) -> PodCondition | None:
    for c in pod.status.conditions:
        if c.type == "Ready":
            return c
    return None


def pod_problem(pod: Pod, now: datetime, restart_threshold: int) -> tuple[str, str] | None:
    """``(reason, message)`` when a pod fails: its most telling issue of the namespace analysis (critical
    first), or ``NotReady`` for a running pod not ready for more than 5 minutes; None for a healthy pod, a
    finished one, or one still starting."""
    if pod.metadata.deletion_timestamp is not None or pod.status.phase == "Succeeded":
        return None
    issues = pod_issues(pod, restart_threshold, now)
    if issues:
        best = main_issue(issues)
        assert best is not None
        return best.type, best.details or best.description
    if pod.status.phase == "Running":
        cond = _ready_condition(pod)
        if (
            cond is not None
            and cond.status != "True"
            and cond.last_transition_time is not None
            and now - cond.last_transition_time > NOT_READY_AFTER
        ):
            not_ready = [cs.name for cs in pod.status.container_statuses if not cs.ready]
            what = f"containers not ready: {', '.join(not_ready)}" if not_ready else cond.message
            return "NotReady", what or "the pod is not ready"
    return None


def is_ready(pod: Pod) -> bool:
    cond = _ready_condition(pod)
    return cond is not None and cond.status == "True"
