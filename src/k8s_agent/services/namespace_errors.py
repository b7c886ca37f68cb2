"""Error analysis of a namespace: which reads to make, made together, then the pure analysis
(``k8s_agent.analysis.namespace_errors``).

Reads the answer can do without (the namespace's events, ReplicaSets and controllers) never fail the request: their failure
(NotFound, API unavailable or refused) is named in the result's ``warnings`` and the analysis runs on what was
read.
"""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict, Unpack

from k8s_agent.analysis.namespace_errors import analyze_namespace
from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.kube.models import Pod
from k8s_agent.kube.source import POD_WARNINGS_SELECTOR, ClusterSource
from k8s_agent.schemas.namespace_errors import NamespaceErrorReport
from k8s_agent.services._concurrency import gather, optional
from k8s_agent.services.workloads import workload_context


async def namespace_exists(source: ClusterSource, namespace: str) -> None:
    """Raise NotFound when the namespace object is readable and absent; when it cannot be read (RBAC without
    ``get namespaces``, API trouble) the analysis answers on its own (an empty namespace lists nothing)."""
    try:
        await source.get_namespace(namespace)
    except NotFound:
        raise
    except ServiceUnavailable:
        return


class Options(TypedDict):
    """How the pods are judged: ``restart_threshold``, ``now``, and which owner kinds (all when empty)."""

    restart_threshold: int
    now: datetime
    owner_kinds: NotRequired[frozenset[str]]


async def namespace_report(
    source: ClusterSource, namespace: str, **options: Unpack[Options]
) -> NamespaceErrorReport:
    """The endpoint's answer: 404 for a namespace that does not exist (see ``namespace_exists``), else the
    analysis (``namespace_errors``); both reads start together."""
    _, report = await gather(
        namespace_exists(source, namespace), namespace_errors(source, namespace, **options)
    )
    return report


async def namespace_errors(
    source: ClusterSource,
    namespace: str,
    *,
    restart_threshold: int,
    now: datetime,
    owner_kinds: frozenset[str] = frozenset(),
) -> NamespaceErrorReport:
    """One pod LIST, one event LIST (Warning events about pods), one ReplicaSet LIST and one LIST per
    controller kind (the Jobs resolve CronJobs; every controller's state goes into ``workloads``), together;
    no per-pod reads. A namespace that does not exist gives an empty, well-formed report."""
    warnings: list[str] = []

    async def pods_or_empty() -> list[Pod]:
        try:
            return await source.list_pods(namespace)
        except NotFound:
            return []

    pods, events, replicasets, (jobs, states) = await gather(
        pods_or_empty(),
        optional(
            source.list_events(namespace, field_selector=POD_WARNINGS_SELECTOR),
            [],
            warnings,
            "Events of the namespace",
        ),
        optional(
            source.list_replicasets(namespace),
            [],
            warnings,
            "ReplicaSets of the namespace (Deployment names are then taken from pod-template-hash)",
        ),
        workload_context(source, namespace, now, warnings),
    )
    result = analyze_namespace(
        namespace,
        pods,
        events,
        replicasets,
        restart_threshold,
        now,
        jobs=jobs,
        states=states,
        owner_kinds=owner_kinds,
    )
    result.warnings = warnings
    return result
