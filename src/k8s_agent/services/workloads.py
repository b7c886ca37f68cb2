"""Workload diagnosis: which reads to make for one controller, made together, then the pure analysis.

One gather, under the request's deadline and the shared read cache: the controller (GET), and in its
namespace the pods, the Warning events, and what the kind needs: ReplicaSets (Deployment), ControllerRevisions
(StatefulSet, DaemonSet), nodes (DaemonSet), Jobs (CronJob), ResourceQuotas (for quota advice). The namespace
lists are the same cached reads the namespace analysis makes. Everything but the controller is optional: a
read that fails is named in ``warnings`` and the diagnosis goes on without it.
"""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.workloads import diagnose
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.workloads import WorkloadDiagnosis
from k8s_agent.services._concurrency import gather, optional

#: the events the diagnosis reads: every Warning of the namespace (pods, ReplicaSets, controllers)
WARNING_EVENTS_SELECTOR = "type=Warning"


async def _empty() -> list:
    return []


async def _none() -> None:
    return None


async def diagnosis(
    source: ClusterSource, namespace: str, kind: str, name: str, *, now: datetime, restart_threshold: int
) -> WorkloadDiagnosis:
    warnings: list[str] = []
    obj, pods, events, replicasets, revisions, nodes, jobs, quotas = await gather(
        source.get_workload(kind, namespace, name),
        optional(source.list_pods(namespace), [], warnings, "Pods of the namespace"),
        optional(
            source.list_events(namespace, field_selector=WARNING_EVENTS_SELECTOR),
            [],
            warnings,
            "Warning events of the namespace",
        ),
        optional(source.list_replicasets(namespace), [], warnings, "ReplicaSets")
        if kind == "Deployment"
        else _empty(),
        optional(source.list_controllerrevisions(namespace), [], warnings, "ControllerRevisions")
        if kind in ("StatefulSet", "DaemonSet")
        else _empty(),
        optional(source.list_nodes(), None, warnings, "Nodes") if kind == "DaemonSet" else _none(),
        optional(source.list_workloads("Job", namespace), [], warnings, "Jobs")
        if kind == "CronJob"
        else _empty(),
        optional(source.list_resourcequotas(namespace), [], warnings, "ResourceQuotas")
        if kind != "CronJob"
        else _empty(),
    )
    result = diagnose(
        kind,
        obj,
        namespace=namespace,
        now=now,
        pods=pods,
        events=events,
        replicasets=replicasets,
        revisions=revisions,
        nodes=nodes,
        jobs=jobs,
        quotas=quotas,
        restart_threshold=restart_threshold,
    )
    result.warnings = warnings + result.warnings
    return result
