"""Boundaries of the scheduler's rules that a flipped comparison or operator would get wrong: the last free pod
slot of a node, node-affinity Gt/Lt at exactly the bound, each label-selector operator of a pod-affinity
term (kube-scheduler's NodeResourcesFit, NodeAffinity and InterPodAffinity plugins); the scheduler reasons,
texts and suggestions of NodePorts, NodeUnschedulable and VolumeZone."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from builders import container, make_node, make_pod, make_pv, make_pvc, pvc_volume
from k8s_agent.analysis.scheduling.analyze import explain_scheduling
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.selectors import label_selector_matches
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import LabelSelector

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def _verdicts(pod, nodes, pods=()):
    report = evaluate_nodes(pod, nodes, list(pods) + [pod], {}, {})
    return {v.node_name: v for v in report.verdicts}


def _fits(pod, nodes, pods=()) -> list[str]:
    return sorted(n for n, v in _verdicts(pod, nodes, pods).items() if v.fits)


# --------------------------------------------------------------------------------------------- pod count
def test_the_last_free_pod_slot_fits():
    """NodeResourcesFit: a pod fits while pods on the node + 1 <= allocatable pods (3 of 3 after it)."""
    node = make_node("n1", pods="3")
    running = [make_pod(f"p-{i}", node="n1") for i in range(2)]
    v = _verdicts(make_pod("web-1"), [node], running)["n1"]
    assert v.fits
    assert v.reasons == []
    assert v.outcome("NodeResourcesFit").scheduler_reasons == ()


def test_a_full_node_is_too_many_pods_for_the_scheduler_too():
    node = make_node("n1", pods="2")
    running = [make_pod(f"p-{i}", node="n1") for i in range(2)]
    v = _verdicts(make_pod("web-1"), [node], running)["n1"]
    assert not v.fits
    assert v.reasons == ["too many pods"]
    assert v.outcome("NodeResourcesFit").scheduler_reasons == ("Too many pods",)


# ------------------------------------------------------------------------------------ node affinity Gt/Lt
def _cores(op: str, value: str):
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "cores", "operator": op, "values": [value]}]}
                ]
            }
        }
    }


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("Gt", "8", []),  # 8 > 8 is false: Gt is strict
        ("Gt", "7", ["n8"]),
        ("Lt", "8", []),  # 8 < 8 is false: Lt is strict
        ("Lt", "9", ["n8"]),
        ("Gt", "-1", []),  # "-1" is not a valid label value: the requirement does not parse, matches nothing
    ],
)
def test_node_affinity_gt_lt_are_strict_at_the_bound(op, value, expected):
    node = make_node("n8", labels={"cores": "8"})
    assert _fits(make_pod("x-1", affinity=_cores(op, value)), [node]) == expected


# ------------------------------------------------------------------------- pod affinity matchExpressions
def _pod_affinity(*exprs):
    term = {"labelSelector": {"matchExpressions": list(exprs)}, "topologyKey": "kubernetes.io/hostname"}
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


def _e(key, op, *values):
    return {"key": key, "operator": op, **({"values": list(values)} if values else {})}


@pytest.mark.parametrize(
    ("exprs", "expected"),
    [
        ([_e("app", "In", "cache"), _e("tier", "In", "db")], ["n1"]),
        ([_e("app", "In", "cache"), _e("tier", "NotIn", "db")], ["n2"]),  # no tier label: NotIn holds
        ([_e("app", "In", "cache"), _e("tier", "Exists")], ["n1"]),
        ([_e("app", "In", "cache"), _e("tier", "DoesNotExist")], ["n2"]),
        ([_e("app", "In", "queue")], []),  # no pod matches, and the incoming pod (app=web) does not either
    ],
)
def test_pod_affinity_match_expression_operators(exprs, expected):
    nodes = [make_node("n1"), make_node("n2"), make_node("n3")]
    pods = [
        make_pod("cache-1", node="n1", labels={"app": "cache", "tier": "db"}),
        make_pod("cache-2", node="n2", labels={"app": "cache"}),
    ]
    incoming = make_pod("web-1", labels={"app": "web"}, affinity=_pod_affinity(*exprs))
    assert _fits(incoming, nodes, pods) == expected


@pytest.mark.parametrize(
    ("selector", "labels", "ok"),
    [
        ({}, {"app": "web"}, True),  # an empty selector matches everything
        ({"matchLabels": {"app": "web"}}, {"app": "web"}, True),
        ({"matchLabels": {"app": "web"}}, {"app": "db"}, False),
        ({"matchLabels": {"app": "web"}}, {}, False),
        ({"matchExpressions": [_e("app", "In", "web", "db")]}, {"app": "db"}, True),
        ({"matchExpressions": [_e("app", "In", "web")]}, {"app": "db"}, False),
        ({"matchExpressions": [_e("app", "In", "web")]}, {}, False),
        ({"matchExpressions": [_e("app", "NotIn", "web")]}, {"app": "db"}, True),
        ({"matchExpressions": [_e("app", "NotIn", "web")]}, {"app": "web"}, False),
        ({"matchExpressions": [_e("app", "NotIn", "web")]}, {}, True),  # absent key satisfies NotIn
        ({"matchExpressions": [_e("app", "Exists")]}, {"app": ""}, True),
        ({"matchExpressions": [_e("app", "Exists")]}, {"tier": "x"}, False),
        ({"matchExpressions": [_e("app", "DoesNotExist")]}, {"tier": "x"}, True),
        ({"matchExpressions": [_e("app", "DoesNotExist")]}, {"app": "web"}, False),
        ({"matchExpressions": [_e("app", "Gt", "1")]}, {"app": "2"}, False),  # not a label-selector operator
        (
            {"matchLabels": {"app": "web"}, "matchExpressions": [_e("tier", "Exists")]},
            {"app": "web"},
            False,  # matchLabels and matchExpressions are ANDed
        ),
    ],
)
def test_label_selector_operators(selector, labels, ok):
    sel = msgspec.convert(selector, LabelSelector, from_attributes=False)
    assert label_selector_matches(sel, labels) is ok


def test_a_missing_label_selector_matches_nothing():
    assert label_selector_matches(None, {"app": "web"}) is False


# ------------------------------------------------------------------------------------------- NodePorts
def _host_port(ip: str | None = None):
    port = {"containerPort": 9100, "hostPort": 9100, **({"hostIP": ip} if ip else {})}
    return [container(ports=[port])]


def test_a_host_port_conflict_carries_the_scheduler_reason_and_a_free_node_none():
    nodes = [make_node("n1"), make_node("n2")]
    running = [make_pod("exp-n1", node="n1", containers=_host_port())]
    vs = _verdicts(make_pod("x", containers=_host_port()), nodes, running)
    assert vs["n1"].outcome("NodePorts").scheduler_reasons == (
        "node(s) didn't have free ports for the requested pod ports",
    )
    assert vs["n2"].fits and vs["n2"].outcome("NodePorts").scheduler_reasons == ()


def test_host_port_suggestion_names_the_nodes_and_the_first_holder():
    nodes = [make_node(n) for n in ("n1", "n2", "n3")]
    running = [make_pod(f"exp-{n}", node=n, containers=_host_port()) for n in ("n1", "n2", "n3")]
    pod = make_pod("x", containers=_host_port())
    r = explain_scheduling(pod, [], nodes, running + [pod], {}, {}, NOW)
    assert r.suggestions == [
        "n1, n2, n3: host port 9100/TCP already used by pod default/exp-n1 (and 2 more nodes); "
        "use another hostPort, or a Service instead of hostPort"
    ]
    r = explain_scheduling(pod, [], nodes[1:2], running[1:2] + [pod], {}, {}, NOW)
    assert r.suggestions == [
        "n2: host port 9100/TCP already used by pod default/exp-n2; use another hostPort, or a Service instead of hostPort"
    ]


# ---------------------------------------------------------------------------------------- cordoned nodes
def test_cordon_suggestion_agrees_in_number():
    pod = make_pod("x")
    one = [make_node("n1", unschedulable=True)]
    r = explain_scheduling(pod, [], one, [pod], {}, {}, NOW)
    assert r.suggestions == ["n1 is cordoned; `kubectl uncordon n1` once its maintenance is over"]
    two = one + [make_node("n2", unschedulable=True)]
    r = explain_scheduling(pod, [], two, [pod], {}, {}, NOW)
    assert r.suggestions == ["n1, n2 are cordoned; `kubectl uncordon n1` once its maintenance is over"]


# ------------------------------------------------------------------------------------------- VolumeZone
def test_volume_zone_reads_beta_pv_labels_against_ga_node_labels():
    """VolumeZone: a PV's zone/region label must match the node's; the beta label of the PV is compared
    with the node's GA label when the node has no beta one; a node with no zone or region label passes."""
    pv = make_pv("pv-a", labels={"failure-domain.beta.kubernetes.io/zone": "a"})
    pvc = make_pvc("data", volume_name="pv-a")
    pod = make_pod("db-1", volumes=[pvc_volume("data")])
    nodes = [
        make_node("n-ga-a", labels={"topology.kubernetes.io/zone": "a"}),
        make_node("n-beta-b", labels={"failure-domain.beta.kubernetes.io/zone": "b"}),
        make_node("n-region", labels={"topology.kubernetes.io/region": "r"}),
        make_node("n-none"),
    ]
    report = evaluate_nodes(pod, nodes, [pod], {"data": pvc}, {"pv-a": pv})
    vs = {v.node_name: v for v in report.verdicts}
    assert vs["n-ga-a"].fits and vs["n-none"].fits
    assert vs["n-beta-b"].reasons == [
        "volume node affinity conflict: PV pv-a (claim data) is in failure-domain.beta.kubernetes.io/zone=a"
        " (node has b)"
    ]
    assert vs["n-region"].reasons == [
        "volume node affinity conflict: PV pv-a (claim data) is in failure-domain.beta.kubernetes.io/zone=a"
        " (node has no failure-domain.beta.kubernetes.io/zone label)"
    ]
    outcome = vs["n-beta-b"].outcome("VolumeZone")
    assert outcome.scheduler_reasons == ("node(s) had no available volume zone",)
    assert [why for _, why in outcome.detail.conflicts] == [
        "is in failure-domain.beta.kubernetes.io/zone=a (node has b)"
    ]


def test_node_lists_in_suggestions_name_five_then_count_the_rest():
    pod = make_pod("x")
    five = [make_node(f"n{i}", unschedulable=True) for i in range(1, 6)]
    r = explain_scheduling(pod, [], five, [pod], {}, {}, NOW)
    assert r.suggestions == [
        "n1, n2, n3, n4, n5 are cordoned; `kubectl uncordon n1` once its maintenance is over"
    ]
    seven = five + [make_node(f"n{i}", unschedulable=True) for i in (6, 7)]
    r = explain_scheduling(pod, [], seven, [pod], {}, {}, NOW)
    assert r.suggestions == [
        "n1, n2, n3, n4, n5 and 2 more are cordoned; `kubectl uncordon n1` once its maintenance is over"
    ]


def test_scheduler_view_counts_every_node_it_saw():
    pod = make_pod("x")
    view = scheduler_view(pod, [make_node("n1"), make_node("n2", unschedulable=True)], [pod])
    assert view.total_nodes == 2
    assert view.message == "fits"


def test_unreadable_pods_are_said_and_volume_constraints_are_reported():
    pv = make_pv("pv-a", zone="a")
    pvc = make_pvc("data", volume_name="pv-a")
    pod = make_pod("db-1", volumes=[pvc_volume("data")])
    report = evaluate_nodes(pod, [make_node("n1", zone="a")], None, {"data": pvc}, {"pv-a": pv})
    assert report.notes == (
        "the cluster's pods could not be read: resource, host-port and pod-affinity checks were skipped",
    )
    assert [(vc.claim, vc.pv) for vc in report.volume_constraints] == [("data", "pv-a")]
    assert evaluate_nodes(pod, [make_node("n1", zone="a")], [pod], {"data": pvc}, {"pv-a": pv}).notes == ()
