"""VolumeBinding for unbound claims, by the rules of kube-scheduler 1.36 (``volumebinding/binder.go``
FindPodVolumes, ``component-helpers/storage/volume`` FindMatchingVolume, IsDelayBindingMode): our own cases,
checked through ``scheduler_view`` and the agent's per-node words."""

from __future__ import annotations

from typing import Any

from builders import make_node, make_pod, make_pv, make_pvc, pvc_volume
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
