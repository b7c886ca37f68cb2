"""The scheduler's grouped view of the cluster (``analysis.scheduling.index``), rule by rule on real pods and
nodes: the per-node request sums, pod counts, host ports and required anti-affinity pods kept exactly through
add, replace, termination and removal (a node's entries go when its last pod goes); ``without(pod)`` matched
by UID, else by namespace and name, leaving the index itself as it was; the unit helpers the filters share
(effective request and allocatable in scheduler units, the Ready condition, the host ports NodePorts checks).
"""

from __future__ import annotations

from builders import container, make_node, make_pod, model
from k8s_agent.analysis.scheduling.index import (
    ClusterIndex,
    HostPort,
    effective_request,
    host_ports,
    node_allocatable,
    pod_key,
    ready_condition,
)

NODES = [make_node("n0"), make_node("n1")]

ANTI = {
    "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}
        ]
    }
}
PREFERRED_ONLY = {
    "podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 10,
                "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app": "db"}},
                    "topologyKey": "kubernetes.io/hostname",
                },
            }
        ]
    }
}


def port(host_port: int, **extra) -> dict:
    return {"containerPort": 8080, "hostPort": host_port, **extra}


def node_with_conditions(conditions: list[dict], allocatable: dict | None = None):
    return model(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "n9", "uid": "uid-n9"},
            "status": {"allocatable": allocatable or {}, "conditions": conditions},
        }
    )


# ------------------------------------------------------------------------------------------ helpers
def test_a_pod_key_is_namespace_slash_name():
    assert pod_key(make_pod("web-1", "shop")) == "shop/web-1"


def test_the_effective_request_is_in_millicores_for_cpu_and_whole_units_otherwise():
    pod = make_pod("a", cpu="250m", memory="1Mi", containers=None)
    assert effective_request(pod) == {"cpu": 250, "memory": 1048576}
    # below a millicore / a byte rounds up, as the scheduler's MilliValue()/Value() do
    tiny = make_pod("b", containers=[container(cpu="1n", memory="1500m")])
    assert effective_request(tiny) == {"cpu": 1, "memory": 2}


def test_allocatable_in_scheduler_units_skips_a_malformed_quantity():
    node = make_node("n5", cpu="3500m", memory="2Ki", extra_allocatable={"example.com/gpu": "2", "bad": "x1"})
    alloc = node_allocatable(node)
    assert alloc["cpu"] == 3500
    assert alloc["memory"] == 2048
    assert alloc["example.com/gpu"] == 2
    assert alloc["pods"] == 110
    assert "bad" not in alloc


def test_the_ready_condition_is_its_status_and_reason_colon_message():
    assert ready_condition(make_node("n", ready="True")) == (
        "True",
        "KubeletReady: kubelet is posting ready status",
    )
    assert ready_condition(make_node("n", ready=None)) == ("", "")
    only_reason = node_with_conditions(
        [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "Ready", "status": "False", "reason": "KubeletNotReady"},
        ]
    )
    assert ready_condition(only_reason) == ("False", "KubeletNotReady")
    only_message = node_with_conditions(
        [{"type": "Ready", "status": "False", "message": "PLEG is not healthy"}]
    )
    assert ready_condition(only_message) == ("False", "PLEG is not healthy")
    no_status = node_with_conditions([{"type": "Ready"}])
    assert ready_condition(no_status) == ("Unknown", "")


def test_host_ports_are_the_app_containers_and_sidecars_with_tcp_on_every_address_by_default():
    pod = make_pod(
        "a",
        containers=[
            container("app", ports=[port(80), {"containerPort": 9090}, port(0)]),
            container("dns", ports=[port(53, protocol="UDP", hostIP="10.0.0.5")]),
        ],
        init_containers=[
            container("proxy", ports=[port(15001)], restart_policy="Always"),
            container("setup", ports=[port(7000)]),  # runs to completion before the app: holds no port
        ],
    )
    assert host_ports(pod) == [
        HostPort("0.0.0.0", "TCP", 80),
        HostPort("10.0.0.5", "UDP", 53),
        HostPort("0.0.0.0", "TCP", 15001),
    ]


# ------------------------------------------------------------------------------------------ the index
def test_bound_pods_are_summed_counted_and_their_ports_and_anti_affinity_kept_per_node():
    a = make_pod(
        "a",
        "shop",
        node="n0",
        containers=[container(cpu="100m", memory="1Mi", ports=[port(80)])],
        affinity=ANTI,
    )
    b = make_pod("b", "shop", node="n0", cpu="200m", memory="1Mi", affinity=PREFERRED_ONLY)
    c = make_pod("c", "ops", node="n1", containers=[container(cpu="1", ports=[port(80, protocol="UDP")])])
    pending = make_pod("d", "shop", cpu="5")
    done = make_pod("e", "shop", node="n1", phase="Succeeded")
    index = ClusterIndex(NODES, [a, b, c, pending, done])

    assert set(index.nodes) == {"n0", "n1"}
    assert len(index) == 4
    assert sorted(p.metadata.name for p in index.all_pods) == ["a", "b", "c", "d"]
    assert index.pod_count == {"n0": 2, "n1": 1}
    assert index.requested == {"n0": {"cpu": 300, "memory": 2097152}, "n1": {"cpu": 1000}}
    assert index.ports == {
        "n0": {("TCP", 80): [("0.0.0.0", "shop/a")]},
        "n1": {("UDP", 80): [("0.0.0.0", "ops/c")]},
    }
    assert index.anti_affinity_pods == [a]
    assert {n: [p.metadata.name for p in ps] for n, ps in index.pods_by_node.items()} == {
        "n0": ["a", "b"],
        "n1": ["c"],
    }


def test_the_pod_under_analysis_is_left_out_by_uid_or_by_name():
    a = make_pod("a", "shop", node="n0")
    b = make_pod("b", "shop", node="n0")
    index = ClusterIndex(NODES, [a, b], exclude=a)
    assert [p.metadata.name for p in index.all_pods] == ["b"]
    # a new pod of the same name (another UID) is another pod: it stays
    same_name = make_pod("a", "shop", node="n1", uid="uid-other")
    assert len(ClusterIndex(NODES, [same_name, b], exclude=a)) == 2
    # without UIDs, namespace and name decide
    index = ClusterIndex(NODES, [a, b], exclude=model_without_uid(a))
    assert [p.metadata.name for p in index.all_pods] == ["b"]
    other_ns = model_without_uid(make_pod("a", "ops"))
    assert len(ClusterIndex(NODES, [a, b], exclude=other_ns)) == 2


def model_without_uid(pod):
    return model(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod.metadata.name, "namespace": pod.metadata.namespace},
            "spec": {"containers": [container()]},
        }
    )


def test_removing_a_pod_takes_its_requests_ports_and_anti_affinity_off_its_node():
    a = make_pod(
        "a",
        "shop",
        node="n0",
        containers=[container(cpu="100m", memory="1Mi", ports=[port(80)])],
        affinity=ANTI,
    )
    b = make_pod(
        "b", "shop", node="n0", containers=[container(cpu="200m", ports=[port(80, hostIP="10.0.0.1")])]
    )
    c = make_pod("c", "ops", node="n0", cpu="50m", memory=None, affinity=ANTI)
    index = ClusterIndex(NODES, [a, b, c])
    index.remove("shop", "a")
    assert index.pod_count == {"n0": 2}
    assert index.requested == {"n0": {"cpu": 250}}  # a's memory was the only memory: the key goes
    assert index.ports == {"n0": {("TCP", 80): [("10.0.0.1", "shop/b")]}}
    assert index.anti_affinity_pods == [c]
    assert [p.metadata.name for p in index.pods_by_node["n0"]] == ["b", "c"]
    index.remove("shop", "a")  # not held: nothing changes
    index.remove("shop", "nope")
    assert index.pod_count == {"n0": 2}
    index.remove("shop", "b")
    assert index.ports == {}
    assert index.requested == {"n0": {"cpu": 50}}
    index.remove("ops", "c")
    assert index.pod_count == {} and index.requested == {} and index.pods_by_node == {}
    assert index.anti_affinity_pods == [] and index.by_namespace == {} and len(index) == 0


def test_a_node_whose_pods_request_nothing_keeps_no_sum():
    empty = make_pod("a", "shop", node="n0", cpu=None, memory=None)
    index = ClusterIndex(NODES, [empty])
    assert index.requested == {} and index.pod_count == {"n0": 1}
    index.remove("shop", "a")
    assert index.requested == {} and index.pod_count == {}
    # the last requesting pod leaves: the sum goes, even though a pod requesting nothing stays
    index = ClusterIndex(NODES, [empty, make_pod("b", "shop", node="n0", cpu="1", memory=None)])
    index.remove("shop", "b")
    assert index.requested == {} and index.pod_count == {"n0": 1}


def test_a_new_version_of_a_pod_replaces_the_old_and_a_terminated_one_is_only_removed():
    index = ClusterIndex(NODES, [make_pod("a", "shop", node="n0", cpu="100m", memory=None)])
    index.add(make_pod("a", "shop", node="n1", cpu="300m", memory=None))
    assert index.pod_count == {"n1": 1}
    assert index.requested == {"n1": {"cpu": 300}}
    index.add(make_pod("a", "shop", node="n1", phase="Failed"))
    assert len(index) == 0 and index.pod_count == {} and index.requested == {}
    index.add(make_pod("p", "shop", cpu="1"))  # not bound: held, on no node
    assert len(index) == 1 and index.pods_by_node == {} and index.requested == {}
    index.remove("shop", "p")
    assert len(index) == 0


def test_nodes_are_set_and_removed_by_name():
    index = ClusterIndex(NODES)
    index.set_node(make_node("n2", cpu="8"))
    index.set_node(make_node("n0", cpu="2"))
    assert sorted(index.nodes) == ["n0", "n1", "n2"]
    assert node_allocatable(index.nodes["n0"])["cpu"] == 2000
    index.remove_node("n1")
    index.remove_node("gone")
    assert sorted(index.nodes) == ["n0", "n2"]


def test_without_a_pod_is_a_view_and_the_index_is_unchanged():
    a = make_pod(
        "a",
        "shop",
        node="n0",
        containers=[container(cpu="100m", memory=None, ports=[port(80)])],
        affinity=ANTI,
    )
    b = make_pod("b", "shop", node="n0", containers=[container(cpu="200m", memory=None, ports=[port(81)])])
    c = make_pod("c", "ops", node="n1", cpu="1", memory=None, affinity=ANTI)
    index = ClusterIndex(NODES, [a, b, c])
    view = index.without(a)
    assert view is not index
    assert view.nodes is index.nodes
    assert sorted(p.metadata.name for p in view.all_pods) == ["b", "c"]
    assert view.pod_count == {"n0": 1, "n1": 1}
    assert view.requested == {"n0": {"cpu": 200}, "n1": {"cpu": 1000}}
    assert view.ports == {"n0": {("TCP", 81): [("0.0.0.0", "shop/b")]}}
    assert view.anti_affinity_pods == [c]
    assert {
        ns: {n: [p.metadata.name for p in ps] for n, ps in v.items()} for ns, v in view.by_namespace.items()
    } == {
        "shop": {"n0": ["b"]},
        "ops": {"n1": ["c"]},
    }
    # the index itself, untouched
    assert len(index) == 3
    assert index.pod_count == {"n0": 2, "n1": 1}
    assert index.requested == {"n0": {"cpu": 300}, "n1": {"cpu": 1000}}
    assert index.ports == {"n0": {("TCP", 80): [("0.0.0.0", "shop/a")], ("TCP", 81): [("0.0.0.0", "shop/b")]}}
    assert index.anti_affinity_pods == [a, c]
    assert [p.metadata.name for p in index.pods_by_node["n0"]] == ["a", "b"]
    assert [p.metadata.name for p in index.by_namespace["shop"]["n0"]] == ["a", "b"]


def test_without_a_pod_it_does_not_hold_is_the_index_itself():
    a = make_pod("a", "shop", node="n0")
    index = ClusterIndex(NODES, [a])
    assert index.without(make_pod("x", "shop")) is index
    assert index.without(make_pod("a", "shop", node="n0", uid="uid-recreated")) is index
    assert index.without(make_pod("a", "ops")) is index
    assert index.without(a) is not index


def test_port_one_is_a_host_port():
    pod = make_pod("a", containers=[container(ports=[port(1)])])
    assert host_ports(pod) == [HostPort("0.0.0.0", "TCP", 1)]


def test_a_zero_request_is_held_and_removed_without_touching_the_other_sums():
    """A container may request ``cpu: "0"``: the pod's request holds a zero the node's sum may have dropped
    already (a removal drops a resource whose sum reaches zero)."""
    zero = make_pod("a", "shop", node="n0", cpu="0", memory=None)
    zero_and_memory = make_pod("b", "shop", node="n0", cpu="0", memory="1Mi")
    memory = make_pod("c", "shop", node="n0", cpu=None, memory="1Mi")
    index = ClusterIndex(NODES, [zero, zero_and_memory, memory])
    assert index.requested == {"n0": {"cpu": 0, "memory": 2097152}}
    index.remove("shop", "a")
    assert index.requested == {"n0": {"memory": 2097152}}
    index.remove("shop", "b")  # its zero cpu is no longer in the sum: nothing to take off, nothing added
    assert index.requested == {"n0": {"memory": 1048576}}
    assert index.requested == ClusterIndex(NODES, [memory]).requested
