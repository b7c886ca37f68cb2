"""/metrics of the cluster index in the real 2-worker agent: objects held, synced and last sync time per worker
(pid label), watch events applied and LIST pages summed over the workers."""

from __future__ import annotations

import time

import httpx
import pytest
from test_metrics_multiproc import _samples

from agentproc import start_agent
from builders import api_pod
from fakeapi import FakeKubeAPI, builtin_cluster


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("index-metrics")
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster())
        kubeconfig = fake.write_kubeconfig(tmp / "config")
        (tmp / "prom").mkdir()
        agent = start_agent(tmp, kubeconfig, PROMETHEUS_MULTIPROC_DIR=str(tmp / "prom"), CACHE_TTL="5s")
        try:
            yield agent, fake, tmp
        finally:
            agent.stop()


def test_index_metrics_per_worker(setup):
    """The cluster index of each worker: objects held, synced, last sync time, watch events applied."""
    agent, fake, _ = setup
    pods = len(fake.objects("pods"))
    with httpx.Client(base_url=agent.url, limits=httpx.Limits(max_keepalive_connections=0)) as c:
        deadline = time.monotonic() + 20
        synced: dict[str, float] = {}
        while time.monotonic() < deadline:  # requests reach both workers (fresh connections) until synced
            for _ in range(4):
                c.get("/api/v1/cluster/pod-issues")
            time.sleep(0.3)
            text = c.get("/metrics").text
            synced = _samples(text, "k8s_agent_index_synced")
            if len(synced) == 2 and all(v == 1 for v in synced.values()):
                break
        assert len(synced) == 2 and set(synced.values()) == {1.0}, synced  # one series per worker (pid)
        fake.add(api_pod("index-metrics", "demo", node="node-a"))
        time.sleep(2.5)  # one watch event applied and published (every second) by both workers
        text = c.get("/metrics").text
    objects = {k: v for k, v in _samples(text, "k8s_agent_index_objects").items() if 'resource="pods"' in k}
    assert sorted(objects.values()) == [pods + 1, pods + 1]
    assert all(v > 1e9 for v in _samples(text, "k8s_agent_index_last_sync_timestamp_seconds").values())
    events = _samples(text, "k8s_agent_index_watch_events_total")
    assert events['k8s_agent_index_watch_events_total{resource="pods",type="ADDED"}'] == 2.0
    assert _samples(text, "k8s_agent_index_list_pages_total")
