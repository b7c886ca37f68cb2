"""The workload diagnosis over HTTP on the bundled demo cluster (src/k8s_agent/demo/cluster/README.md says
what it holds): a stuck rollout, a failed Job, a short DaemonSet, a quota refusal; and the 400/404 answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from _support import client_for

from corpus import DEMO
from k8s_agent.kube.snapshot import SnapshotSource


@pytest.fixture(scope="module")
def client():
    with client_for(SnapshotSource(DEMO)) as c:
        yield c


def get(client, path: str, status: int = 200) -> dict:
    _, resp = client.get("/api/v1" + path)
    assert resp.status_code == status, resp.text
    return resp.json["data"] if status == 200 else resp.json["error"]


def test_stuck_rollout_names_the_broken_revision_and_the_image_change(client):
    d = get(client, "/workloads/shop/Deployment/api/diagnosis")
    assert d["kind"] == "Deployment" and d["state"] == "stuck"
    assert d["stateReason"].startswith("ProgressDeadlineExceeded")
    current = d["revisions"][0]
    assert current["current"] and current["revision"] == 4 and current["failingPods"] >= 1
    change = d["whatChanged"]
    assert (change["fromRevision"], change["toRevision"]) == (3, 4)
    assert {"container": "api", "field": "image"}.items() <= change["changes"][0].items()
    assert change["changes"][0]["after"].endswith(":2.5.0")
    assert any("--to-revision=3" in s for s in d["suggestions"])


def test_quota_refusal_failed_job_and_short_daemonset(client):
    d = get(client, "/workloads/data/deploy/etl-worker/diagnosis")  # kubectl's short name
    assert d["state"] == "stuck"
    assert {cf["cause"] for cf in d["createFailures"]} == {"quota"}
    assert any(s.startswith("The quota `compute-quota` in `data` has") for s in d["suggestions"])
    j = get(client, "/workloads/batch/jobs/invoice-reconcile/diagnosis")
    assert j["state"] == "failed" and j["job"]["failureReason"] == "BackoffLimitExceeded"
    ds = get(client, "/workloads/kube-system/DaemonSet/kube-proxy/diagnosis")
    assert ds["state"] == "degraded"
    assert ds["daemonSetNodes"]["unavailable"] >= 1


def test_unknown_kind_is_400_and_missing_workload_is_404(client):
    err = get(client, "/workloads/shop/Pod/api/diagnosis", 400)
    assert "is not one of Deployment, StatefulSet, DaemonSet, Job, CronJob" in err["details"]
    err = get(client, "/workloads/shop/Deployment/no-such/diagnosis", 404)
    assert "no-such" in err["message"] + err.get("details", "")
    get(client, "/workloads/Bad_NS/Deployment/api/diagnosis", 400)


def test_cronjob_with_missed_schedules_and_daemonset_kept_off_by_its_node_selector(client):
    cj = get(client, "/workloads/batch/cj/ledger-snapshot/diagnosis")
    assert cj["state"] == "stuck"
    # last scheduled 5 hours before the snapshot was loaded: every full hour since, up to a minute before the
    # analysis time (the controller's grace), is a missed run
    last = datetime.fromisoformat(cj["cronJob"]["lastScheduleTime"].replace("Z", "+00:00"))
    until = datetime.fromisoformat(cj["analysisTime"].replace("Z", "+00:00")) - timedelta(minutes=1)
    hour = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    expected = 0
    while hour <= until:
        expected, hour = expected + 1, hour + timedelta(hours=1)
    assert expected >= 4
    assert cj["cronJob"]["missedSchedules"] == expected, cj["cronJob"]
    assert "startingDeadlineSeconds 60" in cj["stateReason"]
    ds = get(client, "/workloads/kube-system/ds/nvidia-device-plugin-daemonset/diagnosis")
    assert ds["state"] == "complete"
    nodes = ds["daemonSetNodes"]
    assert (nodes["eligible"], nodes["excluded"]) == (1, 4)
    assert all(g["reason"].startswith("nodeSelector nvidia.com/gpu.present=true") for g in nodes["nodes"])
