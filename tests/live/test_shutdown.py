"""The real agent process (``python -m k8s_agent``, 2 workers, live source against the fake API) at the end of
its life and against slow clients: a SIGTERM under keep-alive load loses no response (readiness turns 503 at
once, keep-alive connections get ``Connection: close``, the listener closes after the drain), a SIGTERM at any
moment of start-up ends the process, a killed worker is logged and replaced, and a client trickling its
request is cut off at READ_TIMEOUT whatever its byte rate.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

import httpx
import pytest

from agentproc import SHUTDOWN_TIMEOUT, spawn, start_agent, wait_ready
from builders import api_pod
from fakeapi import builtin_fake

POD = "/api/v1/pods/demo/api-crashloop/describe"
SLOW_POD = "/api/v1/pods/demo/slow-drain/describe"
DRAIN = 1.5


@pytest.fixture(scope="module")
def fake():
    with builtin_fake(api_pod("slow-drain", "demo", node="node-b")) as f:
        yield f


def keep_alive_load(url: str, clients: int, stop: threading.Event) -> list[dict]:
    """``clients`` threads, each with one keep-alive connection, sending requests back to back. A client stops
    at a response carrying ``Connection: close`` (its load balancer would send the next request to another
    pod), at a refused connection (the listener is closed: nothing was received) or when ``stop`` is set."""
    results: list[dict] = [{"ok": 0, "statuses": set(), "lost": [], "end": ""} for _ in range(clients)]

    def run(i: int) -> None:
        r = results[i]
        path = SLOW_POD if i % 2 else POD  # half of them keep a read in flight most of the time
        with httpx.Client(base_url=url, timeout=30.0) as c:
            while not stop.is_set():
                try:
                    resp = c.get(path, headers={"X-Request-ID": f"load-{i}-{r['ok']}"})
                except httpx.ConnectError:
                    r["end"] = "refused"
                    return
                except httpx.HTTPError as exc:  # sent on an open connection, no response: lost
                    r["lost"].append(repr(exc))
                    r["end"] = "lost"
                    return
                r["ok"] += 1
                r["statuses"].add(resp.status_code)
                if resp.headers.get("connection", "").lower() == "close":
                    r["end"] = "connection-close"
                    return
        r["end"] = r["end"] or "stopped"

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    results.append({"threads": threads})  # type: ignore[dict-item]
    return results


def test_sigterm_under_keep_alive_load_loses_no_response(fake, kubeconfig, tmp_path):
    agent = start_agent(
        tmp_path,
        kubeconfig,
        SHUTDOWN_DRAIN=f"{DRAIN}s",
        SHUTDOWN_TIMEOUT=f"{SHUTDOWN_TIMEOUT:g}s",
        CACHE_TTL="200ms",
        REQUEST_DEADLINE="3s",
    )
    fake.delay(r"/pods/slow-drain$", 0.3)
    stop = threading.Event()
    readiness: list[tuple[float, int | str]] = []

    def poll_readiness() -> None:
        while not stop.is_set():
            try:
                code: int | str = httpx.get(agent.url + "/readyz", timeout=2.0).status_code
            except httpx.ConnectError:
                code = "refused"
            except httpx.HTTPError as exc:
                code = type(exc).__name__
            readiness.append((time.monotonic(), code))
            if code == "refused":
                return
            time.sleep(0.05)

    try:
        results = keep_alive_load(agent.url, 8, stop)
        threads = results.pop()["threads"]
        poller = threading.Thread(target=poll_readiness, daemon=True)
        poller.start()
        end = time.monotonic() + 30
        while time.monotonic() < end and not (  # load on every connection, readiness seen 200
            all(r["ok"] >= 2 for r in results) and any(c == 200 for _, c in readiness)
        ):
            time.sleep(0.05)
        t_term = time.monotonic()
        agent.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(DRAIN + SHUTDOWN_TIMEOUT + 10)
        try:
            code = agent.proc.wait(DRAIN + SHUTDOWN_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"agent still running after SIGTERM\n{agent.logs()}")
        exit_after = time.monotonic() - t_term
        stop.set()
        poller.join(5)
    finally:
        stop.set()
        fake.reset_controls()
        agent.stop()

    lost = [x for r in results for x in r["lost"]]
    answered = sum(r["ok"] for r in results)
    print(
        f"sigterm under keep-alive load: {answered} responses, {len(lost)} lost, "
        f"clients ended by {sorted(r['end'] for r in results)}, exit {code} {exit_after:.2f}s after SIGTERM"
    )
    assert lost == [], lost
    assert code == 0, agent.logs()
    # every keep-alive connection was told to close by a response (none was cut, none left open)
    assert [r["end"] for r in results] == ["connection-close"] * 8, results
    assert all(r["statuses"] == {200} for r in results), results
    # readiness: 200 before the signal, 503 at once after it (while the listener is still open), never 200 again
    before = [c for t, c in readiness if t < t_term]
    after = [c for t, c in readiness if t > t_term + 0.2]
    assert before and set(before) == {200}, readiness
    assert 503 in after, readiness
    assert 200 not in after, readiness
    log = agent.out.read_text()
    assert "draining for 1.5s" in log
    assert '"level":"error"' not in log, [line for line in log.splitlines() if '"level":"error"' in line]
    assert "Traceback" not in log + agent.err.read_text()


@pytest.mark.parametrize(
    "moment", ["0.1s", "0.2s", "0.4s", "0.8s", "first-worker-ready", "second-worker-ready"]
)
def test_a_sigterm_at_any_moment_of_start_up_ends_the_process(fake, kubeconfig, tmp_path, moment):
    """Kubernetes sends SIGTERM whenever it likes, also while the workers are still starting (a SIGTERM right
    after a worker said it was ready, before the supervisor had every worker's acknowledgement, used to leave
    the supervisor waiting for ever)."""
    agent = spawn(tmp_path, kubeconfig, SHUTDOWN_DRAIN="0.5s")
    try:
        if moment.endswith("s"):
            time.sleep(float(moment[:-1]))
        else:
            wanted = 1 if moment.startswith("first") else 2
            end = time.monotonic() + 60
            while len(agent.worker_pids()) < wanted and time.monotonic() < end and agent.proc.poll() is None:
                time.sleep(0.005)
        agent.proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        try:
            agent.proc.wait(SHUTDOWN_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"agent still running {SHUTDOWN_TIMEOUT + 10}s after a SIGTERM at {moment}\n{agent.logs()}"
            )
        print(f"sigterm at {moment}: exited with {agent.proc.returncode} after {time.monotonic() - t0:.2f}s")
        # nobody is left running (an exited child not yet reaped by this container's init is not running)
        time.sleep(0.3)
        alive = subprocess.run(
            ["pgrep", "-a", "-g", str(agent.proc.pid)], capture_output=True, text=True
        ).stdout.splitlines()
        assert [p for p in alive if "<defunct>" not in p] == [], (alive, agent.logs())
    finally:
        agent.stop()


def test_a_killed_worker_is_logged_and_replaced(fake, kubeconfig, tmp_path):
    agent = start_agent(tmp_path, kubeconfig, SHUTDOWN_DRAIN="0.2s", CACHE_TTL="5s")
    try:
        pids = agent.worker_pids()
        victim = min(pids)
        os.kill(victim, signal.SIGKILL)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            restarted = [
                r
                for r in agent.records()
                if r.get("level") == "error" and "killed by signal 9" in r.get("msg", "")
            ]
            if restarted and len(agent.worker_pids() - pids) >= 1:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the killed worker was not replaced\n{agent.logs()}")
        assert f"(pid {victim}) killed by signal 9: restarting it" in restarted[0]["msg"]
        wait_ready(agent, 3)  # the two first workers and the replacement said they were ready
        new = agent.worker_pids() - pids
        print(f"worker {victim} killed; replaced by {sorted(new)}")
        # both workers serve: fresh connections spread over them
        with httpx.Client(base_url=agent.url, limits=httpx.Limits(max_keepalive_connections=0)) as c:
            assert {c.get(POD).status_code for _ in range(20)} == {200}
        agent.proc.send_signal(signal.SIGTERM)
        assert agent.proc.wait(SHUTDOWN_TIMEOUT + 10) == 0
    finally:
        agent.stop()


def test_a_trickling_client_is_cut_off_at_the_read_timeout(fake, kubeconfig, tmp_path):
    """READ_TIMEOUT bounds the whole head (and body), not the pause between two bytes: a client sending five
    bytes a second gets 408 and a closed connection while its head is still incomplete."""
    agent = start_agent(tmp_path, kubeconfig, READ_TIMEOUT="1s", SHUTDOWN_DRAIN="0.2s", CACHE_TTL="5s")
    try:
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 60 + b"\r\n\r\n"  # 16 s at 5 bytes/s
        with socket.create_connection(("127.0.0.1", agent.port), timeout=10) as s:
            sent = 0
            answer = b""
            t0 = time.monotonic()
            s.setblocking(False)
            while sent < len(head):
                try:
                    s.send(head[sent : sent + 1])
                except OSError:  # the server closed the connection
                    break
                sent += 1
                time.sleep(0.2)
                try:
                    chunk = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    break
                answer += chunk
                if not chunk or answer.startswith(b"HTTP/1.1 408"):
                    break
            cut_after = time.monotonic() - t0
        print(f"trickling client: cut after {cut_after:.2f}s, {sent} of {len(head)} bytes sent")
        assert sent < len(head), "the server waited for the whole trickled head"
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        # an ordinary client is still served
        assert httpx.get(agent.url + "/healthz").status_code == 200
    finally:
        agent.stop()
