"""The scheduler's per-node view keeps the pods by namespace then node too (``ClusterIndex.by_namespace``,
read through ``pods_in_namespace``), maintained pod by pod as the watch-fed index adds, replaces and removes
them, so a namespaced count (PodTopologySpread's) reads the pod's namespace, not every pod of the cluster.

Checked: after any sequence of adds, moves, terminations and removals the view is the one a fresh build
from the same pods gives; ``without(pod)`` leaves the index itself untouched; topology spread's verdicts
follow changes in the pod's namespace and ignore pods of other namespaces bound to the same nodes.
"""

from __future__ import annotations

import random

from builders import make_node, make_pod
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.index import ClusterIndex
from k8s_agent.kube.models import Pod

HOST = "kubernetes.io/hostname"
NODES = [make_node(f"n{i}") for i in range(3)]


def view(index: ClusterIndex) -> dict[str, dict[str, list[str]]]:
    return {
        ns: {node: sorted(p.metadata.name for p in pods) for node, pods in by_node.items()}
        for ns, by_node in index.by_namespace.items()
    }


def test_the_namespace_view_kept_pod_by_pod_is_the_view_built_from_the_same_pods():
    rng = random.Random(13)
    index = ClusterIndex(NODES)
    held: dict[tuple[str, str], Pod] = {}
    for step in range(400):
        ns, name = rng.choice(("shop", "batch", "default")), f"p{rng.randrange(25)}"
        action = rng.random()
        if action < 0.55:  # created, or moved to another node (a new version of the same pod)
            pod = make_pod(name, ns, node=rng.choice(("n0", "n1", "n2", "")), labels={"app": "web"})
            index.add(pod)
            held[(ns, name)] = pod
        elif action < 0.7:  # finished: a terminated pod is only removed
            pod = make_pod(name, ns, node="n0", phase="Succeeded", labels={"app": "web"})
            index.add(pod)
            held.pop((ns, name), None)
        else:
            index.remove(ns, name)
            held.pop((ns, name), None)
        if step % 50 == 0:
            assert view(index) == view(ClusterIndex(NODES, held.values())), step
    assert view(index) == view(ClusterIndex(NODES, held.values()))
    assert index.by_namespace  # the walk leaves pods bound in several namespaces
    assert index.pods_in_namespace("nowhere") == {}


def test_without_a_pod_leaves_the_index_itself_untouched():
    pods = [
        make_pod("a", "shop", node="n0"),
        make_pod("b", "shop", node="n0"),
        make_pod("c", "ops", node="n0"),
    ]
    index = ClusterIndex(NODES, pods)
    before = view(index)
    other = index.without(pods[0])
    assert view(other) == {"shop": {"n0": ["b"]}, "ops": {"n0": ["c"]}}
    assert view(index) == before == {"shop": {"n0": ["a", "b"]}, "ops": {"n0": ["c"]}}
    last = ClusterIndex(NODES, pods[2:]).without(pods[2])
    assert last.pods_in_namespace("ops") == {}


def spread_pod() -> Pod:
    constraint = {
        "maxSkew": 1,
        "topologyKey": HOST,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}},
    }
    return make_pod("web-new", "shop", labels={"app": "web"}, topologySpreadConstraints=[constraint])


def fits(index: ClusterIndex) -> list[bool]:
    return [v.fits for v in evaluate_nodes(spread_pod(), NODES, index).verdicts]


def test_topology_spread_counts_the_pods_namespace_as_it_changes_and_never_another():
    index = ClusterIndex(NODES)
    # another namespace's matching pods crowd n0 and n1: they do not count
    for i in range(4):
        index.add(make_pod(f"other-{i}", "ops", node="n0", labels={"app": "web"}))
        index.add(make_pod(f"other-n1-{i}", "ops", node="n1", labels={"app": "web"}))
    assert fits(index) == [True, True, True]
    # two of the namespace's replicas on n0: skew there 2 + 1 - 0 > 1
    index.add(make_pod("web-1", "shop", node="n0", labels={"app": "web"}))
    index.add(make_pod("web-2", "shop", node="n0", labels={"app": "web"}))
    assert fits(index) == [False, True, True]
    # one of them moves to n1 (a new version): n0 and n1 hold one each, n2 none
    index.add(make_pod("web-2", "shop", node="n1", labels={"app": "web"}))
    assert fits(index) == [False, False, True]
    # deleted: n1 is free again; the other namespace's pods changing changes nothing
    index.remove("shop", "web-2")
    index.remove("ops", "other-0")
    index.add(make_pod("other-9", "ops", node="n2", labels={"app": "web"}))
    assert fits(index) == [False, True, True]
