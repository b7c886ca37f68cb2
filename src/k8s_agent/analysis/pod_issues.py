"""Cluster-wide pod issues: the namespace error analysis (``analysis.namespace_errors``) run over every namespace
from one pod list, one event list and one ReplicaSet list, for dashboards.

Per-pod detection is the namespace analysis's own (:func:`k8s_agent.analysis.namespace_errors.pod_issues`), so the
two views always agree: Evicted pods are reported once (not also as Failed); completed pods are not flagged;
a pod is Pending only after 5 minutes (ContainerCreating is not flagged at once); scheduled pods still
creating containers are not called unschedulable; OOM kills in ``lastState`` are seen; the restart threshold
is ``POD_RESTART_THRESHOLD``.

Scope: the pods of Deployments/ReplicaSets and StatefulSets by default (the namespace endpoint's rule, for
consistency); ``include_all`` adds Job, DaemonSet, static (mirror) and bare pods. Objects are grouped by
namespace once (ReplicaSets are resolved, and events matched, within their own namespace: two namespaces may
hold pods of the same name). Recent events are looked up only for the pods returned.

See :class:`k8s_agent.schemas.pod_issues.ClusterPodIssues` for the filters, counts, ordering and truncation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from k8s_agent.analysis.kube import controller
from k8s_agent.analysis.namespace_errors import (
    CRITICAL,
    SUMMARY_DESCRIPTIONS,
    WARNING,
    ReplicaSetIndex,
    index_recent_warnings,
    pod_issues,
    recent_events_of,
    resolve_controller,
)
from k8s_agent.analysis.podstatus import KubectlRow, kubectl_row, total_restarts
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.kube.models import Event, Pod, ReplicaSet
from k8s_agent.schemas.namespace_errors import EventInfo, PodIssue, ProblematicPod
from k8s_agent.schemas.pod_issues import ClusterIssueSummary, ClusterPodIssues, NamespaceIssueCounts

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SUMMARY_PODS_MAX = 10
SEVERITIES = (CRITICAL, WARNING)

T = TypeVar("T")


def _by_namespace(items: Iterable[T], ns_of: Callable[[T], str]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = defaultdict(list)
    for x in items:
        out[ns_of(x)].append(x)
    return out


def _event_namespace(ev: Event) -> str:
    return ev.involved_object.namespace or ev.metadata.namespace


def other_owner(pod: Pod) -> tuple[str, str]:
    """Owner of a pod outside the workload scope (``include_all``): its controller's kind and name (Job,
    DaemonSet, Node for a static pod's mirror...), or empty strings for a bare pod."""
    ref = controller(pod.metadata)
    if ref is None:
        return "", ""
    return ref.kind, ref.name


class _NsCounts:
    __slots__ = ("total", "problematic", "critical", "warning")

    def __init__(self) -> None:
        self.total = self.problematic = self.critical = self.warning = 0


# ------------------------------------------------------------------------------------------ per-pod records
class PodRecord:
    """What the cluster report needs of one pod, computed once when the pod changes: its issues (at the
    time of the change), its controller reference (resolved to the workload owner only for the returned
    page, through the ReplicaSets of the moment), and the columns of a problematic pod.

    Issues depend on time only through the 5-minute Pending rule, so a Pending pod keeps its decoded object
    (``pod``) and its issues are computed again at each report; every other record is final until the pod
    changes."""

    __slots__ = (
        "namespace",
        "name",
        "uid",
        "controller",
        "template_hash",
        "workload",
        "phase",
        "kubectl",
        "restarts",
        "created",
        "issues",
        "pod",
    )

    def __init__(self, pod: Pod, restart_threshold: int, now: datetime) -> None:
        md = pod.metadata
        self.namespace = md.namespace
        self.name = md.name
        self.uid = md.uid
        ref = controller(md)
        self.controller = ref
        self.template_hash = md.labels.get("pod-template-hash", "") if ref is not None else ""
        self.workload = ref is not None and ref.kind in ("StatefulSet", "ReplicaSet")
        self.phase = pod.status.phase
        self.kubectl: KubectlRow = kubectl_row(pod)
        self.restarts = total_restarts(pod)
        self.created = md.creation_timestamp
        self.issues: list[PodIssue] = pod_issues(pod, restart_threshold, now)
        self.pod: Pod | None = pod if self.phase == "Pending" else None

    @property
    def time_dependent(self) -> bool:
        return self.pod is not None

    def issues_at(self, restart_threshold: int, now: datetime) -> list[PodIssue]:
        if self.pod is not None:
            return pod_issues(self.pod, restart_threshold, now)
        return self.issues

    def owner(self, replicasets: ReplicaSetIndex) -> tuple[str, str] | None:
        """``resolve_owner`` of the pod, from the stored controller reference."""
        return resolve_controller(self.controller, self.template_hash, replicasets)


def _record_owner(rec: PodRecord, replicasets: ReplicaSetIndex, include_all: bool) -> tuple[str, str]:
    owner = rec.owner(replicasets)
    if owner is not None:
        return owner
    if include_all and rec.controller is not None:
        return rec.controller.kind, rec.controller.name
    return "", ""


class PodIssueTable:
    """The cluster report kept current pod by pod (the watch-fed index feeds it; a LIST fills it at once).

    ``put`` (a pod added or changed) and ``remove`` cost one pod's analysis; ``report`` costs the pods with
    issues (plus the Pending ones, whose issues depend on time) and the namespaces, not the cluster's size:
    per-namespace pod counts are kept as pods come and go."""

    def __init__(self, restart_threshold: int) -> None:
        self.restart_threshold = restart_threshold
        self.records: dict[tuple[str, str], PodRecord] = {}
        #: records with issues, or Pending (issues that may appear with time)
        self.flagged: dict[tuple[str, str], PodRecord] = {}
        #: per namespace: [pods, pods in the workload scope]
        self.ns_counts: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def clear(self) -> None:
        self.records.clear()
        self.flagged.clear()
        self.ns_counts.clear()

    def put(self, pod: Pod, now: datetime) -> PodRecord:
        rec = PodRecord(pod, self.restart_threshold, now)
        key = (rec.namespace, rec.name)
        self._drop(key)
        self.records[key] = rec
        if rec.issues or rec.time_dependent:
            self.flagged[key] = rec
        c = self.ns_counts.get(rec.namespace)
        if c is None:
            c = self.ns_counts[rec.namespace] = [0, 0]
        c[0] += 1
        c[1] += rec.workload
        return rec

    def remove(self, namespace: str, name: str) -> None:
        self._drop((namespace, name))

    def _drop(self, key: tuple[str, str]) -> None:
        old = self.records.pop(key, None)
        if old is None:
            return
        self.flagged.pop(key, None)
        c = self.ns_counts[old.namespace]
        c[0] -= 1
        c[1] -= old.workload
        if not c[0]:
            del self.ns_counts[old.namespace]

    def report(
        self,
        *,
        now: datetime,
        replicasets: Callable[[str], ReplicaSetIndex],
        recent: Callable[[PodRecord, datetime], list[EventInfo]],
        limit: int = DEFAULT_LIMIT,
        severity: str = "",
        issue_type: str = "",
        namespace: str = "",
        include_all: bool = False,
    ) -> ClusterPodIssues:
        """The cluster pod-issues report (``analyze_cluster``'s answer). ``replicasets(ns)`` gives the
        namespace's ReplicaSet index, ``recent(record, now)`` the pod's recent Warning events."""
        threshold = self.restart_threshold
        counts: dict[str, _NsCounts] = {}
        ns_items: list[tuple[str, list[int]]]
        if namespace:
            in_ns = self.ns_counts.get(namespace)
            listed = in_ns[0] if in_ns else 0
            ns_items = [(namespace, in_ns)] if in_ns else []
        else:
            listed = len(self.records)
            ns_items = list(self.ns_counts.items())
        analysed = 0
        for ns, pair in ns_items:
            n = pair[0] if include_all else pair[1]
            if n:
                counts[ns] = _NsCounts()
                counts[ns].total = n
                analysed += n

        with_issues = 0
        matched: list[tuple[tuple, PodRecord, list[PodIssue]]] = []
        for rec in self.flagged.values():
            ns = rec.namespace
            if namespace and ns != namespace:
                continue
            if not (include_all or rec.workload):
                continue
            issues = rec.issues_at(threshold, now)
            if not issues:
                continue
            with_issues += 1
            matching = [
                i
                for i in issues
                if (not severity or i.severity == severity) and (not issue_type or i.type == issue_type)
            ]
            if not matching:
                continue
            c = counts[ns]
            c.problematic += 1
            crit = sum(1 for i in matching if i.severity == CRITICAL)
            c.critical += crit
            c.warning += len(matching) - crit
            matched.append(((0 if crit else 1, -rec.restarts, ns, rec.name), rec, matching))
        matched.sort(key=lambda t: t[0])

        # summary: pods per issue type, in problematic order
        by_type: dict[str, list[str]] = {}
        critical_by_type: dict[str, int] = defaultdict(int)
        for _, rec, matching in matched:
            seen: dict[str, bool] = {}
            for i in matching:
                seen[i.type] = seen.get(i.type, False) or i.severity == CRITICAL
            for t, is_crit in seen.items():
                by_type.setdefault(t, []).append(f"{rec.namespace}/{rec.name}")
                critical_by_type[t] += is_crit
        summary = [
            ClusterIssueSummary(
                issue_type=t,  # type: ignore[arg-type]
                count=len(names),
                critical_pods=critical_by_type[t],
                description=SUMMARY_DESCRIPTIONS.get(t, t),
                affected_pods=names[:SUMMARY_PODS_MAX],
            )
            for t, names in sorted(by_type.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]

        entries: list[ProblematicPod] = []
        rs_cache: dict[str, ReplicaSetIndex] = {}
        for _, rec, matching in matched[:limit]:
            ns = rec.namespace
            idx = rs_cache.get(ns)
            if idx is None:
                idx = rs_cache[ns] = replicasets(ns)
            owner = _record_owner(rec, idx, include_all)
            created = rec.created
            entries.append(
                ProblematicPod(
                    name=rec.name,
                    namespace=ns,
                    owner_kind=owner[0],
                    owner_name=owner[1],
                    phase=rec.phase,
                    status=rec.kubectl.status,
                    ready=rec.kubectl.ready,
                    restarts=rec.kubectl.restarts_text(now),
                    restart_count=rec.restarts,
                    age=compact_duration(now - created) if created is not None else "unknown",
                    issues=matching,
                    recent_events=recent(rec, now),
                )
            )

        namespaces = [
            NamespaceIssueCounts(
                namespace=ns,
                total_pods=c.total,
                problematic_pods=c.problematic,
                critical_issues=c.critical,
                warning_issues=c.warning,
            )
            for ns, c in sorted(
                counts.items(), key=lambda kv: (-kv[1].critical, -kv[1].warning, -kv[1].problematic, kv[0])
            )
        ]
        return ClusterPodIssues(
            analysis_time=rfc3339(now) or "",
            scope="all" if include_all else "workloads",
            namespace=namespace or None,
            severity=severity or None,
            issue_type=issue_type or None,
            limit=limit,
            restart_threshold_used=threshold,
            total_pods=listed,
            pods_analyzed=analysed,
            healthy_pods=analysed - with_issues,
            problematic_pods_count=len(matched),
            critical_issues_count=sum(c.critical for c in counts.values()),
            warning_issues_count=sum(c.warning for c in counts.values()),
            returned_pods=len(entries),
            truncated=len(matched) > len(entries),
            summary=summary,
            namespaces=namespaces,
            problematic_pods=entries,
        )


def analyze_cluster(
    pods: list[Pod],
    events: list[Event],
    replicasets: list[ReplicaSet],
    *,
    restart_threshold: int,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    severity: str = "",
    issue_type: str = "",
    namespace: str = "",
    include_all: bool = False,
) -> ClusterPodIssues:
    """The cluster pod-issues report from lists (the snapshot of a moment): the same table the watch-fed
    index keeps current, filled at once. ``namespace`` empty means every namespace; ``severity`` and
    ``issue_type`` empty mean no filter."""
    table = PodIssueTable(restart_threshold)
    for pod in pods:
        if namespace and pod.metadata.namespace != namespace:
            continue
        table.put(pod, now)
    rs_by_ns = _by_namespace(replicasets, lambda rs: rs.metadata.namespace)
    events_by_ns: dict[str, list[Event]] | None = None
    event_index: dict[str, dict] = {}

    def recent(rec: PodRecord, now: datetime) -> list[EventInfo]:
        nonlocal events_by_ns
        if events_by_ns is None:
            events_by_ns = _by_namespace(events, _event_namespace)
        index = event_index.get(rec.namespace)
        if index is None:
            index = event_index[rec.namespace] = index_recent_warnings(
                events_by_ns.get(rec.namespace, []), now
            )
        return recent_events_of(rec.name, rec.uid, index)

    return table.report(
        now=now,
        replicasets=lambda ns: ReplicaSetIndex(rs_by_ns.get(ns, [])),
        recent=recent,
        limit=limit,
        severity=severity,
        issue_type=issue_type,
        namespace=namespace,
        include_all=include_all,
    )
