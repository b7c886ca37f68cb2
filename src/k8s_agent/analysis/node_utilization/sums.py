"""What the pods bound to each node commit: their effective requests and limits summed per node, and their
count (``NodeSums``: kept current pod by pod by the cluster index, or summed from a pod list at once)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from k8s_agent.analysis.kube import is_terminated
from k8s_agent.analysis.resources import pod_limit_nanos, pod_request_nanos
from k8s_agent.kube.models import Pod


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def pod_requests_limits(pod: Pod) -> tuple[dict[str, int], dict[str, int]]:
    """The pod's effective (requests, limits) in billionths: the one rule of
    :mod:`k8s_agent.analysis.resources` (the scheduler's, also used by describe, resources and node fit)."""
    return pod_request_nanos(pod), pod_limit_nanos(pod)


def group_pods_by_node(pods: Iterable[Pod]) -> dict[str, list[Pod]]:
    """Non-terminated pods bound to a node, by node name (one pass)."""
    out: dict[str, list[Pod]] = {}
    for p in pods:
        node = p.spec.node_name
        if node and not is_terminated(p):
            out.setdefault(node, []).append(p)
    return out


class NodeSums:
    """Per node: the summed effective requests and limits (billionths) and the count of its non-terminated
    pods, kept current pod by pod (``put`` a pod's new version, ``remove`` it). The pod counted is kept
    (the index's slim copy: no extra memory) so that a change or a deletion subtracts exactly what its
    version added."""

    __slots__ = ("requests", "limits", "count", "_by_pod")

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, int]] = {}
        self.limits: dict[str, dict[str, int]] = {}
        self.count: dict[str, int] = {}
        self._by_pod: dict[tuple[str, str], Pod] = {}

    def __len__(self) -> int:
        return len(self._by_pod)

    def clear(self) -> None:
        self.requests.clear()
        self.limits.clear()
        self.count.clear()
        self._by_pod.clear()

    def put(self, pod: Pod) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        self._drop(key)
        node = pod.spec.node_name
        if not node or is_terminated(pod):
            return
        req, lim = pod_requests_limits(pod)
        self._by_pod[key] = pod
        self.count[node] = self.count.get(node, 0) + 1
        _add(self.requests.setdefault(node, {}), req)
        _add(self.limits.setdefault(node, {}), lim)

    def remove(self, namespace: str, name: str) -> None:
        self._drop((namespace, name))

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._by_pod.pop(key, None)
        if old is None:
            return
        node = old.spec.node_name
        n = self.count[node] - 1
        if n:
            req, lim = pod_requests_limits(old)
            self.count[node] = n
            _sub(self.requests[node], req)
            _sub(self.limits[node], lim)
        else:  # the node's last pod: nothing left, not even rounding
            del self.count[node]
            self.requests.pop(node, None)
            self.limits.pop(node, None)

    def of(self, node: str) -> tuple[dict[str, int], dict[str, int], int]:
        return self.requests.get(node, {}), self.limits.get(node, {}), self.count.get(node, 0)


def _sub(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        left = into.get(k, 0) - v
        if left:
            into[k] = left
        else:
            into.pop(k, None)


def sums_of(pods: Iterable[Pod]) -> NodeSums:
    sums = NodeSums()
    for p in pods:
        sums.put(p)
    return sums
