"""DynamicResources, the devices of a node and which of them each request can take (``dra_devices``), rule by
rule on ``resource.k8s.io/v1`` ResourceSlices and ResourceClaims: how a slice chooses its nodes (``nodeName``,
``allNodes``, ``nodeSelector``, per device), the newest generation of a pool, incomplete and invalid pools,
the candidates of a request (selectors, devices held by other claims, admin access, device taints and their
tolerations, devices not evaluated here) and what each request is told about a node."""

from __future__ import annotations

from typing import Any

import pytest

from builders import make_node
from builders.dra import DRIVER, GPU_CLASS, claim, clear_cel_caches, device_class, gpu, name_selector, rslice
from k8s_agent.analysis.scheduling.filters.base import PodContext
from k8s_agent.analysis.scheduling.filters.dra_claims import DeviceObjects, claim_requests
from k8s_agent.analysis.scheduling.filters.dra_devices import (
    MAYBE,
    NO,
    YES,
    Inventory,
    RequestStats,
    tolerated,
)
from k8s_agent.kube.models.resource import DeviceTaint, DeviceToleration

SEL = 'device.driver == "gpu.example.com"'


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_cel_caches()


def inventory(slices, claims=()):
    return Inventory(DeviceObjects(list(claims), list(slices), [device_class()]))


def pools(slices, node="n1", **labels: str):
    devices, incomplete, invalid = inventory(slices).pools(make_node(node, labels=labels or None))
    return [(drv, pool, d.name, per) for drv, pool, d, per in devices], incomplete, invalid


def candidates(wanted, slices, held=(), node="n1", classes=(GPU_CLASS,)):
    """The Candidates of the claims ``wanted`` on ``node`` (``held``: other claims of the cluster)."""
    objs = DeviceObjects([*held, *wanted], list(slices), [device_class(c) for c in classes])
    inv = Inventory(objs)
    ctx = PodContext(None, None, {}, {})  # type: ignore[arg-type]
    names = [f"default/{c.metadata.name}" for c in wanted]
    requests, _ = claim_requests(ctx, list(wanted), names, objs.classes)
    n = make_node(node)
    devices, incomplete, _ = inv.pools(n)
    return inv.candidates(requests, names, n, devices, incomplete)


def states(found, ri=0, oi=0):
    return [(c.key[2], c.state) for c in found.cands[ri, oi]]


# ------------------------------------------------------------------ which slices a node has
def test_a_slice_chooses_its_node_by_name_selector_all_nodes_or_per_device():
    slices = [
        rslice("n1", gpu("gpu-0"), pool="by-name"),
        rslice("n2", gpu("gpu-1"), pool="elsewhere"),
        rslice("", gpu("gpu-2"), pool="everywhere", allNodes=True),
        rslice(
            "",
            gpu("gpu-3"),
            pool="zone-a",
            nodeSelector={
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                ]
            },
        ),
        rslice(
            "",
            gpu("gpu-4"),
            pool="zone-b",
            nodeSelector={
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]}
                ]
            },
        ),
        rslice(
            "",
            gpu("gpu-5", nodeName="n1"),
            gpu("gpu-6", nodeName="n2"),
            gpu("gpu-7", allNodes=True),
            gpu("gpu-8", nodeSelector=name_selector("n1")),
            gpu("gpu-9", nodeSelector=name_selector("n2")),
            pool="per-device",
            perDeviceNodeSelection=True,
        ),
        rslice("", gpu("gpu-0"), pool="no-node"),  # chooses no node at all
    ]
    devices, incomplete, invalid = pools(slices, zone="a")
    assert sorted(devices) == [
        (DRIVER, "by-name", "gpu-0", False),
        (DRIVER, "everywhere", "gpu-2", False),
        (DRIVER, "per-device", "gpu-5", True),
        (DRIVER, "per-device", "gpu-6", True),
        (DRIVER, "per-device", "gpu-7", True),
        (DRIVER, "per-device", "gpu-8", True),
        (DRIVER, "per-device", "gpu-9", True),
        (DRIVER, "zone-a", "gpu-3", False),
    ]
    assert (incomplete, invalid) == (False, False)
    # a per-device slice is the node's when one of its devices is; the devices of other nodes are then left out
    found = candidates([claim("c")], slices)
    assert sorted(states(found)) == [
        ("gpu-0", YES),
        ("gpu-2", YES),
        ("gpu-5", YES),
        ("gpu-7", YES),
        ("gpu-8", YES),
    ]
    assert pools([rslice("", gpu("gpu-6", nodeName="n2"), pool="p", perDeviceNodeSelection=True)]) == (
        [],
        False,
        False,
    )


def test_only_the_newest_generation_of_a_pool_and_pools_per_driver():
    slices = [
        rslice("n1", gpu("gpu-0"), pool="p", gen=1, name="old"),
        rslice("n1", gpu("gpu-1"), pool="p", gen=3, name="new"),
        rslice("n1", gpu("gpu-2"), pool="p", gen=2, name="middle"),
        rslice("n1", {"name": "nic-0"}, pool="p", gen=0, driver="nic.example.com", name="nic"),
    ]
    devices, incomplete, invalid = pools(slices)
    assert sorted(devices) == [(DRIVER, "p", "gpu-1", False), ("nic.example.com", "p", "nic-0", False)]
    assert (incomplete, invalid) == (False, False)


def test_a_pool_of_several_slices_counts_once_all_are_published():
    whole = [
        rslice("n1", gpu("gpu-0"), pool="p", count=2, name="a"),
        rslice("n1", gpu("gpu-1"), pool="p", count=2, name="b"),
    ]
    devices, incomplete, _ = pools(whole)
    assert [d[2] for d in devices] == ["gpu-0", "gpu-1"] and incomplete is False
    devices, incomplete, invalid = pools(whole[:1])
    assert (devices, incomplete, invalid) == ([], True, False)


def test_a_pool_whose_newer_generation_is_published_for_other_nodes_is_obsolete_not_incomplete():
    # the pool spans two nodes: generation 1 on n1 (one of two slices), generation 2 published for n2 only
    slices = [
        rslice("n1", gpu("gpu-0"), pool="shared", gen=1, count=2, name="n1-old"),
        rslice("n2", gpu("gpu-1"), pool="shared", gen=2, count=2, name="n2-new"),
    ]
    assert pools(slices) == ([], False, False)
    # all slices of a generation published, some on other nodes: the node's part counts
    slices = [
        rslice("n1", gpu("gpu-0"), pool="shared", gen=1, count=2, name="n1-part"),
        rslice("n2", gpu("gpu-1"), pool="shared", gen=1, count=2, name="n2-part"),
    ]
    assert pools(slices) == ([(DRIVER, "shared", "gpu-0", False)], False, False)


def test_a_pool_with_a_duplicate_device_name_is_invalid_and_gives_nothing():
    slices = [
        rslice("n1", gpu("gpu-0"), pool="p", count=2, name="a"),
        rslice("n1", gpu("gpu-0"), pool="p", count=2, name="b"),
        rslice("n1", gpu("gpu-1"), pool="q", name="c"),
    ]
    assert pools(slices) == ([(DRIVER, "q", "gpu-1", False)], False, True)


# ------------------------------------------------------------------ candidates
def test_selectors_decide_a_device_or_leave_it_undetermined_with_the_reason():
    sels = ('device.attributes["gpu.example.com"].model == "a100"', "device.attributes.exists(a, true)")
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1", model="h100"))]
    found = candidates([claim("c", selectors=sels)], slices)
    assert states(found) == [("gpu-0", MAYBE)]
    assert found.unsure == [
        "selector `device.attributes.exists(a, true)` is not evaluated here (unsupported 'a')"
    ]
    assert found.stats[0].matching == 0 and found.stats[0].free == 0
    assert found.stats[0].undetermined == found.unsure[0]


def test_a_selector_failing_at_run_time_is_the_schedulers_error():
    found = candidates(
        [claim("c", selectors=('device.attributes["gpu.example.com"].missing == 1',))],
        [rslice("n1", gpu("gpu-0"))],
    )
    assert states(found) == [("gpu-0", MAYBE)]
    assert found.unsure == [
        'selector `device.attributes["gpu.example.com"].missing == 1` fails on device gpu-0 with a CEL runtime '
        "error: no such key: missing (the scheduler stops the attempt with that error)"
    ]


def test_the_first_undetermined_reason_of_an_option_is_kept():
    sels = ("device.attributes.exists(a, true)", "size(device.attributes) > 0")
    found = candidates([claim("c", selectors=sels)], [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))])
    assert found.unsure == [
        "selector `device.attributes.exists(a, true)` is not evaluated here (unsupported 'a')"
    ]


def test_devices_held_by_other_claims_are_not_candidates_unless_for_admin_access():
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1"), gpu("gpu-2"))]
    held = [claim("b", allocated=[("n1", "gpu-1")]), claim("a", allocated=[("n1", "gpu-0")])]
    found = candidates([claim("c")], slices, held=held)
    assert states(found) == [("gpu-2", YES)]
    assert found.stats[0] == RequestStats(
        "default/c", "gpu", "gpu.example.com", (SEL,), "1 device", 3, 1, ("default/a", "default/b"), 0, ""
    )
    found = candidates([claim("c", adminAccess=True)], slices, held=held)
    assert states(found) == [("gpu-0", YES), ("gpu-1", YES), ("gpu-2", YES)]
    assert found.stats[0].held_by == ()


def test_the_first_claim_holding_a_device_is_named():
    slices = [rslice("n1", gpu("gpu-0"))]
    held = [claim("a", allocated=[("n1", "gpu-0")]), claim("b", allocated=[("n1", "gpu-0")])]
    assert candidates([claim("c")], slices, held=held).stats[0].held_by == ("default/a",)


def test_all_mode_fails_outright_when_a_matching_device_is_held_or_tainted():
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))]
    found = candidates([claim("c", mode="All")], slices, held=[claim("h", allocated=[("n1", "gpu-1")])])
    assert states(found) == []
    assert found.all_fail == (
        "request gpu asks for all devices of class gpu.example.com and device gpu-1 is allocated to claim default/h"
    )
    assert found.stats[0].wanted == "all devices"
    taint = [{"key": "k", "value": "v", "effect": "NoSchedule"}]
    slices = [rslice("n1", gpu("gpu-0", taints=taint), gpu("gpu-1", taints=taint))]
    found = candidates([claim("c", mode="All")], slices)
    assert states(found) == []
    assert found.all_fail == (
        "request gpu asks for all devices of class gpu.example.com and device gpu-0 has a taint the request does "
        "not tolerate"
    )
    # a held device an undetermined selector may not even select does not fail "all" outright
    sels = ("device.attributes.exists(a, true)",)
    found = candidates(
        [claim("c", mode="All", selectors=sels)],
        [rslice("n1", gpu("gpu-0"))],
        held=[claim("h", allocated=[("n1", "gpu-0")])],
    )
    assert found.all_fail == ""
    found = candidates([claim("c", mode="All", selectors=sels)], [rslice("n1", gpu("gpu-0", taints=taint))])
    assert found.all_fail == ""


def test_all_mode_candidates_are_undetermined_when_the_set_is_not_known():
    sels = ('device.attributes["gpu.example.com"].index == 0 || device.attributes.exists(a, true)',)
    found = candidates([claim("c", mode="All", selectors=sels)], [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))])
    assert states(found) == [("gpu-0", MAYBE), ("gpu-1", MAYBE)]
    # an incomplete pool of the node: "all" is not known
    slices = [rslice("n1", gpu("gpu-0"), pool="p"), rslice("n1", gpu("gpu-1"), pool="q", count=2)]
    found = candidates([claim("c", mode="All")], slices)
    assert states(found) == [("gpu-0", MAYBE)]
    assert found.unsure == [
        "a resource pool of the node is being updated (the scheduler stops with an error)"
    ]
    # for a counted request an incomplete pool only has fewer devices
    found = candidates([claim("c")], slices)
    assert (states(found), found.unsure) == ([("gpu-0", YES)], [])


def test_device_taints_and_tolerations():
    taints = {
        "gpu-0": [{"key": "ecc", "value": "bad", "effect": "NoSchedule"}],
        "gpu-1": [{"key": "ecc", "value": "bad", "effect": "NoExecute"}],
        "gpu-2": [{"key": "maint", "value": "soon", "effect": "None"}],  # no effect on allocation
        "gpu-3": [],
    }
    slices = [rslice("n1", *(gpu(n, taints=t) for n, t in taints.items()))]
    found = candidates([claim("c")], slices)
    assert states(found) == [("gpu-2", YES), ("gpu-3", YES)]
    assert found.stats[0].tainted == 2
    tol = [{"key": "ecc", "operator": "Equal", "value": "bad", "effect": "NoSchedule"}]
    assert states(candidates([claim("c", tolerations=tol)], slices)) == [
        ("gpu-0", YES),
        ("gpu-2", YES),
        ("gpu-3", YES),
    ]


@pytest.mark.parametrize(
    ("toleration", "tolerates"),
    [
        ({"operator": "Exists"}, True),
        ({"key": "ecc", "operator": "Exists"}, True),
        ({"key": "other", "operator": "Exists"}, False),
        ({"key": "ecc", "operator": "Exists", "effect": "NoSchedule"}, True),
        ({"key": "ecc", "operator": "Exists", "effect": "NoExecute"}, False),
        ({"key": "ecc", "value": "bad"}, True),
        ({"key": "ecc", "operator": "Equal", "value": "bad"}, True),
        ({"key": "ecc", "operator": "Equal", "value": "good"}, False),
        ({"key": "other", "operator": "Equal", "value": "bad"}, False),
        ({"key": "", "operator": "Equal", "value": "bad"}, False),
    ],
)
def test_a_toleration_matches_a_device_taint_as_for_node_taints(toleration: dict[str, Any], tolerates: bool):
    import msgspec

    taint = DeviceTaint(key="ecc", value="bad", effect="NoSchedule")
    tol = msgspec.convert(toleration, DeviceToleration)
    assert tolerated(taint, [tol]) is tolerates
    other_effect = msgspec.convert({"operator": "Exists", "effect": "NoExecute"}, DeviceToleration)
    assert tolerated(taint, [other_effect, tol]) is tolerates
    assert (
        tolerated(taint, [msgspec.convert({"key": "x", "operator": "Exists"}, DeviceToleration), tol])
        is tolerates
    )


def test_devices_not_evaluated_here_are_undetermined_candidates():
    slices = [
        rslice(
            "n1",
            gpu("gpu-0", allowMultipleAllocations=True),
            gpu("gpu-1", consumesCounters=[{"counterSet": "s"}]),
            gpu("gpu-2"),
            gpu("gpu-3"),
        )
    ]
    shared = claim("s", allocated=[("n1", "gpu-3")])
    shared.status.allocation.devices.results[0].share_id = "abc"
    found = candidates([claim("c")], slices, held=[shared])
    assert states(found) == [("gpu-0", MAYBE), ("gpu-1", MAYBE), ("gpu-2", YES), ("gpu-3", MAYBE)]
    assert found.unsure == [
        "device gpu-0 consumes shared counters or allows multiple allocations (partitionable devices and "
        "consumable capacity are not evaluated here)"
    ]
    assert found.stats[0].free == 1 and found.stats[0].matching == 4
    # a request for consumable capacity: every candidate
    found = candidates([claim("c", capacity={"requests": {"memory": "1Gi"}})], [rslice("n1", gpu("gpu-0"))])
    assert states(found) == [("gpu-0", MAYBE)]


def test_the_reason_is_dropped_when_nothing_of_the_option_is_undetermined():
    # an undetermined selector on a device a held device: the option has no undetermined candidate left
    sels = ("device.attributes.exists(a, true)",)
    found = candidates(
        [claim("c", selectors=sels)],
        [rslice("n1", gpu("gpu-0"))],
        held=[claim("h", allocated=[("n1", "gpu-0")])],
    )
    assert found.unsure == [
        ("selector `device.attributes.exists(a, true)` is not evaluated here (unsupported 'a')")
    ]
    assert found.stats[0].undetermined != ""
    found = candidates([claim("c")], [rslice("n1", gpu("gpu-0"))])
    assert (found.unsure, found.stats[0].undetermined) == ([], "")


def test_the_stats_of_a_request_are_its_first_option_or_the_first_later_one_with_enough_free():
    subs = [
        {"name": "big", "deviceClassName": "gpu.example.com", "count": 3},
        {"name": "mid", "deviceClassName": "gpu.example.com", "count": 2},
        {"name": "one", "deviceClassName": "gpu.example.com", "count": 1},
    ]
    c = claim("c", requests=[{"name": "gpu", "firstAvailable": subs}])
    two = [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))]
    assert [(s.request, s.wanted, s.free) for s in candidates([c], two).stats] == [("gpu/one", "1 device", 2)]
    none = [rslice("n1", gpu("gpu-0", model="x"))]
    c2 = claim(
        "c",
        requests=[
            {
                "name": "gpu",
                "firstAvailable": [{**s, "selectors": [{"cel": {"expression": "false"}}]} for s in subs],
            }
        ],
    )
    assert [(s.request, s.wanted, s.free) for s in candidates([c2], none).stats] == [
        ("gpu/big", "3 devices", 0)
    ]
    every = claim(
        "c",
        requests=[
            {
                "name": "gpu",
                "firstAvailable": [
                    subs[0],
                    {"name": "all", "deviceClassName": "gpu.example.com", "allocationMode": "All"},
                ],
            }
        ],
    )
    assert [(s.request, s.wanted) for s in candidates([every], two).stats] == [("gpu/all", "all devices")]
    one_free = [rslice("n1", gpu("gpu-0"))]
    exact = claim("c", requests=[{"name": "gpu", "firstAvailable": [subs[0], subs[2]]}])
    assert [(s.request, s.free) for s in candidates([exact], one_free).stats] == [("gpu/one", 1)]


def test_each_request_of_each_claim_has_its_stats_and_candidates():
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))]
    found = candidates(
        [claim("a", count=2), claim("b", selectors=('device.attributes["gpu.example.com"].index == 1',))],
        slices,
    )
    assert [(s.claim, s.request, s.wanted, s.matching, s.free) for s in found.stats] == [
        ("default/a", "gpu", "2 devices", 2, 2),
        ("default/b", "gpu", "1 device", 1, 1),
    ]
    assert states(found, 1) == [("gpu-1", YES)]
    assert NO == 0 and MAYBE == 1 and YES == 2


def test_pools_after_an_obsolete_or_incomplete_pool_still_count():
    slices = [
        rslice("n1", gpu("gpu-0"), pool="a-obsolete", gen=1, count=2, name="a1"),
        rslice("n2", gpu("gpu-0"), pool="a-obsolete", gen=2, count=2, name="a2"),
        rslice("n1", gpu("gpu-1"), pool="b-incomplete", count=2, name="b"),
        rslice("n1", gpu("gpu-2"), pool="c-whole", name="c"),
    ]
    assert pools(slices) == ([(DRIVER, "c-whole", "gpu-2", False)], True, False)


def test_claims_not_allocated_hold_nothing_and_the_allocated_ones_after_them_still_do():
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))]
    found = candidates([claim("c")], slices, held=[claim("pending"), claim("a", allocated=[("n1", "gpu-0")])])
    assert states(found) == [("gpu-1", YES)]


def test_all_mode_with_one_tainted_device_fails_outright_even_when_others_are_free():
    taint = [{"key": "k", "value": "v", "effect": "NoSchedule"}]
    found = candidates([claim("c", mode="All")], [rslice("n1", gpu("gpu-0", taints=taint), gpu("gpu-1"))])
    assert states(found) == []
    assert found.all_fail.endswith("device gpu-0 has a taint the request does not tolerate")


def test_all_mode_candidates_become_undetermined_with_an_undetermined_selector_and_an_incomplete_pool():
    # gpu-1 is selected; gpu-0 is not decided (device.name is not evaluated here)
    sel = ('device.attributes["gpu.example.com"].index == 1 || device.name == "x"',)
    slices = [
        rslice("n1", gpu("gpu-0"), gpu("gpu-1"), pool="p"),
        rslice("n1", gpu("gpu-2"), pool="q", count=2),
    ]
    found = candidates([claim("c", mode="All", selectors=sel)], slices)
    assert states(found) == [("gpu-0", MAYBE), ("gpu-1", MAYBE)]


def test_an_all_option_that_fails_outright_drops_its_undetermined_reason():
    devs = [gpu("gpu-0", allowMultipleAllocations=True), gpu("gpu-1")]
    found = candidates(
        [claim("c", mode="All")], [rslice("n1", *devs)], held=[claim("h", allocated=[("n1", "gpu-1")])]
    )
    assert (states(found), found.unsure, found.stats[0].undetermined) == ([], [], "")
    assert found.all_fail.endswith("device gpu-1 is allocated to claim default/h")


def test_a_later_option_replaces_the_stats_only_with_enough_free_devices():
    big = {"name": "big", "deviceClassName": "gpu.example.com", "count": 3}
    mid = {"name": "mid", "deviceClassName": "gpu.example.com", "count": 2}
    every = {"name": "all", "deviceClassName": "gpu.example.com", "allocationMode": "All"}
    one_free = [rslice("n1", gpu("gpu-0"))]
    c = claim("c", requests=[{"name": "gpu", "firstAvailable": [big, mid]}])
    assert [s.request for s in candidates([c], one_free).stats] == ["gpu/big"]
    c = claim("c", requests=[{"name": "gpu", "firstAvailable": [big, every]}])
    assert [s.request for s in candidates([c], one_free).stats] == ["gpu/all"]


def test_an_admin_access_result_holds_nothing_but_the_next_results_of_the_claim_do():
    held = claim("h", allocated=[("n1", "gpu-0"), ("n1", "gpu-1")])
    held.status.allocation.devices.results[0].admin_access = True
    found = candidates([claim("c")], [rslice("n1", gpu("gpu-0"), gpu("gpu-1"), gpu("gpu-2"))], held=[held])
    assert states(found) == [("gpu-0", YES), ("gpu-2", YES)]
