"""PodTopologySpread and NodeName, per node, by the rules of kube-scheduler 1.36's plugins
(``plugins/podtopologyspread/filtering.go``, ``common.go``; ``plugins/nodename``): our own cases, each
written from those rules, checked through ``scheduler_view`` (first failing plugin, reasons, message) and
the agent's own per-node words and suggestions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from builders import make_node, make_pod, scheduler_event
from k8s_agent.analysis.scheduling.analyze import analyze_scheduling, explain_scheduling
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.index import ClusterIndex
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import Pod

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
SKEW = "node(s) didn't match pod topology spread constraints"
LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def spread(key: str = ZONE, skew: int = 1, app: str = "web", **extra: Any) -> dict[str, Any]:
    return {
        "maxSkew": skew,
        "topologyKey": key,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": app}},
        **extra,
    }


def replica(
    name: str, node: str, labels: dict[str, str] | None = None, ns: str = "default", **kw: Any
) -> Pod:
    return make_pod(name, ns, node=node, labels=labels or {"app": "web"}, **kw)


def pending(*constraints: dict[str, Any], labels: dict[str, str] | None = None, **spec: Any) -> Pod:
    return make_pod(
        "web-new", labels=labels or {"app": "web"}, topologySpreadConstraints=list(constraints), **spec
    )


def plugins(view) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {n.node_name: (n.plugin, n.reasons) for n in view.nodes}


def test_the_issue_case_one_zone_holds_the_replicas_and_the_other_is_full():
    # zone-a holds 2 replicas, zone-b's nodes have no memory left: the third replica (maxSkew 1) fits nowhere
    nodes = [
        make_node("a1", zone="zone-a"),
        make_node("a2", zone="zone-a"),
        make_node("b1", zone="zone-b", memory="1Gi"),
        make_node("b2", zone="zone-b", memory="1Gi"),
    ]
    pods = [replica("web-1", "a1"), replica("web-2", "a2")]
    pod = pending(spread(), memory="2Gi")
    view = scheduler_view(pod, nodes, [*pods, pod])
    assert view.message == (
        "0/4 nodes are available: 2 Insufficient memory, 2 node(s) didn't match pod topology spread constraints."
    )
    assert plugins(view)["a1"] == ("PodTopologySpread", (SKEW,))
    report = evaluate_nodes(pod, nodes, pods)
    a1 = next(v for v in report.verdicts if v.node_name == "a1")
    assert a1.reasons == [
        f"topology spread: {ZONE}=zone-a already has 2 matching pods and the least loaded {ZONE} (zone-b) "
        f"has 0; placing the pod here makes the skew 3 > maxSkew 1 (maxSkew 1 per {ZONE} over pods with "
        "app=web in namespace default)"
    ]
    x = explain_scheduling(pod, [], nodes, pods, {}, {}, NOW)
    assert x.summary.filtered_by_topology_spread == 2 and x.summary.schedulable_nodes == 0
    tip = next(s for s in x.suggestions if s.startswith("topology spread"))
    assert tip == (
        f"topology spread on {ZONE} (maxSkew 1): zone-a has 2 matching pods, so 2 nodes would exceed the "
        "skew; the nodes where the spread allows the pod are excluded: b1 (excluded by: insufficient memory); "
        "b2 (excluded by: insufficient memory): add capacity there, or relax the constraint (raise maxSkew, or "
        "whenUnsatisfiable: ScheduleAnyway)"
    )
    # the scheduler's own message says the same: its generic advice is not repeated next to ours
    ev = scheduler_event(pod, "0/4 nodes are available: 2 Insufficient memory, 2 " + SKEW + ".")
    y = explain_scheduling(pod, [ev], nodes, pods, {}, {}, NOW)
    assert [s for s in y.suggestions if s.startswith(("topology spread", "the scheduler reported"))] == [tip]
    assert y.summary.filtered_by_topology_spread == 2


def test_skew_within_max_skew_fits_and_the_global_minimum_is_over_every_domain():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b"), make_node("c1", zone="c")]
    pods = [replica("web-1", "a1"), replica("web-2", "b1")]
    view = scheduler_view(pending(spread()), nodes, pods)
    # min is 0 (zone c): a and b would reach skew 2; c fits
    assert view.feasible_nodes == ["c1"]
    assert plugins(view)["a1"] == ("PodTopologySpread", (SKEW,))
    view = scheduler_view(pending(spread(skew=2)), nodes, pods)
    assert view.feasible_nodes == ["a1", "b1", "c1"]


def test_a_node_without_the_topology_key_is_rejected_and_is_no_domain():
    nodes = [make_node("a1", zone="a"), make_node("nolabel")]
    pods = [replica("web-1", "nolabel")]  # a pod on an unlabelled node counts in no domain
    view = scheduler_view(pending(spread()), nodes, pods)
    assert plugins(view) == {"a1": ("", ()), "nolabel": ("PodTopologySpread", (LABEL,))}
    # with the scheduler's counts: one domain (a, 0 pods): skew on a1 = 0 + 1 - 0
    report = evaluate_nodes(pending(spread()), nodes, pods)
    assert report.verdicts[1].reasons == [
        f"topology spread: node has no {ZONE} label (constraint maxSkew 1 per {ZONE} over pods with app=web "
        "in namespace default)"
    ]


def test_a_node_must_carry_the_keys_of_every_constraint_to_be_a_domain():
    # b1 has a zone but no "rack": it is no domain of the zone constraint either, so zone b does not exist
    nodes = [
        make_node("a1", zone="a", labels={"rack": "r1"}),
        make_node("b1", zone="b"),
    ]
    pods = [replica("web-1", "a1")]
    pod = pending(spread(), spread(key="rack", skew=5))
    view = scheduler_view(pod, nodes, pods)
    # zone a is the only domain (min 1): a1 fits; b1 lacks rack: missing label (constraint 1)
    assert plugins(view) == {"a1": ("", ()), "b1": ("PodTopologySpread", (LABEL,))}


def test_the_first_failing_constraint_gives_the_reason():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b"), make_node("c1", labels={"rack": "r"})]
    pods = [replica("web-1", "a1"), replica("web-2", "a1")]
    pod = pending(spread(), spread(key="rack"))
    view = scheduler_view(pod, nodes, pods)
    # no node has both keys: no domain at all, the minimum is 0; a1/b1 lack "rack" (constraint 1) but
    # constraint 0 comes first: a1 has 0 counted pods too (not a domain), skew 1: passes, then rack missing
    assert plugins(view) == {
        "a1": ("PodTopologySpread", (LABEL,)),
        "b1": ("PodTopologySpread", (LABEL,)),
        "c1": ("PodTopologySpread", (LABEL,)),
    }
    nodes = [make_node(n, zone=z, labels={"rack": n}) for n, z in (("a1", "a"), ("a2", "a"), ("b1", "b"))]
    view = scheduler_view(pod, nodes, pods)
    # zone: a has 2, b 0 -> a1, a2 fail on the zone constraint; rack: a1 has 2, others 0 -> b1 fits
    assert plugins(view) == {
        "a1": ("PodTopologySpread", (SKEW,)),
        "a2": ("PodTopologySpread", (SKEW,)),
        "b1": ("", ()),
    }
    a1 = next(v for v in evaluate_nodes(pod, nodes, pods).verdicts if v.node_name == "a1")
    assert len(a1.reasons) == 2  # both constraints fail on a1: the agent names both


def test_min_domains_makes_the_minimum_zero_while_there_are_too_few_domains():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b")]
    pods = [replica("web-1", "a1"), replica("web-2", "b1")]
    assert scheduler_view(pending(spread()), nodes, pods).fits  # 1 + 1 - 1 = 1
    view = scheduler_view(pending(spread(minDomains=3)), nodes, pods)
    assert view.message == "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints."
    report = evaluate_nodes(pending(spread(minDomains=3)), nodes, pods)
    assert "fewer domains (2) than minDomains 3, so the minimum is 0" in report.verdicts[0].reasons[0]
    assert scheduler_view(pending(spread(minDomains=2)), nodes, pods).fits


def test_node_affinity_policy_honor_leaves_out_the_domains_the_pod_cannot_use():
    nodes = [
        make_node("a1", zone="a", labels={"pool": "x"}),
        make_node("b1", zone="b", labels={"pool": "x"}),
        make_node("c1", zone="c"),  # empty zone, but outside the pod's nodeSelector
    ]
    pods = [replica("web-1", "a1"), replica("web-2", "b1")]
    honor = pending(spread(), nodeSelector={"pool": "x"})
    assert scheduler_view(honor, nodes, pods).feasible_nodes == ["a1", "b1"]  # min over a, b: 1
    ignore = pending(spread(nodeAffinityPolicy="Ignore"), nodeSelector={"pool": "x"})
    view = scheduler_view(ignore, nodes, pods)
    assert plugins(view) == {
        "a1": ("PodTopologySpread", (SKEW,)),
        "b1": ("PodTopologySpread", (SKEW,)),
        "c1": ("NodeAffinity", ("node(s) didn't match Pod's node affinity/selector",)),
    }
    # required node affinity counts the same way as the nodeSelector
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["x"]}]}
                ]
            }
        }
    }
    assert scheduler_view(pending(spread(), affinity=affinity), nodes, pods).feasible_nodes == ["a1", "b1"]


def test_node_taints_policy_honor_leaves_out_nodes_with_untolerated_taints():
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    nodes = [
        make_node("a1", zone="a"),
        make_node("b1", zone="b"),
        make_node("c1", zone="c", taints=[taint]),
    ]
    pods = [replica("web-1", "a1"), replica("web-2", "b1")]
    view = scheduler_view(pending(spread()), nodes, pods)  # default Ignore: zone c (0 pods) is the minimum
    assert plugins(view)["a1"] == ("PodTopologySpread", (SKEW,))
    assert plugins(view)["c1"] == ("TaintToleration", ("node(s) had untolerated taint(s)",))
    honor = pending(spread(nodeTaintsPolicy="Honor"))
    assert scheduler_view(honor, nodes, pods).feasible_nodes == ["a1", "b1"]
    # a tolerated taint keeps the node a domain; PreferNoSchedule never excludes it
    tolerating = pending(
        spread(nodeTaintsPolicy="Honor"), tolerations=[{"key": "dedicated", "operator": "Exists"}]
    )
    assert scheduler_view(tolerating, nodes, pods).feasible_nodes == ["c1"]
    soft = [
        make_node("a1", zone="a"),
        make_node("c1", zone="c", taints=[{**taint, "effect": "PreferNoSchedule"}]),
    ]
    assert scheduler_view(honor, soft, pods[:1]).feasible_nodes == ["c1"]


def test_match_label_keys_count_only_the_pods_of_the_same_revision():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b")]
    old = {"app": "web", "pod-template-hash": "old"}
    pods = [replica("web-1", "a1", old), replica("web-2", "a1", old)]
    new = {"app": "web", "pod-template-hash": "new"}
    plain = pending(spread(), labels=new)
    assert scheduler_view(plain, nodes, pods).feasible_nodes == ["b1"]
    keyed = pending(spread(matchLabelKeys=["pod-template-hash"]), labels=new)
    assert scheduler_view(keyed, nodes, pods).feasible_nodes == ["a1", "b1"]
    # a key the pod does not carry is ignored
    missing = pending(spread(matchLabelKeys=["version"]), labels=new)
    assert scheduler_view(missing, nodes, pods).feasible_nodes == ["b1"]


def test_which_pods_are_counted():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b")]
    others = [
        replica("web-1", "b1", ns="other"),  # another namespace
        replica("web-2", "b1", phase="Succeeded"),  # finished
        replica("db-1", "b1", {"app": "db"}),  # does not match the selector
        make_pod("web-3", node="", labels={"app": "web"}),  # not bound
    ]
    terminating = replica("web-4", "b1")
    terminating = Pod(
        metadata=type(terminating.metadata)(**{**_fields(terminating.metadata), "deletion_timestamp": NOW}),
        spec=terminating.spec,
        status=terminating.status,
    )
    counted = replica("web-5", "a1")
    pod = pending(spread())
    # only web-5 counts: a has 1, b has 0 -> a1 fails (skew 2), b1 fits
    view = scheduler_view(pod, nodes, [*others, terminating, counted, pod])
    assert plugins(view) == {"a1": ("PodTopologySpread", (SKEW,)), "b1": ("", ())}
    # the pod under analysis is never counted, even when it is given bound to a node (explain of a pod)
    bound = make_pod("web-new", node="b1", labels={"app": "web"}, topologySpreadConstraints=[spread()])
    report = evaluate_nodes(bound, nodes, [counted, bound], ignore_node_name=True)
    assert [v.fits for v in report.verdicts] == [False, True]


def _fields(md) -> dict[str, Any]:
    return {f: getattr(md, f) for f in md.__struct_fields__}


def test_a_pod_that_does_not_match_its_own_selector_adds_no_skew():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b")]
    pods = [replica("web-1", "a1")]
    other = pending(spread(), labels={"app": "batch"})  # spreads against web pods, is not one
    assert scheduler_view(other, nodes, pods).feasible_nodes == ["a1", "b1"]  # 1 + 0 - 0 <= 1


def test_an_empty_selector_counts_no_pod_and_no_selector_matches_none():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b")]
    pods = [replica(f"web-{i}", "a1") for i in range(3)]
    empty = pending({**spread(), "labelSelector": {}})
    assert scheduler_view(empty, nodes, pods).feasible_nodes == ["a1", "b1"]  # counts 0 everywhere, skew 1
    none = {k: v for k, v in spread().items() if k != "labelSelector"}
    assert scheduler_view(pending(none), nodes, pods).feasible_nodes == ["a1", "b1"]  # skew 0


def test_schedule_anyway_constraints_do_not_filter():
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b")]
    pods = [replica(f"web-{i}", "a1") for i in range(3)]
    soft = pending({**spread(), "whenUnsatisfiable": "ScheduleAnyway"})
    assert scheduler_view(soft, nodes, pods).feasible_nodes == ["a1", "b1"]


def test_hostname_spread_counts_per_node_and_reads_the_cluster_index():
    nodes = [make_node(f"n{i}") for i in range(3)]
    pods = [replica("web-1", "n0"), replica("web-2", "n0"), replica("web-3", "n1")]
    pod = pending(spread(key=HOST))
    index = ClusterIndex(nodes, [*pods, pod])  # the per-node view the watch-fed index keeps current
    view_of_index = evaluate_nodes(pod, nodes, index)
    # n0: 2 + 1 - 0 > 1, n1: 1 + 1 - 0 > 1, n2: 0 + 1 - 0
    assert [v.fits for v in view_of_index.verdicts] == [False, False, True]
    assert [v.fits for v in evaluate_nodes(pod, nodes, pods).verdicts] == [False, False, True]
    relaxed = pending(spread(key=HOST, skew=2))
    assert [v.fits for v in evaluate_nodes(relaxed, nodes, index).verdicts] == [False, True, True]


def test_without_the_clusters_pods_the_constraints_are_not_evaluated_and_a_note_says_so():
    nodes = [make_node("a1", zone="a"), make_node("nolabel")]
    report = evaluate_nodes(pending(spread()), nodes, None)
    assert all(v.fits for v in report.verdicts)
    assert (
        "the cluster's pods could not be read: the pod's topology spread constraints were not evaluated"
        in (report.notes)
    )


def test_node_name_rejects_every_other_node():
    nodes = [make_node("n1"), make_node("n2")]
    pod = make_pod("web-1", nodeName="n2")
    pod = Pod(metadata=pod.metadata, spec=pod.spec, status=type(pod.status)(phase="Pending"))
    view = scheduler_view(pod, nodes, [])
    assert plugins(view) == {
        "n1": ("NodeName", ("node(s) didn't match the requested node name",)),
        "n2": ("", ()),
    }
    # NodeName runs before TaintToleration and after NodeUnschedulable
    cordoned = [
        make_node("n1", unschedulable=True),
        make_node("n3", taints=[{"key": "k", "effect": "NoSchedule"}]),
    ]
    assert plugins(scheduler_view(pod, cordoned, [])) == {
        "n1": ("NodeUnschedulable", ("node(s) were unschedulable",)),
        "n3": ("NodeName", ("node(s) didn't match the requested node name",)),
    }
    assert scheduler_view(pod, cordoned, []).message == (
        "0/2 nodes are available: 1 node(s) didn't match the requested node name, 1 node(s) were unschedulable."
    )


def test_node_name_of_a_missing_node_is_suggested_and_a_scheduled_pod_is_judged_unbound():
    nodes = [make_node("n1"), make_node("n2")]
    ghost = make_pod("web-1", nodeName="gone")
    ghost = Pod(metadata=ghost.metadata, spec=ghost.spec, status=type(ghost.status)(phase="Pending"))
    report = evaluate_nodes(ghost, nodes, [])
    assert [v.reasons for v in report.verdicts] == [["the pod asks for node gone (spec.nodeName)"]] * 2
    # /scheduling/explain of a bound pod: which nodes would accept such a pod (its binding set aside)
    x = explain_scheduling(make_pod("web-2", node="n1"), [], nodes, [], {}, {}, NOW)
    assert x.summary.schedulable_nodes == 2 and x.summary.filtered_by_node_name == 0
    y = analyze_scheduling(ghost, [], nodes, [], {}, {}, NOW)
    assert y.status == "Scheduled" and y.scheduling_reasons == [
        "Node gone no longer exists (or is not visible to the agent)"
    ]


def test_spread_suggestions_name_unlabelled_nodes_and_the_domains_that_still_fit():
    nodes = [make_node("a1", zone="zone-a"), make_node("b1", zone="zone-b"), make_node("x1"), make_node("x2")]
    pods = [replica("web-1", "a1"), replica("web-2", "a1")]
    pod = pending(spread())
    assert explain_scheduling(pod, [], nodes, [*pods, pod], {}, {}, NOW).suggestions[:2] == [
        f"2 nodes (x1, x2) have no {ZONE} label and can never take the pod under its spread constraint on {ZONE}: "
        "label them, or constrain the pod to labelled nodes (nodeSelector/affinity)",
        f"topology spread on {ZONE} (maxSkew 1): zone-a has 2 matching pods, so 1 node would exceed the skew; the "
        "pod fits on the nodes of the other domains",
    ]


def test_spread_suggestion_names_three_excluded_allowed_nodes_then_counts():
    nodes = [make_node("a1", zone="zone-a")] + [
        make_node(f"b{i}", zone="zone-b", memory="1Gi") for i in range(1, 6)
    ]
    pods = [replica("web-1", "a1"), replica("web-2", "a1")]
    pod = pending(spread(), memory="2Gi")
    assert explain_scheduling(pod, [], nodes, [*pods, pod], {}, {}, NOW).suggestions[1] == (
        f"topology spread on {ZONE} (maxSkew 1): zone-a has 2 matching pods, so 1 node would exceed the skew; "
        "the nodes where the spread allows the pod are excluded: b1 (excluded by: insufficient memory); b2 "
        "(excluded by: insufficient memory); b3 (excluded by: insufficient memory) and 2 more: add capacity "
        "there, or relax the constraint (raise maxSkew, or whenUnsatisfiable: ScheduleAnyway)"
    )
