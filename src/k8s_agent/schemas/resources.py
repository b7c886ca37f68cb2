"""Response Structs of the pod resources endpoint."""

from __future__ import annotations

from k8s_agent.schemas.base import Response


class ResourcesInfo(Response, kw_only=True):
    """Requests and limits as written in the spec (resource name -> quantity)."""

    requests: dict[str, str] = {}
    limits: dict[str, str] = {}


class ContainerResources(Response, kw_only=True):
    """A container's requests and limits ({} when none is set)."""

    name: str
    requests: dict[str, str]
    limits: dict[str, str]
    sidecar: bool = False


class ResourceTotals(Response, kw_only=True):
    """Sums over the app containers (the spec's ``total``)."""

    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    ephemeral_storage_request: str = "0"
    ephemeral_storage_limit: str = "0"


class EffectiveResources(Response, kw_only=True):
    """What the scheduler reserves for the pod: max(largest init step, app containers + sidecars) + overhead,
    where a pod-level ``spec.resources`` value replaces the containers' one for the resources it sets.
    ``requestSources`` / ``limitSources`` say, per resource, which value is used: ``podLevel`` (the pod's
    ``spec.resources``), ``podLevelLimit`` (a request taken from the pod-level limit, no request being set
    anywhere) or ``containers``."""

    requests: dict[str, str]
    limits: dict[str, str]
    overhead: dict[str, str]
    dominated_by_init: list[str]  # resources whose effective request comes from an init container
    request_sources: dict[str, str] = {}
    limit_sources: dict[str, str] = {}


class PodResources(Response, kw_only=True):
    """Requests and limits per container, their totals, and the pod's effective request."""

    pod_name: str
    namespace: str
    qos_class: str
    containers: list[ContainerResources]
    init_containers: list[ContainerResources]
    total: ResourceTotals
    total_by_resource: ResourcesInfo
    effective: EffectiveResources
    notes: list[str]
    #: values that are not quantities (only a snapshot or dump can hold them), each left out of every sum
    warnings: list[str] = []
    #: the pod-level ``spec.resources`` as written (PodLevelResources), null when the pod sets none
    pod_level: ResourcesInfo | None = None
