#!/usr/bin/env python
"""A stand-in Kubernetes API server for the scale benchmark (``scripts/bench_index.py``).

Serves a generated cluster the way kube-apiserver does, fast enough not to be the bottleneck:

* ``N`` realistic pods (3-4 KB of JSON each, managedFields included; about 30 per node, ~5% in trouble) in
  groups of ten, each group one controller's: most Deployments (through ReplicaSets), one in twenty each a
  StatefulSet, a DaemonSet, and a Job that a CronJob made; their nodes, the controllers (Deployments,
  ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs), Warning events and NodeMetrics;
* paged LISTs (``limit``/``continue``) built from pre-encoded objects (one bytes join per page);
* WATCH streams (``watch=1``, ``resourceVersion``, bookmarks every 10 s, ``timeoutSeconds``; 410 Gone as an
  ERROR event for a version older than the kept history);
* ``--changes`` pod changes per second (a restart, a readiness flip), each a MODIFIED event;
* counters at ``/_standin/stats`` (requests and LIST pages per resource, watch requests, bytes sent) and a
  control ``POST /_standin/crash?ns=..&name=..`` that turns a pod into CrashLoopBackOff.

    python scripts/standin_api.py --pods 10000 --port 18080 [--changes 20]

No authentication (the kubeconfig may carry any token).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from builders.parts import DEFAULT_TOLERATIONS, TOKEN_MOUNT, TOKEN_VOLUME, owner_ref  # noqa: E402

PAGE_MAX = 500
PODS_PER_NODE = 30
NAMESPACES = 200
NOW = datetime.now(UTC).replace(microsecond=0)


def ts(d: timedelta) -> str:
    return (NOW - d).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uid(seed: str) -> str:
    h = hashlib.md5(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class Cluster:
    def __init__(self, pods: int) -> None:
        self.n = pods
        self.nodes = max(1, pods // PODS_PER_NODE)
        self.rv = 1000
        #: per pod: (restarts, crash, ready)
        self.state: list[tuple[int, bool, bool]] = []
        self.pod_bytes: list[bytes] = []
        self.keys: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}
        for i in range(pods):
            trouble = i % 20 == 7
            st = (7 if trouble else 0, trouble, not trouble)
            self.state.append(st)
            doc = self.pod(i, st)
            self.keys.append((doc["metadata"]["namespace"], doc["metadata"]["name"]))
            self.index[self.keys[-1]] = i
            self.pod_bytes.append(json.dumps(doc, separators=(",", ":")).encode())
        self.node_bytes = [
            json.dumps(self.node(i), separators=(",", ":")).encode() for i in range(self.nodes)
        ]
        groups = range(self.deployments)
        self.rs_bytes = [self._json(self.replicaset(d)) for d in groups if self.kind_of(d) == "Deployment"]
        self.controllers: dict[str, list[bytes]] = {
            kind: [self._json(self.controller(d)) for d in groups if self.kind_of(d) == kind]
            for kind in ("Deployment", "StatefulSet", "DaemonSet", "Job")
        }
        self.controllers["CronJob"] = [
            self._json(self.cronjob(d)) for d in groups if self.kind_of(d) == "Job"
        ]
        self.event_bytes = [
            json.dumps(self.event(i), separators=(",", ":")).encode() for i in range(0, pods, 20)
        ]
        self.metrics_bytes = [
            json.dumps(self.metrics(i), separators=(",", ":")).encode() for i in range(self.nodes)
        ]

    @staticmethod
    def _json(doc: dict) -> bytes:
        return json.dumps(doc, separators=(",", ":")).encode()

    # ---------------------------------------------------------------------------------- objects
    @property
    def deployments(self) -> int:
        """Groups of ten pods, one controller each (most of them Deployments)."""
        return max(1, self.n // 10)

    @staticmethod
    def kind_of(d: int) -> str:
        """The controller of group ``d``: a StatefulSet, a DaemonSet and a CronJob's Job one in twenty each."""
        return {3: "StatefulSet", 5: "DaemonSet", 9: "Job"}.get(d % 20, "Deployment")

    def _dep(self, i: int) -> tuple[str, str, str, str]:
        """The group of pod ``i``: namespace, controller (workload) name, hash, name of the pods' owner."""
        d = (i // 10) % self.deployments
        ns = f"team-{d % NAMESPACES:03d}"
        dep = f"svc-{d:05d}"
        h = hashlib.sha1(dep.encode()).hexdigest()[:10]
        kind = self.kind_of(d)
        if kind == "Deployment":
            return ns, dep, h, f"{dep}-{h}"
        if kind == "Job":
            return ns, dep, h, f"{dep}-{29000000 + d % 1000}"  # the Job the CronJob ``dep`` made
        return ns, dep, h, dep

    def _owner(self, i: int) -> tuple[str, str]:
        """Pod ``i``'s controller: (kind, name)."""
        d = (i // 10) % self.deployments
        kind = self.kind_of(d)
        return ("ReplicaSet" if kind == "Deployment" else kind), self._dep(i)[3]

    def pod(self, i: int, st: tuple[int, bool, bool]) -> dict:
        restarts, crash, ready = st
        ns, dep, h, rs = self._dep(i)
        owner_kind, owner = self._owner(i)
        if owner_kind == "StatefulSet":
            name = f"{rs}-{i % 10}"
        else:
            name = f"{rs}-{hashlib.sha1(str(i).encode()).hexdigest()[:5]}"
        node = f"node-{(i * 7919) % self.nodes:05d}"
        uid = _uid(f"pod/{i}")
        created = ts(timedelta(days=3, seconds=i % 5000))
        image = f"registry.example.com/{ns}/{dep}:1.4.2"
        state = (
            {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container",
                }
            }
            if crash
            else {"running": {"startedAt": created}}
        )
        last = (
            {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": created, "finishedAt": created}}
            if restarts
            else {}
        )
        return {
            "metadata": {
                "name": name,
                "generateName": f"{rs}-",
                "namespace": ns,
                "uid": uid,
                "resourceVersion": str(self.rv),
                "creationTimestamp": created,
                "labels": {"app": dep, "pod-template-hash": h, "team": ns, "version": "v1.4.2"},
                "ownerReferences": [
                    owner_ref(
                        owner_kind,
                        owner,
                        self._owner_uid(owner_kind, owner),
                        "batch/v1" if owner_kind == "Job" else "apps/v1",
                    )
                ],
                "managedFields": [
                    {
                        "manager": "kube-controller-manager",
                        "operation": "Update",
                        "apiVersion": "v1",
                        "time": created,
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {
                            "f:metadata": {
                                "f:generateName": {},
                                "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:team": {}},
                                "f:ownerReferences": {
                                    ".": {},
                                    f'k:{{"uid":"{self._owner_uid(owner_kind, owner)}"}}': {},
                                },
                            },
                            "f:spec": {
                                "f:containers": {
                                    'k:{"name":"app"}': {
                                        ".": {},
                                        "f:image": {},
                                        "f:name": {},
                                        "f:ports": {".": {}, 'k:{"containerPort":8080,"protocol":"TCP"}': {}},
                                        "f:resources": {".": {}, "f:limits": {}, "f:requests": {}},
                                    }
                                },
                                "f:restartPolicy": {},
                                "f:schedulerName": {},
                            },
                        },
                    },
                    {
                        "manager": "kubelet",
                        "operation": "Update",
                        "apiVersion": "v1",
                        "time": created,
                        "fieldsType": "FieldsV1",
                        "subresource": "status",
                        "fieldsV1": {
                            "f:status": {
                                "f:conditions": {
                                    'k:{"type":"Ready"}': {".": {}, "f:status": {}, "f:type": {}}
                                },
                                "f:containerStatuses": {},
                                "f:hostIP": {},
                                "f:phase": {},
                                "f:podIP": {},
                                "f:startTime": {},
                            }
                        },
                    },
                ],
            },
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "env": [
                            {"name": "LOG_LEVEL", "value": "info"},
                            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        ],
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"memory": "256Mi"},
                        },
                        "readinessProbe": {
                            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                            "periodSeconds": 10,
                            "failureThreshold": 3,
                        },
                        "volumeMounts": [TOKEN_MOUNT],
                    }
                ],
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "dnsPolicy": "ClusterFirst",
                "serviceAccountName": "default",
                "nodeName": node,
                "schedulerName": "default-scheduler",
                "priority": 0,
                "tolerations": DEFAULT_TOLERATIONS,
                "volumes": [TOKEN_VOLUME],
            },
            "status": {
                "phase": "Running",
                "hostIP": "10.1.2.3",
                "podIP": f"10.244.{i // 250 % 250}.{i % 250}",
                "startTime": created,
                "qosClass": "Burstable",
                "conditions": [
                    {
                        "type": t,
                        "status": "True" if (ready or t in ("Initialized", "PodScheduled")) else "False",
                        "lastTransitionTime": created,
                    }
                    for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                ],
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": ready,
                        "started": not crash,
                        "restartCount": restarts,
                        "image": image,
                        "imageID": f"{image}@sha256:{hashlib.sha256(dep.encode()).hexdigest()}",
                        "containerID": "containerd://" + hashlib.sha256(name.encode()).hexdigest(),
                        "state": state,
                        "lastState": last,
                    }
                ],
            },
        }

    def node(self, i: int) -> dict:
        name = f"node-{i:05d}"
        return {
            "metadata": {
                "name": name,
                "uid": _uid(f"node/{i}"),
                "resourceVersion": "10",
                "labels": {
                    "kubernetes.io/hostname": name,
                    "topology.kubernetes.io/zone": f"zone-{i % 3}",
                    "node.kubernetes.io/instance-type": "m5.2xlarge",
                },
            },
            "spec": {"podCIDR": f"10.244.{i % 250}.0/24"},
            "status": {
                "capacity": {
                    "cpu": "8",
                    "memory": "32863400Ki",
                    "pods": "110",
                    "ephemeral-storage": "203056560Ki",
                },
                "allocatable": {"cpu": "7910m", "memory": "29602984Ki", "pods": "110"},
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting",
                    }
                ],
                "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Ubuntu 24.04", "architecture": "amd64"},
            },
        }

    def replicaset(self, d: int) -> dict:
        ns = f"team-{d % NAMESPACES:03d}"
        dep = f"svc-{d:05d}"
        h = hashlib.sha1(dep.encode()).hexdigest()[:10]
        rs = f"{dep}-{h}"
        return {
            "metadata": {
                "name": rs,
                "namespace": ns,
                "uid": _uid(f"rs/{rs}"),
                "resourceVersion": "20",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": dep,
                        "controller": True,
                        "uid": _uid(dep),
                    }
                ],
            },
            "spec": {"replicas": 10},
            "status": {"replicas": 10, "readyReplicas": 9},
        }

    @staticmethod
    def _owner_uid(kind: str, name: str) -> str:
        return _uid(f"rs/{name}") if kind == "ReplicaSet" else _uid(f"{kind}/{name}")

    def controller(self, d: int) -> dict:
        """Group ``d``'s controller (a Deployment, StatefulSet, DaemonSet or Job) of ten pods, as its
        controller reports it (nine or ten ready)."""
        ns = f"team-{d % NAMESPACES:03d}"
        dep = f"svc-{d:05d}"
        kind = self.kind_of(d)
        ready = 10 - (d % 7 == 0)
        created = ts(timedelta(days=3))
        name = dep if kind != "Job" else f"{dep}-{29000000 + d % 1000}"
        uid = _uid(dep) if kind == "Deployment" else _uid(f"{kind}/{name}")
        md: dict = {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "resourceVersion": "40",
            "generation": 3,
            "creationTimestamp": created,
            "labels": {"app": dep, "team": ns},
        }
        template = {"metadata": {"labels": {"app": dep}}, "spec": {"containers": [{"name": "app"}]}}
        selector = {"matchLabels": {"app": dep}}
        if kind == "Deployment":
            spec = {"replicas": 10, "selector": selector, "template": template}
            status = {
                "observedGeneration": 3,
                "replicas": 10,
                "updatedReplicas": 10,
                "readyReplicas": ready,
                "availableReplicas": ready,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
                ],
            }
        elif kind == "StatefulSet":
            spec = {"replicas": 10, "selector": selector, "serviceName": dep, "template": template}
            status = {
                "observedGeneration": 3,
                "replicas": 10,
                "readyReplicas": ready,
                "availableReplicas": ready,
                "currentReplicas": 10,
                "updatedReplicas": 10,
                "currentRevision": f"{dep}-7c9d",
                "updateRevision": f"{dep}-7c9d",
            }
        elif kind == "DaemonSet":
            spec = {"selector": selector, "template": template}
            status = {
                "observedGeneration": 3,
                "desiredNumberScheduled": 10,
                "currentNumberScheduled": 10,
                "updatedNumberScheduled": 10,
                "numberReady": ready,
                "numberAvailable": ready,
                "numberMisscheduled": 0,
            }
        else:  # a Job its CronJob made, still running its ten pods
            md["ownerReferences"] = [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": dep,
                    "controller": True,
                    "uid": _uid(f"CronJob/{dep}"),
                }
            ]
            spec = {"parallelism": 10, "completions": 10, "backoffLimit": 6, "template": template}
            status = {"active": 10, "ready": ready, "startTime": ts(timedelta(minutes=5))}
        return {"metadata": md, "spec": spec, "status": status}

    def cronjob(self, d: int) -> dict:
        ns = f"team-{d % NAMESPACES:03d}"
        dep = f"svc-{d:05d}"
        return {
            "metadata": {
                "name": dep,
                "namespace": ns,
                "uid": _uid(f"CronJob/{dep}"),
                "resourceVersion": "50",
                "creationTimestamp": ts(timedelta(days=3)),
            },
            "spec": {"schedule": "*/30 * * * *", "jobTemplate": {"spec": {"template": {}}}},
            "status": {
                "active": [{"kind": "Job", "namespace": ns, "name": f"{dep}-{29000000 + d % 1000}"}],
                "lastScheduleTime": ts(timedelta(minutes=5)),
            },
        }

    def event(self, i: int) -> dict:
        ns, name = self.keys[i]
        return {
            "metadata": {"name": f"{name}.17a{i:06x}", "namespace": ns, "resourceVersion": "30"},
            "involvedObject": {"kind": "Pod", "namespace": ns, "name": name, "uid": _uid(f"pod/{i}")},
            "reason": "BackOff",
            "message": "Back-off restarting failed container app",
            "type": "Warning",
            "count": 12,
            "firstTimestamp": ts(timedelta(minutes=40)),
            "lastTimestamp": ts(timedelta(minutes=1)),
            "source": {"component": "kubelet"},
        }

    def metrics(self, i: int) -> dict:
        return {
            "metadata": {"name": f"node-{i:05d}"},
            "timestamp": ts(timedelta(seconds=10)),
            "window": "20s",
            "usage": {"cpu": f"{1000 + i % 3000}m", "memory": f"{8000000 + i}Ki"},
        }

    def change(self, i: int, st: tuple[int, bool, bool]) -> bytes:
        self.rv += 1
        self.state[i] = st
        b = json.dumps(self.pod(i, st), separators=(",", ":")).encode()
        self.pod_bytes[i] = b
        return b


class StandIn:
    def __init__(self, cluster: Cluster, changes: float) -> None:
        self.c = cluster
        self.changes = changes
        self.history: deque[tuple[int, bytes]] = deque(maxlen=20_000)  # (rv, watch line) of pod changes
        self.stats: Counter[str] = Counter()

    def collections(self, path: str) -> tuple[str, list[bytes], str] | None:
        c = self.c
        table = {
            "/api/v1/pods": ("pods", c.pod_bytes, "PodList"),
            "/api/v1/nodes": ("nodes", c.node_bytes, "NodeList"),
            "/apis/apps/v1/replicasets": ("replicasets", c.rs_bytes, "ReplicaSetList"),
            "/api/v1/events": ("events", c.event_bytes, "EventList"),
            "/apis/metrics.k8s.io/v1beta1/nodes": ("nodemetrics", c.metrics_bytes, "NodeMetricsList"),
            "/apis/apps/v1/deployments": ("deployments", c.controllers["Deployment"], "DeploymentList"),
            "/apis/apps/v1/statefulsets": ("statefulsets", c.controllers["StatefulSet"], "StatefulSetList"),
            "/apis/apps/v1/daemonsets": ("daemonsets", c.controllers["DaemonSet"], "DaemonSetList"),
            "/apis/batch/v1/jobs": ("jobs", c.controllers["Job"], "JobList"),
            "/apis/batch/v1/cronjobs": ("cronjobs", c.controllers["CronJob"], "CronJobList"),
        }
        return table.get(path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/version":
            return web.json_response({"major": "1", "minor": "33", "gitVersion": "v1.33.1-standin"})
        if path == "/_standin/stats":
            return web.json_response(dict(self.stats))
        if path == "/_standin/crash":
            key = (request.query["ns"], request.query["name"])
            i = self.c.index[key]
            self.apply(i, (self.c.state[i][0] + 1, True, False))
            return web.json_response({"rv": self.c.rv})
        coll = self.collections(path)
        if coll is None:
            if path.startswith("/api/v1/namespaces/") and "/pods/" in path:
                ns, name = path.split("/")[4], path.split("/")[6]
                i = self.c.index.get((ns, name))
                if i is None:
                    return web.json_response(
                        {"kind": "Status", "code": 404, "message": "not found"}, status=404
                    )
                return web.Response(body=self.c.pod_bytes[i], content_type="application/json")
            return web.json_response({"kind": "Status", "code": 404, "message": "not served"}, status=404)
        resource, items, kind = coll
        if request.query.get("watch") in ("1", "true"):
            return await self.watch(request, resource)
        limit = int(request.query.get("limit") or PAGE_MAX)
        start = int(request.query.get("continue") or 0)
        page = items[start : start + limit]
        meta = {"resourceVersion": str(self.c.rv)}
        if start + limit < len(items):
            meta["continue"] = str(start + limit)
        body = b"".join(
            (
                b'{"kind":"',
                kind.encode(),
                b'","apiVersion":"v1","metadata":',
                json.dumps(meta).encode(),
                b',"items":[',
                b",".join(page),
                b"]}",
            )
        )
        self.stats[f"list {resource}"] += 1
        self.stats["bytes"] += len(body)
        return web.Response(body=body, content_type="application/json")

    async def watch(self, request: web.Request, resource: str) -> web.StreamResponse:
        self.stats[f"watch {resource}"] += 1
        since = int(request.query.get("resourceVersion") or 0)
        timeout = float(request.query.get("timeoutSeconds") or 600)
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        if resource == "pods" and self.history and since < self.history[0][0] - 1:
            line = b'{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}}\n'
            await resp.write(line)
            return resp
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        bookmark = loop.time() + 10
        sent = since
        try:
            while loop.time() < end:
                if resource == "pods":
                    out = [line for rv, line in self.history if rv > sent]
                    if out:
                        sent = self.history[-1][0]
                        data = b"".join(out)
                        self.stats["bytes"] += len(data)
                        await resp.write(data)
                if loop.time() >= bookmark:
                    bookmark = loop.time() + 10
                    await resp.write(
                        b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"%d"}}}\n' % self.c.rv
                    )
                await asyncio.sleep(0.05 if resource == "pods" else 1.0)
        except ConnectionResetError:  # the watcher went away (the agent stopping): nothing to report
            pass
        return resp

    def apply(self, i: int, st: tuple[int, bool, bool]) -> None:
        b = self.c.change(i, st)
        self.history.append((self.c.rv, b'{"type":"MODIFIED","object":' + b + b"}\n"))
        self.stats["changes"] += 1

    async def churn(self) -> None:
        """``changes`` pod changes a second: a restart (and back), a readiness flip."""
        if self.changes <= 0:
            return
        rnd = random.Random(1)
        while True:
            await asyncio.sleep(1 / self.changes)
            i = rnd.randrange(self.c.n)
            restarts, crash, ready = self.c.state[i]
            if crash:
                continue  # leave the troubled pods as they are
            self.apply(
                i, (restarts + (rnd.random() < 0.5), False, not ready if rnd.random() < 0.3 else ready)
            )


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--changes", type=float, default=20.0)
    args = ap.parse_args()
    t = time.perf_counter()
    cluster = Cluster(args.pods)
    standin = StandIn(cluster, args.changes)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", standin.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    size = sum(len(b) for b in cluster.pod_bytes) / len(cluster.pod_bytes)
    print(
        json.dumps(
            {
                "ready": True,
                "pods": args.pods,
                "nodes": cluster.nodes,
                "pod_json_bytes": round(size),
                "generated_s": round(time.perf_counter() - t, 1),
            }
        ),
        flush=True,
    )
    await standin.churn()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
