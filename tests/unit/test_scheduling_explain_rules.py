"""The explanation's words (analysis/scheduling/explain.py) on real objects and real kube-scheduler messages:
the paragraph for each state (finished, node list unreadable, no nodes, gated, some or no node fits, a
scheduled pod on a node that is gone, not ready or cordoned), the per-check breakdown and its order, the
suggestions (gates, no nodes, a scheduler that does not act, what only the scheduler reported), and how a
scheduled pod's node satisfies its constraints (preferred terms and weights, taints, readiness, resources
with and without requests, over-commitment)."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import container, make_node, make_pod, make_pv, make_pvc, pvc_volume, scheduler_event
from k8s_agent.analysis.scheduling.analyze import analyze_scheduling, explain_scheduling
from k8s_agent.analysis.scheduling.explain import scheduler_only_advice
from k8s_agent.analysis.scheduling.message import parse_scheduling_message

NOW = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
PREEMPT = "preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling."
NOT_READY_TAINT = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}


def mixed_nodes():
    """n1 fits a 2Gi pod; n2 is cordoned; n3 and n4 have 1Gi; n5 has a taint the pod does not tolerate."""
    return [
        make_node("n1"),
        make_node("n2", unschedulable=True),
        make_node("n3", memory="1Gi"),
        make_node("n4", memory="1Gi"),
        make_node("n5", taints=[{"key": "a", "value": "b", "effect": "NoSchedule"}]),
    ]


# ------------------------------------------------------------------------------------------ paragraph
def test_a_finished_pod_says_its_phase_and_the_kubelet_reason():
    pod = make_pod(
        "job-1",
        status={
            "phase": "Failed",
            "reason": "OutOfcpu",
            "message": "Pod Node didn't have enough resource: cpu",
        },
    )
    x = explain_scheduling(pod, [], [make_node("n1")], [], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/job-1 finished (phase Failed) without being scheduled "
        "(OutOfcpu: Pod Node didn't have enough resource: cpu)."
    )
    done = make_pod("job-2", phase="Succeeded")
    x = explain_scheduling(done, [], [make_node("n1")], [], {}, {}, NOW)
    assert x.explanation == "Pod default/job-2 finished (phase Succeeded) without being scheduled."


def test_unreadable_node_list_and_empty_cluster_are_told_apart():
    pod = make_pod("web-1")
    x = explain_scheduling(pod, [], None, None, {}, {}, NOW)
    assert x.explanation == "The node list could not be read, so no node was evaluated."
    assert x.suggestions == []
    x = explain_scheduling(pod, [], [], [pod], {}, {}, NOW)
    assert x.explanation == "The cluster has no nodes (none visible to the agent)."
    assert x.suggestions == ["the cluster has no nodes: add nodes (or check the cluster autoscaler)"]


def test_some_nodes_fit_names_them_and_breaks_down_the_others_most_first():
    pod = make_pod("web-1", memory="2Gi")
    x = explain_scheduling(pod, [], mixed_nodes(), [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/web-1 is Pending, but 1 of 5 nodes could run it now (n1); the others: 2 lack resources, "
        "1 has an untolerated taint, 1 is cordoned."
    )
    assert x.suggestions[-1] == (
        "1 node can run the pod now (n1); if it stays Pending, check that scheduler default-scheduler is "
        "running and look at its logs"
    )
    s = x.summary
    assert (s.total_nodes, s.schedulable_nodes, s.filtered_by_resources) == (5, 1, 2)
    assert (s.filtered_by_unschedulable, s.filtered_by_taints, s.filtered_by_node_not_ready) == (1, 1, 0)


def test_every_node_fits_has_no_breakdown():
    pod = make_pod("web-1", memory="2Gi")
    x = explain_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.explanation == "Pod default/web-1 is Pending, but 1 of 1 nodes could run it now (n1)."


def test_no_node_fits_lists_each_check_with_its_count():
    pod = make_pod("web-1", memory="2Gi")
    x = explain_scheduling(pod, [], mixed_nodes()[1:], [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/web-1 is Pending: none of the 4 nodes can run it now (2 lack resources, 1 has an "
        "untolerated taint, 1 is cordoned)."
    )
    assert not any("can run the pod now" in t for t in x.suggestions)


def test_ties_in_the_breakdown_follow_the_check_order_and_plural_words():
    nodes = [
        make_node("n1", ready="False", taints=[NOT_READY_TAINT]),
        make_node("n2", ready="False", taints=[NOT_READY_TAINT]),
        make_node("n3", labels={"disktype": "hdd"}),
    ]
    pod = make_pod("db-1", nodeSelector={"disktype": "ssd"})
    x = explain_scheduling(pod, [], nodes, [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/db-1 is Pending: none of the 3 nodes can run it now (3 don't match the node selector, "
        "2 are not ready)."
    )
    assert x.summary.filtered_by_node_selector == 3 and x.summary.filtered_by_node_not_ready == 2


def test_a_gated_pod_says_what_would_happen_once_ungated():
    pod = make_pod("web-1", memory="2Gi", schedulingGates=[{"name": "example.com/quota"}])
    gate = (
        "Pod default/web-1 is waiting for its scheduling gates to be removed (example.com/quota); the scheduler "
        "does not try to place it until then."
    )
    x = explain_scheduling(pod, [], mixed_nodes()[1:], [pod], {}, {}, NOW)
    assert x.explanation == (
        f"{gate} Once ungated, 0 of 4 nodes could run it now (2 lack resources, 1 has an untolerated taint, "
        "1 is cordoned)."
    )
    assert x.suggestions[0] == (
        "remove the scheduling gates (example.com/quota): the controller that added them removes them when "
        "the pod may be scheduled"
    )
    x = explain_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.explanation == f"{gate} Once ungated, 1 of 1 nodes could run it now."
    assert len(x.suggestions) == 1  # a gated pod is not Pending for the scheduler: no "check the scheduler"
    x = explain_scheduling(pod, [], None, None, {}, {}, NOW)
    assert x.explanation == f"{gate} The node list could not be read, so no node was evaluated."


def test_the_scheduler_message_is_quoted_with_its_age():
    pod = make_pod("web-1", memory="2Gi")
    msg = "0/1 nodes are available: 1 Insufficient memory. " + PREEMPT.format(n=1)
    ev = scheduler_event(pod, msg, time="2024-05-01T10:00:00Z")
    x = explain_scheduling(pod, [ev], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.explanation.endswith(f' The scheduler\'s last message (5m ago): "{msg}"')


# ------------------------------------------------------------------------------------------ scheduled pods
def test_scheduled_on_a_node_that_is_gone():
    pod = make_pod("api-1", node="gone")
    x = explain_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/api-1 is already scheduled on node gone (scheduler default-scheduler). Node gone no longer "
        "exists. 1 of 1 nodes would accept such a pod now."
    )
    assert x.suggestions == [
        "node gone no longer exists: the pod will be garbage-collected; its controller recreates it"
    ]
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert r.scheduling_reasons == ["Node gone no longer exists (or is not visible to the agent)"]
    # the node list unreadable: nothing is said about the node
    x = explain_scheduling(pod, [], None, None, {}, {}, NOW)
    assert (
        x.explanation == "Pod default/api-1 is already scheduled on node gone (scheduler default-scheduler)."
    )
    assert x.suggestions == []
    r = analyze_scheduling(pod, [], None, None, {}, {}, NOW)
    assert r.scheduling_reasons == ["Scheduled on node gone (node details unavailable)"]


def test_scheduled_on_a_node_that_turned_not_ready():
    node = make_node("n2", ready="False", taints=[NOT_READY_TAINT])
    pod = make_pod("api-1", node="n2")
    why = "KubeletNotReady: container runtime network not ready: NetworkReady=false"
    x = explain_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/api-1 is already scheduled on node n2 (scheduler default-scheduler). The node would not "
        f"accept it today: node is not ready: Ready=NotReady ({why}). 0 of 1 nodes would accept such a pod now."
    )
    assert x.suggestions == [f"node n2 is not ready ({why}); check its kubelet: `kubectl describe node n2`"]
    r = analyze_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert r.scheduling_reasons == [
        f"Node n2 is not ready now ({why})",
        "Node n2 had sufficient resources for the pod's requests (cpu 100m, memory 128Mi); now requested on "
        "the node: cpu 100m of 4, memory 128Mi of 8Gi allocatable (including this pod)",
    ]


def test_scheduled_on_a_node_ready_again_whose_not_ready_taint_is_not_removed_yet():
    node = make_node("n2", taints=[NOT_READY_TAINT])
    pod = make_pod("api-1", node="n2")
    x = explain_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert x.suggestions == [
        "node n2 reports Ready=True but still has taint node.kubernetes.io/not-ready:NoSchedule; the node "
        "lifecycle controller (kube-controller-manager) removes it within seconds; if not, check that "
        "kube-controller-manager is running and leading"
    ]
    r = analyze_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[0] == (
        "Node n2 reports Ready=True again but still has taint node.kubernetes.io/not-ready:NoSchedule (the "
        "node lifecycle controller removes it when it sees the node ready)"
    )
    unreachable = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    both = analyze_scheduling(
        pod, [], [make_node("n2", taints=[NOT_READY_TAINT, unreachable])], [pod], {}, {}, NOW
    )
    assert both.scheduling_reasons[0] == (
        "Node n2 reports Ready=True again but still has taints node.kubernetes.io/not-ready:NoSchedule, "
        "node.kubernetes.io/unreachable:NoExecute (the node lifecycle controller removes them when it sees the "
        "node ready)"
    )
    # a pod that tolerates the taint is not held back by it: only the toleration is said
    tolerant = make_pod(
        "api-2", node="n2", tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}]
    )
    x = explain_scheduling(tolerant, [], [node], [tolerant], {}, {}, NOW)
    assert x.suggestions == []
    r = analyze_scheduling(tolerant, [], [node], [tolerant], {}, {}, NOW)
    assert (
        r.scheduling_reasons[0]
        == "Pod tolerates the taints of node n2: node.kubernetes.io/not-ready:NoSchedule"
    )
    assert not any("Ready=True" in s for s in r.scheduling_reasons), r.scheduling_reasons


def test_scheduled_on_a_not_ready_node_whose_taints_the_pod_tolerates_says_the_node_is_not_ready():
    # the DaemonSet controller gives its pods such tolerations: the node is still not ready, and the answer says so
    tolerations = [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists"},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists"},
    ]
    why = "KubeletNotReady: container runtime network not ready: NetworkReady=false"
    for node in (
        make_node("n2", ready="False", taints=[NOT_READY_TAINT]),
        make_node("n2", ready="False"),  # the lifecycle controller has not tainted it yet
    ):
        pod = make_pod("ds-1", node="n2", tolerations=tolerations)
        r = analyze_scheduling(pod, [], [node], [pod], {}, {}, NOW)
        assert r.scheduling_reasons == [
            f"Node n2 is not ready now ({why}); the pod tolerates its not-ready/unreachable taints",
            "Node n2 had sufficient resources for the pod's requests (cpu 100m, memory 128Mi); now requested on "
            "the node: cpu 100m of 4, memory 128Mi of 8Gi allocatable (including this pod)",
        ]
        assert explain_scheduling(pod, [], [node], [pod], {}, {}, NOW).suggestions == []


def test_scheduled_on_a_node_without_a_ready_condition():
    node = make_node("n2", ready=None)
    pod = make_pod("api-1", node="n2")
    x = explain_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert x.suggestions == [
        "node n2 is not ready (Ready=missing); check its kubelet: `kubectl describe node n2`"
    ]
    r = analyze_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[0] == "Node n2 is not ready now (Ready=missing)"


def test_scheduled_on_a_node_cordoned_and_tainted_since():
    node = make_node(
        "n2",
        unschedulable=True,
        taints=[
            {"key": "team", "value": "x", "effect": "NoExecute"},
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
        ],
    )
    pod = make_pod("api-1", node="n2")
    r = analyze_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[:2] == [
        "Node n2 now has taints the pod doesn't tolerate: team=x:NoExecute (added after scheduling; NoSchedule "
        "taints don't evict running pods, NoExecute ones do)",
        "Node n2 is cordoned now (running pods stay; new pods are not placed there)",
    ]
    x = explain_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/api-1 is already scheduled on node n2 (scheduler default-scheduler). The node would not "
        "accept it today: node is cordoned (spec.unschedulable); untolerated taint team=x:NoExecute. 0 of 1 "
        "nodes would accept such a pod now."
    )
    assert x.suggestions == []


PREFERRED = {
    "nodeAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 30,
                "preference": {
                    "matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd"]}]
                },
            },
            {"weight": 5, "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}},
            {
                "weight": 7,
                "preference": {
                    "matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]
                },
            },
        ]
    }
}


def test_preferred_terms_matched_and_their_weights_and_a_pod_without_requests():
    pod = make_pod("api-1", node="n1", affinity=PREFERRED, cpu=None, memory=None)
    other = make_pod("o", node="n1")
    r = analyze_scheduling(pod, [], [make_node("n1", labels={"disktype": "ssd"})], [pod], {}, {}, NOW)
    assert r.scheduling_reasons == [
        "Node n1 matches 2 of 3 preferred node affinity terms (weight 37 of 42)",
        "Node n1 has no taints the pod must tolerate",
        "Pod requests no resources: only the pod count applied on node n1 (now 1 of 110 pods)",
    ]
    r = analyze_scheduling(pod, [], [make_node("n1", pods="10")], [pod, other], {}, {}, NOW)
    assert r.scheduling_reasons == [
        "Node n1 matches 1 of 3 preferred node affinity terms (weight 7 of 42)",
        "Node n1 has no taints the pod must tolerate",
        "Pod requests no resources: only the pod count applied on node n1 (now 2 of 10 pods)",
    ]


def test_an_over_committed_node_and_unknown_pods():
    pod = make_pod("api-1", node="n1", cpu="3")
    other = make_pod("o", node="n1", cpu="2")
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod, other], {}, {}, NOW)
    assert r.scheduling_reasons == [
        "Node n1 has no taints the pod must tolerate",
        "Node n1 had sufficient resources for the pod's requests (cpu 3, memory 128Mi); now requested on the "
        "node: cpu 5 of 4, memory 256Mi of 8Gi allocatable (including this pod)",
        "Node n1 is over-committed now: insufficient cpu (requested: 3, free: 2 of 4 allocatable) "
        "(not counting this pod)",
    ]
    # the cluster's pods unreadable: nothing is said about the node's resources
    r = analyze_scheduling(pod, [], [make_node("n1")], None, {}, {}, NOW)
    assert r.scheduling_reasons == ["Node n1 has no taints the pod must tolerate"]


# ------------------------------------------------------------------------------------------ scheduler's advice
def advice(message: str) -> list[str]:
    return scheduler_only_advice(parse_scheduling_message(message))


def test_advice_for_each_reason_only_the_scheduler_reports():
    msg = (
        "0/6 nodes are available: 1 node(s) exceed max volume count, 2 node(s) didn't match pod topology spread "
        "constraints, 1 node(s) had volume node affinity conflict, 1 node(s) didn't find available persistent "
        "volumes to bind, 1 node(s) had no available disk. " + PREEMPT.format(n=6)
    )
    assert advice(msg) == [
        'the scheduler reported "node(s) exceed max volume count": nodes reached their volume attach limit: '
        "spread the pods or use nodes with a higher attach limit",
        "the scheduler reported \"node(s) didn't match pod topology spread constraints\": the pod's "
        "topologySpreadConstraints can't be met: relax maxSkew, or use whenUnsatisfiable: ScheduleAnyway",
        'the scheduler reported "node(s) didn\'t find available persistent volumes to bind": no PV can be '
        "bound for the pod's claims on these nodes: create a matching PV or check the storage class provisioner",
        'the scheduler reported "node(s) had no available disk": the pod\'s disk is already in use on those '
        "nodes (same volume mounted elsewhere)",
    ]
    assert advice(
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. " + PREEMPT.format(n=3)
    ) == [
        'the scheduler reported "pod has unbound immediate PersistentVolumeClaims": a PVC with Immediate '
        "binding is not bound: check the claim and its provisioner (`kubectl describe pvc`)"
    ]
    assert advice(
        "0/2 nodes are available: 1 node(s) did not have enough free storage, 1 node(s) had untolerated taint "
        "{a: b}. " + PREEMPT.format(n=2)
    ) == [
        'the scheduler reported "node(s) did not have enough free storage": nodes lack free local storage '
        "capacity for the claims"
    ]
    timed_out = (
        'error while running "VolumeBinding" prebind plugin for pod "db-0": Failed to bind volumes: timed out '
        "waiting for the condition"
    )
    assert advice(timed_out) == [
        f'the scheduler reported "{timed_out}": volume binding timed out: check the provisioner and '
        "`kubectl describe pvc`"
    ]


def test_an_uncounted_reason_nothing_here_evaluates_is_named_as_such():
    msg = 'running PreFilter plugin "NodeResourcesFit": pod overhead is unsupported'
    assert advice(msg) == [f'the scheduler reported "{msg}" (not evaluated here)']
    # a counted reason, or one with a known category, is not "not evaluated"
    assert (
        advice("0/3 nodes are available: 3 node(s) had untolerated taint {a: b}. " + PREEMPT.format(n=3))
        == []
    )
    bind = (
        'running PreBind plugin "VolumeBinding": binding volumes: pv "pv-1" node affinity doesn\'t match node '
        '"n1": no matching NodeSelectorTerms'
    )
    assert advice(bind) == []


def test_scheduler_advice_joins_the_suggestions_once():
    pod = make_pod("web-1")
    msg = (
        "0/2 nodes are available: 1 node(s) exceed max volume count, 1 node(s) exceed max volume count. "
        + PREEMPT.format(n=2)
    )
    x = explain_scheduling(pod, [scheduler_event(pod, msg)], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.suggestions == [
        'the scheduler reported "node(s) exceed max volume count": nodes reached their volume attach limit: '
        "spread the pods or use nodes with a higher attach limit",
        "1 node can run the pod now (n1); if it stays Pending, check that scheduler default-scheduler is "
        "running and look at its logs",
    ]


# ------------------------------------------------------------------------------------------ more checks
HOST_8080 = [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]
ANTI = {
    "requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}
    ]
}
ANTI_TERM = "pods with app=db in namespace default, per kubernetes.io/hostname"


def test_node_affinity_pod_anti_affinity_and_host_ports_are_each_counted():
    required = {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]}]
    }
    aff = {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required},
        "podAntiAffinity": ANTI,
    }
    nodes = [
        make_node("n1", labels={"tier": "db"}),
        make_node("n2", labels={"tier": "db"}),
        make_node("n3"),
        make_node("n4", labels={"tier": "db"}),
    ]
    db_a = make_pod("db-a", node="n1", labels={"app": "db"})
    proxy = make_pod("proxy", node="n2", containers=[container("proxy", cpu="10m", ports=HOST_8080)])
    pod = make_pod(
        "db-b", labels={"app": "db"}, affinity=aff, containers=[container("db", cpu="10m", ports=HOST_8080)]
    )
    x = explain_scheduling(pod, [], nodes, [db_a, proxy, pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/db-b is Pending, but 1 of 4 nodes could run it now (n4); the others: 1 doesn't match the "
        "required node affinity, 1 fails pod affinity/anti-affinity, 1 has a host-port conflict."
    )
    s = x.summary
    assert (s.filtered_by_node_affinity, s.filtered_by_pod_affinity, s.filtered_by_host_ports) == (1, 1, 1)


def test_a_tie_in_the_breakdown_follows_the_scheduler_order_not_the_alphabet():
    nodes = [
        make_node(
            "n1", taints=[{"key": "a", "value": "b", "effect": "NoSchedule"}], labels={"disktype": "ssd"}
        ),
        make_node("n2"),
    ]
    pod = make_pod("web-1", nodeSelector={"disktype": "ssd"})
    x = explain_scheduling(pod, [], nodes, [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/web-1 is Pending: none of the 2 nodes can run it now (1 has an untolerated taint, 1 "
        "doesn't match the node selector)."
    )


def test_pod_level_blockers_end_the_paragraph_and_gates_are_listed():
    pod = make_pod(
        "db-0",
        volumes=[pvc_volume("data-db-0"), pvc_volume("logs-db-0", name="logs")],
        schedulingGates=[{"name": "a/1"}, {"name": "b/2"}],
    )
    x = explain_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.explanation == (
        "Pod default/db-0 is waiting for its scheduling gates to be removed (a/1, b/2); the scheduler does not "
        "try to place it until then. Once ungated, 1 of 1 nodes could run it now. It cannot be scheduled on any "
        'node until this is fixed: persistentvolumeclaim "data-db-0" not found; persistentvolumeclaim '
        '"logs-db-0" not found.'
    )


def test_a_scheduled_pod_with_two_of_each_constraint():
    tolerated = [
        {"key": "a", "value": "1", "effect": "NoSchedule"},
        {"key": "b", "value": "2", "effect": "NoSchedule"},
    ]
    added = [
        {"key": "c", "value": "3", "effect": "NoExecute"},
        {"key": "d", "value": "4", "effect": "NoSchedule"},
    ]
    node = make_node(
        "n1",
        labels={"disk": "ssd", "tier": "db"},
        taints=tolerated + added,
        extra_allocatable={"nvidia.com/gpu": "2"},
    )
    pod = make_pod(
        "api-1",
        node="n1",
        nodeSelector={"disk": "ssd", "tier": "db"},
        tolerations=[{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}],
        containers=[container(cpu="5", memory="9Gi", extra={"nvidia.com/gpu": "1"})],
    )
    r = analyze_scheduling(pod, [], [node], [pod], {}, {}, NOW)
    assert r.scheduling_reasons == [
        "Node n1 matched node selector disk=ssd, tier=db",
        "Pod tolerates the taints of node n1: a=1:NoSchedule, b=2:NoSchedule",
        "Node n1 now has taints the pod doesn't tolerate: c=3:NoExecute, d=4:NoSchedule (added after scheduling; "
        "NoSchedule taints don't evict running pods, NoExecute ones do)",
        "Node n1 had sufficient resources for the pod's requests (cpu 5, memory 9Gi, nvidia.com/gpu 1); now "
        "requested on the node: cpu 5 of 4, memory 9Gi of 8Gi, nvidia.com/gpu 1 of 2 allocatable (including this "
        "pod)",
        "Node n1 is over-committed now: insufficient cpu (requested: 5, free: 4 of 4 allocatable); insufficient "
        "memory (requested: 9Gi, free: 8Gi of 8Gi allocatable) (not counting this pod)",
    ]


def test_a_scheduled_pod_anti_affinity_is_said_to_hold_only_when_it_holds_and_pods_are_known():
    nodes = [make_node("n1"), make_node("n3")]
    pod = make_pod("db-b", node="n3", labels={"app": "db"}, affinity={"podAntiAffinity": ANTI})
    holds = f"Node n3: no other pod in its domain matches the anti-affinity term ({ANTI_TERM})"
    assert analyze_scheduling(pod, [], nodes, [pod], {}, {}, NOW).scheduling_reasons[-1] == holds
    assert analyze_scheduling(pod, [], nodes, None, {}, {}, NOW).scheduling_reasons == [
        "Node n3 has no taints the pod must tolerate"
    ]
    other = make_pod("db-c", node="n3", labels={"app": "db"})
    r = analyze_scheduling(pod, [], nodes, [pod, other], {}, {}, NOW)
    assert not any("anti-affinity" in t for t in r.scheduling_reasons)


def test_a_scheduled_pod_volume_is_said_to_fit_only_where_it_fits():
    pod = make_pod("db-0", node="n1", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", volume_name="pv-a")}
    fits = "Volume pv-a (claim data) can be used on node n1: topology.kubernetes.io/zone In [eu-1a]"
    for pv in (
        make_pv("pv-a", zone="eu-1a"),
        make_pv("pv-a", labels={"topology.kubernetes.io/zone": "eu-1a"}),
    ):
        r = analyze_scheduling(pod, [], [make_node("n1", zone="eu-1a")], [pod], pvcs, {"pv-a": pv}, NOW)
        assert r.scheduling_reasons[-1] == fits
        # the node moved to another zone: the volume's constraint is not said to hold
        r = analyze_scheduling(pod, [], [make_node("n1", zone="eu-1b")], [pod], pvcs, {"pv-a": pv}, NOW)
        assert not any(t.startswith("Volume pv-a") for t in r.scheduling_reasons)


def test_a_scheduled_pod_host_ports_taken_since_are_each_named():
    ports = [
        {"containerPort": 80, "hostPort": 8080, "protocol": "TCP"},
        {"containerPort": 81, "hostPort": 8081, "protocol": "TCP"},
    ]
    pod = make_pod("proxy-a", node="n1", containers=[container("proxy", cpu="10m", ports=ports)])
    x1 = make_pod("x1", node="n1", containers=[container("x", cpu="10m", ports=ports[:1])])
    x2 = make_pod("x2", node="n1", containers=[container("y", cpu="10m", ports=ports[1:])])
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod, x1, x2], {}, {}, NOW)
    assert r.scheduling_reasons[-1] == (
        "Node n1 host ports now also used by: host port 8080/TCP already used by pod default/x1, host port "
        "8081/TCP already used by pod default/x2"
    )


def test_a_node_named_in_a_suggestion_shows_its_first_two_reasons_and_how_many_more():
    not_ready = [NOT_READY_TAINT, {"key": "a", "value": "b", "effect": "NoSchedule"}]
    pod = make_pod("web-1", memory="2Gi")
    three = [
        make_node("n1", memory="1Gi"),
        make_node("n2", memory="64Gi", unschedulable=True, ready="False", taints=not_ready),
    ]
    x = explain_scheduling(pod, [], three, [pod], {}, {}, NOW)
    assert x.suggestions[-1] == (
        "1 node lacks memory (the pod requests 2Gi); n2 (excluded by: node is cordoned (spec.unschedulable); "
        "node is not ready: Ready=NotReady (KubeletNotReady: container runtime network not ready: "
        "NetworkReady=false); and 1 more) has 64Gi free"
    )
    two = [
        make_node("n1", memory="1Gi"),
        make_node("n2", memory="64Gi", unschedulable=True, taints=not_ready[1:]),
    ]
    x = explain_scheduling(pod, [], two, [pod], {}, {}, NOW)
    assert x.suggestions[-1] == (
        "1 node lacks memory (the pod requests 2Gi); n2 (excluded by: node is cordoned (spec.unschedulable); "
        "untolerated taint a=b:NoSchedule) has 64Gi free"
    )


def test_the_spread_evaluated_here_replaces_only_the_scheduler_spread_advice():
    tsc = [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
    ]
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b", memory="1Gi")]
    running = make_pod("web-0", node="a1", labels={"app": "web"})
    pod = make_pod("web-1", memory="2Gi", labels={"app": "web"}, topologySpreadConstraints=tsc)
    spread = (
        "0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match pod topology spread constraints. "
        + PREEMPT.format(n=2)
    )
    x = explain_scheduling(pod, [scheduler_event(pod, spread)], nodes, [running, pod], {}, {}, NOW)
    assert [t for t in x.suggestions if "topology spread" in t and "scheduler reported" in t] == []
    assert sum(t.startswith("topology spread on topology.kubernetes.io/zone") for t in x.suggestions) == 1
    other = 'running PreFilter plugin "NodeResourcesFit": pod overhead is unsupported'
    x = explain_scheduling(pod, [scheduler_event(pod, other)], nodes, [running, pod], {}, {}, NOW)
    assert x.suggestions[-1] == f'the scheduler reported "{other}" (not evaluated here)'
    assert x.suggestions[-2].startswith("topology spread on topology.kubernetes.io/zone (maxSkew 1)")


def test_a_zero_request_is_not_listed_among_the_pod_requests():
    pod = make_pod("api-1", node="n1", cpu="0", memory="128Mi")
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert r.scheduling_reasons[-1] == (
        "Node n1 had sufficient resources for the pod's requests (memory 128Mi); now requested on the node: "
        "memory 128Mi of 8Gi allocatable (including this pod)"
    )
