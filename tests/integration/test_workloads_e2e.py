"""The workload diagnosis against a real kube-apiserver, read by the agent with the chart's identity.

The control plane has no controller-manager and no kubelet, so this test does what they would do, through
the API: it creates a Deployment, changes its template from a working image to a broken one (generation 2),
creates the two ReplicaSets the Deployment controller would (revision 1 and 2, owned by the Deployment,
named ``<deployment>-<pod-template-hash>``), their pods (bound, so the scheduler leaves them alone), writes
the pods' status as the kubelet would (old pods ready, the new one in ImagePullBackOff), the kubelet's
pull-failure event, and finally the Deployment status the controller writes once the progress deadline has
passed (``Progressing=False/ProgressDeadlineExceeded`` while the three old pods are still available).

The agent must answer: state stuck, revision 2 named as the broken one, the image diff shown, a rollback
to revision 1 suggested, and no read refused (the chart's RBAC covers the diagnosis).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from cluster_builder import AgentProcess
from controlplane import requires_control_plane

pytestmark = requires_control_plane

NS = "e2e-rollout"
GOOD = "registry.k8s.io/pause:3.10"
BROKEN = "registry.k8s.io/pause:3.10-does-not-exist"
NODE = "e2e-rollout-node"


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _template(image: str, pod_hash: str | None = None) -> dict:
    labels = {"app": "web"} | ({"pod-template-hash": pod_hash} if pod_hash else {})
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": image,
                    "env": [
                        {"name": "MODE", "value": "prod"},
                        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "web", "key": "token"}}},
                    ],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                }
            ]
        },
    }


def _owner(obj: dict) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


@pytest.fixture(scope="module")
def rollout(control_plane):
    cp = control_plane
    now = datetime.now(UTC)
    cp.create_namespace(NS)
    deploy = cp.api(
        "POST",
        f"/apis/apps/v1/namespaces/{NS}/deployments",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": _template(GOOD),
                "progressDeadlineSeconds": 600,
            },
        },
    )
    # the template changes to the broken image: generation 2
    changed = copy.deepcopy(deploy)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = BROKEN
    deploy = cp.api("PUT", f"/apis/apps/v1/namespaces/{NS}/deployments/web", changed)
    assert deploy["metadata"]["generation"] == 2

    replicasets = {}
    for revision, pod_hash, image, replicas in ((1, "5d8f7c9b6", GOOD, 3), (2, "7b9d6c8f4", BROKEN, 1)):
        rs = cp.api(
            "POST",
            f"/apis/apps/v1/namespaces/{NS}/replicasets",
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"web-{pod_hash}",
                    "labels": {"app": "web", "pod-template-hash": pod_hash},
                    "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                    "ownerReferences": [_owner(deploy)],
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {"app": "web", "pod-template-hash": pod_hash}},
                    "template": _template(image, pod_hash),
                },
            },
        )
        replicasets[revision] = rs
    pods = []
    for revision, suffixes in ((1, ("a1b2c", "d3e4f", "g5h6i")), (2, ("x7y8z",))):
        rs = replicasets[revision]
        for suffix in suffixes:
            tmpl = rs["spec"]["template"]
            pod = cp.api(
                "POST",
                f"/api/v1/namespaces/{NS}/pods",
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{rs['metadata']['name']}-{suffix}",
                        "labels": tmpl["metadata"]["labels"],
                        "ownerReferences": [_owner(rs)],
                    },
                    "spec": {**tmpl["spec"], "nodeName": NODE},
                },
            )
            pods.append((revision, pod))
    start = _ts(now - timedelta(minutes=1))
    for revision, pod in pods:
        good = revision == 1
        cs = {
            "name": "web",
            "ready": good,
            "started": good,
            "restartCount": 0,
            "image": GOOD if good else BROKEN,
            "imageID": "",
            "state": {"running": {"startedAt": start}}
            if good
            else {
                "waiting": {
                    "reason": "ImagePullBackOff",
                    "message": f'Back-off pulling image "{BROKEN}": ErrImagePull: {BROKEN}: not found',
                }
            },
            "lastState": {},
        }
        ready = "True" if good else "False"
        cp.api(
            "PATCH",
            f"/api/v1/namespaces/{NS}/pods/{pod['metadata']['name']}/status",
            {
                "status": {
                    "phase": "Running" if good else "Pending",
                    "conditions": [
                        {"type": "Initialized", "status": "True", "lastTransitionTime": start},
                        {"type": "Ready", "status": ready, "lastTransitionTime": start},
                        {"type": "ContainersReady", "status": ready, "lastTransitionTime": start},
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": start},
                    ],
                    "hostIP": "127.0.0.1",
                    "startTime": start,
                    "containerStatuses": [cs],
                }
            },
        )
    broken_pod = pods[-1][1]
    # the kubelet reports the pull failure after the pod exists: its time is the pod's (server-set) creation
    # time, never the fixture's start, which can fall in the second before the new ReplicaSet was created
    # (the diagnosis rightly ignores failures older than the revision)
    pulled_at = broken_pod["metadata"]["creationTimestamp"]
    cp.api(
        "POST",
        f"/api/v1/namespaces/{NS}/events",
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{broken_pod['metadata']['name']}.pull"},
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "Pod",
                "namespace": NS,
                "name": broken_pod["metadata"]["name"],
                "uid": broken_pod["metadata"]["uid"],
                "fieldPath": "spec.containers{web}",
            },
            "reason": "Failed",
            "message": f'Failed to pull image "{BROKEN}": rpc error: code = NotFound desc = not found',
            "type": "Warning",
            "source": {"component": "kubelet", "host": NODE},
            "firstTimestamp": pulled_at,
            "lastTimestamp": pulled_at,
            "count": 4,
        },
    )
    for revision, (replicas, ready) in {1: (3, 3), 2: (1, 0)}.items():
        rs = replicasets[revision]
        cp.api(
            "PATCH",
            f"/apis/apps/v1/namespaces/{NS}/replicasets/{rs['metadata']['name']}/status",
            {
                "status": {
                    "replicas": replicas,
                    "fullyLabeledReplicas": replicas,
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                    "observedGeneration": 1,
                }
            },
        )
    new_rs = replicasets[2]["metadata"]["name"]
    cp.api(
        "PATCH",
        f"/apis/apps/v1/namespaces/{NS}/deployments/web/status",
        {
            "status": {
                "observedGeneration": 2,
                "replicas": 4,
                "updatedReplicas": 1,
                "readyReplicas": 3,
                "availableReplicas": 3,
                "unavailableReplicas": 1,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "reason": "MinimumReplicasAvailable",
                        "message": "Deployment has minimum availability.",
                        "lastUpdateTime": start,
                        "lastTransitionTime": start,
                    },
                    {
                        "type": "Progressing",
                        "status": "False",
                        "reason": "ProgressDeadlineExceeded",
                        "message": f'ReplicaSet "{new_rs}" has timed out progressing.',
                        "lastUpdateTime": _ts(now),
                        "lastTransitionTime": _ts(now),
                    },
                ],
            }
        },
    )
    return {"new_rs": new_rs, "old_rs": replicasets[1]["metadata"]["name"], "pulled_at": pulled_at}


@pytest.fixture(scope="module")
def agent(control_plane, agent_identity, rollout):
    env = {**agent_identity.chart_env(), "REQUEST_DEADLINE": "5s"}
    proc = AgentProcess(agent_identity.kubeconfig, workers=1, env=env, name="e2e-workloads")
    proc.start()
    yield proc
    proc.cleanup()


def test_broken_template_change_is_a_stuck_rollout_with_the_revision_and_the_image_diff(agent, rollout):
    r = agent.get(f"/api/v1/workloads/{NS}/Deployment/web/diagnosis")
    assert r.status == 200, (r.body, agent.log_tail(30))
    d = r.body["data"]
    assert d["warnings"] == [], "a read was refused or failed: the chart's RBAC must cover the diagnosis"
    assert d["state"] == "stuck"
    assert d["stateReason"] == (
        f'ProgressDeadlineExceeded: ReplicaSet "{rollout["new_rs"]}" has timed out progressing. '
        "(3 pods of older revisions still ready and serving)"
    )
    assert (d["generation"], d["observedGeneration"]) == (2, 2)
    current, previous = d["revisions"][0], d["revisions"][1]
    assert (current["revision"], current["name"], current["current"]) == (2, rollout["new_rs"], True)
    assert (current["pods"], current["failingPods"]) == (1, 1)
    assert current["problems"][0]["reason"] == "ImagePullError"
    assert (previous["revision"], previous["name"], previous["readyPods"]) == (1, rollout["old_rs"], 3)
    change = d["whatChanged"]
    assert (change["fromRevision"], change["toRevision"]) == (1, 2)
    assert change["changes"] == [{"container": "web", "field": "image", "before": GOOD, "after": BROKEN}]
    assert change["firstFailure"] == "ErrImagePull"
    assert change["firstFailureAt"] == rollout["pulled_at"]
    assert change["summary"].startswith(f"revision 2: web: image changed from {GOOD} to {BROKEN}")
    assert any(f"kubectl rollout undo deployment/web -n {NS} --to-revision=1" in s for s in d["suggestions"])
    assert any(b.startswith(f"revision 2 ({rollout['new_rs']}): 1 pod ImagePullError") for b in d["blockers"])


def test_unknown_workload_is_404_from_the_real_api(agent, rollout):
    r = agent.get(f"/api/v1/workloads/{NS}/StatefulSet/web/diagnosis")
    assert r.status == 404, r.body
    assert "web" in r.body["error"]["message"] + r.body["error"].get("details", "")
