"""Cluster pod issues: from the worker's cluster index (``kube.index``) when the source has one: the
stored per-pod records filtered and sorted (503 with the progress until its first sync), in an analysis
thread (as the listed analysis is) while the index holds its changes back. Otherwise three
reads, together, then the pure analysis (``analysis.pod_issues``):

Every namespace (``namespace`` empty, the default: an empty value means all namespaces; "all" is just a
namespace name): one all-namespaces pod LIST (the same cached read as the all-nodes
utilization view), one all-namespaces LIST of Warning events about pods and one all-namespaces ReplicaSet
LIST. One namespace: the same three reads in that namespace, which are the reads ``/namespace/{ns}/error``
makes, so the two endpoints share the cache. No per-namespace or per-pod reads; the source pages the lists.

Beside them, one LIST per controller kind (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs; the same
scope): the Jobs resolve CronJobs, and every controller's state goes into the per-workload summary. The index
watches those five collections too (their states and the Jobs' identities), so with it polling lists nothing.

The events, ReplicaSets and controllers are optional: when they cannot be read, the analysis runs without them (no recent
events; Deployment names from the pods' ``pod-template-hash``) and ``warnings`` says so. A namespace that
does not exist gives an empty report.
"""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.pod_issues import DEFAULT_LIMIT, analyze_cluster
from k8s_agent.errors import NotFound
from k8s_agent.kube.models import Pod
from k8s_agent.kube.source import POD_WARNINGS_SELECTOR, ClusterSource
from k8s_agent.schemas.pod_issues import ClusterPodIssues
from k8s_agent.services._concurrency import gather, off_loop, off_loop_holding, optional
from k8s_agent.services.workloads import workload_context


async def pod_issues(
    source: ClusterSource,
    *,
    now: datetime,
    restart_threshold: int,
    limit: int = DEFAULT_LIMIT,
    severity: str = "",
    issue_type: str = "",
    namespace: str = "",
    include_all: bool = False,
    owner_kinds: frozenset[str] = frozenset(),
) -> ClusterPodIssues:
    warnings: list[str] = []
    ns = namespace or None
    index = getattr(source, "index", None)
    if index is not None and index.restart_threshold == restart_threshold:
        # 503 with the progress until the first sync is complete; the controllers are indexed too
        await index.require()
        # the report reads the stores from an analysis thread (a table of 150,000 pods must not stall the
        # event loop), holding the index's gate: the watches' changes wait until it is done
        release = await index.gate.hold()
        result = await off_loop_holding(
            release,
            index.pod_table.report,
            now=now,
            owners=index.owner_index,
            recent=index.recent_events,
            limit=limit,
            severity=severity,
            issue_type=issue_type,
            namespace=namespace,
            include_all=include_all,
            owner_kinds=owner_kinds,
            states=index.workload_states,
            succeeded=index.succeeded_jobs,
        )
        result.warnings = index.warnings()
        return result

    async def pods_or_empty() -> list[Pod]:
        try:
            return await source.list_pods(ns)
        except NotFound:
            return []

    pods, events, replicasets, (jobs, states) = await gather(
        pods_or_empty(),
        optional(
            source.list_events(ns, field_selector=POD_WARNINGS_SELECTOR),
            [],
            warnings,
            "Warning events about pods (no recent events are shown)",
        ),
        optional(
            source.list_replicasets(ns),
            [],
            warnings,
            "ReplicaSets (Deployment names are taken from pod-template-hash)",
        ),
        workload_context(source, ns, now, warnings),
    )
    result = await off_loop(
        analyze_cluster,
        pods,
        events,
        replicasets,
        restart_threshold=restart_threshold,
        now=now,
        limit=limit,
        severity=severity,
        issue_type=issue_type,
        namespace=namespace,
        include_all=include_all,
        jobs=jobs,
        states=states,
        owner_kinds=owner_kinds,
    )
    result.warnings = warnings
    return result
