"""The rules of the larger scheduler filters stated one by one, each on the node and pod shapes it concerns
(issue 21's mutation survivors): TaintToleration (readiness through the lifecycle taints, the taint the
scheduler reports, the per-taint suggestions), NodeAffinity (the terms ORed in reasons and suggestions, the
PreFilter's narrowing to named nodes, the selector suggestions), NodeName, NodeResourcesFit (the pod count,
requests of 0, the suggestion per resource), InterPodAffinity (terms as written, the first pod of a group, the
scheduler's reason order, the suggestion)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from builders import container, make_node, make_pod
from k8s_agent.analysis.scheduling.analyze import analyze_scheduling, explain_scheduling
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.filters import taint_toleration
from k8s_agent.analysis.scheduling.filters.inter_pod_affinity import make_term
from k8s_agent.analysis.scheduling.simulate import view_of
from k8s_agent.kube.models import Node, PodAffinityTerm, Taint, convert

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def _verdicts(pod, nodes, pods=()):
    report = evaluate_nodes(pod, nodes, list(pods) + [pod], {}, {})
    return {v.node_name: v for v in report.verdicts}


def _suggestions(pod, nodes) -> list[str]:
    return explain_scheduling(pod, [], nodes, [pod], {}, {}, NOW).suggestions


def _taints(v) -> taint_toleration.TaintDetail:
    d = taint_toleration.detail(v.outcome("TaintToleration"))
    assert d is not None
    return d


def _taint(key: str, effect: str = "NoSchedule", value: str = "") -> dict:
    return {"key": key, "value": value, "effect": effect} if value else {"key": key, "effect": effect}


def _without_ready_detail(node: Node) -> Node:
    """The node with its Ready condition's reason and message empty (status kept)."""
    conditions = [
        msgspec.structs.replace(c, reason="", message="") if c.type == "Ready" else c
        for c in node.status.conditions
    ]
    return msgspec.structs.replace(node, status=msgspec.structs.replace(node.status, conditions=conditions))


NOT_READY_NS = _taint("node.kubernetes.io/not-ready")
NOT_READY_NE = _taint("node.kubernetes.io/not-ready", "NoExecute")
UNSCHEDULABLE = _taint("node.kubernetes.io/unschedulable")
GPU = _taint("dedicated", value="gpu")


# ------------------------------------------------------------------------------------- TaintToleration
def test_gt_lt_tolerations_are_noted_with_the_feature_gate_they_need():
    pod = make_pod(
        "x",
        tolerations=[
            {"key": "cores", "operator": "Gt", "value": "4", "effect": "NoSchedule"},
            {"key": "gen", "operator": "Lt", "value": "9", "effect": "NoSchedule"},
            {"key": "dedicated", "operator": "Exists"},
        ],
    )
    report = evaluate_nodes(pod, [make_node("n1")], [pod], {}, {})
    assert report.notes == (
        "tolerations with Gt/Lt (cores Gt 4, gen Lt 9) were evaluated as kube-scheduler 1.35+ does with the "
        "TaintTolerationComparisonOperators feature gate on (alpha; the API server accepts them only then): "
        "the taint's value and the toleration's are compared as integers",
    )


def test_only_lt_tolerations_are_noted_too():
    pod = make_pod("x", tolerations=[{"key": "gen", "operator": "Lt", "value": "9", "effect": "NoSchedule"}])
    report = evaluate_nodes(pod, [make_node("n1")], [pod], {}, {})
    assert len(report.notes) == 1 and report.notes[0].startswith("tolerations with Gt/Lt (gen Lt 9) were")


def test_a_ready_untainted_node_is_said_to_need_no_toleration():
    pod = make_pod("web-1", node="n1")
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[0] == "Node n1 has no taints the pod must tolerate"


def test_a_cordoned_not_ready_node_leaves_its_cordon_taint_to_node_unschedulable():
    """Both the cordon taint (NodeUnschedulable's) and the lifecycle taints are handled apart: neither is
    reported a second time as an untolerated taint."""
    node = make_node("n1", ready="False", unschedulable=True, taints=[UNSCHEDULABLE, NOT_READY_NS])
    v = _verdicts(make_pod("x"), [node])["n1"]
    assert v.checks == ["Unschedulable", "NodeNotReady"]
    assert [t.key for t in _taints(v).untolerated] == ["node.kubernetes.io/not-ready"]


def test_the_lifecycle_taint_is_what_the_scheduler_sees_and_its_absence_is_the_agent_finding():
    """A not-ready node carrying node.kubernetes.io/not-ready is rejected by the scheduler itself (a visible
    failure listing the real taint); one the lifecycle controller has not tainted yet is flagged by the agent
    only (the scheduler would let it pass), with the taint it is about to get."""
    tainted = make_node("tainted", ready="False", taints=[NOT_READY_NS, NOT_READY_NE])
    fresh = make_node("fresh", ready="False")
    vs = _verdicts(make_pod("x"), [tainted, fresh])
    assert [f.scheduler_visible for f in vs["tainted"].failures] == [True]
    assert [(t.key, t.effect) for t in _taints(vs["tainted"]).untolerated] == [
        ("node.kubernetes.io/not-ready", "NoSchedule"),
        ("node.kubernetes.io/not-ready", "NoExecute"),
    ]
    assert [f.scheduler_visible for f in vs["fresh"].failures] == [False]
    assert [(t.key, t.effect) for t in _taints(vs["fresh"]).untolerated] == [
        ("node.kubernetes.io/not-ready", "NoSchedule")
    ]
    assert vs["fresh"].outcome("TaintToleration").scheduler_reasons == ()


def test_not_ready_reasons_name_the_ready_state_whole():
    nodes = [
        make_node("no-condition", ready=None),
        make_node("unknown", ready="Unknown"),
        _without_ready_detail(make_node("bare", ready="False")),
    ]
    vs = _verdicts(make_pod("x"), nodes)
    assert vs["no-condition"].reasons == ["node is not ready: Ready=Unknown (no Ready condition)"]
    assert vs["unknown"].reasons == [
        "node is not ready: Ready=Unknown (unreachable) (NodeStatusUnknown: Kubelet stopped posting node status.)"
    ]
    assert vs["bare"].reasons == ["node is not ready: Ready=NotReady"]


def test_the_taint_the_scheduler_reports_is_the_first_untolerated_blocking_one():
    """Pods get a not-ready:NoExecute toleration for 300 s by default (DefaultTolerationSeconds); the
    scheduler then reports the node's NoSchedule not-ready taint, wherever the tolerated one stands; with
    no toleration, the first of the two; with both tolerated, none."""
    pod = make_pod(
        "x",
        tolerations=[
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            }
        ],
    )
    node = make_node("n1", ready="False", taints=[NOT_READY_NE, NOT_READY_NS])
    d = _taints(_verdicts(pod, [node])["n1"])
    assert d.scheduler_taint == Taint(key="node.kubernetes.io/not-ready", effect="NoSchedule")
    node = make_node("n1", ready="False", taints=[NOT_READY_NS, NOT_READY_NE])
    d = _taints(_verdicts(make_pod("x"), [node])["n1"])
    assert d.scheduler_taint == Taint(key="node.kubernetes.io/not-ready", effect="NoSchedule")
    both = make_pod("x", tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}])
    node = make_node("n1", ready="False", taints=[NOT_READY_NE, NOT_READY_NS])
    assert _taints(_verdicts(both, [node])["n1"]).scheduler_taint is None


def test_every_taint_after_a_handled_tolerated_or_preferred_one_is_still_checked():
    pod = make_pod(
        "x", tolerations=[{"key": "team", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}]
    )
    nodes = [
        make_node("cordoned", unschedulable=True, taints=[UNSCHEDULABLE, GPU]),
        make_node("tolerated", taints=[_taint("team", value="ml"), GPU]),
        make_node("preferred", taints=[_taint("spot", "PreferNoSchedule"), GPU]),
    ]
    vs = _verdicts(pod, nodes)
    assert vs["cordoned"].reasons == [
        "node is cordoned (spec.unschedulable)",
        "untolerated taint dedicated=gpu:NoSchedule",
    ]
    assert vs["tolerated"].reasons == ["untolerated taint dedicated=gpu:NoSchedule"]
    assert [t.key for t in _taints(vs["tolerated"]).tolerated] == ["team"]
    assert vs["preferred"].reasons == ["untolerated taint dedicated=gpu:NoSchedule"]


def test_a_lifecycle_taint_left_on_a_ready_node_says_the_node_was_not_ready():
    v = _verdicts(make_pod("x"), [make_node("n1", taints=[NOT_READY_NS])])["n1"]
    assert v.checks == ["NodeNotReady"]
    assert v.reasons == ["node has taint node.kubernetes.io/not-ready:NoSchedule (the node was not ready)"]


def test_a_ready_node_still_tainted_is_advice_about_the_lifecycle_controller_not_the_kubelet():
    unreachable = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    nodes = [make_node("n1", taints=[NOT_READY_NS, unreachable]), make_node("n2", ready="False")]
    assert _suggestions(make_pod("x"), nodes) == [
        "node n1 reports Ready=True but still has taints node.kubernetes.io/not-ready:NoSchedule, "
        "node.kubernetes.io/unreachable:NoExecute; the node lifecycle controller (kube-controller-manager) "
        "removes them within seconds; if not, check that kube-controller-manager is running and leading",
        "node n2 is not ready (KubeletNotReady: container runtime network not ready: NetworkReady=false); "
        "check its kubelet: `kubectl describe node n2`",
    ]


def test_not_ready_texts_without_a_taint_detail_say_the_ready_condition_is_missing():
    assert taint_toleration.not_ready_reason("n1", None) == "Node n1 is not ready now (Ready=missing)"
    assert taint_toleration.not_ready_advice("n1", None) == (
        "node n1 is not ready (Ready=missing); check its kubelet: `kubectl describe node n1`"
    )


def test_not_ready_suggestion_falls_back_to_the_ready_status():
    nodes = [_without_ready_detail(make_node("bare", ready="False")), make_node("gone", ready=None)]
    assert _suggestions(make_pod("x"), nodes) == [
        "node bare is not ready (Ready=False); check its kubelet: `kubectl describe node bare`",
        "node gone is not ready (Ready=missing); check its kubelet: `kubectl describe node gone`",
    ]


def _not_ready_lines(count: int) -> list[str]:
    nodes = [make_node(f"n{i}", ready="Unknown") for i in range(1, count + 1)]
    return _suggestions(make_pod("x"), nodes)


def _line(name: str) -> str:
    return (
        f"node {name} is not ready (NodeStatusUnknown: Kubelet stopped posting node status.); "
        f"check its kubelet: `kubectl describe node {name}`"
    )


def test_five_not_ready_nodes_are_named_one_a_line():
    assert _not_ready_lines(5) == [_line(f"n{i}") for i in range(1, 6)]


def test_not_ready_nodes_past_five_are_counted_and_named_in_one_line():
    assert _not_ready_lines(6) == [_line(f"n{i}") for i in range(1, 6)] + ["1 more node is not ready: n6"]
    assert _not_ready_lines(7) == [_line(f"n{i}") for i in range(1, 6)] + [
        "2 more nodes are not ready: n6, n7"
    ]


def _fix(nodes: str, verb: str, taint: str, toleration: str) -> str:
    first = nodes.split(",")[0]
    return (
        f"{nodes} {verb} taint {taint}; add a toleration `{toleration}` to the pod or remove the taint "
        f"(`kubectl taint nodes {first} {taint}-`)"
    )


def test_taint_suggestions_one_per_taint_most_nodes_first_then_by_key():
    nodes = [
        make_node("n1", taints=[_taint("b")]),
        make_node("n2", taints=[_taint("a")]),
        make_node("n3", taints=[_taint("z", "NoExecute", "1")]),
        make_node("n4", taints=[_taint("z", "NoExecute", "1")]),
    ]
    assert _suggestions(make_pod("x"), nodes) == [
        _fix("n3, n4", "have", "z=1:NoExecute", "{key: z, operator: Equal, value: 1, effect: NoExecute}"),
        _fix("n2", "has", "a:NoSchedule", "{key: a, operator: Exists, effect: NoSchedule}"),
        _fix("n1", "has", "b:NoSchedule", "{key: b, operator: Exists, effect: NoSchedule}"),
    ]


def test_a_not_ready_node_gets_the_readiness_advice_and_its_other_taints_their_own():
    node = make_node("n1", ready="Unknown", taints=[NOT_READY_NS, GPU])
    assert _suggestions(make_pod("x"), [node]) == [
        _line("n1"),
        _fix(
            "n1",
            "has",
            "dedicated=gpu:NoSchedule",
            "{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}",
        ),
    ]


# ---------------------------------------------------------------------------------------- NodeAffinity
def _required(*terms: dict) -> dict:
    return {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
    }


def _expr(key: str, op: str, *values: str) -> dict:
    return {"key": key, "operator": op, **({"values": list(values)} if values else {})}


def _names(*names: str, op: str = "In") -> dict:
    return {"key": "metadata.name", "operator": op, "values": list(names)}


_ZONE_OR_GPU = _required(
    {"matchExpressions": [_expr("zone", "In", "a")]},
    {"matchExpressions": [_expr("gpu", "Exists"), _expr("tier", "NotIn", "batch")]},
)
_ZONE_NODES = [
    make_node("n1", labels={"zone": "a"}),
    make_node("n2", labels={"zone": "b", "tier": "batch"}),
    make_node("n3"),
]


def test_required_affinity_reasons_give_every_term_why_it_failed():
    vs = _verdicts(make_pod("x", affinity=_ZONE_OR_GPU), _ZONE_NODES)
    assert vs["n1"].fits
    assert vs["n2"].reasons == [
        "required node affinity not matched: [zone In [a] (node has zone=b)] OR [gpu Exists (node has no label gpu)]"
    ]
    one_term = make_pod("x", affinity=_required({"matchExpressions": [_expr("zone", "In", "a")]}))
    assert _verdicts(one_term, _ZONE_NODES)["n3"].reasons == [
        "required node affinity not matched: zone In [a] (node has no label zone)"
    ]


def test_required_affinity_without_terms_matches_no_node():
    """The API server rejects an empty nodeSelectorTerms; an object read from a dump may still carry one."""
    vs = _verdicts(make_pod("x", affinity=_required()), _ZONE_NODES)
    assert {n: v.reasons for n, v in vs.items()} == {
        n: ["required node affinity not matched: no terms"] for n in ("n1", "n2", "n3")
    }


def test_a_scheduled_pod_is_told_which_selector_and_term_its_node_matched():
    pod = make_pod("web-1", node="n1", nodeSelector={"zone": "a"}, affinity=_ZONE_OR_GPU)
    r = analyze_scheduling(pod, [], [_ZONE_NODES[0]], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[:2] == [
        "Node n1 matched node selector zone=a",
        "Node n1 matched required node affinity: zone In [a]",
    ]


def test_prefilter_narrows_to_the_nodes_named_in_any_term():
    """NodeAffinity's PreFilter: terms are ORed, so the candidates are the union of each term's
    metadata.name In values (intersected within a term); other nodes are written off before any filter."""
    pod = make_pod("x", affinity=_required({"matchFields": [_names("n1")]}, {"matchFields": [_names("n2")]}))
    report = evaluate_nodes(pod, _ZONE_NODES, [pod], {}, {})
    assert report.prefiltered == {"n3": "node(s) didn't satisfy plugin(s) [NodeAffinity]"}


def test_prefilter_narrows_nothing_for_not_in():
    """Only metadata.name In narrows the candidates; a NotIn term leaves every node to the filter."""
    not_in = make_pod("x", affinity=_required({"matchFields": [_names("n1", op="NotIn")]}))
    report = evaluate_nodes(not_in, _ZONE_NODES, [not_in], {}, {})
    assert report.prefiltered == {} and report.blockers == ()
    assert sorted(v.node_name for v in report.verdicts if v.fits) == ["n2", "n3"]


def test_name_lists_that_leave_no_node_are_the_prefilter_rejection():
    """kube-scheduler's NodeAffinity PreFilter: when every term names nodes and no term's ANDed name lists
    share a name, the pod is rejected before any filter ("pod affinity terms conflict"), not node by node."""
    conflict = make_pod("x", affinity=_required({"matchFields": [_names("n1"), _names("n2")]}))
    report = evaluate_nodes(conflict, _ZONE_NODES, [conflict], {}, {})
    assert [b.scheduler_text for b in report.blockers] == ["pod affinity terms conflict"]
    assert report.blockers[0].category == "NodeAffinityNotMatch"
    assert report.prefiltered == {}
    assert not any(v.fits for v in report.verdicts)
    assert view_of(report).message == "0/3 nodes are available: pod affinity terms conflict."
    # one term with a common name is enough for the pod to be narrowed, not rejected
    one_ok = make_pod(
        "x",
        affinity=_required({"matchFields": [_names("n1"), _names("n2")]}, {"matchFields": [_names("n3")]}),
    )
    report = evaluate_nodes(one_ok, _ZONE_NODES, [one_ok], {}, {})
    assert report.blockers == ()
    assert sorted(report.prefiltered) == ["n1", "n2"]


def test_required_affinity_suggestion_shows_the_terms_and_the_label_spread():
    assert _suggestions(make_pod("x", affinity=_ZONE_OR_GPU), _ZONE_NODES)[0] == (
        "required node affinity [zone In [a]] OR [gpu Exists AND tier NotIn [batch]] excludes 2 nodes; it "
        "matches n1 (fits); node labels: gpu: <none> (3); tier: <none> (2), batch (1); zone: <none> (1), a (1), "
        "b (1); relabel nodes or relax the terms"
    )


def test_required_affinity_suggestion_when_no_node_matches_shows_three_keys():
    pod = make_pod(
        "x",
        affinity=_required(
            {
                "matchExpressions": [
                    _expr("a", "Exists"),
                    _expr("b", "Exists"),
                    _expr("c", "Exists"),
                    _expr("d", "Exists"),
                ]
            }
        ),
    )
    nodes = [make_node("n1", labels={"a": "1"})]
    assert _suggestions(pod, nodes) == [
        "required node affinity [a Exists AND b Exists AND c Exists AND d Exists] excludes 1 node (all of them); "
        "node labels: a: 1 (1); b: <none> (1); c: <none> (1); relabel nodes or relax the terms"
    ]


def _ssd(name: str, disk: str | None = "ssd") -> Node:
    return make_node(name, labels={"disktype": disk} if disk else {})


def test_node_selector_suggestion_names_the_matching_nodes_and_the_values_of_the_others():
    pod = make_pod("x", nodeSelector={"disktype": "ssd"})
    nodes = [_ssd("n1"), _ssd("n2", "hdd"), _ssd("n3", "hdd"), _ssd("n4", "nvme"), _ssd("n5", None)]
    assert _suggestions(pod, nodes)[0] == (
        "nodeSelector disktype=ssd matches only n1 (fits); 4 nodes lack it (they have disktype: hdd (2), nvme (1))"
    )
    assert _suggestions(pod, [_ssd("n1"), _ssd("n2", None)])[0] == (
        "nodeSelector disktype=ssd matches only n1 (fits); 1 node lacks it"
    )


def test_node_selector_suggestion_names_three_matching_nodes_then_counts():
    pod = make_pod("x", nodeSelector={"disktype": "ssd"})
    nodes = [_ssd(f"n{i}") for i in range(1, 5)] + [_ssd("n5", None)]
    assert _suggestions(pod, nodes)[0] == (
        "nodeSelector disktype=ssd matches only n1 (fits), n2 (fits), n3 (fits) and 1 more; 1 node lacks it"
    )


def test_node_selector_suggestion_when_no_node_has_the_value():
    pod = make_pod("x", nodeSelector={"disktype": "ssd", "kubernetes.io/os": "linux"})
    fix = "; label a node (`kubectl label node <node> disktype=ssd`) or change the selector"
    assert _suggestions(pod, [_ssd("n1", "hdd"), _ssd("n2", "hdd")]) == [
        "nodeSelector disktype=ssd: no node has this label (nodes have disktype: hdd (2))" + fix
    ]
    assert _suggestions(pod, [_ssd("n1", None)]) == [
        "nodeSelector disktype=ssd: no node has this label (no node has a disktype label)" + fix
    ]


def test_required_affinity_suggestion_names_three_matching_nodes_then_counts():
    pod = make_pod("x", affinity=_required({"matchExpressions": [_expr("zone", "In", "a")]}))
    nodes = [make_node(f"n{i}", labels={"zone": "a"}) for i in range(1, 5)] + [make_node("n5")]
    assert _suggestions(pod, nodes)[0] == (
        "required node affinity [zone In [a]] excludes 1 node; it matches n1 (fits), n2 (fits), n3 (fits) and 1 "
        "more; node labels: zone: <none> (1), a (4); relabel nodes or relax the terms"
    )


def test_required_affinity_on_node_names_only_has_no_label_spread():
    pod = make_pod("x", affinity=_required({"matchFields": [_names("n1")]}))
    assert _suggestions(pod, [make_node("n1"), make_node("n2")])[0] == (
        "required node affinity [field metadata.name In [n1]] excludes 1 node; it matches n1 (fits); relabel "
        "nodes or relax the terms"
    )


def test_node_selector_suggestion_skips_keys_every_node_has():
    pod = make_pod("x", nodeSelector={"kubernetes.io/os": "linux", "pool": "gpu"})
    assert _suggestions(pod, [make_node("n1")]) == [
        "nodeSelector pool=gpu: no node has this label (no node has a pool label); label a node "
        "(`kubectl label node <node> pool=gpu`) or change the selector"
    ]


# -------------------------------------------------------------------------------------------- NodeName
def test_a_pod_bound_to_a_missing_node_is_told_it_will_be_garbage_collected():
    """A pod created with spec.nodeName of a node that does not exist is judged as scheduled: no scheduler
    will place it elsewhere, and the pod garbage collector deletes pods bound to nodes that are gone."""
    pod = make_pod("web-1", nodeName="gone", status={"phase": "Pending"})
    x = explain_scheduling(pod, [], [make_node("n1"), make_node("n2")], [pod], {}, {}, NOW)
    assert x.status == "Scheduled"
    assert x.suggestions == [
        "node gone no longer exists: the pod will be garbage-collected; its controller recreates it"
    ]


# ----------------------------------------------------------------------------------- NodeResourcesFit
def _suggestions_with(pod, nodes, pods) -> list[str]:
    return explain_scheduling(pod, [], nodes, list(pods) + [pod], {}, {}, NOW).suggestions


def test_an_empty_node_with_room_for_one_pod_fits():
    v = _verdicts(make_pod("x"), [make_node("n1", pods="1")])["n1"]
    assert v.fits


def test_a_full_node_fails_the_resources_check_with_too_many_pods():
    v = _verdicts(make_pod("x"), [make_node("n1", pods="1")], [make_pod("a", node="n1")])["n1"]
    assert v.checks == ["Resources"] and v.categories == ["Miscellaneous"]
    assert v.outcome("NodeResourcesFit").scheduler_reasons == ("Too many pods",)


def test_a_request_of_zero_is_not_checked_even_on_an_overcommitted_node():
    """kube-scheduler checks a resource only when the pod requests more than 0 of it; the node's pods
    here request more cpu than it has allocatable (its allocatable was lowered after they started)."""
    node = make_node("n1", cpu="1")
    running = [make_pod("a", node="n1", cpu="1500m")]
    assert _verdicts(make_pod("x", cpu="0"), [node], running)["n1"].fits
    assert _verdicts(make_pod("x", cpu="100m"), [node], running)["n1"].reasons == ["insufficient cpu"]


def test_a_scheduled_pod_without_requests_is_told_the_pod_count():
    pod = make_pod("web-1", node="n1", containers=[container()])
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod, make_pod("a", node="n1")], {}, {}, NOW)
    assert (
        r.scheduling_reasons[-1]
        == "Pod requests no resources: only the pod count applied on node n1 (now 2 of 110 pods)"
    )


def test_a_pod_placed_on_a_node_that_reports_no_pod_allocatable_is_not_told_a_count_of_0():
    """A pod bound by nodeName to a node whose status has no pods allocatable yet (a kubelet still
    registering): the count "now 1 of 0 pods" would be nonsense, so the sentence has none."""
    pod = make_pod("web-1", node="n1", containers=[container()])
    r = analyze_scheduling(pod, [], [make_node("n1", pods="0")], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[-1] == "Pod requests no resources: only the pod count applied on node n1"


def test_pod_limit_suggestion_agrees_in_number():
    one = [make_node("n1", pods="1")]
    assert _suggestions_with(make_pod("x"), one, [make_pod("a", node="n1")]) == [
        "1 node is at the pod limit (n1); add nodes or raise the kubelet's maxPods"
    ]
    two = one + [make_node("n2", pods="1")]
    running = [make_pod("a", node="n1"), make_pod("b", node="n2")]
    assert _suggestions_with(make_pod("x"), two, running) == [
        "2 nodes are at the pod limit (n1, n2); add nodes or raise the kubelet's maxPods"
    ]


def test_resource_suggestions_most_nodes_first_each_resource_once():
    pod = make_pod("x", cpu="2", memory="4Gi")
    nodes = [make_node("n1", cpu="1"), make_node("n2", memory="2Gi"), make_node("n3", memory="2Gi", pods="1")]
    assert _suggestions_with(pod, nodes, [make_pod("a", node="n3", cpu=None, memory=None)]) == [
        "2 nodes lack memory (the pod requests 4Gi); n1 (excluded by: insufficient cpu) has 8Gi free",
        "1 node lacks cpu (the pod requests 2); n2 (excluded by: insufficient memory) has 4 free",
        "1 node is at the pod limit (n3); add nodes or raise the kubelet's maxPods",
    ]


def test_resource_suggestion_names_the_node_with_the_most_free_even_if_exactly_enough():
    pod = make_pod("x", cpu="2")
    assert _suggestions_with(pod, [make_node("n1", cpu="2"), make_node("n2", cpu="1")], [])[0] == (
        "1 node lacks cpu (the pod requests 2); n1 (fits) has 2 free"
    )


def test_resource_suggestion_names_the_node_with_the_largest_allocatable():
    pod = make_pod("x", cpu="4")
    assert _suggestions_with(pod, [make_node("n1", cpu="2"), make_node("n2", cpu="1")], []) == [
        "2 nodes lack cpu: the pod requests 4 but no node has that much allocatable (largest: 2 on n1); lower "
        "the request or add a bigger node"
    ]


def test_resource_suggestion_with_one_unit_free():
    def gpus(n: str) -> list[dict]:
        return [container(extra={"nvidia.com/gpu": n})]

    node = make_node("n1", extra_allocatable={"nvidia.com/gpu": "2"})
    holder = make_pod("train-0", node="n1", containers=gpus("1"))
    assert _suggestions_with(make_pod("x", containers=gpus("2")), [node], [holder]) == [
        "1 node lacks nvidia.com/gpu: the pod requests 2 and the most free on any node is 1 on n1; lower the "
        "request or add a node with >= 2 free"
    ]


def test_without_the_cluster_pods_resources_are_not_judged_and_other_advice_stands():
    x = explain_scheduling(
        make_pod("x", cpu="64"), [], [make_node("n1", unschedulable=True)], None, {}, {}, NOW
    )
    assert x.suggestions == ["n1 is cordoned; `kubectl uncordon n1` once its maintenance is over"]


def test_pod_limit_suggestion_first_when_most_nodes_are_full_then_the_resources():
    nodes = [make_node("n1", pods="1"), make_node("n2", pods="1"), make_node("n3", memory="64Mi")]
    running = [make_pod("a", node="n1"), make_pod("b", node="n2")]
    assert _suggestions_with(make_pod("x"), nodes, running) == [
        "2 nodes are at the pod limit (n1, n2); add nodes or raise the kubelet's maxPods",
        "1 node lacks memory (the pod requests 128Mi); n1 (excluded by: too many pods) has 7.9Gi free",
    ]


# ----------------------------------------------------------------------------------- InterPodAffinity
ZONE = "topology.kubernetes.io/zone"


def _term(labels: dict | None = None, **kw) -> dict:
    return {"labelSelector": {"matchLabels": labels or {"app": "cache"}}, "topologyKey": ZONE, **kw}


def _pod_aff(*terms: dict) -> dict:
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def _pod_anti(*terms: dict) -> dict:
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def _make(term: dict, owner_labels: dict | None = None):
    owner = make_pod("web-1", labels=owner_labels or {"app": "web"})
    return make_term(convert(term, PodAffinityTerm), owner)


@pytest.mark.parametrize(
    ("extra", "where", "uncertain"),
    [
        ({}, "namespace default", False),
        ({"namespaces": ["shop", "default"]}, "namespaces default, shop", False),
        ({"namespaceSelector": {}}, "all namespaces", False),
        ({"namespaceSelector": {"matchLabels": {"team": "x"}}}, "namespaces matching team=x", True),
        (
            {
                "namespaces": ["shop"],
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "db"}},
            },
            "namespaces shop and namespaces matching kubernetes.io/metadata.name=db",
            False,
        ),
        (
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "db"},
                    "matchExpressions": [{"key": "team", "operator": "Exists"}],
                }
            },
            "namespaces matching kubernetes.io/metadata.name=db, team Exists",
            True,
        ),
    ],
)
def test_a_term_says_which_namespaces_it_looks_in(extra, where, uncertain):
    """The term's namespaces, else its namespaceSelector (empty: all), else the pod's own; a selector on
    labels other than kubernetes.io/metadata.name cannot be evaluated without the Namespace objects."""
    t = _make(_term(**extra))
    assert t.text == f"pods with app=cache in {where}, per {ZONE}"
    assert t.uncertain is uncertain


def test_match_and_mismatch_label_keys_take_the_owner_values():
    """matchLabelKeys adds ``key In (owner's value)``, mismatchLabelKeys ``key NotIn (owner's value)``; a key
    the owner lacks adds nothing."""
    t = _make(
        _term(matchLabelKeys=["pod-template-hash", "absent"], mismatchLabelKeys=["tenant"]),
        {"app": "web", "pod-template-hash": "abc", "tenant": "t1"},
    )
    assert t.text == (
        f"pods with app=cache, pod-template-hash In [abc], tenant NotIn [t1] in namespace default, per {ZONE}"
    )

    def pod(**labels: str):
        return make_pod("c", labels={"app": "cache", **labels})

    assert t.matches(pod(**{"pod-template-hash": "abc", "tenant": "t2"}))
    assert not t.matches(pod(**{"pod-template-hash": "def", "tenant": "t2"}))
    assert not t.matches(pod(**{"pod-template-hash": "abc", "tenant": "t1"}))
    assert not t.matches(make_pod("c", labels={"pod-template-hash": "abc"}))


def test_uncertain_namespace_selectors_are_noted():
    pod = make_pod("web-1", affinity=_pod_anti(_term(namespaceSelector={"matchLabels": {"team": "x"}})))
    report = evaluate_nodes(pod, [make_node("n1", zone="a")], [pod], {}, {})
    assert report.notes == (
        "a pod affinity term selects namespaces by labels other than kubernetes.io/metadata.name; Namespace "
        "objects are not read, so only kubernetes.io/metadata.name was evaluated",
    )


def test_the_first_pod_of_a_group_matching_its_own_terms_may_go_anywhere():
    pod = make_pod("cache-0", labels={"app": "cache"}, affinity=_pod_aff(_term()))
    v = _verdicts(pod, [make_node("n1", zone="a")])["n1"]
    assert v.fits
    assert v.outcome("InterPodAffinity").detail.matched == (
        "no pod matches the affinity terms anywhere, and the pod matches its own terms: the first pod of the "
        "group may go to any node",
    )


def test_the_scheduler_reports_affinity_then_anti_affinity_then_existing_pods():
    cache = make_pod("cache-0", node="n1", labels={"app": "cache"})
    guard = make_pod("guard-0", node="n2", labels={"app": "guard"}, affinity=_pod_anti(_term({"app": "web"})))
    nodes = [make_node("n1", zone="a"), make_node("n2", zone="b"), make_node("n3", zone="c")]
    both = make_pod(
        "web-1",
        labels={"app": "web"},
        affinity={**_pod_aff(_term({"app": "db"})), **_pod_anti(_term())},
    )
    vs = _verdicts(both, nodes, [cache, guard])
    assert vs["n1"].outcome("InterPodAffinity").scheduler_reasons == (
        "node(s) didn't match pod affinity rules",
    )
    anti = make_pod("web-1", labels={"app": "web"}, affinity=_pod_anti(_term()))
    vs = _verdicts(anti, nodes, [cache, guard])
    assert vs["n1"].outcome("InterPodAffinity").scheduler_reasons == (
        "node(s) didn't match pod anti-affinity rules",
    )
    assert vs["n1"].outcome("InterPodAffinity").detail.anti_affinity_failed
    assert vs["n2"].outcome("InterPodAffinity").scheduler_reasons == (
        "node(s) didn't satisfy existing pods anti-affinity rules",
    )
    assert vs["n2"].reasons == [
        "pod anti-affinity of existing pods: existing pod default/guard-0 (anti-affinity to app=web) forbids it "
        f"in {ZONE}=b"
    ]
    assert vs["n2"].outcome("InterPodAffinity").detail.anti_affinity_failed
    assert vs["n3"].fits and not vs["n3"].outcome("InterPodAffinity").detail.anti_affinity_failed


def test_pod_affinity_suggestion_quotes_the_first_excluded_node():
    cache = make_pod("cache-0", node="n1", labels={"app": "cache"})
    nodes = [make_node("n1", zone="a"), make_node("n2", zone="b"), make_node("n3", zone="c")]
    pod = make_pod("web-1", labels={"app": "web"}, affinity=_pod_aff(_term()))
    assert _suggestions_with(pod, nodes, [cache])[0] == (
        "2 nodes excluded by pod affinity/anti-affinity (e.g. n2: no pod matching the affinity term (pods with "
        f"app=cache in namespace default, per {ZONE}) in {ZONE}=b); add nodes in new topology domains, start "
        "the pods it must run next to, or relax the rule to preferredDuringSchedulingIgnoredDuringExecution"
    )


def test_a_node_without_the_topology_key_fails_affinity_for_the_scheduler_too():
    """A node without the term's topology label is no domain at all: the scheduler rejects it under pod
    affinity (and a fitting node carries no reason); the suggestion quotes its reason whole."""
    cache = make_pod("cache-0", node="n1", labels={"app": "cache"})
    nodes = [make_node("n0"), make_node("n1", zone="a")]
    pod = make_pod("web-1", labels={"app": "web"}, affinity=_pod_aff(_term()))
    vs = _verdicts(pod, nodes, [cache])
    assert vs["n0"].outcome("InterPodAffinity").scheduler_reasons == (
        "node(s) didn't match pod affinity rules",
    )
    assert vs["n1"].fits and vs["n1"].outcome("InterPodAffinity").scheduler_reasons == ()
    assert _suggestions_with(pod, nodes, [cache])[0] == (
        f"1 node excluded by pod affinity/anti-affinity (e.g. n0: node has no {ZONE} label (affinity term: pods "
        f"with app=cache in namespace default, per {ZONE})); add nodes in new topology domains, start the pods it "
        "must run next to, or relax the rule to preferredDuringSchedulingIgnoredDuringExecution"
    )
