"""Cluster-wide pod issues: the namespace error analysis (``analysis.namespace_errors``) run over every namespace
from one pod list, one event list and one ReplicaSet list, for dashboards.

Per-pod detection is the namespace analysis's own (:func:`k8s_agent.analysis.namespace_errors.pod_issues`), so the
two views always agree: Evicted pods are reported once (not also as Failed); completed pods are not flagged;
a pod is Pending only after 5 minutes (ContainerCreating is not flagged at once); scheduled pods still
creating containers are not called unschedulable; OOM kills in ``lastState`` are seen; the restart threshold
is ``POD_RESTART_THRESHOLD``.

Scope: every pod, under its workload (the namespace analysis's owner resolution,
:func:`k8s_agent.analysis.workloads.owners.workload_of_controller`, through the namespace's ReplicaSets and
Jobs: two namespaces may hold objects of the same name); ``owner_kinds`` restricts it to pods of those
workload kinds (``include_all``, from when only Deployment and StatefulSet pods were analysed by default, is
accepted and changes nothing). A failed pod of a Job that later succeeded is not a problem. ``workloads``
sums up per workload with matching issues: its state (given by the caller), its pods, its failing pods and
their top reason. Recent events are looked up only for the pods returned.

See :class:`k8s_agent.schemas.pod_issues.ClusterPodIssues` for the filters, counts, ordering and truncation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from k8s_agent.analysis.kube import controller
from k8s_agent.analysis.namespace_errors import (
    CRITICAL,
    SUMMARY_DESCRIPTIONS,
    WARNING,
    index_recent_warnings,
    pod_issues,
    recent_events_of,
)
from k8s_agent.analysis.podstatus import KubectlRow, kubectl_row, total_restarts
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.analysis.workloads.owners import OwnerIndex, workload_of_controller
from k8s_agent.analysis.workloads.summary import Tally, WorkloadKey, succeeded_jobs, summaries
from k8s_agent.kube.models import Event, Job, OwnerReference, Pod, ReplicaSet
from k8s_agent.schemas.base import EventInfo
from k8s_agent.schemas.namespace_errors import PodIssue, ProblematicPod
from k8s_agent.schemas.pod_issues import ClusterIssueSummary, ClusterPodIssues, NamespaceIssueCounts

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SUMMARY_PODS_MAX = 10
WORKLOADS_MAX = 100
SEVERITIES = (CRITICAL, WARNING)

T = TypeVar("T")


def _by_namespace(items: Iterable[T], ns_of: Callable[[T], str]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = defaultdict(list)
    for x in items:
        out[ns_of(x)].append(x)
    return out


def _event_namespace(ev: Event) -> str:
    return ev.involved_object.namespace or ev.metadata.namespace


#: a pod's controller as the table counts it: (kind, name, uid, pod-template-hash); a bare pod's is
#: ("", its own name, "", "")
ControllerKey = tuple[str, str, str, str]


def _owner_of_key(key: ControllerKey, namespace: str, owners: OwnerIndex) -> tuple[str, str]:
    kind, name, uid, template_hash = key
    ref = OwnerReference(kind=kind, name=name, uid=uid, controller=True) if kind else None
    return workload_of_controller(ref, namespace, name, template_hash, owners)


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
        "ctrl_key",
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
        self.ctrl_key: ControllerKey = (
            (ref.kind, ref.name, ref.uid, self.template_hash) if ref is not None else ("", md.name, "", "")
        )
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

    def owner(self, owners: OwnerIndex) -> tuple[str, str]:
        """The pod's workload, from the stored controller reference."""
        return workload_of_controller(self.controller, self.namespace, self.name, self.template_hash, owners)

    def retried(self, succeeded: set[str]) -> bool:
        """A failed pod of a Job that later succeeded: history, not a problem."""
        ref = self.controller
        return self.phase == "Failed" and ref is not None and ref.kind == "Job" and ref.uid in succeeded


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
        #: per namespace: pods per controller (what owner kinds and workload totals are resolved from)
        self.ns_counts: dict[str, dict[ControllerKey, int]] = {}
        self.ns_totals: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.records)

    def clear(self) -> None:
        self.records.clear()
        self.flagged.clear()
        self.ns_counts.clear()
        self.ns_totals.clear()

    def put(self, pod: Pod, now: datetime) -> PodRecord:
        rec = PodRecord(pod, self.restart_threshold, now)
        key = (rec.namespace, rec.name)
        self._drop(key)
        self.records[key] = rec
        if rec.issues or rec.time_dependent:
            self.flagged[key] = rec
        c = self.ns_counts.get(rec.namespace)
        if c is None:
            c = self.ns_counts[rec.namespace] = {}
        c[rec.ctrl_key] = c.get(rec.ctrl_key, 0) + 1
        self.ns_totals[rec.namespace] = self.ns_totals.get(rec.namespace, 0) + 1
        return rec

    def remove(self, namespace: str, name: str) -> None:
        self._drop((namespace, name))

    def _drop(self, key: tuple[str, str]) -> None:
        old = self.records.pop(key, None)
        if old is None:
            return
        self.flagged.pop(key, None)
        c = self.ns_counts[old.namespace]
        c[old.ctrl_key] -= 1
        if not c[old.ctrl_key]:
            del c[old.ctrl_key]
        self.ns_totals[old.namespace] -= 1
        if not self.ns_totals[old.namespace]:
            del self.ns_totals[old.namespace]
            del self.ns_counts[old.namespace]

    def report(
        self,
        *,
        now: datetime,
        owners: Callable[[str], OwnerIndex],
        recent: Callable[[PodRecord, datetime], list[EventInfo]],
        limit: int = DEFAULT_LIMIT,
        severity: str = "",
        issue_type: str = "",
        namespace: str = "",
        include_all: bool = False,
        owner_kinds: frozenset[str] = frozenset(),
        states: Mapping[WorkloadKey, str] | None = None,
        succeeded: set[str] | None = None,
    ) -> ClusterPodIssues:
        """The cluster pod-issues report (``analyze_cluster``'s answer). ``owners(ns)`` gives the namespace's
        ReplicaSet and Job index, ``recent(record, now)`` the pod's recent Warning events, ``states`` the
        workloads' states, ``succeeded`` the UIDs of Jobs marked Complete. ``include_all`` changes nothing.

        Cost: the pods with issues (plus the Pending ones), and the controllers (not the pods) of the
        namespaces concerned when ``owner_kinds`` is given or a workload with issues needs its pod count."""
        threshold = self.restart_threshold
        succeeded = succeeded or set()
        owner_cache: dict[str, OwnerIndex] = {}

        def owners_of(ns: str) -> OwnerIndex:
            idx = owner_cache.get(ns)
            if idx is None:
                idx = owner_cache[ns] = owners(ns)
            return idx

        def in_scope_count(ns: str) -> int:
            if not owner_kinds:
                return self.ns_totals.get(ns, 0)
            return sum(
                n
                for key, n in self.ns_counts.get(ns, {}).items()
                if _owner_of_key(key, ns, owners_of(ns))[0] in owner_kinds
            )

        counts: dict[str, _NsCounts] = {}
        if namespace:
            listed = self.ns_totals.get(namespace, 0)
            ns_names = [namespace] if listed else []
        else:
            listed = len(self.records)
            ns_names = list(self.ns_totals)
        analysed = 0
        for ns in ns_names:
            n = in_scope_count(ns)
            if n:
                counts[ns] = _NsCounts()
                counts[ns].total = n
                analysed += n

        with_issues = 0
        tallies: dict[WorkloadKey, Tally] = {}
        matched: list[tuple[tuple, PodRecord, list[PodIssue], tuple[str, str]]] = []
        for rec in self.flagged.values():
            ns = rec.namespace
            if namespace and ns != namespace:
                continue
            owner = rec.owner(owners_of(ns))
            if owner_kinds and owner[0] not in owner_kinds:
                continue
            issues = rec.issues_at(threshold, now)
            if not issues or rec.retried(succeeded):
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
            wkey = (ns, owner[0], owner[1])
            tally = tallies.get(wkey)
            if tally is None:
                tally = tallies[wkey] = Tally()
            tally.fail(matching)
            matched.append(((0 if crit else 1, -rec.restarts, ns, rec.name), rec, matching, owner))
        matched.sort(key=lambda t: t[0])

        # the pods of each workload with issues, from the per-controller counts of their namespaces
        for ns in {k[0] for k in tallies}:
            for key, n in self.ns_counts.get(ns, {}).items():
                kind, name = _owner_of_key(key, ns, owners_of(ns))
                tally = tallies.get((ns, kind, name))
                if tally is not None:
                    tally.total += n

        # summary: pods per issue type, in problematic order
        by_type: dict[str, list[str]] = {}
        critical_by_type: dict[str, int] = defaultdict(int)
        for _, rec, matching, _ in matched:
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
        for _, rec, matching, owner in matched[:limit]:
            created = rec.created
            entries.append(
                ProblematicPod(
                    name=rec.name,
                    namespace=rec.namespace,
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
            scope="ownerKinds" if owner_kinds else "all",
            owner_kinds=sorted(owner_kinds) or None,
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
            workloads=summaries(tallies, states, WORKLOADS_MAX),
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
    jobs: Iterable[Job] = (),
    states: Mapping[WorkloadKey, str] | None = None,
    owner_kinds: frozenset[str] = frozenset(),
) -> ClusterPodIssues:
    """The cluster pod-issues report from lists (the snapshot of a moment): the same table the watch-fed
    index keeps current, filled at once. ``namespace`` empty means every namespace; ``severity``,
    ``issue_type`` and ``owner_kinds`` empty mean no filter; ``jobs`` resolve CronJobs and retried pods;
    ``states`` are the workloads' states by (namespace, kind, name)."""
    table = PodIssueTable(restart_threshold)
    for pod in pods:
        if namespace and pod.metadata.namespace != namespace:
            continue
        table.put(pod, now)
    jobs = list(jobs)
    rs_by_ns = _by_namespace(replicasets, lambda rs: rs.metadata.namespace)
    jobs_by_ns = _by_namespace(jobs, lambda j: j.metadata.namespace)
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
        owners=lambda ns: OwnerIndex(rs_by_ns.get(ns, []), jobs_by_ns.get(ns, [])),
        recent=recent,
        limit=limit,
        severity=severity,
        issue_type=issue_type,
        namespace=namespace,
        include_all=include_all,
        owner_kinds=owner_kinds,
        states=states,
        succeeded=succeeded_jobs(jobs),
    )
