"""VolumeBinding for unbound claims, by the rules of kube-scheduler 1.36 (``volumebinding/binder.go``
FindPodVolumes, ``component-helpers/storage/volume`` FindMatchingVolume, IsDelayBindingMode): our own cases,
checked through ``scheduler_view`` and the agent's per-node words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from builders import make_node, make_pod, make_pv, make_pvc, pvc_volume
from k8s_agent.analysis.scheduling.analyze import explain_scheduling
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import (
    CSIStorageCapacity,
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    convert,
)

ZONE = "topology.kubernetes.io/zone"
BIND = "node(s) didn't find available persistent volumes to bind"
AFFINITY = "node(s) didn't match PersistentVolume's node affinity"
SPACE = "node(s) did not have enough free storage"


def sc(name: str = "local", provisioner: str = "kubernetes.io/no-provisioner", **extra: Any) -> StorageClass:
    body = {
        "metadata": {"name": name},
        "provisioner": provisioner,
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    return convert({**body, **extra}, StorageClass)


def claim(name: str, size: str = "10Gi", cls: str = "local", **spec: Any) -> PersistentVolumeClaim:
    annotations = spec.pop("annotations", {})
    return convert(
        {
            "metadata": {
                "name": name,
                "namespace": "default",
                "uid": f"uid-{name}",
                "annotations": annotations,
            },
            "spec": {
                "storageClassName": cls,
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                **spec,
            },
            "status": {"phase": "Pending"},
        },
        PersistentVolumeClaim,
    )


def pv(
    name: str, size: str = "10Gi", zone: str | None = "a", cls: str = "local", **extra: Any
) -> PersistentVolume:
    status = extra.pop("status", {"phase": "Available"})
    meta = extra.pop("metadata", {})
    spec: dict[str, Any] = {
        "capacity": {"storage": size},
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": cls,
    }
    if zone:
        spec["nodeAffinity"] = {
            "required": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": ZONE, "operator": "In", "values": [zone]}]}
                ]
            }
        }
    return convert(
        {"metadata": {"name": name, **meta}, "spec": {**spec, **extra}, "status": status}, PersistentVolume
    )


NODES = [make_node("a1", zone="a"), make_node("b1", zone="b")]


def view(
    claims: list[PersistentVolumeClaim], pvs: list[PersistentVolume], classes: list[StorageClass], nodes=NODES
):
    pod = make_pod("db-0", volumes=[pvc_volume(c.metadata.name, f"v{i}") for i, c in enumerate(claims)])
    storage = StorageObjects({c.metadata.name: c for c in classes}, frozenset(), pvs)
    pvcs = {c.metadata.name: c for c in claims}
    return pod, pvcs, storage, scheduler_view(pod, nodes, [], pvcs, {}, storage)


def verdicts(v) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {n.node_name: (n.plugin, n.reasons) for n in v.nodes}


def test_a_free_static_pv_decides_the_node():
    *_, v = view([claim("data")], [pv("pv-a", zone="a")], [sc()])
    assert verdicts(v) == {"a1": ("", ()), "b1": ("VolumeBinding", (BIND,))}


def test_which_static_pvs_can_be_bound():
    c = claim("data", size="10Gi")
    cases = {
        "too small": pv("p", size="5Gi"),
        "not Available": pv("p", status={"phase": "Released"}),
        "bound to another claim": pv("p", claimRef={"name": "other", "namespace": "default"}),
        "another class": pv("p", cls="fast"),
        "another volume mode": pv("p", volumeMode="Block"),
        "missing access mode": pv("p", accessModes=["ReadOnlyMany"]),
        "being deleted": pv("p", metadata={"deletionTimestamp": "2024-05-01T09:00:00Z"}),
    }
    for why, candidate in cases.items():
        *_, v = view([c], [candidate], [sc()])
        assert verdicts(v)["a1"] == ("VolumeBinding", (BIND,)), why
    # a selector on the claim: only labelled PVs
    picky = claim("data", selector={"matchLabels": {"tier": "gold"}})
    *_, v = view([picky], [pv("p")], [sc()])
    assert verdicts(v)["a1"] == ("VolumeBinding", (BIND,))
    *_, v = view([picky], [pv("p", metadata={"labels": {"tier": "gold"}})], [sc()])
    assert verdicts(v)["a1"] == ("", ())
    # larger is fine; a PV pre-bound to this very claim is taken whatever its phase, on its nodes only
    *_, v = view([c], [pv("p", size="1Ti")], [sc()])
    assert verdicts(v)["a1"] == ("", ())
    mine = pv(
        "p", status={"phase": "Bound"}, claimRef={"name": "data", "namespace": "default", "uid": "uid-data"}
    )
    *_, v = view([c], [mine], [sc()])
    assert verdicts(v) == {"a1": ("", ()), "b1": ("VolumeBinding", (BIND,))}


def test_two_claims_cannot_take_the_same_pv_and_the_smallest_request_goes_first():
    small, big = claim("small", size="5Gi"), claim("big", size="10Gi")
    # one 10Gi PV: whichever claim takes it, the other has nothing
    *_, v = view([big, small], [pv("p10", size="10Gi")], [sc()])
    assert verdicts(v)["a1"] == ("VolumeBinding", (BIND,))
    # 5Gi and 10Gi PVs: the small claim takes the smallest fitting PV (5Gi), the big one the 10Gi
    *_, v = view([big, small], [pv("p10", size="10Gi"), pv("p5", size="5Gi")], [sc()])
    assert verdicts(v)["a1"] == ("", ())


def test_provisioning_follows_the_class_allowed_topologies():
    cls = sc(
        "zonal",
        provisioner="ebs.csi.aws.com",
        allowedTopologies=[{"matchLabelExpressions": [{"key": ZONE, "values": ["a"]}]}],
    )
    pod, pvcs, storage, v = view([claim("data", cls="zonal")], [], [cls])
    assert verdicts(v) == {"a1": ("", ()), "b1": ("VolumeBinding", (BIND,))}
    report = evaluate_nodes(pod, NODES, [], pvcs, {}, storage=storage)
    assert report.verdicts[1].reasons == [
        "unbound claim data (storage class zonal): no free PV of storage class zonal fits it on this node, and "
        f"the class's allowedTopologies ({ZONE} In [a]) exclude the node"
    ]
    # no allowedTopologies: every node can provision
    *_, v = view([claim("data", cls="any")], [], [sc("any", provisioner="ebs.csi.aws.com")])
    assert v.fits and v.feasible_nodes == ["a1", "b1"]


def test_a_claim_given_a_node_for_provisioning_fits_that_node_only():
    given = claim("data", cls="any", annotations={"volume.kubernetes.io/selected-node": "b1"})
    *_, v = view([given], [], [sc("any", provisioner="ebs.csi.aws.com")])
    assert verdicts(v) == {"a1": ("VolumeBinding", (BIND,)), "b1": ("", ())}


def test_bound_and_unbound_conflicts_are_both_reported_in_the_schedulers_order():
    bound = make_pvc("old", volume_name="pv-old")
    bound_pv = make_pv("pv-old", zone="b")
    pod = make_pod("db-0", volumes=[pvc_volume("old", "v0"), pvc_volume("data", "v1")])
    storage = StorageObjects({"local": sc()}, frozenset(), [pv("pv-a", zone="a")])
    v = scheduler_view(pod, NODES, [], {"old": bound, "data": claim("data")}, {"pv-old": bound_pv}, storage)
    # a1: the bound PV is in b; b1: the only free PV is in a
    assert verdicts(v) == {"a1": ("VolumeBinding", (AFFINITY,)), "b1": ("VolumeBinding", (BIND,))}
    only_b = [make_node("b1", zone="b"), make_node("c1", zone="c")]
    v = scheduler_view(pod, only_b, [], {"old": bound, "data": claim("data")}, {"pv-old": bound_pv}, storage)
    assert verdicts(v)["c1"] == ("VolumeBinding", (AFFINITY, BIND))
    assert v.message == (
        "0/2 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity, 2 " + BIND + "."
    )


def test_an_immediate_or_missing_class_is_the_prefilter_rejection():
    immediate = convert(
        {"metadata": {"name": "local"}, "provisioner": "x", "volumeBindingMode": "Immediate"}, StorageClass
    )
    for classes in ([immediate], []):
        *_, v = view([claim("data")], [], classes)
        assert v.message == "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims."


def test_without_the_storage_objects_an_unbound_claim_of_a_class_is_only_noted():
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    report = evaluate_nodes(pod, NODES, [], {"data": claim("data")}, {})
    assert all(v.fits for v in report.verdicts)
    assert any(n.startswith("PVC data is not bound yet") for n in report.notes)


def capacity(cls: str, zone: str | None, size: str | None, maximum: str | None = None) -> CSIStorageCapacity:
    body: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSIStorageCapacity",
        "metadata": {"name": f"csisc-{zone}-{size}", "namespace": "kube-system"},
        "storageClassName": cls,
    }
    if zone is not None:
        body["nodeTopology"] = {"matchLabels": {ZONE: zone}}
    if size is not None:
        body["capacity"] = size
    if maximum is not None:
        body["maximumVolumeSize"] = maximum
    return convert(body, CSIStorageCapacity)


def test_a_driver_tracking_storage_capacity_needs_a_capacity_of_the_class_for_the_node_that_holds_the_claim():
    cls = sc("fast", provisioner="csi.example.com")
    pod = make_pod("db-0", volumes=[pvc_volume("data", "v0")])
    pvcs = {"data": claim("data", size="100Gi", cls="fast")}
    nodes = [*NODES, make_node("c1", zone="c")]

    def run(drivers, capacities):
        storage = StorageObjects({"fast": cls}, frozenset(), [], csi_drivers=drivers, capacities=capacities)
        return scheduler_view(pod, nodes, [], pvcs, {}, storage), evaluate_nodes(
            pod, nodes, [], pvcs, {}, storage=storage
        )

    # zone a has room; zone b's maximumVolumeSize (not its larger capacity) is too small; zone c has none
    caps = [
        capacity("fast", "a", "200Gi"),
        capacity("fast", "b", "1Ti", maximum="50Gi"),
        capacity("other", "c", "1Ti"),
        capacity("fast", None, "1Ti"),  # no nodeTopology: no node has access
    ]
    v, report = run({"csi.example.com": True}, caps)
    assert verdicts(v) == {
        "a1": ("", ()),
        "b1": ("VolumeBinding", (SPACE,)),
        "c1": ("VolumeBinding", (SPACE,)),
    }
    assert report.verdicts[1].reasons == [
        "unbound claim data (storage class fast): not enough free storage: CSI driver csi.example.com tracks "
        "storage capacity (CSIStorageCapacity) and the claim asks 100Gi; the most it publishes here is 50Gi"
    ]
    assert (
        report.verdicts[2]
        .reasons[0]
        .endswith("it publishes no capacity of the class for this node's topology")
    )
    # a driver without storageCapacity (or without a CSIDriver object), or nothing read: no capacity check
    for drivers in ({"csi.example.com": False}, {}, None):
        v, _ = run(drivers, caps)
        assert v.feasible_nodes == ["a1", "b1", "c1"], drivers


NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
SSD = [
    {"matchLabelExpressions": [{"key": ZONE, "values": ["a"]}]},
    {"matchLabelExpressions": [{"key": ZONE, "values": ["c", "d"]}, {"key": "disk", "values": ["ssd"]}]},
]


def explain(claims, pvs, classes, nodes=NODES, drivers=None, capacities=None):
    pod = make_pod("db-0", volumes=[pvc_volume(c.metadata.name, f"v{i}") for i, c in enumerate(claims)])
    storage = StorageObjects(
        {c.metadata.name: c for c in classes}, frozenset(), pvs, csi_drivers=drivers, capacities=capacities
    )
    return explain_scheduling(
        pod, [], nodes, [pod], {c.metadata.name: c for c in claims}, {}, NOW, storage=storage
    )


def test_an_unbound_claim_suggestion_says_why_and_what_to_do_for_each_cause():
    x = explain([claim("data")], [], [sc()])
    assert x.suggestions == [
        "unbound claim data (storage class local, WaitForFirstConsumer) can't be bound on 2 nodes (e.g. a1: no "
        "free PV of storage class local fits it on this node, and the class has no provisioner "
        "(kubernetes.io/no-provisioner)); create a PV of that class (size, access modes, node affinity) where "
        "the pod can run"
    ]
    x = explain([claim("data", cls="n")], [], [sc("n", provisioner="")])
    assert x.suggestions[0].startswith(
        "unbound claim data (storage class n, WaitForFirstConsumer) can't be bound on 2 nodes (e.g. a1: no free "
        "PV of storage class n fits it on this node, and the class has no provisioner (none)); create a PV"
    )
    x = explain([claim("data", cls="z")], [], [sc("z", provisioner="ebs.csi.aws.com", allowedTopologies=SSD)])
    assert x.suggestions[0] == (
        "unbound claim data (storage class z, WaitForFirstConsumer) can't be bound on 1 node (e.g. b1: no free "
        "PV of storage class z fits it on this node, and the class's allowedTopologies "
        f"({ZONE} In [a] OR {ZONE} In [c, d] and disk In [ssd]) exclude the node); add nodes in the allowed "
        "topology, or widen the class's allowedTopologies"
    )
    given = claim("data", cls="any", annotations={"volume.kubernetes.io/selected-node": "b1"})
    x = explain([given], [], [sc("any", provisioner="ebs.csi.aws.com")], nodes=NODES[:1])
    assert x.suggestions == [
        "unbound claim data (storage class any, WaitForFirstConsumer) can't be bound on 1 node (e.g. a1: it is "
        "being provisioned for node b1 (volume.kubernetes.io/selected-node)); delete and recreate the claim to "
        "let the scheduler pick another node"
    ]
    # the largest capacity published for the node's topology is named, whatever the order
    caps = [capacity("fast", "a", "10Gi"), capacity("fast", "a", "20Gi"), capacity("fast", "a", "5Gi")]
    x = explain(
        [claim("data", cls="fast", size="100Gi")],
        [],
        [sc("fast", provisioner="csi.example.com")],
        nodes=NODES[:1],
        drivers={"csi.example.com": True},
        capacities=caps,
    )
    assert x.suggestions == [
        "unbound claim data (storage class fast, WaitForFirstConsumer) can't be bound on 1 node (e.g. a1: not "
        "enough free storage: CSI driver csi.example.com tracks storage capacity (CSIStorageCapacity) and the "
        "claim asks 100Gi; the most it publishes here is 20Gi); free space in the driver's storage there "
        "(`kubectl get csistoragecapacities -A`), ask for less, or use another class"
    ]


def test_a_bound_pv_suggestion_names_where_it_can_be_used():
    pod = make_pod("db-0", volumes=[pvc_volume("old", "v0")])
    pvcs, pvs = {"old": make_pvc("old", volume_name="pv-old")}, {"pv-old": make_pv("pv-old", zone="b")}
    nodes = [make_node("a1", zone="a"), make_node("b1", zone="b"), make_node("b2", zone="b")]
    x = explain_scheduling(pod, [], nodes, [pod], pvcs, pvs, NOW)
    assert x.suggestions[0] == (
        f"PV pv-old (claim old) can only be used where {ZONE} In [b]; nodes there: b1 (fits), b2 (fits); add "
        "capacity there, or restore the data into a volume elsewhere"
    )
    x = explain_scheduling(pod, [], nodes[:1], [pod], pvcs, pvs, NOW)
    assert x.suggestions == [
        f"PV pv-old (claim old) can only be used where {ZONE} In [b]; no node is there; add capacity there, or "
        "restore the data into a volume elsewhere"
    ]


def test_each_unusable_pv_is_passed_over_and_a_later_one_taken():
    c = claim("data", size="10Gi", selector={"matchLabels": {"tier": "gold"}})
    gold = {"metadata": {"labels": {"tier": "gold"}}}
    unusable = [
        pv("small", size="5Gi", **gold),
        pv("other-claim", claimRef={"name": "other", "namespace": "default"}, **gold),
        pv("recreated-claim", claimRef={"name": "data", "namespace": "default", "uid": "old"}, **gold),
        pv("block", volumeMode="Block", **gold),
        pv("attrs", volumeAttributesClassName="gold", **gold),
        pv("deleting", metadata={"labels": {"tier": "gold"}, "deletionTimestamp": "2024-05-01T09:00:00Z"}),
        pv("released", status={"phase": "Released"}, **gold),
        pv("unlabelled"),
        pv("in-c", zone="c", **gold),
        pv("read-only", accessModes=["ReadOnlyMany"], **gold),
        pv("no-size", size="", **gold),
    ]
    *_, v = view([c], unusable, [sc()])
    assert verdicts(v) == {"a1": ("VolumeBinding", (BIND,)), "b1": ("VolumeBinding", (BIND,))}
    # the beta annotation names a PV's class before its field
    beta = pv(
        "beta", cls="other", metadata={"annotations": {"volume.beta.kubernetes.io/storage-class": "local"}}
    )
    *_, v = view([c], [*unusable, pv("good", **gold), beta], [sc()])
    assert verdicts(v) == {"a1": ("", ()), "b1": ("VolumeBinding", (BIND,))}
    *_, v = view([claim("data")], [beta], [sc()])
    assert verdicts(v)["a1"] == ("", ())


def test_the_smaller_request_takes_the_smaller_pv_whatever_the_claim_order():
    small, big = claim("small", size="5Gi"), claim("big", size="10Gi")
    for order in ([big, small], [small, big]):
        *_, v = view(order, [pv("p10", size="10Gi"), pv("p5", size="5Gi")], [sc()])
        assert verdicts(v)["a1"] == ("", ()), [c.metadata.name for c in order]


def test_a_capacity_equal_to_the_request_holds_it_and_unusable_capacities_are_skipped():
    cls = sc("fast", provisioner="csi.example.com")
    caps = [
        capacity("other", "a", "1Ti"),
        capacity("fast", None, "1Ti"),
        capacity("fast", "b", "1Ti"),
        capacity("fast", "a", None),
        capacity("fast", "a", "100Gi"),
    ]
    pod = make_pod("db-0", volumes=[pvc_volume("data", "v0")])
    storage = StorageObjects(
        {"fast": cls}, frozenset(), [], csi_drivers={"csi.example.com": True}, capacities=caps
    )
    v = scheduler_view(pod, NODES, [], {"data": claim("data", cls="fast", size="100Gi")}, {}, storage)
    assert verdicts(v) == {"a1": ("", ()), "b1": ("", ())}
    storage = StorageObjects(
        {"fast": cls}, frozenset(), [], csi_drivers={"csi.example.com": True}, capacities=caps[:-1]
    )
    v = scheduler_view(pod, NODES, [], {"data": claim("data", cls="fast", size="100Gi")}, {}, storage)
    assert verdicts(v) == {"a1": ("VolumeBinding", (SPACE,)), "b1": ("", ())}


def test_a_selector_claim_keeps_its_pv_because_the_smaller_request_is_matched_first():
    # the 5Gi claim may only take the gold PV; matched first (smallest request), it does, and the 10Gi claim
    # takes the other one; in the pod's order the 10Gi claim would take the gold PV (the smallest that fits)
    gold = claim("gold", size="5Gi", selector={"matchLabels": {"tier": "gold"}})
    pvs = [pv("g10", metadata={"labels": {"tier": "gold"}}), pv("p20", size="20Gi")]
    *_, v = view([claim("big", size="10Gi"), gold], pvs, [sc()])
    assert verdicts(v)["a1"] == ("", ())


def test_among_pvs_of_the_same_size_the_first_listed_is_taken():
    # FindMatchingVolume replaces its choice only with a strictly smaller PV: the 5Gi claim (matched first)
    # takes g10, listed first, and the gold claim has none left
    gold = claim("gold", size="10Gi", selector={"matchLabels": {"tier": "gold"}})
    pvs = [pv("g10", metadata={"labels": {"tier": "gold"}}), pv("p10")]
    *_, v = view([claim("any", size="5Gi"), gold], pvs, [sc()])
    assert verdicts(v)["a1"] == ("VolumeBinding", (BIND,))
    *_, v = view([claim("any", size="5Gi"), gold], pvs[::-1], [sc()])
    assert verdicts(v)["a1"] == ("", ())


def test_a_claim_without_a_size_fits_a_pv_of_any_size_and_a_pv_without_node_affinity_every_node():
    no_size = convert(
        {
            "metadata": {"name": "data", "namespace": "default", "uid": "uid-data"},
            "spec": {"storageClassName": "local", "accessModes": ["ReadWriteOnce"]},
            "status": {"phase": "Pending"},
        },
        PersistentVolumeClaim,
    )
    *_, v = view([no_size], [pv("zero", size="0", zone=None)], [sc()])
    assert verdicts(v) == {"a1": ("", ()), "b1": ("", ())}


def test_a_claim_bound_to_a_lost_pv_rejects_every_node_next_to_the_affinity_conflicts():
    from test_scheduling_volume_rules import _bound

    from k8s_agent.analysis.scheduling.filters.base import Outcome
    from k8s_agent.analysis.scheduling.filters.volumes import PV_NOT_EXIST

    lost = _bound("lost", "gone", phase="Lost")
    r = evaluate_nodes(make_pod("p", volumes=[pvc_volume("lost")]), NODES, [], {"lost": lost}, {})
    assert [v.outcome("VolumeBinding") for v in r.verdicts] == [Outcome((), (PV_NOT_EXIST,))] * 2
    pod = make_pod("p", volumes=[pvc_volume("lost", "b"), pvc_volume("old", "a")])
    pvcs = {"lost": lost, "old": make_pvc("old", volume_name="pv-old")}
    r = evaluate_nodes(pod, NODES, [], pvcs, {"pv-old": make_pv("pv-old", zone="b")})
    assert [v.outcome("VolumeBinding").scheduler_reasons for v in r.verdicts] == [
        (AFFINITY, PV_NOT_EXIST),
        (PV_NOT_EXIST,),
    ]


def test_affinity_conflicts_name_every_failed_term_and_an_empty_one():
    def bound_pv(name: str, terms: list[dict[str, Any]]) -> PersistentVolume:
        return convert(
            {
                "metadata": {"name": name},
                "spec": {
                    "capacity": {"storage": "1Gi"},
                    "accessModes": ["ReadWriteOnce"],
                    "nodeAffinity": {"required": {"nodeSelectorTerms": terms}},
                },
                "status": {"phase": "Bound"},
            },
            PersistentVolume,
        )

    def term(zone: str) -> dict[str, Any]:
        return {"matchExpressions": [{"key": ZONE, "operator": "In", "values": [zone]}]}

    pod = make_pod("p", volumes=[pvc_volume("one", "a"), pvc_volume("two", "b")])
    pvcs = {"one": make_pvc("one", volume_name="pv-1"), "two": make_pvc("two", volume_name="pv-2")}
    pvs = {"pv-1": bound_pv("pv-1", []), "pv-2": bound_pv("pv-2", [term("c"), term("d")])}
    r = evaluate_nodes(pod, NODES[:1], [], pvcs, pvs)
    assert r.verdicts[0].reasons == [
        "volume node affinity conflict: PV pv-1 (claim one) has a required node affinity with no terms, "
        "which no node matches",
        f"volume node affinity conflict: PV pv-2 (claim two) requires {ZONE} In [c] (node has {ZONE}=a) OR "
        f"{ZONE} In [d] (node has {ZONE}=a)",
    ]
    # one suggestion per PV
    x = explain_scheduling(
        pod,
        [],
        NODES,
        [pod],
        pvcs,
        {"pv-1": make_pv("pv-1", zone="a"), "pv-2": make_pv("pv-2", zone="b")},
        NOW,
    )
    assert [s.split(";")[0] for s in x.suggestions] == [
        f"PV pv-2 (claim two) can only be used where {ZONE} In [b]",
        f"PV pv-1 (claim one) can only be used where {ZONE} In [a]",
    ]


def test_an_unbound_claim_the_node_cannot_bind_is_a_bind_failure_and_unreadable_pvs_are_noted():
    pod, pvcs, storage, _ = view([claim("data")], [pv("pv-a", zone="a")], [sc()])
    failures = evaluate_nodes(pod, NODES, [], pvcs, {}, storage=storage).verdicts[1].outcome("VolumeBinding")
    assert [f.check.wording for f in failures.failures] == [BIND]
    pod = make_pod("db-0", volumes=[pvc_volume("data"), pvc_volume("more", "m")])
    unread = StorageObjects({"local": sc()}, frozenset(), None)
    report = evaluate_nodes(
        pod, NODES, [], {"data": claim("data"), "more": claim("more")}, {}, storage=unread
    )
    assert report.notes == (
        "the PersistentVolumes could not be read: the unbound WaitForFirstConsumer claims (data, more) were "
        "not evaluated per node",
    )


def test_a_bound_pv_suggestion_names_three_nodes_there_then_counts():
    nodes = [make_node("a1", zone="a")] + [make_node(f"b{i}", zone="b") for i in range(1, 6)]
    pod = make_pod("db-0", volumes=[pvc_volume("old", "v0")])
    pvcs, pvs = {"old": make_pvc("old", volume_name="pv-old")}, {"pv-old": make_pv("pv-old", zone="b")}
    x = explain_scheduling(pod, [], nodes, [pod], pvcs, pvs, NOW)
    assert x.suggestions[0] == (
        f"PV pv-old (claim old) can only be used where {ZONE} In [b]; nodes there: b1 (fits), b2 (fits), b3 "
        "(fits) and 2 more; add capacity there, or restore the data into a volume elsewhere"
    )


def test_each_unbound_claim_that_some_node_cannot_bind_has_its_own_suggestion():
    def zonal(name: str, zone: str) -> StorageClass:
        return sc(
            name,
            provisioner="ebs.csi.aws.com",
            allowedTopologies=[{"matchLabelExpressions": [{"key": ZONE, "values": [zone]}]}],
        )

    # a1 cannot provision claim "in-b", b1 cannot provision claim "in-a"
    x = explain([claim("in-a", cls="za"), claim("in-b", cls="zb")], [], [zonal("za", "a"), zonal("zb", "b")])
    assert [s.split(" (e.g.")[0] for s in x.suggestions] == [
        "unbound claim in-b (storage class zb, WaitForFirstConsumer) can't be bound on 1 node",
        "unbound claim in-a (storage class za, WaitForFirstConsumer) can't be bound on 1 node",
    ]
