"""FailedScheduling messages of every era and scheduler: the shared corpus, entry by entry, then the format
quirks one at a time."""

from __future__ import annotations

import pytest

from corpus import load_corpus
from k8s_agent.analysis.scheduling.message import (
    CATEGORIES,
    FIT_ERROR,
    NO_FIT_ERROR_PREFIX,
    NO_NODES,
    categorize,
    parse_scheduling_message,
)

ENTRIES = load_corpus("scheduling_messages.json")


def _id(entry) -> str:
    return entry["message"][:60]


def test_corpus_is_there():
    assert len(ENTRIES) >= 40


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_corpus_categories(entry):
    parsed = parse_scheduling_message(entry["message"])
    got = set(parsed.categories)
    expected = set(entry["expected_categories"])
    allowed = expected | set(entry.get("alt_categories") or [])
    assert expected <= got, f"missing {expected - got}"
    assert got <= allowed, f"unexpected {got - allowed}"
    assert got <= set(CATEGORIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_corpus_structure(entry):
    parsed = parse_scheduling_message(entry["message"])
    assert parsed.per_node_counts() == entry["per_node_counts"]
    assert parsed.format == entry["format"]
    assert parsed.total_nodes == entry["total_nodes"]
    if "postfilter_suffix" in entry:
        assert parsed.postfilter == entry["postfilter_suffix"]
    else:
        assert parsed.postfilter == ""
    if "prefilter_message" in entry:
        assert parsed.prefilter == entry["prefilter_message"]


# ------------------------------------------------------------------------------------------ format quirks
def test_comma_inside_the_1_18_taint_reason():
    p = parse_scheduling_message(
        "0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't "
        "tolerate, 2 node(s) had volume node affinity conflict."
    )
    assert [(r.text, r.count) for r in p.reasons] == [
        ("node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate", 1),
        ("node(s) had volume node affinity conflict", 2),
    ]


def test_double_period_is_not_a_cut_and_preemption_text_brings_no_category():
    msg = (
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 1 node(s) had "
        "untolerated taint {a: b}, 2 No preemption victims found for incoming pod.."
    )
    p = parse_scheduling_message(msg)
    assert p.categories == ["InsufficientMemory"]
    assert p.postfilter.endswith("incoming pod..")


def test_prefilter_message_without_count_1_25():
    p = parse_scheduling_message(
        '0/4 nodes are available: persistentvolumeclaim "data" bound to non-existent persistentvolume "pv-x". '
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
    )
    assert p.prefilter == 'persistentvolumeclaim "data" bound to non-existent persistentvolume "pv-x"'
    assert [(r.count, r.categories) for r in p.reasons] == [(None, ["VolumeAttachmentError"])]
    assert p.per_node_counts() is None
    assert p.category_counts() == {"VolumeAttachmentError": 4}


def test_combined_prefix_and_lexicographic_order():
    p = parse_scheduling_message(
        "(combined from similar events): 0/14 nodes are available: 10 node(s) didn't match Pod's node "
        "affinity/selector, 4 Insufficient cpu."
    )
    assert p.per_node_counts() == {
        "node(s) didn't match Pod's node affinity/selector": 10,
        "Insufficient cpu": 4,
    }
    assert p.categories == ["InsufficientCPU", "NodeAffinityNotMatch"]


def test_volcano_and_kube_batch():
    v = parse_scheduling_message(
        "0/2 nodes are unavailable: 1 plugin NodeUnschedulable predicates failed node(s) were unschedulable, "
        "1 plugin TaintToleration predicates failed node(s) had untolerated taint {gpu: true}."
    )
    assert v.format == FIT_ERROR and v.total_nodes == 2
    assert v.categories == ["TaintTolerationMismatch", "Miscellaneous"]
    k = parse_scheduling_message("0/2 nodes are available, 2 insufficient cpu.")
    assert k.categories == ["InsufficientCPU"] and k.per_node_counts() == {"insufficient cpu": 2}


def test_no_nodes_and_prebind_and_other_texts():
    p = parse_scheduling_message("no nodes available to schedule pods")
    assert p.format == NO_NODES and p.total_nodes == 0 and p.categories == ["Miscellaneous"]
    p = parse_scheduling_message(
        'running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition'
    )
    assert p.format == NO_FIT_ERROR_PREFIX and p.categories == ["VolumeAttachmentError"]
    p = parse_scheduling_message("skip schedule deleting pod: default/web-1")
    assert (
        p.categories == ["Miscellaneous"] and p.reasons[0].text == "skip schedule deleting pod: default/web-1"
    )
    assert parse_scheduling_message("").categories == []


def test_counts_are_not_validated_against_n():
    p = parse_scheduling_message("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.")
    assert sum(p.per_node_counts().values()) == 2
    assert p.category_counts() == {"InsufficientCPU": 1, "InsufficientMemory": 1}
    capped = parse_scheduling_message(
        "0/2 nodes are available: 2 node(s) had untolerated taint {a: }, 2 node(s) had untolerated taint {b: }."
    )
    assert capped.category_counts() == {"TaintTolerationMismatch": 2}


def test_daemonset_noise_alone_reads_as_node_affinity():
    p = parse_scheduling_message(
        "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )
    assert p.reasons[0].categories == [] and p.categories == ["NodeAffinityNotMatch"]


# ------------------------------------------------------------------------------------------ categorize
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Insufficient cpu", ["InsufficientCPU"]),
        ("insufficient memory", ["InsufficientMemory"]),
        ("Insufficient ephemeral-storage", ["InsufficientStorage"]),
        ("node(s) did not have enough free storage", ["InsufficientStorage"]),
        ("Insufficient nvidia.com/gpu", ["Miscellaneous"]),
        ("Insufficient hugepages-2Mi", ["Miscellaneous"]),
        ("Too many pods", ["Miscellaneous"]),
        ("node(s) had untolerated taint {node.kubernetes.io/not-ready: }", ["NodeNotReady"]),
        ("node(s) had untolerated taint {node.kubernetes.io/unreachable: }", ["NodeNotReady"]),
        ("node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }", ["TaintTolerationMismatch"]),
        ("node(s) had untolerated taint(s)", ["TaintTolerationMismatch"]),
        ("node(s) didn't match Pod's node affinity/selector", ["NodeAffinityNotMatch"]),
        ("node(s) didn't match scheduler-enforced node affinity", ["NodeAffinityNotMatch"]),
        ("node(s) had volume node affinity conflict", ["VolumeNodeAffinityConflict"]),
        ("node(s) had no available volume zone", ["VolumeNodeAffinityConflict"]),
        ("node(s) had no available disk", ["VolumeMultiAttachError"]),
        (
            "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by "
            "another pod",
            ["VolumeMultiAttachError"],
        ),
        (
            "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)",
            ["VolumeAttachmentError"],
        ),
        (
            'waiting for ephemeral volume controller to create the persistentvolumeclaim "web-0-scratch"',
            ["VolumeAttachmentError"],
        ),
        ("node(s) didn't satisfy existing pods anti-affinity rules", ["PodAffinityConflict"]),
        ("node(s) didn't match pod topology spread constraints", ["Miscellaneous"]),
        ("node(s) didn't have free ports for the requested pod ports", ["Miscellaneous"]),
        ("node(s) were unschedulable", ["Miscellaneous"]),
        ("Preemption is not helpful for scheduling", []),
        ("No preemption victims found for incoming pod", []),
        ("preemption: not eligible due to preemptionPolicy=Never.", []),
        ("node is filtered out by the prefilter result", []),
        ("node(s) didn't satisfy plugin(s) [NodeAffinity]", []),
        (
            "Pod quota1/nginx is rejected in Prefilter because ElasticQuota quota1 is more than Max.",
            ["Miscellaneous"],
        ),
    ],
)
def test_categorize(text, expected):
    assert categorize(text) == expected
