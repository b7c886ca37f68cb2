"""kubectl's columns of an event, from the classic core/v1 shape and from the events.k8s.io shape."""

from __future__ import annotations

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
    assert cols["source"].startswith("kubelet")
    assert set(cols) == {"type", "reason", "message", "first_timestamp", "last_timestamp", "count", "source"}


def test_missing_type_and_reason_read_as_empty():
    ev = convert({"metadata": {"name": "e", "namespace": "ns"}, "involvedObject": {}}, Event)
    cols = event_columns(ev)
    assert cols["type"] == "" and cols["reason"] == ""
    assert cols["count"] == 1  # a null count means once
