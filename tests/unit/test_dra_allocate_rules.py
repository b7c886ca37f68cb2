"""DynamicResources, the allocation search on one node (``dra_allocate``), rule by rule on
``resource.k8s.io/v1`` objects: all claims of the pod at once, a device to one claim only (admin access
excepted), ``matchAttribute`` / ``distinctAttribute`` within a claim over typed attribute values, the reason
given when the node cannot allocate, and the step budget after which the search gives up."""

from __future__ import annotations

import pytest

from builders.dra import (
    DRIVER,
    GPU_CLASS,
    claim,
    class_body,
    clear_cel_caches,
    device,
    dra,
    gpu,
    pod_with,
    rslice,
    run,
)
from k8s_agent.analysis.scheduling.filters import dra_allocate
from k8s_agent.analysis.scheduling.filters.dra_allocate import SEARCH_BUDGET, Allocator, attribute
from k8s_agent.analysis.scheduling.filters.dra_claims import Option, Request
from k8s_agent.analysis.scheduling.filters.dra_devices import YES, Cand

NIC_CLASS = class_body("nic.example.com", 'device.driver == "nic.example.com"')
PLAIN_CLASS = class_body("plain")  # no selectors: every device


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_cel_caches()


def reason(report, node="n1"):
    return dra(report, node).failures[0].reason


def nic(name):
    return {"name": name, "attributes": {"index": {"int": int(name[-1])}}}


def two_requests(**extra):
    return claim(
        "c",
        requests=[
            {"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
            {"name": "nic", "exactly": {"deviceClassName": "nic.example.com", "count": 2}},
        ],
        **extra,
    )


# ------------------------------------------------------------------ why a node cannot allocate
def test_the_first_request_short_of_free_devices_is_named():
    slices = [rslice("n1", gpu("gpu-0")), rslice("n1", nic("nic-0"), driver="nic.example.com", name="nics")]
    report, _ = run(pod_with("c"), [two_requests()], slices, classes=(GPU_CLASS, NIC_CLASS), nodes=("n1",))
    assert reason(report) == (
        "cannot allocate the devices of claim(s) default/c on this node: request nic wants 2 devices of class "
        "nic.example.com: 1 device(s) of the node match, 1 free"
    )


def test_devices_held_by_other_claims_are_named_up_to_three():
    devs = [gpu(f"gpu-{i}") for i in range(5)]
    held = [claim(f"h{i}", allocated=[("n1", f"gpu-{i}")]) for i in range(4)]
    report, _ = run(pod_with("want"), [*held, claim("want", count=2)], [rslice("n1", *devs)], nodes=("n1",))
    assert reason(report).endswith(
        "request gpu wants 2 devices of class gpu.example.com: 5 device(s) of the node match, 1 free "
        "(allocated to default/h0, default/h1, default/h2 and 1 more)"
    )


def test_held_and_tainted_devices_are_both_counted():
    taint = [{"key": "broken", "value": "ecc", "effect": "NoExecute"}]
    devs = [gpu("gpu-0"), gpu("gpu-1", taints=taint)]
    held = claim("h", allocated=[("n1", "gpu-0")])
    report, _ = run(pod_with("want"), [held, claim("want")], [rslice("n1", *devs)], nodes=("n1",))
    assert reason(report).endswith(
        "request gpu wants 1 device of class gpu.example.com: 2 device(s) of the node match, 0 free "
        "(allocated to default/h) (1 with a taint the request does not tolerate)"
    )


def test_all_devices_of_a_class_the_node_has_none_of():
    report, _ = run(
        pod_with("all"),
        [claim("all", mode="All")],
        [rslice("n1", nic("nic-0"), driver="nic.example.com")],
        nodes=("n1",),
    )
    assert reason(report).endswith(
        'request gpu wants all devices of class gpu.example.com: no device of the node matching device.driver == "gpu.example.com"'
    )


def test_requests_that_fit_one_by_one_but_not_together():
    # two claims each want the node's only device
    report, _ = run(pod_with("a", "b"), [claim("a"), claim("b")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert reason(report) == (
        "cannot allocate the devices of claim(s) default/a, default/b on this node: the free devices cannot "
        "satisfy all requests together"
    )
    cons = [{"matchAttribute": f"{DRIVER}/model"}]
    devs = [gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100")]
    report, _ = run(
        pod_with("c"), [claim("c", count=2, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
    )
    assert reason(report).endswith(
        "the free devices cannot satisfy the requests together under the claims' attribute constraints"
    )


def test_a_node_that_can_allocate_passes_and_each_claim_takes_its_own_devices():
    report, _ = run(
        pod_with("a", "b"),
        [claim("a"), claim("b")],
        [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))],
        nodes=("n1",),
    )
    assert report.fitting == ["n1"]


# ------------------------------------------------------------------ constraints
def test_a_constraint_holds_over_its_own_claim_only():
    cons = [{"requests": ["gpu"], "matchAttribute": f"{DRIVER}/model"}]
    devs = [gpu("gpu-0", model="h100"), gpu("gpu-1", model="a100"), gpu("gpu-2", model="a100")]
    pair = claim("pair", count=2, constraints=cons)
    report, _ = run(pod_with("other", "pair"), [claim("other"), pair], [rslice("n1", *devs)], nodes=("n1",))
    # "other" (first) may take any device; "pair" then needs two of one model
    assert report.fitting == ["n1"]


def test_a_constraint_holds_over_the_requests_it_names_only():
    cons = [{"requests": ["a"], "matchAttribute": f"{DRIVER}/model"}]
    reqs = [
        {"name": "a", "exactly": {"deviceClassName": "gpu.example.com", "count": 2}},
        {"name": "b", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
    ]
    devs = [gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100"), gpu("gpu-2", model="a100")]
    report, _ = run(
        pod_with("c"), [claim("c", requests=reqs, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
    )
    assert report.fitting == ["n1"]
    # named for both requests, the three devices would need one model
    cons = [{"requests": ["a", "b"], "matchAttribute": f"{DRIVER}/model"}]
    report, _ = run(
        pod_with("c"), [claim("c", requests=reqs, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
    )
    assert report.fitting == []


def test_a_device_without_the_attribute_cannot_satisfy_a_constraint():
    for cons in ([{"matchAttribute": f"{DRIVER}/numa"}], [{"distinctAttribute": f"{DRIVER}/numa"}]):
        devs = [gpu("gpu-0", attributes={"numa": {"int": 0}}), gpu("gpu-1")]
        report, _ = run(
            pod_with("c"), [claim("c", count=2, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
        )
        assert report.fitting == [], cons


def test_values_of_different_types_are_different_values():
    # 1 and "1", true and 1 are different attribute values
    for first, second in (({"int": 1}, {"string": "1"}), ({"bool": True}, {"int": 1})):
        devs = [{"name": "g0", "attributes": {"v": first}}, {"name": "g1", "attributes": {"v": second}}]
        match = claim("c", count=2, constraints=[{"matchAttribute": f"{DRIVER}/v"}])
        report, _ = run(pod_with("c"), [match], [rslice("n1", *devs)], nodes=("n1",))
        assert report.fitting == [], first
        distinct = claim("c", count=2, constraints=[{"distinctAttribute": f"{DRIVER}/v"}])
        report, _ = run(pod_with("c"), [distinct], [rslice("n1", *devs)], nodes=("n1",))
        assert report.fitting == ["n1"], first


def test_a_failed_constraint_leaves_no_value_behind():
    # gpu-0 fits the match constraint but not the distinct one: trying it must not leave its model taken
    cons = [{"matchAttribute": f"{DRIVER}/model"}, {"distinctAttribute": f"{DRIVER}/index"}]
    devs = [
        {"name": "g0", "attributes": {"model": {"string": "a100"}, "index": {"int": 0}}},
        {"name": "g1", "attributes": {"model": {"string": "a100"}, "index": {"int": 0}}},
        {"name": "g2", "attributes": {"model": {"string": "a100"}, "index": {"int": 1}}},
    ]
    report, _ = run(
        pod_with("c"), [claim("c", count=2, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
    )
    assert report.fitting == ["n1"]
    cons = [{"distinctAttribute": f"{DRIVER}/index"}, {"matchAttribute": f"{DRIVER}/model"}]
    devs = [
        {"name": "g0", "attributes": {"model": {"string": "a100"}, "index": {"int": 0}}},
        {"name": "g1", "attributes": {"model": {"string": "h100"}, "index": {"int": 1}}},
        {"name": "g2", "attributes": {"model": {"string": "a100"}, "index": {"int": 2}}},
    ]
    report, _ = run(
        pod_with("c"), [claim("c", count=2, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
    )
    assert report.fitting == ["n1"]


def test_the_search_backtracks_over_earlier_requests():
    # request a takes one device, request b needs two of one model: a must leave the a100 pair alone
    cons = [{"requests": ["b"], "matchAttribute": f"{DRIVER}/model"}]
    reqs = [
        {"name": "a", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
        {"name": "b", "exactly": {"deviceClassName": "gpu.example.com", "count": 2}},
    ]
    devs = [gpu("gpu-0", model="a100"), gpu("gpu-1", model="a100"), gpu("gpu-2", model="h100")]
    report, _ = run(
        pod_with("c"), [claim("c", requests=reqs, constraints=cons)], [rslice("n1", *devs)], nodes=("n1",)
    )
    assert report.fitting == ["n1"]


def test_all_mode_takes_every_candidate_and_fails_when_a_constraint_splits_them():
    devs = [gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100")]
    ok = claim("c", mode="All", constraints=[{"distinctAttribute": f"{DRIVER}/model"}])
    report, _ = run(pod_with("c"), [ok], [rslice("n1", *devs)], nodes=("n1",))
    assert report.fitting == ["n1"]
    split = claim("c", mode="All", constraints=[{"matchAttribute": f"{DRIVER}/model"}])
    report, _ = run(pod_with("c"), [split], [rslice("n1", *devs)], nodes=("n1",))
    assert report.fitting == []
    # all devices then one more of the class: nothing is left
    reqs = [
        {"name": "all", "exactly": {"deviceClassName": "gpu.example.com", "allocationMode": "All"}},
        {"name": "one", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
    ]
    report, _ = run(pod_with("c"), [claim("c", requests=reqs)], [rslice("n1", *devs)], nodes=("n1",))
    assert report.fitting == []


def test_first_available_falls_back_to_a_later_sub_request_of_all_mode():
    subs = [
        {"name": "pair", "deviceClassName": "gpu.example.com", "count": 3},
        {"name": "every", "deviceClassName": "gpu.example.com", "allocationMode": "All"},
    ]
    c = claim("c", requests=[{"name": "gpu", "firstAvailable": subs}])
    report, _ = run(
        pod_with("c"), [c], [rslice("n1", gpu("gpu-0"), gpu("gpu-1")), rslice("n2")], nodes=("n1", "n2")
    )
    assert report.fitting == ["n1"]


# ------------------------------------------------------------------ admin access
def test_an_admin_access_request_may_share_a_device_with_another_claim_of_the_pod_but_not_its_own():
    admin = claim("admin", adminAccess=True)
    report, _ = run(
        pod_with("user", "admin"), [claim("user"), admin], [rslice("n1", gpu("gpu-0"))], nodes=("n1",)
    )
    assert report.fitting == ["n1"]
    twice = claim("admin", count=2, adminAccess=True)
    report, _ = run(pod_with("admin"), [twice], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert report.fitting == []
    # a plain request does not take a device the pod's admin claim is allocating
    report, _ = run(
        pod_with("admin", "user"), [admin, claim("user")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",)
    )
    assert report.fitting == []


# ------------------------------------------------------------------ attribute lookup
def test_a_constraint_attribute_is_looked_up_qualified_then_in_the_drivers_domain():
    d = device(
        {
            "model": {"string": "a100"},
            "gpu.example.com/vram": {"int": 80},
            "numa.example.io/node": {"int": 1},
            "flag": {"bool": False},
            "v": {"version": "1.2.3"},
        }
    )
    assert attribute(d, DRIVER, f"{DRIVER}/model") == ("str", "a100")
    assert attribute(d, DRIVER, f"{DRIVER}/vram") == ("int", 80)
    assert attribute(d, DRIVER, "numa.example.io/node") == ("int", 1)
    assert attribute(d, DRIVER, f"{DRIVER}/flag") == ("bool", False)
    assert attribute(d, DRIVER, f"{DRIVER}/v") == ("str", "1.2.3")
    assert attribute(d, "other.example.com", f"{DRIVER}/model") is None
    assert attribute(d, DRIVER, "numa.example.io/model") is None
    assert attribute(d, DRIVER, f"{DRIVER}/missing") is None
    assert attribute(d, DRIVER, f"{DRIVER}/") is None
    assert attribute(device({"x": {}}), DRIVER, f"{DRIVER}/x") is None


# ------------------------------------------------------------------ the step budget
def _opt(all_mode=False, count=1):
    return Option("r", "r", "", "plain", (), (), all_mode, count, False, (), False)


def test_the_search_gives_up_past_its_step_budget():
    # one step to start, one per candidate of the first request; the second ("All" of nothing) fails each time
    requests = [Request(0, "a", (_opt(),)), Request(0, "b", (_opt(all_mode=True),))]
    dev = device({})

    def cands(n):
        return {(0, 0): [Cand((DRIVER, "p", f"d{i}"), dev, DRIVER, YES) for i in range(n)], (1, 0): []}

    assert Allocator(requests, []).search(cands(SEARCH_BUDGET - 1), YES) is False
    with pytest.raises(dra_allocate._Budget):
        Allocator(requests, []).search(cands(SEARCH_BUDGET), YES)
    assert SEARCH_BUDGET == 20_000


def test_a_search_past_the_budget_leaves_the_node_undetermined():
    devs = [{**gpu(f"gpu-{i % 10}"), "name": f"gpu-{i}"} for i in range(24)]
    reqs = [
        {"name": "many", "exactly": {"deviceClassName": "gpu.example.com", "count": 6}},
        {"name": "nic", "exactly": {"deviceClassName": "nic.example.com", "count": 1}},
    ]
    report, _ = run(
        pod_with("c"),
        [claim("c", requests=reqs)],
        [rslice("n1", *devs)],
        classes=(GPU_CLASS, NIC_CLASS),
        nodes=("n1",),
    )
    assert report.verdicts[0].reasons == [
        "not determined whether this node can allocate the pod's DRA claims: the allocation search gave up "
        "after 20000 steps"
    ]


def test_the_second_search_with_undetermined_candidates_gives_the_first_reason():
    devs = [
        gpu("gpu-0", allowMultipleAllocations=True),
        gpu("gpu-1", consumesCounters=[{"counterSet": "s", "counters": {}}]),
    ]
    report, _ = run(pod_with("c"), [claim("c", count=2)], [rslice("n1", *devs)], nodes=("n1",))
    assert report.verdicts[0].reasons == [
        "not determined whether this node can allocate the pod's DRA claims: device gpu-0 consumes shared "
        "counters or allows multiple allocations (partitionable devices and consumable capacity are not "
        "evaluated here)"
    ]


def test_a_request_naming_a_missing_class_fails_every_node_with_that_reason():
    report, _ = run(
        pod_with("c"), [claim("c", cls="tpu.example.com")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",)
    )
    assert reason(report) == (
        "cannot allocate the devices of claim(s) default/c on this node: a request names a DeviceClass that does "
        "not exist"
    )


def test_devices_of_a_per_device_slice_count_only_on_their_node():
    devs = [gpu("gpu-0", nodeName="n1"), gpu("gpu-1", nodeName="n2"), gpu("gpu-2", nodeName="n1")]
    slices = [rslice("", *devs, pool="p", perDeviceNodeSelection=True)]
    report, _ = run(pod_with("c"), [claim("c", count=2)], slices)
    assert report.fitting == ["n1"]
    assert reason(report, "n2").endswith(
        "request gpu wants 2 devices of class gpu.example.com: 1 device(s) of the node match, 1 free"
    )


def test_all_devices_of_a_node_with_a_pool_being_updated_is_not_determined():
    slices = [rslice("n1", gpu("gpu-0"), pool="p"), rslice("n1", gpu("gpu-1"), pool="q", count=2)]
    report, _ = run(pod_with("c"), [claim("c", mode="All")], slices, nodes=("n1",))
    assert report.verdicts[0].reasons == [
        "not determined whether this node can allocate the pod's DRA claims: a resource pool of the node is being "
        "updated (the scheduler stops with an error)"
    ]


def test_undetermined_devices_that_could_not_be_enough_anyway_reject_the_node():
    devs = [gpu("gpu-0", allowMultipleAllocations=True), gpu("gpu-1")]
    report, _ = run(pod_with("c"), [claim("c", count=3)], [rslice("n1", *devs)], nodes=("n1",))
    assert dra(report, "n1").scheduler_reasons == ("cannot allocate all claims",)
    assert reason(report).endswith(
        "request gpu wants 3 devices of class gpu.example.com: 2 device(s) of the node match, 1 free"
    )


def test_all_devices_taken_leave_nothing_for_the_next_request_and_the_reason_says_together():
    reqs = [
        {"name": "all", "exactly": {"deviceClassName": "gpu.example.com", "allocationMode": "All"}},
        {"name": "one", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
    ]
    report, _ = run(pod_with("c"), [claim("c", requests=reqs)], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert reason(report).endswith(": the free devices cannot satisfy all requests together")


def test_first_available_goes_past_an_all_sub_request_that_fails():
    none = {
        "name": "none",
        "deviceClassName": "gpu.example.com",
        "allocationMode": "All",
        "selectors": [{"cel": {"expression": 'device.attributes["gpu.example.com"].model == "tpu"'}}],
    }
    every = {"name": "every", "deviceClassName": "gpu.example.com", "allocationMode": "All"}
    one = {"name": "one", "deviceClassName": "gpu.example.com", "count": 1}
    devs = [gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100")]
    # an "All" sub-request with no candidate, then one that works
    c = claim("c", requests=[{"name": "gpu", "firstAvailable": [none, one]}])
    report, _ = run(pod_with("c"), [c], [rslice("n1", *devs)], nodes=("n1",))
    assert report.fitting == ["n1"]
    # an "All" sub-request that a constraint splits, then one that works
    cons = [{"matchAttribute": f"{DRIVER}/model"}]
    c = claim("c", requests=[{"name": "gpu", "firstAvailable": [every, one]}], constraints=cons)
    report, _ = run(pod_with("c"), [c], [rslice("n1", *devs)], nodes=("n1",))
    assert report.fitting == ["n1"]
