"""DynamicResources per node and its advice (``dynamic_resources``), rule by rule on ``resource.k8s.io/v1``
objects: the scheduler's reason for a node that cannot allocate (or has an invalid pool), for an allocated
claim whose node selector leaves the node out, a node the agent cannot judge (never a fit, never a rejection
the scheduler would write), objects that could not be read, and the suggestions over all nodes."""

from __future__ import annotations

import pytest

from builders import make_node, make_pod
from builders.dra import GPU_CLASS, claim, class_body, clear_cel_caches, dra, gpu, pod_with, rslice, run
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.base import Advice
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects, DynamicResources, detail

SEL = 'device.driver == "gpu.example.com"'
PREFIX = "not determined whether this node can allocate the pod's DRA claims: "


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_cel_caches()


def advise(pod, report):
    advice = Advice(pod, report.verdicts, {}, [v.node_name for v in report.verdicts], {}, lambda n: n)
    return DynamicResources.suggest(advice)


# ------------------------------------------------------------------ per node
def test_a_pool_with_duplicate_devices_makes_the_reason_invalid_pools():
    bad = [rslice("n1", gpu("gpu-0"), gpu("gpu-0"))]
    report, view = run(pod_with("c"), [claim("c")], bad, nodes=("n1",))
    out = dra(report, "n1")
    assert out.scheduler_reasons == ("invalid resource pools were encountered",)
    assert out.failures[0].reason == (
        "cannot allocate the devices of claim(s) default/c on this node: no ResourceSlice publishes devices for this node"
    )
    assert view.message == "0/1 nodes are available: 1 invalid resource pools were encountered."
    d = detail(out)
    assert (d.status, d.why, [s.request for s in d.requests]) == (
        "fail",
        "no ResourceSlice publishes devices for this node",
        ["gpu"],
    )


def test_an_allocated_claim_without_a_node_selector_is_available_everywhere():
    free = claim("mine", allocated=[("pool", "gpu-0")])
    report, _ = run(pod_with("mine"), [free], [], nodes=("n1", "n2"))
    assert report.fitting == ["n1", "n2"]


def test_an_allocated_claim_elsewhere_rejects_the_node_even_when_the_other_claims_fit_or_are_undetermined():
    mine = claim("mine", allocated=[("n2", "gpu-0")], on_node="n2")
    odd = claim("odd", selectors=("device.attributes.exists(a, true)",))
    slices = [rslice("n1", gpu("gpu-1")), rslice("n2", gpu("gpu-0"), gpu("gpu-1"))]
    for other in (claim("more"), odd):
        name = other.metadata.name
        report, view = run(pod_with("mine", name), [mine, other], slices)
        out = dra(report, "n1")
        assert out.scheduler_reasons == ("resourceclaim not available on the node",)
        assert out.failures[0].reason == (
            "ResourceClaim(s) default/mine are allocated with devices whose node selector does not select this node"
        )
        d = detail(out)
        assert (d.status, d.claims, d.requests) == ("unavailable", ("default/mine",), ())
    # where allocation fails, that is the reason
    slices = [rslice("n1"), rslice("n2", gpu("gpu-0"), gpu("gpu-1"))]
    report, _ = run(pod_with("mine", "more"), [mine, claim("more")], slices)
    assert dra(report, "n1").scheduler_reasons == ("cannot allocate all claims",)
    assert report.fitting == ["n2"]


def test_a_node_not_judged_is_neither_a_fit_nor_a_scheduler_reason():
    odd = claim("odd", selectors=("device.attributes.exists(a, true)",))
    report, view = run(pod_with("odd"), [odd], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    out = dra(report, "n1")
    assert out.scheduler_reasons == ()
    assert out.failures[0].scheduler_visible is False
    d = detail(out)
    assert (d.status, d.why) == (
        "undetermined",
        "selector `device.attributes.exists(a, true)` is not evaluated here (unsupported 'a')",
    )
    assert [s.request for s in d.requests] == ["gpu"]


@pytest.mark.parametrize("missing", ["slices", "classes"])
def test_unread_slices_or_classes_leave_every_node_undetermined(missing):
    objs = {"claims": [claim("c")], "slices": [rslice("n1", gpu("gpu-0"))], "classes": [msgspec_class()]}
    objs[missing] = None
    pod = pod_with("c")
    report = evaluate_nodes(pod, [make_node("n1")], [], storage=StorageObjects(devices=DeviceObjects(**objs)))
    v = report.verdicts[0]
    assert not v.fits
    assert v.reasons == [PREFIX + "the ResourceSlices or DeviceClasses could not be read (see warnings)"]
    assert detail(v.outcome("DynamicResources")).requests == ()


def msgspec_class():
    from builders.dra import device_class

    return device_class(GPU_CLASS)


def test_unread_claims_leave_a_note_naming_the_pods_claims():
    pod = make_pod(
        "train-0",
        resourceClaims=[
            {"name": "gpu", "resourceClaimName": "a"},
            {"name": "nic", "resourceClaimTemplateName": "t"},
        ],
    )
    report = evaluate_nodes(
        pod, [make_node("n1")], [], storage=StorageObjects(devices=DeviceObjects(None, [], []))
    )
    assert report.fitting == ["n1"]
    assert list(report.notes) == [
        "the pod asks for 2 DRA ResourceClaim(s) (gpu, nic) but the ResourceClaims could not be read: device "
        "allocation was not evaluated per node (see warnings)"
    ]


def test_a_pod_whose_claims_are_all_missing_is_held_back_and_no_node_is_judged_on_devices():
    report, _ = run(pod_with("gone"), [], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert [b.message for b in report.blockers] == ['could not find ResourceClaim "default/gone"']
    assert detail(dra(report, "n1")) is None


# ------------------------------------------------------------------ advice
def test_advice_when_no_node_publishes_a_matching_device():
    sel = 'device.attributes["gpu.example.com"].model == "h100"'
    pod = pod_with("x")
    report, _ = run(pod, [claim("x", selectors=(sel,))], [rslice("n1", gpu("gpu-0")), rslice("n2")])
    assert advise(pod, report) == [
        f"no node publishes a device of class gpu.example.com matching {SEL} && {sel} for request gpu of claim "
        "default/x: check the DRA driver's ResourceSlices (`kubectl get resourceslices -o yaml`) or relax the "
        "selectors"
    ]
    plain = class_body("plain")
    report, _ = run(pod, [claim("x", cls="plain")], [rslice("n1")], classes=(plain,), nodes=("n1",))
    assert advise(pod, report) == [
        "no node publishes a device of class plain for request gpu of claim default/x: check the DRA driver's "
        "ResourceSlices (`kubectl get resourceslices -o yaml`) or relax the selectors"
    ]


def test_advice_when_the_only_matching_device_is_held():
    pod = pod_with("mine")
    held = claim("a", allocated=[("n1", "gpu-0")])
    report, _ = run(pod, [held, claim("mine")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert advise(pod, report) == [
        f"1 node publishes devices of class gpu.example.com matching {SEL} but the only one is allocated to claim "
        "default/a: free one (delete the pod and claim that hold it) or add devices"
    ]


def test_advice_names_up_to_four_holders():
    pod = pod_with("mine")
    devs = [gpu(f"gpu-{i}") for i in range(5)]
    held = [claim(f"h{i}", allocated=[("n1", f"gpu-{i}")]) for i in range(5)]
    report, _ = run(pod, [*held, claim("mine")], [rslice("n1", *devs)], nodes=("n1",))
    assert advise(pod, report) == [
        f"1 node publishes devices of class gpu.example.com matching {SEL} but all 5 are allocated to claims "
        "default/h0, default/h1, default/h2, default/h3 and 1 more: free one (delete the pod and claim that hold it) "
        "or add devices"
    ]


def test_advice_when_no_node_has_enough_free_names_the_node_with_the_most():
    pod = pod_with("three")
    slices = [
        rslice("n1", gpu("gpu-0")),
        rslice("n2", gpu("gpu-0"), gpu("gpu-1")),
        rslice("n3", gpu("gpu-0")),
    ]
    held = claim("h", allocated=[("n3", "gpu-0")])
    report, _ = run(pod, [held, claim("three", count=3)], slices, nodes=("n1", "n2", "n3"))
    assert advise(pod, report) == [
        f"request gpu of claim default/three wants 3 devices of class gpu.example.com matching {SEL}; the most "
        "free on one node is 2 (n2): lower the count or add devices"
    ]


def test_advice_for_all_mode_with_no_free_device():
    pod = pod_with("all")
    held = claim("h", allocated=[("n1", "gpu-0")])
    report, _ = run(pod, [held, claim("all", mode="All")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert advise(pod, report) == [
        f"1 node publishes devices of class gpu.example.com matching {SEL} but the only one is allocated to claim "
        "default/h: free one (delete the pod and claim that hold it) or add devices"
    ]


def test_no_count_advice_when_every_node_has_enough_free_devices():
    # the node fails on a constraint, not on the number of free devices
    pod = pod_with("pair")
    cons = [{"matchAttribute": "gpu.example.com/model"}]
    slices = [rslice("n1", gpu("gpu-0", model="a100"), gpu("gpu-1", model="h100"))]
    report, _ = run(pod, [claim("pair", count=2, constraints=cons)], slices, nodes=("n1",))
    assert dra(report, "n1").scheduler_reasons == ("cannot allocate all claims",)
    assert advise(pod, report) == []


def test_advice_for_requests_comes_in_request_order_per_class():
    pod = pod_with("c")
    reqs = [
        {"name": "b", "exactly": {"deviceClassName": "gpu.example.com", "count": 3}},
        {"name": "a", "exactly": {"deviceClassName": "gpu.example.com", "count": 4}},
    ]
    report, _ = run(pod, [claim("c", requests=reqs)], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert [line.split(" wants")[0] for line in advise(pod, report)] == [
        "request a of claim default/c",
        "request b of claim default/c",
    ]


def test_advice_for_a_claim_allocated_elsewhere():
    pod = pod_with("mine")
    mine = claim("mine", allocated=[("n1", "gpu-0")], on_node="n1")
    report, _ = run(pod, [mine], [rslice("n1", gpu("gpu-0"))], nodes=("n1", "n2", "n3"))
    assert advise(pod, report) == [
        "ResourceClaim(s) default/mine are already allocated to devices of other nodes: the pod can run only where "
        "they are (n1)"
    ]
    report, _ = run(pod, [mine], [rslice("n1", gpu("gpu-0"))], nodes=("n2",))
    assert advise(pod, report) == [
        "ResourceClaim(s) default/mine are already allocated to devices of other nodes: the pod can run only where "
        "they are; delete and recreate the claim to allocate it again"
    ]


def test_advice_for_nodes_not_judged():
    pod = pod_with("odd")
    odd = claim("odd", selectors=("device.attributes.exists(a, true)",))
    for nodes, word in ((("n1",), "1 node"), (("n1", "n2"), "2 nodes")):
        slices = [rslice(n, gpu("gpu-0")) for n in nodes]
        report, _ = run(pod, [odd], slices, nodes=nodes)
        assert advise(pod, report) == [
            f"{word} could not be judged for the pod's DRA claims (selector `device.attributes.exists(a, true)` is "
            "not evaluated here (unsupported 'a')): compare the DeviceClass and claim selectors with the devices in "
            "`kubectl get resourceslices -o yaml`"
        ]


def test_no_advice_when_every_node_fits_or_the_pod_has_no_claims():
    pod = pod_with("c")
    report, _ = run(pod, [claim("c")], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert report.fitting == ["n1"] and advise(pod, report) == []
    plain = make_pod("web-0")
    assert advise(plain, evaluate_nodes(plain, [make_node("n1")], [])) == []


def test_a_pod_without_claims_passes_every_node_at_once():
    f = DynamicResources.__new__(DynamicResources)
    from k8s_agent.analysis.scheduling.filters.base import PASS, PodContext

    f.__init__(PodContext(make_pod("web-0"), None, {}, {}))
    assert f.constant() is PASS
    assert f.evaluate(make_node("n1")) is PASS
    f.__init__(
        PodContext(pod_with("c"), None, {}, {}, devices=DeviceObjects([claim("c")], [], [msgspec_class()]))
    )
    assert f.constant() is None


def test_several_claims_allocated_elsewhere_are_listed_in_the_reason_and_the_advice():
    pod = pod_with("a", "b")
    claims = [
        claim("a", allocated=[("n1", "gpu-0")], on_node="n1"),
        claim("b", allocated=[("n1", "gpu-1")], on_node="n1"),
    ]
    report, _ = run(pod, claims, [rslice("n1", gpu("gpu-0"), gpu("gpu-1"))], nodes=("n1", "n2"))
    assert dra(report, "n2").failures[0].reason == (
        "ResourceClaim(s) default/a, default/b are allocated with devices whose node selector does not select this "
        "node"
    )
    assert advise(pod, report) == [
        "ResourceClaim(s) default/a, default/b are already allocated to devices of other nodes: the pod can run "
        "only where they are (n1)"
    ]


def test_no_advice_for_an_all_request_with_its_one_device_free():
    pod = pod_with("c")
    reqs = [
        {"name": "all", "exactly": {"deviceClassName": "gpu.example.com", "allocationMode": "All"}},
        {"name": "one", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
    ]
    report, _ = run(pod, [claim("c", requests=reqs)], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert dra(report, "n1").scheduler_reasons == ("cannot allocate all claims",)
    assert advise(pod, report) == []


def test_advice_goes_on_past_a_request_with_enough_free_devices_or_with_none_published():
    pod = pod_with("c")
    reqs = [
        {"name": "a", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}},
        {"name": "b", "exactly": {"deviceClassName": "gpu.example.com", "count": 2}},
    ]
    report, _ = run(pod, [claim("c", requests=reqs)], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert advise(pod, report) == [
        f"request b of claim default/c wants 2 devices of class gpu.example.com matching {SEL}; the most free on "
        "one node is 1 (n1): lower the count or add devices"
    ]
    never = {"cel": {"expression": 'device.attributes["gpu.example.com"].model == "tpu"'}}
    reqs[0]["exactly"]["selectors"] = [never]
    report, _ = run(pod, [claim("c", requests=reqs)], [rslice("n1", gpu("gpu-0"))], nodes=("n1",))
    assert [line.split(" ")[0:2] for line in advise(pod, report)] == [["no", "node"], ["request", "b"]]
