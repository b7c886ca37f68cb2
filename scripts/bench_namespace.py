#!/usr/bin/env python
"""Benchmark of the namespace error analysis: 5,000 pods, 20,000 events, ~600 ReplicaSets in one namespace.

Generates realistic API JSON (metadata with labels, annotations and managedFields; containers with env,
probes, mounts; conditions and container statuses; both event shapes), times decoding the JSON bytes into
msgspec Structs separately from the analysis, and prints the time per analysis and per 1,000 pods. It asserts
nothing about time.

    .venv/bin/python scripts/bench_namespace.py [--pods 5000] [--events 20000] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta

import benchlib
import msgspec

from k8s_agent.analysis.failure_events import analyze_failure_events
from k8s_agent.analysis.namespace_errors import analyze_namespace
from k8s_agent.kube.models import EventList, PodList, ReplicaSetList, decode

NS = "bench"
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def ts(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _managed_fields() -> list[dict]:
    return [
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "v1",
            "time": ts(timedelta(hours=3)),
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}}},
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": ts(timedelta(hours=2)),
            "fieldsType": "FieldsV1",
            "subresource": "status",
            "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:phase": {}}},
        },
    ]


def _container(name: str) -> dict:
    return {
        "name": name,
        "image": f"registry.example.com/team/{name}:1.2.3",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
        "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(8)]
        + [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app"},
            {
                "name": "kube-api-access-abcde",
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True,
            },
        ],
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def _healthy_status(name: str, restarts: int = 0) -> dict:
    return {
        "name": name,
        "ready": True,
        "started": True,
        "restartCount": restarts,
        "image": f"registry.example.com/team/{name}:1.2.3",
        "imageID": f"registry.example.com/team/{name}@sha256:{'a' * 64}",
        "containerID": f"containerd://{'b' * 64}",
        "state": {"running": {"startedAt": ts(timedelta(hours=1))}},
        "lastState": {},
    }


def _trouble(rng: random.Random, name: str, pod: str) -> tuple[str, dict, list[dict]]:
    """A troubled container status (phase, status, conditions)."""
    kind = rng.choice(["crash", "crash", "pull", "config", "oom", "exit", "pending", "evicted"])
    if kind == "crash":
        return (
            "Running",
            {
                **_healthy_status(name, rng.randint(1, 40)),
                "ready": False,
                "state": {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off 5m0s restarting failed container={name} pod={pod}_{NS}(uid)",
                    }
                },
                "lastState": {
                    "terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(timedelta(minutes=2))}
                },
            },
            [],
        )
    if kind == "pull":
        return (
            "Pending",
            {
                **_healthy_status(name),
                "ready": False,
                "state": {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "x/{name}:nope": ErrImagePull: rpc error: code = NotFound desc = not found',
                    }
                },
            },
            [],
        )
    if kind == "config":
        return (
            "Pending",
            {
                **_healthy_status(name),
                "ready": False,
                "state": {
                    "waiting": {"reason": "CreateContainerConfigError", "message": 'secret "db" not found'}
                },
            },
            [],
        )
    if kind == "oom":
        return (
            "Running",
            {
                **_healthy_status(name, rng.randint(1, 12)),
                "lastState": {
                    "terminated": {
                        "exitCode": 137,
                        "reason": "OOMKilled",
                        "finishedAt": ts(timedelta(minutes=9)),
                    }
                },
            },
            [],
        )
    if kind == "exit":
        return (
            "Running",
            {
                **_healthy_status(name),
                "ready": False,
                "state": {
                    "terminated": {"exitCode": 2, "reason": "Error", "finishedAt": ts(timedelta(minutes=1))}
                },
            },
            [],
        )
    if kind == "pending":
        return (
            "Pending",
            {},
            [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/50 nodes are available: 50 Insufficient memory. preemption: 0/50 nodes are available: "
                    "50 No preemption victims found for incoming pod.",
                }
            ],
        )
    return (
        "Failed",
        {
            **_healthy_status(name),
            "ready": False,
            "state": {
                "terminated": {
                    "exitCode": 137,
                    "reason": "ContainerStatusUnknown",
                    "message": "The container could not be located when the pod was terminated",
                }
            },
        },
        [],
    )


def generate(n_pods: int, n_events: int, seed: int = 42) -> tuple[bytes, bytes, bytes]:
    rng = random.Random(seed)
    replicasets, pods, events = [], [], []
    deployments = max(1, n_pods // 10)
    for d in range(deployments):
        rs_name = f"svc-{d}-{rng.getrandbits(32):08x}"
        replicasets.append(
            {
                "metadata": {
                    "name": rs_name,
                    "namespace": NS,
                    "uid": f"rs-{d}",
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": f"svc-{d}",
                            "uid": f"dep-{d}",
                            "controller": True,
                        }
                    ],
                },
                "spec": {"replicas": 10},
                "status": {"replicas": 10, "readyReplicas": 9},
            }
        )
    for i in range(n_pods):
        roll = rng.random()
        labels = {"app": f"svc-{i % deployments}", "team": "bench", "version": "1.2.3"}
        if roll < 0.80:
            d = i % deployments
            rs = replicasets[d]["metadata"]
            owner = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": rs["name"],
                "uid": rs["uid"],
                "controller": True,
            }
            labels["pod-template-hash"] = rs["name"].rsplit("-", 1)[1]
            name = f"{rs['name']}-{rng.getrandbits(24):06x}"
        elif roll < 0.90:
            owner = {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "name": f"db-{i % 20}",
                "uid": f"sts-{i % 20}",
                "controller": True,
            }
            name = f"db-{i % 20}-{i}"
        elif roll < 0.95:
            owner = {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": f"job-{i}",
                "uid": f"job-{i}",
                "controller": True,
            }
            name = f"job-{i}-{rng.getrandbits(20):05x}"
        else:
            owner = {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "name": "agent",
                "uid": "ds-1",
                "controller": True,
            }
            name = f"agent-{i}"
        containers = ["app", "proxy"] if rng.random() < 0.3 else ["app"]
        statuses = [_healthy_status(c) for c in containers]
        phase, conditions = (
            "Running",
            [
                {"type": "Initialized", "status": "True", "lastTransitionTime": ts(timedelta(hours=2))},
                {"type": "Ready", "status": "True", "lastTransitionTime": ts(timedelta(hours=2))},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": ts(timedelta(hours=2))},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(timedelta(hours=2))},
            ],
        )
        reason = message = ""
        if rng.random() < 0.12:
            phase, trouble, extra = _trouble(rng, containers[0], name)
            if trouble:
                statuses[0] = trouble
            else:
                statuses = []
                conditions = extra
            if phase == "Failed":
                reason, message = (
                    "Evicted",
                    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki.",
                )
        pods.append(
            {
                "metadata": {
                    "name": name,
                    "namespace": NS,
                    "uid": f"pod-{i}",
                    "resourceVersion": str(100000 + i),
                    "creationTimestamp": ts(timedelta(hours=2, minutes=rng.randint(0, 600))),
                    "labels": labels,
                    "annotations": {
                        "kubectl.kubernetes.io/restartedAt": ts(timedelta(days=1)),
                        "prometheus.io/scrape": "true",
                    },
                    "ownerReferences": [owner],
                    "managedFields": _managed_fields(),
                },
                "spec": {
                    "nodeName": f"node-{i % 50}",
                    "schedulerName": "default-scheduler",
                    "serviceAccountName": "default",
                    "restartPolicy": "Always",
                    "containers": [_container(c) for c in containers],
                    "volumes": [
                        {"name": "config", "configMap": {"name": "app-config"}},
                        {
                            "name": "kube-api-access-abcde",
                            "projected": {"sources": [{"configMap": {"name": "kube-root-ca.crt"}}]},
                        },
                    ],
                    "tolerations": [
                        {
                            "key": "node.kubernetes.io/not-ready",
                            "operator": "Exists",
                            "effect": "NoExecute",
                            "tolerationSeconds": 300,
                        }
                    ],
                },
                "status": {
                    "phase": phase,
                    "reason": reason,
                    "message": message,
                    "qosClass": "Burstable",
                    "hostIP": f"10.0.{i % 50}.1",
                    "podIP": f"10.1.{i // 250}.{i % 250}",
                    "startTime": ts(timedelta(hours=2)),
                    "conditions": conditions,
                    "containerStatuses": statuses,
                },
            }
        )
    reasons = [
        ("Warning", "BackOff", "Back-off restarting failed container app in pod {p}"),
        ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
        (
            "Warning",
            "FailedMount",
            'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found',
        ),
        (
            "Normal",
            "Pulled",
            'Container image "registry.example.com/team/app:1.2.3" already present on machine',
        ),
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app"),
    ]
    for j in range(n_events):
        p = pods[rng.randrange(len(pods))]["metadata"]
        type_, reason, msg = reasons[rng.randrange(len(reasons))]
        ago = timedelta(seconds=rng.randint(0, 7200))
        ev = {
            "metadata": {
                "name": f"{p['name']}.{j:x}",
                "namespace": NS,
                "uid": f"ev-{j}",
                "creationTimestamp": ts(ago),
            },
            "involvedObject": {
                "kind": "Pod",
                "namespace": NS,
                "name": p["name"],
                "uid": p["uid"],
                "apiVersion": "v1",
                "fieldPath": "spec.containers{app}",
            },
            "reason": reason,
            "message": msg.format(p=p["name"]),
            "type": type_,
            "reportingComponent": "kubelet",
            "reportingInstance": "node-1",
        }
        if j % 4 == 0:  # events.k8s.io shape
            ev.update(
                {
                    "eventTime": (NOW - ago - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "series": {"count": rng.randint(2, 30), "lastObservedTime": ts(ago)},
                    "firstTimestamp": None,
                    "lastTimestamp": None,
                    "count": None,
                }
            )
        else:
            ev.update(
                {
                    "firstTimestamp": ts(ago + timedelta(minutes=10)),
                    "lastTimestamp": ts(ago),
                    "count": rng.randint(1, 50),
                    "source": {"component": "kubelet", "host": f"node-{j % 50}"},
                }
            )
        events.append(ev)
    enc = msgspec.json.encode
    return (
        enc({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": pods}),
        enc({"kind": "EventList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": events}),
        enc(
            {
                "kind": "ReplicaSetList",
                "apiVersion": "apps/v1",
                "metadata": {"resourceVersion": "1"},
                "items": replicasets,
            }
        ),
    )


def timed(fn, runs: int) -> tuple[float, object]:
    median, _, result = benchlib.timed(fn, runs)
    return median, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    pods_raw, events_raw, rs_raw = generate(args.pods, args.events)
    print(
        f"input: {args.pods} pods ({len(pods_raw) / 1e6:.1f} MB), {args.events} events "
        f"({len(events_raw) / 1e6:.1f} MB), ReplicaSets {len(rs_raw) / 1e3:.0f} KB"
    )

    t_pods, pods = timed(lambda: decode(pods_raw, PodList).items, args.runs)
    t_events, events = timed(lambda: decode(events_raw, EventList).items, args.runs)
    t_rs, replicasets = timed(lambda: decode(rs_raw, ReplicaSetList).items, args.runs)
    print(
        f"decode: pods {t_pods * 1e3:.1f} ms, events {t_events * 1e3:.1f} ms, replicasets {t_rs * 1e3:.1f} ms"
    )

    t_an, report = timed(lambda: analyze_namespace(NS, pods, events, replicasets, 5, NOW), args.runs)
    t_enc, body = timed(lambda: msgspec.json.encode(report), args.runs)
    print(
        f"analyze_namespace: {t_an * 1e3:.1f} ms median of {args.runs} "
        f"({t_an * 1e3 / (args.pods / 1000):.2f} ms per 1,000 pods); encode {t_enc * 1e3:.1f} ms, {len(body) / 1e3:.0f} KB"
    )
    print(
        f"  analysed {report.total_pods_analyzed}, problematic {report.problematic_pods_count}, "
        f"issues {report.critical_issues_count} critical / {report.warning_issues_count} warning"
    )
    print(f"decode + analyze + encode: {(t_pods + t_events + t_rs + t_an + t_enc) * 1e3:.1f} ms")

    # worst case for one pod: every event re-addressed to it (the service reads only the pod's own events)
    pod = next(
        p for p in pods if p.status.container_statuses and p.status.container_statuses[0].state.waiting
    )
    io = msgspec.structs.replace(events[0].involved_object, name=pod.metadata.name, uid=pod.metadata.uid)
    mine = [msgspec.structs.replace(e, involved_object=io) for e in events]
    t_fe, fe = timed(lambda: analyze_failure_events(pod, mine, [], [], NOW), args.runs)
    print(
        f"analyze_failure_events with {len(mine)} events on one pod: {t_fe * 1e3:.1f} ms "
        f"({len(fe.failure_events)} failure events kept)"
    )


if __name__ == "__main__":
    main()
