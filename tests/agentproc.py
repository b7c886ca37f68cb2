"""The agent as a process, the way its container runs it (``python -m k8s_agent``, live source, a
kubeconfig for the fake or the real API): started in its own process group, waited for, its JSON log read,
stopped with SIGTERM and, whatever of its own group lingers, killed. For the live, browser and load tiers and
the scripts that measure a running agent (chaos)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from fakeapi import free_port

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)
#: the agent's SHUTDOWN_TIMEOUT unless a test sets another: how long a stop may take before it is a hang
SHUTDOWN_TIMEOUT = 5.0


def agent_env(kubeconfig: Path | str, **env: str) -> dict[str, str]:
    """This process's environment without a cluster or metrics setting of its own (``KUBERNETES_*``,
    ``PROMETHEUS_*``), set for the live source over ``kubeconfig`` with JSON logs, then ``env``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_"))}
    full.update(
        CLUSTER_SOURCE="live",
        KUBECONFIG=str(kubeconfig),
        LOG_FORMAT="json",
        LOG_LEVEL="info",
        SHUTDOWN_TIMEOUT=f"{SHUTDOWN_TIMEOUT:g}s",
        PYTHONUNBUFFERED="1",
    )
    full.update(env)
    return full


class Agent:
    """A started agent: its process, URL, stdout (JSON log lines) and stderr files."""

    def __init__(self, proc: subprocess.Popen, port: int, out: Path, err: Path) -> None:
        self.proc, self.port, self.out, self.err = proc, port, out, err
        self.url = f"http://127.0.0.1:{port}"

    def records(self) -> list[dict]:
        """The JSON log lines written so far (stdout): every one must be JSON."""
        return [json.loads(line) for line in self.out.read_text().splitlines() if line.strip()]

    def requests(self) -> list[dict]:
        """The access-log records (one per request served) written so far."""
        return [r for r in self.records() if r.get("msg") == "request"]

    def api(self, path: str, **headers: str) -> Any:
        """The ``data`` of ``GET /api/v1<path>``, which must answer 200."""
        resp = httpx.get(self.url + "/api/v1" + path, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]

    def worker_pids(self) -> set[int]:
        return {r["pid"] for r in self.records() if r.get("msg", "").startswith("worker ready to serve")}

    def logs(self) -> str:
        return f"--- stdout\n{self.out.read_text()[-4000:]}\n--- stderr\n{self.err.read_text()[-4000:]}"

    def rss_mib(self) -> float:
        """Sum of VmRSS over the agent's process group (main, workers, helpers), from /proc."""
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.getpgid(int(pid)) != self.proc.pid:
                    continue
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except (OSError, ProcessLookupError):
                continue
        return total / 1024

    def stop(self, grace: float = SHUTDOWN_TIMEOUT + 10) -> int | None:
        """SIGTERM, up to ``grace`` seconds for it to exit, then SIGKILL to whatever is left of this agent's
        own process group (only processes this test started). Returns the exit code of the SIGTERM."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        code = self.proc.poll()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(5)
        return code


def spawn(tmp: Path, kubeconfig: Path | str, workers: int | None = 2, **env: str) -> Agent:
    """Start the agent (``workers`` worker processes; ``None``: ``--single-process``) without waiting."""
    port = free_port()
    mode = ["--single-process"] if workers is None else ["--workers", str(workers)]
    out, err = tmp / f"agent-{port}.out", tmp / f"agent-{port}.err"
    proc = subprocess.Popen(
        [str(PYTHON), "-m", "k8s_agent", *mode, "--host", "127.0.0.1", "--port", str(port)],
        env=agent_env(kubeconfig, **env),
        cwd=ROOT,
        stdout=out.open("w"),
        stderr=err.open("w"),
        start_new_session=True,  # its own process group: the stop reaches the workers too
    )
    return Agent(proc, port, out, err)


def wait_ready(
    agent: Agent, workers: int = 0, timeout: float = 60.0, also: Callable[[], bool] | None = None
) -> None:
    """/readyz answers 200, ``workers`` workers have said they are ready (a SIGTERM sent while a worker is
    still starting is a different test), and ``also`` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if agent.proc.poll() is not None:
            raise AssertionError(f"agent exited with {agent.proc.returncode}\n{agent.logs()}")
        try:
            ok = httpx.get(agent.url + "/readyz", timeout=1.0).status_code == 200 and (also is None or also())
        except httpx.HTTPError:
            ok = False
        if ok and len(agent.worker_pids()) >= workers:
            return
        time.sleep(0.1)
    raise AssertionError(f"agent not ready within {timeout}s\n{agent.logs()}")


def start_agent(
    tmp: Path,
    kubeconfig: Path | str,
    workers: int | None = 2,
    also: Callable[[Agent], bool] | None = None,
    **env: str,
) -> Agent:
    """Start the agent and wait until it serves with every worker (see ``wait_ready``)."""
    agent = spawn(tmp, kubeconfig, workers, **env)
    try:
        wait_ready(agent, workers or 0, also=None if also is None else lambda: also(agent))
    except BaseException:
        agent.stop()
        raise
    return agent


def kill(agent: Agent) -> None:
    """Stop the agent (see ``Agent.stop``)."""
    agent.stop()


async def ask_many(url: str, paths: list[str], concurrency: int = 32) -> list[int]:
    """GET every path, ``concurrency`` at a time: the statuses (0 for no response)."""
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as c:

        async def one(p: str) -> int:
            async with sem:
                try:
                    return (await c.get(p)).status_code
                except httpx.HTTPError:
                    return 0

        return await asyncio.gather(*(one(p) for p in paths))
