#!/usr/bin/env python
"""Benchmark of the dashboard views: all-nodes utilization and cluster pod issues over a generated cluster of
500 nodes and 10,000 pods (50 namespaces, Deployments and StatefulSets plus DaemonSet and Job pods, ~6% of pods
in trouble, Warning events in both event shapes, NodeMetrics for all but 10 nodes).

Generates API JSON, decodes it once into msgspec Structs (timed separately: in the agent the decoded lists are
cached and shared), then times each analysis and the encoding of its answer, and prints the median of the runs.
It asserts nothing about time.

    .venv/bin/python scripts/bench_nodes.py [--nodes 500] [--pods 10000] [--runs 7]
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import benchlib
import msgspec

from k8s_agent.analysis.node_utilization import cluster_utilization, node_utilization
from k8s_agent.analysis.pod_issues import analyze_cluster
from k8s_agent.kube.models import EventList, NodeList, NodeMetricsList, PodList, ReplicaSetList, decode

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
NAMESPACES = 50


def ts(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def gen_nodes(n: int) -> tuple[list[dict], list[dict]]:
    nodes, metrics = [], []
    for i in range(n):
        name = f"node-{i:04d}"
        ready = "False" if i % 97 == 5 else "True"
        nodes.append(
            {
                "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "zone": f"z{i % 3}"}},
                "spec": {
                    "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
                    if i % 50 == 0
                    else []
                },
                "status": {
                    "capacity": {
                        "cpu": "8",
                        "memory": "32863400Ki",
                        "pods": "110",
                        "ephemeral-storage": "203056560Ki",
                    },
                    "allocatable": {
                        "cpu": "7910m",
                        "memory": "29602984Ki",
                        "pods": "110",
                        "ephemeral-storage": "187136925387",
                    },
                    "conditions": [
                        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
                        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
                        {
                            "type": "Ready",
                            "status": ready,
                            "reason": "KubeletReady",
                            "lastTransitionTime": ts(timedelta(days=3)),
                        },
                    ],
                },
            }
        )
        if i % 50 != 7:  # 10 nodes without a sample
            metrics.append(
                {
                    "metadata": {"name": name},
                    "timestamp": ts(timedelta(seconds=12)),
                    "window": "20.05s",
                    "usage": {
                        "cpu": f"{random.randint(200_000_000, 7_500_000_000)}n",
                        "memory": f"{random.randint(2_000_000, 28_000_000)}Ki",
                    },
                }
            )
    return nodes, metrics


def _container(name: str) -> dict:
    return {
        "name": name,
        "image": f"registry.example.com/{name}:1.0",
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
    }


def _status(name: str, rng: random.Random, trouble: str) -> dict:
    st = {
        "name": name,
        "ready": True,
        "restartCount": 0,
        "state": {"running": {"startedAt": ts(timedelta(hours=5))}},
    }
    if trouble == "crash":
        st.update(
            ready=False,
            restartCount=rng.randint(3, 40),
            state={
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off 5m0s restarting failed container={name}",
                }
            },
            lastState={
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": ts(timedelta(minutes=8)),
                    "finishedAt": ts(timedelta(minutes=3)),
                }
            },
        )
    elif trouble == "pull":
        st.update(
            ready=False,
            state={"waiting": {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "x"'}},
        )
    elif trouble == "oom":
        st.update(
            restartCount=rng.randint(1, 9),
            lastState={
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "finishedAt": ts(timedelta(minutes=20)),
                }
            },
        )
    return st


def gen_pods(n: int, nodes: int, rng: random.Random) -> tuple[list[dict], list[dict], list[dict]]:
    pods, replicasets, events = [], [], []
    per_ns = n // NAMESPACES
    for k in range(n):
        ns = f"team-{k // per_ns:02d}"
        app = f"app-{(k % per_ns) // 10:03d}"
        kind = rng.choices(["rs", "sts", "ds", "job"], weights=[80, 8, 7, 5])[0]
        if kind == "rs":
            rs_name = f"{app}-5f9c8d7b6"
            owner = {"kind": "ReplicaSet", "name": rs_name, "uid": f"rs-{ns}-{rs_name}", "controller": True}
            if (k % per_ns) % 10 == 0:
                replicasets.append(
                    {
                        "metadata": {
                            "name": rs_name,
                            "namespace": ns,
                            "uid": f"rs-{ns}-{rs_name}",
                            "ownerReferences": [
                                {
                                    "kind": "Deployment",
                                    "name": app,
                                    "uid": f"d-{ns}-{app}",
                                    "controller": True,
                                }
                            ],
                        }
                    }
                )
        elif kind == "sts":
            owner = {"kind": "StatefulSet", "name": app, "uid": f"sts-{ns}-{app}", "controller": True}
        elif kind == "ds":
            owner = {"kind": "DaemonSet", "name": "agent", "uid": f"ds-{ns}", "controller": True}
        else:
            owner = {"kind": "Job", "name": f"job-{k}", "uid": f"job-{k}", "controller": True}
        name = f"{app}-{k:05d}"
        trouble = rng.choices(["", "crash", "pull", "oom", "pending"], weights=[94, 2, 1, 2, 1])[0]
        phase = "Pending" if trouble in ("pull", "pending") else "Running"
        if kind == "job" and not trouble:
            phase = rng.choice(["Running", "Succeeded"])
        containers = [_container("app"), _container("sidecar")]
        statuses = [] if trouble == "pending" else [_status("app", rng, trouble), _status("sidecar", rng, "")]
        conditions = [
            {"type": t, "status": "True"} for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
        ]
        if trouble == "pending":
            conditions = [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": f"0/{nodes} nodes are available: {nodes} Insufficient memory.",
                }
            ]
        uid = f"uid-{k}"
        pods.append(
            {
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "uid": uid,
                    "creationTimestamp": ts(timedelta(hours=6)),
                    "labels": {"app": app, "pod-template-hash": "5f9c8d7b6"},
                    "ownerReferences": [owner],
                },
                "spec": {
                    "nodeName": "" if trouble == "pending" else f"node-{k % nodes:04d}",
                    "containers": containers,
                },
                "status": {
                    "phase": phase,
                    "startTime": ts(timedelta(hours=6)),
                    "conditions": conditions,
                    "containerStatuses": statuses,
                },
            }
        )
        if trouble:
            involved = {"kind": "Pod", "name": name, "namespace": ns, "uid": uid}
            events.append(
                {
                    "metadata": {"name": f"{name}.1", "namespace": ns},
                    "involvedObject": involved,
                    "type": "Warning",
                    "reason": "BackOff" if trouble == "crash" else "Failed",
                    "message": "Back-off restarting failed container",
                    "count": rng.randint(1, 50),
                    "firstTimestamp": ts(timedelta(hours=2)),
                    "lastTimestamp": ts(timedelta(minutes=rng.randint(1, 90))),
                }
            )
            events.append(
                {
                    "metadata": {"name": f"{name}.2", "namespace": ns},
                    "involvedObject": involved,
                    "type": "Warning",
                    "reason": "FailedScheduling" if trouble == "pending" else "Unhealthy",
                    "message": "something failed",
                    "eventTime": ts(timedelta(minutes=30)),
                    "series": {"count": 4, "lastObservedTime": ts(timedelta(minutes=2))},
                }
            )
    return pods, replicasets, events


def timed(fn, runs: int) -> tuple[float, object]:
    median, _, result = benchlib.timed(fn, runs)
    return median * 1000, result


def main() -> None:
    args = benchlib.cluster_parser(__doc__, runs=7).parse_args()
    rng = random.Random(args.seed)
    random.seed(args.seed)

    nodes_raw, metrics_raw = gen_nodes(args.nodes)
    pods_raw, rs_raw, events_raw = gen_pods(args.pods, args.nodes, rng)
    enc = msgspec.json.Encoder()
    blobs = {
        "nodes": (enc.encode({"items": nodes_raw}), NodeList),
        "nodemetrics": (enc.encode({"items": metrics_raw}), NodeMetricsList),
        "pods": (enc.encode({"items": pods_raw}), PodList),
        "replicasets": (enc.encode({"items": rs_raw}), ReplicaSetList),
        "events": (enc.encode({"items": events_raw}), EventList),
    }
    print(
        f"cluster: {args.nodes} nodes ({len(metrics_raw)} with a sample), {args.pods} pods in {NAMESPACES} namespaces, "
        f"{len(rs_raw)} ReplicaSets, {len(events_raw)} events; median of {args.runs} runs"
    )
    decoded = {}
    for what, (raw, t) in blobs.items():
        ms, obj = timed(lambda raw=raw, t=t: decode(raw, t), args.runs)
        decoded[what] = obj.items
        print(
            f"  decode {what:<12} {len(raw) / 1e6:6.1f} MB  {ms:8.1f} ms  (once per cache TTL, shared by every view)"
        )

    nodes, metrics, pods = decoded["nodes"], decoded["nodemetrics"], decoded["pods"]
    ms, util = timed(lambda: cluster_utilization(nodes, metrics, pods, now=NOW, sort="cpu"), args.runs)
    ms_enc, body = timed(lambda: enc.encode(util), args.runs)
    print(
        f"  all-nodes utilization analysis   {ms:8.1f} ms   encode {ms_enc:6.1f} ms   ({len(body) / 1e3:.0f} kB)"
    )

    on_node = [p for p in pods if p.spec.node_name == "node-0001"]
    ms, _ = timed(lambda: node_utilization(nodes[1], metrics[1], on_node), args.runs)
    print(f"  one-node utilization analysis    {ms:8.3f} ms   ({len(on_node)} pods on the node)")

    for include_all in (False, True):
        ms, report = timed(
            lambda include_all=include_all: analyze_cluster(
                pods,
                decoded["events"],
                decoded["replicasets"],
                restart_threshold=5,
                now=NOW,
                include_all=include_all,
            ),
            args.runs,
        )
        ms_enc, body = timed(lambda report=report: enc.encode(report), args.runs)
        scope = "includeAll" if include_all else "workloads "
        print(
            f"  cluster pod-issues ({scope})    {ms:8.1f} ms   encode {ms_enc:6.1f} ms   "
            f"({report.pods_analyzed} analysed, {report.problematic_pods_count} problematic, "
            f"{report.returned_pods} returned, {len(body) / 1e3:.0f} kB)"
        )


if __name__ == "__main__":
    main()
