#!/usr/bin/env python
"""Foundation benchmark: the agent over a fake Kubernetes API, loopback only, a few seconds per phase.

    .venv/bin/python scripts/bench.py [--duration 5] [--rtt-ms 20]

Phases (it prints figures and asserts nothing about time):
  (a) requests/s of a cached ``/api/v1/pods/<ns>/<pod>/describe`` vs a bare Sanic route returning the same
      bytes, both served with the same process setup (single process, then 2 workers), load from ``wrk``
      (Debian package) or, without it, an aiohttp keep-alive load generator in a separate process; then,
      with valgrind (Debian package), the instructions each executes per request: a figure this shared,
      noisy host cannot blur;
  (b) cold ``/describe`` latency (every request a different pod: response and read caches empty) against
      the fake upstream's injected round trip, and the overhead over one round trip;
  (c) upstream reads under 100 concurrent pollers of one pod for the phase duration with 2 workers;
  (d) RSS per process of the 2-worker agent (main, workers, Sanic's helper processes).

Every server (fake API, agent, bare app) runs as its own process; all are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import start_fake_demo

ROOT = Path(__file__).resolve().parents[1]
PY = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
TESTS = ROOT / "tests"  # the fake API server: `python -m fakeapi` with tests/ on PYTHONPATH
TOKEN = "fake-agent-token"
BENCH_NS = "bench"
N_PODS = 400


# ------------------------------------------------------------------------------------------ bare app
def make_bare_app(body_path: str, response_class: str = "sanic"):
    """A bare Sanic app with the agent's server settings, answering the describe path with fixed bytes
    (with Sanic's HTTPResponse, or with the agent's cheaper-to-encode Response for reference)."""
    from sanic import HTTPResponse, Sanic

    if response_class == "agent":
        from k8s_agent.api.envelope import Response as HTTPResponse  # noqa: N814

    body = Path(body_path).read_bytes()
    app = Sanic("bare-bench")
    app.config.update(
        {
            "AUTO_EXTEND": False,
            "ACCESS_LOG": False,
            "MOTD": False,
            "KEEP_ALIVE_TIMEOUT": 75,
            "NOISY_EXCEPTIONS": False,
        }
    )

    @app.get("/api/v1/pods/<namespace>/<pod>/describe")
    async def describe(request, namespace: str, pod: str):
        return HTTPResponse(body, content_type="application/json")

    @app.get("/healthz")
    async def healthz(request):
        return HTTPResponse(b'{"status":"ok"}', content_type="application/json")

    return app


def serve_bare(port: int, body_path: str, workers: int, response_class: str = "sanic") -> None:
    from functools import partial

    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    loader = AppLoader(factory=partial(make_bare_app, body_path, response_class))
    app = loader.load()
    if workers <= 1:
        app.prepare(host="127.0.0.1", port=port, single_process=True, motd=False, access_log=False)
        Sanic.serve_single(primary=app)
    else:
        app.prepare(host="127.0.0.1", port=port, workers=workers, motd=False, access_log=False)
        Sanic.serve(primary=app, app_loader=loader)


# ------------------------------------------------------------------------------------------ python load generator
def pyload(url: str, connections: int, duration: float, headers: dict[str, str] | None = None) -> None:
    """Closed-loop keep-alive load (used when wrk is not installed); prints a JSON summary."""
    import aiohttp

    async def main():
        lat: list[float] = []
        errors = 0
        end = time.perf_counter() + duration

        async def worker(session):
            nonlocal errors
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                try:
                    async with session.get(url, headers=headers, auto_decompress=False) as r:
                        await r.read()
                        if r.status not in (200, 304):
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                lat.append(time.perf_counter() - t0)

        conn = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=conn) as s:
            t0 = time.perf_counter()
            await asyncio.gather(*(worker(s) for _ in range(connections)))
            took = time.perf_counter() - t0
        lat.sort()
        print(
            json.dumps(
                {
                    "requests": len(lat),
                    "rps": len(lat) / took,
                    "errors": errors,
                    "p50_ms": lat[len(lat) // 2] * 1000 if lat else 0,
                    "p99_ms": lat[int(len(lat) * 0.99)] * 1000 if lat else 0,
                }
            )
        )

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())


# ------------------------------------------------------------------------------------------ helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, status: int = 200) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if httpx.get(url, timeout=1.0).status_code == status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not answering {status} within {timeout}s")


class Proc:
    """A server process we started, stopped by its own pid (and its own process group)."""

    procs: list[Proc] = []

    def __init__(self, args: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> None:
        self.p = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=stdout, stderr=subprocess.DEVNULL, start_new_session=True
        )
        Proc.procs.append(self)

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.p.poll() is None:
            self.p.wait(5)
        if self in Proc.procs:
            Proc.procs.remove(self)

    @classmethod
    def stop_all(cls) -> None:
        for p in list(cls.procs):
            p.stop()


def start_agent(kubeconfig: Path, workers: int, log_file: Path | None = None, **env: str) -> tuple[Proc, str]:
    port = free_port()
    e = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_"))}
    e.update(CLUSTER_SOURCE="live", KUBECONFIG=str(kubeconfig), LOG_FORMAT="json", PYTHONUNBUFFERED="1")
    e.update(env)
    args = [PY, "-m", "k8s_agent", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--single-process"] if workers <= 1 else ["--workers", str(workers)]
    out = log_file.open("w") if log_file else subprocess.DEVNULL
    proc = Proc(args, env=e, stdout=out)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/readyz")
    if workers > 1 and log_file is not None:  # every worker started (don't signal a starting worker)
        end = time.monotonic() + 30
        while len(worker_pids(log_file)) < workers and time.monotonic() < end:
            time.sleep(0.1)
    else:
        time.sleep(1.0 if workers > 1 else 0.2)
    return proc, url


def worker_pids(log_file: Path) -> set[int]:
    pids = set()
    for line in log_file.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg", "").startswith("worker ready to serve"):
            pids.add(rec["pid"])
    return pids


def start_bare(body_path: Path, workers: int) -> tuple[Proc, str]:
    port = free_port()
    proc = Proc([PY, str(Path(__file__).resolve()), "--serve-bare", str(port), str(body_path), str(workers)])
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/healthz")
    time.sleep(1.0 if workers > 1 else 0.2)
    return proc, url


WRK = shutil.which("wrk")


def load(
    url: str, connections: int, duration: float, threads: int = 1, headers: dict[str, str] | None = None
) -> dict:
    """Requests/s and latency from wrk (preferred) or the aiohttp generator in its own process."""
    if WRK:
        hdr = [a for k, v in (headers or {}).items() for a in ("-H", f"{k}: {v}")]
        out = subprocess.run(
            [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency", *hdr, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        total = int(re.search(r"(\d+) requests in", out)[1])
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

        def pct(p: str) -> float:
            m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
            if not m:
                return float("nan")
            return float(m[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m[2]]

        return {
            "tool": "wrk",
            "rps": rps,
            "requests": total,
            "errors": (int(non2xx[1]) if non2xx else 0) + (sum(map(int, errs.groups())) if errs else 0),
            "p50_ms": pct("50"),
            "p99_ms": pct("99"),
        }
    out = subprocess.run(
        [
            PY,
            str(Path(__file__).resolve()),
            "--pyload",
            url,
            str(connections),
            str(duration),
            json.dumps(headers or {}),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {"tool": "aiohttp", **json.loads(out.strip().splitlines()[-1])}


def fake_call(fake_url: str, what: str, body: dict | None = None) -> dict:
    import httpx

    if body is None:
        return httpx.get(f"{fake_url}/_fake/{what}", timeout=5).json()
    return httpx.post(f"{fake_url}/_fake/{what}", json=body, timeout=5).json()


def pctl(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def rss_mib(pid: int) -> tuple[float, float | None]:
    """(RSS, USS) in MiB; USS (memory not shared with other processes) when psutil can read it."""
    try:
        import psutil

        p = psutil.Process(pid)
        try:
            full = p.memory_full_info()
            return full.rss / 2**20, full.uss / 2**20
        except (psutil.AccessDenied, AttributeError):
            return p.memory_info().rss / 2**20, None
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024, None
        return float("nan"), None


def process_tree(pid: int) -> list[int]:
    try:
        import psutil

        return [pid] + [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        kids = [int(x) for x in out.split()]
        return [pid] + [k for kid in kids for k in process_tree(kid)]


# ------------------------------------------------------------------------------------------ phases
def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process and its children (a server's workers)."""
    try:
        import psutil

        total = 0.0
        for p in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total
    except ImportError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf(
            "SC_CLK_TCK"
        )


def phase_throughput(kubeconfig: Path, tmp: Path, duration: float, rows: list, rounds: int = 7) -> None:
    import httpx

    print("\n(a) cached /describe vs a bare Sanic route with the same bytes")
    print(
        f"    servers run side by side; {rounds} interleaved rounds of {duration:g}s each (this host is shared:"
        f" load average {os.getloadavg()[0]:.1f}); CPU us/request = server CPU time / requests served"
    )
    path = f"/api/v1/pods/{BENCH_NS}/pod-00001/describe"
    for workers, label in ((1, "1 process"), (2, "2 workers")):
        servers: dict[str, tuple[Proc, str]] = {}
        servers["agent"] = start_agent(
            kubeconfig, workers, log_file=tmp / f"agent-a-{workers}.log", CACHE_TTL="2s"
        )
        if workers == 1:  # the same agent without its per-request log line, to show what the line costs
            servers["agent, LOG_LEVEL=warn"] = start_agent(
                kubeconfig, 1, log_file=tmp / "agent-a-warn.log", CACHE_TTL="2s", LOG_LEVEL="warn"
            )
        body = httpx.get(servers["agent"][1] + path, timeout=5).content
        body_file = tmp / "body.json"
        body_file.write_bytes(body)
        servers["bare"] = start_bare(body_file, workers)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
        for _, url in servers.values():
            load(url + path, 32, 1.0)  # warm-up
        for _ in range(rounds):
            for name, (proc, url) in servers.items():
                c0 = cpu_seconds(proc.p.pid)
                r = load(url + path, 32, duration)
                cpu_us = (cpu_seconds(proc.p.pid) - c0) / max(1, r["requests"]) * 1e6
                if r["errors"]:
                    print(f"    ! {name}: {r['errors']} errors")
                runs[name].append((r["rps"], cpu_us))
        for proc, _ in servers.values():
            proc.stop()
        med = {
            n: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
            for n, v in runs.items()
        }
        for name, v in runs.items():
            rps_s = " ".join(f"{x[0]:6.0f}" for x in v)
            print(
                f"  {label:9s} {name:22s}: median {med[name][0]:6.0f} req/s (rounds: {rps_s}),"
                f" {med[name][1]:5.0f} us CPU/request"
            )
        bare_rps, bare_cpu = med["bare"]
        ratio_rps = med["agent"][0] / bare_rps
        ratio_cpu = bare_cpu / med["agent"][1]
        paired_rps = [a[0] / b[0] for a, b in zip(runs["agent"], runs["bare"], strict=True)]
        paired_cpu = [b[1] / a[1] for a, b in zip(runs["agent"], runs["bare"], strict=True)]
        print(
            f"  {label:9s} ratio agent/bare: {ratio_rps:.2f} by req/s, {ratio_cpu:.2f} by CPU per request"
            f" (medians); paired rounds: {statistics.median(paired_rps):.2f} by req/s"
            f" ({' '.join(f'{x:.2f}' for x in paired_rps)}), {statistics.median(paired_cpu):.2f} by CPU"
            " (target >= 0.8)"
        )
        rows.append(
            (
                f"(a) cached describe, {label}",
                f"{med['agent'][0]:.0f} req/s, {med['agent'][1]:.0f} us CPU",
                "",
            )
        )
        if workers == 1:
            m = med["agent, LOG_LEVEL=warn"]
            rows.append((f"(a) same, request log off, {label}", f"{m[0]:.0f} req/s, {m[1]:.0f} us CPU", ""))
        rows.append((f"(a) bare Sanic, {label}", f"{bare_rps:.0f} req/s, {bare_cpu:.0f} us CPU", ""))
        rows.append(
            (f"(a) ratio agent/bare, {label} (req/s; CPU)", f"{ratio_rps:.2f}; {ratio_cpu:.2f}", ">= 0.8")
        )
    phase_instructions(kubeconfig, tmp, path, rows)


# ------------------------------------------------------------------------------------------ instructions
VALGRIND = shutil.which("valgrind")
CALLGRIND_CONTROL = shutil.which("callgrind_control")


def _keepalive_requests(
    port: int, path: str, n: int, sock: socket.socket | None = None, headers: dict[str, str] | None = None
) -> socket.socket:
    """``n`` sequential GETs on one keep-alive connection, each response read whole (a 304 has no body)."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=600)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    req = f"GET {path} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n".encode()
    for _ in range(n):
        s.sendall(req)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            buf += chunk
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                if buf.startswith(b"HTTP/1.1 304"):
                    break
                length = int(re.search(rb"(?i)content-length: *(\d+)", buf[:end])[1])
                if len(buf) >= end + 4 + length:
                    break
    return s


def instructions_per_request(
    args: list[str],
    env: dict | None,
    ready_path: str,
    port: int,
    path: str,
    tmp: Path,
    n: int = 2000,
    headers: dict[str, str] | None = None,
    revalidate: bool = False,
) -> float:
    """Instructions the server executes per request (valgrind's callgrind, user space): deterministic where
    time on this shared host is not. Start-up runs uninstrumented; counting covers ``n`` requests."""
    out = tmp / f"callgrind-{port}.out"
    proc = Proc(
        [VALGRIND, "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *args], env=env
    )
    try:
        wait_http(f"http://127.0.0.1:{port}{ready_path}", timeout=300)
        pid = str(proc.p.pid)
        if revalidate:  # poll with the ETag this server gives: every counted request is a 304
            import httpx

            etag = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=600).headers["etag"]
            headers = {**(headers or {}), "If-None-Match": etag}
        sock = _keepalive_requests(port, path, 300, headers=headers)  # warm: caches filled, code paths taken
        subprocess.run([CALLGRIND_CONTROL, "--instr=on", pid], capture_output=True, check=True)
        _keepalive_requests(port, path, 100, sock, headers)
        subprocess.run([CALLGRIND_CONTROL, "--zero", pid], capture_output=True, check=True)
        _keepalive_requests(port, path, n, sock, headers)
        subprocess.run([CALLGRIND_CONTROL, "--dump", pid], capture_output=True, check=True)
        sock.close()
    finally:
        proc.stop()
    totals = []
    for f in tmp.glob(f"callgrind-{port}.out*"):
        m = re.search(r"^(?:totals|summary): (\d+)", f.read_text(errors="replace"), re.M)
        if m and f != out:  # the dump taken after --zero (the file without a suffix is the exit dump)
            totals.append(int(m[1]))
    if not totals:
        raise RuntimeError("no callgrind dump")
    return min(totals) / n


def phase_instructions(kubeconfig: Path, tmp: Path, path: str, rows: list) -> None:
    print(
        "\n(a) the same, in instructions per request (valgrind callgrind; one process, one keep-alive client)"
    )
    if not (VALGRIND and CALLGRIND_CONTROL):
        print("    skipped: valgrind is not installed (Debian package valgrind)")
        rows.append(("(a) instructions/request agent/bare", "valgrind not installed", ">= 0.8"))
        return
    body_file = tmp / "body.json"
    counts = {}
    port = free_port()
    e = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PROMETHEUS_"))}
    # a long TTL: every counted request is the steady-state cache hit (the refresh is phase (b)'s subject)
    e.update(CLUSTER_SOURCE="live", KUBECONFIG=str(kubeconfig), LOG_FORMAT="json", CACHE_TTL="300s")
    agent = [PY, "-m", "k8s_agent", "--host", "127.0.0.1", "--port", str(port), "--single-process"]
    counts["agent"] = instructions_per_request(agent, e, "/readyz", port, path, tmp)
    for name, cls in (("bare", "sanic"), ("bare, agent's Response class", "agent")):
        port = free_port()
        bare = [PY, str(Path(__file__).resolve()), "--serve-bare", str(port), str(body_file), "1", cls]
        counts[name] = instructions_per_request(bare, None, "/healthz", port, path, tmp)
    for name, v in counts.items():
        print(f"  1 process {name:30s}: {v / 1000:6.1f} k instructions/request")
    ratio = counts["bare"] / counts["agent"]
    floor = counts["bare, agent's Response class"]
    print(
        f"  ratio agent/bare by instructions: {ratio:.2f} (target >= 0.8); the agent's own work per cached answer"
        f" (request id, cache lookup, envelope, header, log line) is {(counts['agent'] - floor) / 1000:.1f} k"
        f" instructions over the same route with its Response class, whose header encoding saves"
        f" {(counts['bare'] - floor) / 1000:.1f} k"
    )
    rows.append(("(a) instructions/request, agent (k)", f"{counts['agent'] / 1000:.1f}", ""))
    rows.append(("(a) instructions/request, bare Sanic (k)", f"{counts['bare'] / 1000:.1f}", ""))
    rows.append(("(a) ratio agent/bare by instructions", f"{ratio:.2f}", ">= 0.8"))


def phase_cold(kubeconfig: Path, tmp: Path, fake_url: str, rtt_ms: float, rows: list) -> None:
    import httpx

    print(
        f"\n(b) cold /describe latency (a different pod every request) vs the injected {rtt_ms:g} ms round trip"
    )
    agent, aurl = start_agent(kubeconfig, 1, log_file=tmp / "agent-b.log")
    n = 150
    with httpx.Client(timeout=10) as c:
        # the upstream round trip as the agent sees it: a GET of a pod straight from the fake
        direct = []
        for i in range(n):
            t0 = time.perf_counter()
            r = c.get(
                f"{fake_url}/api/v1/namespaces/{BENCH_NS}/pods/pod-{i:05d}",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            direct.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        for i in range(5):  # warm the agent's connection pool (not the caches: other pods)
            c.get(f"{aurl}/api/v1/pods/{BENCH_NS}/pod-{N_PODS - 1 - i:05d}/describe")
        lat, upstream = [], []
        for i in range(n):
            t0 = time.perf_counter()
            r = c.get(f"{aurl}/api/v1/pods/{BENCH_NS}/pod-{i:05d}/describe")
            lat.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
    agent.stop()
    for line in (tmp / "agent-b.log").read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == "request" and "/pod-0" in rec.get("path", "") and rec.get("upstreamCalls"):
            upstream.append(rec["upstreamCalls"])
    rtt = statistics.median(direct)
    med, p95 = statistics.median(lat), pctl(lat, 95)
    print(
        f"  direct GET of a pod from the fake: median {rtt:.1f} ms, p95 {pctl(direct, 95):.1f} ms ({n} requests)"
    )
    print(f"  agent cold /describe:              median {med:.1f} ms, p95 {p95:.1f} ms ({n} requests)")
    print(
        f"  upstream calls per cold request: {statistics.mean(upstream):.1f} (pod GET + events list, concurrent)"
    )
    print(
        f"  overhead over one round trip: median {med - rtt:+.1f} ms, p95 {p95 - rtt:+.1f} ms (target <= +15 ms)"
    )
    rows.append(("(b) upstream round trip (direct GET), median", f"{rtt:.1f} ms", f"injected {rtt_ms:g} ms"))
    rows.append(
        ("(b) cold describe latency, median / p95", f"{med:.1f} / {p95:.1f} ms", f"<= {rtt + 15:.0f} ms")
    )
    rows.append(
        (
            "(b) overhead over one round trip, median / p95",
            f"{med - rtt:+.1f} / {p95 - rtt:+.1f} ms",
            "<= +15 ms",
        )
    )


def phase_pollers(kubeconfig: Path, tmp: Path, fake_url: str, duration: float, rows: list) -> None:
    ttl = 1.0
    workers = 2
    print(f"\n(c) 100 concurrent pollers of one pod for {duration:g}s, {workers} workers, CACHE_TTL={ttl:g}s")
    log = tmp / "agent-c.log"
    agent, aurl = start_agent(kubeconfig, workers, log_file=log, CACHE_TTL=f"{ttl:g}s")
    pod = f"pod-{N_PODS - 20:05d}"
    fake_call(fake_url, "reset", {"log_only": True})
    t0 = time.perf_counter()
    r = load(f"{aurl}/api/v1/pods/{BENCH_NS}/{pod}/describe", 100, duration, threads=2)
    took = time.perf_counter() - t0
    stats = fake_call(fake_url, "stats")["counters"]
    gets, lists = stats.get("get pods", 0), stats.get("list events", 0)
    windows = took / ttl
    print(
        f"  {r['requests']} requests ({r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms,"
        f" errors {r['errors']}, {r['tool']})"
    )
    print(f"  upstream reads: {gets} pod GETs + {lists} event lists = {gets + lists}")
    print(
        f"  pod GETs per TTL window per worker: {gets / windows / workers:.2f}"
        f" (bound: 1 per window per worker -> <= {workers * (int(windows) + 1)} GETs; pollers don't matter)"
    )
    print(f"  upstream reads per request: {(gets + lists) / max(1, r['requests']):.5f}")
    rows.append(("(c) requests from 100 pollers", f"{r['requests']} ({r['rps']:.0f}/s)", ""))
    rows.append(
        (
            "(c) upstream reads (pod GET + events list)",
            f"{gets} + {lists}",
            f"<= {workers * (int(windows) + 1)} each",
        )
    )
    rows.append(("(c) pod GETs per TTL per worker", f"{gets / windows / workers:.2f}", "<= 1"))

    print("\n(d) memory of the 2-worker agent after phase (c)")
    wpids = worker_pids(log)
    for pid in process_tree(agent.p.pid):
        rss, uss = rss_mib(pid)
        role = "main" if pid == agent.p.pid else ("worker" if pid in wpids else "sanic helper")
        uss_s = f", USS {uss:.1f} MiB" if uss is not None else ""
        print(f"  pid {pid:>7} {role:12s}: RSS {rss:.1f} MiB{uss_s}")
        if role == "worker":
            rows.append(
                (f"(d) RSS worker {pid}", f"{rss:.1f} MiB" + (f" (USS {uss:.1f})" if uss else ""), "")
            )
        elif role == "main":
            rows.append(("(d) RSS main process", f"{rss:.1f} MiB", ""))
    total = sum(rss_mib(p)[0] for p in process_tree(agent.p.pid))
    rows.append(("(d) RSS all agent processes", f"{total:.1f} MiB", ""))
    agent.stop()


# ------------------------------------------------------------------------------------------ main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of load in phase (c)")
    ap.add_argument("--round", type=float, default=2.0, help="seconds per measured round in phase (a)")
    ap.add_argument(
        "--rtt-ms", type=float, default=20.0, help="latency injected on the fake's pod GET and events list"
    )
    ap.add_argument("--only", choices=["a", "b", "c"], action="append", help="run only these phases")
    args = ap.parse_args()
    phases = set(args.only or ["a", "b", "c"])

    tmp = Path(tempfile.mkdtemp(prefix="k8s-agent-bench-"))
    kubeconfig = tmp / "kubeconfig"
    delay = rf"^/api/v1/namespaces/[^/]+/(pods/[^/]+|events)$={args.rtt_ms / 1000:g}"
    fake, fake_url = start_fake_demo(kubeconfig, "--pods", str(N_PODS), "--delay", delay)
    rows: list[tuple[str, str, str]] = []
    try:
        cpus = len(os.sched_getaffinity(0))
        print(
            f"k8s-agent foundation benchmark: {cpus} CPUs, Python {sys.version.split()[0]},"
            f" load generator {'wrk ' + WRK if WRK else 'aiohttp (wrk not installed)'}"
        )
        print(
            f"fake API {fake_url}: {N_PODS} pods in '{BENCH_NS}', {args.rtt_ms:g} ms injected on pod GET and events list"
        )
        if "a" in phases:
            phase_throughput(kubeconfig, tmp, args.round, rows)
        if "b" in phases:
            phase_cold(kubeconfig, tmp, fake_url, args.rtt_ms, rows)
        if "c" in phases:
            phase_pollers(kubeconfig, tmp, fake_url, args.duration, rows)
    finally:
        Proc.stop_all()
        if fake.poll() is None:
            fake.send_signal(signal.SIGTERM)
            try:
                fake.wait(10)
            except subprocess.TimeoutExpired:
                fake.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    w = max(len(r[0]) for r in rows) if rows else 10
    v = max(len(r[1]) for r in rows) if rows else 10
    print("\nSummary")
    print(f"  {'figure':{w}s}  {'value':>{v}s}  target")
    print(f"  {'-' * w}  {'-' * v}  ------")
    for name, value, target in rows:
        print(f"  {name:{w}s}  {value:>{v}s}  {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), *sys.argv[5:6])
    elif len(sys.argv) > 1 and sys.argv[1] == "--pyload":
        pyload(
            sys.argv[2],
            int(sys.argv[3]),
            float(sys.argv[4]),
            json.loads(sys.argv[5]) if len(sys.argv) > 5 else None,
        )
    else:
        sys.exit(main())
