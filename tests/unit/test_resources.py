"""The effective request/limit rule (component-helpers PodRequests/PodLimits), on hand-computed cases."""

from builders import container, make_pod
from k8s_agent.analysis.resources import (
    as_quantity,
    nano,
    pod_effective_limit,
    pod_effective_request,
    pod_limit_nanos,
    pod_request_nanos,
    to_units,
)

MI = 2**20 * 10**9


def c(name, req=None, lim=None, always=False):
    return container(
        name, cpu=None, memory=None, extra=req, limits=lim, restart_policy="Always" if always else None
    )


def pod(containers, init=(), overhead=None):
    extra = {"overhead": overhead} if overhead else {}
    return make_pod(
        "p", containers=[c(*x) for x in containers], init_containers=[c(*x) for x in init], **extra
    )


def test_app_containers_add_up():
    p = pod([("a", {"cpu": "100m", "memory": "128Mi"}), ("b", {"cpu": "250m", "memory": "64Mi"})])
    assert {k: str(v) for k, v in pod_effective_request(p).items()} == {"cpu": "350m", "memory": "192Mi"}


def test_request_defaults_to_limit():
    p = pod([("a", {"memory": "64Mi"}, {"cpu": "1", "memory": "128Mi"})])
    assert {k: str(v) for k, v in pod_effective_request(p).items()} == {"cpu": "1", "memory": "64Mi"}
    assert {k: str(v) for k, v in pod_effective_limit(p).items()} == {"cpu": "1", "memory": "128Mi"}


def test_an_init_container_can_dominate_one_resource_only():
    p = pod([("app", {"cpu": "200m", "memory": "1Gi"})], init=[("migrate", {"cpu": "2", "memory": "256Mi"})])
    assert pod_request_nanos(p) == {"cpu": 2 * 10**9, "memory": 1024 * MI}


def test_sidecars_run_with_the_app_and_with_later_init_containers():
    # sidecar 100m starts first; init "load" (1 cpu) runs beside it: peak 1100m; app 500m + sidecar 100m = 600m
    p = pod(
        [("app", {"cpu": "500m"})],
        init=[("proxy", {"cpu": "100m"}, None, True), ("load", {"cpu": "1"})],
    )
    assert to_units("cpu", pod_request_nanos(p)["cpu"]) == 1100
    # an init container before the sidecar does not run beside it
    q = pod([("app", {"cpu": "500m"})], init=[("load", {"cpu": "1"}), ("proxy", {"cpu": "100m"}, None, True)])
    assert to_units("cpu", pod_request_nanos(q)["cpu"]) == 1000


def test_overhead_adds_to_requests_and_only_to_the_limits_the_pod_sets():
    p = pod(
        [("a", {"cpu": "100m", "memory": "64Mi"}, {"memory": "128Mi"})],
        overhead={"cpu": "250m", "memory": "120Mi"},
    )
    assert pod_request_nanos(p) == {"cpu": 350 * 10**6, "memory": 184 * MI}
    assert pod_limit_nanos(p) == {"memory": 248 * MI}


def test_nanos_and_display_format():
    assert nano("100m") == 10**8 and nano("1Ki") == 1024 * 10**9 and nano("1n") == 1
    assert nano("bogus") is None
    assert str(as_quantity("memory", 100 * 10**6 * 10**9)) == "100M"  # not a multiple of 1024: decimal
    assert str(as_quantity("memory", 1536 * MI)) == "1536Mi"
    assert str(as_quantity("cpu", 1500 * 10**6)) == "1500m"
    assert to_units("memory", 1) == 1 and to_units("cpu", 1) == 1  # rounded up


def test_overhead_of_a_resource_no_container_requests_is_the_whole_request():
    # the RuntimeClass overhead's memory is reserved even when the containers ask for cpu only
    p = pod([("a", {"cpu": "100m"})], overhead={"cpu": "250m", "memory": "120Mi"})
    assert pod_request_nanos(p) == {"cpu": 350 * 10**6, "memory": 120 * MI}


def test_pod_level_limits_are_the_pods_limits_not_its_requests():
    # spec.resources (PodLevelResources): requests 1 cpu / 1Gi, limits 2 cpu / 2Gi
    p = make_pod(
        "p",
        containers=[c("a", {"cpu": "100m", "memory": "64Mi"})],
        resources={"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
    )
    assert pod_request_nanos(p) == {"cpu": 10**9, "memory": 1024 * MI}
    assert pod_limit_nanos(p) == {"cpu": 2 * 10**9, "memory": 2048 * MI}
