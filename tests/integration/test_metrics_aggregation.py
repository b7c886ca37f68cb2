"""Node utilization through the REAL aggregation layer: kube-apiserver proxies ``metrics.k8s.io`` to a
metrics server owned by the test (``metrics_server.py``), registered with an APIService + caBundle.

Proves: the agent's reads of NodeMetrics go through the API server (with the agent's own ServiceAccount
identity, authorised by the chart's ClusterRole, forwarded by the aggregator's front-proxy client cert);
usage in nanocores/Ki becomes millicores/bytes and percentages; a node without a sample is a 200
``noSample``. What a metrics backend that is down, or a removed APIService, looks like is
test_metrics_outage.py (those tests break the metrics server, so they have one of their own).
"""

from __future__ import annotations

import pytest
from cluster_builder import EDGE_NODE, GPU_NODE, TINY_NODE, WORKER_A, WORKER_B, AgentProcess
from controlplane import ApiError, requires_control_plane
from metrics_server import PREFIX, serving

pytestmark = requires_control_plane

API = "/api/v1"
SAMPLES = {
    WORKER_A: {"cpu": "1234567890n", "memory": "4194304Ki"},  # 1235m, 4Gi
    WORKER_B: {"cpu": "500000000n", "memory": "2097152Ki"},  # 500m, 2Gi
    GPU_NODE: {"cpu": "12000000000n", "memory": "33554432Ki"},  # 12 cores, 32Gi
    TINY_NODE: {"cpu": "151318487n", "memory": "1048576Ki", "window": "10s"},  # 152m (rounded up), 1Gi
}


@pytest.fixture(scope="module")
def metrics(control_plane, cluster, tmp_path_factory):
    with serving(control_plane, tmp_path_factory.mktemp("metrics-server"), SAMPLES) as srv:
        yield srv


@pytest.fixture(scope="module")
def agent(control_plane, cluster, agent_identity, metrics):
    with agent_identity.agent("metrics") as proc:
        yield proc


def _data(agent: AgentProcess, path: str) -> dict:
    r = agent.get(path)
    assert r.status == 200, f"GET {path} -> {r.status}: {r.body}\n{agent.log_tail(20)}"
    return r.body["data"]


def test_the_api_server_serves_metrics_k8s_io_from_the_test_server(control_plane, metrics, agent_identity):
    cp = control_plane
    apisvc = cp.api("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io")
    assert {c["type"]: c["status"] for c in apisvc["status"]["conditions"]}["Available"] == "True"
    disc = cp.api("GET", PREFIX)
    assert {r["name"] for r in disc["resources"]} == {"nodes", "pods"}
    # with the chart's ServiceAccount: RBAC at the API server, then proxied
    items = cp.api("GET", f"{PREFIX}/nodes", token=agent_identity.token)["items"]
    assert {i["metadata"]["name"] for i in items} == set(SAMPLES)
    one = cp.api("GET", f"{PREFIX}/nodes/{WORKER_A}", token=agent_identity.token)
    assert one["usage"] == {"cpu": "1234567890n", "memory": "4194304Ki"}
    with pytest.raises(ApiError) as ei:
        cp.api("GET", f"{PREFIX}/nodes/{EDGE_NODE}", token=agent_identity.token)
    assert (
        ei.value.status == 404
        and ei.value.body["message"] == f'nodemetrics.metrics.k8s.io "{EDGE_NODE}" not found'
    )
    # an identity without the ClusterRole is refused by the API server, before the proxy
    other = cp.service_account_token("default", "e2e-no-metrics")
    before = len(metrics.requests)
    with pytest.raises(ApiError) as ei:
        cp.api("GET", f"{PREFIX}/nodes", token=other)
    assert ei.value.status == 403
    # nothing reached the metrics server for that caller or that path (the aggregator's own availability and
    # OpenAPI probes, as system:kube-aggregator / system:aggregator, may land in between at any time)
    proxied = [
        r
        for r in metrics.requests[before:]
        if "e2e-no-metrics" in r.remote_user or r.path.startswith(f"{PREFIX}/nodes")
    ]
    assert proxied == []
    # the aggregator authenticated itself with its front-proxy client cert and named the caller
    seen = [r for r in metrics.seen(f"/nodes/{WORKER_A}") if "e2e-no-metrics" not in r.remote_user]
    assert seen[-1].client_cn == "front-proxy-client"
    assert (
        seen[-1].remote_user
        == f"system:serviceaccount:{agent_identity.namespace}:{agent_identity.service_account}"
    )


def test_node_utilization_through_the_aggregation_layer(agent, metrics, agent_identity):
    before = len(metrics.seen(f"/nodes/{WORKER_A}"))
    d = _data(agent, f"{API}/nodes/{WORKER_A}/utilization")
    assert d["nodeName"] == WORKER_A and d["metricsStatus"] == "ok"
    assert d["cpuUsage"] == "1235m" and d["cpuUsageMillicores"] == 1235  # 1234567890n rounded up
    assert d["cpuCapacityMillicores"] == 4000 and d["cpuAllocatableMillicores"] == 3920
    assert d["cpuPercentage"] == 30.9  # of capacity
    assert d["cpuAllocatablePercentage"] == 31.5  # of allocatable
    assert d["memoryUsageBytes"] == 4 * 1024**3 and d["memoryUsage"] == "4Gi"  # canonical form
    assert d["memoryPercentage"] == 25.0 and d["memoryAllocatablePercentage"] == 26.7
    assert d["window"] == "20.029s" and d["timestamp"]
    assert d["podCount"] == 3 and d["allocated"]["cpu"]["requests"] == "850m"
    assert d["conditions"]["ready"] is True
    # the read went through the API server's aggregation layer, as the agent's ServiceAccount
    seen = metrics.seen(f"/nodes/{WORKER_A}")
    assert len(seen) > before
    assert (
        seen[-1].remote_user
        == f"system:serviceaccount:{agent_identity.namespace}:{agent_identity.service_account}"
    )
    assert "system:serviceaccounts" in seen[-1].remote_groups
    assert seen[-1].client_cn == "front-proxy-client"

    tiny = _data(agent, f"{API}/nodes/{TINY_NODE}/utilization")
    assert tiny["cpuUsage"] == "152m" and tiny["window"] == "10s"
    assert tiny["memoryUsageBytes"] == 1024**3
    assert tiny["podCount"] == 2 and tiny["podPercentage"] == 100.0


def test_a_node_without_a_sample_is_a_clear_200(agent, metrics):
    d = _data(agent, f"{API}/nodes/{EDGE_NODE}/utilization")
    assert d["metricsStatus"] == "noSample"
    assert d["cpuUsage"] is None and d["memoryUsage"] is None and d["cpuPercentage"] is None
    assert d["timestamp"] is None and d["window"] is None
    assert "no sample" in d["message"] and EDGE_NODE in d["message"]
    # the capacity side is still there
    assert d["cpuCapacity"] == "2" and d["podCount"] == 1
    assert metrics.seen(f"/nodes/{EDGE_NODE}"), "asked metrics-server through the aggregator"


def test_all_nodes_utilization_with_metrics(agent, metrics):
    d = _data(agent, f"{API}/nodes/utilization")
    assert d["metricsAvailable"] is True and d["sort"] == "cpu"
    nodes = {n["nodeName"]: n for n in d["nodes"]}
    assert {n for n, v in nodes.items() if v["metricsStatus"] == "ok"} == set(SAMPLES)
    assert nodes[EDGE_NODE]["metricsStatus"] == "noSample"
    assert d["totals"]["nodesWithMetrics"] == len(SAMPLES)
    assert d["nodesWithoutMetrics"] == d["nodeCount"] - len(SAMPLES)
    # busiest first by cpu usage against allocatable: gpu 75.5%, worker-a 31.5%, worker-b 12.8%, tiny 7.9%
    order = [n["nodeName"] for n in d["nodes"] if n["metricsStatus"] == "ok"]
    assert order == [GPU_NODE, WORKER_A, WORKER_B, TINY_NODE]
    assert [n["metricsStatus"] for n in d["nodes"]].index("noSample") == len(SAMPLES), "no-sample nodes last"
    # summed in nanocores, then rounded up once: 13885886377n
    assert d["totals"]["cpuUsageMillicores"] == 13886
    assert d["timestamp"]
    by_mem = _data(agent, f"{API}/nodes/utilization?sort=memory")
    assert [n["nodeName"] for n in by_mem["nodes"]][:1] == [GPU_NODE]
