"""The snapshot source over the bundled demo cluster and over other dump shapes."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from corpus import DEMO
from k8s_agent.errors import MetricsUnavailable, NotFound
from k8s_agent.kube.snapshot import SnapshotError, SnapshotSource

CAPTURED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def run(coro):
    import asyncio

    return asyncio.run(coro)


def test_demo_timestamps_are_shifted_to_now_but_the_epoch_placeholder_is_kept():
    now = CAPTURED + timedelta(days=3, hours=1)
    src = SnapshotSource(DEMO, now=now)
    pods = run(src.list_pods("shop"))
    created = [p.metadata.creation_timestamp for p in pods]
    assert max(created) <= now and max(created) > now - timedelta(days=1)
    inv = next(p for p in pods if p.metadata.name.startswith("inventory-"))
    started = inv.status.init_container_statuses[0].last_state.terminated.started_at
    assert started == datetime(1970, 1, 1, tzinfo=UTC)


def test_field_and_label_selectors_are_evaluated():
    src = SnapshotSource(DEMO)
    pod = next(p for p in run(src.list_pods("shop")) if p.metadata.name == "api-6b7d9c8f4-xrjhz")
    events = run(
        src.list_events(
            "shop", field_selector=f"involvedObject.kind=Pod,involvedObject.name={pod.metadata.name}"
        )
    )
    assert events and all(e.involved_object.name == pod.metadata.name for e in events)
    on_node = run(src.list_pods(None, field_selector="spec.nodeName=demo-worker-1"))
    assert on_node and all(p.spec.node_name == "demo-worker-1" for p in on_node)
    key = sorted(pod.metadata.labels)[0]
    app = pod.metadata.labels[key]
    labelled = run(src.list_pods("shop", label_selector=f"{key}={app}"))
    assert pod in labelled and all(p.metadata.labels.get(key) == app for p in labelled)
    assert run(src.list_pods("shop", label_selector=f"{key} notin ({app})")) == [
        p for p in run(src.list_pods("shop")) if p.metadata.labels.get(key) != app
    ]


def test_not_found_and_metrics():
    src = SnapshotSource(DEMO)
    with pytest.raises(NotFound) as exc:
        run(src.get_pod("shop", "nope"))
    assert exc.value.details == "Pod 'nope' not found in namespace 'shop'"
    with pytest.raises(NotFound):
        run(src.get_namespace("nope"))
    assert run(src.get_node_metrics("demo-worker-1")).usage
    with pytest.raises(NotFound):
        run(src.get_node_metrics("demo-worker-3"))  # NotReady: no sample


def test_cluster_info_dump_shape_items_without_kind_and_concatenated_documents(tmp_path):
    pod = {"metadata": {"name": "p", "namespace": "ns", "uid": "u1"}, "spec": {"containers": [{"name": "c"}]}}
    node = {"metadata": {"name": "n1"}}
    (tmp_path / "dump.json").write_text(
        json.dumps({"kind": "NodeList", "apiVersion": "v1", "items": [node]})
        + "\n"
        + json.dumps({"kind": "PodList", "apiVersion": "v1", "items": [pod]})
    )
    src = SnapshotSource(tmp_path)
    assert run(src.get_pod("ns", "p")).metadata.uid == "u1"
    assert [n.metadata.name for n in run(src.list_nodes())] == ["n1"]
    assert run(src.get_namespace("ns")).metadata.name == "ns"  # derived from the objects
    with pytest.raises(MetricsUnavailable):
        run(src.list_node_metrics())


def test_yaml_dump_and_bad_input(tmp_path):
    (tmp_path / "pods.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: y, namespace: d}\n"
    )
    assert run(SnapshotSource(tmp_path).get_pod("d", "y")).metadata.name == "y"
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SnapshotError, match="bad.json: invalid JSON"):
        SnapshotSource(tmp_path)
    with pytest.raises(SnapshotError, match="does not exist"):
        SnapshotSource(tmp_path / "missing")
