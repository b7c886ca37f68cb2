"""How the scheduler's reasons (every release's wording) are matched with the agent's own checks when the two
are compared: the check each reason is produced by, and the one spelling each reason is counted under."""

from __future__ import annotations

import pytest

from k8s_agent.analysis.scheduling.compare import canonical_reason, reason_check


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("Preemption is not helpful for scheduling", None),
        ("Insufficient cpu", "Resources:cpu"),
        ("Insufficient memory", "Resources:memory"),
        ("Insufficient ephemeral-storage", "Resources:ephemeral-storage"),
        ("Too many pods", "Resources:pods"),
        ("Insufficient pods", "Resources:pods"),  # before 1.19
        ("Insufficient nvidia.com/gpu.", "Resources:nvidia.com/gpu"),
        # the taint key hidden (<= 1.17 and 1.34.2+): any taint, readiness ones included
        ("node(s) had untolerated taint(s)", "AnyTaint"),
        ("PodToleratesNodeTaints", "AnyTaint"),
        ("node(s) had untolerated taint {dedicated: gpu}", "Taints"),
        ("node(s) had untolerated taint {node.kubernetes.io/unreachable: }", "NodeNotReady"),
        ("node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate", "NodeNotReady"),
        ("node(s) were unschedulable", "Unschedulable"),
        ("NodeUnschedulable", "Unschedulable"),
        ("node(s) had volume node affinity conflict", "Volume"),
        ("node(s) had no available volume zone", "Volume"),
        ("node(s) didn't match PersistentVolume's node affinity", "Volume"),
        ("node(s) didn't match node selector", "NodeAffinity"),
        ("node(s) didn't match Pod's node affinity/selector", "NodeAffinity"),
        ("MatchNodeSelector", "NodeAffinity"),
        ("node(s) didn't have free ports for the requested pod ports", "HostPorts"),
        ("PodFitsHostPorts", "HostPorts"),
        ("cannot allocate all claims", "DynamicResources"),
        ("resourceclaim not available on the node", "DynamicResources"),
        ("node(s) didn't match pod anti-affinity rules", "PodAffinity"),
        ("node(s) didn't satisfy existing pods anti-affinity rules", "PodAffinity"),
        ("node(s) didn't match pod affinity rules", "PodAffinity"),
        ("MatchInterPodAffinity", "PodAffinity"),
        ("ExistingPodsAntiAffinityRulesNotMatch", "PodAffinity"),
        ("node(s) didn't match pod topology spread constraints", None),
    ],
)
def test_reason_check(text, check):
    assert reason_check(text) == check


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("node(s) had untolerated taint {dedicated: gpu}.", "taint {dedicated: gpu}"),
        ("node(s) had taint {dedicated: gpu}, that the pod didn't tolerate", "taint {dedicated: gpu}"),
        ("node(s) had untolerated taint(s)", "taint(s)"),
        ("node(s) had taints that the pod didn't tolerate", "taint(s)"),
        ("PodToleratesNodeTaints", "taint(s)"),
        ("node(s) had volume node affinity conflict", "persistentvolume's node affinity"),
        ("node(s) didn't match PersistentVolume's node affinity", "persistentvolume's node affinity"),
        ("node(s) didn't match node selector", "node affinity/selector"),
        ("node(s) didn't match Pod's node affinity/selector", "node affinity/selector"),
        ("MatchNodeSelector", "node affinity/selector"),
        ("Insufficient pods", "too many pods"),
        ("Too many pods.", "too many pods"),
        ("Insufficient CPU", "insufficient cpu"),
    ],
)
def test_canonical_reason(text, canonical):
    assert canonical_reason(text) == canonical


# ------------------------------------------------------------------------------------------ discrepancies
def test_a_stale_extended_resource_count_is_a_discrepancy():
    from datetime import UTC, datetime

    from builders import container, make_node, make_pod, scheduler_event
    from k8s_agent.analysis.scheduling.analyze import analyze_scheduling

    now = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    # the GPUs were added to every node after the scheduler's attempt: no node lacks one now (memory still
    # lacks everywhere, as the message says, so it is no discrepancy); since then node-1 was tainted
    gpu = {"nvidia.com/gpu": "1"}
    nodes = [
        make_node("node-1", memory="4Gi", extra_allocatable={"nvidia.com/gpu": "2"},
                  taints=[{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}]),
        make_node("node-2", memory="4Gi", extra_allocatable={"nvidia.com/gpu": "2"}),
        make_node("node-3", memory="4Gi", extra_allocatable={"nvidia.com/gpu": "2"}),
    ]  # fmt: skip
    pod = make_pod("trainer-0", "ml", containers=[container("train", cpu="1", memory="6Gi", extra=gpu)])
    ev = scheduler_event(
        pod, "0/3 nodes are available: 3 Insufficient memory, 3 Insufficient nvidia.com/gpu."
    )
    r = analyze_scheduling(pod, [ev], nodes, [pod], {}, {}, now)
    assert r.discrepancies == [
        'the scheduler reported 3 × "Insufficient nvidia.com/gpu" (5m ago), but now 0 of 3 nodes lack '
        "nvidia.com/gpu: stale event or the cluster changed since",
        # node-1's first failing filter is TaintToleration now: a count the message does not have at all
        "the scheduler's message (5m ago) reports no nodes that have taints the pod doesn't tolerate, but now 1 "
        "of 3 nodes have taints the pod doesn't tolerate (node-1): stale event or the cluster changed since",
    ]


def test_a_node_selector_failure_matches_the_schedulers_node_affinity_reason():
    from datetime import UTC, datetime

    from builders import make_node, make_pod, scheduler_event
    from k8s_agent.analysis.scheduling.analyze import analyze_scheduling

    now = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    # NodeAffinity's filter reports a nodeSelector mismatch under the same reason as a node-affinity one
    nodes = [make_node("node-1", labels={"disktype": "hdd"}), make_node("node-2")]
    pod = make_pod("db-0", "data", nodeSelector={"disktype": "ssd"})
    ev = scheduler_event(pod, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.")
    r = analyze_scheduling(pod, [ev], nodes, [pod], {}, {}, now)
    assert r.discrepancies == []
