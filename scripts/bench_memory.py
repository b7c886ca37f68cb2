#!/usr/bin/env python
"""Memory benchmark: RSS and PSS of every process of the agent, loopback only, nothing asserted.

    .venv/bin/python scripts/bench_memory.py [--mix-seconds 60] [--cluster-pods 10000] [--only live-1 ...]

For each setup (one process on the live source, two workers on the live source, the demo snapshot with one
and with two workers) it starts the agent, and prints the memory of each of its processes (RSS, and PSS,
which divides shared pages among the processes sharing them, so PSS adds up across processes):
  * ready: right after start-up;
  * mix: after the dashboard mix of scripts/locust (locust, headless, 20 users) for --mix-seconds;
  * cluster view (live setups): a second agent over a fake API holding --cluster-pods more pods, after
    /cluster/pod-issues and /nodes/utilization have been answered over all of them.
The live source is the fake Kubernetes API of the tests (loaded with the demo cluster), so the figures
include the API client and its connection pool. Targets (issue 17): one process on the live source at most
70 MB RSS under the mix; two workers on the live source at most 180 MB PSS for all processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script beside its sibling bench.py

from bench import PY, ROOT, Proc, free_port, process_tree, wait_http  # noqa: E402
from benchlib import start_fake_demo  # noqa: E402

LOCUSTFILE = ROOT / "scripts" / "locust" / "locustfile.py"
LOCUST = ROOT / ".venv" / "bin" / "locust"
TARGETS = {"live-1": ("live", 1), "live-2": ("live", 2), "demo-1": ("demo", 1), "demo-2": ("demo", 2)}


def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MiB, from /proc/<pid>/smaps_rollup."""
    rss = pss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


def role(pid: int, root: int) -> str:
    if pid == root:
        return "main"
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    if "resource_tracker" in cmd:
        return "resource tracker"
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    if b"SANIC_WORKER_NAME=Sanic-Server" in environ:
        return "worker"
    return "sync manager" if "multiprocessing" in cmd else "other"


def snapshot(root: int) -> list[tuple[str, int, float, float]]:
    rows = []
    for pid in process_tree(root):
        try:
            rows.append((role(pid, root), pid, *memory(pid)))
        except OSError:
            continue
    return rows


def report(setup: str, stage: str, rows: list[tuple[str, int, float, float]], summary: list) -> None:
    total_rss = sum(r[2] for r in rows)
    total_pss = sum(r[3] for r in rows)
    parts = ", ".join(f"{name} {rss:.0f}/{pss:.0f}" for name, _pid, rss, pss in rows)
    print(
        f"  {setup:7s} {stage:13s} {len(rows)} processes, RSS {total_rss:6.1f} MiB, PSS {total_pss:6.1f} MiB"
        f"  [RSS/PSS each: {parts}]"
    )
    summary.append((setup, stage, len(rows), total_rss, total_pss, rows))


def start_fake(tmp: Path, pods: int) -> tuple[subprocess.Popen, Path]:
    kubeconfig = tmp / f"kubeconfig-{pods}"
    fake, _ = start_fake_demo(kubeconfig, *(["--pods", str(pods)] if pods else []))
    return fake, kubeconfig


def start_agent(kind: str, workers: int, kubeconfig: Path | None, tmp: Path) -> tuple[Proc, str]:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_", "KUBECONFIG"))
    }
    env.update(WORKERS=str(workers), LOG_FORMAT="json", LOG_LEVEL="warn", HOME=str(tmp), PORT=str(port))
    if kind == "live":
        env.update(CLUSTER_SOURCE="live", KUBECONFIG=str(kubeconfig))
    else:
        env.update(CLUSTER_SOURCE="auto")  # no kubeconfig, not in a pod: the bundled demo
    proc = Proc([PY, "-m", "k8s_agent", "--host", "127.0.0.1"], env=env)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/readyz")
    time.sleep(2.0)  # every worker up, start-up garbage settled
    return proc, url


def mix(url: str, seconds: float, tmp: Path) -> str:
    if not LOCUST.exists():
        return "locust not installed"
    out = subprocess.run(
        [
            str(LOCUST),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            "20",
            "-r",
            "20",
            "-t",
            f"{seconds:g}s",
            "-H",
            url,
            "--only-summary",
            "--csv",
            str(tmp / "mix"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "P95_BUDGET_MS": "100000"},
    )
    stats = (tmp / "mix_stats.csv").read_text().splitlines() if (tmp / "mix_stats.csv").exists() else []
    total = [line for line in stats if ",Aggregated," in line]
    return total[0].split(",")[2] + " requests" if total else f"locust exit {out.returncode}"


def cluster_view(url: str) -> str:
    import httpx

    codes = []
    for path in ("/api/v1/cluster/pod-issues?limit=500", "/api/v1/nodes/utilization"):
        end = time.monotonic() + 120
        while True:
            r = httpx.get(url + path, timeout=30.0)
            if r.status_code in (200, 404) or time.monotonic() > end:
                break
            time.sleep(1.0)  # the cluster index answers 503 with Retry-After until its first sync
        codes.append(r.status_code)
    return "/".join(str(c) for c in codes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mix-seconds", type=float, default=60.0)
    ap.add_argument("--cluster-pods", type=int, default=10_000)
    ap.add_argument("--only", choices=list(TARGETS), action="append")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="k8s-agent-mem-"))
    summary: list = []
    fakes = []
    try:
        fake, kubeconfig = start_fake(tmp, 0)
        fakes.append(fake)
        big_kubeconfig = None
        print(
            f"k8s-agent memory benchmark: Python {sys.version.split()[0]}; dashboard mix {args.mix_seconds:g} s;"
            f" cluster view over {args.cluster_pods:,} extra pods"
        )
        for setup in args.only or list(TARGETS):
            kind, workers = TARGETS[setup]
            proc, url = start_agent(kind, workers, kubeconfig, tmp)
            report(setup, "ready", snapshot(proc.p.pid), summary)
            done = mix(url, args.mix_seconds, tmp)
            report(setup, "mix", snapshot(proc.p.pid), summary)
            print(f"  {'':7s} {'':13s} ({done})")
            proc.stop()
            if kind == "live" and args.cluster_pods:
                if big_kubeconfig is None:
                    big, big_kubeconfig = start_fake(tmp, args.cluster_pods)
                    fakes.append(big)
                proc, url = start_agent(kind, workers, big_kubeconfig, tmp)
                codes = cluster_view(url)
                report(setup, "cluster view", snapshot(proc.p.pid), summary)
                print(f"  {'':7s} {'':13s} (answers {codes})")
                proc.stop()
    finally:
        Proc.stop_all()
        for f in fakes:
            f.terminate()
            try:
                f.wait(10)
            except subprocess.TimeoutExpired:
                f.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    print("\nSummary (MiB)")
    print(f"  {'setup':7s}  {'stage':13s}  procs     RSS     PSS  target")
    for setup, stage, n, rss, pss, _rows in summary:
        target = ""
        if setup == "live-1" and stage == "mix":
            target = f"RSS <= 70: {'met' if rss <= 70 else 'NOT met'}"
        if setup == "live-2" and stage == "mix":
            target = f"PSS <= 180: {'met' if pss <= 180 else 'NOT met'}"
        print(f"  {setup:7s}  {stage:13s}  {n:5d}  {rss:6.1f}  {pss:6.1f}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
