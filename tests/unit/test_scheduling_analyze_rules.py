"""The two scheduling answers (analysis/scheduling/analyze.py) field by field on real objects: a gated pod
with a missing claim (blocker notes first, then the gate note), its nominated node, only the PodScheduled
condition, the warnings passed through, the unschedulable nodes with their resource shortfalls; a scheduled
pod (no failure summary, no unschedulable nodes, no blocker notes even when its node no longer fits); the
scheduler's events in both shapes and the parsed reasons of its message."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import make_node, make_pod, pvc_volume, scheduler_event
from k8s_agent.analysis.scheduling.analyze import (
    analyze_scheduling,
    explain_scheduling,
    explanation_answer,
    scheduling_answer,
)
from k8s_agent.analysis.scheduling.context import SchedulingInputs

NOW = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
GATED = "Scheduling is blocked due to non-empty scheduling gates"
BLOCKER = 'persistentvolumeclaim "data-db-0" not found: no node can run the pod until this is fixed'
SHORT = "insufficient memory (requested: 2Gi, free: 1Gi of 1Gi allocatable)"


def gated_db():
    return make_pod(
        "db-0",
        "shop",
        memory="2Gi",
        volumes=[pvc_volume("data-db-0")],
        schedulingGates=[{"name": "example.com/quota"}, {"name": "example.com/ready"}],
        status={
            "phase": "Pending",
            "nominatedNodeName": "n1",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "SchedulingGated",
                    "message": GATED,
                    "lastTransitionTime": "2024-05-01T09:59:00Z",
                },
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2024-05-01T09:59:00Z"},
            ],
        },
    )


def nodes():
    return [make_node("n1", memory="1Gi"), make_node("n2")]


def test_a_gated_pod_with_a_missing_claim_field_by_field():
    pod = gated_db()
    r = scheduling_answer(
        SchedulingInputs(pod, [], nodes(), [pod], {}, {}, NOW, warnings=["pods list truncated"])
    )
    assert r.status == "SchedulingGated" and r.node_name is None and r.nominated_node_name == "n1"
    assert r.priority == 0 and r.priority_class_name == "" and r.scheduling_reasons == []
    assert r.scheduling_gates == ["example.com/quota", "example.com/ready"]
    assert r.notes == [
        BLOCKER,
        "the scheduler does not try to place the pod until its scheduling gates are removed: "
        "example.com/quota, example.com/ready",
    ]
    assert r.failure_categories == ["VolumeAttachmentError", "InsufficientMemory"]
    assert [(s.category, s.count, s.nodes, s.source) for s in r.failure_summary] == [
        ("VolumeAttachmentError", 2, [], "pod"),
        ("InsufficientMemory", 1, ["n1"], "nodes"),
    ]
    assert [
        (u.node_name, u.reasons, u.insufficient_resources, u.categories) for u in r.unschedulable_nodes
    ] == [("n1", ["insufficient memory"], [SHORT], ["InsufficientMemory"])]
    assert r.scheduler_message == GATED and r.parsed_scheduler_reasons == []
    assert [c.type for c in r.conditions] == ["PodScheduled"]
    assert r.warnings == ["pods list truncated"]


def test_the_explanation_of_the_same_pod_field_by_field():
    pod = gated_db()
    x = explanation_answer(SchedulingInputs(pod, [], nodes(), [pod], {}, {}, NOW, warnings=["w"]))
    assert (x.pod_name, x.namespace, x.status, x.node_name) == ("db-0", "shop", "SchedulingGated", None)
    assert x.notes == [BLOCKER]  # the gates are in the paragraph and the first suggestion
    assert x.warnings == ["w"] and x.scheduler_message == GATED
    assert x.failure_categories == ["VolumeAttachmentError", "InsufficientMemory"]
    assert [
        (n.node_name, n.schedulable, n.reasons, n.insufficient_resources, n.categories)
        for n in x.node_analysis
    ] == [
        ("n1", False, ["insufficient memory"], [SHORT], ["InsufficientMemory"]),
        ("n2", True, [], [], []),
    ]
    assert (x.summary.total_nodes, x.summary.schedulable_nodes, x.summary.filtered_by_resources) == (2, 1, 1)
    assert x.suggestions[0].startswith("remove the scheduling gates (example.com/quota, example.com/ready)")


def test_a_scheduled_pod_whose_node_no_longer_fits_has_no_failures():
    pod = make_pod("api-1", "shop", node="n1", memory="2Gi", priority=100, priorityClassName="mid")
    other = make_pod("cache", "shop", node="n1", memory="1Gi")
    node = [make_node("n1", memory="2Gi")]
    r = analyze_scheduling(pod, [], node, [pod, other], {}, {}, NOW)
    assert (
        r.status == "Scheduled"
        and r.node_name == "n1"
        and (r.priority, r.priority_class_name) == (100, "mid")
    )
    assert r.failure_summary == [] and r.failure_categories == [] and r.unschedulable_nodes == []
    assert r.scheduling_reasons[-1] == (
        "Node n1 is over-committed now: insufficient memory (requested: 2Gi, free: 1Gi of 2Gi allocatable) "
        "(not counting this pod)"
    )
    assert r.nominated_node_name is None and r.scheduling_gates == []
    x = explain_scheduling(pod, [], node, [pod, other], {}, {}, NOW)
    assert x.failure_categories == [] and x.node_name == "n1"
    assert [(n.node_name, n.schedulable) for n in x.node_analysis] == [("n1", False)]


def test_a_scheduled_pod_with_a_missing_claim_has_no_blocker_note():
    pod = make_pod("db-0", "shop", node="n2", volumes=[pvc_volume("data-db-0")])
    r = analyze_scheduling(pod, [], nodes(), [pod], {}, {}, NOW)
    assert BLOCKER not in r.notes
    x = explain_scheduling(pod, [], nodes(), [pod], {}, {}, NOW)
    assert BLOCKER not in x.notes


def test_events_and_parsed_reasons_of_the_scheduler_message():
    pod = make_pod("web-1", memory="2Gi")
    msg = (
        "0/2 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )
    old = scheduler_event(pod, msg, shape="core", time="2024-05-01T09:50:00Z", count=4)
    new = scheduler_event(pod, msg, time="2024-05-01T10:00:00Z", count=3)
    r = analyze_scheduling(pod, [old, new], nodes(), [pod], {}, {}, NOW)
    assert r.scheduler_message == msg
    assert [(p.reason, p.count, p.categories) for p in r.parsed_scheduler_reasons] == [
        ("Insufficient memory", 1, ["InsufficientMemory"]),
        ("node(s) had untolerated taint {dedicated: gpu}", 1, ["TaintTolerationMismatch"]),
    ]
    got = {(e.type, e.reason, e.message, e.timestamp, e.count) for e in r.scheduling_events}
    assert got == {
        ("Warning", "FailedScheduling", msg, "2024-05-01T09:50:00Z", 4),
        ("Warning", "FailedScheduling", msg, "2024-05-01T10:00:00Z", 3),
    }
    x = explain_scheduling(pod, [old, new], nodes(), [pod], {}, {}, NOW)
    assert x.scheduler_message == msg and len(x.scheduling_events) == 2


def test_the_answers_keep_their_documentation():
    assert analyze_scheduling.__doc__ == scheduling_answer.__doc__
    assert explain_scheduling.__doc__ == explanation_answer.__doc__


def test_the_gate_note_comes_before_the_analysis_notes():
    tol = [{"key": "example.com/slots", "operator": "Gt", "value": "3", "effect": "NoSchedule"}]
    pod = make_pod("job-1", schedulingGates=[{"name": "example.com/quota"}], tolerations=tol)
    r = analyze_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert r.notes[0] == (
        "the scheduler does not try to place the pod until its scheduling gates are removed: example.com/quota"
    )
    assert r.notes[1].startswith("tolerations with Gt/Lt (example.com/slots Gt 3) were evaluated as")
    assert len(r.notes) == 2


def test_blocker_notes_come_before_the_analysis_notes_in_the_explanation():
    pod = make_pod(
        "db-0", volumes=[pvc_volume("data-db-0")], status={"phase": "Pending", "nominatedNodeName": "n1"}
    )
    x = explain_scheduling(pod, [], [make_node("n1")], [pod], {}, {}, NOW)
    assert x.notes == [
        'persistentvolumeclaim "data-db-0" not found: no node can run the pod until this is fixed',
        "the scheduler nominated node n1 after preempting lower-priority pods; the pod is placed there once "
        "they have terminated (if it still fits then)",
    ]


def test_the_pod_affinity_is_shown_as_the_pod_spec_has_it():
    aff = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]}
                ]
            }
        }
    }
    pod = make_pod("db-0", affinity=aff)
    r = analyze_scheduling(pod, [], [make_node("n1", labels={"tier": "db"})], [pod], {}, {}, NOW)
    assert r.affinity == pod.spec.affinity and r.affinity is not None
    term = r.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms[0]
    assert [(e.key, e.operator, e.values) for e in term.match_expressions] == [("tier", "In", ["db"])]
