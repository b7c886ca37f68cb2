"""Route of the workload diagnosis feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from k8s_agent.analysis.workloads.owners import OWNER_KINDS as KINDS
from k8s_agent.api import validation
from k8s_agent.api.route import NAMESPACE, PathParam, QueryParam, Route
from k8s_agent.config import Settings
from k8s_agent.errors import BadRequest
from k8s_agent.kube.source import ClusterSource
from k8s_agent.schemas.workloads import WorkloadDiagnosis
from k8s_agent.services import workloads as service

#: accepted spellings of each kind (case-insensitive): the kind, its plural, kubectl's short name
KIND_ALIASES: dict[str, str] = {
    alias: kind
    for kind, aliases in {
        "Deployment": ("deployment", "deployments", "deploy"),
        "StatefulSet": ("statefulset", "statefulsets", "sts"),
        "DaemonSet": ("daemonset", "daemonsets", "ds"),
        "Job": ("job", "jobs"),
        "CronJob": ("cronjob", "cronjobs", "cj"),
    }.items()
    for alias in aliases
}


def kind(value: str) -> str:
    found = KIND_ALIASES.get(value.lower())
    if found is None:
        raise BadRequest(
            details=f"kind {value[:40]!r} is not one of Deployment, StatefulSet, DaemonSet, Job, CronJob "
            "(their plurals and kubectl short names are accepted too)"
        )
    return found


KIND = PathParam(
    "kind",
    kind,
    "Controller kind: Deployment, StatefulSet, DaemonSet, Job or CronJob (case-insensitive; plurals and "
    "kubectl short names such as deploy, sts, ds, cj are accepted)",
    {"type": "string", "maxLength": 40, "examples": ["Deployment"]},
)


def owner_kinds(args: Any) -> frozenset[str]:
    """``ownerKinds=Deployment,Job`` (comma-separated, case-insensitive) -> the canonical kinds."""
    raw = args.get("ownerKinds")
    if raw is None or raw == "":
        return frozenset()
    by_lower = {k.lower(): k for k in KINDS}
    out = set()
    for part in raw.split(","):
        kind = by_lower.get(part.strip().lower())
        if kind is None:
            raise BadRequest(
                details=f"query parameter ownerKinds: {part.strip()[:40]!r} is not one of {', '.join(KINDS)}"
            )
        out.add(kind)
    return frozenset(out)


OWNER_KINDS = QueryParam(
    "ownerKinds",
    {"type": "string", "maxLength": 200, "examples": ["Deployment,StatefulSet"]},
    "Only pods whose workload is of these kinds (comma-separated): "
    + ", ".join(KINDS)
    + " (Node: static pods; Pod: bare pods); absent means every kind",
    owner_kinds,
)

NAME = PathParam(
    "name",
    lambda v: validation.object_name(v, "workload"),
    "Name of the controller (DNS-1123 subdomain)",
    {"type": "string", "maxLength": 253, "pattern": validation.SUBDOMAIN_PATTERN, "examples": ["web"]},
)


async def _diagnosis(
    source: ClusterSource, settings: Settings, now: datetime, namespace: str, kind: str, name: str
) -> WorkloadDiagnosis:
    return await service.diagnosis(
        source, namespace, kind, name, now=now, restart_threshold=settings.pod_restart_threshold
    )


ROUTE = Route(
    name="workload_diagnosis",
    path="/workloads/<namespace>/<kind>/<name>/diagnosis",
    summary="Why a Deployment, StatefulSet, DaemonSet, Job or CronJob is stuck, failing or short, and what "
    "changed",
    response=WorkloadDiagnosis,
    compute=_diagnosis,
    params=(NAMESPACE, KIND, NAME),
    permission=("list", "pods", "", "namespace"),
    description="State (progressing, stuck, complete, degraded, failed, suspended) from the controller's own "
    "conditions and generation; what blocks it per revision; FailedCreate events; a DaemonSet's nodes "
    "without a working pod; a Job's outcome; a CronJob's schedule; the pod template diff against the previous "
    "revision; suggestions. 404 when the controller does not exist.",
    tags=("workloads",),
)
