"""The FailedScheduling message rules one at a time: each scheduler reason text (as kube-scheduler of some
release wrote it) and the failure category it means, and how each message format is taken apart."""

from __future__ import annotations

import pytest

from k8s_agent.analysis.scheduling.message import (
    EMPTY,
    FIT_ERROR,
    LEGACY_PER_NODE_LINES,
    LEGACY_PREDICATES,
    NO_FIT_ERROR_PREFIX,
    NO_NODES,
    categorize,
    parse_scheduling_message,
    sort_categories,
    strip_combined_prefix,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # PostFilter (preemption) wording is about preemption, never a cause
        ("preemption: not eligible due to a terminating pod on the nominated node.", []),
        ("not eligible due to preemptionPolicy=Never.", []),
        ("no new claims to deallocate", []),
        # NodeResourcesFit; the trailing period of the last reason is not part of the resource name
        ("Insufficient cpu.", ["InsufficientCPU"]),
        ("Insufficient memory;", ["InsufficientMemory"]),
        # volumes
        (
            'Multi-Attach error for volume "pvc-0a1b" Volume is already used by pod(s) web-1',
            ["VolumeMultiAttachError"],
        ),
        ("failed to bind volumes: timed out waiting for the condition", ["VolumeAttachmentError"]),
        # node name / hostname (the 1.x wording)
        ("node(s) didn't match the requested hostname", ["NodeAffinityNotMatch"]),
        # inter-pod affinity, by the old predicate names too
        ("MatchInterPodAffinity", ["PodAffinityConflict"]),
        ("PodAntiAffinityRulesNotMatch", ["PodAffinityConflict"]),
    ],
)
def test_reason_categories(text, expected):
    assert categorize(text) == expected


def test_unknown_categories_sort_after_the_known_ones():
    assert sort_categories(["example.com/Custom", "InsufficientCPU", "Another"]) == [
        "InsufficientCPU",
        "Another",
        "example.com/Custom",
    ]


def test_every_format_keeps_the_raw_message():
    for message, fmt in [
        ("", EMPTY),
        ("0/3 nodes are available: 3 Insufficient cpu.", FIT_ERROR),
        (
            "No nodes are available that match all of the following predicates:: Insufficient cpu (3).",
            LEGACY_PREDICATES,
        ),
        (
            "pod (web-1) failed to fit in any node\nfit failure on node (n1): Insufficient cpu",
            LEGACY_PER_NODE_LINES,
        ),
        ("no nodes available to schedule pods.", NO_NODES),
        ('running PreBind plugin "VolumeBinding": binding volumes: timed out', NO_FIT_ERROR_PREFIX),
    ]:
        parsed = parse_scheduling_message(message)
        assert (parsed.raw, parsed.format) == (message, fmt)


def test_fit_error_reasons_have_no_nodes_and_no_prefilter_unless_written():
    p = parse_scheduling_message("0/5 nodes are available: 2 Insufficient cpu, 3 Insufficient cpu.")
    assert p.prefilter == "" and p.postfilter == ""
    assert [r.nodes for r in p.reasons] == [[], []]
    # the same reason twice is summed
    assert p.per_node_counts() == {"Insufficient cpu": 5}
    assert p.category_counts() == {"InsufficientCPU": 5}


def test_one_category_under_two_reasons_adds_up_and_is_capped_at_n():
    p = parse_scheduling_message(
        "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        "2 node(s) had untolerated taint {team: ml}."
    )
    assert p.category_counts() == {"TaintTolerationMismatch": 3}


def test_uncounted_reasons_count_every_node_and_none_when_n_is_unknown():
    # DaemonSet PreFilterResult noise alone: node affinity, every node
    p = parse_scheduling_message(
        "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )
    assert p.category_counts() == {"NodeAffinityNotMatch": 3}
    # a PreBind error names no node count: its category counts 0 nodes
    q = parse_scheduling_message('running PreBind plugin "VolumeBinding": binding volumes: timed out')
    assert q.category_counts() == {"VolumeAttachmentError": 0}
    # "0/n": a placeholder N is no node count
    r = parse_scheduling_message("0/n nodes are available: pod has unbound immediate PersistentVolumeClaims.")
    assert r.total_nodes is None
    assert r.category_counts() == {"VolumeAttachmentError": 0}


def test_a_preemption_suffix_without_its_period_is_still_cut():
    p = parse_scheduling_message(
        "0/3 nodes are available: 3 Insufficient cpu preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod."
    )
    assert [(r.text, r.count) for r in p.reasons] == [("Insufficient cpu", 3)]
    assert p.postfilter.startswith("preemption: 0/3 nodes are available: 3 No preemption victims")


def test_the_first_period_cuts_the_postfilter_suffix_even_when_it_has_periods():
    p = parse_scheduling_message(
        "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod. Ask the platform team."
    )
    assert [(r.text, r.count) for r in p.reasons] == [("Insufficient memory", 2)]
    assert p.postfilter == (
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod. Ask the platform team."
    )


def test_predicates_list_without_counts_is_one_reason():
    p = parse_scheduling_message(
        "No nodes are available that match all of the predicates: MatchNodeSelector."
    )
    assert [(r.text, r.count, r.categories) for r in p.reasons] == [
        ("MatchNodeSelector", None, ["NodeAffinityNotMatch"])
    ]


def test_per_node_lines_name_their_nodes_and_skip_other_lines():
    p = parse_scheduling_message(
        "pod (web-1) failed to fit in any node\n"
        "fit failure on node (n1): Insufficient cpu, PodFitsHostPorts\n"
        "(the scheduler logged more here)\n"
        "fit failure on node (n2): Insufficient cpu\n"
    )
    assert p.total_nodes == 2
    assert [(r.text, r.count, r.nodes) for r in p.reasons] == [
        ("Insufficient cpu", 2, ["n1", "n2"]),
        ("PodFitsHostPorts", 1, ["n1"]),
    ]


def test_no_nodes_message_with_or_without_period():
    for message in ("no nodes available to schedule pods", "no nodes available to schedule pods."):
        assert parse_scheduling_message(message).format == NO_NODES


def test_combined_prefix_and_the_spaces_after_it_are_dropped():
    assert strip_combined_prefix("(combined from similar events):   no nodes available to schedule pods") == (
        "no nodes available to schedule pods"
    )
