"""DynamicResources is not evaluated per node (README, "Filters evaluated per node"): a pod with DRA claims
passes every node here and the answer says plainly that device allocation was not evaluated."""

from __future__ import annotations

from builders import make_node, make_pod
from k8s_agent.analysis.scheduling.evaluate import evaluate_nodes
from k8s_agent.analysis.scheduling.filters import PLUGIN_ORDER


def test_a_pod_with_resource_claims_gets_a_note_and_no_per_node_verdict():
    pod = make_pod("train-0", resourceClaims=[{"name": "gpu", "resourceClaimTemplateName": "one-gpu"}])
    report = evaluate_nodes(pod, [make_node("n1"), make_node("n2")], [])
    assert [v.fits for v in report.verdicts] == [True, True]
    assert report.notes == (
        "the pod asks for 1 DRA ResourceClaim(s) (gpu): device allocation (DeviceClasses, ResourceSlices, CEL "
        "selectors) is not evaluated per node; the scheduler's own message says whether it could allocate them",
    )
    assert not evaluate_nodes(make_pod("web-0"), [make_node("n1")], []).notes


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
