"""analyze_scheduling / explain_scheduling on real objects: scheduled, pending (events in both shapes, and
none), gated, finished, the corpus pod, stale messages, pod-level blockers, and the JSON shape."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import msgspec

from builders import container, make_node, make_pod, make_pv, make_pvc, pvc_volume, scheduler_event
from corpus import load_corpus
from k8s_agent.analysis.scheduling.analyze import analyze_scheduling, explain_scheduling
from k8s_agent.kube.models import Pod, convert

NOW = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
MSG = (
    "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint "
    "{node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable, 2 Insufficient memory. preemption: 0/5 "
    "nodes are available: 5 Preemption is not helpful for scheduling."
)


def cluster():
    nodes = [
        make_node("node-1", memory="8Gi"),
        make_node("node-2", memory="4Gi"),
        make_node(
            "node-3", ready="False", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
        ),
        make_node("node-4", taints=[GPU_TAINT], labels={"dedicated": "gpu"}),
        make_node("node-5", unschedulable=True),
    ]
    pods = [
        make_pod("batch-1", "jobs", node="node-1", cpu="1", memory="7Gi"),
        make_pod("api-1", "shop", node="node-2", cpu="500m", memory="2800Mi"),
    ]
    return nodes, pods


def pending_web():
    return make_pod("web-7f9c-x2x", "shop", cpu="500m", memory="2Gi", labels={"app": "web"})


def encode(obj) -> dict:
    return msgspec.json.decode(msgspec.json.encode(obj))


# ------------------------------------------------------------------------------------------ scheduled
def test_scheduled_pod_reasons_come_from_the_node():
    nodes, pods = cluster()
    tol = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
    pod = make_pod(
        "trainer-0",
        "ml",
        node="node-4",
        cpu="2",
        memory="4Gi",
        nodeSelector={"kubernetes.io/os": "linux"},
        tolerations=tol,
        priorityClassName="high",
        priority=1000,
    )
    ev = scheduler_event(
        pod, "Successfully assigned ml/trainer-0 to node-4", reason="Scheduled", type_="Normal", shape="core"
    )
    r = analyze_scheduling(pod, [ev], nodes, pods + [pod], {}, {}, NOW)
    assert r.status == "Scheduled" and r.node_name == "node-4" and r.scheduler_name == "default-scheduler"
    assert r.priority == 1000 and r.priority_class_name == "high" and r.affinity is None
    assert r.node_selector == {"kubernetes.io/os": "linux"} and [t.key for t in r.tolerations] == [
        "dedicated"
    ]
    assert r.scheduling_reasons == [
        "Node node-4 matched node selector kubernetes.io/os=linux",
        "Pod tolerates the taints of node node-4: dedicated=gpu:NoSchedule",
        "Node node-4 had sufficient resources for the pod's requests (cpu 2, memory 4Gi); now requested on the "
        "node: cpu 2 of 4, memory 4Gi of 8Gi allocatable (including this pod)",
    ]
    assert [e.reason for e in r.scheduling_events] == ["Scheduled"]
    assert r.scheduling_events[0].timestamp == "2024-05-01T10:00:00Z"
    assert r.failure_summary == [] and r.unschedulable_nodes == [] and r.failure_categories == []

    doc = encode(r)
    for key in (
        "nodeName",
        "schedulerName",
        "priorityClassName",
        "failureSummary",
        "unschedulableNodes",
        "schedulingEvents",
        "schedulingReasons",
        "nodeSelector",
        "tolerations",
        "warnings",
    ):
        assert key in doc
    assert doc["affinity"] is None and doc["failureSummary"] == []


def test_scheduled_pod_on_a_node_that_changed_since():
    nodes, pods = cluster()
    pod = make_pod("old-1", "shop", node="node-3")
    r = analyze_scheduling(pod, [], nodes, pods + [pod], {}, {}, NOW)
    assert any(s.startswith("Node node-3 is not ready now") for s in r.scheduling_reasons)
    gone = make_pod("old-2", "shop", node="node-9")
    r = analyze_scheduling(gone, [], nodes, pods, {}, {}, NOW)
    assert r.scheduling_reasons == ["Node node-9 no longer exists (or is not visible to the agent)"]


# ------------------------------------------------------------------------------------------ pending
def test_pending_pod_with_modern_and_classic_events():
    nodes, pods = cluster()
    pod = pending_web()
    events = [
        scheduler_event(
            pod,
            MSG.replace("2 Insufficient", "3 Insufficient"),
            shape="core",
            time="2024-05-01T09:40:00Z",
            count=4,
        ),
        scheduler_event(pod, MSG, time="2024-05-01T10:00:00Z", count=7),  # events.k8s.io shape, newest
        scheduler_event(pod, "0/1 nodes are available: 1 Insufficient cpu.", uid="uid-of-an-earlier-pod"),
        scheduler_event(
            pod, "Pulling image", reason="Pulling", type_="Normal", shape="core", component="kubelet"
        ),
    ]
    r = analyze_scheduling(pod, events, nodes, pods + [pod], {}, {}, NOW)
    assert r.status == "Pending" and r.node_name is None
    assert [(e.timestamp, e.count) for e in r.scheduling_events] == [
        ("2024-05-01T10:00:00Z", 7),
        ("2024-05-01T09:40:00Z", 4),
    ]
    assert r.scheduler_message == MSG
    # per-node categories come from the node's own checks only
    by_node = {n.node_name: n for n in r.unschedulable_nodes}
    assert by_node["node-1"].categories == ["InsufficientMemory"]
    assert by_node["node-1"].insufficient_resources == [
        "insufficient memory (requested: 2Gi, free: 1Gi of 8Gi allocatable)"
    ]
    assert by_node["node-3"].categories == ["NodeNotReady"]
    assert by_node["node-4"].categories == ["TaintTolerationMismatch"]
    assert by_node["node-5"].categories == ["Miscellaneous"]
    assert [(s.category, s.count, s.nodes, s.source) for s in r.failure_summary] == [
        ("InsufficientMemory", 2, ["node-1", "node-2"], "both"),
        ("Miscellaneous", 1, ["node-5"], "both"),
        ("NodeNotReady", 1, ["node-3"], "both"),
        ("TaintTolerationMismatch", 1, ["node-4"], "both"),
    ]
    assert r.failure_categories == [
        "InsufficientMemory",
        "Miscellaneous",
        "NodeNotReady",
        "TaintTolerationMismatch",
    ]
    assert r.failure_summary[0].description == "Insufficient memory resources available on nodes"
    assert [(p.reason, p.count, p.categories) for p in r.parsed_scheduler_reasons][-1] == (
        "Insufficient memory",
        2,
        ["InsufficientMemory"],
    )
    assert r.discrepancies == []


def test_pending_without_events_still_evaluates_nodes():
    nodes, pods = cluster()
    pod = make_pod("web-1", "shop", cpu="8", memory="1Gi")
    r = analyze_scheduling(pod, [], nodes, pods + [pod], {}, {}, NOW)
    assert r.scheduler_message is None and r.scheduling_events == [] and r.parsed_scheduler_reasons == []
    cpu = next(s for s in r.failure_summary if s.category == "InsufficientCPU")
    assert cpu.source == "nodes" and cpu.nodes == ["node-1", "node-2", "node-3", "node-4", "node-5"]
    assert len(r.unschedulable_nodes) == 5


def test_scheduler_reasons_survive_an_empty_node_list():
    pod = pending_web()
    ev = scheduler_event(
        pod, "0/3 nodes are available: 3 Insufficient cpu, 2 node(s) had volume node affinity conflict."
    )
    r = analyze_scheduling(pod, [ev], [], [], {}, {}, NOW)
    assert [(s.category, s.count, s.nodes, s.source) for s in r.failure_summary] == [
        ("InsufficientCPU", 3, [], "scheduler"),
        ("VolumeNodeAffinityConflict", 2, [], "scheduler"),
    ]
    assert r.failure_summary[1].description == "Persistent volume zone affinity doesn't match node zone"
    assert r.unschedulable_nodes == []
    assert "the scheduler saw 3 nodes (5m ago); the cluster has 0 nodes now" in r.discrepancies
    # and when the node list could not be read at all
    r = analyze_scheduling(pod, [ev], None, None, {}, {}, NOW, warnings=["nodes could not be read: boom"])
    assert r.failure_categories == ["InsufficientCPU", "VolumeNodeAffinityConflict"]
    assert r.warnings == ["nodes could not be read: boom"]
    assert "the node list could not be read: no per-node evaluation" in r.notes


def test_stale_event_is_a_discrepancy():
    nodes = [make_node(f"node-{i}", memory="4Gi") for i in (1, 2, 3)]
    pod = make_pod("web-1", cpu="100m", memory="2Gi")
    running = [make_pod("hog-1", node="node-1", memory="3Gi")]  # only node-1 is short now
    ev = scheduler_event(pod, "0/3 nodes are available: 3 Insufficient memory.", time="2024-05-01T09:00:00Z")
    r = analyze_scheduling(pod, [ev], nodes, running + [pod], {}, {}, NOW)
    assert r.discrepancies == [
        "2 nodes can run the pod now (node-2, node-3): the scheduler's message (1h5m ago) is stale or the "
        "cluster changed since; the pod should be placed at the next attempt unless something not evaluated "
        "here blocks it (topology spread constraints, volume limits, dynamic resources, a nominated pod of "
        "higher priority)",
        'the scheduler reported 3 × "Insufficient memory" (1h5m ago), but now 1 of 3 nodes lack memory (node-1): '
        "stale event or the cluster changed since",
    ]
    mem = r.failure_summary[0]
    # the message's 3 is not what the scheduler's rules give now (1): the count is not claimed by both
    assert (mem.category, mem.count, mem.nodes, mem.source) == ("InsufficientMemory", 1, ["node-1"], "nodes")
    assert (mem.any_failure_count, mem.first_failure_count, mem.scheduler_message_count) == (1, 1, 3)


def test_condition_newer_than_event_is_used_and_reported():
    pod = convert(
        {
            "metadata": {"name": "web-1", "namespace": "default", "uid": "u1"},
            "spec": {"containers": [container(cpu="1")]},
            "status": {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "lastTransitionTime": "2024-05-01T10:03:00Z",
                        "message": "0/1 nodes are available: 1 Insufficient cpu.",
                    }
                ],
            },
        },
        Pod,
    )
    ev = scheduler_event(
        pod, "0/1 nodes are available: 1 node(s) had untolerated taint {a: b}.", time="2024-05-01T09:00:00Z"
    )
    r = analyze_scheduling(pod, [ev], None, None, {}, {}, NOW)
    assert r.scheduler_message == "0/1 nodes are available: 1 Insufficient cpu."
    assert r.discrepancies[0].startswith(
        "the newest FailedScheduling event (2024-05-01T09:00:00Z) is older than"
    )
    assert [c.type for c in r.conditions] == ["PodScheduled"]


def test_gated_pod():
    nodes, pods = cluster()
    pod = make_pod("job-1", schedulingGates=[{"name": "example.com/quota"}, {"name": "example.com/ready"}])
    r = analyze_scheduling(pod, [], nodes, pods, {}, {}, NOW)
    assert r.status == "SchedulingGated"
    assert r.scheduling_gates == ["example.com/quota", "example.com/ready"]
    assert r.notes[0].startswith(
        "the scheduler does not try to place the pod until its scheduling gates are removed"
    )
    x = explain_scheduling(pod, [], nodes, pods, {}, {}, NOW)
    assert x.status == "SchedulingGated"
    assert x.suggestions[0].startswith("remove the scheduling gates (example.com/quota, example.com/ready)")
    assert "Once ungated, 2 of 5 nodes could run it now" in x.explanation


def test_finished_pod_without_a_node():
    pod = make_pod("job-1", phase="Failed")
    r = analyze_scheduling(pod, [], [make_node("n1")], [], {}, {}, NOW)
    assert r.status == "Failed" and r.unschedulable_nodes == []


def test_corpus_pending_pod_partial_object():
    raw = load_corpus("pods/pending-unschedulable-insufficient-cpu-2019-partial.json")
    pod = convert({k: v for k, v in raw.items() if not k.startswith("_")}, Pod)
    r = analyze_scheduling(pod, [], [], [], {}, {}, NOW)
    assert r.status == "Pending"
    assert r.scheduler_message == "0/1 nodes are available: 1 Insufficient cpu."
    assert r.failure_categories == ["InsufficientCPU"]
    assert [(s.count, s.source) for s in r.failure_summary] == [(1, "scheduler")]
    assert [(p.reason, p.count) for p in r.parsed_scheduler_reasons] == [("Insufficient cpu", 1)]
    x = explain_scheduling(pod, [], [], [], {}, {}, NOW)
    assert x.failure_categories == ["InsufficientCPU"]
    assert "the cluster has no nodes" in " ".join(x.suggestions)


def test_missing_pvc_is_one_pod_level_entry():
    nodes, pods = cluster()
    pod = make_pod("db-0", "shop", volumes=[pvc_volume("data-db-0")])
    ev = scheduler_event(
        pod,
        '0/5 nodes are available: persistentvolumeclaim "data-db-0" not found. '
        "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
    )
    r = analyze_scheduling(pod, [ev], nodes, pods, {}, {}, NOW)
    va = next(s for s in r.failure_summary if s.category == "VolumeAttachmentError")
    assert (va.count, va.nodes, va.source) == (5, [], "pod")
    assert (
        r.notes[0]
        == 'persistentvolumeclaim "data-db-0" not found: no node can run the pod until this is fixed'
    )
    assert all("persistentvolumeclaim" not in " ".join(n.reasons) for n in r.unschedulable_nodes)
    assert r.failure_summary[0].category == "VolumeAttachmentError"


def test_deterministic_output_whatever_the_input_order():
    nodes, pods = cluster()
    pod = pending_web()
    events = [
        scheduler_event(pod, MSG),
        scheduler_event(pod, MSG.replace("2 Insuff", "1 Insuff"), shape="core"),
    ]
    first = msgspec.json.encode(analyze_scheduling(pod, events, nodes, pods + [pod], {}, {}, NOW))
    rng = random.Random(3)
    for _ in range(5):
        n, p, e = nodes[:], pods + [pod], events[:]
        rng.shuffle(n), rng.shuffle(p), rng.shuffle(e)
        assert msgspec.json.encode(analyze_scheduling(pod, e, n, p, {}, {}, NOW)) == first


def test_custom_scheduler_events_are_kept():
    pod = make_pod("vc-1", schedulerName="volcano")
    ev = scheduler_event(
        pod,
        "0/2 nodes are unavailable: 2 plugin NodeUnschedulable predicates failed node(s) were unschedulable.",
        reason="Unschedulable",
        shape="core",
        component="volcano",
    )
    r = analyze_scheduling(pod, [ev], [], [], {}, {}, NOW)
    assert r.scheduler_name == "volcano" and [e.reason for e in r.scheduling_events] == ["Unschedulable"]


# ------------------------------------------------------------------------------------------ explain
def test_explain_pending_gives_concrete_suggestions():
    nodes, pods = cluster()
    nodes.append(make_node("node-6", labels={"disktype": "hdd"}, zone="eu-1b"))
    pod = make_pod("web-1", "shop", cpu="500m", memory="6Gi", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", "shop", volume_name="pv-data")}
    pvs = {"pv-data": make_pv("pv-data", zone="eu-1a")}
    ev = scheduler_event(pod, MSG)
    x = explain_scheduling(pod, [ev], nodes, pods + [pod], pvcs, pvs, NOW)
    assert x.status == "Pending" and x.pod_name == "web-1" and x.namespace == "shop" and x.node_name is None
    assert x.explanation.startswith("Pod shop/web-1 is Pending: none of the 6 nodes can run it now (")
    assert "The scheduler's last message (5m ago)" in x.explanation
    s = x.suggestions
    assert (
        "node node-3 is not ready (KubeletNotReady: container runtime network not ready: NetworkReady=false); "
        "check its kubelet: `kubectl describe node node-3`" in s
    )
    assert "node-5 is cordoned; `kubectl uncordon node-5` once its maintenance is over" in s
    assert (
        "node-4 has taint dedicated=gpu:NoSchedule; add a toleration `{key: dedicated, operator: Equal, value: "
        "gpu, effect: NoSchedule}` to the pod or remove the taint (`kubectl taint nodes node-4 "
        "dedicated=gpu:NoSchedule-`)" in s
    )
    mem = next(t for t in s if "lack memory" in t)
    assert mem.startswith("2 nodes lack memory (the pod requests 6Gi); node-")  # node-4/5/6 have 8Gi free
    pv = next(t for t in s if t.startswith("PV pv-data"))
    assert "topology.kubernetes.io/zone In [eu-1a]" in pv and "no node is there" in pv
    summ = x.summary
    assert (summ.total_nodes, summ.schedulable_nodes) == (6, 0)
    assert (summ.filtered_by_node_not_ready, summ.filtered_by_unschedulable, summ.filtered_by_taints) == (
        1,
        1,
        1,
    )
    assert summ.filtered_by_resources == 2 and summ.filtered_by_volume == 6
    assert [n.node_name for n in x.node_analysis] == [f"node-{i}" for i in range(1, 7)]


def test_explain_resource_suggestion_when_no_node_has_enough_free():
    nodes = [make_node("node-1", memory="4Gi"), make_node("node-2", memory="4Gi")]
    running = [make_pod("a", node="node-1", memory="3Gi"), make_pod("b", node="node-2", memory="2764Mi")]
    pod = make_pod("web-1", memory="2Gi")
    x = explain_scheduling(pod, [], nodes, running + [pod], {}, {}, NOW)
    assert x.suggestions == [
        "2 nodes lack memory: the pod requests 2Gi and the most free on any node is 1.3Gi on node-2; lower the "
        "request or add a node with >= 2Gi free"
    ]


def test_explain_selector_mismatch_names_the_label():
    nodes = [make_node("node-1", labels={"disktype": "hdd"}), make_node("node-2")]
    pod = make_pod("db-1", nodeSelector={"disktype": "ssd"})
    x = explain_scheduling(pod, [], nodes, [pod], {}, {}, NOW)
    assert x.suggestions == [
        "nodeSelector disktype=ssd: no node has this label (nodes have disktype: hdd (1)); label a node "
        "(`kubectl label node <node> disktype=ssd`) or change the selector"
    ]
    assert x.summary.filtered_by_node_selector == 2


def test_explain_scheduled_pod():
    nodes, pods = cluster()
    pod = make_pod("api-1", "shop", node="node-2", cpu="500m", memory="2800Mi")
    x = explain_scheduling(pod, [], nodes, pods, {}, {}, NOW)
    assert x.status == "Scheduled" and x.node_name == "node-2"
    assert x.explanation.startswith(
        "Pod shop/api-1 is already scheduled on node node-2 (scheduler default-scheduler)."
    )
    node2 = next(n for n in x.node_analysis if n.node_name == "node-2")
    assert node2.schedulable  # its own requests are not counted against its node
    assert x.suggestions == [] and x.failure_categories == []
    doc = encode(x)
    assert set(doc["summary"]) >= {
        "totalNodes",
        "schedulableNodes",
        "filteredByNodeNotReady",
        "filteredByTaints",
        "filteredByNodeSelector",
        "filteredByNodeAffinity",
        "filteredByResources",
        "filteredByPodAffinity",
        "filteredByVolume",
        "filteredByHostPorts",
        "filteredByUnschedulable",
    }
    assert set(doc["nodeAnalysis"][0]) == {
        "nodeName",
        "schedulable",
        "reasons",
        "insufficientResources",
        "categories",
    }


def test_explain_fitting_nodes_but_pending():
    nodes = [make_node("node-1")]
    pod = make_pod("web-1", schedulerName="my-scheduler")
    x = explain_scheduling(pod, [], nodes, [pod], {}, {}, NOW)
    assert x.suggestions == [
        "1 node can run the pod now (node-1); if it stays Pending, check that scheduler my-scheduler is running "
        "and look at its logs"
    ]
    assert x.discrepancies and "check that scheduler my-scheduler is running" in x.discrepancies[0]


def test_scheduled_pod_affinity_reasons_see_the_whole_topology_domain():
    nodes = [make_node("a1", zone="a"), make_node("a2", zone="a"), make_node("b1", zone="b")]
    cache = make_pod("cache-1", node="a2", labels={"app": "cache"})
    aff = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "cache"}},
                    "topologyKey": "topology.kubernetes.io/zone",
                }
            ]
        },
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}
            ]
        },
    }
    web = make_pod("web-1", node="a1", labels={"app": "web"}, affinity=aff)
    r = analyze_scheduling(web, [], nodes, [cache, web], {}, {}, NOW)
    assert (
        "Node a1: pod default/cache-1 in topology.kubernetes.io/zone=a matches affinity term (pods with app=cache "
        "in namespace default, per topology.kubernetes.io/zone)" in r.scheduling_reasons
    )
    assert any(
        s.startswith("Node a1: no other pod in its domain matches the anti-affinity term")
        for s in r.scheduling_reasons
    )


def test_nominated_node_is_noted():
    pod = convert(
        {
            "metadata": {"name": "urgent-1", "namespace": "default", "uid": "u-urgent"},
            "spec": {"containers": [container(cpu="1")], "priority": 100000},
            "status": {"phase": "Pending", "nominatedNodeName": "n1"},
        },
        Pod,
    )
    r = analyze_scheduling(pod, [], [make_node("n1")], [], {}, {}, NOW)
    assert r.nominated_node_name == "n1" and r.priority == 100000
    assert any(n.startswith("the scheduler nominated node n1") for n in r.notes)


def test_hidden_taint_keys_compare_with_all_taints():
    nodes = [
        make_node(
            "n1", ready="False", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
        ),
        make_node("n2", taints=[GPU_TAINT]),
    ]
    pod = make_pod("web-1")
    ev = scheduler_event(
        pod,
        "0/2 nodes are available: 2 node(s) had untolerated taint(s). preemption: 0/2 nodes "
        "are available: 2 Preemption is not helpful for scheduling.",
    )
    r = analyze_scheduling(pod, [ev], nodes, [pod], {}, {}, NOW)
    assert r.discrepancies == []
    assert [s.category for s in r.failure_summary] == ["NodeNotReady", "TaintTolerationMismatch"]
    # the scheduler message alone says TaintTolerationMismatch for 2 nodes; the live view splits it
    assert [(s.count, s.source) for s in r.failure_summary] == [(1, "nodes"), (1, "both")]


def test_gated_condition_message_is_shown_not_parsed():
    pod = convert(
        {
            "metadata": {"name": "job-1", "namespace": "batch", "uid": "u-job"},
            "spec": {"containers": [container(cpu="1")], "schedulingGates": [{"name": "demo.io/approval"}]},
            "status": {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "SchedulingGated",
                        "message": "Scheduling is blocked due to non-empty scheduling gates",
                    }
                ],
            },
        },
        Pod,
    )
    r = analyze_scheduling(pod, [], [make_node("n1")], [], {}, {}, NOW)
    assert r.scheduler_message == "Scheduling is blocked due to non-empty scheduling gates"
    assert r.parsed_scheduler_reasons == [] and r.failure_summary == []


def test_explain_when_no_node_has_any_free():
    nodes = [make_node("gpu-1", extra_allocatable={"nvidia.com/gpu": "1"}), make_node("cpu-1")]
    running = [make_pod("train-1", node="gpu-1", containers=[container(extra={"nvidia.com/gpu": "1"})])]
    pod = make_pod("train-2", containers=[container(cpu="1", extra={"nvidia.com/gpu": "1"})])
    x = explain_scheduling(pod, [], nodes, running + [pod], {}, {}, NOW)
    assert x.suggestions == [
        "2 nodes lack nvidia.com/gpu: the pod requests 1 and no node has any nvidia.com/gpu free (requests of the "
        "running pods take it all); lower the request, scale other workloads down, or add a node with >= 1 free"
    ]
    pod = make_pod("train-3", containers=[container(cpu="1", extra={"nvidia.com/gpu": "4"})])
    x = explain_scheduling(pod, [], nodes, running + [pod], {}, {}, NOW)
    assert x.suggestions == [
        "2 nodes lack nvidia.com/gpu: the pod requests 4 but no node has that much allocatable (largest: 1 on "
        "gpu-1); lower the request or add a bigger node"
    ]
