"""Workload diagnosis: which reads to make for one controller, made together, then the pure analysis.

One gather, under the request's deadline and the shared read cache: the controller (GET) and then its pods
(by the controller's own label selector: a small workload in a large namespace costs its own pods only;
a CronJob's, which has no selector, are the namespace's), and meanwhile in its namespace the Warning
events and what the kind needs: ReplicaSets (Deployment), ControllerRevisions
(StatefulSet, DaemonSet), nodes (DaemonSet), Jobs (CronJob), ResourceQuotas (for quota advice). Everything but the controller is optional: a
read that fails is named in ``warnings`` and the diagnosis goes on without it.
"""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.workloads.diagnose import diagnose, workload_state
from k8s_agent.analysis.workloads.summary import WorkloadKey
from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.kube.models import WORKLOAD_KINDS, CronJobSpec, Job, Pod, Workload
from k8s_agent.kube.source import ClusterSource, label_selector_text
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

    async def controller_and_pods() -> tuple[Workload, list[Pod]]:
        """The controller, then its pods by its own label selector (a CronJob, which has none, and a
        selector the API could not take: every pod of the namespace, sorted out by owner)."""
        obj = await source.get_workload(kind, namespace, name)
        spec = obj.spec
        selector = label_selector_text(spec.selector) if not isinstance(spec, CronJobSpec) else None
        pods = await optional(
            source.list_pods(namespace, label_selector=selector or ""), [], warnings, "Pods of the workload"
        )
        return obj, pods

    (obj, pods), events, replicasets, revisions, nodes, jobs, quotas = await gather(
        controller_and_pods(),
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


async def workload_context(
    source: ClusterSource, namespace: str | None, now: datetime, warnings: list[str]
) -> tuple[list[Job], dict[WorkloadKey, str]]:
    """For the namespace and cluster analyses: the Jobs (they resolve CronJobs and retried pods) and every
    controller's state by (namespace, kind, name), from five concurrent lists (one namespace, or all when
    ``namespace`` is None). A list that cannot be read is named once in ``warnings``; its workloads' state
    is then ``unknown``."""
    failed: list[str] = []
    lists = await gather(*(_optional_list(source, kind, namespace, failed) for kind in WORKLOAD_KINDS))
    if failed:
        warnings.append(
            "Controllers could not be read (their workloads' state is unknown): " + "; ".join(failed)
        )
    states: dict[WorkloadKey, str] = {}
    jobs: list[Job] = []
    for kind, objs in zip(WORKLOAD_KINDS, lists, strict=True):
        for obj in objs:
            states[(obj.metadata.namespace, kind, obj.metadata.name)] = workload_state(obj, now)
            if isinstance(obj, Job):
                jobs.append(obj)
    return jobs, states


async def _optional_list(source: ClusterSource, kind: str, namespace: str | None, failed: list[str]) -> list:
    try:
        return await source.list_workloads(kind, namespace)
    except (NotFound, ServiceUnavailable) as exc:
        failed.append(f"{WORKLOAD_KINDS[kind].plural}: {exc.message}")
        return []
