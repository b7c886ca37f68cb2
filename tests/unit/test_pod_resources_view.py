"""The pod resources view (`GET .../pods/{pod}/resources`): the containers' sums as written, the effective
request and limit by the scheduler's rule, where each value comes from, the notes, and the warnings about
values that are not quantities. Every expected value below is computed by hand from the rule."""

from __future__ import annotations

import msgspec

from builders import container, make_node, make_pod
from k8s_agent.analysis.resources import (
    as_quantity,
    invalid_in,
    invalid_node_quantities,
    invalid_quantities,
    pod_effective_request,
    pod_resources,
    request_sources,
)

NO_CPU_LIMIT = "container {} sets no cpu limit: the pod's cpu use is not bounded by limits"
NO_MEMORY_LIMIT = "container {} sets no memory limit: the pod's memory use is not bounded by limits"
NO_CPU_REQUEST = "container {} sets no cpu request: the scheduler reserves nothing for it"
NO_MEMORY_REQUEST = "container {} sets no memory request: the scheduler reserves nothing for it"


def wire(pod):
    return msgspec.to_builtins(pod_resources(pod))


def test_sidecar_init_container_and_overhead_in_one_view():
    # app "web" 250m/256Mi (limits 512Mi memory); sidecar "log-shipper" 50m/64Mi runs beside the app and
    # beside the later init container "migrate" (1 cpu, 128Mi): init peak 1050m/192Mi, app+sidecar 300m/320Mi.
    # Effective = max of the two + overhead 100m/32Mi: cpu 1150m (init-dominated), memory 352Mi (app).
    # The limits get the overhead only where the pod sets a limit: memory 512Mi+32Mi, no cpu limit at all.
    pod = make_pod(
        "shop-api-7d9f",
        "shop",
        containers=[
            container(
                "web",
                cpu="250m",
                memory="256Mi",
                extra={"ephemeral-storage": "1Gi"},
                limits={"memory": "512Mi", "ephemeral-storage": "2Gi"},
            )
        ],
        init_containers=[
            container("log-shipper", cpu="50m", memory="64Mi", restart_policy="Always"),
            container("migrate", cpu="1", memory="128Mi"),
        ],
        overhead={"cpu": "100m", "memory": "32Mi"},
    )
    assert wire(pod) == {
        "podName": "shop-api-7d9f",
        "namespace": "shop",
        "qosClass": "Burstable",
        "containers": [
            {
                "name": "web",
                "requests": {"cpu": "250m", "memory": "256Mi", "ephemeral-storage": "1Gi"},
                "limits": {"memory": "512Mi", "ephemeral-storage": "2Gi"},
                "sidecar": False,
            }
        ],
        "initContainers": [
            {
                "name": "log-shipper",
                "requests": {"cpu": "50m", "memory": "64Mi"},
                "limits": {},
                "sidecar": True,
            },
            {"name": "migrate", "requests": {"cpu": "1", "memory": "128Mi"}, "limits": {}, "sidecar": False},
        ],
        # the app containers' sums as written (no init containers, no overhead); an unset value reads "0"
        "total": {
            "cpuRequest": "250m",
            "cpuLimit": "0",
            "memoryRequest": "256Mi",
            "memoryLimit": "512Mi",
            "ephemeralStorageRequest": "1Gi",
            "ephemeralStorageLimit": "2Gi",
        },
        "totalByResource": {
            "requests": {"cpu": "250m", "memory": "256Mi", "ephemeral-storage": "1Gi"},
            "limits": {"memory": "512Mi", "ephemeral-storage": "2Gi"},
        },
        "effective": {
            "requests": {"cpu": "1150m", "memory": "352Mi", "ephemeral-storage": "1Gi"},
            "limits": {"memory": "544Mi", "ephemeral-storage": "2Gi"},
            "overhead": {"cpu": "100m", "memory": "32Mi"},
            # memory: 352Mi - 32Mi overhead = 320Mi, exactly the app and its sidecar: not init-dominated
            "dominatedByInit": ["cpu"],
            "requestSources": {
                "cpu": "containers",
                "memory": "containers",
                "ephemeral-storage": "containers",
            },
            "limitSources": {"memory": "containers", "ephemeral-storage": "containers"},
        },
        "notes": [
            NO_CPU_LIMIT.format("web"),
            "the effective cpu request (1150m) comes from an init container, not from the app containers (300m)",
        ],
        "warnings": [],
        "podLevel": None,
    }


def test_init_container_requesting_what_the_app_does_not_dominates_from_zero():
    # no overhead; the app requests no cpu, the init container 500m: cpu comes from the init container
    pod = make_pod(
        "report-5",
        containers=[container("report", memory="1Gi", limits={"memory": "1Gi"})],
        init_containers=[container("fetch", cpu="500m")],
    )
    view = wire(pod)
    assert view["effective"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert view["effective"]["dominatedByInit"] == ["cpu"]
    assert view["total"]["cpuRequest"] == "0" and view["total"]["memoryLimit"] == "1Gi"
    assert view["notes"] == [
        NO_CPU_REQUEST.format("report"),
        NO_CPU_LIMIT.format("report"),
        "the effective cpu request (500m) comes from an init container, not from the app containers (0)",
    ]


def test_init_container_larger_by_less_than_one_unit_still_dominates():
    # 1 cpu in the init container against 300m in the app: 0.7 of a core more, still the init container's
    pod = make_pod(
        "etl-1",
        containers=[container("etl", cpu="300m", memory="128Mi", limits={"cpu": "300m", "memory": "128Mi"})],
        init_containers=[container("schema", cpu="1", memory="64Mi")],
    )
    view = wire(pod)
    assert view["effective"]["dominatedByInit"] == ["cpu"]
    assert view["notes"] == [
        "the effective cpu request (1) comes from an init container, not from the app containers (300m)"
    ]


def test_notes_name_each_container_without_a_request_or_a_limit():
    # "idle" sets nothing (BestEffort); "capped" sets limits only, so its requests default to them
    pod = make_pod(
        "mixed-1",
        containers=[
            container("idle"),
            container("capped", limits={"cpu": "200m", "memory": "256Mi"}),
        ],
    )
    view = wire(pod)
    assert view["notes"] == [
        NO_CPU_REQUEST.format("idle"),
        NO_CPU_LIMIT.format("idle"),
        NO_MEMORY_REQUEST.format("idle"),
        NO_MEMORY_LIMIT.format("idle"),
    ]
    assert view["effective"]["requests"] == {"cpu": "200m", "memory": "256Mi"}
    assert view["total"]["cpuRequest"] == "200m" and view["total"]["memoryRequest"] == "256Mi"
    assert view["effective"]["dominatedByInit"] == []
    # a pod that requests no cpu or memory anywhere has no source for them, and still gets the notes
    best_effort = wire(make_pod("idle-1", containers=[container("idle")]))
    assert best_effort["effective"]["requestSources"] == {}
    assert best_effort["notes"] == view["notes"]


def test_pod_level_values_replace_the_notes_they_make_moot():
    # pod-level request cpu 1 (replaces the container's 500m), pod-level limit memory 8Gi (no request
    # anywhere: the request defaults to it); the cpu limit stays the container's, ephemeral-storage too
    pod = make_pod(
        "trainer-0",
        "ml",
        containers=[
            container(
                "trainer", cpu="500m", memory=None, extra={"ephemeral-storage": "10Gi"}, limits={"cpu": "1"}
            )
        ],
        resources={"requests": {"cpu": "1"}, "limits": {"memory": "8Gi"}},
    )
    view = wire(pod)
    assert view["effective"] == {
        "requests": {"cpu": "1", "memory": "8Gi", "ephemeral-storage": "10Gi"},
        "limits": {"cpu": "1", "memory": "8Gi"},
        "overhead": {},
        "dominatedByInit": [],
        "requestSources": {"cpu": "podLevel", "memory": "podLevelLimit", "ephemeral-storage": "containers"},
        "limitSources": {"cpu": "containers", "memory": "podLevel"},
    }
    # no "sets no memory request/limit" note: the pod-level limit bounds and defines memory
    assert view["notes"] == [
        "the pod-level cpu request (1) is what the scheduler reserves, not the containers' sum (pod-level "
        "resources, PodLevelResources: on by default since Kubernetes 1.34)",
        "the memory request (8Gi) defaults to the pod-level memory limit: neither the pod nor a container "
        "requests it",
    ]
    assert view["podLevel"] == {"requests": {"cpu": "1"}, "limits": {"memory": "8Gi"}}
    assert view["total"]["cpuLimit"] == "1" and view["total"]["memoryRequest"] == "0"


def test_overhead_does_not_hide_a_request_defaulted_from_the_pod_level_limit():
    # the RuntimeClass overhead (128Mi) is added after the pod-level rule: memory is still the pod-level
    # limit's (4Gi), plus the overhead, and its source says so
    pod = make_pod(
        "sandboxed-1",
        containers=[container("a", cpu="250m", memory=None)],
        resources={"limits": {"memory": "4Gi"}},
        overhead={"memory": "128Mi"},
    )
    assert {k: str(v) for k, v in pod_effective_request(pod).items()} == {"cpu": "250m", "memory": "4224Mi"}
    assert request_sources(pod) == {"cpu": "containers", "memory": "podLevelLimit"}


def test_display_format_is_binary_only_for_byte_counts():
    assert str(as_quantity("cpu", 1024 * 10**9)) == "1024"  # 1024 cores, not "1Ki"
    assert str(as_quantity("memory", 2**30 * 10**9)) == "1Gi"
    assert str(as_quantity("nvidia.com/gpu", 2 * 10**9)) == "2"


# ------------------------------------------------------------------------------------------ invalid values
def _dump_pod(name="bad-1"):
    # the API server rejects these; a snapshot or a hand-edited dump can carry them
    return make_pod(
        name,
        "dump",
        containers=[container("app", cpu="lots", memory="128Mi", limits={"memory": "1 GB"})],
        init_containers=[container("init", cpu="100m", memory="two", limits={"cpu": "1.5.0"})],
        resources={"requests": {"cpu": "x1"}, "limits": {"memory": "-"}},
        overhead={"cpu": "?"},
    )


def test_every_invalid_value_of_a_pod_is_named_where_it_stands():
    left_out = "is not a valid quantity and is left out of every sum"
    assert invalid_quantities(_dump_pod()) == [
        f"Pod dump/bad-1: container app request cpu 'lots' {left_out}",
        f"Pod dump/bad-1: container app limit memory '1 GB' {left_out}",
        f"Pod dump/bad-1: init container init request memory 'two' {left_out}",
        f"Pod dump/bad-1: init container init limit cpu '1.5.0' {left_out}",
        f"Pod dump/bad-1: pod-level request cpu 'x1' {left_out}",
        f"Pod dump/bad-1: pod-level limit memory '-' {left_out}",
        f"Pod dump/bad-1: overhead cpu '?' {left_out}",
    ]
    assert wire(_dump_pod())["warnings"] == invalid_quantities(_dump_pod())


def test_every_invalid_value_of_a_node_is_named():
    node = make_node("n1", cpu="4", memory="16Gi")
    node.status.capacity["memory"] = "16 GiB"
    node.status.allocatable["cpu"] = "four"
    left_out = "is not a valid quantity and is left out of every sum"
    assert invalid_node_quantities(node) == [
        f"Node n1: capacity memory '16 GiB' {left_out}",
        f"Node n1: allocatable cpu 'four' {left_out}",
    ]


def test_invalid_values_over_many_objects_are_capped_at_ten_then_counted():
    node = make_node("n1", cpu="4", memory="16Gi")
    node.status.allocatable["cpu"] = "four"
    # one node sentence first, then the pods': 1 + 7 + 7 = 15 -> ten shown and "5 more"
    found = invalid_in([_dump_pod("bad-1"), _dump_pod("bad-2")], [node])
    assert len(found) == 11
    assert found[0].startswith("Node n1: allocatable cpu 'four'")
    assert found[1].startswith("Pod dump/bad-1: container app request cpu 'lots'")
    assert found[9].startswith("Pod dump/bad-2: container app limit memory '1 GB'")
    assert found[10] == "5 more values are not valid quantities and are left out of sums"
    # at the cap exactly, all are shown: 1 + 7 + 2 = 10
    few = make_pod("bad-3", "dump", containers=[container("app", cpu="lots", memory="a lot")])
    assert len(invalid_in([_dump_pod(), few], [node])) == 10
    assert invalid_in([_dump_pod()], [node], most=3)[-1] == (
        "5 more values are not valid quantities and are left out of sums"
    )
