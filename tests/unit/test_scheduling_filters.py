"""Per-node evaluation against constructed clusters: one test (or a few) per scheduler filter."""

from __future__ import annotations

import pytest

from builders import DEFAULT_TOLERATIONS, container, make_node, make_pod, make_pv, make_pvc, pvc_volume
from k8s_agent.analysis.quantity import units_human as show
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.filters import (
    inter_pod_affinity,
    node_affinity,
    node_resources_fit,
    taint_toleration,
)
from k8s_agent.analysis.scheduling.filters.node_ports import HOST_PORTS
from k8s_agent.analysis.scheduling.filters.node_unschedulable import UNSCHEDULABLE
from k8s_agent.analysis.scheduling.filters.volume_binding import VOLUME
from k8s_agent.analysis.scheduling.index import effective_request

F_NOT_READY = taint_toleration.NOT_READY.name
F_TAINTS = taint_toleration.TAINTS.name
F_UNSCHEDULABLE = UNSCHEDULABLE.name
F_NODE_SELECTOR = node_affinity.NODE_SELECTOR.name
F_NODE_AFFINITY = node_affinity.REQUIRED_AFFINITY.name
F_HOST_PORTS = HOST_PORTS.name
F_RESOURCES = node_resources_fit.RESOURCES.name
F_VOLUME = VOLUME.name
F_POD_AFFINITY = inter_pod_affinity.POD_AFFINITY_CHECK.name


def verdicts(pod, nodes, pods=(), pvcs=None, pvs=None, **kw):
    report = evaluate_nodes(pod, nodes, list(pods) + [pod], pvcs or {}, pvs or {}, **kw)
    return {v.node_name: v for v in report.verdicts}, report


def taints(v):
    return taint_toleration.detail(v.outcome("TaintToleration"))


def insufficient(v) -> list[str]:
    d = node_resources_fit.detail(v.outcome("NodeResourcesFit"))
    return [sf.text() for sf in d.shortfalls] if d else []


def fits(pod, nodes, pods=(), **kw) -> list[str]:
    vs, _ = verdicts(pod, nodes, pods, **kw)
    return sorted(n for n, v in vs.items() if v.fits)


# ------------------------------------------------------------------------------------- readiness, cordon
def test_not_ready_node_is_filtered_with_node_not_ready():
    vs, _ = verdicts(make_pod("web-1"), [make_node("n1", ready="False"), make_node("n2")])
    v = vs["n1"]
    assert not v.fits and v.checks == [F_NOT_READY] and v.categories == ["NodeNotReady"]
    assert "Ready=NotReady" in v.reasons[0] and "KubeletNotReady" in v.reasons[0]
    assert vs["n2"].fits


def test_unreachable_node_and_its_taint_are_reported_once():
    taints = [
        {
            "key": "node.kubernetes.io/unreachable",
            "effect": "NoSchedule",
            "timeAdded": "2024-05-01T09:00:00Z",
        },
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2024-05-01T09:00:05Z"},
    ]
    vs, _ = verdicts(make_pod("web-1"), [make_node("n1", ready="Unknown", taints=taints)])
    v = vs["n1"]
    assert not v.fits and v.categories == ["NodeNotReady"] and len(v.reasons) == 1
    assert "Unknown (unreachable)" in v.reasons[0]


def test_missing_ready_condition_counts_as_unknown():
    vs, _ = verdicts(make_pod("web-1"), [make_node("n1", ready=None)])
    assert vs["n1"].categories == ["NodeNotReady"] and "no Ready condition" in vs["n1"].reasons[0]


def test_tolerating_not_ready_lets_the_pod_through():
    tol = [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}]
    assert fits(make_pod("ds-1", tolerations=tol), [make_node("n1", ready="False")]) == ["n1"]
    # an unreachable node needs the unreachable toleration, not the not-ready one
    assert fits(make_pod("ds-1", tolerations=tol), [make_node("n1", ready="Unknown")]) == []


def test_not_ready_taint_on_a_ready_node_is_node_not_ready():
    taints = [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    vs, _ = verdicts(make_pod("web-1"), [make_node("n1", taints=taints)])
    assert vs["n1"].categories == ["NodeNotReady"]


def test_cordoned_node_unless_tolerated():
    nodes = [make_node("n1", unschedulable=True), make_node("n2")]
    vs, _ = verdicts(make_pod("web-1"), nodes)
    assert vs["n1"].failed(UNSCHEDULABLE) and vs["n1"].checks == [F_UNSCHEDULABLE]
    assert vs["n1"].reasons == ["node is cordoned (spec.unschedulable)"]
    assert vs["n1"].categories == ["Miscellaneous"]
    tol = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]
    assert fits(make_pod("ds-1", tolerations=tol), nodes) == ["n1", "n2"]


def test_cordon_taint_is_not_reported_twice():
    taints = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    vs, _ = verdicts(make_pod("web-1"), [make_node("n1", unschedulable=True, taints=taints)])
    assert vs["n1"].reasons == ["node is cordoned (spec.unschedulable)"]


# ------------------------------------------------------------------------------------- taints
GPU = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("tolerations", "ok"),
    [
        ([], False),
        ([{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}], True),
        ([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], True),  # operator defaults to Equal
        ([{"key": "dedicated", "operator": "Equal", "value": "cpu", "effect": "NoSchedule"}], False),
        ([{"key": "dedicated", "operator": "Exists"}], True),  # empty effect matches every effect
        ([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}], False),
        ([{"operator": "Exists"}], True),  # empty key + Exists tolerates everything
        ([{"key": "other", "operator": "Exists"}], False),
    ],
)
def test_taint_tolerations(tolerations, ok):
    vs, _ = verdicts(make_pod("web-1", tolerations=tolerations), [make_node("n1", taints=[GPU])])
    v = vs["n1"]
    assert v.fits is ok
    if not ok:
        assert v.checks == [F_TAINTS] and v.categories == ["TaintTolerationMismatch"]
        assert v.reasons == ["untolerated taint dedicated=gpu:NoSchedule"]
    else:
        assert [t.key for t in taints(v).tolerated] == ["dedicated"]


def test_prefer_no_schedule_never_blocks_and_no_execute_does():
    soft = {"key": "spot", "value": "true", "effect": "PreferNoSchedule"}
    hard = {"key": "maintenance", "effect": "NoExecute"}
    vs, _ = verdicts(make_pod("web-1"), [make_node("n1", taints=[soft]), make_node("n2", taints=[hard])])
    assert vs["n1"].fits
    assert not vs["n2"].fits and vs["n2"].reasons == ["untolerated taint maintenance:NoExecute"]


# ------------------------------------------------------------------------------------- node selector / affinity
def test_node_selector_names_the_label_and_the_value_found():
    nodes = [
        make_node("n1", labels={"disktype": "hdd"}),
        make_node("n2"),
        make_node("n3", labels={"disktype": "ssd"}),
    ]
    vs, _ = verdicts(make_pod("db-1", nodeSelector={"disktype": "ssd"}), nodes)
    assert vs["n1"].reasons == ["node selector disktype=ssd not matched (node has disktype=hdd)"]
    assert vs["n2"].reasons == ["node selector disktype=ssd not matched (label missing)"]
    assert vs["n1"].checks == [F_NODE_SELECTOR] and vs["n1"].categories == ["NodeAffinityNotMatch"]
    assert vs["n3"].fits and node_affinity.detail(vs["n3"].outcome("NodeAffinity")).matched_selector == (
        ("disktype", "ssd"),
    )


def _required(*terms):
    return {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
    }


def _expr(key, op, *values):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (_expr("zone", "In", "a", "b"), ["n-a", "n-b"]),
        (_expr("zone", "NotIn", "a"), ["n-b", "n-none"]),  # absent label satisfies NotIn
        (_expr("zone", "Exists"), ["n-a", "n-b"]),
        (_expr("zone", "DoesNotExist"), ["n-none"]),
        (_expr("cores", "Gt", "8"), ["n-b"]),  # 16 > 8; "4" is not; a node without the label never
        (_expr("cores", "Lt", "8"), ["n-a"]),
        (_expr("cores", "Gt", "not-a-number"), []),
        (_expr("zone", "Bogus", "a"), []),
    ],
)
def test_node_affinity_operators(expr, expected):
    nodes = [
        make_node("n-a", labels={"zone": "a", "cores": "4"}),
        make_node("n-b", labels={"zone": "b", "cores": "16"}),
        make_node("n-none", labels={"cores": "many"}),
    ]
    assert fits(make_pod("x-1", affinity=_required({"matchExpressions": [expr]})), nodes) == expected


def test_node_affinity_terms_are_ored_expressions_anded_and_empty_term_matches_nothing():
    nodes = [make_node("n1", labels={"zone": "a", "gpu": "yes"}), make_node("n2", labels={"zone": "b"})]
    anded = _required({"matchExpressions": [_expr("zone", "In", "a", "b"), _expr("gpu", "Exists")]})
    assert fits(make_pod("x-1", affinity=anded), nodes) == ["n1"]
    ored = _required(
        {"matchExpressions": [_expr("gpu", "Exists")]}, {"matchExpressions": [_expr("zone", "In", "b")]}
    )
    assert fits(make_pod("x-1", affinity=ored), nodes) == ["n1", "n2"]
    assert fits(make_pod("x-1", affinity=_required({})), nodes) == []


def test_match_fields_metadata_name_and_failure_text():
    nodes = [make_node("n1"), make_node("n2")]
    aff = _required({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]})
    vs, _ = verdicts(make_pod("ds-abc", affinity=aff), nodes)
    assert [n for n, v in vs.items() if v.fits] == ["n2"]
    assert vs["n1"].checks == [F_NODE_AFFINITY]
    assert vs["n1"].reasons == [
        "required node affinity not matched: field metadata.name In [n2] (node is n1)"
    ]
    notin = _required({"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n2"]}]})
    assert fits(make_pod("x-1", affinity=notin), nodes) == ["n1"]
    other_field = _required(
        {"matchFields": [{"key": "metadata.uid", "operator": "In", "values": ["uid-node-n1"]}]}
    )
    assert fits(make_pod("x-1", affinity=other_field), nodes) == []


# ------------------------------------------------------------------------------------- resources
def test_free_resources_account_for_pods_already_on_the_node():
    nodes = [make_node("n1", cpu="4", memory="8Gi"), make_node("n2", cpu="4", memory="8Gi")]
    running = [
        make_pod("big-1", node="n1", cpu="3", memory="7Gi"),
        make_pod(
            "done-1", node="n2", cpu="4", memory="8Gi", phase="Succeeded"
        ),  # terminated: frees its requests
        make_pod("failed-1", node="n2", cpu="4", memory="8Gi", phase="Failed"),
    ]
    vs, _ = verdicts(make_pod("web-1", cpu="2", memory="2Gi"), nodes, running)
    v = vs["n1"]
    assert not v.fits and v.checks == [F_RESOURCES]
    assert v.categories == ["InsufficientCPU", "InsufficientMemory"]
    assert v.reasons == ["insufficient cpu", "insufficient memory"]
    assert insufficient(v) == [
        "insufficient cpu (requested: 2, free: 1 of 4 allocatable)",
        "insufficient memory (requested: 2Gi, free: 1Gi of 8Gi allocatable)",
    ]
    assert vs["n2"].fits


def test_a_node_whose_pods_fill_it_and_the_pod_itself_is_not_counted():
    node = make_node("n1", cpu="2", memory="4Gi")
    me = make_pod("web-1", node="n1", cpu="1", memory="2Gi")
    other = make_pod("web-2", node="n1", cpu="1", memory="2Gi")
    vs, _ = verdicts(me, [node], [other])  # `me` is in the pod list too, but excluded from the node's load
    assert vs["n1"].fits and node_resources_fit.detail(vs["n1"].outcome("NodeResourcesFit")).used_alloc(
        "cpu"
    ) == (1000, 2000)
    third = make_pod("web-3", cpu="100m", memory="1Mi")
    vs, _ = verdicts(third, [node], [me, other])
    assert insufficient(vs["n1"]) == [
        "insufficient cpu (requested: 100m, free: 0 of 2 allocatable)",
        "insufficient memory (requested: 1Mi, free: 0 of 4Gi allocatable)",
    ]


def test_init_container_dominated_request():
    # app containers 200m/256Mi, an init container 2 cpu / 64Mi: the scheduler reserves 2 cpu and 256Mi
    pod = make_pod(
        "migrate-1",
        containers=[
            container("app", cpu="100m", memory="128Mi"),
            container("side", cpu="100m", memory="128Mi"),
        ],
        init_containers=[container("init-db", cpu="2", memory="64Mi")],
    )
    assert effective_request(pod) == {"cpu": 2000, "memory": 256 * 2**20}
    vs, _ = verdicts(pod, [make_node("n1", cpu="1500m"), make_node("n2", cpu="2")])
    assert insufficient(vs["n1"]) == ["insufficient cpu (requested: 2, free: 1500m of 1500m allocatable)"]
    assert vs["n2"].fits


def test_sidecar_and_overhead_are_added():
    pod = make_pod(
        "svc-1",
        containers=[container("app", cpu="500m", memory="256Mi")],
        init_containers=[container("proxy", cpu="100m", memory="64Mi", restart_policy="Always")],
        overhead={"cpu": "250m", "memory": "120Mi"},
    )
    assert effective_request(pod) == {"cpu": 850, "memory": 440 * 2**20}


def test_pod_count_limit():
    node = make_node("n1", pods="3")
    running = [make_pod(f"p-{i}", node="n1") for i in range(3)] + [
        make_pod("gone", node="n1", phase="Succeeded")
    ]
    vs, _ = verdicts(make_pod("web-1"), [node], running)
    v = vs["n1"]
    assert v.reasons == ["too many pods"] and v.categories == ["Miscellaneous"]
    assert insufficient(v) == ["too many pods (3 of 3 allowed pods already on the node)"]


def test_extended_resource_gpu():
    nodes = [
        make_node("cpu-1"),
        make_node("gpu-1", extra_allocatable={"nvidia.com/gpu": "2"}),
        make_node("gpu-2", extra_allocatable={"nvidia.com/gpu": "1"}),
    ]
    running = [make_pod("train-1", node="gpu-1", containers=[container(extra={"nvidia.com/gpu": "1"})])]
    pod = make_pod(
        "train-2",
        containers=[container(cpu="1", extra={"nvidia.com/gpu": "2"}, limits={"nvidia.com/gpu": "2"})],
    )
    vs, _ = verdicts(pod, nodes, running)
    assert insufficient(vs["cpu-1"]) == [
        "insufficient nvidia.com/gpu (requested: 2, free: 0 of 0 allocatable)"
    ]
    assert insufficient(vs["gpu-1"]) == [
        "insufficient nvidia.com/gpu (requested: 2, free: 1 of 2 allocatable)"
    ]
    assert vs["gpu-2"].reasons == ["insufficient nvidia.com/gpu"]
    assert all(v.categories == ["Miscellaneous"] for v in vs.values())


def test_best_effort_pod_only_checks_pod_count():
    node = make_node("n1", cpu="1", memory="1Gi")
    running = [make_pod("hog", node="n1", cpu="1", memory="1Gi")]
    assert fits(make_pod("be-1", containers=[container()]), [node], running) == ["n1"]


def test_show_uses_human_units():
    assert show("cpu", 2500) == "2500m" and show("cpu", 3000) == "3"
    assert show("memory", 1288490188) == "1.2Gi" and show("nvidia.com/gpu", 2) == "2"


# ------------------------------------------------------------------------------------- host ports
def test_host_port_conflicts_respect_protocol_and_host_ip():
    nodes = [make_node(n) for n in ("n1", "n2", "n3", "n4")]
    running = [
        make_pod(
            "exporter-a", node="n1", containers=[container(ports=[{"containerPort": 9100, "hostPort": 9100}])]
        ),
        make_pod(
            "exporter-b",
            node="n2",
            containers=[container(ports=[{"containerPort": 9100, "hostPort": 9100, "protocol": "UDP"}])],
        ),
        make_pod(
            "exporter-c",
            node="n3",
            containers=[container(ports=[{"containerPort": 9100, "hostPort": 9100, "hostIP": "10.0.0.3"}])],
        ),
        make_pod(
            "old",
            node="n4",
            phase="Failed",
            containers=[container(ports=[{"containerPort": 9100, "hostPort": 9100}])],
        ),
    ]
    pod = make_pod(
        "exporter-x",
        containers=[container(ports=[{"containerPort": 9100, "hostPort": 9100, "protocol": "TCP"}])],
    )
    vs, _ = verdicts(pod, nodes, running)
    assert vs["n1"].reasons == ["host port 9100/TCP already used by pod default/exporter-a"]
    assert vs["n1"].checks == [F_HOST_PORTS] and vs["n1"].categories == ["Miscellaneous"]
    assert vs["n2"].fits  # UDP vs TCP
    assert not vs["n3"].fits  # 0.0.0.0 conflicts with any specific IP
    assert vs["n4"].fits  # the failed pod holds nothing
    specific = make_pod(
        "exporter-y",
        containers=[container(ports=[{"containerPort": 9100, "hostPort": 9100, "hostIP": "10.0.0.9"}])],
    )
    vs, _ = verdicts(specific, nodes, running)
    assert not vs["n1"].fits and vs["n3"].fits  # different specific IPs don't conflict


# ------------------------------------------------------------------------------------- pod (anti-)affinity
def _anti(key="kubernetes.io/hostname", labels=None, **term):
    return {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": labels or {"app": "web"}}, "topologyKey": key, **term}
            ]
        }
    }


def _aff(key="kubernetes.io/hostname", labels=None, **term):
    return {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": labels or {"app": "cache"}}, "topologyKey": key, **term}
            ]
        }
    }


def test_anti_affinity_on_hostname_and_namespace_semantics():
    nodes = [make_node("n1"), make_node("n2"), make_node("n3")]
    running = [
        make_pod("web-a", node="n1", labels={"app": "web"}),
        make_pod("web-b", "other", node="n2", labels={"app": "web"}),  # another namespace: ignored by default
    ]
    pod = make_pod("web-c", labels={"app": "web"}, affinity=_anti())
    vs, _ = verdicts(pod, nodes, running)
    assert [n for n, v in vs.items() if v.fits] == ["n2", "n3"]
    assert vs["n1"].checks == [F_POD_AFFINITY] and vs["n1"].categories == ["PodAffinityConflict"]
    assert "default/web-a" in vs["n1"].reasons[0] and "kubernetes.io/hostname=n1" in vs["n1"].reasons[0]
    # explicit namespaces, and an empty namespaceSelector meaning every namespace
    pod = make_pod("web-c", labels={"app": "web"}, affinity=_anti(namespaces=["other"]))
    assert fits(pod, nodes, running) == ["n1", "n3"]
    pod = make_pod("web-c", labels={"app": "web"}, affinity=_anti(namespaceSelector={}))
    assert fits(pod, nodes, running) == ["n3"]
    pod = make_pod(
        "web-c",
        labels={"app": "web"},
        affinity=_anti(namespaceSelector={"matchLabels": {"kubernetes.io/metadata.name": "other"}}),
    )
    assert fits(pod, nodes, running) == ["n1", "n3"]


def _zoned_nodes():
    """Two nodes in zone a, one in zone b, one without a zone label."""
    return [
        make_node("a1", zone="a"),
        make_node("a2", zone="a"),
        make_node("b1", zone="b"),
        make_node("nozone"),
    ]


def test_anti_affinity_by_zone_uses_the_zone_of_the_matching_pods_node():
    nodes = _zoned_nodes()
    running = [make_pod("web-a", node="a1", labels={"app": "web"})]
    pod = make_pod("web-c", labels={"app": "web"}, affinity=_anti("topology.kubernetes.io/zone"))
    vs, _ = verdicts(pod, nodes, running)
    assert [n for n, v in vs.items() if v.fits] == ["b1", "nozone"]
    assert "topology.kubernetes.io/zone=a" in vs["a2"].reasons[0]


def test_existing_pods_anti_affinity_is_symmetric():
    nodes = [make_node("n1"), make_node("n2")]
    loner = make_pod("loner-1", node="n1", labels={"app": "loner"}, affinity=_anti(labels={"app": "web"}))
    vs, _ = verdicts(make_pod("web-1", labels={"app": "web"}), nodes, [loner])
    assert not vs["n1"].fits and vs["n2"].fits
    assert vs["n1"].reasons[0].startswith("pod anti-affinity of existing pods: existing pod default/loner-1")
    # a pod in another namespace is not matched by the existing pod's term (its own namespace by default)
    assert fits(make_pod("web-1", "prod", labels={"app": "web"}), nodes, [loner]) == ["n1", "n2"]


def test_pod_affinity_requires_a_matching_pod_in_the_domain():
    nodes = _zoned_nodes()
    running = [make_pod("cache-1", node="a1", labels={"app": "cache"})]
    pod = make_pod("web-1", labels={"app": "web"}, affinity=_aff("topology.kubernetes.io/zone"))
    vs, _ = verdicts(pod, nodes, running)
    assert [n for n, v in vs.items() if v.fits] == ["a1", "a2"]
    assert "no pod matching the affinity term" in vs["b1"].reasons[0]
    assert "node has no topology.kubernetes.io/zone label" in vs["nozone"].reasons[0]
    assert (
        inter_pod_affinity.detail(vs["a2"].outcome("InterPodAffinity"))
        .matched[0]
        .startswith("pod default/cache-1")
    )


def test_pod_matching_its_own_affinity_may_go_anywhere_when_no_pod_matches():
    nodes = [make_node("n1", zone="a"), make_node("n2", zone="b")]
    first = make_pod("cache-0", labels={"app": "cache"}, affinity=_aff("topology.kubernetes.io/zone"))
    assert fits(first, nodes, []) == ["n1", "n2"]
    # but a pod that does not match its own term has nowhere to go
    web = make_pod("web-1", labels={"app": "web"}, affinity=_aff("topology.kubernetes.io/zone"))
    assert fits(web, nodes, []) == []


# ------------------------------------------------------------------------------------- volumes
def test_pv_node_affinity_conflict_is_per_node_and_volume_category():
    nodes = [make_node("a1", zone="eu-1a"), make_node("b1", zone="eu-1b")]
    pod = make_pod("db-0", volumes=[pvc_volume("data-db-0")])
    pvcs = {"data-db-0": make_pvc("data-db-0", volume_name="pv-1")}
    pvs = {"pv-1": make_pv("pv-1", zone="eu-1a")}
    vs, report = verdicts(pod, nodes, pvcs=pvcs, pvs=pvs)
    assert vs["a1"].fits
    b = vs["b1"]
    assert b.checks == [F_VOLUME] and b.categories == ["VolumeNodeAffinityConflict"]
    assert b.reasons == [
        "volume node affinity conflict: PV pv-1 (claim data-db-0) requires topology.kubernetes.io/zone In "
        "[eu-1a] (node has topology.kubernetes.io/zone=eu-1b)"
    ]
    assert not report.blockers


def test_legacy_zone_labels_on_the_pv():
    nodes = [make_node("a1", zone="eu-1a"), make_node("b1", zone="eu-1b"), make_node("plain")]
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", volume_name="pv-z")}
    pvs = {"pv-z": make_pv("pv-z", labels={"failure-domain.beta.kubernetes.io/zone": "eu-1a__eu-1c"})}
    assert fits(pod, nodes, pvcs=pvcs, pvs=pvs) == ["a1", "plain"]  # a node without zone labels is fine


def test_missing_pvc_is_a_pod_level_blocker_not_a_node_failure():
    nodes = [make_node("n1"), make_node("n2")]
    pod = make_pod("db-0", volumes=[pvc_volume("nope")])
    vs, report = verdicts(pod, nodes)
    assert all(v.fits for v in vs.values())
    assert [(b.message, b.category) for b in report.blockers] == [
        ('persistentvolumeclaim "nope" not found', "VolumeAttachmentError")
    ]


def test_unreadable_pvc_is_skipped_not_reported_missing():
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    _, report = verdicts(pod, [make_node("n1")], unreadable_pvcs={"data"})
    assert not report.blockers and "could not be read" in report.notes[0]


def test_unbound_pvc_is_waiting_for_binding():
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", phase="Pending", storage_class="local-wffc")}
    vs, report = verdicts(pod, [make_node("n1")], pvcs=pvcs)
    assert vs["n1"].fits and not report.blockers
    assert "waiting for binding" in report.notes[0] and "WaitForFirstConsumer" in report.notes[0]


def test_bound_pvc_to_missing_pv_and_rwo_is_not_blocking():
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", volume_name="pv-gone")}
    _, report = verdicts(pod, [make_node("n1")], pvcs=pvcs)
    assert [b.message for b in report.blockers] == [
        'persistentvolumeclaim "data" bound to non-existent persistentvolume "pv-gone"'
    ]
    # a bound ReadWriteOnce claim is not a problem by itself (a Go defect flagged every node)
    vs, report = verdicts(
        pod,
        [make_node("n1")],
        pvcs={"data": make_pvc("data", volume_name="pv-1")},
        pvs={"pv-1": make_pv("pv-1")},
    )
    assert vs["n1"].fits and not report.blockers


def test_read_write_once_pod_claim_in_use_blocks_the_pod():
    other = make_pod("db-old", node="n1", volumes=[pvc_volume("data")])
    pod = make_pod("db-new", volumes=[pvc_volume("data")])
    pvcs = {"data": make_pvc("data", volume_name="pv-1", access_modes=["ReadWriteOncePod"])}
    _, report = verdicts(pod, [make_node("n1")], [other], pvcs=pvcs, pvs={"pv-1": make_pv("pv-1")})
    assert [b.category for b in report.blockers] == ["VolumeMultiAttachError"]
    assert "default/db-old" in report.blockers[0].message


# ------------------------------------------------------------------------------------- all checks, first filter
def test_every_failed_check_is_listed_and_the_first_is_the_schedulers():
    node = make_node("n1", cpu="1", taints=[GPU], labels={"disktype": "hdd"}, unschedulable=True)
    pod = make_pod("web-1", cpu="2", nodeSelector={"disktype": "ssd"})
    vs, _ = verdicts(pod, [node])
    v = vs["n1"]
    assert v.checks == [F_UNSCHEDULABLE, F_TAINTS, F_NODE_SELECTOR, F_RESOURCES]
    assert v.first_categories == ["Miscellaneous"]
    assert v.categories == [
        "InsufficientCPU",
        "NodeAffinityNotMatch",
        "TaintTolerationMismatch",
        "Miscellaneous",
    ]


def test_pods_unknown_skips_the_checks_that_need_them():
    report = evaluate_nodes(make_pod("web-1", cpu="64"), [make_node("n1")], None)
    assert report.verdicts[0].fits and not report.pods_known
    assert "could not be read" in report.notes[-1]


def test_default_no_execute_tolerations_do_not_let_a_pod_onto_a_not_ready_node():
    # DefaultTolerationSeconds gives every pod these; they tolerate eviction for 300s, not scheduling
    defaults = DEFAULT_TOLERATIONS
    lifecycle = [
        {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
    ]
    nodes = [make_node("tainted", ready="False", taints=lifecycle), make_node("untainted", ready="Unknown")]
    vs, _ = verdicts(make_pod("web-1", tolerations=defaults), nodes)
    assert not vs["tainted"].fits and not vs["untainted"].fits
    assert [t.effect for t in taints(vs["tainted"]).untolerated] == ["NoSchedule"]
