"""Revisions of a controller (a Deployment's ReplicaSets, StatefulSet/DaemonSet ControllerRevisions), their
pods and what fails in them; the small helpers, context and pod advice every kind shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from k8s_agent.analysis.kube import controller
from k8s_agent.analysis.text import rfc3339
from k8s_agent.analysis.workloads.pods import is_ready, pod_problem
from k8s_agent.kube.models import (
    ControllerRevision,
    Deployment,
    Event,
    ObjectMeta,
    Pod,
    PodSpec,
    ReplicaSet,
)
from k8s_agent.schemas.workloads import (
    PodProblem,
    Revision,
    WorkloadDiagnosis,
    WorkloadKind,
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

    def diagnosis(
        self, kind: WorkloadKind, state: str, reason: str, generation: int | None
    ) -> WorkloadDiagnosis:
        """The diagnosis of this workload in ``state``; each kind fills in the rest."""
        return WorkloadDiagnosis(
            kind=kind,
            namespace=self.namespace,
            name=self.name,
            analysis_time=rfc3339(self.now) or "",
            state=state,  # type: ignore[arg-type]
            state_reason=reason,
            generation=generation,
        )


def _problem_blockers(revs: list[_Rev]) -> list[str]:
    out = []
    for rev in revs:
        for reason, items in sorted(rev.problems.items(), key=lambda kv: -len(kv[1])):
            names = ", ".join(p.metadata.name for p, _ in items[:3])
            more = f" and {len(items) - 3} more" if len(items) > 3 else ""
            where = f"revision {rev.number} ({rev.name})" if rev.number else rev.name
            out.append(f"{where}: {_plural(len(items), 'pod')} {reason} ({names}{more}): {items[0][1][:200]}")
    return out
