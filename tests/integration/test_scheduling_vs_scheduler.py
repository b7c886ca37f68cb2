"""The scheduling analysis against the real kube-scheduler (1.36): for a pod, the reasons and counts our
filters give (``simulate.scheduler_view``) on the cluster as the API server holds it must be the ones the
scheduler wrote in its FailedScheduling message, and the failure summary's first-failure count must be the
scheduler's count.

The whole cluster is read (other tests of the session may have left nodes behind): the scheduler counts
every node, so the comparison does too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from apiread import cleanup, failed_scheduling, read_cluster, read_pod
from controlplane import requires_control_plane, wait_for

from builders import pod_manifest, request_container
from k8s_agent.analysis.scheduling.analyze import analyze_scheduling
from k8s_agent.analysis.scheduling.message import parse_scheduling_message
from k8s_agent.analysis.scheduling.simulate import scheduler_view

pytestmark = requires_control_plane


def _pod(name: str, ns: str, group: str, containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return pod_manifest(name, ns, containers=containers, nodeSelector={"example.com/group": group}, **spec)


def _container(name: str, cpu: str, memory: str) -> dict[str, Any]:
    return request_container(name, cpu=cpu, memory=memory)


def test_pod_level_resources_that_do_not_fit_match_the_schedulers_verdict(control_plane):
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns, group, node = f"podlevel-{sfx}", f"podlevel-{sfx}", f"podlevel-{sfx}"
    cp.create_namespace(ns)
    cp.create_node(node, cpu="2", memory="4Gi", labels={"example.com/group": group})
    try:
        # the containers ask 1 cpu in all, which fits; the pod asks 3 at pod level, which does not
        containers = [_container("a", "500m", "256Mi"), _container("b", "500m", "256Mi")]
        manifest = _pod("big", ns, group, containers, resources={"requests": {"cpu": "3", "memory": "1Gi"}})
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", manifest)
        ev = failed_scheduling(cp, ns, "big")
        pod = read_pod(cp, ns, "big")
        assert pod.spec.resources is not None and pod.spec.resources.requests["cpu"] == "3"
        nodes, pods = read_cluster(cp)
        real = parse_scheduling_message(ev.message or "")
        view = scheduler_view(pod, nodes, pods)
        ours = next(n for n in view.nodes if n.node_name == node)
        assert (ours.plugin, ours.reasons) == ("NodeResourcesFit", ("Insufficient cpu",))
        assert real.total_nodes == len(nodes)
        assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
        assert ev.message.startswith(view.message[:-1])  # the same text, up to the preemption suffix
        # the same containers without the pod-level request fit: the real scheduler binds such a pod there
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod("small", ns, group, containers))
        bound = wait_for(
            lambda: read_pod(cp, ns, "small").spec.node_name, timeout=30, interval=0.2, what="small bound"
        )
        assert bound == node
    finally:
        cleanup(cp, ns, [node])


def test_first_failing_filter_count_matches_the_message(control_plane):
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns, group = f"firstfail-{sfx}", f"firstfail-{sfx}"
    tainted = [f"ff-taint-{i}-{sfx}" for i in (1, 2)]
    plain = [f"ff-plain-{i}-{sfx}" for i in (1, 2, 3)]
    taint = [{"key": "example.com/dedicated", "value": group, "effect": "NoSchedule"}]
    cp.create_namespace(ns)
    for n in tainted:
        cp.create_node(n, cpu="2", memory="2Gi", labels={"example.com/group": group}, taints=taint)
    for n in plain:
        cp.create_node(n, cpu="2", memory="2Gi", labels={"example.com/group": group})
    try:
        # all five nodes lack memory; two of them fail on their taint first
        cp.api(
            "POST", f"/api/v1/namespaces/{ns}/pods", _pod("web", ns, group, [_container("a", "100m", "3Gi")])
        )
        ev = failed_scheduling(cp, ns, "web")
        pod = read_pod(cp, ns, "web")
        nodes, pods = read_cluster(cp)
        real = parse_scheduling_message(ev.message or "")
        counts = real.per_node_counts() or {}
        assert counts.get("Insufficient memory") == 3, ev.message
        view = scheduler_view(pod, nodes, pods)
        assert view.reason_counts == counts, (view.message, ev.message)
        mine = {n.node_name: n.plugin for n in view.nodes if n.node_name in tainted + plain}
        assert mine == {
            **dict.fromkeys(tainted, "TaintToleration"),
            **dict.fromkeys(plain, "NodeResourcesFit"),
        }

        answer = analyze_scheduling(pod, [ev], nodes, pods, {}, {}, datetime.now(UTC))
        mem = next(s for s in answer.failure_summary if s.category == "InsufficientMemory")
        assert set(tainted + plain) <= set(mem.nodes) and mem.any_failure_count == len(mem.nodes)
        assert (mem.first_failure_count, mem.scheduler_message_count, mem.source) == (3, 3, "both")
    finally:
        cleanup(cp, ns, tainted + plain)
