"""NodeVolumeLimits (CSI attach limits), by the rules of kube-scheduler 1.36's ``nodevolumelimits/csi.go``:
our own cases, checked through ``scheduler_view`` and the agent's per-node words."""

from __future__ import annotations

from builders import make_node, make_pod, pvc_volume
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import (
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    VolumeAttachment,
    convert,
)

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
