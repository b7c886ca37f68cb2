"""The cluster as the filters need it, grouped once per request: the non-terminated pods bound to each
node (the pod under analysis excluded), the same pods by namespace then node (what a namespaced count,
such as topology spread's, reads: one namespace's pods, not the cluster's), their summed requests in scheduler units, pod counts, host ports,
and the pods that carry required anti-affinity. Also the unit helpers the filters share.

Cost: requests are computed once per pod (quantity strings parsed through a cache, sums in integers):
500 nodes x 10,000 pods take well under 100 ms (``scripts/bench_scheduling.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, ValuesView
from dataclasses import dataclass

from k8s_agent.analysis.kube import is_sidecar, is_terminated
from k8s_agent.analysis.resources import nano, pod_request_nanos, to_units
from k8s_agent.kube.models import Node, Pod


def pod_key(pod: Pod) -> str:
    return f"{pod.metadata.namespace}/{pod.metadata.name}"


def effective_request(pod: Pod) -> dict[str, int]:
    """The pod's effective request in scheduler units (cpu in millicores, everything else in units), by the
    one rule of ``resources.pod_request_nanos`` (pod-level resources included)."""
    return {k: to_units(k, v) for k, v in pod_request_nanos(pod).items()}


def node_allocatable(node: Node) -> dict[str, int]:
    """Allocatable in scheduler units."""
    out: dict[str, int] = {}
    for k, v in node.status.allocatable.items():
        n = nano(v)
        if n is not None:
            out[k] = to_units(k, n)
    return out


def ready_condition(node: Node) -> tuple[str, str]:
    """(status, "reason: message") of the Ready condition; status "" when the node has none."""
    for c in node.status.conditions:
        if c.type == "Ready":
            detail = ": ".join(x for x in (c.reason, c.message) if x)
            return c.status or "Unknown", detail
    return "", ""


@dataclass(frozen=True, slots=True)
class HostPort:
    ip: str
    protocol: str
    port: int


def host_ports(pod: Pod) -> list[HostPort]:
    """The host ports of the app containers and sidecars (what NodePorts checks)."""
    out = []
    containers = list(pod.spec.containers) + [c for c in pod.spec.init_containers if is_sidecar(c)]
    for c in containers:
        for p in c.ports:
            if p.host_port and p.host_port > 0:
                out.append(HostPort(p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port))
    return out


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


class ClusterIndex:
    """The cluster grouped once (see the module docstring).

    Built from lists at once, or kept current object by object (``add``/``remove`` a pod,
    ``set_node``/``remove_node``) by the agent's watch-fed index (``kube.index``); ``without(pod)`` is the
    view that leaves the pod under analysis out, copying only what that pod touches."""

    __slots__ = (
        "nodes",
        "pods_by_node",
        "by_namespace",
        "requested",
        "pod_count",
        "ports",
        "anti_affinity_pods",
        "_pods",
    )

    def __init__(self, nodes: Iterable[Node], pods: Iterable[Pod] = (), exclude: Pod | None = None) -> None:
        self.nodes: dict[str, Node] = {n.metadata.name: n for n in nodes}
        self.pods_by_node: dict[str, list[Pod]] = {}
        #: namespace -> node -> the namespace's pods bound there (the same pod objects as pods_by_node)
        self.by_namespace: dict[str, dict[str, list[Pod]]] = {}
        self.requested: dict[str, dict[str, int]] = {}
        self.pod_count: dict[str, int] = {}
        self.ports: dict[str, dict[tuple[str, int], list[tuple[str, str]]]] = {}
        self.anti_affinity_pods: list[Pod] = []
        self._pods: dict[tuple[str, str], Pod] = {}
        for p in pods:
            if exclude is None or not _same_pod(p, exclude):
                self.add(p)

    @property
    def all_pods(self) -> ValuesView[Pod]:
        """Every non-terminated pod (bound or not), the pod under analysis excluded."""
        return self._pods.values()

    def __len__(self) -> int:
        return len(self._pods)

    def pods_in_namespace(self, namespace: str) -> Mapping[str, list[Pod]]:
        """Node -> the namespace's non-terminated pods bound there (the pod under analysis excluded)."""
        return self.by_namespace.get(namespace, {})

    def set_node(self, node: Node) -> None:
        self.nodes[node.metadata.name] = node

    def remove_node(self, name: str) -> None:
        self.nodes.pop(name, None)

    def add(self, p: Pod) -> None:
        """Add a pod, or replace the version of it already held (a terminated pod is only removed)."""
        md = p.metadata
        key = (md.namespace, md.name)
        if key in self._pods:
            self.remove(*key)
        if is_terminated(p):
            return
        self._pods[key] = p
        node = p.spec.node_name
        if not node:
            return
        self.pods_by_node.setdefault(node, []).append(p)
        self.by_namespace.setdefault(md.namespace, {}).setdefault(node, []).append(p)
        self.pod_count[node] = self.pod_count.get(node, 0) + 1
        req = effective_request(p)
        if req:
            _add(self.requested.setdefault(node, {}), req)
        hp = host_ports(p)
        if hp:
            slots = self.ports.setdefault(node, {})
            for h in hp:
                slots.setdefault((h.protocol, h.port), []).append((h.ip, pod_key(p)))
        if _has_required_anti_affinity(p):
            self.anti_affinity_pods.append(p)

    def remove(self, namespace: str, name: str) -> None:
        """Remove a pod; what it shared with a ``without`` view is replaced, never changed in place."""
        p = self._pods.pop((namespace, name), None)
        if p is None:
            return
        node = p.spec.node_name
        if not node:
            return
        on_node = [q for q in self.pods_by_node.get(node, ()) if q is not p]
        if on_node:
            self.pods_by_node[node] = on_node
            self.pod_count[node] = len(on_node)
        else:
            self.pods_by_node.pop(node, None)
            self.pod_count.pop(node, None)
        in_ns = self.by_namespace.get(namespace)
        if in_ns is not None:  # the list replaced, not changed: a ``without`` view shares the lists
            ns_on_node = [q for q in in_ns.get(node, ()) if q is not p]
            if ns_on_node:
                in_ns[node] = ns_on_node
            else:
                in_ns.pop(node, None)
                if not in_ns:
                    del self.by_namespace[namespace]
        req = effective_request(p)
        if req and node in self.requested:
            left = dict(self.requested[node])
            for k, v in req.items():
                n = left.get(k, 0) - v
                if n:
                    left[k] = n
                else:
                    left.pop(k, None)
            if left and on_node:
                self.requested[node] = left
            else:
                self.requested.pop(node, None)
        if node in self.ports:
            me = pod_key(p)
            slots = {
                k: kept for k, users in self.ports[node].items() if (kept := [u for u in users if u[1] != me])
            }
            if slots:
                self.ports[node] = slots
            else:
                del self.ports[node]
        if _has_required_anti_affinity(p):
            self.anti_affinity_pods = [q for q in self.anti_affinity_pods if q is not p]

    def without(self, pod: Pod) -> ClusterIndex:
        """This index without ``pod`` (matched by UID when both have one, else by namespace and name); the
        index itself when it does not hold the pod."""
        md = pod.metadata
        held = self._pods.get((md.namespace, md.name))
        if held is None or not _same_pod(held, pod):
            return self
        view = ClusterIndex(())
        view.nodes = self.nodes
        view._pods = dict(self._pods)
        view.pods_by_node = dict(self.pods_by_node)
        view.by_namespace = dict(self.by_namespace)
        if md.namespace in view.by_namespace:  # the one namespace the removal changes, copied
            view.by_namespace[md.namespace] = dict(view.by_namespace[md.namespace])
        view.requested = dict(self.requested)
        view.pod_count = dict(self.pod_count)
        view.ports = dict(self.ports)
        view.anti_affinity_pods = self.anti_affinity_pods
        view.remove(md.namespace, md.name)
        return view


def _same_pod(p: Pod, other: Pod) -> bool:
    a, b = p.metadata, other.metadata
    return (a.uid == b.uid) if (a.uid and b.uid) else ((a.namespace, a.name) == (b.namespace, b.name))


def _has_required_anti_affinity(p: Pod) -> bool:
    aff = p.spec.affinity
    return bool(
        aff is not None
        and aff.pod_anti_affinity is not None
        and aff.pod_anti_affinity.required_during_scheduling_ignored_during_execution
    )
