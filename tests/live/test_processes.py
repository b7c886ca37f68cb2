"""How many processes the agent runs, and what the supervising one carries.

WORKERS=1 is one process (Sanic's single-process mode: no worker manager, no helper processes) with the same
behaviour as a worker: readiness, answers, metrics, JSON logs, graceful SIGTERM. With several workers the
supervising process builds no application: it must not import the app, the API client or aiohttp, which
only the workers use.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from agentproc import PYTHON, ROOT, start_agent
from fakeapi import builtin_fake, free_port


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry.name))
    return kids


@pytest.fixture(scope="module")
def fake():
    with builtin_fake() as f:
        yield f


def test_one_worker_is_one_process_that_serves_and_stops_gracefully(fake, kubeconfig, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    agent = start_agent(tmp_path, kubeconfig, workers=1, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    proc, url = agent.proc, agent.url
    try:
        assert _children(proc.pid) == []  # no manager, no resource tracker, no worker: this process serves
        resp = httpx.get(url + "/api/v1/pods/demo/api-crashloop/describe", timeout=5.0)
        assert resp.status_code == 200
        assert resp.json()["data"]["name"] == "api-crashloop"
        metrics = httpx.get(url + "/metrics", timeout=5.0).text
        served = [line for line in metrics.splitlines() if line.startswith("k8s_agent_http_requests_total{")]
        assert any('status="200"' in line and "describe" in line for line in served), served

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        agent.stop()
    # every line, Sanic's too, whichever stream it went to
    lines = (agent.out.read_text() + agent.err.read_text()).splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    messages = [r["msg"] for r in records]
    assert any("a single process" in m for m in messages), messages[:10]
    assert {r["pid"] for r in records} == {proc.pid}  # every line, Sanic's too, from the one process
    assert not [r for r in records if r["level"] in ("error", "critical")]


SUPERVISOR = """
import json, sys
from sanic import Sanic

def serve(cls, primary=None, app_loader=None, **_):
    mods = set(sys.modules)
    print(json.dumps({
        "primary": primary.name,
        "routes": len(primary.router.routes),
        "loader": getattr(app_loader.factory, "func", app_loader.factory).__module__,
        "heavy": sorted(m for m in ("k8s_agent.app", "k8s_agent.api.handler", "k8s_agent.kube.live",
                                    "k8s_agent.kube.snapshot", "aiohttp", "kubernetes_asyncio") if m in mods),
    }))

Sanic.serve = classmethod(serve)
from k8s_agent.__main__ import main
sys.exit(main(["--workers", "2", "--port", sys.argv[2], "--cluster-source", "snapshot",
               "--snapshot-path", sys.argv[1]]))
"""


def test_the_supervisor_of_several_workers_builds_no_application() -> None:
    from k8s_agent.demo import demo_cluster_path

    out = subprocess.run(
        [str(PYTHON), "-c", SUPERVISOR, str(demo_cluster_path()), str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"primary": "k8s-agent", "routes": 0, "loader": "k8s_agent.serve", "heavy": []}


def test_a_bad_snapshot_stops_start_up_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    out = subprocess.run(
        [str(PYTHON), "-m", "k8s_agent", "--cluster-source", "snapshot", "--snapshot-path", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("k8s-agent: cannot read the snapshot: ")
    assert str(missing) in out.stderr
