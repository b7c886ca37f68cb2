#!/usr/bin/env python
"""Scale benchmark of the cluster index: the agent (one worker) against a stand-in API server
(``scripts/standin_api.py``) serving realistic pods (3-4 KB of JSON each, managedFields included, ~30 per
node) that change ``--changes`` times a second.

For each size it prints: the time to the first sync (from the first cluster-wide request to its first 200),
p50/p99 and statuses of ``/cluster/pod-issues`` and ``/nodes/utilization`` under one poller (once a second)
and under 50 concurrent pollers (each once a second), LIST pages per second of the indexed collections while
polling (metrics.k8s.io is listed apart: it cannot be watched), API MB/s, the delay before a pod turned
CrashLoopBackOff shows in ``/cluster/pod-issues``, the worker's RSS and the bytes of RSS per indexed pod.
Targets are printed next to the figures; nothing is asserted.

    .venv/bin/python scripts/bench_index.py [--sizes 10000,60000,150000] [--seconds 15] [--changes 20]
        [--profile]    # py-spy (pip install py-spy) samples the worker in each polling phase: out/profile-*.txt
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ISSUES = "/api/v1/cluster/pod-issues"
NODES = "/api/v1/nodes/utilization"
INDEXED = (
    "pods",
    "nodes",
    "replicasets",
    "events",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
)
IDLE = 15  # INDEX_IDLE_TIMEOUT of the benchmarked agent: at the end, the idle stop's release is measured


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Run:
    def __init__(self, pods: int, changes: float) -> None:
        self.pods = pods
        self.changes = changes
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
        self.api_port = free_port()
        self.port = free_port()
        self.procs: list[subprocess.Popen] = []

    def start(self) -> dict:
        api = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "standin_api.py"),
                "--pods",
                str(self.pods),
                "--port",
                str(self.api_port),
                "--changes",
                str(self.changes),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.procs.append(api)
        info = json.loads(api.stdout.readline())  # type: ignore[union-attr]
        kubeconfig = self.tmp / "config"
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "s", "cluster": {"server": f"http://127.0.0.1:{self.api_port}"}}],
                    "users": [{"name": "u", "user": {"token": "bench"}}],
                    "contexts": [{"name": "s", "context": {"cluster": "s", "user": "u"}}],
                    "current-context": "s",
                }
            )
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_")},
            "CLUSTER_SOURCE": "live",
            "KUBECONFIG": str(kubeconfig),
            "WORKERS": "1",
            "PORT": str(self.port),
            "LOG_LEVEL": "warn",
            "INDEX_IDLE_TIMEOUT": f"{IDLE}s",
        }
        agent = subprocess.Popen(
            [sys.executable, "-m", "k8s_agent"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.procs.append(agent)
        self.agent = agent
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return info

    def stats(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.api_port}/_standin/stats", timeout=10).json()

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


async def poll(client: httpx.AsyncClient, path: str, out: list, statuses: dict) -> None:
    """One poll, read to its last byte as sent (gzip, as a browser asks for it; not decompressed here: a
    browser decompresses on its own CPU, and this one process stands for 50 of them)."""
    t = time.perf_counter()
    async with client.stream("GET", path) as r:
        async for _ in r.aiter_raw():
            pass
    out.append((time.perf_counter() - t) * 1000)
    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1


async def pollers(base: str, n: int, seconds: float) -> tuple[dict, dict]:
    lat: dict[str, list[float]] = {ISSUES: [], NODES: []}
    statuses: dict[str, dict] = {ISSUES: {}, NODES: {}}
    limits = httpx.Limits(max_connections=n * 2, max_keepalive_connections=n * 2)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(k: int) -> None:
            await asyncio.sleep(k / n)  # spread over the second, as independent dashboards are
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                start = time.monotonic()
                await poll(client, ISSUES, lat[ISSUES], statuses[ISSUES])
                await poll(client, NODES, lat[NODES], statuses[NODES])
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - start)))

        await asyncio.gather(*(one(k) for k in range(n)))
    return lat, statuses


def crash_delay(run: Run, base: str, ns: str, name: str) -> float:
    """Seconds from a pod's turn to CrashLoopBackOff until a dashboard that already polls its namespace's
    CrashLoopBackOff view sees it (the view is asked for first, so its answer is being kept current: a first
    request would compute it afresh and see the change at once)."""
    query = {"namespace": ns, "issueType": "CrashLoopBackOff", "limit": 1000}
    with httpx.Client(base_url=base, timeout=30) as c:
        while c.get(ISSUES, params=query).status_code != 200:
            time.sleep(0.1)
        time.sleep(0.5)
    httpx.post(f"http://127.0.0.1:{run.api_port}/_standin/crash", params={"ns": ns, "name": name}, timeout=10)
    t = time.monotonic()
    with httpx.Client(base_url=base, timeout=30) as c:
        while time.monotonic() - t < 30:
            r = c.get(ISSUES, params=query)
            if r.status_code == 200 and name in [p["name"] for p in r.json()["data"]["problematicPods"]]:
                return time.monotonic() - t
            time.sleep(0.02)
    return float("inf")


def profiler(pid: int, name: str, seconds: float) -> subprocess.Popen | None:
    """py-spy sampling the worker for ``seconds`` (collapsed stacks in out/profile-NAME.txt), if installed."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        print("  (--profile: py-spy is not installed in this environment)")
        return None
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(seconds)),
            "-r",
            "50",
            "--format",
            "raw",
            "-o",
            str(out / f"profile-{name}.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bench(pods: int, seconds: float, changes: float, profile: bool = False) -> dict:
    run = Run(pods, changes)
    try:
        info = run.start()
        base = f"http://127.0.0.1:{run.port}"
        rss_before = rss_bytes(run.agent.pid)
        t = time.monotonic()
        progress = ""
        with httpx.Client(base_url=base, timeout=60) as c:
            while True:
                r = c.get(ISSUES)
                if r.status_code == 200:
                    break
                if r.status_code == 503 and not progress and "so far" in r.text:
                    progress = r.json()["error"]["details"]
                time.sleep(0.25)
            sync_s = time.monotonic() - t
            c.get(NODES)
        rss_after = rss_bytes(run.agent.pid)
        out = {
            "pods": pods,
            "nodes": info["nodes"],
            "pod_json_bytes": info["pod_json_bytes"],
            "sync_s": sync_s,
            "progress_sample": progress[-90:],
            "rss_mib": rss_after / 2**20,
            "bytes_per_pod": (rss_after - rss_before) / pods,
        }
        for label, n in (("1 poller", 1), ("50 pollers", 50)):
            s0, t0 = run.stats(), time.monotonic()
            spy = profiler(run.agent.pid, f"{pods}-{n}", seconds) if profile else None
            load = os.getloadavg()[0]
            lat, statuses = asyncio.run(pollers(base, n, seconds))
            if spy is not None:
                spy.wait()
            s1, dt = run.stats(), time.monotonic() - t0
            pages = sum(s1.get(f"list {k}", 0) - s0.get(f"list {k}", 0) for k in INDEXED)
            metrics_pages = s1.get("list nodemetrics", 0) - s0.get("list nodemetrics", 0)
            out[label] = {
                "issues_p50": pct(lat[ISSUES], 50),
                "issues_p99": pct(lat[ISSUES], 99),
                "nodes_p50": pct(lat[NODES], 50),
                "nodes_p99": pct(lat[NODES], 99),
                "statuses": {k.rsplit("/", 1)[-1]: v for k, v in statuses.items()},
                "list_pages_per_s": pages / dt,
                "metrics_lists_per_s": metrics_pages / dt,
                "api_mb_per_s": (s1.get("bytes", 0) - s0.get("bytes", 0)) / dt / 1e6,
                "changes_per_s": (s1.get("changes", 0) - s0.get("changes", 0)) / dt,
                "load": (load + os.getloadavg()[0]) / 2,
            }
        # five pods turned CrashLoopBackOff, one after another
        delays = []
        for i in (3 % pods, 1003 % pods, 2013 % pods, 3023 % pods, 4033 % pods):  # five namespaces
            d = (i // 10) % max(1, pods // 10)
            ns = f"team-{d % 200:03d}"
            with httpx.Client(base_url=base, timeout=30) as c:
                names = [
                    p["name"]
                    for p in c.get(
                        ISSUES, params={"namespace": ns, "includeAll": "true", "limit": 1000}
                    ).json()["data"]["problematicPods"]
                ]
            healthy = _healthy_pod(run, ns, set(names))
            if healthy:
                delays.append(crash_delay(run, base, ns, healthy))
        out["crash_visible_s"] = delays
        out["rss_end_mib"] = rss_bytes(run.agent.pid) / 2**20
        # no cluster-wide request for longer than the idle timeout: the index stops and gives memory back
        time.sleep(IDLE + 12)
        released = rss_bytes(run.agent.pid)
        out["rss_idle_mib"] = released / 2**20
        out["released_per_pod"] = (out["rss_end_mib"] * 2**20 - released) / pods
        return out
    finally:
        run.stop()


def _healthy_pod(run: Run, ns: str, troubled: set[str]) -> str:
    """A pod of ``ns`` without issues (read from the stand-in's pod list, first 5,000)."""
    r = httpx.get(f"http://127.0.0.1:{run.api_port}/api/v1/pods", params={"limit": 5000}, timeout=30).json()
    for p in r["items"]:
        md = p["metadata"]
        if (
            md["namespace"] == ns
            and md["name"] not in troubled
            and p["status"]["containerStatuses"][0]["ready"]
        ):
            return md["name"]
    return ""


def report(r: dict) -> None:
    print(f"\n=== {r['pods']:,} pods ({r['nodes']:,} nodes, {r['pod_json_bytes']:,} B of JSON per pod) ===")
    print(f"  first sync: {r['sync_s']:.1f} s  (a 503 said: ...{r['progress_sample']})")
    for label in ("1 poller", "50 pollers"):
        x = r[label]
        print(
            f"  {label:10}: pod-issues p50 {x['issues_p50']:.1f} ms p99 {x['issues_p99']:.1f} ms | "
            f"nodes/utilization p50 {x['nodes_p50']:.1f} ms p99 {x['nodes_p99']:.1f} ms | statuses {x['statuses']}"
        )
        print(
            f"              LIST pages/s (indexed collections) {x['list_pages_per_s']:.3f} "
            f"(target <= 0.1); metrics.k8s.io LIST pages/s {x['metrics_lists_per_s']:.2f}; API {x['api_mb_per_s']:.2f} MB/s; "
            f"{x['changes_per_s']:.0f} pod changes/s; load average {x['load']:.1f}"
        )
    d = r["crash_visible_s"]
    print(f"  CrashLoopBackOff visible after: {', '.join(f'{x:.2f} s' for x in d)} (target <= 2 s)")
    print(
        f"  RSS per worker {r['rss_mib']:.0f} MiB after the sync ({r['rss_end_mib']:.0f} MiB at the end, "
        f"{r['rss_idle_mib']:.0f} MiB after the idle stop)"
    )
    print(
        f"  bytes per indexed pod: {r['released_per_pod']:,.0f} B released by the idle stop; "
        f"{r['bytes_per_pod']:,.0f} B of RSS growth from start-up to synced (target <= 2,048)"
    )
    ok = all(set(r[k]["statuses"][p]) == {200} for k in ("1 poller", "50 pollers") for p in r[k]["statuses"])
    p50 = max(r[k][m] for k in ("1 poller", "50 pollers") for m in ("issues_p50", "nodes_p50"))
    print(
        f"  targets: every poll 200 after the sync: {'yes' if ok else 'NO'}; worst p50 {p50:.1f} ms (<= 50)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=os.environ.get("INDEX_SIZES", "10000,60000,150000"))
    ap.add_argument("--seconds", type=float, default=15.0, help="polling time per phase")
    ap.add_argument("--changes", type=float, default=20.0, help="pod changes per second")
    ap.add_argument("--profile", action="store_true", help="py-spy samples of the worker per polling phase")
    args = ap.parse_args()
    print("cluster index scale benchmark (one worker; stand-in API on loopback; nothing asserted)")
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        results.append(bench(size, args.seconds, args.changes, args.profile))
        report(results[-1])
    marginal(results)


def marginal(results: list[dict]) -> None:
    """The RSS each further pod costs, between two sizes: the growth per pod of one size also carries what
    a synced worker holds whatever the cluster's size (answers, caches, allocator arenas), which weighs
    most on the smallest size."""
    pairs = sorted(results, key=lambda r: r["pods"])
    for a, b in zip(pairs, pairs[1:], strict=False):
        slope = (b["rss_mib"] - a["rss_mib"]) * 2**20 / (b["pods"] - a["pods"])
        print(
            f"RSS per further indexed pod from {a['pods']:,} to {b['pods']:,} pods: {slope:,.0f} B "
            "(target <= 2,048)"
        )


if __name__ == "__main__":
    main()
