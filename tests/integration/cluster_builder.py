"""A realistic cluster, built through the API of the real control plane, and the agent run against it.

:class:`ClusterBuilder` makes (everything named ``e2e-*``):

* six Nodes with hostname/zone/instance-type labels, capacity > allocatable, Ready, written as a kubelet
  would: two workers, a GPU node tainted ``dedicated=gpu:NoSchedule``, a cordoned node
  (``spec.unschedulable`` + ``node.kubernetes.io/unschedulable:NoSchedule``), a node with ``pods: 2``
  allocatable already holding two pods, and an edge node whose only pod holds host port 8443;
* namespace ``e2e-shop``: Deployments with their ReplicaSets and pods (no controller-manager here: each
  object is created by hand with the ownerReferences the controllers would write), bound to nodes with
  ``spec.nodeName`` so the scheduler leaves them alone, their status written through the ``status``
  subresource as a kubelet would: Running/Ready (``web``), CrashLoopBackOff with a last ``Error`` exit 1
  and 12 restarts (``api``), ImagePullBackOff (``frontend``), OOMKilled-with-restarts (``worker``: last
  state OOMKilled exit 137, 6 restarts, running again); a StatefulSet with its pod (``db-0``); a Job with
  its failed pod (``migrate``, which the namespace analysis must skip); two Deployment pods left to the
  scheduler that can never fit (``batch``: 64 cpu; ``gpu-trainer``: the GPU node without a toleration);
* core/v1 Events created through the API with ``involvedObject`` uid/kind/name/fieldPath, as the kubelet
  writes them: BackOff Warning x40, Unhealthy, Failed pull, ``Back-off pulling image`` (Normal);
* namespace ``e2e-sched``: bare pods the REAL kube-scheduler rejects, one per cause (insufficient memory,
  nodeSelector, required node affinity, the cordoned node, too many pods, host port conflict, missing
  PVC); the builder waits (bounded) for each FailedScheduling event.

:class:`AgentProcess` runs ``python -m k8s_agent`` as a subprocess (the real multi-worker server) on a
free port with a kubeconfig, and :func:`apply_chart_identity` applies the chart's ServiceAccount,
ClusterRole and ClusterRoleBinding(s) rendered by ``helm template``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from controlplane import REPO_ROOT, ApiError, ControlPlane, free_port, wait_for

from builders import core_event, owner_ref, pod_conditions

SHOP = "e2e-shop"
SCHED = "e2e-sched"
REGION = "eu-west-1"
IMAGE_PAUSE = "registry.k8s.io/pause:3.10"

# node name -> spec (capacity; allocatable is capacity minus a kubelet-like reservation)
WORKER_A, WORKER_B = "e2e-worker-a", "e2e-worker-b"
GPU_NODE, CORDONED_NODE = "e2e-gpu-1", "e2e-cordoned-1"
TINY_NODE, EDGE_NODE = "e2e-tiny-1", "e2e-edge-1"
NODE_NAMES = (WORKER_A, WORKER_B, GPU_NODE, CORDONED_NODE, TINY_NODE, EDGE_NODE)
GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
CORDON_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
HOST_PORT = 8443

NODES: dict[str, dict[str, Any]] = {
    WORKER_A: {
        "zone": "a",
        "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        "allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "110"},
        "labels": {"node.kubernetes.io/instance-type": "m5.xlarge", "pool": "general"},
    },
    WORKER_B: {
        "zone": "b",
        "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        "allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "110"},
        "labels": {"node.kubernetes.io/instance-type": "m5.xlarge", "pool": "general"},
    },
    GPU_NODE: {
        "zone": "a",
        "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110", "nvidia.com/gpu": "4"},
        "allocatable": {"cpu": "15890m", "memory": "62Gi", "pods": "110", "nvidia.com/gpu": "4"},
        "labels": {"node.kubernetes.io/instance-type": "p3.8xlarge", "accelerator": "nvidia-v100"},
        "taints": [GPU_TAINT],
    },
    CORDONED_NODE: {
        "zone": "b",
        "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        "allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "110"},
        "labels": {"node.kubernetes.io/instance-type": "m5.xlarge", "pool": "general"},
        "cordoned": True,
    },
    TINY_NODE: {
        "zone": "c",
        "capacity": {"cpu": "2", "memory": "4Gi", "pods": "2"},
        "allocatable": {"cpu": "1930m", "memory": "3Gi", "pods": "2"},
        "labels": {"node.kubernetes.io/instance-type": "t3.small", "pool": "tiny"},
    },
    EDGE_NODE: {
        "zone": "c",
        "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
        "allocatable": {"cpu": "1930m", "memory": "3Gi", "pods": "110"},
        "labels": {"node.kubernetes.io/instance-type": "t3.small", "pool": "edge"},
    },
}


def zone_of(node: str) -> str:
    return f"{REGION}{NODES[node]['zone']}"


def rfc3339(t: _dt.datetime) -> str:
    return t.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class UnschedulableCase:
    """A pod the real scheduler rejects: where it is, the category the agent must derive from the
    scheduler's message, and the nodes the agent's own per-node analysis must name."""

    namespace: str
    name: str
    category: str
    scheduler_reason: str  # the part of the scheduler's message that carries the cause
    node_reasons: dict[str, str] = field(default_factory=dict)  # node -> text its per-node analysis shows
    message: str = ""  # the scheduler's FailedScheduling message, filled in by the builder


@dataclass
class BuiltCluster:
    nodes: dict[str, dict] = field(default_factory=dict)
    pods: dict[str, dict] = field(default_factory=dict)  # "<ns>/<name>" -> pod as last written
    owners: dict[str, dict] = field(default_factory=dict)  # "<Kind>/<name>" -> object
    events: list[dict] = field(default_factory=list)
    unschedulable: dict[str, UnschedulableCase] = field(default_factory=dict)
    built_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.UTC))
    build_seconds: float = 0.0

    def pod(self, namespace: str, name: str) -> dict:
        return self.pods[f"{namespace}/{name}"]


# --------------------------------------------------------------------------------------------- builder
class ClusterBuilder:
    def __init__(self, cp: ControlPlane) -> None:
        self.cp = cp
        self.out = BuiltCluster()
        self.now = self.out.built_at

    # ---- small helpers -------------------------------------------------------------------------
    def _post(self, path: str, body: dict) -> dict:
        try:
            return self.cp.api("POST", path, body)
        except ApiError as e:
            if e.status != 409:
                raise
            md = body["metadata"]
            return self.cp.api("GET", f"{path}/{md['name']}")

    def ago(self, **kw: float) -> str:
        return rfc3339(self.now - _dt.timedelta(**kw))

    @staticmethod
    def container(
        name: str,
        image: str,
        *,
        cpu: str = "100m",
        memory: str = "128Mi",
        cpu_limit: str | None = None,
        memory_limit: str | None = None,
        ports: list[dict] | None = None,
        probe: bool = False,
        env: list[dict] | None = None,
    ) -> dict:
        c: dict[str, Any] = {
            "name": name,
            "image": image,
            "resources": {"requests": {"cpu": cpu, "memory": memory}},
        }
        limits = {k: v for k, v in (("cpu", cpu_limit), ("memory", memory_limit)) if v}
        if limits:
            c["resources"]["limits"] = limits
        if ports:
            c["ports"] = ports
        if probe:
            c["readinessProbe"] = {
                "httpGet": {"path": "/healthz", "port": 8080},
                "periodSeconds": 10,
                "failureThreshold": 3,
            }
            c["livenessProbe"] = {
                "httpGet": {"path": "/livez", "port": 8080},
                "initialDelaySeconds": 10,
                "periodSeconds": 10,
            }
        if env:
            c["env"] = env
        return c

    # ---- nodes ---------------------------------------------------------------------------------
    def build_nodes(self) -> None:
        for name, spec in NODES.items():
            labels = {
                "topology.kubernetes.io/region": REGION,
                "topology.kubernetes.io/zone": zone_of(name),
                **spec["labels"],
            }
            cap, alloc = spec["capacity"], spec["allocatable"]
            try:
                self.cp.create_node(
                    name,
                    cpu=cap["cpu"],
                    memory=cap["memory"],
                    pods=cap["pods"],
                    labels=labels,
                    taints=spec.get("taints"),
                    extra_status={
                        "capacity": cap,
                        "allocatable": alloc,
                        "nodeInfo": {
                            "kubeletVersion": "v" + self.cp.versions["KUBERNETES_VERSION"].lstrip("v"),
                            "containerRuntimeVersion": "containerd://2.1.4",
                            "osImage": "Ubuntu 24.04.2 LTS",
                            "kernelVersion": "6.8.0-1024-aws",
                            "operatingSystem": "linux",
                            "architecture": "amd64",
                            "machineID": "",
                            "systemUUID": "",
                            "bootID": "",
                            "kubeProxyVersion": "",
                        },
                    },
                )
            except ApiError as e:
                if e.status != 409:
                    raise
            if spec.get("cordoned"):
                # what `kubectl cordon` does, plus the taint the node-lifecycle controller would add
                self.cp.api(
                    "PATCH",
                    f"/api/v1/nodes/{name}",
                    {"spec": {"unschedulable": True, "taints": [CORDON_TAINT]}},
                )
            self.out.nodes[name] = self.cp.api("GET", f"/api/v1/nodes/{name}")

    # ---- workloads -----------------------------------------------------------------------------
    @staticmethod
    def owner_ref(obj: dict) -> dict:
        md = obj["metadata"]
        return owner_ref(obj["kind"], md["name"], md["uid"], obj["apiVersion"])

    def deployment(
        self, ns: str, name: str, template_hash: str, containers: list[dict], replicas: int
    ) -> dict:
        """Deployment + its ReplicaSet (ownerReference controller: true), as the controllers write them."""
        labels = {"app.kubernetes.io/name": name}
        template = {"metadata": {"labels": labels}, "spec": {"containers": containers}}
        dep = self._post(
            f"/apis/apps/v1/namespaces/{ns}/deployments",
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": ns, "labels": labels},
                "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
            },
        )
        dep.setdefault("apiVersion", "apps/v1")
        dep.setdefault("kind", "Deployment")
        rs_labels = {**labels, "pod-template-hash": template_hash}
        rs = self._post(
            f"/apis/apps/v1/namespaces/{ns}/replicasets",
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{name}-{template_hash}",
                    "namespace": ns,
                    "labels": rs_labels,
                    "annotations": {"deployment.kubernetes.io/revision": "1"},
                    "ownerReferences": [self.owner_ref(dep)],
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": rs_labels},
                    "template": {"metadata": {"labels": rs_labels}, "spec": {"containers": containers}},
                },
            },
        )
        rs.setdefault("apiVersion", "apps/v1")
        rs.setdefault("kind", "ReplicaSet")
        self.out.owners[f"Deployment/{name}"] = dep
        self.out.owners[f"ReplicaSet/{rs['metadata']['name']}"] = rs
        return rs

    def pod(
        self,
        ns: str,
        name: str,
        containers: list[dict],
        *,
        owner: dict | None = None,
        labels: dict[str, str] | None = None,
        node: str | None = None,
        restart_policy: str = "Always",
        extra_spec: dict | None = None,
    ) -> dict:
        meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": dict(labels or {})}
        if owner is not None:
            meta["ownerReferences"] = [self.owner_ref(owner)]
            meta["labels"].update(owner["spec"]["template"]["metadata"].get("labels", {}))
        spec: dict[str, Any] = {
            "containers": containers,
            "restartPolicy": restart_policy,
            "terminationGracePeriodSeconds": 30,
            **(extra_spec or {}),
        }
        if node:
            spec["nodeName"] = node  # bound at creation: the scheduler leaves it alone
        obj = self._post(
            f"/api/v1/namespaces/{ns}/pods",
            {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec},
        )
        self.out.pods[f"{ns}/{name}"] = obj
        return obj

    def set_status(self, pod: dict, status: dict) -> dict:
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        obj = self.cp.api("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status", {"status": status})
        self.out.pods[f"{ns}/{name}"] = obj
        return obj

    def kubelet_status(
        self,
        pod: dict,
        *,
        phase: str = "Running",
        ready: bool,
        container_statuses: list[dict],
        started_ago_min: float = 90,
        pod_ip: str,
    ) -> dict:
        """A kubelet-like pod status: conditions, IPs, start time, container statuses."""
        start = self.ago(minutes=started_ago_min)
        unready = [c["name"] for c in container_statuses if not c["ready"]]
        conds = pod_conditions(ready=ready, started=start, scheduled=start, unready=unready)
        return self.set_status(
            pod,
            {
                "phase": phase,
                "conditions": conds,
                "hostIP": "127.0.0.1",
                "hostIPs": [{"ip": "127.0.0.1"}],
                "podIP": pod_ip,
                "podIPs": [{"ip": pod_ip}],
                "startTime": start,
                "qosClass": "Burstable",
                "containerStatuses": container_statuses,
            },
        )

    def running_cs(
        self,
        name: str,
        image: str,
        *,
        restarts: int = 0,
        started_ago_min: float = 90,
        last: dict | None = None,
    ) -> dict:
        return {
            "name": name,
            "image": image,
            "imageID": f"{image.split(':')[0]}@sha256:{'ab' * 32}",
            "containerID": f"containerd://{os.urandom(32).hex()}",
            "ready": True,
            "started": True,
            "restartCount": restarts,
            "state": {"running": {"startedAt": self.ago(minutes=started_ago_min)}},
            "lastState": last or {},
        }

    # ---- events --------------------------------------------------------------------------------
    def event(
        self,
        obj: dict,
        reason: str,
        message: str,
        *,
        type_: str = "Warning",
        count: int = 1,
        first_ago: dict[str, float],
        last_ago: dict[str, float] | None = None,
        field_path: str = "",
        component: str = "kubelet",
    ) -> dict:
        """A core/v1 Event the way the kubelet's recorder writes it (count, first/lastTimestamp, source)."""
        md = obj["metadata"]
        ns = md.get("namespace") or "default"
        io = {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj.get("kind", "Pod"),
            "name": md["name"],
            "namespace": ns,
            "uid": md["uid"],
            "resourceVersion": md.get("resourceVersion", ""),
        }
        if field_path:
            io["fieldPath"] = field_path
        host = (obj.get("spec") or {}).get("nodeName", "") if component == "kubelet" else ""
        body = core_event(
            io,
            reason,
            message,
            name=f"{md['name']}.{os.urandom(8).hex()}",
            namespace=ns,
            first=self.ago(**first_ago),
            last=self.ago(**(last_ago or first_ago)),
            type_=type_,
            count=count,
            component=component,
            host=host,
            instance=host,
        )
        ev = self.cp.api("POST", f"/api/v1/namespaces/{ns}/events", body)
        self.out.events.append(ev)
        return ev

    # ---- the shop namespace --------------------------------------------------------------------
    def build_shop(self) -> None:
        ns = SHOP
        self.cp.create_namespace(ns, labels={"team": "shop"})

        # web: 2 replicas, Running and Ready
        web_c = [
            self.container(
                "web",
                "nginx:1.27.3",
                cpu="250m",
                memory="256Mi",
                cpu_limit="500m",
                memory_limit="512Mi",
                ports=[{"containerPort": 8080, "name": "http"}],
                probe=True,
            )
        ]
        rs = self.deployment(ns, "web", "6f7c9d8b5", web_c, 2)
        for i, (suffix, node) in enumerate((("abcde", WORKER_A), ("fghij", WORKER_B))):
            p = self.pod(ns, f"web-6f7c9d8b5-{suffix}", web_c, owner=rs, node=node)
            self.kubelet_status(
                p,
                ready=True,
                pod_ip=f"10.244.{i + 1}.10",
                container_statuses=[self.running_cs("web", "nginx:1.27.3")],
            )

        # api: CrashLoopBackOff, last terminated Error exit 1, 12 restarts; BackOff x40, Unhealthy
        api_img = "ghcr.io/acme/shop-api:2.4.0"
        api_c = [
            self.container(
                "api",
                api_img,
                cpu="100m",
                memory="128Mi",
                memory_limit="256Mi",
                ports=[{"containerPort": 8080, "name": "http"}],
                probe=True,
                env=[{"name": "LOG_LEVEL", "value": "debug"}],
            )
        ]
        rs = self.deployment(ns, "api", "5d8f7c9b6", api_c, 1)
        p = self.pod(ns, "api-5d8f7c9b6-x2k9p", api_c, owner=rs, node=WORKER_A)
        uid = p["metadata"]["uid"]
        self.kubelet_status(
            p,
            ready=False,
            pod_ip="10.244.1.11",
            container_statuses=[
                {
                    "name": "api",
                    "image": api_img,
                    "imageID": f"ghcr.io/acme/shop-api@sha256:{'cd' * 32}",
                    "containerID": f"containerd://{'1f' * 32}",
                    "ready": False,
                    "started": False,
                    "restartCount": 12,
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off 5m0s restarting failed container=api pod=api-5d8f7c9b6-x2k9p_{ns}({uid})",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": self.ago(minutes=3, seconds=10),
                            "finishedAt": self.ago(minutes=3),
                            "containerID": f"containerd://{'1f' * 32}",
                        }
                    },
                }
            ],
        )
        p = self.out.pod(ns, "api-5d8f7c9b6-x2k9p")
        self.event(
            p,
            "Scheduled",
            f"Successfully assigned {ns}/api-5d8f7c9b6-x2k9p to {WORKER_A}",
            type_="Normal",
            first_ago={"minutes": 90},
            component="default-scheduler",
        )
        for reason, message, lag in (  # each of its 13 starts; the last one 3 minutes ago
            ("Pulled", f'Container image "{api_img}" already present on machine', 11),
            ("Created", "Container created", 10),
            ("Started", "Container started", 9),
        ):
            self.event(
                p,
                reason,
                message,
                type_="Normal",
                count=13,
                first_ago={"minutes": 89},
                last_ago={"minutes": 3, "seconds": lag},
                field_path="spec.containers{api}",
            )
        self.event(
            p,
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            count=25,
            first_ago={"minutes": 88},
            last_ago={"minutes": 3, "seconds": 5},
            field_path="spec.containers{api}",
        )
        self.event(
            p,
            "BackOff",
            f"Back-off restarting failed container api in pod api-5d8f7c9b6-x2k9p_{ns}({uid})",
            count=40,
            first_ago={"minutes": 85},
            last_ago={"seconds": 30},
            field_path="spec.containers{api}",
        )

        # frontend: ImagePullBackOff; Failed pull + Error: ErrImagePull + Back-off pulling image (Normal)
        fe_img = "registry.example.com/shop/frontend:v2.3.1-typo"
        fe_c = [self.container("frontend", fe_img, cpu="200m", memory="256Mi")]
        rs = self.deployment(ns, "frontend", "7b9d6c8f4", fe_c, 1)
        p = self.pod(ns, "frontend-7b9d6c8f4-q7w2e", fe_c, owner=rs, node=WORKER_B)
        pull_err = (
            f'rpc error: code = NotFound desc = failed to pull and unpack image "{fe_img}": failed to resolve '
            f'reference "{fe_img}": {fe_img}: not found'
        )
        self.kubelet_status(
            p,
            phase="Pending",
            ready=False,
            pod_ip="10.244.2.12",
            started_ago_min=20,
            container_statuses=[
                {
                    "name": "frontend",
                    "image": fe_img,
                    "imageID": "",
                    "ready": False,
                    "started": False,
                    "restartCount": 0,
                    "state": {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": f'Back-off pulling image "{fe_img}": ErrImagePull: {pull_err}',
                        }
                    },
                    "lastState": {},
                }
            ],
        )
        p = self.out.pod(ns, "frontend-7b9d6c8f4-q7w2e")
        self.event(
            p,
            "Failed",
            f'Failed to pull image "{fe_img}": {pull_err}',
            count=8,
            first_ago={"minutes": 19},
            last_ago={"minutes": 1},
            field_path="spec.containers{frontend}",
        )
        self.event(
            p,
            "Failed",
            "Error: ErrImagePull",
            count=8,
            first_ago={"minutes": 19},
            last_ago={"minutes": 1},
            field_path="spec.containers{frontend}",
        )
        self.event(
            p,
            "BackOff",
            f'Back-off pulling image "{fe_img}"',
            type_="Normal",
            count=70,
            first_ago={"minutes": 19},
            last_ago={"seconds": 20},
            field_path="spec.containers{frontend}",
        )
        self.event(
            p,
            "Failed",
            "Error: ImagePullBackOff",
            count=70,
            first_ago={"minutes": 19},
            last_ago={"seconds": 20},
            field_path="spec.containers{frontend}",
        )

        # worker: OOMKilled 6 times, running again
        wk_img = "ghcr.io/acme/shop-worker:1.9.2"
        wk_c = [self.container("worker", wk_img, cpu="300m", memory="200Mi", memory_limit="256Mi")]
        rs = self.deployment(ns, "worker", "8c7d6b5f9", wk_c, 1)
        p = self.pod(ns, "worker-8c7d6b5f9-m4n8r", wk_c, owner=rs, node=WORKER_B)
        self.kubelet_status(
            p,
            ready=True,
            pod_ip="10.244.2.13",
            container_statuses=[
                self.running_cs(
                    "worker",
                    wk_img,
                    restarts=6,
                    started_ago_min=4,
                    last={
                        "terminated": {
                            "exitCode": 137,
                            "reason": "OOMKilled",
                            "startedAt": self.ago(minutes=12),
                            "finishedAt": self.ago(minutes=4, seconds=5),
                            "containerID": f"containerd://{'2e' * 32}",
                        }
                    },
                )
            ],
        )

        # db: StatefulSet and its pod
        db_c = [self.container("postgres", "postgres:16.4", cpu="500m", memory="1Gi", memory_limit="1Gi")]
        sts_labels = {"app.kubernetes.io/name": "db"}
        sts = self._post(
            f"/apis/apps/v1/namespaces/{ns}/statefulsets",
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": {"name": "db", "namespace": ns, "labels": sts_labels},
                "spec": {
                    "replicas": 1,
                    "serviceName": "db",
                    "selector": {"matchLabels": sts_labels},
                    "template": {"metadata": {"labels": sts_labels}, "spec": {"containers": db_c}},
                },
            },
        )
        sts.setdefault("apiVersion", "apps/v1")
        sts.setdefault("kind", "StatefulSet")
        self.out.owners["StatefulSet/db"] = sts
        p = self.pod(
            ns, "db-0", db_c, owner=sts, node=WORKER_A, labels={"statefulset.kubernetes.io/pod-name": "db-0"}
        )
        self.kubelet_status(
            p,
            ready=True,
            pod_ip="10.244.1.14",
            container_statuses=[self.running_cs("postgres", "postgres:16.4", started_ago_min=300)],
        )

        # migrate: a Job and its failed pod (never part of the namespace analysis)
        job_c = [self.container("migrate", "ghcr.io/acme/shop-migrate:2.4.0", cpu="100m", memory="64Mi")]
        job = self._post(
            f"/apis/batch/v1/namespaces/{ns}/jobs",
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": "migrate", "namespace": ns},
                "spec": {
                    "backoffLimit": 0,
                    "template": {"spec": {"containers": job_c, "restartPolicy": "Never"}},
                },
            },
        )
        job.setdefault("apiVersion", "batch/v1")
        job.setdefault("kind", "Job")
        self.out.owners["Job/migrate"] = job
        p = self.pod(
            ns,
            "migrate-4xk2p",
            job_c,
            owner=job,
            node=WORKER_A,
            restart_policy="Never",
            labels={"batch.kubernetes.io/job-name": "migrate"},
        )
        start = self.ago(minutes=30)
        self.set_status(
            p,
            {
                "phase": "Failed",
                "hostIP": "127.0.0.1",
                "hostIPs": [{"ip": "127.0.0.1"}],
                "startTime": start,
                "conditions": [
                    {"type": "Initialized", "status": "True", "lastTransitionTime": start},
                    {"type": "Ready", "status": "False", "reason": "PodFailed", "lastTransitionTime": start},
                    {
                        "type": "ContainersReady",
                        "status": "False",
                        "reason": "PodFailed",
                        "lastTransitionTime": start,
                    },
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": start},
                ],
                "containerStatuses": [
                    {
                        "name": "migrate",
                        "image": "ghcr.io/acme/shop-migrate:2.4.0",
                        "imageID": f"ghcr.io/acme/shop-migrate@sha256:{'ef' * 32}",
                        "containerID": f"containerd://{'3d' * 32}",
                        "ready": False,
                        "started": False,
                        "restartCount": 0,
                        "state": {
                            "terminated": {
                                "exitCode": 2,
                                "reason": "Error",
                                "startedAt": start,
                                "finishedAt": self.ago(minutes=29),
                            }
                        },
                        "lastState": {},
                    }
                ],
            },
        )

        # batch and gpu-trainer: Deployment pods the scheduler cannot place
        batch_c = [self.container("cruncher", "ghcr.io/acme/batch:0.3.1", cpu="64", memory="1Gi")]
        rs = self.deployment(ns, "batch", "6b5c4d7f8", batch_c, 1)
        self.pod(ns, "batch-6b5c4d7f8-zt5vq", batch_c, owner=rs)
        self.out.unschedulable["insufficient-cpu"] = UnschedulableCase(
            ns,
            "batch-6b5c4d7f8-zt5vq",
            "InsufficientCPU",
            "Insufficient cpu",
            {WORKER_A: "insufficient cpu", WORKER_B: "insufficient cpu", EDGE_NODE: "insufficient cpu"},
        )
        gpu_c = [self.container("trainer", "ghcr.io/acme/trainer:5.0.0", cpu="2", memory="8Gi")]
        rs = self.deployment(ns, "gpu-trainer", "59f8d7c6b", gpu_c, 1)
        self.pod(
            ns,
            "gpu-trainer-59f8d7c6b-h2k4s",
            gpu_c,
            owner=rs,
            extra_spec={"nodeSelector": {"accelerator": "nvidia-v100"}},
        )
        self.out.unschedulable["untolerated-taint"] = UnschedulableCase(
            ns,
            "gpu-trainer-59f8d7c6b-h2k4s",
            "TaintTolerationMismatch",
            "untolerated taint",
            {GPU_NODE: "untolerated taint dedicated=gpu:NoSchedule"},
        )

    # ---- the scheduling namespace --------------------------------------------------------------
    def build_sched(self) -> None:
        ns = SCHED
        self.cp.create_namespace(ns)
        small = lambda name="app": self.container(name, IMAGE_PAUSE, cpu="100m", memory="64Mi")  # noqa: E731

        # the tiny node (pods: 2) already holds two pods
        for i in (1, 2):
            p = self.pod(ns, f"tiny-holder-{i}", [small()], node=TINY_NODE)
            self.kubelet_status(
                p,
                ready=True,
                pod_ip=f"10.244.5.{i}",
                container_statuses=[self.running_cs("app", IMAGE_PAUSE)],
            )
        # the edge node's proxy holds host port 8443
        proxy_c = [
            self.container(
                "proxy",
                "envoyproxy/envoy:v1.31.2",
                cpu="100m",
                memory="64Mi",
                ports=[{"containerPort": HOST_PORT, "hostPort": HOST_PORT, "protocol": "TCP"}],
            )
        ]
        p = self.pod(ns, "edge-proxy", proxy_c, node=EDGE_NODE)
        self.kubelet_status(
            p,
            ready=True,
            pod_ip="10.244.6.2",
            container_statuses=[self.running_cs("proxy", "envoyproxy/envoy:v1.31.2")],
        )

        port = [{"containerPort": HOST_PORT, "hostPort": HOST_PORT, "protocol": "TCP"}]
        zone_z = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "topology.kubernetes.io/zone",
                                    "operator": "In",
                                    "values": [f"{REGION}z"],
                                }
                            ]
                        }
                    ]
                }
            }
        }
        # key, pod, containers, extra spec, category, the scheduler's reason, node -> per-node reason
        cases = [
            (
                "insufficient-memory",
                "mem-hog",
                [self.container("app", IMAGE_PAUSE, cpu="100m", memory="512Gi")],
                {},
                "InsufficientMemory",
                "Insufficient memory",
                {WORKER_A: "insufficient memory", EDGE_NODE: "insufficient memory"},
            ),
            (
                "node-selector",
                "needs-ssd",
                [small()],
                {"nodeSelector": {"disktype": "ssd"}},
                "NodeAffinityNotMatch",
                "didn't match Pod's node affinity/selector",
                {WORKER_A: "node selector disktype=ssd", WORKER_B: "node selector disktype=ssd"},
            ),
            (
                "node-affinity",
                "zone-pinned",
                [small()],
                {"affinity": zone_z},
                "NodeAffinityNotMatch",
                "didn't match Pod's node affinity/selector",
                {WORKER_A: "required node affinity", WORKER_B: "required node affinity"},
            ),
            (
                "cordoned",
                "on-cordoned",
                [small()],
                {"nodeSelector": {"kubernetes.io/hostname": CORDONED_NODE}},
                "Miscellaneous",
                "were unschedulable",
                {CORDONED_NODE: "cordoned"},
            ),
            (
                "too-many-pods",
                "too-many",
                [small()],
                {"nodeSelector": {"pool": "tiny"}},
                "Miscellaneous",
                "Too many pods",
                {TINY_NODE: "too many pods"},
            ),
            (
                "host-port",
                "port-clash",
                [self.container("proxy", "envoyproxy/envoy:v1.31.2", cpu="100m", memory="64Mi", ports=port)],
                {"nodeSelector": {"pool": "edge"}},
                "Miscellaneous",
                "didn't have free ports",
                {EDGE_NODE: f"host port {HOST_PORT}"},
            ),
            (
                "missing-pvc",
                "needs-volume",
                [{**small(), "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-missing"}}]},
                "VolumeAttachmentError",
                'persistentvolumeclaim "data-missing" not found',
                {},
            ),
        ]
        for key, name, containers, spec, category, reason, node_reasons in cases:
            self.pod(ns, name, containers, extra_spec=spec, labels={"case": key})
            self.out.unschedulable[key] = UnschedulableCase(ns, name, category, reason, node_reasons)

    def wait_for_scheduler(self, timeout: float = 45) -> None:
        """Wait (bounded) until the real scheduler has written a FailedScheduling event for each case."""
        pending = dict(self.out.unschedulable)

        def all_failed() -> bool:
            for ns in {c.namespace for c in pending.values()}:
                evs = self.cp.api(
                    "GET",
                    f"/api/v1/namespaces/{ns}/events",
                    query={"fieldSelector": "reason=FailedScheduling"},
                )["items"]
                by_name = {e["involvedObject"]["name"]: e["message"] for e in evs}
                for key, case in list(pending.items()):
                    if case.namespace == ns and case.name in by_name:
                        case.message = by_name[case.name]
                        del pending[key]
            return not pending

        try:
            wait_for(all_failed, timeout, 0.25, "FailedScheduling events")
        except TimeoutError as e:
            raise TimeoutError(f"{e}: still waiting for {sorted(pending)}") from None
        for case in self.out.unschedulable.values():
            self.out.pods[f"{case.namespace}/{case.name}"] = self.cp.api(
                "GET", f"/api/v1/namespaces/{case.namespace}/pods/{case.name}"
            )

    def build(self) -> BuiltCluster:
        t = time.monotonic()
        self.build_nodes()
        self.build_sched()  # first, so the scheduler works while the shop is written
        self.build_shop()
        self.wait_for_scheduler()
        self.out.build_seconds = round(time.monotonic() - t, 2)
        return self.out


# --------------------------------------------------------------------------------------------- chart
CHART = REPO_ROOT / "helm" / "k8s-cluster-agent"
GET_HELM = REPO_ROOT / "scripts" / "get-helm.sh"
IDENTITY_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding")


def find_helm() -> str:
    """helm from $HELM, else built by scripts/get-helm.sh (cached), else on PATH; skip when none."""
    if os.environ.get("HELM"):
        return os.environ["HELM"]
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None
    )
    if go is not None:
        proc = subprocess.run(
            ["bash", str(GET_HELM)],
            capture_output=True,
            text=True,
            env=dict(os.environ, GO=go),
            timeout=1200,
            check=False,
        )
        if proc.returncode == 0:
            path = proc.stdout.strip().splitlines()[-1]
            if os.access(path, os.X_OK):
                return path
        if shutil.which("helm") is None:
            pytest.skip(f"helm cannot be built by scripts/get-helm.sh: {proc.stderr[-500:]}")
    if shutil.which("helm"):
        return shutil.which("helm")  # type: ignore[return-value]
    pytest.skip("no Go toolchain to build helm with scripts/get-helm.sh, and no helm on PATH")


def render_chart(helm: str, release: str, namespace: str, *set_args: str) -> list[dict]:
    import yaml

    args = [helm, "template", release, str(CHART), "-n", namespace]
    for s in set_args:
        args += ["--set", s]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"helm template failed:\n{proc.stderr}"
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _api_path(doc: dict) -> str:
    """The collection path of a ServiceAccount, ClusterRole or ClusterRoleBinding."""
    if doc["kind"] == "ServiceAccount":
        return f"/api/v1/namespaces/{doc['metadata']['namespace']}/serviceaccounts"
    plural = {"ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings"}[doc["kind"]]
    return f"/apis/rbac.authorization.k8s.io/v1/{plural}"


@dataclass
class ChartIdentity:
    """The chart's ServiceAccount as applied to the cluster, with a TokenRequest token for it and a
    kubeconfig that holds only that token."""

    release: str
    namespace: str
    service_account: str
    token: str
    kubeconfig: str
    docs: list[dict]  # every rendered document (the agent's env is taken from the Deployment)
    applied: list[dict]  # the identity documents applied

    def cluster_role(self) -> dict:
        return next(d for d in self.applied if d["kind"] == "ClusterRole")

    def chart_env(self) -> dict[str, str]:
        dep = next(d for d in self.docs if d["kind"] in ("Deployment", "DaemonSet"))
        c = next(c for c in dep["spec"]["template"]["spec"]["containers"] if c["name"] == "agent")
        return {e["name"]: str(e["value"]) for e in c.get("env", []) if "value" in e}

    @contextlib.contextmanager
    def agent(self, name: str, workers: int = 2, **env: str):
        """The agent with this identity and the chart's environment (a 5 s deadline unless ``env`` says
        otherwise), serving while the block runs."""
        full = {**self.chart_env(), "REQUEST_DEADLINE": "5s", **env}
        proc = AgentProcess(self.kubeconfig, workers=workers, env=full, name=name)
        proc.start()
        try:
            yield proc
        finally:
            proc.cleanup()


def apply_chart_identity(
    cp: ControlPlane, helm: str, release: str, namespace: str, *set_args: str
) -> ChartIdentity:
    """Render the chart and apply only its ServiceAccount, ClusterRole and ClusterRoleBinding(s) (the
    release namespace is created); mint a TokenRequest token for the ServiceAccount."""
    docs = render_chart(helm, release, namespace, *set_args)
    cp.create_namespace(namespace)
    applied = [d for d in docs if d["kind"] in IDENTITY_KINDS]
    assert {d["kind"] for d in applied} == set(IDENTITY_KINDS), [d["kind"] for d in docs]
    for doc in applied:
        path = _api_path(doc)
        try:
            cp.api("POST", path, doc)
        except ApiError as e:
            if e.status != 409:
                raise
            cur = cp.api("GET", f"{path}/{doc['metadata']['name']}")
            body = json.loads(json.dumps(doc))
            body["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
            cp.api("PUT", f"{path}/{doc['metadata']['name']}", body)
    sa = next(d for d in applied if d["kind"] == "ServiceAccount")["metadata"]["name"]
    token = cp.service_account_token(namespace, sa)
    return ChartIdentity(
        release=release,
        namespace=namespace,
        service_account=sa,
        token=token,
        kubeconfig=cp.kubeconfig_path(token, name=f"{release}-sa", namespace=namespace),
        docs=docs,
        applied=applied,
    )


# --------------------------------------------------------------------------------------------- the agent
@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        assert self.status == 200, f"HTTP {self.status}: {self.body}"
        return self.body["data"]

    @property
    def error(self) -> dict:
        assert self.status >= 400, f"expected an error, got HTTP {self.status}"
        return self.body["error"]


# sitecustomize for an agent whose request clock runs ahead (see AgentProcess.clock_shift)
_CLOCK_SHIFT_SITE = """
import datetime as _dt
import os as _os

_shift = float(_os.environ.get("K8S_AGENT_TEST_CLOCK_SHIFT_SECONDS") or 0)
if _shift:
    class _ShiftedDateTime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.now(tz) + _dt.timedelta(seconds=_shift)

    import k8s_agent.api.handler as _routes

    _routes.datetime = _ShiftedDateTime
"""


class AgentProcess:
    """``python -m k8s_agent`` in a subprocess, like the container's entrypoint.

    ``env`` starts from the chart's container environment when given (what the pod would get), with the
    kubeconfig instead of the in-cluster config. ``clock_shift`` (seconds) makes the agent's request clock
    (the ``now`` every analysis is computed at) run ahead, for rules about durations a test cannot wait
    for; only a test that says so uses it.
    """

    def __init__(
        self,
        kubeconfig: str,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        clock_shift: float = 0.0,
        name: str = "agent",
    ) -> None:
        self.kubeconfig = kubeconfig
        self.workers = workers
        self.extra_env = dict(env or {})
        self.clock_shift = clock_shift
        self.name = name
        self.workdir = Path(tempfile.mkdtemp(prefix=f"k8s-agent-e2e-{name}-"))
        self.log_path = self.workdir / "agent.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> AgentProcess:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "K8S_AGENT_TEST_"))}
        for k in ("KUBECONFIG", "AUTH_MODE", "SNAPSHOT_PATH", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(k, None)
        env.update(self.extra_env)
        metrics_dir = self.workdir / "prom"
        metrics_dir.mkdir()
        env.update(
            {
                "CLUSTER_SOURCE": "live",
                "KUBECONFIG": self.kubeconfig,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WORKERS": str(self.workers),
                "LOG_FORMAT": "json",
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.clock_shift:
            site = self.workdir / "site"
            site.mkdir()
            (site / "sitecustomize.py").write_text(_CLOCK_SHIFT_SITE)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
            env["K8S_AGENT_TEST_CLOCK_SHIFT_SECONDS"] = str(self.clock_shift)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "k8s_agent", "--workers", str(self.workers)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.workdir,
                start_new_session=True,  # its own process group: the workers are stopped with it
            )

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"agent exited rc={self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    return r.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                return False

        try:
            wait_for(ready, timeout, 0.2, f"agent {self.name} /readyz")
        except BaseException:
            self.stop()
            raise
        return self

    def get(
        self,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Response:
        h = {"Accept": "application/json", **(headers or {})}
        if token:
            h["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw, status, hdrs = r.read(), r.status, dict(r.headers)
        except urllib.error.HTTPError as e:
            raw, status, hdrs = e.read(), e.code, dict(e.headers)
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        return Response(status, body, hdrs)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, grace: float = 15) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the worker manager stops its workers
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        # whatever of its own process group is left (a stuck worker): only processes this test started
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def cleanup(self) -> None:
        self.stop()
        if not os.environ.get("K8S_AGENT_KEEP_CONTROLPLANE"):
            shutil.rmtree(self.workdir, ignore_errors=True)
