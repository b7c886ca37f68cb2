"""Pod resource requests and limits, computed the way the scheduler and kubelet compute them."""

from __future__ import annotations

from k8s_agent.analysis.quantity import (
    Quantity,
    add_resource_lists,
    max_resource_lists,
    parse_resource_list,
)
from k8s_agent.cluster.models import Container, Pod


def container_requests(c: Container) -> dict[str, Quantity]:
    """A container's requests; a resource with a limit and no request requests its limit (API defaulting)."""
    req = parse_resource_list(c.resources.requests)
    for k, v in parse_resource_list(c.resources.limits).items():
        req.setdefault(k, v)
    return req


def container_limits(c: Container) -> dict[str, Quantity]:
    return parse_resource_list(c.resources.limits)


def is_sidecar(c: Container) -> bool:
    """An init container with ``restartPolicy: Always`` keeps running beside the app containers (1.29+)."""
    return c.restart_policy == "Always"


def _effective(pod: Pod, per_container) -> dict[str, Quantity]:
    # k8s.io/component-helpers resource.PodRequests: the app containers and sidecars run together; each
    # regular init container runs alone beside the sidecars started before it; the pod needs the larger.
    total = add_resource_lists(*(per_container(c) for c in pod.spec.containers))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for ic in pod.spec.init_containers:
        r = per_container(ic)
        if is_sidecar(ic):
            total = add_resource_lists(total, r)
            sidecars = add_resource_lists(sidecars, r)
            step = sidecars
        else:
            step = add_resource_lists(r, sidecars)
        init_peak = max_resource_lists(init_peak, step)
    total = max_resource_lists(total, init_peak)
    if pod.spec.overhead:
        total = add_resource_lists(total, parse_resource_list(pod.spec.overhead))
    return total


def pod_effective_request(pod: Pod) -> dict[str, Quantity]:
    """What the scheduler reserves on a node for this pod: max(init peak, app + sidecars) + overhead."""
    return _effective(pod, container_requests)


def pod_effective_limit(pod: Pod) -> dict[str, Quantity]:
    """The pod-level limit by the same rule (only meaningful for resources every container limits)."""
    return _effective(pod, container_limits)
