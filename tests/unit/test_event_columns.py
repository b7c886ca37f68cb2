"""kubectl's columns of an event, from the classic core/v1 shape and from the events.k8s.io shape (empty
``source``, ``reportingComponent``/``reportingInstance``, ``eventTime``, null count and timestamps)."""

from __future__ import annotations

from builders.parts import core_event
from k8s_agent.analysis.kube import event_columns
from k8s_agent.kube.models import Event, convert


def test_classic_event_columns():
    ev = convert(
        {
            "metadata": {"name": "p.1", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"},
            "type": "Warning",
            "reason": "BackOff",
            "message": "Back-off restarting failed container",
            "count": 7,
            "firstTimestamp": "2025-01-01T10:00:00Z",
            "lastTimestamp": "2025-01-01T11:00:00Z",
            "source": {"component": "kubelet", "host": "node-1"},
        },
        Event,
    )
    cols = event_columns(ev)
    assert cols["type"] == "Warning"
    assert cols["reason"] == "BackOff"
    assert cols["message"] == "Back-off restarting failed container"
    assert cols["first_timestamp"] == "2025-01-01T10:00:00Z"
    assert cols["last_timestamp"] == "2025-01-01T11:00:00Z"
    assert cols["count"] == 7
    assert cols["source"] == "kubelet/node-1"
    assert set(cols) == {"type", "reason", "message", "first_timestamp", "last_timestamp", "count", "source"}


def test_missing_type_and_reason_read_as_empty():
    ev = convert({"metadata": {"name": "e", "namespace": "ns"}, "involvedObject": {}}, Event)
    cols = event_columns(ev)
    assert cols["type"] == "" and cols["reason"] == ""
    assert cols["count"] == 1  # a null count means once


POD = {"kind": "Pod", "namespace": "shop", "name": "web-0", "uid": "u-1", "apiVersion": "v1"}


def classic(*, omit: tuple[str, ...] = (), **fields) -> Event:
    ev = core_event(
        POD,
        "BackOff",
        "Back-off restarting failed container app in pod web-0_shop(u-1)",
        name="web-0.1",
        namespace="shop",
        first="2025-06-01T11:00:00Z",
        last="2025-06-01T11:50:00Z",
        host="node-1",
        created="2025-06-01T11:00:00Z",
    )
    ev.update(fields)
    for key in omit:  # the API server leaves out an empty field (omitempty)
        del ev[key]
    return convert(ev, Event)


def new_style(component: str, instance: str) -> Event:
    """What an events.k8s.io recorder writes: no source, the reporter in reportingComponent/Instance."""
    return classic(
        source={},
        count=None,
        firstTimestamp=None,
        lastTimestamp=None,
        eventTime="2025-06-01T11:40:00.000000Z",
        reportingComponent=component,
        reportingInstance=instance,
        omit=() if instance else ("reportingInstance",),
    )


def test_a_reporting_instance_that_is_only_a_host_name_is_the_host():
    # the kubelet reports as instance its node's name, which does not start with "kubelet-"
    assert event_columns(new_style("kubelet", "node-1"))["source"] == "kubelet/node-1"


def test_a_reporting_instance_named_component_dash_host_gives_the_host_part():
    assert (
        event_columns(new_style("default-scheduler", "default-scheduler-cp-1"))["source"]
        == "default-scheduler/cp-1"
    )


def test_a_reporting_instance_equal_to_the_component_adds_no_host():
    assert event_columns(new_style("deployment-controller", "deployment-controller"))["source"] == (
        "deployment-controller"
    )


def test_without_a_reporting_instance_the_source_is_the_component_alone():
    assert event_columns(new_style("deployment-controller", ""))["source"] == "deployment-controller"


def test_a_classic_event_shows_component_slash_host():
    assert event_columns(classic())["source"] == "kubelet/node-1"


def test_an_event_without_a_message_has_an_empty_one():
    assert event_columns(classic(omit=("message",)))["message"] == ""


def test_an_event_with_only_a_first_timestamp_last_happened_then():
    # no lastTimestamp, series or eventTime: the first occurrence is the last known one, not the event
    # object's creation time (here 5 minutes later)
    columns = event_columns(
        classic(
            lastTimestamp=None,
            metadata={"name": "web-0.1", "namespace": "shop", "creationTimestamp": "2025-06-01T11:05:00Z"},
        )
    )
    assert (columns["first_timestamp"], columns["last_timestamp"]) == (
        "2025-06-01T11:00:00Z",
        "2025-06-01T11:00:00Z",
    )


def test_an_event_without_any_time_of_its_own_happened_when_it_was_created():
    columns = event_columns(classic(lastTimestamp=None, firstTimestamp=None))
    assert (columns["first_timestamp"], columns["last_timestamp"]) == (
        "2025-06-01T11:00:00Z",
        "2025-06-01T11:00:00Z",
    )
