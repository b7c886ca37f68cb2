"""Pod resource requests and limits, computed the way the scheduler and kubelet compute them.

The rule (``k8s.io/component-helpers`` ``resource.PodRequests`` / ``PodLimits``): the app containers and the
sidecars (init containers with ``restartPolicy: Always``) run together; each regular init container runs alone
beside the sidecars started before it; the pod needs the larger of the two, plus its overhead (added to limits
only for the resources the pod limits). A container's request defaults to its limit (API defaulting).

Pod-level resources (``spec.resources``, KEP-2837, PodLevelResources: beta and on by default since 1.34):
for the resources they may set (cpu, memory, ``hugepages-*``), a pod-level request replaces the containers'
sum, and a pod-level limit replaces their limit; a resource with a pod-level limit and neither a pod-level
nor any container request requests its limit (API defaulting). Every other resource keeps the container
rule. The overhead is added after. ``request_sources`` says which value is used for each resource.

It is computed once here, on integers in billionths of a unit ("nanos"), which is exact for every quantity
Kubernetes keeps and fast enough for every pod of a large cluster (the scheduling and node analyses run it on
10,000 pods per request). ``pod_effective_request`` wraps the result in ``Quantity`` for display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from k8s_agent.analysis.kube import is_sidecar
from k8s_agent.analysis.quantity import (
    BINARY,
    DECIMAL,
    Quantity,
    add_resource_lists,
    format_resource_list,
    is_bytes,
    parse_resource_list,
    try_parse,
)
from k8s_agent.kube.models import Container, Node, Pod
from k8s_agent.schemas import resources as s

NANO = 10**9


@lru_cache(maxsize=16384)
def nano(text: str) -> int | None:
    """A quantity string in billionths, rounded up as Kubernetes does below nano precision; None if
    malformed. Cached: a cluster has few distinct quantity strings."""
    q = try_parse(text)
    return None if q is None else -(-q.value.numerator * NANO // q.value.denominator)


def to_units(resource: str, nanos: int) -> int:
    """What the scheduler compares: millicores for cpu, whole units for everything else (rounded up, as
    ``MilliValue()`` / ``Value()`` do)."""
    return -(-nanos // (10**6 if resource == "cpu" else NANO))


def _nanos(rl: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in rl.items():
        n = nano(v)
        if n is not None:
            out[k] = n
    return out


def container_request_nanos(c: Container) -> dict[str, int]:
    """A container's requests; a resource with a limit and no request requests its limit."""
    out = _nanos(c.resources.limits) if c.resources.limits else {}
    out.update(_nanos(c.resources.requests))
    return out


def container_limit_nanos(c: Container) -> dict[str, int]:
    return _nanos(c.resources.limits)


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def _max(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        if v > into.get(k, v - 1):
            into[k] = v


def pod_level_supported(resource: str) -> bool:
    """The resources ``spec.resources`` may set (``resource.IsSupportedPodLevelResource``)."""
    return resource in ("cpu", "memory") or resource.startswith("hugepages-")


def _pod_level(pod: Pod, limits: bool, containers: Mapping[str, int]) -> dict[str, int]:
    """The pod-level values that replace the containers' aggregate (see the module docstring)."""
    pr = pod.spec.resources
    if pr is None:
        return {}
    lim = {k: v for k, v in _nanos(pr.limits).items() if pod_level_supported(k)}
    if limits:
        return lim
    req = {k: v for k, v in _nanos(pr.requests).items() if pod_level_supported(k)}
    for k, v in lim.items():
        if k not in req and k not in containers:
            req[k] = v
    return req


def _containers(pod: Pod, per_container: Callable[[Container], dict[str, int]]) -> dict[str, int]:
    """The container rule alone: no pod-level values, no overhead."""
    total: dict[str, int] = {}
    for c in pod.spec.containers:
        _add(total, per_container(c))
    if pod.spec.init_containers:
        sidecars: dict[str, int] = {}
        peak: dict[str, int] = {}
        for ic in pod.spec.init_containers:
            r = per_container(ic)
            if is_sidecar(ic):
                _add(total, r)
                _add(sidecars, r)
                _max(peak, sidecars)
            else:
                step = dict(r)
                _add(step, sidecars)
                _max(peak, step)
        _max(total, peak)
    return total


def _effective(
    pod: Pod, per_container: Callable[[Container], dict[str, int]], limits: bool
) -> dict[str, int]:
    total = _containers(pod, per_container)
    if pod.spec.resources is not None:
        total.update(_pod_level(pod, limits, total))
    if pod.spec.overhead:
        for k, n in _nanos(pod.spec.overhead).items():
            if not limits or k in total:  # overhead raises only the limits the pod sets
                total[k] = total.get(k, 0) + n
    return total


def pod_request_nanos(pod: Pod) -> dict[str, int]:
    """What the scheduler reserves on a node for this pod, in nanos."""
    return _effective(pod, container_request_nanos, limits=False)


def pod_limit_nanos(pod: Pod) -> dict[str, int]:
    """The pod-level limits by the same rule, in nanos (a resource is limited only where containers limit it)."""
    return _effective(pod, container_limit_nanos, limits=True)


POD_LEVEL = "podLevel"
POD_LEVEL_LIMIT = "podLevelLimit"
CONTAINERS = "containers"


def request_sources(pod: Pod) -> dict[str, str]:
    """For each resource of the effective request, the value the scheduler uses: ``podLevel`` (the pod's
    ``spec.resources.requests``), ``podLevelLimit`` (its pod-level limit, no request being set anywhere) or
    ``containers`` (the container rule)."""
    containers = _containers(pod, container_request_nanos)
    pr = pod.spec.resources
    written = pr.requests if pr is not None else {}
    req = {k for k, v in written.items() if pod_level_supported(k) and nano(v) is not None}
    out = {}
    for k in pod_request_nanos(pod):
        if k in req:
            out[k] = POD_LEVEL
        elif k in _pod_level(pod, False, containers):
            out[k] = POD_LEVEL_LIMIT
        else:
            out[k] = CONTAINERS
    return out


def limit_sources(pod: Pod) -> dict[str, str]:
    """For each resource of the effective limit: ``podLevel`` or ``containers``."""
    lim = _pod_level(pod, True, {})
    return {k: POD_LEVEL if k in lim else CONTAINERS for k in pod_limit_nanos(pod)}


def as_quantity(resource: str, nanos: int) -> Quantity:
    """A Quantity in the format Kubernetes would print: binary units for byte counts that are whole
    multiples of 1024, decimal otherwise."""
    fmt = BINARY if is_bytes(resource) else DECIMAL
    if fmt == BINARY and nanos % (1024 * NANO):
        fmt = DECIMAL
    return Quantity.from_nanos(nanos, fmt)


def container_requests(c: Container) -> dict[str, Quantity]:
    return {k: as_quantity(k, v) for k, v in container_request_nanos(c).items()}


def container_limits(c: Container) -> dict[str, Quantity]:
    return {k: as_quantity(k, v) for k, v in container_limit_nanos(c).items()}


def pod_effective_request(pod: Pod) -> dict[str, Quantity]:
    return {k: as_quantity(k, v) for k, v in pod_request_nanos(pod).items()}


def pod_effective_limit(pod: Pod) -> dict[str, Quantity]:
    return {k: as_quantity(k, v) for k, v in pod_limit_nanos(pod).items()}


# ------------------------------------------------------------------------------------------- the view
def _sum(containers: list[Container], per: Callable[[Container], dict[str, Quantity]]) -> dict[str, Quantity]:
    return add_resource_lists(*(per(c) for c in containers))


def _total(rl: dict[str, Quantity], name: str) -> str:
    q = rl.get(name)
    return str(q) if q is not None else "0"


def pod_resources(pod: Pod) -> s.PodResources:
    spec = pod.spec
    app_requests = _sum(spec.containers, container_requests)
    app_limits = _sum(spec.containers, container_limits)
    effective_req = pod_effective_request(pod)
    app_and_sidecars = add_resource_lists(
        app_requests, *(container_requests(c) for c in spec.init_containers if is_sidecar(c))
    )
    overhead = parse_resource_list(spec.overhead)
    req_sources, lim_sources = request_sources(pod), limit_sources(pod)
    dominated = sorted(
        k
        for k, v in effective_req.items()
        if req_sources.get(k) == CONTAINERS
        and (v - overhead.get(k, Quantity(0))) > app_and_sidecars.get(k, Quantity(0))
    )
    notes: list[str] = []
    for c in spec.containers:
        for res in ("cpu", "memory"):
            if req_sources.get(res, CONTAINERS) == CONTAINERS and (
                res not in c.resources.requests and res not in c.resources.limits
            ):
                notes.append(
                    f"container {c.name} sets no {res} request: the scheduler reserves nothing for it"
                )
            if lim_sources.get(res) != POD_LEVEL and res not in c.resources.limits and spec.containers:
                notes.append(
                    f"container {c.name} sets no {res} limit: the pod's {res} use is not bounded by limits"
                )
    for res, src in sorted(req_sources.items()):
        if src == POD_LEVEL:
            notes.append(
                f"the pod-level {res} request ({effective_req[res]}) is what the scheduler reserves, not the "
                "containers' sum (pod-level resources, PodLevelResources: on by default since Kubernetes 1.34)"
            )
        elif src == POD_LEVEL_LIMIT:
            notes.append(
                f"the {res} request ({effective_req[res]}) defaults to the pod-level {res} limit: neither the "
                "pod nor a container requests it"
            )
    for res in dominated:
        notes.append(
            f"the effective {res} request ({effective_req[res]}) comes from an init container, "
            f"not from the app containers ({app_and_sidecars.get(res, Quantity(0))})"
        )
    return s.PodResources(
        warnings=invalid_quantities(pod),
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        qos_class=pod.status.qos_class,
        containers=[
            s.ContainerResources(
                name=c.name, requests=dict(c.resources.requests), limits=dict(c.resources.limits)
            )
            for c in spec.containers
        ],
        init_containers=[
            s.ContainerResources(
                name=c.name,
                requests=dict(c.resources.requests),
                limits=dict(c.resources.limits),
                sidecar=is_sidecar(c),
            )
            for c in spec.init_containers
        ],
        total=s.ResourceTotals(
            cpu_request=_total(app_requests, "cpu"),
            cpu_limit=_total(app_limits, "cpu"),
            memory_request=_total(app_requests, "memory"),
            memory_limit=_total(app_limits, "memory"),
            ephemeral_storage_request=_total(app_requests, "ephemeral-storage"),
            ephemeral_storage_limit=_total(app_limits, "ephemeral-storage"),
        ),
        total_by_resource=s.ResourcesInfo(
            requests=format_resource_list(app_requests), limits=format_resource_list(app_limits)
        ),
        effective=s.EffectiveResources(
            requests=format_resource_list(effective_req),
            limits=format_resource_list(pod_effective_limit(pod)),
            overhead=dict(spec.overhead),
            dominated_by_init=dominated,
            request_sources=req_sources,
            limit_sources=lim_sources,
        ),
        notes=notes,
        pod_level=s.ResourcesInfo(requests=dict(spec.resources.requests), limits=dict(spec.resources.limits))
        if spec.resources is not None
        else None,
    )


# ------------------------------------------------------------------------------------------ invalid values
# The API server rejects a malformed quantity, so one reaches the agent only through a snapshot or a dump.
# It is then left out of every sum (it counts as nothing), and the answer says so, naming where it stands.
_LEFT_OUT = "is not a valid quantity and is left out of every sum"


def _invalid(where: str, rl: Mapping[str, str]) -> list[str]:
    return [f"{where} {res} {text!r} {_LEFT_OUT}" for res, text in rl.items() if nano(text) is None]


def invalid_quantities(pod: Pod) -> list[str]:
    """One sentence per request, limit, pod-level value or overhead of ``pod`` that is not a quantity."""
    spec = pod.spec
    who = f"Pod {pod.metadata.namespace}/{pod.metadata.name}:"
    out: list[str] = []
    for kind, containers in (("container", spec.containers), ("init container", spec.init_containers)):
        for c in containers:
            out += _invalid(f"{who} {kind} {c.name} request", c.resources.requests)
            out += _invalid(f"{who} {kind} {c.name} limit", c.resources.limits)
    if spec.resources is not None:
        out += _invalid(f"{who} pod-level request", spec.resources.requests)
        out += _invalid(f"{who} pod-level limit", spec.resources.limits)
    out += _invalid(f"{who} overhead", spec.overhead)
    return out


def invalid_node_quantities(node: Node) -> list[str]:
    """One sentence per capacity or allocatable value of ``node`` that is not a quantity."""
    who = f"Node {node.metadata.name}:"
    return _invalid(f"{who} capacity", node.status.capacity) + _invalid(
        f"{who} allocatable", node.status.allocatable
    )


def invalid_in(pods: Iterable[Pod], nodes: Iterable[Node] = (), *, most: int = 10) -> list[str]:
    """The sentences of ``invalid_quantities`` and ``invalid_node_quantities`` over many objects, at most
    ``most`` of them and then one that counts the rest (an answer stays small whatever a dump holds)."""
    found = [s for n in nodes for s in invalid_node_quantities(n)]
    found += [s for p in pods for s in invalid_quantities(p)]
    if len(found) <= most:
        return found
    return [
        *found[:most],
        f"{len(found) - most} more values are not valid quantities and are left out of sums",
    ]
