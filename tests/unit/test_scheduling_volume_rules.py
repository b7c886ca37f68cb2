"""The volume rules the differential run against kube-scheduler 1.36 found the agent writing differently
(seeds in tests/integration/test_differential.py REGRESSIONS). Each test states what kube-scheduler 1.36.3
wrote for the same objects."""

from __future__ import annotations

from builders import make_node, make_pod, make_pv, make_pvc, pvc_volume
from k8s_agent.analysis.scheduling.message import VOLUME_NODE_AFFINITY, categorize, parse_scheduling_message
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import PersistentVolumeClaim, convert

NODES = [make_node("n1", zone="zone-a"), make_node("n2", zone="zone-b")]


def _view(pod, pvcs, pvs=(), pods=()):
    return scheduler_view(
        pod, NODES, list(pods), {c.metadata.name: c for c in pvcs}, {v.metadata.name: v for v in pvs}
    )


def _bound(name: str, pv: str, **kw) -> PersistentVolumeClaim:
    pvc = make_pvc(name, volume_name=pv, storage_class="", **kw)
    return convert(
        {
            "metadata": {
                "name": name,
                "namespace": "default",
                "annotations": {"pv.kubernetes.io/bind-completed": "yes"},
            },
            "spec": {"volumeName": pv, "storageClassName": "", "accessModes": list(pvc.spec.access_modes)},
            "status": {"phase": pvc.status.phase, "accessModes": list(pvc.status.access_modes)},
        },
        PersistentVolumeClaim,
    )


def test_pv_node_affinity_is_counted_in_the_1_36_wording_and_categorised_as_volume():
    # seed 1000: "1 node(s) didn't match PersistentVolume's node affinity" (1.36 binder.go ErrReasonNodeConflict)
    pod = make_pod("p", volumes=[pvc_volume("data")])
    view = _view(pod, [_bound("data", "pv-a")], [make_pv("pv-a", zone="zone-a")])
    assert dict(view.reason_counts) == {"node(s) didn't match PersistentVolume's node affinity": 1}
    assert categorize("node(s) didn't match PersistentVolume's node affinity") == [VOLUME_NODE_AFFINITY]
    parsed = parse_scheduling_message(
        "0/2 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity. preemption: ..."
    )
    assert parsed.categories == [VOLUME_NODE_AFFINITY]


def test_unbound_claim_without_storage_class_is_the_immediate_binding_prefilter():
    # seed 1026: "0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    pod = make_pod("p", volumes=[pvc_volume("data")])
    view = _view(pod, [make_pvc("data", storage_class="", phase="Pending")])
    assert view.prefilter == "pod has unbound immediate PersistentVolumeClaims"
    assert view.message == "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    # a named class may wait for the pod (WaitForFirstConsumer): the agent reads no StorageClass, only notes it
    named = _view(pod, [make_pvc("data", storage_class="standard", phase="Pending")])
    assert named.prefilter == "" and named.fits


def test_pre_bound_claim_not_yet_bound_by_the_pv_controller_is_immediate_binding():
    # seed 1053: volumeName set by its author, no bind-completed annotation, phase Pending
    pod = make_pod("p", volumes=[pvc_volume("data")])
    view = _view(
        pod, [make_pvc("data", volume_name="pv-a", storage_class="", phase="Pending")], [make_pv("pv-a")]
    )
    assert view.prefilter == "pod has unbound immediate PersistentVolumeClaims"


def test_claim_bound_to_a_missing_pv_is_volume_zones_prefilter():
    # seed 1046: "0/21 nodes are available: persistentvolume \"d104-no-such-pv\" not found."
    pod = make_pod("p", volumes=[pvc_volume("data")])
    view = _view(pod, [_bound("data", "gone")])
    assert view.prefilter == 'persistentvolume "gone" not found'
    assert dict(view.reason_counts) == {}


def test_lost_claim_is_volume_bindings_prefilter_and_wins_over_later_stages():
    # seed 1063: 'persistentvolumeclaim "lost" bound to non-existent persistentvolume "d106-gone"'
    lost = _bound("lost", "gone", phase="Lost")
    pod = make_pod("p", volumes=[pvc_volume("ghost", "a"), pvc_volume("lost", "b")])
    view = _view(pod, [_bound("ghost", "missing-pv"), lost])
    # VolumeBinding's per-claim check (Lost) runs before VolumeZone reads the PVs, whatever the volume order
    assert view.prefilter == 'persistentvolumeclaim "lost" bound to non-existent persistentvolume "gone"'
    # a claim that does not exist at all is found first (VolumeRestrictions looks every claim up)
    view = _view(make_pod("p", volumes=[pvc_volume("lost", "a"), pvc_volume("nope", "b")]), [lost])
    assert view.prefilter == 'persistentvolumeclaim "nope" not found'


def test_read_write_once_pod_claim_of_a_pod_not_bound_yet_is_not_in_use():
    # seed 1276: the only other user of the RWOP claim was a pod no scheduler had bound
    rwop = _bound("data", "pv-a", access_modes=["ReadWriteOncePod"])
    pv = make_pv("pv-a")
    pending_user = make_pod("other", volumes=[pvc_volume("data")])
    pod = make_pod("p", volumes=[pvc_volume("data")])
    assert _view(pod, [rwop], [pv], pods=[pending_user]).fits
    running_user = make_pod("other", node="n1", volumes=[pvc_volume("data")])
    view = _view(pod, [rwop], [pv], pods=[running_user])
    assert dict(view.reason_counts) == {
        "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by "
        "another pod": 2
    }
