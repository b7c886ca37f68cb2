#!/usr/bin/env python
"""Benchmark of what a polling dashboard costs: conditional requests (304) and compression (gzip).

    .venv/bin/python scripts/bench_conditional.py [--round 2] [--rounds 5] [--nodes 500] [--pods 10000]

The agent runs as its own process (one process, a long CACHE_TTL so every measured request is a cache hit) over
the fake Kubernetes API (tests/fakeapi) holding the built-in small cluster plus the bench cluster of
scripts/bench_nodes.py (500 nodes, 10,000 pods in 50 namespaces, ~6% in trouble). It prints figures and asserts
nothing about time.

  (e1) cached ``/describe``: the agent's 200, the agent's 304 (If-None-Match matching) and a bare Sanic route
       serving the 200's bytes: requests/s and CPU per request (interleaved wrk rounds), then instructions per
       request under callgrind (deterministic);
  (e2) ``/cluster/pod-issues`` on the 10,000-pod cluster: bytes per poll on the wire (status line, headers and
       body) plain, gzip and 304; CPU per poll plain vs gzip (wrk rounds and callgrind instructions); and, for
       reference, what compressing the body on every request would cost instead of once per cache fill.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

import bench  # noqa: E402 - the foundation benchmark's process helpers, load generator and callgrind runner
import bench_nodes  # noqa: E402 - the 10,000-pod cluster generator
import benchlib  # noqa: E402

from fakeapi import FakeKubeAPI, builtin_cluster  # noqa: E402
from k8s_agent.api import conditional  # noqa: E402

DESCRIBE = "/api/v1/pods/demo/api-crashloop/describe"
ISSUES = "/api/v1/cluster/pod-issues"
GZIP = {"Accept-Encoding": "gzip"}


def bench_cluster(nodes: int, pods: int) -> list[dict]:
    """bench_nodes' generated cluster as API objects the fake can serve (kind and apiVersion added)."""
    rng = random.Random(1)
    random.seed(1)
    node_objs, metrics = bench_nodes.gen_nodes(nodes)
    pod_objs, replicasets, events = bench_nodes.gen_pods(pods, nodes, rng)
    typed = [
        (node_objs, "Node", "v1"),
        (metrics, "NodeMetrics", "metrics.k8s.io/v1beta1"),
        (pod_objs, "Pod", "v1"),
        (replicasets, "ReplicaSet", "apps/v1"),
        (events, "Event", "v1"),
    ]
    return [{"kind": kind, "apiVersion": version, **obj} for objs, kind, version in typed for obj in objs]


def wire(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, int, int]:
    """(status, bytes of the status line and headers, bytes of the body) of one GET, as sent."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{extra}Connection: close\r\n\r\n".encode())
        buf = b""
        while chunk := s.recv(1 << 16):
            buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    return int(head.split()[1]), len(head) + 4, len(body)


def rounds_of(servers: dict[str, tuple[bench.Proc, str, str, dict]], rounds: int, duration: float) -> dict:
    """Interleaved wrk rounds: name -> [(req/s, CPU us per request)]."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
    if rounds <= 0:
        return {}
    for _proc, url, path, headers in servers.values():
        bench.load(url + path, 32, 1.0, headers=headers)  # warm-up
    for _ in range(rounds):
        for name, (proc, url, path, headers) in servers.items():
            c0 = bench.cpu_seconds(proc.p.pid)
            r = bench.load(url + path, 32, duration, headers=headers)
            cpu_us = (bench.cpu_seconds(proc.p.pid) - c0) / max(1, r["requests"]) * 1e6
            if r["errors"]:
                print(f"    ! {name}: {r['errors']} errors")
            runs[name].append((r["rps"], cpu_us))
    return runs


def median(runs: list[tuple[float, float]], i: int) -> float:
    return statistics.median(x[i] for x in runs)


def phase_e1(kubeconfig: Path, tmp: Path, args, rows: list) -> None:
    import httpx

    print(
        "\n(e1) cached /describe: the agent's 200, its 304 to a poll with a matching If-None-Match, a bare Sanic route"
    )
    agent, aurl = bench.start_agent(kubeconfig, 1, log_file=tmp / "agent-e1.log", CACHE_TTL="300s")
    first = httpx.get(aurl + DESCRIBE, timeout=30)
    etag = first.headers["etag"]
    body_file = tmp / "describe.json"
    body_file.write_bytes(first.content)
    bare, burl = bench.start_bare(body_file, 1)
    servers = {
        "agent 200": (agent, aurl, DESCRIBE, {}),
        "agent 304": (agent, aurl, DESCRIBE, {"If-None-Match": etag}),
        "bare Sanic 200": (bare, burl, DESCRIBE, {}),
    }
    print(
        f"    {args.rounds} interleaved rounds of {args.round:g}s (load average {os.getloadavg()[0]:.1f}); CPU = server CPU time / requests"
    )
    runs = rounds_of(servers, args.rounds, args.round)
    agent.stop()
    bare.stop()
    if runs:
        for name, v in runs.items():
            print(
                f"  {name:16s}: median {median(v, 0):6.0f} req/s ({' '.join(f'{x[0]:.0f}' for x in v)}),"
                f" {median(v, 1):5.0f} us CPU/request"
            )
        bare_rps, bare_cpu = median(runs["bare Sanic 200"], 0), median(runs["bare Sanic 200"], 1)
        for name in ("agent 200", "agent 304"):
            rps, cpu = median(runs[name], 0), median(runs[name], 1)
            rows.append((f"(e1) {name} /describe", f"{rps:.0f} req/s, {cpu:.0f} us CPU", ""))
            rows.append(
                (
                    f"(e1) ratio {name}/bare (req/s; CPU)",
                    f"{rps / bare_rps:.2f}; {bare_cpu / cpu:.2f}",
                    ">= 0.8",
                )
            )
        rows.append(("(e1) bare Sanic 200", f"{bare_rps:.0f} req/s, {bare_cpu:.0f} us CPU", ""))

    if not (bench.VALGRIND and bench.CALLGRIND_CONTROL):
        print("    instructions: skipped, valgrind is not installed (Debian package valgrind)")
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_"))}
    env.update(CLUSTER_SOURCE="live", KUBECONFIG=str(kubeconfig), LOG_FORMAT="json", CACHE_TTL="300s")
    counts = {}
    for name, revalidate in (("agent 200", False), ("agent 304", True)):
        port = bench.free_port()
        cmd = [bench.PY, "-m", "k8s_agent", "--host", "127.0.0.1", "--port", str(port), "--single-process"]
        counts[name] = bench.instructions_per_request(
            cmd, env, "/readyz", port, DESCRIBE, tmp, revalidate=revalidate
        )
    port = bench.free_port()
    cmd = [
        bench.PY,
        str(ROOT / "scripts" / "bench.py"),
        "--serve-bare",
        str(port),
        str(body_file),
        "1",
        "sanic",
    ]
    counts["bare Sanic 200"] = bench.instructions_per_request(cmd, None, "/healthz", port, DESCRIBE, tmp)
    for name, v in counts.items():
        print(f"  {name:16s}: {v / 1000:6.1f} k instructions/request (callgrind)")
    bare_i = counts["bare Sanic 200"]
    for name in ("agent 200", "agent 304"):
        rows.append(
            (
                f"(e1) instructions/request {name} (k); ratio bare/{name}",
                f"{counts[name] / 1000:.1f}; {bare_i / counts[name]:.2f}",
                "",
            )
        )
    rows.append(("(e1) instructions/request bare Sanic (k)", f"{bare_i / 1000:.1f}", ""))


def phase_e2(kubeconfig: Path, tmp: Path, args, rows: list) -> None:
    print(
        f"\n(e2) {ISSUES} on the bench cluster ({args.nodes} nodes, {args.pods} pods): bytes and CPU per poll"
    )
    agent, aurl = bench.start_agent(
        kubeconfig,
        1,
        log_file=tmp / "agent-e2.log",
        CACHE_TTL="300s",
        REQUEST_DEADLINE="60s",
        K8S_TIMEOUT="60s",
    )
    port = int(aurl.rsplit(":", 1)[1])
    t0 = time.perf_counter()
    status, _, _ = wire(port, ISSUES)  # the cold fill: list, analyse, encode, ETag, gzip once
    fill = time.perf_counter() - t0
    assert status == 200, status
    import httpx

    plain = httpx.get(aurl + ISSUES, headers={"Accept-Encoding": "identity"}, timeout=30)
    etag = plain.headers["etag"]
    sizes = {
        "plain": wire(port, ISSUES),
        "gzip": wire(port, ISSUES, GZIP),
        "304": wire(port, ISSUES, {"If-None-Match": etag, **GZIP}),
    }
    data = plain.content[len(b'{"data":') : plain.content.rindex(b',"metadata":')]
    print(
        f"  cold fill (20 pages of pods, analysis, encoding, ETag, gzip): {fill * 1000:.0f} ms, once per TTL per worker"
    )
    for name, (status, head, body) in sizes.items():
        print(
            f"  poll answered {name:5s}: status {status}, {head + body:8,d} bytes on the wire ({head} of status line and headers, {body:,d} of body)"
        )
    ratio = (sizes["plain"][1] + sizes["plain"][2]) / (sizes["gzip"][1] + sizes["gzip"][2])
    print(f"  gzip: {ratio:.1f}x fewer bytes per changed poll; a 304 sends {sizes['304'][1]} bytes")
    for name, (_, head, body) in sizes.items():
        rows.append((f"(e2) bytes per pod-issues poll, {name}", f"{head + body:,d}", ""))

    # what the once-per-fill work costs, and what per-request compression would have cost
    def timed(fn, n: int = 50) -> float:
        return benchlib.timed(fn, n)[0] * 1e6

    per_fill = timed(lambda: conditional.Payload(data, etag))
    per_request = timed(lambda: zlib.compress(plain.content, conditional.GZIP_LEVEL))
    payload = conditional.Payload(data, etag)
    tail = payload.tail("0b6f4c1e-8f3e-4d1a-9c7b-2f5e6d7c8b9a", "2026-11-27T00:05:01.123Z")
    splice = timed(lambda: payload.gzip_body(tail), 2000)
    print(
        f"  gzip at level {conditional.GZIP_LEVEL}: {per_fill:,.0f} us once per cache fill (Payload), vs {per_request:,.0f} us if every"
        f" request compressed its body; the per-request splice of the compressed envelope: {splice:.1f} us"
    )
    rows.append(
        (
            "(e2) gzip once per fill / per request if not cached",
            f"{per_fill:,.0f} us / {per_request:,.0f} us",
            "",
        )
    )
    rows.append(("(e2) per-request gzip splice", f"{splice:.1f} us", ""))

    servers = {
        "plain": (agent, aurl, ISSUES, {}),
        "gzip": (agent, aurl, ISSUES, GZIP),
        "304": (agent, aurl, ISSUES, {"If-None-Match": etag}),
    }
    runs = rounds_of(servers, args.rounds, args.round)
    agent.stop()
    for name, v in runs.items():
        print(
            f"  poll answered {name:5s}: median {median(v, 0):6.0f} req/s, {median(v, 1):5.0f} us CPU/request"
        )
        rows.append(
            (f"(e2) pod-issues poll {name}", f"{median(v, 0):.0f} req/s, {median(v, 1):.0f} us CPU", "")
        )

    if not (bench.VALGRIND and bench.CALLGRIND_CONTROL):
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_"))}
    env.update(
        CLUSTER_SOURCE="live", KUBECONFIG=str(kubeconfig), LOG_FORMAT="json", CACHE_TTL="300s",
        REQUEST_DEADLINE="60s", K8S_TIMEOUT="60s",
    )  # fmt: skip
    counts = {}
    for name, headers in (("plain", None), ("gzip", GZIP)):
        port = bench.free_port()
        cmd = [bench.PY, "-m", "k8s_agent", "--host", "127.0.0.1", "--port", str(port), "--single-process"]
        counts[name] = bench.instructions_per_request(
            cmd, env, "/readyz", port, ISSUES, tmp, n=500, headers=headers
        )
    for name, v in counts.items():
        print(f"  poll answered {name:5s}: {v / 1000:6.1f} k instructions/request (callgrind)")
    rows.append(
        (
            "(e2) instructions per pod-issues poll, plain / gzip (k)",
            f"{counts['plain'] / 1000:.1f} / {counts['gzip'] / 1000:.1f}",
            "",
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--round", type=float, default=2.0, help="seconds per measured wrk round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--only", choices=["e1", "e2"], action="append")
    args = ap.parse_args()
    phases = set(args.only or ["e1", "e2"])
    tmp = Path(tempfile.mkdtemp(prefix="k8s-agent-bench-cond-"))
    rows: list[tuple[str, str, str]] = []
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster())
        if "e2" in phases:
            fake.add(*bench_cluster(args.nodes, args.pods))
        kubeconfig = fake.write_kubeconfig(tmp / "kubeconfig")
        print(
            f"k8s-agent polling benchmark: {len(os.sched_getaffinity(0))} CPUs, Python {sys.version.split()[0]},"
            f" load generator {'wrk' if bench.WRK else 'aiohttp (wrk not installed)'}"
        )
        try:
            if "e1" in phases:
                phase_e1(kubeconfig, tmp, args, rows)
            if "e2" in phases:
                phase_e2(kubeconfig, tmp, args, rows)
        finally:
            bench.Proc.stop_all()
            shutil.rmtree(tmp, ignore_errors=True)
    w = max(len(r[0]) for r in rows) if rows else 10
    print("\nSummary (polling)")
    for name, value, target in rows:
        print(f"  {name:{w}s}  {value}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
