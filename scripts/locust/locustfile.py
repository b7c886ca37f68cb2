"""Dashboard-polling load for k8s-cluster-agent.

Each simulated user is one dashboard panel set refreshing about once a second over a fixed set of pods,
namespaces and nodes, weighted like a real SRE dashboard: namespace and cluster overviews and node gauges
most often, per-pod drill-downs (failure events, health score, scheduling) less, describe least. A small
share of requests asks for a pod that does not exist (a stale link): a 404 in the error envelope is the
right answer there and counts as a success.

Targets come from the bundled demo cluster dump (src/k8s_agent/demo/cluster) unless TARGETS_FILE points at
another dump directory, or PODS / NAMESPACES / NODES give comma-separated lists ("ns/pod,..").

    locust -f scripts/locust/locustfile.py --headless -u 50 -r 25 -t 30s -H http://127.0.0.1:8080 --csv out/load

The run's exit code is 1 when any request failed, or the 95th percentile exceeds P95_BUDGET_MS (500).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[2]
P95_BUDGET_MS = float(os.environ.get("P95_BUDGET_MS", "500"))


def _items(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text()).get("items", [])
    except (OSError, ValueError):
        return []


def _targets() -> tuple[list[tuple[str, str]], list[str], list[str]]:
    dump = Path(os.environ.get("TARGETS_FILE", ROOT / "src" / "k8s_agent" / "demo" / "cluster"))
    pods = [
        (p["metadata"]["namespace"], p["metadata"]["name"])
        for p in _items(dump / "pods.json")
        if p.get("metadata", {}).get("namespace") != "kube-system"
    ]
    nodes = [n["metadata"]["name"] for n in _items(dump / "nodes.json")]
    if os.environ.get("PODS"):
        pods = [tuple(x.split("/", 1)) for x in os.environ["PODS"].split(",") if "/" in x]  # type: ignore[misc]
    if os.environ.get("NODES"):
        nodes = [x for x in os.environ["NODES"].split(",") if x]
    namespaces = sorted({ns for ns, _ in pods})
    if os.environ.get("NAMESPACES"):
        namespaces = [x for x in os.environ["NAMESPACES"].split(",") if x]
    if not pods or not nodes:
        raise SystemExit("locustfile: no targets (no demo cluster dump and no PODS/NODES given)")
    return pods, namespaces, nodes


PODS, NAMESPACES, NODES = _targets()


class Dashboard(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def _get(self, path: str, name: str, expect_404: bool = False) -> None:
        with self.client.get(path, name=name, catch_response=True) as r:
            if expect_404 and r.status_code == 404:
                body = r.json() if r.text else {}
                if body.get("error", {}).get("code") == "RESOURCE_NOT_FOUND":
                    r.success()
                else:
                    r.failure("404 without the error envelope")
            elif r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {r.text[:200]}")
            elif "data" not in (r.json() or {}):
                r.failure("200 without the data envelope")

    @task(4)
    def namespace_errors(self) -> None:
        self._get(f"/api/v1/namespace/{random.choice(NAMESPACES)}/error", "/api/v1/namespace/{ns}/error")

    @task(3)
    def node_utilization(self) -> None:
        self._get(f"/api/v1/nodes/{random.choice(NODES)}/utilization", "/api/v1/nodes/{node}/utilization")

    @task(2)
    def all_nodes(self) -> None:
        self._get("/api/v1/nodes/utilization", "/api/v1/nodes/utilization")

    @task(2)
    def cluster_issues(self) -> None:
        self._get("/api/v1/cluster/pod-issues?limit=50", "/api/v1/cluster/pod-issues")

    @task(3)
    def failure_events(self) -> None:
        ns, pod = random.choice(PODS)
        self._get(f"/api/v1/pods/{ns}/{pod}/failure-events", "/api/v1/pods/{ns}/{pod}/failure-events")

    @task(3)
    def health(self) -> None:
        ns, pod = random.choice(PODS)
        self._get(f"/api/v1/pods/{ns}/{pod}/health-score", "/api/v1/pods/{ns}/{pod}/health-score")

    @task(2)
    def scheduling(self) -> None:
        ns, pod = random.choice(PODS)
        self._get(f"/api/v1/pods/{ns}/{pod}/scheduling", "/api/v1/pods/{ns}/{pod}/scheduling")

    @task(1)
    def resources(self) -> None:
        ns, pod = random.choice(PODS)
        self._get(f"/api/v1/pods/{ns}/{pod}/resources", "/api/v1/pods/{ns}/{pod}/resources")

    @task(1)
    def describe(self) -> None:
        ns, pod = random.choice(PODS)
        self._get(f"/api/v1/pods/{ns}/{pod}/describe", "/api/v1/pods/{ns}/{pod}/describe")

    @task(1)
    def stale_link(self) -> None:
        ns = random.choice(NAMESPACES)
        self._get(
            f"/api/v1/pods/{ns}/deleted-pod-0/failure-events",
            "/api/v1/pods/{ns}/{missing}/failure-events",
            True,
        )


@events.quitting.add_listener
def _slo(environment, **_kw) -> None:
    total = environment.stats.total
    if total.num_requests == 0:
        print("load test: no requests were made")
        environment.process_exit_code = 1
    elif total.num_failures > 0:
        print(f"load test: {total.num_failures} of {total.num_requests} requests failed")
        environment.process_exit_code = 1
    elif total.get_response_time_percentile(0.95) > P95_BUDGET_MS:
        print(f"load test: p95 {total.get_response_time_percentile(0.95)} ms > {P95_BUDGET_MS} ms")
        environment.process_exit_code = 1
    else:
        environment.process_exit_code = 0
