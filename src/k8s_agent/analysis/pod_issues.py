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
    recent_events,
    resolve_owner,
)
from k8s_agent.analysis.podstatus import kubectl_status, total_restarts
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.kube.models import Event, Pod, ReplicaSet
from k8s_agent.schemas.namespace_errors import PodIssue, ProblematicPod
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
    """The cluster pod-issues report. ``namespace`` empty means every namespace; ``severity`` and
    ``issue_type`` empty mean no filter."""
    rs_by_ns = _by_namespace(replicasets, lambda rs: rs.metadata.namespace)
    rs_index: dict[str, ReplicaSetIndex] = {}

    counts: dict[str, _NsCounts] = {}
    listed = analysed = with_issues = 0
    # (sort key, pod, matching issues, owner)
    matched: list[tuple[tuple, Pod, list[PodIssue], tuple[str, str]]] = []
    for pod in pods:
        ns = pod.metadata.namespace
        if namespace and ns != namespace:
            continue
        listed += 1
        idx = rs_index.get(ns)
        if idx is None:
            idx = rs_index[ns] = ReplicaSetIndex(rs_by_ns.get(ns, []))
        owner = resolve_owner(pod, idx)
        if owner is None:
            if not include_all:
                continue
            owner = other_owner(pod)
        analysed += 1
        c = counts.get(ns)
        if c is None:
            c = counts[ns] = _NsCounts()
        c.total += 1
        issues = pod_issues(pod, restart_threshold, now)
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
        c.problematic += 1
        crit = sum(1 for i in matching if i.severity == CRITICAL)
        c.critical += crit
        c.warning += len(matching) - crit
        key = (0 if crit else 1, -total_restarts(pod), ns, pod.metadata.name)
        matched.append((key, pod, matching, owner))
    matched.sort(key=lambda t: t[0])

    # summary: pods per issue type, in problematic order
    by_type: dict[str, list[str]] = {}
    critical_by_type: dict[str, int] = defaultdict(int)
    for _, pod, matching, _ in matched:
        seen: dict[str, bool] = {}
        for i in matching:
            seen[i.type] = seen.get(i.type, False) or i.severity == CRITICAL
        for t, is_crit in seen.items():
            by_type.setdefault(t, []).append(f"{pod.metadata.namespace}/{pod.metadata.name}")
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

    # the returned page, with recent events (indexed per namespace, only where needed)
    page = matched[:limit]
    events_by_ns: dict[str, list[Event]] | None = None
    event_index: dict[str, dict] = {}
    entries: list[ProblematicPod] = []
    for _, pod, matching, owner in page:
        ns = pod.metadata.namespace
        if events_by_ns is None:
            events_by_ns = _by_namespace(events, _event_namespace)
        index = event_index.get(ns)
        if index is None:
            index = event_index[ns] = index_recent_warnings(events_by_ns.get(ns, []), now)
        created = pod.metadata.creation_timestamp
        entries.append(
            ProblematicPod(
                name=pod.metadata.name,
                namespace=ns,
                owner_kind=owner[0],
                owner_name=owner[1],
                phase=pod.status.phase,
                status=kubectl_status(pod),
                restart_count=total_restarts(pod),
                age=compact_duration(now - created) if created is not None else "unknown",
                issues=matching,
                recent_events=recent_events(pod, index),
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
        restart_threshold_used=restart_threshold,
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
