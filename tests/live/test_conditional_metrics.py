"""/metrics counts the polls answered 304 and the responses sent compressed (the real agent process,
prometheus_client multiprocess mode), per route."""

from __future__ import annotations

import time

import httpx
import pytest

from agentproc import start_agent
from fakeapi import FakeKubeAPI, builtin_cluster

DESCRIBE = "/api/v1/pods/demo/api-crashloop/describe"  # over 1 KB: compressible
RESOURCES = "/api/v1/pods/demo/api-crashloop/resources"  # under 1 KB: never compressed


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("conditional-metrics")
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster())
        kubeconfig = fake.write_kubeconfig(tmp / "config")
        (tmp / "prom").mkdir()
        a = start_agent(
            tmp, kubeconfig, workers=1, PROMETHEUS_MULTIPROC_DIR=str(tmp / "prom"), CACHE_TTL="60s"
        )
        try:
            yield a
        finally:
            a.stop()


def _value(text: str, sample: str) -> float:
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_304s_and_compressed_responses_are_counted(agent):
    with httpx.Client(base_url=agent.url, timeout=10) as c:
        plain = c.get(DESCRIBE, headers={"Accept-Encoding": "identity"})
        etag = plain.headers["etag"]
        for _ in range(4):
            assert c.get(DESCRIBE, headers={"If-None-Match": etag}).status_code == 304
        for _ in range(3):
            r = c.get(DESCRIBE, headers={"Accept-Encoding": "gzip"})
            assert r.headers["content-encoding"] == "gzip"
        small = c.get(RESOURCES, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in small.headers
        assert c.get(RESOURCES, headers={"If-None-Match": small.headers["etag"]}).status_code == 304
    end = time.monotonic() + 10
    while True:  # the worker publishes every second; the scraped worker at once
        text = httpx.get(agent.url + "/metrics").text
        if _value(text, 'k8s_agent_http_not_modified_total{route="pod_resources"}') or time.monotonic() > end:
            break
        time.sleep(0.2)
    assert _value(text, 'k8s_agent_http_not_modified_total{route="pod_describe"}') == 4
    assert _value(text, 'k8s_agent_http_not_modified_total{route="pod_resources"}') == 1
    assert (
        _value(text, 'k8s_agent_http_compressed_responses_total{encoding="gzip",route="pod_describe"}') == 3
    )
    assert (
        _value(text, 'k8s_agent_http_compressed_responses_total{encoding="gzip",route="pod_resources"}') == 0
    )
    assert _value(text, 'k8s_agent_http_requests_total{method="GET",route="pod_describe",status="304"}') == 4
    assert _value(text, 'k8s_agent_http_requests_total{method="GET",route="pod_describe",status="200"}') == 4
