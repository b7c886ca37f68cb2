"""The built-in small cluster the fake serves in tests that need a realistic, self-contained cluster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builders import api_event, api_node, api_pod, ts, uid_for


def builtin_cluster(now: datetime | None = None) -> list[dict]:
    """A small realistic cluster: 2 nodes (+ metrics), a Deployment -> ReplicaSet -> 2 pods chain, a
    crash-looping pod with events in both shapes, a Pending pod, a PVC/PV."""
    now = now or datetime.now(UTC)
    out: list[dict] = []
    for ns in ("default", "demo", "kube-system"):
        out.append(
            {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": {
                    "name": ns,
                    "creationTimestamp": ts(now - timedelta(days=30)),
                    "labels": {"kubernetes.io/metadata.name": ns},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        )
    out.append(api_node("node-a", now=now))
    out.append(
        api_node("node-b", cpu="2", memory="8Gi", now=now, labels={"node-role.kubernetes.io/worker": ""})
    )
    for n, cpu, mem in (("node-a", "812345678n", "6123456Ki"), ("node-b", "1500m", "7000Mi")):
        out.append(
            {
                "kind": "NodeMetrics",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {
                    "name": n,
                    "creationTimestamp": ts(now),
                    "labels": {"kubernetes.io/hostname": n},
                },
                "timestamp": ts(now - timedelta(seconds=10)),
                "window": "20.05s",
                "usage": {"cpu": cpu, "memory": mem},
            }
        )
    dep_uid = uid_for("Deployment/demo/web")
    rs_name = "web-6d4cf56db6"
    out.append(
        {
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "metadata": {
                "name": "web",
                "namespace": "demo",
                "uid": dep_uid,
                "generation": 3,
                "creationTimestamp": ts(now - timedelta(days=2)),
                "labels": {"app": "web"},
            },
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
                },
            },
            "status": {
                "replicas": 2,
                "readyReplicas": 2,
                "availableReplicas": 2,
                "updatedReplicas": 2,
                "observedGeneration": 3,
            },
        }
    )
    out.append(
        {
            "kind": "ReplicaSet",
            "apiVersion": "apps/v1",
            "metadata": {
                "name": rs_name,
                "namespace": "demo",
                "uid": uid_for(f"ReplicaSet/demo/{rs_name}"),
                "creationTimestamp": ts(now - timedelta(days=2)),
                "labels": {"app": "web", "pod-template-hash": "6d4cf56db6"},
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "web",
                        "uid": dep_uid,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web", "pod-template-hash": "6d4cf56db6"}},
            },
            "status": {"replicas": 2, "readyReplicas": 2, "availableReplicas": 2, "fullyLabeledReplicas": 2},
        }
    )
    rs_owner = {"kind": "ReplicaSet", "name": rs_name, "uid": uid_for(f"ReplicaSet/demo/{rs_name}")}
    web_labels = {"app": "web", "pod-template-hash": "6d4cf56db6"}
    out.append(api_pod(f"{rs_name}-x7k2p", "demo", node="node-a", owner=rs_owner, labels=web_labels, now=now))
    out.append(
        api_pod(
            f"{rs_name}-q9w4z",
            "demo",
            node="node-b",
            owner=rs_owner,
            labels=web_labels,
            pvc="web-data",
            now=now,
        )
    )
    crash = api_pod(
        "api-crashloop",
        "demo",
        node="node-a",
        image="example/api:1.4.2",
        restarts=7,
        crash_loop=True,
        labels={"app": "api"},
        now=now,
    )
    out.append(crash)
    pending = api_pod(
        "batch-pending", "demo", node=None, phase="Pending", cpu="8", labels={"app": "batch"}, now=now
    )
    out.append(pending)
    # the pods' uids must be set before events reference them
    for o in out:
        if o["kind"] == "Pod":
            o["metadata"].setdefault(
                "uid", uid_for(f"Pod/{o['metadata']['namespace']}/{o['metadata']['name']}")
            )
    out += [
        # events.k8s.io-style (scheduler): eventTime, no count, null first/last timestamps
        api_event(
            crash,
            "Scheduled",
            "Successfully assigned demo/api-crashloop to node-a",
            component="default-scheduler",
            new_style=True,
            age=timedelta(hours=2),
            now=now,
            name_suffix="17f0a1",
        ),
        api_event(
            crash,
            "Pulled",
            'Container image "example/api:1.4.2" already present on machine',
            count=8,
            age=timedelta(minutes=6),
            first_age=timedelta(hours=2),
            now=now,
            name_suffix="17f0a2",
        ),
        api_event(
            crash,
            "Started",
            "Started container app",
            count=8,
            age=timedelta(minutes=6),
            first_age=timedelta(hours=2),
            now=now,
            name_suffix="17f0a3",
        ),
        # classic: count/firstTimestamp/lastTimestamp
        api_event(
            crash,
            "BackOff",
            "Back-off restarting failed container app in pod api-crashloop_demo(uid)",
            type="Warning",
            count=42,
            age=timedelta(seconds=30),
            first_age=timedelta(hours=1, minutes=50),
            now=now,
            name_suffix="17f0a4",
        ),
        # events.k8s.io-style with a series
        api_event(
            crash,
            "Unhealthy",
            'Readiness probe failed: Get "http://10.244.0.7:8080/ready": dial tcp 10.244.0.7:8080: connect: connection refused',
            type="Warning",
            new_style=True,
            series_count=15,
            age=timedelta(minutes=1),
            first_age=timedelta(hours=1),
            component="kubelet",
            now=now,
            name_suffix="17f0a5",
        ),
        api_event(
            pending,
            "FailedScheduling",
            "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
            type="Warning",
            new_style=True,
            series_count=9,
            age=timedelta(seconds=45),
            first_age=timedelta(minutes=30),
            component="default-scheduler",
            now=now,
            name_suffix="17f0b1",
        ),
    ]
    out.append(
        {
            "kind": "PersistentVolumeClaim",
            "apiVersion": "v1",
            "metadata": {
                "name": "web-data",
                "namespace": "demo",
                "creationTimestamp": ts(now - timedelta(days=2)),
            },
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
                "storageClassName": "standard",
                "volumeName": "pvc-0a1b2c3d",
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}},
        }
    )
    out.append(
        {
            "kind": "PersistentVolume",
            "apiVersion": "v1",
            "metadata": {"name": "pvc-0a1b2c3d", "creationTimestamp": ts(now - timedelta(days=2))},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "capacity": {"storage": "1Gi"},
                "storageClassName": "standard",
                "persistentVolumeReclaimPolicy": "Delete",
                "claimRef": {
                    "kind": "PersistentVolumeClaim",
                    "namespace": "demo",
                    "name": "web-data",
                    "apiVersion": "v1",
                },
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-b"]}
                                ]
                            }
                        ]
                    }
                },
                "hostPath": {"path": "/var/local-path-provisioner/pvc-0a1b2c3d", "type": "DirectoryOrCreate"},
            },
            "status": {"phase": "Bound"},
        }
    )
    return out
