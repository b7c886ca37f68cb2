"""Per-workload rows of the namespace and cluster analyses: each workload with failing pods, its state (the
controller's, from :func:`~k8s_agent.analysis.workloads.diagnose.workload_state`, computed by the caller from
the controller objects it could read; ``unknown`` otherwise), how many of its pods were analysed and fail, and
the issue type most of its failing pods have."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from k8s_agent.analysis.kube import controller
from k8s_agent.kube.models import Job, ObjectMeta
from k8s_agent.schemas.namespace_errors import PodIssue
from k8s_agent.schemas.workloads import WorkloadSummary

#: the issue that names a pod's failure best comes first (HighRestarts only says that something restarts)
ISSUE_RANK = {
    t: i
    for i, t in enumerate(
        (
            "ImagePullError",
            "CrashLoopBackOff",
            "OOMKilled",
            "Failed",
            "Evicted",
            "Unschedulable",
            "ResourceConstraints",
            "Pending",
            "HighRestarts",
        )
    )
}

WorkloadKey = tuple[str, str, str]  # namespace, kind, name


def main_issue(issues: Iterable[PodIssue]) -> PodIssue | None:
    """The issue that names a pod's failure best: critical first, then by ``ISSUE_RANK``."""
    return min(
        issues,
        key=lambda i: (i.severity != "critical", ISSUE_RANK.get(i.type, len(ISSUE_RANK))),
        default=None,
    )


def succeeded_jobs(jobs: Iterable[Job]) -> set[str]:
    """UIDs of Jobs the controller marked Complete: their failed pods were retried and are history."""
    out = set()
    for j in jobs:
        if any(c.type == "Complete" and c.status == "True" for c in j.status.conditions):
            out.add(j.metadata.uid)
    return out


def retried_pod_of_succeeded_job(pod_phase: str, meta: ObjectMeta, succeeded: set[str]) -> bool:
    """A failed pod of a Job that later succeeded (not a problem: the Job retried it)."""
    if pod_phase != "Failed" or not succeeded:
        return False
    ref = controller(meta)
    return ref is not None and ref.kind == "Job" and ref.uid in succeeded


class Tally:
    __slots__ = ("failing", "reasons", "total")

    def __init__(self) -> None:
        self.total = 0
        self.failing = 0
        self.reasons: Counter[str] = Counter()

    def add(self, issues: list[PodIssue]) -> None:
        """One more pod of the workload, failing when it has issues."""
        self.total += 1
        self.fail(issues)

    def fail(self, issues: list[PodIssue]) -> None:
        """One more failing pod (when it has issues), not counted in ``total`` (counted apart)."""
        main = main_issue(issues)
        if main is not None:
            self.failing += 1
            self.reasons[main.type] += 1


def summaries(
    tallies: Mapping[WorkloadKey, Tally], states: Mapping[WorkloadKey, str] | None, limit: int | None = None
) -> list[WorkloadSummary]:
    """Workloads with at least one failing pod, most failing first (then namespace, kind, name)."""
    rows = [
        WorkloadSummary(
            namespace=ns,
            kind=kind,
            name=name,
            state=(states or {}).get((ns, kind, name), "unknown"),  # type: ignore[arg-type]
            total_pods=t.total,
            failing_pods=t.failing,
            top_reason=min(t.reasons.items(), key=lambda kv: (-kv[1], ISSUE_RANK.get(kv[0], 99)))[0],
        )
        for (ns, kind, name), t in tallies.items()
        if t.failing
    ]
    rows.sort(key=lambda r: (-r.failing_pods, r.namespace, r.kind, r.name))
    return rows if limit is None else rows[:limit]
