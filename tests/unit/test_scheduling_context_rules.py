"""The pod's scheduling situation gathered once (``analysis.scheduling.context``), rule by rule on real pods,
nodes and scheduler events in both event shapes: the status (Scheduled, SchedulingGated, finished, Pending),
which events are scheduling events (the reasons, or the pod's own scheduler as source or reporting
component) and their order (newest first, ties by reason then message; another UID's events dropped), the
scheduler's last message (newest FailedScheduling event, unless the PodScheduled=False condition is newer;
a SchedulingGated condition shown, not parsed), and what ``gather`` evaluates and notes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from builders import make_node, make_pod, model, pvc_volume, scheduler_event
from builders.parts import condition
from k8s_agent.analysis.scheduling.context import (
    STATUS_GATED,
    STATUS_PENDING,
    STATUS_SCHEDULED,
    SchedulingInputs,
    ago,
    gather,
    is_scheduling_event,
    latest_scheduler_message,
    scheduler_name,
    scheduling_events,
    scheduling_status,
)

NOW = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
NODES = [make_node("n1"), make_node("n0", cpu="1")]
TOO_BIG = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
OLD_MSG = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."


def pending(**kw):
    return make_pod("web-1", "shop", cpu="2", **kw)


def with_status(pod_kw: dict, status: dict):
    return make_pod("web-1", "shop", cpu="2", status=status, **pod_kw)


def unschedulable(message: str, at: str, reason: str = "Unschedulable") -> dict:
    return {"phase": "Pending", "conditions": [condition("PodScheduled", "False", reason, message, at=at)]}


def inputs(pod, events=(), nodes=NODES, pods=()):
    return SchedulingInputs(pod, events, nodes, list(pods), {}, {}, NOW)


# ------------------------------------------------------------------------------------------ small helpers
def test_the_scheduler_is_the_pods_own_or_the_default_one():
    assert scheduler_name(pending()) == "default-scheduler"
    assert scheduler_name(pending(schedulerName="")) == "default-scheduler"
    assert scheduler_name(pending(schedulerName="volcano")) == "volcano"


def test_the_scheduling_status():
    assert scheduling_status(make_pod("a", node="n1")) == STATUS_SCHEDULED
    gated = pending(schedulingGates=[{"name": "example.com/quota"}])
    assert scheduling_status(gated) == STATUS_GATED
    assert scheduling_status(make_pod("a", phase="Failed")) == "Failed"
    assert scheduling_status(make_pod("a", phase="Succeeded")) == "Succeeded"
    assert scheduling_status(make_pod("a", phase="Unknown")) == STATUS_PENDING
    assert scheduling_status(pending()) == STATUS_PENDING


def test_a_scheduling_event_is_one_of_the_reasons_or_comes_from_the_pods_scheduler():
    pod = pending()
    for reason in ("FailedScheduling", "Scheduled", "Preempted", "NotTriggerScaleUp", "TriggeredScaleUp"):
        ev = scheduler_event(pod, "m", reason=reason, component="kubelet", shape="core")
        assert is_scheduling_event(ev, "default-scheduler"), reason
    pulled = scheduler_event(pod, "pulled", reason="Pulled", component="kubelet", shape="core")
    assert not is_scheduling_event(pulled, "default-scheduler")
    classic = scheduler_event(pod, "x", reason="Custom", component="volcano", shape="core")
    assert is_scheduling_event(classic, "volcano")
    assert not is_scheduling_event(classic, "default-scheduler")
    modern = scheduler_event(pod, "x", reason="Custom", component="volcano")
    assert is_scheduling_event(modern, "volcano")
    assert not is_scheduling_event(modern, "default-scheduler")


def test_scheduling_events_are_the_pods_own_newest_first_ties_by_reason_then_message():
    pod = pending()
    t1, t2 = "2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"
    older = scheduler_event(pod, "b older", time=t1)
    newer = scheduler_event(pod, "a newer", time=t2, shape="core")
    tie_b = scheduler_event(pod, "z", reason="TriggeredScaleUp", time=t1, shape="core")
    tie_a = scheduler_event(pod, "c", time=t1, shape="core")
    tie_a2 = scheduler_event(pod, "a", time=t1, shape="core")
    foreign = scheduler_event(pod, "earlier pod", time=t2, uid="uid-earlier")
    kubelet = scheduler_event(pod, "pulled", reason="Pulled", component="kubelet", time=t2, shape="core")
    got = scheduling_events(pod, [older, tie_b, foreign, kubelet, tie_a, newer, tie_a2])
    assert [(e.reason, e.message) for e in got] == [
        ("FailedScheduling", "a newer"),
        ("FailedScheduling", "a"),
        ("FailedScheduling", "b older"),
        ("FailedScheduling", "c"),
        ("TriggeredScaleUp", "z"),
    ]


def test_an_event_without_any_time_sorts_last():
    pod = pending()
    timeless = model(
        {
            "kind": "Event",
            "metadata": {"name": "x", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop", "uid": pod.metadata.uid},
            "reason": "FailedScheduling",
            "message": "a first by message",
        }
    )
    timed = scheduler_event(pod, "z timed")
    assert [e.message for e in scheduling_events(pod, [timeless, timed])] == ["z timed", "a first by message"]


def test_ago():
    assert ago(datetime(2024, 5, 1, 10, 25, tzinfo=UTC), NOW) == "5m ago"
    assert ago(None, NOW) == "at an unknown time"


# ------------------------------------------------------------------------------------------ the message
def test_the_newest_failed_scheduling_event_is_the_message():
    pod = pending()
    evs = scheduling_events(
        pod,
        [
            scheduler_event(pod, OLD_MSG, time="2024-05-01T10:00:00Z"),
            scheduler_event(pod, TOO_BIG, time="2024-05-01T10:10:00Z", shape="core"),
            scheduler_event(pod, "Successfully assigned", reason="Scheduled", time="2024-05-01T10:20:00Z"),
            scheduler_event(pod, "   ", time="2024-05-01T10:25:00Z"),  # no message: not read
        ],
    )
    msg = latest_scheduler_message(pod, evs)
    assert msg is not None
    assert (msg.text, msg.source, msg.time) == (TOO_BIG, "event", datetime(2024, 5, 1, 10, 10, tzinfo=UTC))
    assert msg.parsed.total_nodes == 2


def test_a_newer_unschedulable_condition_wins_over_the_event_and_says_so():
    pod = with_status({}, unschedulable(TOO_BIG, at="2024-05-01T10:10:00Z"))
    evs = scheduling_events(pod, [scheduler_event(pod, OLD_MSG, time="2024-05-01T10:00:00Z")])
    notes: list[str] = []
    msg = latest_scheduler_message(pod, evs, notes)
    assert msg is not None
    assert (msg.text, msg.source, msg.time) == (
        TOO_BIG,
        "condition",
        datetime(2024, 5, 1, 10, 10, tzinfo=UTC),
    )
    assert msg.parsed.total_nodes == 2 and msg.parsed.format != "gated"
    assert notes == [
        "the newest FailedScheduling event (2024-05-01T10:00:00Z) is older than the PodScheduled condition "
        "(2024-05-01T10:10:00Z); the condition's message is used"
    ]
    # without a list to write to, the same message
    again = latest_scheduler_message(pod, evs)
    assert again is not None and again.source == "condition"


def test_an_older_or_equally_old_condition_leaves_the_event_as_the_message():
    for at in ("2024-05-01T09:00:00Z", "2024-05-01T10:00:00Z"):
        pod = with_status({}, unschedulable(OLD_MSG, at=at))
        evs = scheduling_events(pod, [scheduler_event(pod, TOO_BIG, time="2024-05-01T10:00:00Z")])
        notes: list[str] = []
        msg = latest_scheduler_message(pod, evs, notes)
        assert msg is not None and (msg.text, msg.source) == (TOO_BIG, "event"), at
        assert notes == []


def test_the_condition_alone_is_the_message_and_a_true_or_empty_one_is_none():
    pod = with_status({}, unschedulable(f"  {TOO_BIG}  ", at="2024-05-01T10:10:00Z"))
    msg = latest_scheduler_message(pod, [])
    assert msg is not None
    assert (msg.text, msg.source, msg.parsed.total_nodes) == (TOO_BIG, "condition", 2)
    assert msg.time == datetime(2024, 5, 1, 10, 10, tzinfo=UTC)
    blank = with_status({}, unschedulable("   ", at="2024-05-01T10:10:00Z"))
    assert latest_scheduler_message(blank, []) is None
    scheduled = with_status(
        {},
        {
            "phase": "Pending",
            "conditions": [condition("PodScheduled", "True", "", "x", at="2024-05-01T10:10:00Z")],
        },
    )
    assert latest_scheduler_message(scheduled, []) is None
    ready_false = with_status(
        {},
        {
            "phase": "Pending",
            "conditions": [condition("Ready", "False", "", TOO_BIG, at="2024-05-01T10:10:00Z")],
        },
    )
    assert latest_scheduler_message(ready_false, []) is None
    # a blank condition does not hide an older event
    evs = scheduling_events(blank, [scheduler_event(blank, OLD_MSG, time="2024-05-01T10:00:00Z")])
    msg = latest_scheduler_message(blank, evs)
    assert msg is not None and (msg.text, msg.source) == (OLD_MSG, "event")


def test_a_gated_condition_is_shown_not_parsed_even_beside_an_event():
    gate = "Scheduling is blocked due to non-empty scheduling gates"
    pod = with_status(
        {"schedulingGates": [{"name": "example.com/quota"}]},
        unschedulable(gate, at="2024-05-01T09:00:00Z", reason="SchedulingGated"),
    )
    evs = scheduling_events(pod, [scheduler_event(pod, TOO_BIG, time="2024-05-01T10:00:00Z")])
    msg = latest_scheduler_message(pod, evs)
    assert msg is not None
    assert (msg.text, msg.source, msg.time) == (gate, "condition", datetime(2024, 5, 1, 9, 0, tzinfo=UTC))
    assert (msg.parsed.raw, msg.parsed.format) == (gate, "gated")


# ------------------------------------------------------------------------------------------ gather
def test_a_pending_pod_is_judged_on_every_node_in_name_order_with_its_message():
    pod = pending()
    ev = scheduler_event(pod, TOO_BIG)
    a = gather(inputs(pod, [ev]), evaluate_scheduled=False)
    assert a.status == STATUS_PENDING and a.now == NOW and a.pod is pod
    assert a.nodes_known and a.node_names == ["n0", "n1"]
    assert list(a.nodes_by_name) == ["n0", "n1"]
    assert [v.node_name for v in a.verdicts] == ["n0", "n1"]
    assert [v.fits for v in a.verdicts] == [False, True]
    assert a.events == [ev]
    assert a.message is not None and a.message.text == TOO_BIG
    assert a.verdict("n1") is a.verdicts[1] and a.verdict("n9") is None
    view = a.scheduler_view()
    assert view is not None and a.scheduler_view() is view
    assert a.notes == [] and a.discrepancies == []


def test_a_scheduled_pod_is_judged_on_its_own_node_only_unless_asked_and_has_no_message():
    pod = make_pod("web-1", "shop", node="n0", cpu="2")
    ev = scheduler_event(pod, TOO_BIG)
    a = gather(inputs(pod, [ev]), evaluate_scheduled=False)
    assert a.status == STATUS_SCHEDULED
    assert [v.node_name for v in a.verdicts] == ["n0"]
    # its own node name is not held against it, but its request still is
    assert not a.verdicts[0].fits
    assert a.message is None
    every = gather(inputs(pod, [ev]), evaluate_scheduled=True)
    assert [v.node_name for v in every.verdicts] == ["n0", "n1"]
    assert [v.fits for v in every.verdicts] == [False, True]


def test_a_finished_pod_is_not_judged_and_unread_nodes_are_noted():
    done = make_pod("web-1", "shop", phase="Succeeded")
    a = gather(inputs(done), evaluate_scheduled=True)
    assert a.status == "Succeeded" and a.report is None and a.verdicts == () and a.scheduler_view() is None
    assert a.verdict("n0") is None
    assert a.node_names == ["n0", "n1"]
    unread = gather(inputs(pending(), nodes=None), evaluate_scheduled=False)
    assert not unread.nodes_known and unread.node_names == [] and unread.report is None
    assert unread.notes == ["the node list could not be read: no per-node evaluation"]


def test_a_gated_pod_is_judged_and_its_notes_copied_from_the_evaluation():
    gate = "Scheduling is blocked due to non-empty scheduling gates"
    pod = with_status(
        {"schedulingGates": [{"name": "example.com/quota"}]},
        unschedulable(gate, at="2024-05-01T09:00:00Z", reason="SchedulingGated"),
    )
    a = gather(SchedulingInputs(pod, [], NODES, None, {}, {}, NOW), evaluate_scheduled=False)
    assert a.status == STATUS_GATED
    assert [v.node_name for v in a.verdicts] == ["n0", "n1"]
    assert a.report is not None and a.report.notes and a.notes == list(a.report.notes)
    assert a.message is not None and a.message.parsed.format == "gated"


def test_a_nominated_pending_pod_gets_the_preemption_note():
    status = {"phase": "Pending", "nominatedNodeName": "n1"}
    a = gather(inputs(with_status({}, status)), evaluate_scheduled=False)
    assert a.notes == [
        "the scheduler nominated node n1 after preempting lower-priority pods; the pod is placed there once "
        "they have terminated (if it still fits then)"
    ]
    bound = make_pod(
        "web-1", "shop", node="n1", cpu="2", status={"phase": "Running", "nominatedNodeName": "n1"}
    )
    assert gather(inputs(bound), evaluate_scheduled=False).notes == []


def test_a_newer_condition_is_a_discrepancy_of_the_analysis():
    pod = with_status({}, unschedulable(TOO_BIG, at="2024-05-01T10:10:00Z"))
    a = gather(
        inputs(pod, [scheduler_event(pod, OLD_MSG, time="2024-05-01T10:00:00Z")]), evaluate_scheduled=False
    )
    assert a.message is not None and a.message.source == "condition"
    assert len(a.discrepancies) == 1 and "older than the PodScheduled condition" in a.discrepancies[0]


def test_a_claim_that_could_not_be_read_is_skipped_not_reported_missing():
    pod = make_pod("db-0", "shop", volumes=[pvc_volume("data")])
    unread = SchedulingInputs(pod, [], NODES, [], {}, {}, NOW, unreadable_pvcs={"data"})
    a = gather(unread, evaluate_scheduled=False)
    assert a.report is not None and a.report.blockers == ()
    assert a.notes == ["PVC data could not be read; its volume checks were skipped"]
    missing = gather(inputs(pod), evaluate_scheduled=False)
    assert missing.report is not None
    assert [b.message for b in missing.report.blockers] == ['persistentvolumeclaim "data" not found']
