"""Node utilization when metrics.k8s.io breaks, through the REAL aggregation layer: a metrics backend that is
down, and a removed APIService, are the 503 path (or, for the all-nodes view, a 200 with
``metricsAvailable: false``), never a 500.

These tests break the metrics server on purpose, so this module has its own server, APIService and agent
(test_metrics_aggregation.py keeps a healthy one), and each test holds whatever order it runs in: a backend
that is down and an APIService that is gone both read as "no metrics-server".
"""

from __future__ import annotations

import pytest
from cluster_builder import WORKER_A
from controlplane import requires_control_plane, wait_for
from metrics_server import serving
from test_metrics_aggregation import API, SAMPLES, _data

pytestmark = requires_control_plane


@pytest.fixture(scope="module")
def metrics(control_plane, cluster, tmp_path_factory):
    with serving(control_plane, tmp_path_factory.mktemp("metrics-server-outage"), SAMPLES) as srv:
        yield srv


@pytest.fixture(scope="module")
def agent(control_plane, cluster, agent_identity, metrics):
    with agent_identity.agent("metrics-outage") as proc:
        yield proc


def test_a_metrics_backend_that_is_down_is_the_503_path(control_plane, agent, metrics):
    metrics.stop()

    def status():
        r = agent.get(f"{API}/nodes/{WORKER_A}/utilization")
        return r if r.status != 200 else None

    r = wait_for(status, 20, 0.5, "the agent to see metrics-server down")
    assert r.status == 503, r.body
    err = r.body["error"]
    assert err["code"] == "SERVICE_UNAVAILABLE" and "metrics-server" in err["details"], err
    # the all-nodes view (its metrics LIST may still be cached for CACHE_TTL) keeps the committed view
    d = wait_for(
        lambda: (v := _data(agent, f"{API}/nodes/utilization")) and not v["metricsAvailable"] and v,
        15,
        0.5,
        "the all-nodes view without metrics",
    )
    assert "metrics-server" in d["message"]
    assert all(n["metricsStatus"] == "unavailable" for n in d["nodes"])
    assert all(n["cpuCapacityMillicores"] > 0 for n in d["nodes"])


@pytest.fixture
def apiservice_removed(control_plane, metrics):
    metrics.unregister(control_plane)
    return metrics


def test_without_the_apiservice_the_all_nodes_view_is_the_committed_view(agent, apiservice_removed):
    def not_served():
        d = _data(agent, f"{API}/nodes/utilization")
        return d if not d["metricsAvailable"] and "not served" in d["message"] else None

    d = wait_for(not_served, 15, 0.5, "the all-nodes view to say metrics.k8s.io is not served")
    assert "metrics-server" in d["message"]
    nodes = {n["nodeName"]: n for n in d["nodes"]}
    assert (
        nodes[WORKER_A]["metricsStatus"] == "unavailable"
        and nodes[WORKER_A]["allocated"]["cpu"]["requests"] == "850m"
    )


def test_without_the_apiservice_one_node_is_503_naming_metrics_server(agent, apiservice_removed):
    def settled():
        r = agent.get(f"{API}/nodes/{WORKER_A}/utilization")
        return r if r.status != 200 or r.body["data"]["metricsStatus"] != "ok" else None

    r = wait_for(settled, 15, 0.5, "the agent to see metrics.k8s.io gone")
    assert r.status == 503, r.body
    assert r.body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "metrics-server" in r.body["error"]["details"]
    # an unknown node is still a 404, whatever the metrics API says
    r = agent.get(f"{API}/nodes/e2e-no-such-node/utilization")
    assert r.status == 404
