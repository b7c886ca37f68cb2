"""Node utilization math on real NodeMetrics / Node shapes: nanocores and millicores, Ki memory, capacity vs
allocatable, the committed (allocated) requests and limits of non-terminated pods, no sample, and many nodes
sorted with cluster totals."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from fractions import Fraction

import msgspec
import pytest

from builders import container, make_pod
from k8s_agent.analysis.node_utilization import (
    cluster_utilization,
    group_pods_by_node,
    node_utilization,
    percentage,
    pod_requests_limits,
    sums_of,
)
from k8s_agent.analysis.quantity import BINARY, DECIMAL, format_quantity
from k8s_agent.analysis.quantity import units_exact as show
from k8s_agent.kube.models import Node, NodeMetrics, Pod, convert

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

# a GKE e2-standard-4 node, as the API server returns it
GKE_NODE = {
    "metadata": {"name": "gke-pool-1-abcd", "labels": {"kubernetes.io/hostname": "gke-pool-1-abcd"}},
    "spec": {"podCIDR": "10.4.1.0/24", "providerID": "gce://proj/europe-west1-b/gke-pool-1-abcd"},
    "status": {
        "capacity": {
            "cpu": "4",
            "ephemeral-storage": "98831908Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "16393216Ki",
            "pods": "110",
        },
        "allocatable": {
            "cpu": "3920m",
            "ephemeral-storage": "47060071478",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "13564504Ki",
            "pods": "110",
        },
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
            {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastTransitionTime": "2025-02-01T08:00:00Z",
            },
        ],
    },
}

# metrics-server's answer for it (kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes/<node>)
GKE_METRICS = {
    "kind": "NodeMetrics",
    "apiVersion": "metrics.k8s.io/v1beta1",
    "metadata": {"name": "gke-pool-1-abcd", "creationTimestamp": "2025-03-01T11:59:58Z"},
    "timestamp": "2025-03-01T11:59:47Z",
    "window": "20.029s",
    "usage": {"cpu": "151318487n", "memory": "2097152Ki"},
}


def node(obj=None, **over) -> Node:
    raw = msgspec.json.decode(msgspec.json.encode(obj or GKE_NODE))
    for k, v in over.items():
        if k == "name":
            raw["metadata"]["name"] = v
        elif k in ("capacity", "allocatable", "conditions"):
            raw["status"][k] = v
        else:
            raw["spec"][k] = v
    return convert(raw, Node)


def metrics(
    name="gke-pool-1-abcd", cpu="151318487n", memory="2097152Ki", ts="2025-03-01T11:59:47Z"
) -> NodeMetrics:
    raw = dict(GKE_METRICS, metadata={"name": name}, usage={"cpu": cpu, "memory": memory}, timestamp=ts)
    return convert(raw, NodeMetrics)


def pod(
    name, node_name="gke-pool-1-abcd", phase="Running", containers=(), init=(), overhead=None, ns="default"
) -> Pod:
    extra = {"overhead": overhead} if overhead else {}
    return make_pod(
        name,
        ns,
        node=node_name,
        phase=phase,
        containers=list(containers),
        init_containers=list(init),
        **extra,
    )


def c(name="app", requests=None, limits=None, restart_policy=None) -> dict:
    return container(
        name, cpu=None, memory=None, extra=requests, limits=limits, restart_policy=restart_policy
    )


# ------------------------------------------------------------------------------------------ numbers
def test_percentage_is_exact_and_rounds_half_up():
    assert percentage(1, 8) == 12.5
    assert percentage(10, 4000) == 0.3  # 0.25 -> 0.3 (float round() would give 0.2)
    assert percentage(1, 3) == 33.3
    assert percentage(2, 3) == 66.7
    assert percentage(5, 0) is None
    assert percentage(None, 10) is None
    assert percentage(150, 100) == 150.0  # never clamped


@pytest.mark.parametrize(
    ("resource", "units", "text"),
    [
        ("cpu", 152, "152m"),
        ("cpu", 4000, "4"),
        ("cpu", 3920, "3920m"),
        ("cpu", 1500, "1500m"),
        ("cpu", 0, "0"),
        ("memory", 2 * 1024**3, "2Gi"),
        ("memory", 16393216 * 1024, "16009Mi"),  # 16393216Ki is exactly 16009Mi
        ("memory", 13564504 * 1024, "13564504Ki"),
        ("memory", 1536 * 1024**2, "1536Mi"),
        ("memory", 10**9, "1000000000"),  # not a multiple of 1024: plain bytes, as Kubernetes prints it
        ("nvidia.com/gpu", 2, "2"),
    ],
)
def test_show_is_canonical(resource, units, text):
    assert show(resource, units) == text


def test_show_matches_format_quantity():
    rng = random.Random(7)
    values = [0, 1, 999, 1000, 1023, 1024, 1536, 10**6, 2**30, 3 * 2**40, 10**9, 1000 * 1000 * 1000 * 1000]
    values += [rng.randint(0, 2**45) for _ in range(300)] + [
        rng.randint(0, 64) * 2 ** rng.randint(0, 50) for _ in range(300)
    ]
    for v in values:
        assert show("memory", v) == format_quantity(v, BINARY), v
        assert show("nvidia.com/gpu", v) == format_quantity(v, DECIMAL), v
        assert show("cpu", v) == format_quantity(Fraction(v, 1000), DECIMAL), v


# ------------------------------------------------------------------------------------------ one node
def test_usage_nanocores_and_ki_against_capacity_and_allocatable():
    u = node_utilization(node(), metrics(), [])
    assert u.metrics_status == "ok" and u.message == ""
    # 151318487n rounds up to 152m (MilliValue)
    assert (u.cpu_usage, u.cpu_usage_millicores) == ("152m", 152)
    assert (u.cpu_capacity, u.cpu_capacity_millicores) == ("4", 4000)
    assert (u.cpu_allocatable, u.cpu_allocatable_millicores) == ("3920m", 3920)
    # exact nanocores: 0.151318487 / 4 = 3.78% ; / 3.92 = 3.86%
    assert u.cpu_percentage == 3.8
    assert u.cpu_allocatable_percentage == 3.9
    assert (u.memory_usage, u.memory_usage_bytes) == ("2Gi", 2 * 1024**3)
    assert (u.memory_capacity, u.memory_capacity_bytes) == ("16009Mi", 16393216 * 1024)
    assert (u.memory_allocatable, u.memory_allocatable_bytes) == ("13564504Ki", 13564504 * 1024)
    assert u.memory_percentage == 12.8  # 2097152 / 16393216 = 12.79%
    assert u.memory_allocatable_percentage == 15.5  # 2097152 / 13564504 = 15.46%
    # the sample's own time and window, not the server's clock
    assert u.timestamp == "2025-03-01T11:59:47Z"
    assert u.window == "20.029s"
    assert u.conditions.ready and u.conditions.ready_status == "True"
    assert u.conditions.ready_since == "2025-02-01T08:00:00Z"
    assert u.pod_capacity == 110 and u.pod_count == 0


def test_millicore_usage_and_whole_cores():
    u = node_utilization(node(), metrics(cpu="2", memory="8Gi"), [])
    assert (u.cpu_usage, u.cpu_usage_millicores, u.cpu_percentage, u.cpu_allocatable_percentage) == (
        "2",
        2000,
        50.0,
        51.0,
    )
    u = node_utilization(node(), metrics(cpu="1500m", memory="1Gi"), [])
    assert (u.cpu_usage, u.cpu_percentage) == ("1500m", 37.5)


def test_allocatable_percentage_can_exceed_100():
    u = node_utilization(node(), metrics(cpu="3960m", memory="13600000Ki"), [])
    assert u.cpu_percentage == 99.0
    assert u.cpu_allocatable_percentage == 101.0
    assert u.memory_allocatable_percentage == 100.3


def test_allocated_resources_like_kubectl_describe_node():
    pods = [
        pod(
            "web",
            containers=[
                c(requests={"cpu": "250m", "memory": "128Mi"}, limits={"cpu": "500m", "memory": "256Mi"})
            ],
        ),
        # no request: the limit stands in (API defaulting); no cpu limit: contributes 0 to cpu limits
        pod("cache", containers=[c(limits={"memory": "1Gi"}), c("side", requests={"cpu": "100m"})]),
        # init peak (1 cpu) larger than the app containers (200m): the pod reserves 1 cpu
        pod("migrate", init=[c("init", requests={"cpu": "1"})], containers=[c(requests={"cpu": "200m"})]),
        # finished pods do not hold resources
        pod("job-done", phase="Succeeded", containers=[c(requests={"cpu": "2", "memory": "4Gi"})]),
        pod("job-failed", phase="Failed", containers=[c(requests={"cpu": "2", "memory": "4Gi"})]),
        # another node's pod
        pod("elsewhere", node_name="other", containers=[c(requests={"cpu": "3"})]),
        # ephemeral storage
        pod(
            "scratch",
            containers=[c(requests={"ephemeral-storage": "2Gi"}, limits={"ephemeral-storage": "4Gi"})],
        ),
    ]
    u = node_utilization(node(), metrics(), pods)
    a = u.allocated
    assert u.pod_count == 4
    # 250m (web) + 100m (cache's side) + max(1000m init, 200m app) (migrate)
    assert (a.cpu.requests, a.cpu.requests_value) == ("1350m", 1350)
    assert a.cpu.unit == "millicores" and a.memory.unit == "bytes"
    assert a.cpu.requests_percentage == 34.4  # 1350 / 3920
    assert (a.cpu.limits, a.cpu.limits_value, a.cpu.limits_percentage) == ("500m", 500, 12.8)
    assert a.memory.requests == "1152Mi"  # 128Mi + 1Gi
    assert a.memory.limits == "1280Mi"  # 256Mi + 1Gi
    assert a.memory.requests_percentage == 8.7  # 1152Mi / 13564504Ki
    assert (a.ephemeral_storage.requests, a.ephemeral_storage.limits) == ("2Gi", "4Gi")
    assert a.ephemeral_storage.allocatable == "47060071478"
    assert a.ephemeral_storage.requests_percentage == 4.6
    assert a.cpu.allocatable == "3920m" and a.cpu.allocatable_value == 3920
    assert a.other == []  # hugepages advertised as 0 are not listed


def test_pod_effective_requests_and_limits():
    # app 200m + sidecar 100m = 300m; init step = 1000m + sidecars started before it (none) = 1000m
    p = pod(
        "p",
        init=[
            c("init", requests={"cpu": "1"}, limits={"cpu": "1"}),
            c("proxy", requests={"cpu": "100m"}, restart_policy="Always"),
        ],
        containers=[c(requests={"cpu": "200m", "memory": "64Mi"}, limits={"memory": "128Mi"})],
        overhead={"cpu": "50m", "memory": "10Mi"},
    )
    req, lim = pod_requests_limits(p)
    assert req["cpu"] == 1_050_000_000  # max(1000m, 300m) + 50m overhead, in nanos
    assert req["memory"] == (64 + 10) * 1024**2 * 10**9
    # limits: cpu max(1000m init, 0) + overhead (the pod limits cpu); memory 128Mi + overhead
    assert lim["cpu"] == 1_050_000_000
    assert lim["memory"] == (128 + 10) * 1024**2 * 10**9
    # a sidecar started before a later init container adds to that init container's step
    p2 = pod(
        "p2",
        init=[
            c("proxy", requests={"cpu": "500m"}, restart_policy="Always"),
            c("init", requests={"cpu": "800m"}),
        ],
        containers=[c(requests={"cpu": "100m"})],
    )
    req2, _ = pod_requests_limits(p2)
    assert req2["cpu"] == 1_300_000_000  # max(500m + 800m, 100m + 500m)


def test_extended_resources_are_listed():
    gpu_node = node(
        name="gpu-1",
        capacity={**GKE_NODE["status"]["capacity"], "nvidia.com/gpu": "1"},
        allocatable={**GKE_NODE["status"]["allocatable"], "nvidia.com/gpu": "1"},
    )
    pods = [
        pod(
            "train",
            node_name="gpu-1",
            containers=[c(requests={"nvidia.com/gpu": "1"}, limits={"nvidia.com/gpu": "1"})],
        )
    ]
    u = node_utilization(gpu_node, metrics(name="gpu-1"), pods)
    (gpu,) = u.allocated.other
    assert (gpu.resource, gpu.unit, gpu.requests, gpu.requests_percentage, gpu.allocatable) == (
        "nvidia.com/gpu",
        "units",
        "1",
        100.0,
        "1",
    )


def test_no_sample_is_an_answer_with_null_usage():
    u = node_utilization(node(), None, [pod("web", containers=[c(requests={"cpu": "250m"})])])
    assert u.metrics_status == "noSample"
    assert "no sample" in u.message and "gke-pool-1-abcd" in u.message
    assert u.cpu_usage is None and u.cpu_usage_millicores is None and u.cpu_percentage is None
    assert u.memory_usage is None and u.memory_allocatable_percentage is None
    assert u.timestamp is None and u.window is None
    # the committed view is still there
    assert u.cpu_capacity == "4" and u.allocated.cpu.requests == "250m" and u.pod_count == 1


def test_condition_summary():
    n = node(
        conditions=[
            {
                "type": "Ready",
                "status": "Unknown",
                "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.",
            },
            {"type": "MemoryPressure", "status": "True"},
            {"type": "DiskPressure", "status": "Unknown"},
            {"type": "PIDPressure", "status": "True"},
            {"type": "NetworkUnavailable", "status": "True"},
        ],
        unschedulable=True,
        taints=[
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
            {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        ],
    )
    s = node_utilization(n, None, []).conditions
    assert not s.ready and s.ready_status == "Unknown" and s.ready_reason == "NodeStatusUnknown"
    assert s.pressure == ["MemoryPressure", "PIDPressure"]
    assert s.network_unavailable and s.unschedulable
    assert s.taints == ["node.kubernetes.io/unreachable:NoExecute", "dedicated=gpu:NoSchedule"]
    assert node_utilization(node(conditions=[]), None, []).conditions.ready_status == "Unknown"


# ------------------------------------------------------------------------------------------ many nodes
def _cluster():
    names = ["a", "b", "c", "d"]
    nodes = [node(name=n) for n in names]
    samples = [
        metrics(name="a", cpu="980m", memory="1Gi"),  # 25.0% of 3920m
        metrics(name="b", cpu="3136m", memory="512Mi", ts="2025-03-01T11:59:50Z"),  # 80%
        metrics(name="c", cpu="1960m", memory="8Gi"),  # 50%, the most memory
    ]  # d: no sample
    pods = [
        pod("pa", node_name="a", containers=[c(requests={"cpu": "1", "memory": "1Gi"}, limits={"cpu": "2"})]),
        pod("pd", node_name="d", containers=[c(requests={"cpu": "3", "memory": "2Gi"})]),
        pod("pd2", node_name="d", phase="Succeeded", containers=[c(requests={"cpu": "3"})]),
        pod("unbound", node_name="", phase="Pending", containers=[c(requests={"cpu": "8"})]),
    ]
    return nodes, samples, pods


def test_many_nodes_sorted_by_cpu_by_default_with_totals():
    nodes, samples, pods = _cluster()
    r = cluster_utilization(nodes, samples, pods, now=NOW)
    assert r.metrics_available and r.sort == "cpu"
    assert [n.node_name for n in r.nodes] == ["b", "c", "a", "d"]
    assert r.nodes[-1].metrics_status == "noSample"
    assert r.node_count == 4 and r.nodes_without_metrics == 1
    assert "1 of 4 nodes have no metrics sample" in r.message
    assert r.timestamp == "2025-03-01T11:59:50Z"  # the newest sample
    assert r.calculated_at == "2025-03-01T12:00:00Z"
    t = r.totals
    assert (t.node_count, t.ready_nodes, t.nodes_with_metrics, t.nodes_without_metrics) == (4, 4, 3, 1)
    assert (t.cpu_usage, t.cpu_usage_millicores) == ("6076m", 6076)
    assert (t.cpu_capacity, t.cpu_allocatable) == ("16", "15680m")
    # usage percentages over the sampled nodes only: 6076 / (3 x 4000), 6076 / (3 x 3920)
    assert t.cpu_percentage == 50.6
    assert t.cpu_allocatable_percentage == 51.7
    assert t.memory_usage == "9728Mi"
    assert t.memory_allocatable_percentage == percentage(9728 * 1024**2, 3 * 13564504 * 1024)
    # requests against every node's allocatable; the Succeeded and unbound pods do not count
    assert t.allocated.cpu.requests == "4" and t.allocated.cpu.requests_percentage == 25.5
    assert t.allocated.cpu.limits == "2"
    assert t.allocated.memory.requests == "3Gi"
    assert (t.pod_count, t.pod_capacity) == (2, 440)


def test_sort_by_memory_and_name():
    nodes, samples, pods = _cluster()
    assert [n.node_name for n in cluster_utilization(nodes, samples, pods, now=NOW, sort="memory").nodes] == [
        "c",
        "a",
        "b",
        "d",
    ]
    assert [n.node_name for n in cluster_utilization(nodes, samples, pods, now=NOW, sort="name").nodes] == [
        "a",
        "b",
        "c",
        "d",
    ]


def test_nodes_without_sample_sort_by_committed_requests():
    nodes = [node(name=n) for n in ("x", "y", "z")]
    pods = [
        pod("py", node_name="y", containers=[c(requests={"cpu": "2"})]),
        pod("pz", node_name="z", containers=[c(requests={"cpu": "1"})]),
    ]
    r = cluster_utilization(nodes, [], pods, now=NOW)
    assert [n.node_name for n in r.nodes] == ["y", "z", "x"]
    assert r.nodes_without_metrics == 3 and r.totals.cpu_usage is None and r.totals.cpu_percentage is None


def test_metrics_api_absent_gives_the_committed_view():
    nodes, _, pods = _cluster()
    r = cluster_utilization(
        nodes, None, pods, now=NOW, metrics_message="Metrics server not available (install metrics-server)"
    )
    assert not r.metrics_available
    assert r.message.startswith("Metrics server not available") and "committed" in r.message
    assert all(n.metrics_status == "unavailable" and n.cpu_usage is None for n in r.nodes)
    assert r.nodes_without_metrics == 4
    assert [n.node_name for n in r.nodes] == ["d", "a", "b", "c"]  # by requests: d 76.5%, a 25.5%, then name
    assert r.totals.allocated.cpu.requests == "4"


def test_group_pods_by_node_skips_terminated_and_unbound():
    _, _, pods = _cluster()
    grouped = group_pods_by_node(pods)
    assert {k: [p.metadata.name for p in v] for k, v in grouped.items()} == {"a": ["pa"], "d": ["pd"]}


def test_malformed_quantities_do_not_break_the_answer():
    n = node(capacity={"cpu": "four", "memory": "16Gi"}, allocatable={"cpu": "3920m", "memory": "lots"})
    u = node_utilization(
        n, metrics(cpu="garbage", memory="1Gi"), [pod("p", containers=[c(requests={"cpu": "x"})])]
    )
    assert u.cpu_capacity == "0" and u.cpu_percentage is None and u.cpu_usage is None
    assert u.memory_allocatable_bytes == 0 and u.memory_allocatable_percentage is None
    assert u.memory_percentage == 6.3


# ------------------------------------------------------------------------------------------ one node: edges
def test_the_index_sums_give_the_same_entry_as_the_pod_list():
    pods = [
        pod("web", containers=[c(requests={"cpu": "250m", "memory": "128Mi"}, limits={"memory": "256Mi"})]),
        pod("elsewhere", node_name="other", containers=[c(requests={"cpu": "3"})]),
    ]
    from_sums = node_utilization(node(), metrics(), sums_of(pods))
    assert from_sums == node_utilization(node(), metrics(), pods)
    assert (from_sums.pod_count, from_sums.allocated.cpu.requests, from_sums.allocated.memory.limits) == (
        1,
        "250m",
        "256Mi",
    )
    assert (from_sums.metrics_status, from_sums.cpu_usage, from_sums.memory_usage) == ("ok", "152m", "2Gi")


def test_nothing_committed_reads_zero_for_every_standard_resource():
    a = node_utilization(node(), metrics(), []).allocated
    for r in (a.cpu, a.memory, a.ephemeral_storage):
        assert (r.requests, r.requests_value, r.requests_percentage) == ("0", 0, 0.0), r.resource
        assert (r.limits, r.limits_value, r.limits_percentage) == ("0", 0, 0.0), r.resource


def test_other_resources_listed_when_advertised_or_asked_for():
    # a GPU the node advertises but no pod asks for: listed with nothing committed
    gpu_node = node(
        name="gpu-1",
        capacity={**GKE_NODE["status"]["capacity"], "nvidia.com/gpu": "2"},
        allocatable={**GKE_NODE["status"]["allocatable"], "nvidia.com/gpu": "2"},
    )
    (gpu,) = node_utilization(gpu_node, metrics(name="gpu-1"), []).allocated.other
    assert (gpu.resource, gpu.requests, gpu.requests_value, gpu.limits, gpu.limits_value) == (
        "nvidia.com/gpu",
        "0",
        0,
        "0",
        0,
    )
    assert (gpu.allocatable, gpu.allocatable_value, gpu.requests_percentage) == ("2", 2, 0.0)
    # a resource a pod asks for that the node does not advertise: listed against an allocatable of 0
    asked = [
        pod("p", containers=[c(requests={"example.com/dongle": "1"}, limits={"example.com/dongle": "1"})])
    ]
    (dongle,) = node_utilization(node(), metrics(), asked).allocated.other
    assert (dongle.resource, dongle.requests, dongle.limits) == ("example.com/dongle", "1", "1")
    assert (dongle.allocatable, dongle.allocatable_value) == ("0", 0)
    assert dongle.requests_percentage is None and dongle.limits_percentage is None


def test_pod_capacity_is_allocatable_pods_then_capacity_pods():
    pods = [pod(f"p{i}", containers=[c(requests={"cpu": "10m"})]) for i in range(4)]
    cap = GKE_NODE["status"]["capacity"]
    alloc = GKE_NODE["status"]["allocatable"]
    u = node_utilization(node(allocatable={**alloc, "pods": "100"}), None, pods)
    assert (u.pod_count, u.pod_capacity, u.pod_percentage) == (4, 100, 4.0)
    no_alloc_pods = {k: v for k, v in alloc.items() if k != "pods"}
    u = node_utilization(node(allocatable=no_alloc_pods), None, pods)
    assert (u.pod_capacity, u.pod_percentage) == (110, 3.6)
    no_cap_pods = {k: v for k, v in cap.items() if k != "pods"}
    u = node_utilization(node(capacity=no_cap_pods, allocatable=no_alloc_pods), None, pods)
    assert (u.pod_capacity, u.pod_percentage) == (0, None)


def test_missing_cpu_allocatable_and_memory_capacity_read_zero():
    n = node(
        capacity={"cpu": "4", "memory": "plenty", "pods": "110"},
        allocatable={"cpu": "all", "memory": "13564504Ki", "pods": "110"},
    )
    u = node_utilization(n, metrics(), [])
    assert (u.cpu_allocatable, u.cpu_allocatable_millicores, u.cpu_allocatable_percentage) == ("0", 0, None)
    assert u.cpu_percentage == 3.8  # capacity 4 still there
    assert (u.memory_capacity, u.memory_capacity_bytes, u.memory_percentage) == ("0", 0, None)
    assert u.memory_allocatable_percentage == 15.5


def test_a_sample_without_memory_has_cpu_usage_only():
    sample = convert(dict(GKE_METRICS, usage={"cpu": "151318487n"}), NodeMetrics)
    u = node_utilization(node(), sample, [])
    assert (u.cpu_usage, u.cpu_percentage) == ("152m", 3.8)
    assert (u.memory_usage, u.memory_usage_bytes, u.memory_percentage) == (None, None, None)
    sample = convert(dict(GKE_METRICS, usage={"memory": "2097152Ki"}), NodeMetrics)
    u = node_utilization(node(), sample, [])
    assert (u.cpu_usage, u.cpu_usage_millicores, u.cpu_percentage) == (None, None, None)
    assert u.memory_usage == "2Gi"


def test_condition_summary_of_a_healthy_node_and_of_pressure_in_any_order():
    s = node_utilization(node(), metrics(), []).conditions
    assert (
        s.ready and s.ready_reason == "KubeletReady" and s.ready_message == "kubelet is posting ready status"
    )
    assert s.pressure == [] and s.network_unavailable is False and s.unschedulable is False
    # GKE reports the route as created with NetworkUnavailable False; pressures listed Memory, Disk, PID
    n = node(
        conditions=[
            {"type": "NetworkUnavailable", "status": "False", "reason": "RouteCreated"},
            {"type": "PIDPressure", "status": "True", "reason": "KubeletHasInsufficientPID"},
            {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure"},
            {"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory"},
            {
                "type": "Ready",
                "status": "False",
                "reason": "KubeletNotReady",
                "message": "PLEG is not healthy",
            },
        ]
    )
    s = node_utilization(n, None, []).conditions
    assert s.pressure == ["MemoryPressure", "DiskPressure", "PIDPressure"]
    assert s.network_unavailable is False
    assert (s.ready, s.ready_status, s.ready_reason, s.ready_message) == (
        False,
        "False",
        "KubeletNotReady",
        "PLEG is not healthy",
    )


def test_no_ready_condition_reads_unknown_with_no_reason():
    s = node_utilization(node(conditions=[]), None, []).conditions
    assert (s.ready, s.ready_status, s.ready_reason, s.ready_message, s.ready_since) == (
        False,
        "Unknown",
        "",
        "",
        None,
    )
    # a Ready condition without a status (a malformed object) reads Unknown too
    s = node_utilization(node(conditions=[{"type": "Ready", "reason": "Starting"}]), None, []).conditions
    assert (s.ready, s.ready_status, s.ready_reason) == (False, "Unknown", "Starting")


def test_condition_summary_message_of_an_unreachable_node():
    n = node(
        conditions=[
            {
                "type": "Ready",
                "status": "Unknown",
                "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.",
            }
        ]
    )
    assert node_utilization(n, None, []).conditions.ready_message == "Kubelet stopped posting node status."
