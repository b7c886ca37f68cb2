"""``simulate.scheduler_view``: what kube-scheduler 1.36 writes, by its rules (FitError in
``pkg/scheduler/framework/types.go``): first failing plugin per node, one count per reason per node, reasons
sorted as strings, a PreFilter rejection alone and uncounted."""

from __future__ import annotations

from builders import container, make_node, make_pod, make_pv, make_pvc, pvc_volume
from k8s_agent.analysis.scheduling.message import parse_scheduling_message
from k8s_agent.analysis.scheduling.simulate import scheduler_view

TAINT = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}


def test_a_cluster_without_nodes():
    view = scheduler_view(make_pod("web-1"), [], [])
    assert view.message == "no nodes available to schedule pods" and not view.fits


def test_fits_when_some_node_passes():
    nodes = [make_node("n1", unschedulable=True), make_node("n2")]
    view = scheduler_view(make_pod("web-1"), nodes, [])
    assert view.fits and view.message == "fits" and view.feasible_nodes == ["n2"]
    assert [(n.node_name, n.plugin, n.reasons) for n in view.nodes] == [
        ("n1", "NodeUnschedulable", ("node(s) were unschedulable",)),
        ("n2", "", ()),
    ]


def test_reasons_sort_as_strings_and_count_once_per_node():
    nodes = [make_node(f"n{i:02}", cpu="1", memory="1Gi") for i in range(10)] + [
        make_node("c1", unschedulable=True),
        make_node(
            "c2", unschedulable=True, taints=[TAINT]
        ),  # NodeUnschedulable runs first: taint not counted
    ]
    pod = make_pod("web-1", cpu="2", memory="2Gi")
    view = scheduler_view(pod, nodes, [pod])
    # "10 ..." sorts before "2 ..." as a string, as Go's sort.Strings does
    assert view.message == (
        "0/12 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, 2 node(s) were unschedulable."
    )
    assert view.reason_counts == {
        "Insufficient cpu": 10,
        "Insufficient memory": 10,
        "node(s) were unschedulable": 2,
    }
    assert parse_scheduling_message(view.message).per_node_counts() == view.reason_counts


def test_plugin_order_decides_the_reported_reason():
    # taints, then node affinity, then ports, then resources: each node is counted once, at its first failure
    nodes = [
        make_node("tainted", taints=[TAINT], labels={"disk": "hdd"}, cpu="1"),
        make_node("wrong-disk", labels={"disk": "hdd"}, cpu="1"),
        make_node("small", labels={"disk": "ssd"}, cpu="1"),
    ]
    pod = make_pod("db-1", cpu="2", nodeSelector={"disk": "ssd"})
    view = scheduler_view(pod, nodes, [pod])
    assert view.message == (
        "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had untolerated taint(s)."
    )


def test_a_not_ready_node_without_its_taint_passes_the_scheduler():
    # the scheduler sees readiness only through the lifecycle taints; the agent still flags the node
    nodes = [make_node("n1", ready="False")]
    view = scheduler_view(make_pod("web-1"), nodes, [])
    assert view.fits
    tainted = [
        make_node(
            "n1", ready="False", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
        )
    ]
    assert scheduler_view(make_pod("web-1"), tainted, []).message == (
        "0/1 nodes are available: 1 node(s) had untolerated taint(s)."
    )


def test_prefilter_rejection_is_the_whole_message():
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    view = scheduler_view(pod, [make_node("n1"), make_node("n2")], [pod])
    assert view.message == '0/2 nodes are available: persistentvolumeclaim "data" not found.'
    assert view.prefilter == 'persistentvolumeclaim "data" not found' and view.reason_counts == {}
    parsed = parse_scheduling_message(view.message)
    assert parsed.prefilter == view.prefilter and parsed.per_node_counts() is None


def test_node_affinity_prefilter_result_writes_the_other_nodes_off():
    nodes = [make_node("n1"), make_node("n2", taints=[TAINT]), make_node("n3")]
    fields = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}
    aff = {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [fields]}}
    }
    view = scheduler_view(make_pod("ds-x", affinity=aff), nodes, [])
    assert view.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), "
        "2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


def test_inter_pod_affinity_reports_one_reason_per_node_in_the_schedulers_order():
    nodes = [make_node("n1", zone="a"), make_node("n2", zone="b")]
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}
            ]
        }
    }
    # n1: a web pod that also forbids web pods next to it (own anti-affinity and the existing pod's)
    running = [make_pod("web-0", node="n1", labels={"app": "web"}, affinity=anti)]
    # n2: only an existing pod's anti-affinity against app=web
    guard = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "web"}},
                    "topologyKey": "topology.kubernetes.io/zone",
                }
            ]
        }
    }
    running.append(make_pod("guard-0", node="n2", labels={"app": "guard"}, affinity=guard))
    pod = make_pod("web-1", labels={"app": "web"}, affinity=anti)
    view = scheduler_view(pod, nodes, [*running, pod])
    assert view.message == (
        "0/2 nodes are available: 1 node(s) didn't match pod anti-affinity rules, "
        "1 node(s) didn't satisfy existing pods anti-affinity rules."
    )


def test_pod_level_volume_problems_counted_on_every_node():
    other = make_pod("db-old", node="n1", volumes=[pvc_volume("data")])
    pod = make_pod("db-new", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", volume_name="pv-1", access_modes=["ReadWriteOncePod"])}
    view = scheduler_view(
        pod, [make_node("n1"), make_node("n2")], [other, pod], pvcs, {"pv-1": make_pv("pv-1")}
    )
    assert view.message == (
        "0/2 nodes are available: 2 node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod "
        "access mode already in-use by another pod."
    )
    gone = {"data": make_pvc("data", volume_name="pv-gone")}
    view = scheduler_view(pod, [make_node("n1")], [pod], gone, {})
    # kube-scheduler 1.36.3 (differential run, seed 1046): VolumeZone's PreFilter reads the PV first
    assert view.message == '0/1 nodes are available: persistentvolume "pv-gone" not found.'


def test_volume_node_affinity_and_zone():
    nodes = [make_node("a1", zone="eu-1a"), make_node("b1", zone="eu-1b")]
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", volume_name="pv-1")}
    view = scheduler_view(pod, nodes[1:], [pod], pvcs, {"pv-1": make_pv("pv-1", zone="eu-1a")})
    # the 1.36 wording (binder.go ErrReasonNodeConflict; differential run, seed 1000)
    assert view.message == "0/1 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity."
    zoned = {"pv-1": make_pv("pv-1", labels={"topology.kubernetes.io/zone": "eu-1a"})}
    view = scheduler_view(pod, nodes[1:], [pod], pvcs, zoned)
    assert view.message == "0/1 nodes are available: 1 node(s) had no available volume zone."


def test_missing_pods_allocatable_reads_as_zero_for_the_scheduler():
    node = make_node("n1")
    bare = type(node.status)(allocatable={"cpu": "4", "memory": "8Gi"}, conditions=node.status.conditions)
    node = type(node)(metadata=node.metadata, spec=node.spec, status=bare)
    view = scheduler_view(make_pod("web-1", containers=[container()]), [node], [])
    assert view.message == "0/1 nodes are available: 1 Too many pods."
