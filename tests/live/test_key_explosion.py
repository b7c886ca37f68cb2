"""Memory is bounded by configuration, whatever names clients ask for: 20,000 requests for distinct pods that
do not exist, against the real 2-worker agent over the fake Kubernetes API, leave every process of the agent
(RSS read from /proc) well inside the chart's memory limit for 2 workers.

Before the fix each 404 was cached with its traceback (the request's frames and Sanic ``Request``): the same
load took the agent from 227 to 591 MiB, past the chart's 512 MiB.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from fakeapi import FakeKubeAPI, builtin_cluster, free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)
CHART_VALUES = ROOT / "helm" / "k8s-cluster-agent" / "values.yaml"
NAMES = 20_000


def _chart_limit_mib() -> int:
    limit = yaml.safe_load(CHART_VALUES.read_text())["resources"]["limits"]["memory"]
    assert limit.endswith("Mi"), limit
    return int(limit[:-2])


def _group_rss_mib(pgid: int) -> float:
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return total / 1024


async def _ask(url: str, paths: list[str], concurrency: int = 32) -> list[int]:
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as c:

        async def one(p: str) -> int:
            async with sem:
                try:
                    return (await c.get(p)).status_code
                except httpx.HTTPError:
                    return 0

        return await asyncio.gather(*(one(p) for p in paths))


def test_twenty_thousand_missing_names_stay_inside_the_chart_limit(tmp_path: Path) -> None:
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster())
        kubeconfig = fake.write_kubeconfig(tmp_path / "config")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_"))}
        env.update(CLUSTER_SOURCE="live", KUBECONFIG=str(kubeconfig), WORKERS="2", LOG_LEVEL="warn")
        env.update(REQUEST_DEADLINE="10s")  # memory is the point here, not time: a loaded machine may be slow
        proc = subprocess.Popen(
            [str(PYTHON), "-m", "k8s_agent", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            end = time.monotonic() + 60
            while time.monotonic() < end:
                try:
                    if httpx.get(url + "/readyz", timeout=1.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            asyncio.run(_ask(url, ["/api/v1/pods/demo/api-crashloop/describe"] * 200))
            before = _group_rss_mib(proc.pid)
            codes = asyncio.run(_ask(url, [f"/api/v1/pods/demo/missing-{i}/describe" for i in range(NAMES)]))
            after = _group_rss_mib(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
    print(
        f"{NAMES} missing names: RSS {before:.0f} -> {after:.0f} MiB (chart limit {_chart_limit_mib()} MiB)"
    )
    assert codes.count(404) == NAMES, {c: codes.count(c) for c in set(codes)}
    limit = _chart_limit_mib()
    # inside the limit with headroom, and the growth itself bounded (the caches are bounded in entries and
    # bytes; before the fix the growth alone was 364 MiB)
    assert after < 0.75 * limit, (before, after, limit)
    assert after - before < 128, (before, after)
