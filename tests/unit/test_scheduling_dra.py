"""DynamicResources per node (README, "Filters evaluated per node"), in our own cases written from the 1.36
plugin and structured allocator semantics, on resource.k8s.io/v1 objects as the API server serves them."""

from __future__ import annotations

import msgspec

from builders import make_node, make_pod
from builders.dra import DRIVER, claim, dra, gpu, pod_with, rslice, run
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.filters import PLUGIN_ORDER
from k8s_agent.analysis.scheduling.filters.device_cel import evaluate
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DynamicResources
from k8s_agent.kube.models import Device


def test_a_claim_is_allocated_where_enough_free_devices_match_and_nowhere_else():
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1")), rslice("n2", gpu("gpu-0"))]
    report, view = run(pod_with("two"), [claim("two", count=2)], slices)
    assert report.fitting == ["n1"]
    assert dra(report, "n2").scheduler_reasons == ("cannot allocate all claims",)
    assert dra(report, "n2").failures[0].reason == (
        "cannot allocate the devices of claim(s) default/two on this node: request gpu wants 2 devices of "
        "class gpu.example.com: 1 device(s) of the node match, 1 free"
    )
    assert view.feasible_nodes == ["n1"]


def test_devices_allocated_to_other_claims_are_not_free_and_the_suggestion_names_the_holders():
    slices = [rslice("n1", gpu("gpu-0")), rslice("n2", gpu("gpu-0"))]
    held = [
        claim("a", allocated=[("n1", "gpu-0")], on_node="n1"),
        claim("b", allocated=[("n2", "gpu-0")], on_node="n2"),
    ]
    pod = pod_with("mine")
    report, view = run(pod, [*held, claim("mine")], slices)
    assert report.fitting == []
    assert view.message == "0/2 nodes are available: 2 cannot allocate all claims."
    assert "allocated to default/a" in dra(report, "n1").failures[0].reason
    advice = DynamicResources.suggest(_advice(pod, report))
    assert advice == [
        '2 nodes publish devices of class gpu.example.com matching device.driver == "gpu.example.com" but all 2 '
        "are allocated to claims default/a, default/b: free one (delete the pod and claim that hold it) or add "
        "devices"
    ]


def test_an_admin_access_result_holds_no_device():
    held = claim("watcher", allocated=[("n1", "gpu-0")])
    held.status.allocation.devices.results[0].admin_access = True
    report, _ = run(pod_with("mine"), [held, claim("mine")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert report.fitting == ["n1"]


def test_class_and_request_selectors_on_attributes_and_capacity():
    slices = [rslice("n1", gpu("gpu-0", memory="80Gi")), rslice("n2", gpu("gpu-0", memory="40Gi"))]
    big = claim(
        "big", selectors=('device.capacity["gpu.example.com"].memory.compareTo(quantity("60Gi")) >= 0',)
    )
    report, _ = run(pod_with("big"), [big], slices)
    assert report.fitting == ["n1"]
    a100 = claim("a100", selectors=('device.attributes["gpu.example.com"].model == "h100"',))
    report, view = run(pod_with("a100"), [a100], slices)
    assert report.fitting == []
    assert view.message == "0/2 nodes are available: 2 cannot allocate all claims."
    assert (
        dra(report, "n1")
        .failures[0]
        .reason.endswith(
            "request gpu wants 1 device of class gpu.example.com: no device of the node matching device.driver == "
            '"gpu.example.com" && device.attributes["gpu.example.com"].model == "h100"'
        )
    )


def test_a_selector_not_evaluated_leaves_the_node_undetermined_not_fitting():
    odd = claim("odd", selectors=("device.attributes.exists(d, true)",))
    report, view = run(pod_with("odd"), [odd], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    v = report.verdicts[0]
    assert not v.fits
    assert v.failures[0].scheduler_visible is False
    assert v.reasons == [
        "not determined whether this node can allocate the pod's DRA claims: selector "
        "`device.attributes.exists(d, true)` is not evaluated here (unsupported 'd')"
    ]
    assert dra(report, "n1").scheduler_reasons == ()


def test_a_selector_decided_false_elsewhere_still_rejects_even_next_to_an_unsupported_one():
    sels = ('device.attributes["gpu.example.com"].model == "h100"', "size(device.attributes) > 0")
    report, _ = run(pod_with("x"), [claim("x", selectors=sels)], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert dra(report, "n1").scheduler_reasons == ("cannot allocate all claims",)


def test_allocation_mode_all_needs_every_matching_device_free():
    slices = [rslice("n1", gpu("gpu-0"), gpu("gpu-1")), rslice("n2", gpu("gpu-0"), gpu("gpu-1"))]
    held = claim("a", allocated=[("n2", "gpu-1")], on_node="n2")
    report, _ = run(pod_with("all"), [held, claim("all", mode="All")], slices)
    assert report.fitting == ["n1"]
    assert (
        dra(report, "n2")
        .failures[0]
        .reason.endswith(
            "request gpu asks for all devices of class gpu.example.com and device gpu-1 is allocated to claim default/a"
        )
    )


def test_only_the_newest_generation_of_a_pool_counts_and_an_incomplete_pool_gives_nothing():
    old = rslice("n1", gpu("gpu-0"), gpu("gpu-1"), gen=1, name="old")
    new = rslice("n1", gpu("gpu-0"), gen=2, name="new")
    report, _ = run(pod_with("two"), [claim("two", count=2)], [old, new], nodes=("n1",))
    assert report.fitting == []
    half = rslice("n1", gpu("gpu-0"), gpu("gpu-1"), count=2)  # the pool's second slice is not published yet
    report, _ = run(pod_with("one"), [claim("one")], [half], nodes=("n1",))
    assert dra(report, "n1").failures[0].reason.endswith("no ResourceSlice publishes devices for this node")


def test_first_available_takes_the_first_sub_request_that_works():
    requests = [
        {
            "name": "gpu",
            "firstAvailable": [
                {"name": "big", "deviceClassName": "gpu.example.com", "count": 2},
                {"name": "small", "deviceClassName": "gpu.example.com", "count": 1},
            ],
        }
    ]
    slices = [rslice("n1", gpu("gpu-0")), rslice("n2")]
    report, _ = run(pod_with("fa"), [claim("fa", requests=requests)], slices)
    assert report.fitting == ["n1"]


def test_match_attribute_constraint_over_a_claims_devices():
    constraints = [{"requests": ["gpu"], "matchAttribute": "gpu.example.com/model"}]
    slices = [
        rslice("n1", gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100")),
        rslice("n2", gpu("gpu-0", model="h100"), gpu("gpu-1", model="a100"), gpu("gpu-2", model="h100")),
    ]
    report, _ = run(pod_with("pair"), [claim("pair", count=2, constraints=constraints)], slices)
    assert report.fitting == ["n2"]


def test_untolerated_device_taints_keep_the_device_out():
    tainted = gpu("gpu-0", taints=[{"key": "broken", "value": "ecc", "effect": "NoSchedule"}])
    report, _ = run(pod_with("one"), [claim("one")], [rslice("n1", tainted)], nodes=("n1",))
    assert report.fitting == []
    assert "(1 with a taint the request does not tolerate)" in dra(report, "n1").failures[0].reason


def test_an_allocated_claim_restricts_the_pod_to_the_nodes_of_its_selector():
    mine = claim("mine", allocated=[("n1", "gpu-0")], on_node="n1")
    report, view = run(pod_with("mine"), [mine], [rslice("n1", gpu("gpu-0"))])
    assert report.fitting == ["n1"]
    assert dra(report, "n2").scheduler_reasons == ("resourceclaim not available on the node",)
    assert view.feasible_nodes == ["n1"]


def test_claims_that_are_missing_or_not_generated_keep_the_pod_out_of_scheduling():
    report, _ = run(pod_with("gone"), [], [])
    assert [b.message for b in report.blockers] == ['could not find ResourceClaim "default/gone"']
    pod = make_pod("train-0", resourceClaims=[{"name": "gpu", "resourceClaimTemplateName": "one-gpu"}])
    report, _ = run(pod, [], [])
    assert [b.message for b in report.blockers] == ['pod "default/train-0": ResourceClaim not created yet']
    # generated, but for an earlier pod of the same name
    status = {
        "phase": "Pending",
        "resourceClaimStatuses": [{"name": "gpu", "resourceClaimName": "train-0-gpu-x"}],
    }
    pod = make_pod(
        "train-0",
        uid="new",
        status=status,
        resourceClaims=[{"name": "gpu", "resourceClaimTemplateName": "t"}],
    )
    report, _ = run(pod, [claim("train-0-gpu-x", owner_uid="old")], [rslice("n1", gpu("gpu-0"))])
    assert [b.message for b in report.blockers] == [
        "ResourceClaim default/train-0-gpu-x was not created for Pod default/train-0 (Pod is not owner)"
    ]


def test_a_missing_device_class_is_the_prefilter_rejection():
    report, view = run(pod_with("c"), [claim("c", cls="tpu.example.com")], [rslice("n1", gpu("gpu-0"))])
    assert (
        view.message == "0/2 nodes are available: request gpu: device class tpu.example.com does not exist."
    )


def test_unread_resource_objects_leave_a_note_and_no_verdict():
    pod = pod_with("x")
    report = evaluate_nodes(pod, [make_node("n1")], [])
    assert report.fitting == ["n1"]
    assert any("could not be read: device allocation was not evaluated per node" in n for n in report.notes)
    assert not evaluate_nodes(make_pod("web-0"), [make_node("n1")], []).notes


def test_cel_forms_evaluated_and_not():
    d = msgspec.convert(
        {
            "name": "g0",
            "attributes": {"model": {"string": "a100"}, "driverVersion": {"version": "1.2.3"}},
            "capacity": {"memory": {"value": "40Gi"}},
        },
        Device,
    )
    got = {
        e: evaluate(e, d, DRIVER).value
        for e in (
            'device.driver == "gpu.example.com" && device.attributes["gpu.example.com"].model != "h100"',
            'device.capacity["gpu.example.com"].memory.compareTo(quantity("40Gi")) >= 0',
            'device.capacity["gpu.example.com"].memory.isGreaterThan(quantity("40Gi"))',
            'device.attributes["gpu.example.com"].driverVersion.isLessThan(semver("1.10.0"))',
            '"model" in device.attributes["gpu.example.com"] || device.attributes["x"].y == 1',
            'device.driver == "other" && device.attributes["gpu.example.com"].missing == 1',
            'device.attributes["gpu.example.com"].missing == 1',
            "device.attributes.all(k, true)",
        )
    }
    assert list(got.values()) == [True, True, False, True, True, False, None, None]
    assert evaluate('device.attributes["gpu.example.com"].missing == 1', d, DRIVER).error is True


def test_the_registry_holds_every_default_filter_in_the_1_36_order():
    assert list(PLUGIN_ORDER) == [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "VolumeRestrictions",
        "NodeVolumeLimits",
        "VolumeBinding",
        "VolumeZone",
        "PodTopologySpread",
        "InterPodAffinity",
        "DynamicResources",
    ]


def _advice(pod, report):
    from k8s_agent.analysis.scheduling.filters.base import Advice

    return Advice(pod, report.verdicts, {}, [v.node_name for v in report.verdicts], {}, lambda n: n)


def test_devices_the_agent_cannot_judge_leave_the_node_undetermined_unless_others_suffice():
    shared = gpu("gpu-0", allowMultipleAllocations=True)
    report, _ = run(pod_with("one"), [claim("one")], [rslice("n1", shared)], nodes=("n1",))
    assert not report.fitting
    assert (
        report.verdicts[0]
        .reasons[0]
        .startswith(
            "not determined whether this node can allocate the pod's DRA claims: device gpu-0 consumes shared "
            "counters or allows multiple allocations"
        )
    )
    # a plain free device beside it is enough: the node fits
    report, _ = run(pod_with("one"), [claim("one")], [rslice("n1", shared, gpu("gpu-1"))], nodes=("n1",))
    assert report.fitting == ["n1"]


def test_distinct_attribute_constraint_needs_devices_with_different_values():
    constraints = [{"distinctAttribute": "gpu.example.com/model"}]
    slices = [
        rslice("n1", gpu("gpu-0", model="a100"), gpu("gpu-1", model="a100")),
        rslice("n2", gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100")),
    ]
    report, _ = run(pod_with("two"), [claim("two", count=2, constraints=constraints)], slices)
    assert report.fitting == ["n2"]


def test_cel_operators_and_precedence():
    d = msgspec.convert({"name": "g0", "attributes": {"n": {"int": 3}, "ok": {"bool": True}}}, Device)
    cases = {
        'device.attributes["gpu.example.com"].n >= 3 && !(device.attributes["gpu.example.com"].n > 3)': True,
        'device.attributes["gpu.example.com"].n == 1 || device.attributes["gpu.example.com"].ok': True,
        'device.attributes["gpu.example.com"].ok && device.attributes["gpu.example.com"].n < 2': False,
        "device.driver.startsWith('gpu.') && device.driver.endsWith(\".com\")": True,
        'device.attributes["gpu.example.com"].n == "3"': False,  # no cross-type equality
    }
    assert {e: evaluate(e, d, DRIVER).value for e in cases} == cases
    assert evaluate('device.attributes["gpu.example.com"].n < "3"', d, DRIVER).error is True
