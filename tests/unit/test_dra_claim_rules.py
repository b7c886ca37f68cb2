"""DynamicResources, what the pod asks for (``dra_claims``), rule by rule on ``resource.k8s.io/v1`` objects:
which ResourceClaims a pod's ``spec.resourceClaims`` name (directly, or generated from a template and
recorded in ``status.resourceClaimStatuses``), what keeps the pod out of scheduling before any node is tried
(the scheduler's PreEnqueue wording, and the fix), and how each request of a claim reads: its class and
request selectors, count or ``All``, admin access, tolerations, ``firstAvailable`` sub-requests, and the
claim's attribute constraints."""

from __future__ import annotations

from typing import Any

import msgspec

from builders import make_pod
from builders.dra import DRIVER, claim, class_body, device_class
from k8s_agent.analysis.scheduling.filters.base import Blocker, PodContext
from k8s_agent.analysis.scheduling.filters.dra_claims import Constraint, Option, claim_requests, pod_claims
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.kube.models import ResourceClaim

CLASS_SEL = 'device.driver == "gpu.example.com"'


def ctx_for(pod) -> PodContext:
    return PodContext(pod, None, {}, {})


def template_pod(
    *entries: tuple[str, str], statuses: list[dict[str, Any]] | None = None, uid: str = "pod-uid"
):
    """A pod whose claims come from templates: (pod claim name, template name) pairs."""
    status: dict[str, Any] = {"phase": "Pending"}
    if statuses is not None:
        status["resourceClaimStatuses"] = statuses
    return make_pod(
        "train-0",
        uid=uid,
        status=status,
        resourceClaims=[{"name": n, "resourceClaimTemplateName": t} for n, t in entries],
    )


def named_pod(*entries: tuple[str, str]):
    return make_pod("train-0", resourceClaims=[{"name": n, "resourceClaimName": c} for n, c in entries])


def deleted(c: ResourceClaim) -> ResourceClaim:
    body = msgspec.to_builtins(c)
    body["metadata"]["deletionTimestamp"] = "2024-05-01T10:00:00Z"
    return msgspec.convert(body, ResourceClaim)


def names(claims):
    return [c.metadata.name for c in claims]


# ------------------------------------------------------------------ the pod's claims
def test_claims_by_name_in_the_order_of_the_pod_and_only_of_its_namespace():
    pod = named_pod(("a", "second"), ("b", "first"))
    ctx = ctx_for(pod)
    got = pod_claims(ctx, [claim("first"), claim("second"), claim("second", ns="other")])
    assert names(got) == ["second", "first"]
    assert [c.metadata.namespace for c in got] == ["default", "default"]
    assert ctx.blockers == []


def test_a_claim_missing_in_the_pods_namespace_keeps_the_pod_out_and_the_next_claims_are_still_read():
    pod = named_pod(("gpu", "gone"), ("nic", "there"))
    ctx = ctx_for(pod)
    got = pod_claims(ctx, [claim("gone", ns="other"), claim("there")])
    assert names(got) == ["there"]
    assert ctx.blockers == [
        Blocker(
            'could not find ResourceClaim "default/gone"',
            MISCELLANEOUS,
            "create ResourceClaim default/gone (pod claim gpu) or fix the pod's resourceClaims",
        )
    ]


def test_a_claim_being_deleted_keeps_the_pod_out():
    pod = named_pod(("gpu", "old"), ("nic", "there"))
    ctx = ctx_for(pod)
    got = pod_claims(ctx, [deleted(claim("old")), claim("there")])
    assert names(got) == ["there"]
    assert ctx.blockers == [
        Blocker(
            'resourceclaim "old" is being deleted',
            MISCELLANEOUS,
            "wait for ResourceClaim default/old to go away",
        )
    ]


def test_a_template_claim_not_generated_yet_keeps_the_pod_out():
    pod = template_pod(
        ("gpu", "one-gpu"), ("nic", "one-nic"), statuses=[{"name": "nic", "resourceClaimName": "train-0-nic"}]
    )
    ctx = ctx_for(pod)
    got = pod_claims(ctx, [claim("train-0-nic", owner_uid="pod-uid")])
    assert names(got) == ["train-0-nic"]
    assert ctx.blockers == [
        Blocker(
            'pod "default/train-0": ResourceClaim not created yet',
            MISCELLANEOUS,
            "the ResourceClaim of template one-gpu (pod claim gpu) has not been generated yet: check the "
            "resourceclaim controller (kube-controller-manager) and its events on the pod",
        )
    ]


def test_a_template_entry_without_a_claim_name_needs_no_claim():
    pod = template_pod(
        ("gpu", "t"),
        ("nic", "t2"),
        statuses=[{"name": "gpu"}, {"name": "nic", "resourceClaimName": "train-0-nic"}],
    )
    ctx = ctx_for(pod)
    got = pod_claims(ctx, [claim("train-0-nic", owner_uid="pod-uid")])
    assert names(got) == ["train-0-nic"]
    assert ctx.blockers == []


def test_the_generated_claim_is_the_one_recorded_for_that_pod_claim():
    pod = template_pod(
        ("gpu", "t"),
        ("nic", "t2"),
        statuses=[
            {"name": "nic", "resourceClaimName": "train-0-nic-x"},
            {"name": "gpu", "resourceClaimName": "train-0-gpu-y"},
        ],
    )
    ctx = ctx_for(pod)
    owned = [claim("train-0-nic-x", owner_uid="pod-uid"), claim("train-0-gpu-y", owner_uid="pod-uid")]
    assert names(pod_claims(ctx, owned)) == ["train-0-gpu-y", "train-0-nic-x"]
    assert ctx.blockers == []


def test_a_generated_claim_must_be_controlled_by_the_pod():
    statuses = [
        {"name": "gpu", "resourceClaimName": "train-0-gpu"},
        {"name": "nic", "resourceClaimName": "train-0-nic"},
    ]
    pod = template_pod(("gpu", "t"), ("nic", "t2"), statuses=statuses, uid="new")
    # an owner reference to the pod that is not the controller does not make the claim the pod's
    not_controller = claim("train-0-gpu")
    body = msgspec.to_builtins(not_controller)
    body["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Pod", "name": "train-0", "uid": "new", "controller": False}
    ]
    ctx = ctx_for(pod)
    got = pod_claims(ctx, [msgspec.convert(body, ResourceClaim), claim("train-0-nic", owner_uid="old")])
    assert got == []
    fix = "delete ResourceClaim default/{}: it belongs to another pod of the same name"
    assert ctx.blockers == [
        Blocker(
            f"ResourceClaim default/train-0-{c} was not created for Pod default/train-0 (Pod is not owner)",
            MISCELLANEOUS,
            fix.format(f"train-0-{c}"),
        )
        for c in ("gpu", "nic")
    ]
    ctx = ctx_for(pod)
    assert names(
        pod_claims(ctx, [claim("train-0-gpu", owner_uid="new"), claim("train-0-nic", owner_uid="new")])
    ) == [
        "train-0-gpu",
        "train-0-nic",
    ]
    assert ctx.blockers == []


def test_a_claim_named_by_the_pod_needs_no_owner():
    ctx = ctx_for(named_pod(("gpu", "shared")))
    assert names(pod_claims(ctx, [claim("shared", owner_uid="someone-else")])) == ["shared"]
    assert ctx.blockers == []


def test_an_entry_naming_neither_a_claim_nor_a_template_is_skipped():
    pod = make_pod("train-0", resourceClaims=[{"name": "odd"}, {"name": "gpu", "resourceClaimName": "there"}])
    ctx = ctx_for(pod)
    assert names(pod_claims(ctx, [claim("there")])) == ["there"]
    assert ctx.blockers == []


# ------------------------------------------------------------------ requests and constraints
def read(claims, classes=None):
    pod = named_pod(*((f"c{i}", c.metadata.name) for i, c in enumerate(claims)))
    ctx = ctx_for(pod)
    cls = [device_class(b) for b in (classes or [class_body("gpu.example.com", CLASS_SEL)])]
    requests, constraints = claim_requests(
        ctx, list(claims), [f"default/{c.metadata.name}" for c in claims], cls
    )
    return ctx, requests, constraints


def test_an_exact_request_reads_its_class_selectors_count_and_tolerations():
    tol = [{"key": "ecc", "operator": "Exists", "effect": "NoSchedule"}]
    c = claim("c", count=3, selectors=("device.attributes['gpu.example.com'].index > 0",), tolerations=tol)
    ctx, requests, constraints = read([c])
    assert ctx.blockers == [] and constraints == []
    [req] = requests
    assert (req.claim, req.name) == (0, "gpu")
    [opt] = req.options
    assert opt == Option(
        "gpu",
        "gpu",
        "",
        "gpu.example.com",
        (CLASS_SEL,),
        ("device.attributes['gpu.example.com'].index > 0",),
        False,
        3,
        False,
        tuple(c.spec.devices.requests[0].exactly.tolerations),
        False,
    )
    assert opt.tolerations[0].key == "ecc"


def test_count_defaults_to_one_all_mode_admin_access_and_capacity_requests():
    one = claim("one", mode="ExactCount", count=1)
    body = msgspec.to_builtins(one)
    del body["spec"]["devices"]["requests"][0]["exactly"]["count"]
    one = msgspec.convert(body, ResourceClaim)
    every = claim("every", mode="All", adminAccess=True, capacity={"requests": {"memory": "10Gi"}})
    _, requests, _ = read([one, every])
    a, b = (r.options[0] for r in requests)
    assert (a.count, a.all_mode, a.admin, a.capacity) == (1, False, False, False)
    assert (b.all_mode, b.admin, b.capacity) == (True, True, True)
    assert [r.claim for r in requests] == [0, 1]


def test_selectors_without_cel_are_left_out():
    cls = class_body("gpu.example.com", CLASS_SEL)
    cls["spec"]["selectors"].append({})
    c = claim("c")
    body = msgspec.to_builtins(c)
    body["spec"]["devices"]["requests"][0]["exactly"]["selectors"] = [{}, {"cel": {"expression": "true"}}]
    _, requests, _ = read([msgspec.convert(body, ResourceClaim)], [cls])
    opt = requests[0].options[0]
    assert (opt.class_selectors, opt.selectors) == ((CLASS_SEL,), ("true",))


def test_first_available_gives_one_option_per_sub_request_in_order():
    subs = [
        {
            "name": "big",
            "deviceClassName": "gpu.example.com",
            "count": 2,
            "selectors": [{"cel": {"expression": "true"}}],
        },
        {"name": "small", "deviceClassName": "gpu.example.com", "allocationMode": "All"},
    ]
    _, requests, _ = read([claim("fa", requests=[{"name": "gpu", "firstAvailable": subs}])])
    [req] = requests
    assert req.name == "gpu"
    assert [(o.name, o.base, o.sub, o.count, o.all_mode, o.selectors) for o in req.options] == [
        ("gpu/big", "gpu", "big", 2, False, ("true",)),
        ("gpu/small", "gpu", "small", 1, True, ()),
    ]
    assert [o.admin for o in req.options] == [False, False]


def test_a_request_with_neither_form_is_skipped_and_the_next_one_read():
    c = claim(
        "c", requests=[{"name": "odd"}, {"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com"}}]
    )
    _, requests, _ = read([c])
    assert [r.name for r in requests] == ["gpu"]


def test_a_request_naming_a_missing_device_class_is_the_prefilter_rejection_and_keeps_no_option():
    subs = [
        {"name": "tpu", "deviceClassName": "tpu.example.com"},
        {"name": "gpu", "deviceClassName": "gpu.example.com"},
    ]
    c = claim(
        "c",
        requests=[
            {"name": "acc", "firstAvailable": subs},
            {"name": "x", "exactly": {"deviceClassName": "fpga"}},
        ],
    )
    ctx, requests, _ = read([c])
    assert [[o.name for o in r.options] for r in requests] == [["acc/gpu"], []]
    assert ctx.blockers == [
        Blocker(
            "DeviceClass tpu.example.com (claim default/c, request acc/tpu) does not exist",
            MISCELLANEOUS,
            "create DeviceClass tpu.example.com (usually installed with its DRA driver) or fix the claim's "
            "deviceClassName",
            scheduler_text="request acc/tpu: device class tpu.example.com does not exist",
        ),
        Blocker(
            "DeviceClass fpga (claim default/c, request x) does not exist",
            MISCELLANEOUS,
            "create DeviceClass fpga (usually installed with its DRA driver) or fix the claim's deviceClassName",
            scheduler_text="request x: device class fpga does not exist",
        ),
    ]


def test_constraints_match_or_distinct_and_the_requests_they_cover():
    cons = [
        {"requests": ["gpu"], "matchAttribute": f"{DRIVER}/model"},
        {"distinctAttribute": f"{DRIVER}/index"},
        {"requests": ["gpu"]},  # neither attribute: nothing to hold
    ]
    _, _, constraints = read([claim("plain"), claim("c", constraints=cons)])
    assert constraints == [
        Constraint(1, f"{DRIVER}/model", False, frozenset({"gpu"})),
        Constraint(1, f"{DRIVER}/index", True, frozenset()),
    ]


def test_a_constraint_applies_to_its_requests_their_sub_requests_or_to_all_when_none_is_named():
    subs = [
        {"name": "big", "deviceClassName": "gpu.example.com"},
        {"name": "small", "deviceClassName": "gpu.example.com"},
    ]
    c = claim(
        "c",
        requests=[
            {"name": "gpu", "firstAvailable": subs},
            {"name": "nic", "exactly": {"deviceClassName": "gpu.example.com"}},
        ],
    )
    _, requests, _ = read([c])
    big, small = requests[0].options
    [nic] = requests[1].options
    every = Constraint(0, "a", False, frozenset())
    whole = Constraint(0, "a", False, frozenset({"gpu"}))
    one_sub = Constraint(0, "a", False, frozenset({"gpu/small"}))
    assert [every.applies(o) for o in (big, small, nic)] == [True, True, True]
    assert [whole.applies(o) for o in (big, small, nic)] == [True, True, False]
    assert [one_sub.applies(o) for o in (big, small, nic)] == [False, True, False]
