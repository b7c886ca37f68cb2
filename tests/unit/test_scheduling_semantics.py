"""Kubernetes' own rules where the agent used to differ (issue 15), each written from the rule as Kubernetes
documents it: pod-level resources (KEP-2837), node-affinity requirements that do not parse, Gt/Lt
tolerations (KEP-5471), and counting a node under its first failing filter as kube-scheduler does."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from builders import container, make_node, make_pod, pvc_volume, scheduler_event
from k8s_agent.analysis.resources import limit_sources, pod_request_nanos, pod_resources, request_sources
from k8s_agent.analysis.scheduling.analyze import analyze_scheduling
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.index import effective_request
from k8s_agent.analysis.scheduling.selectors import tolerates
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import Taint, Toleration

NOW = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
GI = 2**30


def fitting(pod, nodes, pods=()) -> list[str]:
    report = evaluate_nodes(pod, nodes, [*pods, pod])
    return [v.node_name for v in report.verdicts if v.fits]


# ------------------------------------------------------------------------------------------ pod-level resources
def test_pod_level_requests_replace_the_container_sum_for_cpu_and_memory_only():
    # KEP-2837: spec.resources.requests sets the pod's cpu/memory; ephemeral-storage stays per container
    pod = make_pod(
        "batch-1",
        containers=[container("a", cpu="500m", memory="1Gi", extra={"ephemeral-storage": "2Gi"})],
        resources={"requests": {"cpu": "3", "memory": "6Gi", "ephemeral-storage": "50Gi"}},
    )
    assert effective_request(pod) == {"cpu": 3000, "memory": 6 * GI, "ephemeral-storage": 2 * GI}
    assert request_sources(pod) == {
        "cpu": "podLevel",
        "memory": "podLevel",
        "ephemeral-storage": "containers",
    }


def test_pod_level_limit_alone_becomes_the_request_only_where_no_container_requests():
    # API defaulting: a pod-level limit with no pod-level request and no container request is the request
    pod = make_pod(
        "web-1",
        containers=[container("a", cpu="250m", memory=None)],
        resources={"limits": {"cpu": "2", "memory": "4Gi"}},
    )
    assert effective_request(pod) == {"cpu": 250, "memory": 4 * GI}
    assert request_sources(pod) == {"cpu": "containers", "memory": "podLevelLimit"}
    assert limit_sources(pod) == {"cpu": "podLevel", "memory": "podLevel"}


def test_pod_level_hugepages_are_supported_and_overhead_is_added_after():
    pod = make_pod(
        "hp-1",
        containers=[container("a", cpu="100m", memory="64Mi")],
        resources={"requests": {"hugepages-2Mi": "1Gi", "memory": "1Gi"}},
        overhead={"memory": "128Mi"},
    )
    assert pod_request_nanos(pod)["hugepages-2Mi"] == GI * 10**9
    assert effective_request(pod)["memory"] == GI + 128 * 2**20


def test_resources_view_shows_the_pod_level_spec_and_the_value_used():
    pod = make_pod(
        "batch-1", containers=[container("a", cpu="500m", memory="1Gi")], resources={"requests": {"cpu": "3"}}
    )
    view = pod_resources(pod)
    assert view.pod_level is not None and view.pod_level.requests == {"cpu": "3"}
    assert view.effective.requests["cpu"] == "3" and view.effective.request_sources["cpu"] == "podLevel"
    assert view.effective.request_sources["memory"] == "containers"
    assert any(
        n.startswith("the pod-level cpu request (3) is what the scheduler reserves") for n in view.notes
    )
    assert pod_resources(make_pod("plain")).pod_level is None
    wire = msgspec.json.decode(msgspec.json.encode(view))
    assert wire["podLevel"] == {"requests": {"cpu": "3"}, "limits": {}}
    assert wire["effective"]["requestSources"] == {"cpu": "podLevel", "memory": "containers"}


def test_per_node_fit_uses_the_pod_level_request():
    # containers ask 1 cpu in all; the pod asks 3: a node with 2 cpu free cannot take it
    nodes = [make_node("small", cpu="2"), make_node("big", cpu="8")]
    pod = make_pod(
        "batch-1",
        containers=[container("a", cpu="500m", memory="256Mi"), container("b", cpu="500m", memory="256Mi")],
        resources={"requests": {"cpu": "3"}},
    )
    report = evaluate_nodes(pod, nodes, [pod])
    small = next(v for v in report.verdicts if v.node_name == "small")
    assert small.reasons == ["insufficient cpu"] and small.categories == ["InsufficientCPU"]
    assert fitting(pod, nodes) == ["big"]
    view = scheduler_view(pod, nodes[:1], [pod])
    assert view.message == "0/1 nodes are available: 1 Insufficient cpu."


def test_running_pods_with_pod_level_requests_fill_their_node():
    node = make_node("n1", cpu="4")
    running = make_pod("big", node="n1", cpu="100m", resources={"requests": {"cpu": "3500m"}})
    assert fitting(make_pod("web-1", cpu="1"), [node], [running]) == []


# ------------------------------------------------------------------------------------------ node affinity parsing
def _required(expr):
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [expr]}]
            }
        }
    }


@pytest.mark.parametrize(
    "expr",
    [
        {"key": "zone", "operator": "In", "values": ["eu 1"]},  # a space is not valid in a label value
        {"key": "zone", "operator": "NotIn", "values": ["-bad"]},  # must start with an alphanumeric
        {"key": "zone", "operator": "NotIn", "values": ["x" * 64]},  # longer than 63
        {"key": "bad key", "operator": "Exists"},  # not a qualified name
        {"key": "zone", "operator": "In", "values": []},  # In needs values
        {"key": "zone", "operator": "Exists", "values": ["a"]},  # Exists takes none
        {"key": "cores", "operator": "Gt", "values": ["4", "8"]},  # Gt takes exactly one
    ],
)
def test_a_requirement_that_does_not_parse_makes_its_term_match_nothing(expr):
    nodes = [make_node("n-a", labels={"zone": "a", "cores": "16"}), make_node("n-none")]
    # NotIn would match both nodes as a set test; the scheduler can't parse it, so it matches none
    pod = make_pod("x-1", affinity=_required(expr))
    assert fitting(pod, nodes) == []
    v = evaluate_nodes(pod, nodes, [pod]).verdicts[0]
    assert "so the term matches no node" in v.reasons[0]


def test_other_terms_still_match_when_one_does_not_parse():
    nodes = [make_node("n-a", labels={"zone": "a"}), make_node("n-b", labels={"zone": "b"})]
    terms = [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["not valid!"]}]},
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
    ]
    aff = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}
    assert fitting(make_pod("x-1", affinity=aff), nodes) == ["n-b"]


def test_valid_values_with_dots_dashes_and_prefixed_keys_still_match():
    nodes = [make_node("n1", labels={"example.com/pool": "gpu-a_1.x"})]
    expr = {"key": "example.com/pool", "operator": "In", "values": ["gpu-a_1.x"]}
    assert fitting(make_pod("x-1", affinity=_required(expr)), nodes) == ["n1"]


def test_match_fields_needs_exactly_one_value():
    nodes = [make_node("n1"), make_node("n2")]
    fields = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1", "n2"]}]}
    aff = {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [fields]}}
    }
    assert fitting(make_pod("x-1", affinity=aff), nodes) == []


# ------------------------------------------------------------------------------------------ Gt/Lt tolerations
def _taint(value: str) -> Taint:
    return Taint(key="gpu-compute-score", value=value, effect="NoSchedule")


@pytest.mark.parametrize(
    ("op", "tol_value", "taint_value", "ok"),
    [
        ("Gt", "800", "1000", True),  # the taint's value is greater than the toleration's
        ("Gt", "800", "500", False),
        ("Gt", "800", "800", False),
        ("Lt", "5", "2", True),  # the taint's value is less than the toleration's
        ("Lt", "5", "15", False),
        ("Lt", "0", "-3", True),  # negative integers compare too
        ("Gt", "0950", "1000", False),  # a leading zero is not a decimal integer: tolerates nothing
        ("Gt", "800", "01000", False),
        ("Gt", "800", "high", False),
        ("Gt", "800", "9223372036854775808", False),  # beyond int64
    ],
)
def test_numeric_toleration_operators(op, tol_value, taint_value, ok):
    tol = Toleration(key="gpu-compute-score", operator=op, value=tol_value, effect="NoSchedule")
    assert tolerates(tol, _taint(taint_value)) is ok


def test_gt_toleration_is_evaluated_and_said_in_notes():
    nodes = [
        make_node("a100", taints=[{"key": "gpu-compute-score", "value": "1000", "effect": "NoSchedule"}]),
        make_node("t4", taints=[{"key": "gpu-compute-score", "value": "500", "effect": "NoSchedule"}]),
    ]
    tol = [{"key": "gpu-compute-score", "operator": "Gt", "value": "800", "effect": "NoSchedule"}]
    pod = make_pod("train-1", tolerations=tol)
    report = evaluate_nodes(pod, nodes, [pod])
    assert [v.node_name for v in report.verdicts if v.fits] == ["a100"]
    t4 = next(v for v in report.verdicts if v.node_name == "t4")
    assert t4.reasons == ["untolerated taint gpu-compute-score=500:NoSchedule"]
    assert any(
        "TaintTolerationComparisonOperators" in n and "gpu-compute-score Gt 800" in n for n in report.notes
    )


# ------------------------------------------------------------------------------------------ first failing filter
def _stand_in_cluster():
    """5 nodes lack memory for the pod; 2 of them also carry a taint it does not tolerate."""
    taint = [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    nodes = [make_node(f"n{i}", memory="2Gi", taints=taint if i <= 2 else None) for i in range(1, 6)]
    return nodes, make_pod("web-1", memory="4Gi")


def test_the_scheduler_counts_a_node_under_its_first_failing_filter():
    nodes, pod = _stand_in_cluster()
    view = scheduler_view(pod, nodes, [pod])
    assert (
        view.message == "0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient memory."
    )
    assert [(n.node_name, n.plugin) for n in view.nodes] == [
        ("n1", "TaintToleration"),
        ("n2", "TaintToleration"),
        ("n3", "NodeResourcesFit"),
        ("n4", "NodeResourcesFit"),
        ("n5", "NodeResourcesFit"),
    ]


def test_failure_summary_gives_both_counts_and_claims_both_only_when_they_agree():
    nodes, pod = _stand_in_cluster()
    msg = (
        "0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient memory. preemption: 0/5 "
        "nodes are available: 5 Preemption is not helpful for scheduling."
    )
    r = analyze_scheduling(pod, [scheduler_event(pod, msg)], nodes, [pod], {}, {}, NOW)
    by = {s.category: s for s in r.failure_summary}
    mem = by["InsufficientMemory"]
    assert (mem.count, mem.any_failure_count, mem.first_failure_count, mem.scheduler_message_count) == (
        5,
        5,
        3,
        3,
    )
    assert mem.source == "both"
    taint = by["TaintTolerationMismatch"]
    assert (taint.any_failure_count, taint.first_failure_count, taint.source) == (2, 2, "both")
    # a message whose count is not what the rules give now: not "both"
    stale = "0/5 nodes are available: 5 Insufficient memory."
    r = analyze_scheduling(pod, [scheduler_event(pod, stale)], nodes, [pod], {}, {}, NOW)
    mem = next(s for s in r.failure_summary if s.category == "InsufficientMemory")
    assert (mem.first_failure_count, mem.scheduler_message_count, mem.source) == (3, 5, "nodes")


def test_keyed_taint_messages_are_compared_per_taint():
    # 1.25-1.34.1 name the node's first untolerated taint
    nodes, pod = _stand_in_cluster()
    msg = "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: db}, 3 Insufficient memory."
    r = analyze_scheduling(pod, [scheduler_event(pod, msg)], nodes, [pod], {}, {}, NOW)
    assert {s.category: s.source for s in r.failure_summary} == {
        "InsufficientMemory": "both",
        "TaintTolerationMismatch": "both",
    }


def test_a_prefilter_rejection_counts_no_node_under_its_first_failure():
    # a missing claim stops the scheduler before any filter: the message has no per-node counts
    nodes = [
        make_node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]),
        make_node("n2"),
    ]
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    msg = '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.'
    r = analyze_scheduling(pod, [scheduler_event(pod, msg)], nodes, [pod], {}, {}, NOW)
    by = {s.category: s for s in r.failure_summary}
    assert (by["VolumeAttachmentError"].source, by["VolumeAttachmentError"].count) == ("pod", 2)
    taint = by["TaintTolerationMismatch"]
    assert (taint.any_failure_count, taint.first_failure_count, taint.source) == (1, 0, "nodes")
