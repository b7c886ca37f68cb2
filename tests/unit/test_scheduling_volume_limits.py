"""NodeVolumeLimits (CSI attach limits), by the rules of kube-scheduler 1.36's ``nodevolumelimits/csi.go``:
our own cases, checked through ``scheduler_view`` and the agent's per-node words."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from builders import make_node, make_pod, pvc_volume
from k8s_agent.analysis.scheduling.analyze import explain_scheduling
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.node_volume_limits import inline_disk, pv_volume
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import (
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    VolumeAttachment,
    convert,
)

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
DRIVER = "ebs.csi.aws.com"
LIMIT = "node(s) exceed max volume count"
NODES = [make_node("n1"), make_node("n2")]


def claim(name: str, pv: str = "", cls: str = "gp3", ns: str = "default") -> PersistentVolumeClaim:
    return convert(
        {
            "metadata": {
                "name": name,
                "namespace": ns,
                "annotations": {"pv.kubernetes.io/bind-completed": "yes"} if pv else {},
            },
            "spec": {"volumeName": pv, "storageClassName": cls, "accessModes": ["ReadWriteOnce"]},
            "status": {"phase": "Bound" if pv else "Pending"},
        },
        PersistentVolumeClaim,
    )


def csi_pv(name: str, handle: str, driver: str = DRIVER) -> PersistentVolume:
    return convert(
        {
            "metadata": {"name": name},
            "spec": {"capacity": {"storage": "1Gi"}, "csi": {"driver": driver, "volumeHandle": handle}},
            "status": {"phase": "Bound"},
        },
        PersistentVolume,
    )


def user(name: str, node: str, *claims: str):
    return make_pod(name, node=node, volumes=[pvc_volume(c, f"v{i}") for i, c in enumerate(claims)])


def run(pod, pods, claims, pvs, limits: dict[str, dict[str, int]], attachments=(), classes=()):
    storage = StorageObjects(
        {c.metadata.name: c for c in classes},
        frozenset(),
        pvs,
        limits,
        {(c.metadata.namespace, c.metadata.name): c for c in claims},
        list(attachments),
    )
    own = {c.metadata.name: c for c in claims if c.metadata.namespace == pod.metadata.namespace}
    by_name = {p.metadata.name: p for p in pvs}
    mine = {
        c.spec.volume_name: by_name[c.spec.volume_name] for c in own.values() if c.spec.volume_name in by_name
    }
    view = scheduler_view(pod, NODES, pods, own, mine, storage)
    return view, evaluate_nodes(pod, NODES, pods, own, mine, storage=storage)


def plugins(view) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {n.node_name: (n.plugin, n.reasons) for n in view.nodes}


def test_attached_plus_new_over_the_limit_rejects_the_node():
    claims = [claim("old-1", "pv1"), claim("old-2", "pv2"), claim("new", "pv3")]
    pvs = [csi_pv("pv1", "vol-1"), csi_pv("pv2", "vol-2"), csi_pv("pv3", "vol-3")]
    pods = [user("a", "n1", "old-1", "old-2")]
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    view, report = run(pod, pods, claims, pvs, {"n1": {DRIVER: 2}, "n2": {DRIVER: 2}})
    assert plugins(view) == {"n1": ("NodeVolumeLimits", (LIMIT,)), "n2": ("", ())}
    assert report.verdicts[0].reasons == [
        f"CSI driver {DRIVER} may attach 2 volumes on this node (CSINode); 2 already attached and the pod adds 1"
    ]
    # a limit of 3 leaves room; a node without a CSINode limit has none to exceed
    view, _ = run(pod, pods, claims, pvs, {"n1": {DRIVER: 3}})
    assert view.feasible_nodes == ["n1", "n2"]
    # a limit of another driver does not apply
    view, _ = run(pod, pods, claims, pvs, {"n1": {"pd.csi.storage.gke.io": 0}})
    assert view.feasible_nodes == ["n1", "n2"]


def test_a_volume_already_attached_to_the_node_is_not_new():
    claims = [claim("shared", "pv1")]
    pvs = [csi_pv("pv1", "vol-1")]
    pods = [user("a", "n1", "shared")]
    pod = make_pod("db-0", volumes=[pvc_volume("shared")])
    view, _ = run(pod, pods, claims, pvs, {"n1": {DRIVER: 1}, "n2": {DRIVER: 1}})
    assert view.feasible_nodes == ["n1", "n2"]  # n1: already there; n2: 0 + 1 <= 1


def test_volume_attachments_count_when_no_pod_of_the_node_uses_the_volume():
    claims = [claim("new", "pv3")]
    pvs = [csi_pv("pv1", "vol-1"), csi_pv("pv3", "vol-3")]
    va = convert(
        {
            "metadata": {"name": "va-1"},
            "spec": {"attacher": DRIVER, "nodeName": "n1", "source": {"persistentVolumeName": "pv1"}},
        },
        VolumeAttachment,
    )
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    view, _ = run(pod, [], claims, pvs, {"n1": {DRIVER: 1}, "n2": {DRIVER: 1}}, [va])
    assert plugins(view) == {"n1": ("NodeVolumeLimits", (LIMIT,)), "n2": ("", ())}


def test_unbound_claims_count_as_volumes_of_their_class_provisioner_and_non_csi_pvs_count_for_nothing():
    gp3 = convert(
        {"metadata": {"name": "gp3"}, "provisioner": DRIVER, "volumeBindingMode": "Immediate"}, StorageClass
    )
    claims = [claim("old", "pv-nfs"), claim("new")]
    nfs = convert(
        {"metadata": {"name": "pv-nfs"}, "spec": {"nfs": {"server": "x", "path": "/"}}}, PersistentVolume
    )
    pods = [user("a", "n1", "old")]
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    limits = {"n1": {DRIVER: 1}, "n2": {DRIVER: 0}}
    _, report = run(pod, pods, claims, [nfs], limits, classes=[gp3])
    # the unbound claim "new" is an immediate one (a PreFilter rejection), but the per-node limit still
    # says what it would take: n1 has 0 CSI volumes (the NFS one is not CSI), n2 allows none
    assert [bool(v.failures) for v in report.verdicts] == [False, True]


def test_without_the_attach_objects_the_filter_is_not_evaluated():
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    storage = StorageObjects(None, frozenset(), None, {"n1": {DRIVER: 0}}, None, [])
    report = evaluate_nodes(
        pod, NODES, [], {"new": claim("new", "pv3")}, {"pv3": csi_pv("pv3", "v3")}, storage=storage
    )
    assert all(v.fits for v in report.verdicts)
    assert (
        "the PVCs, PVs or pods of the cluster could not be read: CSI volume attach limits were not evaluated"
        in (report.notes)
    )


def test_in_tree_disks_migrated_to_csi_count_under_their_driver():
    """An EBS PV written the in-tree way and an inline EBS volume of a running pod are EBS CSI volumes for
    the attach limit (csi-translation: ``aws://zone/vol-x`` is handle ``vol-x``); an in-tree provisioner's
    unbound claim is a new volume of the CSI driver."""
    in_tree = convert(
        {
            "metadata": {"name": "legacy"},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "awsElasticBlockStore": {"volumeID": "aws://eu-1a/vol-1"},
            },
            "status": {"phase": "Bound"},
        },
        PersistentVolume,
    )
    inline = make_pod(
        "inline", node="n1", volumes=[{"name": "d", "awsElasticBlockStore": {"volumeID": "vol-2"}}]
    )
    claims = [claim("legacy", "legacy"), claim("new", cls="in-tree")]
    classes = [
        convert({"metadata": {"name": "in-tree"}, "provisioner": "kubernetes.io/aws-ebs"}, StorageClass)
    ]
    pod = user("web", "", "new")
    view, report = run(
        pod,
        [user("old", "n1", "legacy"), inline],
        claims,
        [in_tree],
        {"n1": {DRIVER: 2}, "n2": {DRIVER: 2}},
        classes=classes,
    )
    assert plugins(view) == {"n1": ("NodeVolumeLimits", (LIMIT,)), "n2": ("", ())}
    assert report.verdicts[0].reasons == [
        f"CSI driver {DRIVER} may attach 2 volumes on this node (CSINode); 2 already attached and the pod adds 1"
    ]
    # the same disk written inline by the new pod is not a new volume on n1
    same = make_pod("web", volumes=[{"name": "d", "awsElasticBlockStore": {"volumeID": "aws://eu-1a/vol-1"}}])
    view, _ = run(
        same, [user("old", "n1", "legacy"), inline], claims, [in_tree], {"n1": {DRIVER: 2}, "n2": {DRIVER: 0}}
    )
    assert plugins(view) == {"n1": ("", ()), "n2": ("NodeVolumeLimits", (LIMIT,))}


# ------------------------------------------------------------------ the CSI translation of in-tree disks
def _pv(spec: dict, labels: dict | None = None) -> PersistentVolume:
    return convert({"metadata": {"name": "pv", "labels": labels or {}}, "spec": spec}, PersistentVolume)


ZONE = "topology.kubernetes.io/zone"


@pytest.mark.parametrize(
    ("spec", "labels", "expected"),
    [
        ({"csi": {"driver": "x.csi.io", "volumeHandle": "h-1"}}, {}, ("x.csi.io", "h-1")),
        ({"awsElasticBlockStore": {"volumeID": "aws://eu-west-1a/vol-1"}}, {}, (DRIVER, "vol-1")),
        ({"awsElasticBlockStore": {"volumeID": "aws://eu-west-1a/vol-1/"}}, {}, (DRIVER, "vol-1")),
        ({"awsElasticBlockStore": {"volumeID": "vol-1"}}, {}, (DRIVER, "vol-1")),
        (
            {"gcePersistentDisk": {"pdName": "pd-1"}},
            {ZONE: "europe-west1-b"},
            ("pd.csi.storage.gke.io", "projects/UNSPECIFIED/zones/europe-west1-b/disks/pd-1"),
        ),
        (
            {"gcePersistentDisk": {"pdName": "pd-1"}},
            {"failure-domain.beta.kubernetes.io/zone": "europe-west1-b__europe-west1-c"},
            ("pd.csi.storage.gke.io", "projects/UNSPECIFIED/regions/europe-west1/disks/pd-1"),
        ),
        (
            {"gcePersistentDisk": {"pdName": "pd-1"}},
            {},
            ("pd.csi.storage.gke.io", "projects/UNSPECIFIED/zones/UNSPECIFIED/disks/pd-1"),
        ),
        (
            {"azureDisk": {"diskName": "d", "diskURI": "/subs/x/disks/d"}},
            {},
            ("disk.csi.azure.com", "/subs/x/disks/d"),
        ),
        ({"cinder": {"volumeID": "c-1"}}, {}, ("cinder.csi.openstack.org", "c-1")),
        ({"portworxVolume": {"volumeID": "px-1"}}, {}, ("pxd.portworx.com", "px-1")),
        ({"nfs": {"server": "nfs.example.com", "path": "/"}}, {}, ("", "")),
    ],
)
def test_a_pv_counts_as_its_csi_volume_or_its_migrated_disk(spec, labels, expected):
    """csi-translation-lib: EBS's handle is the volume ID without ``aws://<zone>/``; a GCE PD's handle names
    its zone, or its region when the PV's zone label lists two zones (a regional disk); Azure Disk's is the
    disk URI; Cinder's and Portworx's the volume ID. A volume of no CSI driver counts for nothing."""
    assert pv_volume(_pv(spec, labels)) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            {"gcePersistentDisk": {"pdName": "pd-1"}},
            ("pd.csi.storage.gke.io", "projects/UNSPECIFIED/zones/UNSPECIFIED/disks/pd-1"),
        ),
        (
            {"azureDisk": {"diskName": "d", "diskURI": "/subs/x/disks/d"}},
            ("disk.csi.azure.com", "/subs/x/disks/d"),
        ),
        ({"cinder": {"volumeID": "c-1"}}, ("cinder.csi.openstack.org", "c-1")),
        ({"portworxVolume": {"volumeID": "px-1"}}, ("pxd.portworx.com", "px-1")),
        ({"configMap": {"name": "settings"}}, None),
    ],
)
def test_an_inline_disk_counts_as_its_migrated_csi_volume(source, expected):
    pod = make_pod("x", volumes=[{"name": "d", **source}])
    assert inline_disk(pod.spec.volumes[0]) == expected


# --------------------------------------------------------------------------------- what counts, and how
def _va(name: str, pv: str, node: str = "n1", attacher: str = DRIVER) -> VolumeAttachment:
    spec: dict = {
        "attacher": attacher,
        "nodeName": node,
        "source": {"persistentVolumeName": pv} if pv else {},
    }
    return convert({"metadata": {"name": name}, "spec": spec}, VolumeAttachment)


def test_attachments_are_counted_each_and_unusable_ones_skipped():
    """A VolumeAttachment of no PV (an inline volume), of an unknown PV or of a non-CSI PV is not counted;
    those after it still are."""
    nfs = _pv({"nfs": {"server": "nfs.example.com", "path": "/"}})
    nfs = msgspec.structs.replace(nfs, metadata=msgspec.structs.replace(nfs.metadata, name="pv-nfs"))
    pvs = [csi_pv("pv1", "vol-1"), csi_pv("pv2", "vol-2"), csi_pv("pv3", "vol-3"), nfs]
    vas = [_va("inline", ""), _va("gone", "pv-gone"), _va("nfs", "pv-nfs"), _va("a", "pv1"), _va("b", "pv2")]
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    _, report = run(pod, [], [claim("new", "pv3")], pvs, {"n1": {DRIVER: 2}}, vas)
    assert report.verdicts[0].reasons == [
        f"CSI driver {DRIVER} may attach 2 volumes on this node (CSINode); 2 already attached and the pod adds 1"
    ]


def test_every_new_volume_of_the_pod_counts_and_a_limit_of_one_is_singular():
    claims = [claim("a", "pv1"), claim("b", "pv2")]
    pod = make_pod("db-0", volumes=[pvc_volume("a", "va"), pvc_volume("b", "vb")])
    _, report = run(pod, [], claims, [csi_pv("pv1", "vol-1"), csi_pv("pv2", "vol-2")], {"n1": {DRIVER: 1}})
    assert report.verdicts[0].reasons == [
        f"CSI driver {DRIVER} may attach 1 volume on this node (CSINode); 0 already attached and the pod adds 2"
    ]


def test_a_claim_of_the_same_name_in_another_namespace_is_another_volume():
    claims = [claim("data", "pv-a"), claim("data", "pv-b", ns="other")]
    pvs = [csi_pv("pv-a", "vol-a"), csi_pv("pv-b", "vol-b")]
    other = make_pod("b", "other", node="n1", volumes=[pvc_volume("data")])
    pod = make_pod("db-0", volumes=[pvc_volume("data")])
    _, report = run(pod, [other], claims, pvs, {"n1": {DRIVER: 1}})
    assert not report.verdicts[0].fits


def test_generic_ephemeral_inline_and_missing_claims_all_take_their_turn():
    """A generic ephemeral volume is the claim ``<pod>-<volume>``; an inline disk or a claim that cannot be
    found does not stop the volumes after it from counting."""
    claims = [claim("db-0-scratch", "pv1"), claim("data", "pv2")]
    pvs = [csi_pv("pv1", "vol-1"), csi_pv("pv2", "vol-2")]
    ephemeral = {
        "name": "scratch",
        "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}},
    }
    pod = make_pod(
        "db-0",
        volumes=[
            {"name": "cache", "gcePersistentDisk": {"pdName": "pd-1"}},
            pvc_volume("missing", "m"),
            ephemeral,
            pvc_volume("data"),
        ],
    )
    _, report = run(pod, [], claims, pvs, {"n1": {DRIVER: 1}})
    assert report.verdicts[0].reasons == [
        f"CSI driver {DRIVER} may attach 1 volume on this node (CSINode); 0 already attached and the pod adds 2"
    ]


def test_an_unbound_claim_of_an_unknown_class_counts_for_nothing():
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    _, report = run(pod, [], [claim("new", cls="missing")], [], {"n1": {DRIVER: 0}})
    assert all(v.fits for v in report.verdicts)


def test_only_pods_with_volumes_are_checked_and_any_unread_list_is_said():
    note = (
        "the PVCs, PVs or pods of the cluster could not be read: CSI volume attach limits were not evaluated"
    )
    limits = {"n1": {DRIVER: 0}}
    config_only = make_pod("web", volumes=[{"name": "c", "configMap": {"name": "settings"}}])
    report = evaluate_nodes(
        config_only, NODES, [], {}, {}, storage=StorageObjects(None, frozenset(), None, limits, None, [])
    )
    assert note not in report.notes
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    pvcs = {("default", "new"): claim("new", "pv3")}
    no_pvs = StorageObjects(None, frozenset(), None, limits, pvcs, [])
    assert note in evaluate_nodes(pod, NODES, [], {}, {}, storage=no_pvs).notes
    no_pvcs = StorageObjects(None, frozenset(), [csi_pv("pv3", "v3")], limits, None, [])
    assert note in evaluate_nodes(pod, NODES, [], {}, {}, storage=no_pvcs).notes
    no_pods = StorageObjects(None, frozenset(), [csi_pv("pv3", "v3")], limits, pvcs, [])
    assert note in evaluate_nodes(pod, NODES, None, {}, {}, storage=no_pods).notes


def test_attach_limit_suggestion_names_three_nodes_then_counts():
    nodes = [make_node(f"n{i}") for i in range(1, 5)]
    pod = make_pod("db-0", volumes=[pvc_volume("new")])
    new = claim("new", "pv3")
    storage = StorageObjects(
        {},
        frozenset(),
        [csi_pv("pv3", "vol-3")],
        {n.metadata.name: {DRIVER: 0} for n in nodes},
        {("default", "new"): new},
        [],
    )
    x = explain_scheduling(
        pod, [], nodes, [pod], {"new": new}, {"pv3": csi_pv("pv3", "vol-3")}, NOW, storage=storage
    )
    assert x.suggestions == [
        f"4 nodes reached the attach limit of CSI driver {DRIVER} (n1: 0 of 0, n2: 0 of 0, n3: 0 of 0 and 1 more): "
        "move pods with such volumes off them, or use nodes (instance types) with a higher attach limit"
    ]
