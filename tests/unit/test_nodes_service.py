"""The node utilization services over a tiny in-memory ClusterSource: which reads, made together, and what
each failure becomes (unknown node -> NotFound even without metrics; metrics API absent -> MetricsUnavailable
for one node, a partial answer for all nodes; no sample -> an answer with null usage)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from builders import make_node, make_pod
from k8s_agent.errors import MetricsUnavailable, NotFound, ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube.models import Node, NodeMetrics, Pod, convert
from k8s_agent.services import node_utilization as svc

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def _node(name: str) -> Node:
    return make_node(name, cpu="4", memory="16Gi", allocatable={"cpu": "3920m", "memory": "15Gi"})


def _metrics(name: str, cpu: str = "500m", memory: str = "2Gi") -> NodeMetrics:
    return convert(
        {
            "metadata": {"name": name},
            "timestamp": "2025-03-01T11:59:50Z",
            "window": "10s",
            "usage": {"cpu": cpu, "memory": memory},
        },
        NodeMetrics,
    )


def _pod(name: str, node: str, cpu: str = "250m", phase: str = "Running") -> Pod:
    return make_pod(name, node=node, cpu=cpu, memory=None, phase=phase)


class FakeSource:
    """Nodes, pods and NodeMetrics in memory. ``metrics`` None means the metrics API is absent; a node
    missing from ``metrics`` has no sample. ``delays`` make a read slow; ``calls`` records every read."""

    description = "fake"

    def __init__(self, nodes, pods, metrics=None, *, metrics_error=None, delays=None):
        self.nodes = {n.metadata.name: n for n in nodes}
        self.pods = list(pods)
        self.metrics = None if metrics is None else {m.metadata.name: m for m in metrics}
        self.metrics_error = metrics_error
        self.delays = delays or {}
        self.calls: list[tuple] = []
        self.running = 0
        self.max_running = 0

    async def _enter(self, call: tuple) -> None:
        self.calls.append(call)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            await asyncio.sleep(self.delays.get(call[0], 0.001))
        finally:
            self.running -= 1

    async def get_node(self, name):
        await self._enter(("get_node", name))
        try:
            return self.nodes[name]
        except KeyError:
            raise NotFound("Node", name) from None

    async def list_nodes(self):
        await self._enter(("list_nodes",))
        return list(self.nodes.values())

    async def list_pods(self, namespace=None, *, field_selector="", label_selector=""):
        await self._enter(("list_pods", namespace, field_selector))
        pods = self.pods
        if field_selector:
            key, _, value = field_selector.partition("=")
            assert key == "spec.nodeName"
            pods = [p for p in pods if p.spec.node_name == value]
        return pods

    def _metrics_check(self):
        if self.metrics_error is not None:
            raise self.metrics_error
        if self.metrics is None:
            raise MetricsUnavailable(details="the metrics.k8s.io API is not served")

    async def get_node_metrics(self, name):
        await self._enter(("get_node_metrics", name))
        self._metrics_check()
        try:
            return self.metrics[name]
        except KeyError:
            raise NotFound(
                "NodeMetrics", name, details=f"metrics-server has no sample for node '{name}' yet"
            ) from None

    async def list_node_metrics(self):
        await self._enter(("list_node_metrics",))
        self._metrics_check()
        return list(self.metrics.values())


def run(coro):
    return asyncio.run(coro)


NODES = [_node("n1"), _node("n2")]
PODS = [
    _pod("a", "n1"),
    _pod("b", "n1", cpu="1"),
    _pod("c", "n2"),
    _pod("done", "n1", cpu="2", phase="Succeeded"),
]


# ------------------------------------------------------------------------------------------ one node
def test_one_node_three_reads_together():
    src = FakeSource(NODES, PODS, [_metrics("n1"), _metrics("n2")])
    u = run(svc.utilization(src, "n1", now=NOW))
    assert u.metrics_status == "ok" and u.cpu_usage == "500m" and u.cpu_percentage == 12.5
    assert u.pod_count == 2 and u.allocated.cpu.requests == "1250m"
    assert sorted(src.calls) == [
        ("get_node", "n1"),
        ("get_node_metrics", "n1"),
        ("list_pods", None, "spec.nodeName=n1"),
    ]
    assert src.max_running == 3  # concurrent, not one after the other


def test_one_node_without_sample_is_an_answer():
    src = FakeSource(NODES, PODS, [_metrics("n2")])
    u = run(svc.utilization(src, "n1", now=NOW))
    assert u.metrics_status == "noSample" and u.cpu_usage is None and u.memory_percentage is None
    assert "no sample" in u.message
    assert u.allocated.cpu.requests == "1250m"


def test_one_node_metrics_api_absent_is_503():
    src = FakeSource(NODES, PODS, None)
    with pytest.raises(MetricsUnavailable) as exc:
        run(svc.utilization(src, "n1", now=NOW))
    assert exc.value.status == 503 and exc.value.code == "SERVICE_UNAVAILABLE"
    assert "metrics-server" in exc.value.details


def test_one_node_metrics_forbidden_is_503():
    err = UpstreamForbidden(details='nodes.metrics.k8s.io "n1" is forbidden')
    src = FakeSource(NODES, PODS, [], metrics_error=err)
    with pytest.raises(ServiceUnavailable) as exc:
        run(svc.utilization(src, "n1", now=NOW))
    assert exc.value.status == 503


def test_unknown_node_is_404_even_without_metrics():
    # the metrics read fails first; the node GET still decides
    src = FakeSource(NODES, PODS, None, delays={"get_node": 0.02, "get_node_metrics": 0.0})
    with pytest.raises(NotFound) as exc:
        run(svc.utilization(src, "ghost", now=NOW))
    assert exc.value.kind == "Node" and "ghost" in exc.value.details


def test_unknown_node_is_404_even_when_the_pod_list_fails_first():
    class Broken(FakeSource):
        async def list_pods(self, namespace=None, *, field_selector="", label_selector=""):
            raise ServiceUnavailable(details="boom")

    src = Broken(NODES, PODS, [], delays={"get_node": 0.02})
    with pytest.raises(NotFound):
        run(svc.utilization(src, "ghost", now=NOW))
    with pytest.raises(ServiceUnavailable):
        run(svc.utilization(src, "n1", now=NOW))


# ------------------------------------------------------------------------------------------ all nodes
def test_all_nodes_one_set_of_reads():
    src = FakeSource(NODES, PODS, [_metrics("n1", cpu="2"), _metrics("n2")])
    r = run(svc.all_utilization(src, now=NOW))
    assert sorted(src.calls) == [("list_node_metrics",), ("list_nodes",), ("list_pods", None, "")]
    assert src.max_running == 3
    assert r.metrics_available and [n.node_name for n in r.nodes] == ["n1", "n2"]
    assert r.totals.cpu_usage == "2500m" and r.totals.pod_count == 3


def test_all_nodes_without_metrics_api_is_a_partial_answer():
    src = FakeSource(NODES, PODS, None)
    r = run(svc.all_utilization(src, now=NOW, sort="name"))
    assert not r.metrics_available
    assert "metrics" in r.message.lower()
    assert r.nodes_without_metrics == 2
    assert [n.metrics_status for n in r.nodes] == ["unavailable", "unavailable"]
    assert r.totals.allocated.cpu.requests == "1500m"


def test_all_nodes_metrics_forbidden_is_a_partial_answer():
    src = FakeSource(
        NODES, PODS, [], metrics_error=UpstreamForbidden(details="cannot list nodes.metrics.k8s.io")
    )
    r = run(svc.all_utilization(src, now=NOW))
    assert not r.metrics_available and "cannot list" in r.message


def test_all_nodes_some_without_sample():
    src = FakeSource(NODES, PODS, [_metrics("n2")])
    r = run(svc.all_utilization(src, now=NOW))
    assert r.metrics_available and r.nodes_without_metrics == 1
    assert [(n.node_name, n.metrics_status) for n in r.nodes] == [("n2", "ok"), ("n1", "noSample")]


def test_all_nodes_api_failure_propagates():
    class Broken(FakeSource):
        async def list_nodes(self):
            raise ServiceUnavailable(details="apiserver down")

    with pytest.raises(ServiceUnavailable):
        run(svc.all_utilization(Broken(NODES, PODS, []), now=NOW))
