"""Controllers, their ReplicaSets/ControllerRevisions, pods and events as the API server returns them
(``kubectl get -o json`` shapes: the fields the controllers set, names derived the way they derive them),
for the workload diagnosis tests and benchmark."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from .parts import (
    app_container,
    condition,
    core_event,
    crash_loop,
    owner_ref,
    pod_conditions,
    ts,
    uid_for,
    unschedulable_condition,
)
from .parts import (
    running_status as container_running,
)

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
NS = "shop"
uid = uid_for
container = app_container


def ago(**kw) -> str:
    return ts(NOW - timedelta(**kw))


def owner(kind: str, name: str, api_version: str = "apps/v1", ns: str = NS) -> dict:
    return owner_ref(kind, name, uid(f"{kind}/{ns}/{name}"), api_version)


def meta(kind: str, name: str, ns: str = NS, *, created: str | None = None, **extra) -> dict:
    m = {
        "name": name,
        "namespace": ns,
        "uid": uid(f"{kind}/{ns}/{name}"),
        "resourceVersion": "4711",
        "creationTimestamp": created or ago(days=3),
    }
    m.update(extra)
    return m


def template(labels: dict, containers: list[dict], **spec) -> dict:
    s = {
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "securityContext": {},
    }
    s.update(spec)
    return {"metadata": {"labels": dict(labels)}, "spec": s}


def cond(ctype: str, status: str, reason: str = "", message: str = "", at: str | None = None) -> dict:
    return condition(ctype, status, reason, message, at=at or ago(hours=1))


# ------------------------------------------------------------------------------------------ Deployment
def deployment(
    name: str,
    image: str,
    *,
    replicas: int = 3,
    generation: int = 2,
    observed: int | None = None,
    status: dict | None = None,
    conditions: list[dict] | None = None,
    paused: bool = False,
    containers: list[dict] | None = None,
) -> dict:
    labels = {"app": name}
    st = {
        "observedGeneration": generation if observed is None else observed,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
        "conditions": conditions
        if conditions is not None
        else [
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-x" has successfully progressed.',
            ),
        ],
    }
    st.update(status or {})
    d = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("Deployment", name, generation=generation, labels=labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": template(labels, containers or [container(image)]),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": st,
    }
    if paused:
        d["spec"]["paused"] = True
    return d


def replicaset(
    deploy: str,
    pod_hash: str,
    revision: int,
    image: str,
    *,
    replicas: int,
    ready: int | None = None,
    created: str | None = None,
    containers: list[dict] | None = None,
    conditions: list[dict] | None = None,
) -> dict:
    name = f"{deploy}-{pod_hash}"
    labels = {"app": deploy, "pod-template-hash": pod_hash}
    ready = replicas if ready is None else ready
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            "ReplicaSet",
            name,
            created=created,
            labels=labels,
            generation=1,
            annotations={
                "deployment.kubernetes.io/desired-replicas": "3",
                "deployment.kubernetes.io/max-replicas": "4",
                "deployment.kubernetes.io/revision": str(revision),
            },
            ownerReferences=[owner("Deployment", deploy)],
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": template(labels, containers or [container(image)]),
        },
        "status": {
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
            **({"conditions": conditions} if conditions else {}),
        },
    }


# ------------------------------------------------------------------------------------------ pods
def running_status(
    name: str, image: str, created: datetime, *, ready: bool = True, restarts: int = 0
) -> dict:
    started = ts(created + timedelta(seconds=5))
    return {
        "phase": "Running",
        "conditions": pod_conditions(
            ready=ready, started=started, scheduled=ts(created), initialized=ts(created), unready=[name]
        ),
        "hostIP": "10.0.1.11",
        "podIP": "10.244.1.23",
        "startTime": ts(created),
        "qosClass": "Burstable",
        "containerStatuses": [
            container_running(
                name,
                image,
                started=started,
                ready=ready,
                restarts=restarts,
                image_id=f"docker.io/library/{image}@sha256:{'a' * 64}",
            )
        ],
    }


def pod(
    name: str,
    owner_ref: dict,
    image: str,
    *,
    created: datetime | None = None,
    state: str = "ready",
    labels: dict | None = None,
    node: str = "worker-a",
    restarts: int = 0,
    containers: list[dict] | None = None,
    ns: str = NS,
) -> dict:
    """``state``: ready, starting (running, not ready yet), notready (readiness failing for long),
    crashloop, imagepull, unschedulable, succeeded, failed."""
    created = created or NOW - timedelta(days=1)
    spec = template({}, containers or [container(image)])["spec"]
    spec["nodeName"] = node
    p: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(
            "Pod", name, ns, created=ts(created), labels=labels or {}, ownerReferences=[owner_ref]
        ),
        "spec": spec,
    }
    if state in ("ready", "starting"):
        p["status"] = running_status("app", image, created, ready=state == "ready", restarts=restarts)
    elif state == "notready":
        st = running_status("app", image, created, ready=False, restarts=restarts)
        p["status"] = st
    elif state == "crashloop":
        st = running_status("app", image, created, ready=False, restarts=restarts or 7)
        crash_loop(
            st["containerStatuses"][0],
            message=f"back-off 5m0s restarting failed container=app pod={name}_{ns}({uid(name)})",
            exited=(ago(minutes=3), ts(created + timedelta(minutes=2))),
        )
        p["status"] = st
    elif state == "imagepull":
        st = running_status("app", image, created, ready=False)
        st["phase"] = "Pending"
        cs = st["containerStatuses"][0]
        cs["started"] = False
        cs["imageID"] = ""
        cs["containerID"] = ""
        cs["state"] = {
            "waiting": {
                "reason": "ImagePullBackOff",
                "message": f'Back-off pulling image "{image}": ErrImagePull: rpc error: code = NotFound desc = '
                f'failed to pull and unpack image "docker.io/library/{image}": not found',
            }
        }
        p["status"] = st
    elif state == "unschedulable":
        del spec["nodeName"]
        p["status"] = {
            "phase": "Pending",
            "qosClass": "Burstable",
            "conditions": [
                unschedulable_condition(
                    "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
                    "3 No preemption victims found for incoming pod.",
                    at=ts(created),
                )
            ],
        }
    elif state in ("succeeded", "failed"):
        code = 0 if state == "succeeded" else 1
        p["status"] = {
            "phase": "Succeeded" if code == 0 else "Failed",
            "startTime": ts(created),
            "conditions": [cond("Ready", "False", "PodCompleted", at=ts(created + timedelta(minutes=1)))],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 0,
                    "image": image,
                    "imageID": "",
                    "state": {
                        "terminated": {
                            "exitCode": code,
                            "reason": "Completed" if code == 0 else "Error",
                            "startedAt": ts(created),
                            "finishedAt": ts(created + timedelta(minutes=1)),
                        }
                    },
                }
            ],
        }
    else:  # pragma: no cover
        raise ValueError(state)
    return p


def rs_pod(rs: dict, suffix: str, **kw) -> dict:
    name = f"{rs['metadata']['name']}-{suffix}"
    image = rs["spec"]["template"]["spec"]["containers"][0]["image"]
    labels = dict(rs["spec"]["template"]["metadata"]["labels"])
    return pod(
        name,
        owner("ReplicaSet", rs["metadata"]["name"]),
        image,
        labels=labels,
        containers=rs["spec"]["template"]["spec"]["containers"],
        **kw,
    )


# ------------------------------------------------------------------------------------------ events
def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    *,
    first: datetime,
    last: datetime | None = None,
    count: int = 1,
    component: str = "kubelet",
    type_: str = "Warning",
    ns: str = NS,
) -> dict:
    return core_event(
        {
            "kind": kind,
            "namespace": ns,
            "name": name,
            "uid": uid(f"{kind}/{ns}/{name}"),
            "apiVersion": "v1" if kind == "Pod" else "apps/v1",
        },
        reason,
        message,
        name=f"{name}.{abs(hash((reason, message))) % 10**16:x}",
        namespace=ns,
        first=ts(first),
        last=ts(last or first),
        count=count,
        component=component,
        type_=type_,
    )


# ------------------------------------------------------------------------------------------ ControllerRevisions
def controller_revision(
    kind: str, owner_name: str, rev_hash: str, revision: int, tmpl: dict, *, created: str | None = None
) -> dict:
    name = f"{owner_name}-{rev_hash}"
    data_tmpl = dict(tmpl)
    data_tmpl["$patch"] = "replace"
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": meta(
            "ControllerRevision",
            name,
            created=created,
            labels={**tmpl["metadata"]["labels"], "controller.kubernetes.io/hash": rev_hash},
            ownerReferences=[owner(kind, owner_name)],
        ),
        "data": {"spec": {"template": data_tmpl}},
        "revision": revision,
    }


def statefulset(
    name: str, image: str, *, replicas: int, status: dict, generation: int = 2, policy: str | None = None
) -> dict:
    labels = {"app": name}
    spec = {
        "replicas": replicas,
        "selector": {"matchLabels": labels},
        "serviceName": name,
        "template": template(labels, [container(image)]),
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "revisionHistoryLimit": 10,
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
    }
    if policy:
        spec["podManagementPolicy"] = policy
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta("StatefulSet", name, generation=generation, labels=labels),
        "spec": spec,
        "status": {
            "observedGeneration": generation,
            "availableReplicas": status.get("readyReplicas", 0),
            **status,
        },
    }


def daemonset(
    name: str,
    image: str,
    *,
    status: dict,
    tolerations: list[dict] | None = None,
    generation: int = 1,
    ns: str = "kube-system",
) -> dict:
    labels = {"k8s-app": name}
    tmpl = template(labels, [container(image)], tolerations=tolerations or [])
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta("DaemonSet", name, ns, generation=generation, labels=labels),
        "spec": {
            "selector": {"matchLabels": labels},
            "template": tmpl,
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
            },
            "revisionHistoryLimit": 10,
        },
        "status": {"observedGeneration": generation, "numberMisscheduled": 0, **status},
    }


def daemon_pod(ds: dict, node: str, rev_hash: str, **kw) -> dict:
    name = f"{ds['metadata']['name']}-{hashlib.sha1(node.encode()).hexdigest()[:5]}"
    ns = ds["metadata"]["namespace"]
    p = pod(
        name,
        owner("DaemonSet", ds["metadata"]["name"], ns=ns),
        ds["spec"]["template"]["spec"]["containers"][0]["image"],
        labels={**ds["spec"]["template"]["metadata"]["labels"], "controller-revision-hash": rev_hash},
        node=node,
        ns=ns,
        **kw,
    )
    p["spec"]["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
    }
    return p


def node(name: str, *, taints: list[dict] | None = None, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": uid(f"Node/{name}"),
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", **(labels or {})},
            "creationTimestamp": ago(days=30),
        },
        "spec": {"taints": taints or []},
        "status": {
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "conditions": [cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")],
        },
    }


# ------------------------------------------------------------------------------------------ batch
def job(
    name: str,
    *,
    conditions: list[dict] | None = None,
    status: dict | None = None,
    backoff: int = 6,
    completions: int = 1,
    owner_ref: dict | None = None,
    annotations: dict | None = None,
    created: str | None = None,
    pod_failure_policy: dict | None = None,
) -> dict:
    labels = {"batch.kubernetes.io/job-name": name, "job-name": name}
    m = meta("Job", name, created=created, generation=1, labels=labels, annotations=annotations or {})
    if owner_ref:
        m["ownerReferences"] = [owner_ref]
    spec = {
        "parallelism": 1,
        "completions": completions,
        "backoffLimit": backoff,
        "completionMode": "NonIndexed",
        "suspend": False,
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": m["uid"]}},
        "template": template(labels, [container("busybox:1.36")], restartPolicy="Never"),
    }
    if pod_failure_policy:
        spec["podFailurePolicy"] = pod_failure_policy
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": m,
        "spec": spec,
        "status": {**(status or {}), "conditions": conditions or []},
    }


def cronjob(
    name: str,
    schedule: str,
    *,
    status: dict,
    policy: str = "Allow",
    suspend: bool = False,
    created: str | None = None,
) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta("CronJob", name, created=created, generation=1),
        "spec": {
            "schedule": schedule,
            "concurrencyPolicy": policy,
            "suspend": suspend,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "spec": {"template": template({}, [container("busybox:1.36")], restartPolicy="OnFailure")}
            },
        },
        "status": status,
    }


def quota(name: str, hard: dict, used: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": meta("ResourceQuota", name),
        "spec": {"hard": hard},
        "status": {"hard": hard, "used": used},
    }
