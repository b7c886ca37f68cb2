"""Boundaries of the scheduler's rules that a flipped comparison or operator would get wrong: the last free pod
slot of a node, node-affinity Gt/Lt at exactly the bound, and each label-selector operator of a pod-affinity
term (kube-scheduler's NodeResourcesFit, NodeAffinity and InterPodAffinity plugins)."""

from __future__ import annotations

import msgspec
import pytest

from builders import make_node, make_pod
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.selectors import label_selector_matches
from k8s_agent.kube.models import LabelSelector


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
