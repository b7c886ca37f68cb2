"""Abuse and fault figures of the real agent (``python -m k8s_agent``, 2 workers, live source) against the fake
Kubernetes API (tests/fakeapi). Prints, nothing asserted about time (``make chaos``; ``--short`` is the form
``make test`` runs):

1. RSS (from /proc, the agent's whole process group) before and after N distinct missing pod names, against
   the chart's memory limit for 2 workers; the largest GC pause the workers saw (from their shutdown lines);
2. Kubernetes API calls per second under the same load while the API answers and while it fails (500);
3. requests lost at SIGTERM under keep-alive load;
4. a bystander's p95 on a cached answer, alone and while 8 clients flood /cluster/pod-issues with distinct
   ``limit`` values (on a cluster of many pods).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from agentproc import Agent, ask_many, spawn, wait_ready  # noqa: E402
from builders import api_pod  # noqa: E402
from fakeapi import FakeKubeAPI, builtin_cluster  # noqa: E402

CHART_LIMIT_MIB = 512  # helm values: resources.limits.memory for the default 2 workers
POD = "/api/v1/pods/demo/api-crashloop/describe"
#: 8 clients asking /cluster/pod-issues with distinct limits for argv[2] seconds; prints their statuses
FLOODER = """
import json, sys, threading, time
import httpx
url, seconds = sys.argv[1], float(sys.argv[2])
statuses = {}
def run(k):
    n = 0
    end = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=30) as c:
        while time.monotonic() < end:
            n += 1
            try:
                code = c.get(f"/api/v1/cluster/pod-issues?limit={(k * 997 + n) % 1000 + 1}").status_code
            except httpx.HTTPError:
                code = 0
            statuses[code] = statuses.get(code, 0) + 1
threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps(statuses))
"""


def start(kubeconfig: Path, tmp: Path, **env: str) -> Agent:
    """The agent with 2 workers, quiet logs and a short drain, serving."""
    agent = spawn(tmp, kubeconfig, **{"LOG_LEVEL": "warn", "SHUTDOWN_DRAIN": "1s", **env})
    try:
        wait_ready(agent, timeout=90)
    except BaseException:
        agent.stop()
        raise
    time.sleep(1.0)  # both workers (at warn they do not log that they are ready)
    return agent


def gc_pauses(agent: Agent) -> list[float]:
    """The largest GC pause each worker reported at its shutdown (ms)."""
    out = []
    for line in agent.out.read_text().splitlines():
        if line.startswith("{") and "largest GC pause" in line:
            out.append(float(json.loads(line)["msg"].split()[3]))
    return out


def key_explosion(fake: FakeKubeAPI, tmp: Path, kubeconfig: Path, names: int) -> None:
    agent = start(kubeconfig, tmp, LOG_LEVEL="info")
    try:
        asyncio.run(ask_many(agent.url, [POD] * 200))
        before = agent.rss_mib()
        t0 = time.monotonic()
        codes = asyncio.run(
            ask_many(agent.url, [f"/api/v1/pods/demo/missing-{i}/describe" for i in range(names)])
        )
        took = time.monotonic() - t0
        after = agent.rss_mib()
    finally:
        agent.stop()
    pauses = gc_pauses(agent)
    print(
        f"key explosion: {names} distinct missing pod names in {took:.1f}s ({codes.count(404)} x 404): "
        f"RSS {before:.0f} MiB before, {after:.0f} MiB after (chart limit {CHART_LIMIT_MIB} MiB for 2 workers)"
    )
    print(f"largest GC pause per worker: {', '.join(f'{p:.1f} ms' for p in pauses) or 'not reported'}")


def api_rate(fake: FakeKubeAPI, tmp: Path, kubeconfig: Path, seconds: float) -> None:
    agent = start(kubeconfig, tmp, CACHE_TTL="2s")
    paths = [f"/api/v1/pods/demo/{n}/describe" for n in ("api-crashloop", "web-1", "db-0", "slow-term")] * 8

    def run(label: str) -> float:
        fake.reset_log()
        end = time.monotonic() + seconds
        sent = 0
        while time.monotonic() < end:
            asyncio.run(ask_many(agent.url, paths, 16))
            sent += len(paths)
        calls = len([r for r in fake.requests if r.verb != "version"])
        print(
            f"API calls while {label}: {calls / seconds:.1f}/s ({sent / seconds:.0f} requests/s to the agent)"
        )
        return calls / seconds

    try:
        healthy = run("healthy")
        fake.fail(r"^/api/v1/namespaces/", 500)
        failing = run("failing (500)")
        fake.reset_controls()
    finally:
        agent.stop()
    print(f"API calls failing/healthy: {failing / max(healthy, 0.1):.1f}x")


def sigterm_lost(fake: FakeKubeAPI, tmp: Path, kubeconfig: Path) -> None:
    agent = start(kubeconfig, tmp, CACHE_TTL="200ms")
    lost: list[str] = []
    answered = [0]
    done = threading.Event()

    def client(i: int) -> None:
        with httpx.Client(base_url=agent.url, timeout=30) as c:
            while not done.is_set():
                try:
                    r = c.get(POD)
                except httpx.ConnectError:
                    return
                except httpx.HTTPError as exc:
                    lost.append(repr(exc))
                    return
                answered[0] += 1
                if r.headers.get("connection", "").lower() == "close":
                    return

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(16)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    agent.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(20)
    done.set()
    try:
        code = agent.proc.wait(20)  # one SIGTERM, as Kubernetes sends (a second one means "kill now")
    except subprocess.TimeoutExpired:
        code = agent.stop()
    print(
        f"SIGTERM under keep-alive load (16 connections): {answered[0]} answered, {len(lost)} lost, exit {code}"
    )


def bystander(tmp: Path, pods: int, seconds: float) -> None:
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster())
        fake.add(
            *(
                api_pod(
                    f"w-{i}",
                    f"ns-{i % 40}",
                    node=f"node-{'ab'[i % 2]}",
                    restarts=i % 7,
                    crash_loop=i % 23 == 0,
                )
                for i in range(pods)
            )
        )
        kubeconfig = fake.write_kubeconfig(tmp / "big-config")
        agent = start(kubeconfig, tmp, CACHE_TTL="2s", REQUEST_DEADLINE="500ms")
        try:
            # both workers' indexes synced (cluster-wide answers are 503 until then), then a quiet moment
            end = time.monotonic() + 120
            ok = 0
            while ok < 6 and time.monotonic() < end:
                code = httpx.get(
                    agent.url + "/api/v1/cluster/pod-issues", timeout=30, headers={"Connection": "close"}
                )
                ok = ok + 1 if code.status_code == 200 else 0
                time.sleep(0.2)
            time.sleep(2.0)

            def measure(flood: bool) -> tuple[float, dict[int, int]]:
                # the flooding clients run in a process of their own: in this one their threads would
                # compete with the bystander's client for the interpreter and inflate its latencies
                flooder = None
                if flood:
                    flooder = subprocess.Popen(
                        [sys.executable, "-c", FLOODER, agent.url, str(seconds + 1.0)],
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    time.sleep(0.5)
                lat = []
                with httpx.Client(base_url=agent.url, timeout=30) as c:
                    end = time.monotonic() + seconds
                    while time.monotonic() < end:
                        t0 = time.perf_counter()
                        c.get(POD)
                        lat.append((time.perf_counter() - t0) * 1000)
                        time.sleep(0.02)
                statuses: dict[int, int] = {}
                if flooder is not None:
                    out, _ = flooder.communicate(timeout=60)
                    statuses = {int(k): v for k, v in json.loads(out or "{}").items()}
                return statistics.quantiles(lat, n=20)[-1], statuses

            alone, _ = measure(False)
            flooded, statuses = measure(True)
        finally:
            agent.stop()
    print(
        f"bystander p95 on a cached /describe ({pods} pods): {alone:.1f} ms alone, {flooded:.1f} ms while 8 clients "
        f"flood /cluster/pod-issues with distinct limits (their statuses: {dict(sorted(statuses.items()))})"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--short", action="store_true", help="small figures, for make test")
    args = p.parse_args()
    names, seconds, pods = (300, 1.0, 300) if args.short else (20000, 5.0, 4600)
    with tempfile.TemporaryDirectory(prefix="chaos-") as d, FakeKubeAPI() as fake:
        tmp = Path(d)
        fake.add(*builtin_cluster())
        fake.add(*(api_pod(n, "demo", node="node-b") for n in ("web-1", "db-0", "slow-term")))
        kubeconfig = fake.write_kubeconfig(tmp / "config")
        key_explosion(fake, tmp, kubeconfig, names)
        api_rate(fake, tmp, kubeconfig, seconds)
        sigterm_lost(fake, tmp, kubeconfig)
        bystander(tmp, pods, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
