"""Time the scheduling analysis of a pending pod on a large generated cluster.

    python scripts/bench_scheduling.py [--nodes 500] [--pods 10000] [--runs 15] [--seed 1]

Generates realistic nodes (labels, zones, taints on some, allocatable, conditions) and pods (1-3 containers,
some init containers and sidecars, varied requests, labels, host ports and anti-affinity on some), decodes
them into the agent's Structs as the live source would, then prints the median wall time of
``analyze_scheduling`` and ``explain_scheduling`` for a pending pod that exercises every check (node
selector, toleration, required node affinity, pod anti-affinity, host port, a PVC bound to a zonal PV,
zone and hostname topology spread), and the DynamicResources filter's share for a pod with a DRA claim
(``--gpus`` devices per node).
It asserts nothing about time.
"""

from __future__ import annotations

import random
import time
import zlib
from datetime import UTC, datetime

import benchlib
import msgspec

from k8s_agent.analysis.scheduling.analyze import analyze_scheduling, explain_scheduling
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects, DynamicResources
from k8s_agent.kube.models import (
    DeviceClassList,
    Event,
    NodeList,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    PodList,
    ResourceClaimList,
    ResourceSliceList,
    decode,
)

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
CPU = ["10m", "50m", "100m", "200m", "250m", "500m", "750m", "1", "1500m", "2"]
MEM = ["32Mi", "64Mi", "128Mi", "256Mi", "512Mi", "768Mi", "1Gi", "1536Mi", "2Gi", "4Gi"]
APPS = [f"app-{i}" for i in range(300)]
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def gen_nodes(rng: random.Random, n: int) -> list[dict]:
    nodes = []
    for i in range(n):
        name = f"ip-10-0-{i // 250}-{i % 250}.eu-west-1.compute.internal"
        pool = "gpu" if i % 50 == 0 else ("system" if i % 25 == 0 else "general")
        taints = []
        if pool == "gpu":
            taints.append({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"})
        if pool == "system":
            taints.append({"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"})
        ready = "False" if i % 97 == 0 else "True"
        if ready == "False":
            taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
        alloc = {"cpu": "7910m", "memory": "31482Mi", "pods": "110", "ephemeral-storage": "95551679124"}
        if pool == "gpu":
            alloc["nvidia.com/gpu"] = "4"
        nodes.append(
            {
                "metadata": {
                    "name": name,
                    "uid": f"node-uid-{i}",
                    "labels": {
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                        "node.kubernetes.io/instance-type": "m6i.2xlarge",
                        "topology.kubernetes.io/zone": ZONES[i % 3],
                        "topology.kubernetes.io/region": "eu-west-1",
                        "pool": pool,
                    },
                },
                "spec": {"taints": taints, "unschedulable": i % 131 == 0, "providerID": f"aws:///i-{i:08x}"},
                "status": {
                    "capacity": {**alloc, "cpu": "8", "memory": "32386Mi"},
                    "allocatable": alloc,
                    "conditions": [
                        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
                        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
                        {
                            "type": "Ready",
                            "status": ready,
                            "reason": "KubeletReady" if ready == "True" else "KubeletNotReady",
                            "message": "kubelet is posting ready status",
                        },
                    ],
                    "nodeInfo": {"kubeletVersion": "v1.31.4-eks", "osImage": "Amazon Linux 2023"},
                },
            }
        )
    return nodes


def _container(rng: random.Random, name: str, ports: list[dict] | None = None) -> dict:
    cpu = rng.choice(CPU) if rng.random() < 0.9 else f"{rng.randint(5, 1999)}m"
    mem = rng.choice(MEM) if rng.random() < 0.9 else f"{rng.randint(16, 3000)}Mi"
    c = {
        "name": name,
        "image": f"registry.example.com/{name}:1.{rng.randint(0, 40)}",
        "resources": {"requests": {"cpu": cpu, "memory": mem}, "limits": {"memory": mem}},
        "ports": ports or [{"containerPort": 8080, "protocol": "TCP"}],
    }
    return c


def gen_pods(rng: random.Random, n: int, node_names: list[str]) -> list[dict]:
    pods = []
    for i in range(n):
        app = rng.choice(APPS)
        ns = f"team-{zlib.crc32(app.encode()) % 20}"
        node = node_names[i % len(node_names)]
        containers = [_container(rng, "main")]
        if rng.random() < 0.4:
            containers.append(_container(rng, "istio-proxy", [{"containerPort": 15090, "protocol": "TCP"}]))
        if rng.random() < 0.1:
            containers.append(_container(rng, "log-shipper"))
        spec: dict = {"nodeName": node, "containers": containers, "schedulerName": "default-scheduler"}
        if rng.random() < 0.3:
            spec["initContainers"] = [_container(rng, "init-db")]
        if rng.random() < 0.05:
            spec["initContainers"] = spec.get("initContainers", []) + [
                {**_container(rng, "sidecar"), "restartPolicy": "Always"}
            ]
        if i % 40 == 0:  # a node-exporter-like DaemonSet with a host port
            spec["containers"][0]["ports"] = [{"containerPort": 9100, "hostPort": 9100, "protocol": "TCP"}]
        if rng.random() < 0.05:
            spec["affinity"] = {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "labelSelector": {"matchLabels": {"app": app}},
                            "topologyKey": "kubernetes.io/hostname",
                        }
                    ]
                }
            }
        phase = "Succeeded" if rng.random() < 0.03 else "Running"
        pods.append(
            {
                "metadata": {
                    "name": f"{app}-{i:05d}",
                    "namespace": ns,
                    "uid": f"pod-uid-{i}",
                    "labels": {"app": app, "pod-template-hash": f"{zlib.crc32(app.encode()) % 10**8:08d}"},
                    "ownerReferences": [{"kind": "ReplicaSet", "name": f"{app}-rs", "controller": True}],
                },
                "spec": spec,
                "status": {"phase": phase, "qosClass": "Burstable", "podIP": f"10.1.{i // 250}.{i % 250}"},
            }
        )
    return pods


def pending_pod() -> dict:
    return {
        "metadata": {
            "name": "checkout-7d9f-abcde",
            "namespace": "shop",
            "uid": "pending-uid",
            "labels": {"app": "checkout"},
        },
        "spec": {
            "schedulerName": "default-scheduler",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "pool", "operator": "In", "values": ["general", "system"]}
                                ]
                            }
                        ]
                    }
                },
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "labelSelector": {"matchLabels": {"app": "app-7"}},
                            "topologyKey": "kubernetes.io/hostname",
                            "namespaces": [f"team-{zlib.crc32(b'app-7') % 20}"],
                        }
                    ]
                },
            },
            "containers": [
                {
                    "name": "checkout",
                    "resources": {"requests": {"cpu": "3", "memory": "12Gi"}},
                    "ports": [{"containerPort": 9100, "hostPort": 9100}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "checkout-data"}}],
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": {"app": "checkout"}},
                },
                {
                    "maxSkew": 2,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": {"app": "checkout"}},
                    "matchLabelKeys": ["pod-template-hash"],
                },
            ],
        },
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "lastTransitionTime": "2025-06-01T11:50:00Z",
                    "message": "0/500 nodes are available: 10 node(s) had untolerated taint {nvidia.com/gpu: present}, "
                    "490 Insufficient memory. preemption: 0/500 nodes are available: 500 Preemption is not "
                    "helpful for scheduling.",
                }
            ],
        },
    }


def main() -> None:
    ap = benchlib.cluster_parser(__doc__, runs=15)
    ap.add_argument("--gpus", type=int, default=8, help="DRA devices per node (0: skip the DRA figure)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    enc = msgspec.json.Encoder()

    node_dicts = gen_nodes(rng, args.nodes)
    pod_dicts = gen_pods(rng, args.pods, [n["metadata"]["name"] for n in node_dicts])
    t0 = time.perf_counter()
    nodes = decode(enc.encode({"items": node_dicts}), NodeList).items
    pods = decode(enc.encode({"items": pod_dicts}), PodList).items
    decode_ms = (time.perf_counter() - t0) * 1000
    pod = decode(enc.encode(pending_pod()), Pod)
    pods.append(pod)
    pvc = decode(
        enc.encode(
            {
                "metadata": {"name": "checkout-data", "namespace": "shop"},
                "spec": {
                    "volumeName": "pv-checkout",
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "gp3",
                },
                "status": {"phase": "Bound"},
            }
        ),
        PersistentVolumeClaim,
    )
    pv = decode(
        enc.encode(
            {
                "metadata": {"name": "pv-checkout"},
                "spec": {
                    "nodeAffinity": {
                        "required": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {
                                            "key": "topology.kubernetes.io/zone",
                                            "operator": "In",
                                            "values": ["eu-west-1a"],
                                        }
                                    ]
                                }
                            ]
                        }
                    }
                },
            }
        ),
        PersistentVolume,
    )
    events = [
        decode(
            enc.encode(
                {
                    "metadata": {"name": "checkout.1"},
                    "involvedObject": {"kind": "Pod", "name": pod.metadata.name, "uid": "pending-uid"},
                    "reason": "FailedScheduling",
                    "type": "Warning",
                    "message": pod.status.conditions[0].message,
                    "eventTime": "2025-06-01T11:55:00.000000Z",
                    "reportingComponent": "default-scheduler",
                }
            ),
            Event,
        )
    ]
    pvcs, pvs = {"checkout-data": pvc}, {"pv-checkout": pv}

    def timed(fn) -> tuple[float, float, object]:
        fn(pod, events, nodes, pods, pvcs, pvs, NOW)  # warm-up: quantity-string cache, allocator
        median, largest, result = benchlib.timed(
            lambda: fn(pod, events, nodes, pods, pvcs, pvs, NOW), args.runs
        )
        return median * 1000, largest * 1000, result

    a_ms, a_max, a = timed(analyze_scheduling)
    e_ms, e_max, e = timed(explain_scheduling)
    print(
        f"cluster: {len(nodes)} nodes, {len(pods)} pods (decode from JSON: {decode_ms:.1f} ms, not timed below)"
    )
    print(f"analyze_scheduling: median {a_ms:.1f} ms (max {a_max:.1f}) over {args.runs} runs")
    print(f"explain_scheduling: median {e_ms:.1f} ms (max {e_max:.1f}) over {args.runs} runs")
    print(
        f"  unschedulable nodes: {len(a.unschedulable_nodes)}; categories: {', '.join(a.failure_categories)}"
    )
    print(f"  schedulable now: {e.summary.schedulable_nodes}; suggestions: {len(e.suggestions)}")
    dra(nodes, pods, args.gpus, args.runs, enc)


def dra(nodes: list, pods: list, gpus: int, runs: int, enc: msgspec.json.Encoder) -> None:
    """The DynamicResources filter's share: every node publishes ``gpus`` devices (one ResourceSlice each,
    a unique UUID attribute per device as real drivers publish), claims hold the devices of every other
    node, and a pending pod's claim asks for two devices with 60Gi or more (class and request selectors)."""
    if not gpus:
        return
    driver = "gpu.example.com"
    slices, held = [], []
    for i, n in enumerate(nodes):
        name = n.metadata.name
        devices = [
            {
                "name": f"gpu-{j}",
                "attributes": {"uuid": {"string": f"GPU-{i}-{j}"}, "model": {"string": "a100"}},
                "capacity": {"memory": {"value": "80Gi" if j % 2 else "40Gi"}},
            }
            for j in range(gpus)
        ]
        slices.append(
            {
                "metadata": {"name": f"{name}-gpu"},
                "spec": {
                    "driver": driver,
                    "nodeName": name,
                    "pool": {"name": name, "generation": 1, "resourceSliceCount": 1},
                    "devices": devices,
                },
            }
        )
        if i % 2:
            results = [
                {"request": "gpu", "driver": driver, "pool": name, "device": d["name"]} for d in devices
            ]
            held.append(
                {
                    "metadata": {"name": f"held-{i}", "namespace": "ml"},
                    "spec": {
                        "devices": {"requests": [{"name": "gpu", "exactly": {"deviceClassName": driver}}]}
                    },
                    "status": {"allocation": {"devices": {"results": results}}},
                }
            )
    request = {
        "deviceClassName": driver,
        "count": 2,
        "selectors": [
            {"cel": {"expression": f'device.capacity["{driver}"].memory.compareTo(quantity("60Gi")) >= 0'}}
        ],
    }
    mine = {
        "metadata": {"name": "train", "namespace": "ml"},
        "spec": {"devices": {"requests": [{"name": "gpu", "exactly": request}]}},
    }
    cls = {
        "metadata": {"name": driver},
        "spec": {"selectors": [{"cel": {"expression": f'device.driver == "{driver}"'}}]},
    }
    objs = DeviceObjects(
        decode(enc.encode({"items": [*held, mine]}), ResourceClaimList).items,
        decode(enc.encode({"items": slices}), ResourceSliceList).items,
        decode(enc.encode({"items": [cls]}), DeviceClassList).items,
    )
    pod = decode(
        enc.encode(
            {
                "metadata": {"name": "train-0", "namespace": "ml", "uid": "train-uid"},
                "spec": {
                    "containers": [{"name": "main", "resources": {"requests": {"cpu": "100m"}}}],
                    "resourceClaims": [{"name": "gpu", "resourceClaimName": "train"}],
                },
            }
        ),
        Pod,
    )
    plain = decode(
        enc.encode(
            {"metadata": {"name": "plain", "namespace": "ml"}, "spec": {"containers": [{"name": "main"}]}}
        ),
        Pod,
    )

    def median(p, storage) -> tuple[float, object]:
        ms, _, report = benchlib.timed(
            lambda: evaluate_nodes(p, nodes, pods, storage=storage), max(3, runs // 3)
        )
        return ms * 1000, report

    base_ms, _ = median(plain, None)
    dra_ms, report = median(pod, StorageObjects(devices=objs))
    verdicts = report.verdicts  # type: ignore[attr-defined]
    devices_ok = sum(1 for v in verdicts if not v.outcome(DynamicResources.plugin).failures)
    print(
        f"DRA: {len(nodes)} nodes x {gpus} devices, {len(held)} claims holding devices: evaluate_nodes median "
        f"{dra_ms:.1f} ms for the pod with a claim vs {base_ms:.1f} ms without ({devices_ok} nodes can "
        "allocate its claim)"
    )


if __name__ == "__main__":
    main()
