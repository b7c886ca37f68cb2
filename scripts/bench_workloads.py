#!/usr/bin/env python
"""Benchmark of the workload diagnosis: a Deployment with 10 ReplicaSets and 500 pods, mid-rollout.

The cluster: Deployment ``web`` (500 replicas) whose revision 10 is rolling out over revision 9 (400 ready
pods on revision 9, 100 on revision 10 of which half crash-loop), revisions 1-8 kept at 0 replicas; 500 pods
of other Deployments in the same namespace (the diagnosis lists the namespace); 2,000 Warning events; a
ResourceQuota. Pods are realistic API JSON (labels, annotations, managedFields, env, probes, mounts, kubelet
status: ~3.5 KB each).

Printed (nothing asserted about time):
* decode: the namespace's pod, event and ReplicaSet lists from JSON bytes into the agent's Structs;
* analysis: the pure diagnosis over decoded objects;
* end to end: the service through the live source against the fake Kubernetes API (in a process of its own)
  over HTTP (the Deployment's GET, then its pods by its label selector, with the namespace's Warning events,
  ReplicaSets and quotas meanwhile; paged lists, decoding, analysis), cold (nothing cached), against the
  default request deadline (500 ms). The first run also opens the connections.

    .venv/bin/python scripts/bench_workloads.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from builders.workloads import (  # noqa: E402
    cond,
    container,
    deployment,
    event,
    quota,
    replicaset,
    rs_pod,
    ts,
)
from k8s_agent.analysis.workloads.diagnose import diagnose  # noqa: E402
from k8s_agent.kube import models as m  # noqa: E402
from k8s_agent.kube.live import LiveSource  # noqa: E402
from k8s_agent.services.workloads import diagnosis  # noqa: E402

NS = "shop"
DEADLINE = 0.5


def _managed_fields(at: str) -> list[dict]:
    return [
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "v1",
            "time": at,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {
                    "f:generateName": {},
                    "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
                    "f:ownerReferences": {".": {}, 'k:{"uid":"x"}': {}},
                },
                "f:spec": {"f:containers": {'k:{"name":"app"}': {".": {}, "f:env": {}, "f:image": {}}}},
            },
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": at,
            "fieldsType": "FieldsV1",
            "subresource": "status",
            "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:phase": {}}},
        },
    ]


def build(now: datetime) -> list[dict]:
    def image(rev: int) -> str:
        return f"registry.example.com/shop/web:1.{rev}.0"

    def containers(rev: int) -> list[dict]:
        return [container(image(rev), cpu="100m", memory="128Mi", args=["--port=8080", f"--revision={rev}"])]

    objs: list[dict] = []
    status = {"replicas": 500, "updatedReplicas": 100, "readyReplicas": 450, "availableReplicas": 450}
    conditions = [
        cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        cond(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            'ReplicaSet "web-rev10" has timed out progressing.',
        ),
    ]
    objs.append(
        deployment("web", image(10), replicas=500, generation=10, status=status, conditions=conditions)
    )
    objs[0]["spec"]["template"]["spec"]["containers"] = containers(10)
    sets = []
    for rev in range(1, 11):
        # revision 10 rolled out 2 hours ago (its pods' age), the others one day apart before it
        created = ts(now - (timedelta(hours=2, minutes=1) if rev == 10 else timedelta(days=11 - rev)))
        replicas = {9: 400, 10: 100}.get(rev, 0)
        rs = replicaset(
            "web",
            f"rev{rev:02d}x{rev:03d}",
            rev,
            image(rev),
            replicas=replicas,
            created=created,
            containers=containers(rev),
        )
        sets.append(rs)
        objs.append(rs)
    at = ts(now - timedelta(hours=2))
    for i in range(500):
        rs = sets[9] if i < 100 else sets[8]
        state = "crashloop" if i < 50 else "ready"
        p = rs_pod(
            rs, f"p{i:04d}", state=state, node=f"worker-{i % 40:02d}", created=now - timedelta(hours=2)
        )
        p["metadata"]["managedFields"] = _managed_fields(at)
        p["metadata"]["annotations"] = {
            "kubectl.kubernetes.io/restartedAt": at,
            "prometheus.io/scrape": "true",
        }
        objs.append(p)
        if state == "crashloop":
            for reason, msg in (
                ("BackOff", f"Back-off restarting failed container app in pod {p['metadata']['name']}"),
                ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
            ):
                objs.append(
                    event(
                        "Pod",
                        p["metadata"]["name"],
                        reason,
                        msg,
                        first=now - timedelta(minutes=50),
                        last=now - timedelta(seconds=20),
                        count=30,
                    )
                )
    other = replicaset("api", "7f7f7f7f7f", 1, "registry.example.com/shop/api:3.0.0", replicas=500)
    objs.append(deployment("api", "registry.example.com/shop/api:3.0.0", replicas=500))
    objs.append(other)
    for i in range(500):
        p = rs_pod(other, f"o{i:04d}", node=f"worker-{i % 40:02d}")
        p["metadata"]["managedFields"] = _managed_fields(at)
        objs.append(p)
    n_events = sum(1 for o in objs if o["kind"] == "Event")
    for i in range(2000 - n_events):
        name = f"api-7f7f7f7f7f-o{i % 500:04d}"
        objs.append(
            event(
                "Pod",
                name,
                "Unhealthy",
                f"Liveness probe failed: timeout #{i}",
                first=now - timedelta(minutes=30),
            )
        )
    objs.append(
        quota(
            "compute",
            {"requests.cpu": "200", "requests.memory": "400Gi"},
            {"requests.cpu": "100", "requests.memory": "128Gi"},
        )
    )
    return objs


def median_ms(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


async def end_to_end(kubeconfig: Path, now: datetime, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        source = await LiveSource.connect(kubeconfig=str(kubeconfig), timeout=10)
        try:
            t0 = time.perf_counter()
            result = await diagnosis(source, NS, "Deployment", "web", now=now, restart_threshold=5)
            times.append((time.perf_counter() - t0) * 1000)
        finally:
            await source.close()
        assert result.state == "stuck" and result.revisions[0].failing_pods == 50, result.state_reason
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    now = datetime.now(UTC)
    objs = build(now)
    enc = msgspec.json.Encoder()
    by_kind: dict[str, list[dict]] = {}
    for o in objs:
        by_kind.setdefault(o["kind"], []).append(o)
    pods_raw = enc.encode({"items": by_kind["Pod"]})
    events_raw = enc.encode({"items": by_kind["Event"]})
    rs_raw = enc.encode({"items": by_kind["ReplicaSet"]})
    print(
        f"namespace {NS}: {len(by_kind['Pod'])} pods ({len(pods_raw) / len(by_kind['Pod']) / 1024:.1f} KB each as JSON), "
        f"{len(by_kind['Event'])} events, {len(by_kind['ReplicaSet'])} ReplicaSets (web: 10 revisions, 500 pods)"
    )

    def decode_all():
        return (
            m.decode(pods_raw, m.PodList).items,
            m.decode(events_raw, m.EventList).items,
            m.decode(rs_raw, m.ReplicaSetList).items,
        )

    t_decode, (pods, events, rss) = median_ms(decode_all, args.runs)  # type: ignore[misc]
    dep = m.convert(by_kind["Deployment"][0], m.Deployment)
    quotas = [m.convert(q, m.ResourceQuota) for q in by_kind["ResourceQuota"]]

    def analyse():
        return diagnose(
            "Deployment", dep, namespace=NS, now=now, pods=pods, events=events, replicasets=rss, quotas=quotas
        )

    t_analysis, result = median_ms(analyse, args.runs)
    print(f"decode (pods, events, ReplicaSets): {t_decode:7.1f} ms (median of {args.runs})")
    print(f"analysis (pure diagnosis):          {t_analysis:7.1f} ms (median of {args.runs})")
    print(
        f"  -> state {result.state}; revision {result.revisions[0].revision} failing pods {result.revisions[0].failing_pods}; {result.what_changed.summary if result.what_changed else ''}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        # the fake API in a process of its own, as a real API server would be (not sharing our GIL)
        dump = Path(tmp) / "cluster.json"
        dump.write_bytes(enc.encode({"apiVersion": "v1", "kind": "List", "items": objs}))
        kubeconfig = Path(tmp) / "kubeconfig"
        fake = subprocess.Popen(
            [sys.executable, "-m", "fakeapi", "--dump", str(dump), "--kubeconfig", str(kubeconfig)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        try:
            json.loads(fake.stdout.readline())  # type: ignore[union-attr]  # serving
            times = asyncio.run(end_to_end(kubeconfig, now, args.runs))
        finally:
            fake.terminate()
            fake.wait(10)
    med = statistics.median(times)
    load = os.getloadavg()[0]
    print(f"machine load average (1 min): {load:.1f} on {os.cpu_count()} CPUs (figures scale with it)")
    print(
        f"end to end (live source over HTTP, cold): median {med:7.1f} ms, max {max(times):7.1f} ms "
        f"({med / (DEADLINE * 1000):.0%} of the default {DEADLINE * 1000:.0f} ms deadline)"
    )


if __name__ == "__main__":
    main()
