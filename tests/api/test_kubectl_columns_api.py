"""/describe carries kubectl's READY, STATUS and RESTARTS columns: over HTTP, for every pod kubectl 1.36.3's
printer was run on (tests/fixtures/kubectl/printed-pods.json), served as a snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support import client_for

from corpus import FIXTURES
from k8s_agent.kube.snapshot import SnapshotSource

PRINTED = json.loads((FIXTURES / "kubectl" / "printed-pods.json").read_text())
CASES = [c for c in PRINTED["cases"] if c["pod"].get("metadata", {}).get("name")]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    d: Path = tmp_path_factory.mktemp("printed-pods")
    items = [{"apiVersion": "v1", "kind": "Pod", **c["pod"]} for c in CASES]
    (d / "pods.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    # a deadline that a loaded test machine cannot miss: this test is about the columns, not about time
    with client_for(SnapshotSource(d), request_deadline=30.0) as c:
        yield c


def test_describe_shows_kubectls_columns(client) -> None:
    assert len(CASES) > 60
    for case in CASES:
        meta = case["pod"]["metadata"]
        _, resp = client.get(f"/api/v1/pods/{meta.get('namespace') or 'default'}/{meta['name']}/describe")
        assert resp.status_code == 200, (meta, resp.text)
        data = resp.json["data"]
        # the restart count is kubectl's; the "(... ago)" part depends on the time of the request
        count, _, ago = case["restarts"].partition(" ")
        got_count, _, got_ago = data["restarts"].partition(" ")
        assert (data["ready"], data["podStatus"], got_count) == (case["ready"], case["status"], count), meta
        assert bool(got_ago) == bool(ago), (meta["name"], data["restarts"], case["restarts"])
