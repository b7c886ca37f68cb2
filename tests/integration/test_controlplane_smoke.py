"""Smoke tests of the real control plane: the scheduler really schedules, really
reports FailedScheduling, and RBAC is really enforced."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from controlplane import ApiError, requires_control_plane, wait_for

from builders import pod_manifest, request_container

pytestmark = requires_control_plane

FAILED_RE = re.compile(r"^0/(\d+) nodes are available: 1 Insufficient cpu\b")


def _pod(name: str, ns: str, cpu: str, node: str) -> dict:
    # pinned to our node, so the message stays "1 Insufficient cpu" even if other tests in the session left
    # nodes behind
    return pod_manifest(
        name,
        ns,
        containers=[request_container("main", cpu=cpu, memory="64Mi")],
        labels={"app": "smoke"},
        nodeSelector={"kubernetes.io/hostname": node},
    )


def _field_shape(ev: dict) -> dict:
    keys = [
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "eventTime",
        "series",
        "reportingComponent",
        "reportingInstance",
        "action",
        "source",
        "type",
        "reason",
    ]
    return {k: ev.get(k, "<absent>") for k in keys}


def test_scheduler_reports_insufficient_cpu_and_schedules_a_fitting_pod(control_plane):
    cp = control_plane
    suffix = uuid.uuid4().hex[:6]
    ns, node = f"smoke-{suffix}", f"smoke-node-{suffix}"
    cp.create_namespace(ns)
    n = cp.create_node(node, cpu="2", memory="4Gi", pods="110")
    assert n["status"]["allocatable"] == {"cpu": "2", "memory": "4Gi", "pods": "110"}
    assert not n["spec"].get("taints"), "TaintNodesByCondition should be disabled"
    big, small = "too-big", "fits"
    extras: list[str] = []
    try:
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod(big, ns, "4", node))

        def failed_event():
            evs = cp.api(
                "GET",
                f"/api/v1/namespaces/{ns}/events",
                query={"fieldSelector": f"involvedObject.name={big}"},
            )["items"]
            return next((e for e in evs if e.get("reason") == "FailedScheduling"), None)

        ev = wait_for(failed_event, timeout=20, interval=0.2, what="FailedScheduling event")
        print("\ncore/v1 FailedScheduling event:\n" + json.dumps(ev, indent=2))
        print("field shape: " + json.dumps(_field_shape(ev)))
        m = FAILED_RE.match(ev["message"])
        assert m, ev["message"]
        nodes = cp.api("GET", "/api/v1/nodes")["items"]
        assert int(m.group(1)) == len(nodes)
        assert ev["type"] == "Warning"
        assert ev["involvedObject"]["kind"] == "Pod" and ev["involvedObject"]["namespace"] == ns
        # kube-scheduler records through the events.k8s.io/v1 API, so this is what the core/v1 view shows
        assert ev["reportingComponent"] == "default-scheduler"
        assert ev.get("eventTime")

        evs = cp.api(
            "GET",
            f"/apis/events.k8s.io/v1/namespaces/{ns}/events",
            query={"fieldSelector": f"regarding.name={big}"},
        )["items"]
        print("events.k8s.io/v1 view:\n" + json.dumps(evs[0], indent=2))
        assert evs[0]["reportingController"] == "default-scheduler"

        pod = cp.api("GET", f"/api/v1/namespaces/{ns}/pods/{big}")
        cond = {c["type"]: c for c in pod["status"].get("conditions", [])}
        assert cond["PodScheduled"]["status"] == "False"
        assert cond["PodScheduled"]["reason"] == "Unschedulable"
        assert not pod["spec"].get("nodeName")
        # ServiceAccount admission is on: the pod looks like one on a real cluster
        assert pod["spec"]["serviceAccountName"] == "default"

        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod(small, ns, "500m", node))
        pod = wait_for(
            lambda: (
                (p := cp.api("GET", f"/api/v1/namespaces/{ns}/pods/{small}"))["spec"].get("nodeName") and p
            ),
            timeout=20,
            interval=0.2,
            what="pod to be scheduled",
        )
        assert pod["spec"]["nodeName"] == node
        assert pod["status"]["phase"] == "Pending"  # no kubelet here

        out = cp.kubectl("get", "pod", small, "-n", ns, "-o", "jsonpath={.spec.nodeName}").stdout
        assert out == node

        # A repeated, identical failure is recorded as an event *series* (events.k8s.io
        # semantics). Deleting a pod bound to the node frees cpu, so the scheduler's queueing
        # hint retries the unschedulable pod. Observed with 1.36: retry #1 creates a *second*
        # event object (its `regarding.resourceVersion` differs: the first attempt patched the
        # pod's PodScheduled condition), retry #2 turns that one into series.count=2, and later
        # retries only bump the in-memory series (flushed to the API every ~30 min).
        def series_event():
            evs = cp.api(
                "GET",
                f"/api/v1/namespaces/{ns}/events",
                query={"fieldSelector": f"involvedObject.name={big},reason=FailedScheduling"},
            )["items"]
            return next((e for e in evs if (e.get("series") or {}).get("count", 0) >= 2), None)

        ev = None
        for i in range(4):
            extra = f"filler-{i}"
            extras.append(extra)
            cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod(extra, ns, "100m", node))
            wait_for(
                lambda extra=extra: cp.api("GET", f"/api/v1/namespaces/{ns}/pods/{extra}")["spec"].get(
                    "nodeName"
                ),
                timeout=20,
                interval=0.2,
                what=f"{extra} to be scheduled",
            )
            cp.api("DELETE", f"/api/v1/namespaces/{ns}/pods/{extra}", query={"gracePeriodSeconds": 0})
            try:
                ev = wait_for(series_event, timeout=2, interval=0.1, what="event series")
                break
            except TimeoutError:
                continue
        assert ev is not None, "no FailedScheduling event with series.count >= 2 after 4 retry triggers"
        print(
            f"repeated FailedScheduling after {i + 1} filler(s), field shape: " + json.dumps(_field_shape(ev))
        )
        assert FAILED_RE.match(ev["message"]), ev["message"]
        assert (
            ev["series"]["lastObservedTime"] and ev.get("count") is None and ev.get("lastTimestamp") is None
        )
    finally:
        for name in (big, small, *extras):
            try:
                cp.api("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}", query={"gracePeriodSeconds": 0})
            except ApiError as e:
                if e.status != 404:
                    raise
        cp.api("DELETE", f"/api/v1/nodes/{node}")


def test_rbac_is_enforced_for_service_account_tokens(control_plane):
    cp = control_plane
    ns = f"rbac-{uuid.uuid4().hex[:6]}"
    cp.create_namespace(ns)
    token = cp.service_account_token(ns, "reader")
    with pytest.raises(ApiError) as ei:
        cp.api("GET", f"/api/v1/namespaces/{ns}/pods", token=token)
    assert ei.value.status == 403
    cp.api(
        "POST",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
        {
            "metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
        },
    )
    cp.api(
        "POST",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        {
            "metadata": {"name": "pod-reader"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": ns}],
        },
    )
    assert cp.api("GET", f"/api/v1/namespaces/{ns}/pods", token=token)["items"] == []
    with pytest.raises(ApiError) as ei:
        cp.api("DELETE", f"/api/v1/namespaces/{ns}/pods/x", token=token)
    assert ei.value.status == 403
    ver = cp.api("GET", "/version")
    assert ver["gitVersion"] == "v" + cp.versions["KUBERNETES_VERSION"].lstrip("v")
