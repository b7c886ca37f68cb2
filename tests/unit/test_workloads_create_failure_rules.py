"""A controller's ``FailedCreate`` events (``analysis/workloads/create_failures.py``) as kube-controller-manager
writes them: the cause of each refusal, one entry per distinct message (the pod name differs per attempt),
newest first, the quota left against what a pod asks, and what to do about each cause."""

from __future__ import annotations

from datetime import timedelta

from builders.workloads import NOW, event, quota, ts
from k8s_agent.analysis.workloads.create_failures import (
    _controller_findings,
    _create_cause,
    _create_failures,
    _create_suggestions,
    _lower,
    _quota_parts,
    _quota_suggestions,
)
from k8s_agent.analysis.workloads.revisions import _Ctx
from k8s_agent.kube import models as m
from k8s_agent.schemas.workloads import CreateFailure

RS = "web-7d9f8c6b5"
QUOTA = (
    'Error creating: pods "web-7d9f8c6b5-{}" is forbidden: exceeded quota: compute, requested: '
    "limits.memory=512Mi,requests.cpu=500m, used: limits.memory=3840Mi,requests.cpu=3800m, "
    "limited: limits.memory=4Gi,requests.cpu=4"
)
WEBHOOK = (
    'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: resource '
    "Pod/shop/web-7d9f8c6b5-abcde was blocked due to the following policies require-labels: check-team: "
    "team label is required"
)
PSA = (
    'Error creating: pods "web-7d9f8c6b5-fghij" is forbidden: violates PodSecurity "restricted:latest": '
    'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)'
)
LIMIT = 'Error creating: pods "web-7d9f8c6b5-klmno" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi'
SA = (
    'Error creating: pods "web-7d9f8c6b5-pqrst" is forbidden: error looking up service account shop/web: '
    'serviceaccount "web" not found'
)


def _ev(
    message: str,
    minutes_ago: int,
    *,
    kind: str = "ReplicaSet",
    name: str = RS,
    count: int = 1,
    reason="FailedCreate",
):
    at = NOW - timedelta(minutes=minutes_ago)
    return m.convert(
        event(kind, name, reason, message, first=at, count=count, component="replicaset-controller"), m.Event
    )


def test_each_refusal_has_its_cause():
    assert _create_cause(QUOTA.format("x")) == "quota"
    must = 'Error creating: pods "web-x" is forbidden: failed quota: compute: must specify limits.memory for: app'
    assert _create_cause(must) == "quota"
    assert _create_cause(WEBHOOK) == "admission-webhook"
    assert _create_cause(PSA) == "pod-security"
    assert _create_cause(LIMIT) == "limit-range"
    assert _create_cause('pods "w" is forbidden: minimum cpu usage per Pod is 100m, but request is 50m') == (
        "limit-range"
    )
    assert _create_cause("Error creating: [LimitRange] default limits could not be applied") == "limit-range"
    assert _create_cause(SA) == "service-account"
    # a ServiceAccount that exists but is not ready yet, or a quota that is merely mentioned
    assert _create_cause('pods "w" is forbidden: no API token found for serviceaccount "web"') == "other"
    assert (
        _create_cause("Error creating: Internal error occurred: resource quota evaluation timed out")
        == "other"
    )
    assert _create_cause('Error creating: pods "w" is forbidden: node(s) must specify a port') == "other"


def test_one_entry_per_message_newest_first_with_counts_added():
    events = [
        _ev(SA, 1, reason="FailedDelete"),
        _ev(PSA, 30, kind="StatefulSet", name=RS),  # another kind of the same name: not this controller's
        _ev(QUOTA.format("k2j4h"), 8, count=5),
        _ev(QUOTA.format("p9q8r"), 2, count=3),  # the same refusal for another pod name: one entry
        _ev(LIMIT, 3, name="other-rs"),
        _ev(WEBHOOK, 5),
    ]
    found = _create_failures(events, {RS: "ReplicaSet", "web": "Deployment"})
    assert [(cf.object, cf.cause, cf.count, cf.last_seen, cf.quota) for cf, _ in found] == [
        (f"ReplicaSet/{RS}", "quota", 8, ts(NOW - timedelta(minutes=2)), "compute"),
        (f"ReplicaSet/{RS}", "admission-webhook", 1, ts(NOW - timedelta(minutes=5)), None),
    ]
    # the entry keeps the newest attempt's event and message, whichever order they come in
    assert found[0][1] is events[3]
    assert found[0][0].message == QUOTA.format("p9q8r")
    third = _ev(QUOTA.format("z1x2c"), 20, count=2)
    again = _create_failures([events[3], events[2], third, events[5]], {RS: "ReplicaSet"})
    assert [(cf.count, cf.message) for cf, _ in again] == [(10, QUOTA.format("p9q8r")), (1, WEBHOOK)]
    assert again[0][1] is events[3]
    # attempts seen at the same time: the one listed last is kept
    same = [_ev(QUOTA.format("aaaaa"), 4), _ev(QUOTA.format("bbbbb"), 4)]
    [(cf, ev)] = _create_failures(same, {RS: "ReplicaSet"})
    assert (cf.count, cf.message, ev) == (2, QUOTA.format("bbbbb"), same[1])


def test_create_failures_keep_ten_and_cut_messages_at_500():
    long = "Error creating: " + "x" * 600
    events = [_ev(f"Error creating: refusal number {i}", i) for i in reversed(range(12))] + [_ev(long, 30)]
    found = _create_failures(events, {RS: "ReplicaSet"})
    assert [cf.message for cf, _ in found] == [f"Error creating: refusal number {i}" for i in range(10)]
    [(cf, _)] = _create_failures([_ev(long, 30)], {RS: "ReplicaSet"})
    assert cf.message == long[:500]


def test_an_event_without_any_time_sorts_last():
    timeless = event("ReplicaSet", RS, "FailedCreate", WEBHOOK, first=NOW, component="replicaset-controller")
    for k in ("firstTimestamp", "lastTimestamp", "eventTime"):
        timeless.pop(k, None)
    timeless["metadata"].pop("creationTimestamp", None)
    ev = m.convert(timeless, m.Event)
    found = _create_failures([ev, _ev(PSA, 60)], {RS: "ReplicaSet"})
    assert [(cf.cause, cf.last_seen) for cf, _ in found] == [
        ("pod-security", ts(NOW - timedelta(hours=1))),
        ("admission-webhook", None),
    ]
    timeless["message"] = PSA
    ev2 = m.convert(timeless, m.Event)
    found = _create_failures([ev, ev2], {RS: "ReplicaSet"})
    assert sorted(cf.cause for cf, _ in found) == ["admission-webhook", "pod-security"]
    # an older copy of a timeless entry replaces it (and the counts add up)
    found = _create_failures([ev, _ev(WEBHOOK, 60, count=2)], {RS: "ReplicaSet"})
    assert [(cf.count, cf.last_seen) for cf, _ in found] == [(3, ts(NOW - timedelta(hours=1)))]


def test_quota_message_parts():
    assert _quota_parts(QUOTA.format("x")) == {
        "requested": {"limits.memory": "512Mi", "requests.cpu": "500m"},
        "used": {"limits.memory": "3840Mi", "requests.cpu": "3800m"},
        "limited": {"limits.memory": "4Gi", "requests.cpu": "4"},
    }
    spaced = "exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10"
    assert _quota_parts(spaced) == {
        "requested": {"pods": "1"},
        "used": {"pods": "10"},
        "limited": {"pods": "10"},
    }


def _cf(message: str, cause: str = "quota", quota_name: str | None = "compute") -> CreateFailure:
    return CreateFailure(object=f"ReplicaSet/{RS}", cause=cause, message=message, count=1, quota=quota_name)


def test_quota_left_against_what_a_pod_asks_as_refused_and_now():
    cf = _cf(QUOTA.format("x"))
    assert _quota_suggestions([cf], [], "shop") == [
        "The quota `compute` in `shop` has 256Mi limits.memory left (when refused: 3.8Gi of 4Gi used); a new "
        "pod asks for 512Mi: raise the quota by 256Mi or more, or lower the pod template's limits",
        "The quota `compute` in `shop` has 200m requests.cpu left (when refused: 3800m of 4 used); a new pod "
        "asks for 500m: raise the quota by 300m or more, or lower the pod template's requests",
    ]
    # the quota as it is now, where it holds the resource: here more is used than the hard limit
    now = m.convert(quota("compute", {"requests.cpu": "4"}, {"requests.cpu": "4500m"}), m.ResourceQuota)
    other = m.convert(quota("storage", {"limits.memory": "1Ti"}, {}), m.ResourceQuota)
    assert _quota_suggestions([cf], [other, now], "shop") == [
        "The quota `compute` in `shop` has 256Mi limits.memory left (when refused: 3.8Gi of 4Gi used); a new "
        "pod asks for 512Mi: raise the quota by 256Mi or more, or lower the pod template's limits",
        "The quota `compute` in `shop` has 0 requests.cpu left (now: 4500m of 4 used); a new pod asks for "
        "500m: raise the quota by 1 or more, or lower the pod template's requests",
    ]
    # a quota that holds the resource but reports no use yet counts it as nothing used
    fresh = m.convert(quota("compute", {"requests.cpu": "4", "limits.memory": "4Gi"}, {}), m.ResourceQuota)
    assert _quota_suggestions([cf], [fresh], "shop")[1] == (
        "The quota `compute` in `shop` has 4 requests.cpu left (now: 0 of 4 used); a new pod asks for 500m: "
        "there is room for it now; the controller's next attempt to create it should pass"
    )
    # exactly what a pod asks is left: room for it (the quota admits use up to its hard limit)
    exact = m.convert(quota("compute", {"requests.cpu": "4"}, {"requests.cpu": "3500m"}), m.ResourceQuota)
    assert _quota_suggestions([cf], [exact], "shop")[1].endswith(
        "has 500m requests.cpu left (now: 3500m of 4 used); a new pod asks for 500m: there is room for it "
        "now; the controller's next attempt to create it should pass"
    )


def test_quota_suggestions_for_refusals_without_figures():
    must = 'pods "web-x" is forbidden: failed quota: compute: must specify limits.memory for: app'
    unnamed = "exceeded quota, requested: requests.cpu=1"
    partial = "exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=2"
    no_used = "exceeded quota: compute, requested: requests.cpu=1, limited: requests.cpu=2"
    assert _quota_suggestions(
        [
            _cf(WEBHOOK, "admission-webhook"),
            _cf(must),
            _cf(unnamed, quota_name=None),
            _cf(partial),
            _cf(no_used),
        ],
        [],
        "shop",
    ) == [
        f"A ResourceQuota in shop refuses the pods: {must}",
        f"A ResourceQuota in shop refuses the pods: {unnamed}",
    ]
    long = "exceeded quota " + "y" * 300
    assert _quota_suggestions([_cf(long, quota_name=None)], [], "shop") == [
        f"A ResourceQuota in shop refuses the pods: {long[:200]}"
    ]


def test_what_to_do_about_each_refusal():
    failures = [
        _cf(WEBHOOK, "admission-webhook"),
        _cf(PSA, "pod-security"),
        _cf(LIMIT, "limit-range"),
        _cf(SA, "service-account"),
        _cf("Error creating: Internal error occurred", "other"),
        _cf(QUOTA.format("x"), "quota"),
        _cf("Error creating: Internal error occurred: failed calling webhook", "admission-webhook"),
        _cf("Error creating: pods are forbidden by PodSecurity", "pod-security"),
    ]
    assert _create_suggestions(failures, "shop") == [
        "The admission webhook `validate.kyverno.svc-fail` denies the pods (resource Pod/shop/web-7d9f8c6b5-abcde "
        "was blocked due to the following policies require-labels: check-team: team label is required): change "
        "the pod template to satisfy it, or ask its owner",
        "Namespace `shop` enforces PodSecurity `restricted:latest`: fix the pod template "
        '(allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)), '
        "or change the namespace's `pod-security.kubernetes.io/enforce` label",
        f"A LimitRange in `shop` refuses the pods: {LIMIT}",
        f"The pods' ServiceAccount is missing: {SA}",
        "The admission webhook `an admission webhook` denies the pods (Error creating: Internal error occurred: "
        "failed calling webhook): change the pod template to satisfy it, or ask its owner",
        "Namespace `shop` enforces PodSecurity `the enforced level`: fix the pod template (Error creating: pods "
        "are forbidden by PodSecurity), or change the namespace's `pod-security.kubernetes.io/enforce` label",
    ]


def test_refusal_texts_in_suggestions_are_cut_at_200_characters():
    tail = "z" * 300
    hook = f'admission webhook "h" denied the request: {tail}'
    psa = f'violates PodSecurity "baseline:latest": {tail}'
    failures = [
        _cf(hook, "admission-webhook"),
        _cf(psa, "pod-security"),
        _cf(f"per container {tail}", "limit-range"),
        _cf(f"serviceaccount not found {tail}", "service-account"),
        _cf(f"webhook {tail}", "admission-webhook"),
        _cf(f"PodSecurity {tail}", "pod-security"),
    ]
    out = _create_suggestions(failures, "shop")
    assert (
        out[0]
        == f"The admission webhook `h` denies the pods ({tail[:200]}): change the pod template to satisfy it, or ask its owner"
    )
    assert out[1].startswith(
        f"Namespace `shop` enforces PodSecurity `baseline:latest`: fix the pod template ({tail[:200]}), "
    )
    assert out[2] == f"A LimitRange in `shop` refuses the pods: {f'per container {tail}'[:200]}"
    assert out[3] == f"The pods' ServiceAccount is missing: {f'serviceaccount not found {tail}'[:200]}"
    assert f"({f'webhook {tail}'[:200]})" in out[4]
    assert f"({f'PodSecurity {tail}'[:200]})" in out[5]


def test_controller_findings_block_then_advise_in_order():
    c = _Ctx("shop", "web", NOW, 5, [])
    failures = [_cf(QUOTA.format("x")), _cf(WEBHOOK, "admission-webhook")]
    _controller_findings(c, "deployment", "web", [], None, failures, [], advise=True, first=["Roll back"])
    assert c.blockers == [
        f"ReplicaSet/{RS}: FailedCreate (quota): {QUOTA.format('x')[:200]}",
        f"ReplicaSet/{RS}: FailedCreate (admission-webhook): {WEBHOOK[:200]}",
    ]
    assert c.suggestions[0] == "Roll back"
    assert c.suggestions[1].startswith("The quota `compute` in `shop` has 256Mi limits.memory left")
    assert c.suggestions[3].startswith("The admission webhook `validate.kyverno.svc-fail` denies the pods")
    assert len(c.suggestions) == 4
    quiet = _Ctx("shop", "web", NOW, 5, [])
    _controller_findings(
        quiet, "deployment", "web", [], None, failures, [], advise=False, first=["Roll back"]
    )
    assert len(quiet.blockers) == 2 and quiet.suggestions == []


def test_quota_figures_in_each_resources_units_and_unreadable_figures_skipped():
    msg = (
        'Error creating: pods "web-x" is forbidden: exceeded quota: compute, requested: requests.cpu=zz,'
        "requests.memory=1Gi,pods=1, used: requests.cpu=1,requests.memory=7680Mi,pods=10, limited: "
        "requests.cpu=2,requests.memory=8Gi,pods=10"
    )
    assert _quota_suggestions([_cf(msg)], [], "shop") == [
        "The quota `compute` in `shop` has 512Mi requests.memory left (when refused: 7.5Gi of 8Gi used); a new "
        "pod asks for 1Gi: raise the quota by 512Mi or more, or lower the pod template's requests",
        "The quota `compute` in `shop` has 0 pods left (when refused: 10 of 10 used); a new pod asks for 1: "
        "raise the quota by 1 or more, or run fewer pods in the namespace (the quota counts every pod not yet "
        "Succeeded or Failed)",
    ]


def test_the_other_way_out_of_a_full_quota_follows_what_the_key_counts():
    """ResourceQuota keys: limits.* and requests.* (and the bare cpu, memory, ephemeral-storage and
    hugepages-* that mean requests) sum what pods ask; pods counts pods; the rest count objects."""
    assert [_lower(k) for k in ("limits.memory", "requests.nvidia.com/gpu", "cpu", "ephemeral-storage")] == [
        "lower the pod template's limits",
        *["lower the pod template's requests"] * 3,
    ]
    assert _lower("hugepages-2Mi") == "lower the pod template's requests"
    assert _lower("memory") == "lower the pod template's requests"
    assert _lower("pods").startswith("run fewer pods in the namespace")
    assert _lower("services.loadbalancers") == (
        "delete services.loadbalancers the namespace no longer needs (the quota counts every one)"
    )
    assert _lower("count/jobs.batch").startswith("delete jobs.batch the namespace")
