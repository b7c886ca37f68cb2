"""The pod's claims as the volume plugins' PreFilter resolves them (``filters/volumes.py``): each problem of
the pod itself is one blocker with its message, category, fix and the PreFilter text kube-scheduler 1.36
writes for it; what could not be read or is only worth knowing is a note."""

from __future__ import annotations

from builders import make_node, make_pod, make_pv, pvc_volume
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.base import Blocker
from k8s_agent.kube.models import PersistentVolumeClaim, StorageClass, Volume, convert

NODES = [make_node("a1", zone="a"), make_node("b1", zone="b")]
ATTACH, MULTI = "VolumeAttachmentError", "VolumeMultiAttachError"
IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
WAITS = "the scheduler waits for the PV controller to bind it"


def pvc(
    name: str, cls: str | None = "", volume: str = "", phase: str = "Pending", **meta
) -> PersistentVolumeClaim:
    spec: dict = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if cls is not None:
        spec["storageClassName"] = cls
    if volume:
        spec["volumeName"] = volume
    return convert(
        {
            "metadata": {"name": name, "namespace": "default", **meta},
            "spec": spec,
            "status": {"phase": phase},
        },
        PersistentVolumeClaim,
    )


def bound(
    name: str, pv: str, modes: list[str], status_modes: list[str] | None = None
) -> PersistentVolumeClaim:
    return convert(
        {
            "metadata": {
                "name": name,
                "namespace": "default",
                "annotations": {"pv.kubernetes.io/bind-completed": "yes"},
            },
            "spec": {"volumeName": pv, "storageClassName": "", "accessModes": modes},
            "status": {"phase": "Bound", "accessModes": modes if status_modes is None else status_modes},
        },
        PersistentVolumeClaim,
    )


def ephemeral(name: str) -> Volume:
    template = {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    return convert({"name": name, "ephemeral": {"volumeClaimTemplate": template}}, Volume)


def resolve(claims: dict[str, PersistentVolumeClaim], pvs=None, pods=(), volumes=None, **kw):
    pod = make_pod("db-0", volumes=volumes or [pvc_volume(n, f"v{i}") for i, n in enumerate(claims)])
    return evaluate_nodes(pod, NODES, list(pods), claims, pvs or {}, **kw)


def test_a_missing_ephemeral_or_deleted_claim_blocks_the_pod_with_the_schedulers_words():
    r = resolve({}, volumes=[pvc_volume("nope")])
    assert r.blockers == (
        Blocker(
            'persistentvolumeclaim "nope" not found',
            ATTACH,
            "create PVC nope in namespace default, or fix claimName in the pod spec",
            'persistentvolumeclaim "nope" not found',
        ),
    )
    r = resolve({}, volumes=[ephemeral("scratch")])
    waiting = 'waiting for ephemeral volume controller to create the persistentvolumeclaim "db-0-scratch"'
    assert r.blockers == (
        Blocker(
            waiting,
            ATTACH,
            "the ephemeral volume controller creates it shortly after the pod; if it does not, check "
            "kube-controller-manager and the volumeClaimTemplate",
            waiting,
        ),
    )
    # VolumeRestrictions finds a missing claim before VolumeBinding waits for an ephemeral one
    r = resolve({}, volumes=[ephemeral("scratch"), pvc_volume("nope", "n")])
    assert [b.scheduler_text for b in r.blockers] == ["", 'persistentvolumeclaim "nope" not found']
    deleting = pvc("d", volume="pv-d", phase="Bound", deletionTimestamp="2024-05-01T09:00:00Z")
    assert resolve({"d": deleting}).blockers == (
        Blocker(
            'persistentvolumeclaim "d" is being deleted',
            ATTACH,
            "wait for PVC d to be deleted and recreate it, or use another claim",
            'persistentvolumeclaim "d" is being deleted',
        ),
    )


def test_an_unbound_claim_of_a_class_that_binds_immediately_or_does_not_exist_is_the_immediate_prefilter():
    classes = {
        "imm": convert(
            {"metadata": {"name": "imm"}, "provisioner": "ebs.csi.aws.com", "volumeBindingMode": "Immediate"},
            StorageClass,
        ),
        "nomode": convert({"metadata": {"name": "nomode"}, "provisioner": ""}, StorageClass),
    }
    storage = StorageObjects(classes, frozenset(), [])

    def blocker(cls: str) -> Blocker:
        (b,) = resolve({"data": pvc("data", cls=cls)}, storage=storage).blockers
        return b

    check = "check PVC data (`kubectl describe pvc data`): "
    assert blocker("imm") == Blocker(
        "PVC data is not bound and its storage class imm binds immediately (volumeBindingMode Immediate): "
        + WAITS,
        ATTACH,
        check + "the provisioner ebs.csi.aws.com has not provisioned it yet, or no PV matches it",
        IMMEDIATE,
    )
    assert blocker("nomode") == Blocker(
        "PVC data is not bound and its storage class nomode binds immediately (volumeBindingMode Immediate): "
        + WAITS,
        ATTACH,
        check + "the provisioner (none) has not provisioned it yet, or no PV matches it",
        IMMEDIATE,
    )
    assert blocker("ghost") == Blocker(
        "PVC data is not bound and its storage class ghost does not exist: " + WAITS,
        ATTACH,
        check + "create StorageClass ghost or fix the claim's storageClassName",
        IMMEDIATE,
    )


def test_an_unbound_claim_without_a_class_or_pre_bound_by_its_author_waits_for_the_pv_controller():
    fix = (
        "create a PV matching PVC data (size, access modes, no storage class), or give the claim a storage class "
        "that provisions volumes"
    )
    assert resolve({"data": pvc("data")}).blockers == (
        Blocker(
            "PVC data is not bound and has no storage class that waits for the pod (immediate binding): "
            + WAITS,
            ATTACH,
            fix,
            IMMEDIATE,
        ),
    )
    r = resolve({"data": pvc("data", volume="pv-a")}, {"pv-a": make_pv("pv-a")})
    assert r.blockers == (
        Blocker(
            "PVC data is not bound (it names PV pv-a, which has not been bound to it) and has no storage class "
            "that waits for the pod (immediate binding): " + WAITS,
            ATTACH,
            fix,
            IMMEDIATE,
        ),
    )


def test_what_could_not_be_read_is_noted_and_skipped():
    waiting = (
        "): waiting for binding. With a WaitForFirstConsumer storage class that is expected until the pod is "
        "scheduled; with Immediate binding the provisioner has not bound it yet"
    )
    r = resolve({"data": pvc("data", cls="x")}, storage=StorageObjects({}, frozenset({"x"}), []))
    assert (r.blockers, r.notes) == (
        (),
        ("PVC data is not bound yet (phase Pending, storage class x (it could not be read)" + waiting,),
    )
    r = resolve({"data": pvc("data", cls="x", phase="")})
    assert r.notes == ("PVC data is not bound yet (phase Pending, storage class x" + waiting,)
    r = resolve({}, volumes=[pvc_volume("data")], unreadable_pvcs=["data"])
    assert (r.blockers, r.notes) == ((), ("PVC data could not be read; its volume checks were skipped",))
    r = resolve({"data": bound("data", "pv-a", ["ReadWriteOnce"])}, unreadable_pvs=["pv-a"])
    assert (r.blockers, r.notes) == (
        (),
        ("PV pv-a (claim data) could not be read; its node affinity was not checked",),
    )


USERS = [
    make_pod("other", node="a1", namespace="other", volumes=[pvc_volume("data")]),  # another claim
    make_pod("web-1", node="a1", volumes=[pvc_volume("data")]),
    make_pod("web-0", node="b1", volumes=[pvc_volume("data")]),
    make_pod("web-2", volumes=[pvc_volume("data")]),  # not bound to a node: holds nothing
]


def test_a_read_write_once_claim_mounted_elsewhere_is_noted_with_its_nodes():
    r = resolve({"data": bound("data", "pv-a", ["ReadWriteOnce"])}, {"pv-a": make_pv("pv-a")}, USERS)
    assert (r.blockers, r.notes) == (
        (),
        (
            "PVC data (ReadWriteOnce) is mounted by default/web-0 on node b1, default/web-1 on node a1; on another "
            "node the pod would start but fail to attach the volume (Multi-Attach error)",
        ),
    )


def test_a_read_write_once_pod_claim_in_use_blocks_the_pod_whether_its_spec_or_status_says_so():
    want = (
        Blocker(
            "PVC data has access mode ReadWriteOncePod and is already used by pod default/web-0, default/web-1",
            MULTI,
            "stop the other pod using PVC data, or use a claim of its own for this pod",
        ),
    )
    for spec, status in ((["ReadWriteOncePod"], []), ([], ["ReadWriteOncePod"])):
        r = resolve({"data": bound("data", "pv-a", spec, status)}, {"pv-a": make_pv("pv-a")}, USERS)
        assert r.blockers == want, (spec, status)


def test_a_lost_claim_or_a_missing_pv_blocks_the_pod_and_rejects_every_node():
    lost = convert(
        {
            "metadata": {"name": "lost", "namespace": "default"},
            "spec": {"volumeName": "gone", "storageClassName": ""},
            "status": {"phase": "Lost"},
        },
        PersistentVolumeClaim,
    )
    r = resolve({"lost": lost})
    assert r.blockers == (
        Blocker(
            'persistentvolumeclaim "lost" is Lost: its persistentvolume "gone" no longer exists',
            ATTACH,
            "restore PV gone or recreate PVC lost (its data is gone with the PV)",
            'persistentvolumeclaim "lost" bound to non-existent persistentvolume "gone"',
        ),
    )
    r = resolve({"data": bound("data", "missing", ["ReadWriteOnce"])})
    assert r.blockers == (
        Blocker(
            'persistentvolumeclaim "data" bound to non-existent persistentvolume "missing"',
            ATTACH,
            "restore PV missing, or recreate PVC data so that a new volume is provisioned",
            'persistentvolume "missing" not found',
        ),
    )
    assert [v.outcome("VolumeBinding").scheduler_reasons for v in r.verdicts] == [
        ("node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)",)
    ] * 2


def test_every_claim_is_resolved_after_one_that_is_skipped_or_blocked_and_the_first_stage_speaks():
    deleting = pvc("d", volume="pv-d", phase="Bound", deletionTimestamp="2024-05-01T09:00:00Z")
    imm = convert(
        {"metadata": {"name": "imm"}, "provisioner": "x", "volumeBindingMode": "Immediate"}, StorageClass
    )
    wffc = convert(
        {"metadata": {"name": "wffc"}, "provisioner": "x", "volumeBindingMode": "WaitForFirstConsumer"},
        StorageClass,
    )
    firsts = {
        "unreadable": None,
        "deleting": deleting,
        "immediate class": pvc("first", cls="imm"),
        "delayed": pvc("first", cls="wffc"),
        "no class": pvc("first"),
        "class not read": pvc("first", cls="unread"),
        "pv not read": bound("first", "pv-unread", ["ReadWriteOnce"]),
        "pv missing": bound("first", "pv-gone", ["ReadWriteOnce"]),
    }
    for why, first in firsts.items():
        claims = {"first": first} if first is not None else {}
        volumes = [pvc_volume("first", "a"), pvc_volume("nope", "b")]
        r = resolve(
            claims,
            volumes=volumes,
            storage=StorageObjects({"imm": imm, "wffc": wffc}, frozenset({"unread"}), []),
            unreadable_pvcs=["first"] if first is None else [],
            unreadable_pvs=["pv-unread"],
        )
        texts = [b.scheduler_text for b in r.blockers]
        assert texts[-1] == 'persistentvolumeclaim "nope" not found', why
        assert texts.count("") == len(texts) - 1, why


def test_the_beta_annotation_names_a_claims_class_before_its_field():
    imm = convert(
        {"metadata": {"name": "imm"}, "provisioner": "x", "volumeBindingMode": "Immediate"}, StorageClass
    )
    beta = pvc("data", cls="", annotations={"volume.beta.kubernetes.io/storage-class": "imm"})
    (b,) = resolve({"data": beta}, storage=StorageObjects({"imm": imm}, frozenset(), [])).blockers
    assert b.message.startswith("PVC data is not bound and its storage class imm binds immediately")


def test_a_bound_pvs_constraint_is_described_by_its_terms_and_legacy_zone_labels():
    from datetime import UTC, datetime

    from k8s_agent.analysis.scheduling.analyze import explain_scheduling
    from k8s_agent.kube.models import PersistentVolume

    def pv(name: str, terms: list | None, labels: dict[str, str]) -> PersistentVolume:
        spec: dict = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}
        if terms is not None:
            spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": terms}}
        return convert(
            {"metadata": {"name": name, "labels": labels}, "spec": spec, "status": {"phase": "Bound"}},
            PersistentVolume,
        )

    zone = "topology.kubernetes.io/zone"
    terms = [{"matchExpressions": [{"key": zone, "operator": "In", "values": [z]}]} for z in ("c", "d")]
    pvs = {
        "pv-1": pv("pv-1", terms, {"failure-domain.beta.kubernetes.io/zone": "d__c", zone: "e"}),
        "pv-2": pv("pv-2", [], {}),
    }
    claims = {"one": bound("one", "pv-1", ["ReadWriteOnce"]), "two": bound("two", "pv-2", ["ReadWriteOnce"])}
    pod = make_pod("db-0", volumes=[pvc_volume("one", "a"), pvc_volume("two", "b")])
    x = explain_scheduling(pod, [], NODES, [pod], claims, pvs, datetime(2024, 5, 1, tzinfo=UTC))
    assert [s.split("; add")[0] for s in x.suggestions] == [
        f"PV pv-1 (claim one) can only be used where {zone} In [c] OR {zone} In [d]; "
        f"failure-domain.beta.kubernetes.io/zone In [c, d]; {zone} In [e]; no node is there",
        "PV pv-2 (claim two) can only be used where no node (no terms); no node is there",
    ]
