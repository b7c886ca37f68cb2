"""Memory is bounded by configuration, whatever names clients ask for: 20,000 requests for distinct pods that
do not exist, against the real 2-worker agent over the fake Kubernetes API, leave every process of the agent
(RSS read from /proc) well inside the chart's memory limit for 2 workers.

Before the fix each 404 was cached with its traceback (the request's frames and Sanic ``Request``): the same
load took the agent from 227 to 591 MiB, past the chart's 512 MiB.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from agentproc import ROOT, ask_many, spawn, wait_ready
from fakeapi import builtin_fake

CHART_VALUES = ROOT / "helm" / "k8s-cluster-agent" / "values.yaml"
NAMES = 20_000


def _chart_limit_mib() -> int:
    limit = yaml.safe_load(CHART_VALUES.read_text())["resources"]["limits"]["memory"]
    assert limit.endswith("Mi"), limit
    return int(limit[:-2])


def test_twenty_thousand_missing_names_stay_inside_the_chart_limit(tmp_path: Path) -> None:
    with builtin_fake() as fake:
        kubeconfig = fake.write_kubeconfig(tmp_path / "config")
        # memory is the point here, not time: a loaded machine may be slow (REQUEST_DEADLINE)
        agent = spawn(tmp_path, kubeconfig, LOG_LEVEL="warn", REQUEST_DEADLINE="10s")
        try:
            wait_ready(agent)  # at warn the workers do not log that they are ready: /readyz only
            asyncio.run(ask_many(agent.url, ["/api/v1/pods/demo/api-crashloop/describe"] * 200))
            before = agent.rss_mib()
            codes = asyncio.run(
                ask_many(agent.url, [f"/api/v1/pods/demo/missing-{i}/describe" for i in range(NAMES)])
            )
            after = agent.rss_mib()
        finally:
            agent.stop()
    print(
        f"{NAMES} missing names: RSS {before:.0f} -> {after:.0f} MiB (chart limit {_chart_limit_mib()} MiB)"
    )
    assert codes.count(404) == NAMES, {c: codes.count(c) for c in set(codes)}
    limit = _chart_limit_mib()
    # inside the limit with headroom, and the growth itself bounded (the caches are bounded in entries and
    # bytes; before the fix the growth alone was 364 MiB)
    assert after < 0.75 * limit, (before, after, limit)
    assert after - before < 128, (before, after)
