"""A short locust run of the dashboard mix against the agent on the demo cluster: no request may fail.

Latency is not asserted here (shared, noisy machines); `make loadtest` prints it and checks the p95 budget.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dashboard_mix_has_no_failed_request(tmp_path):
    out = tmp_path / "load"
    env = dict(
        os.environ,
        VENV=str(Path(sys.executable).parent.parent),
        USERS="20",
        RATE="20",
        DURATION="8s",
        OUT=str(out),
        P95_BUDGET_MS="1000000000",
        LOADTEST_PORT="18097",
    )
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "loadtest.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    agent_log = (tmp_path / "load.agent.log").read_text() if (tmp_path / "load.agent.log").exists() else ""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + agent_log[-3000:]
    rows = list(csv.DictReader((tmp_path / "load_stats.csv").open()))
    agg = next(r for r in rows if r["Name"] == "Aggregated")
    assert int(agg["Request Count"]) > 50
    assert int(agg["Failure Count"]) == 0, rows
    named = {r["Name"] for r in rows}
    for endpoint in (
        "/api/v1/namespace/{ns}/error",
        "/api/v1/pods/{ns}/{pod}/failure-events",
        "/api/v1/nodes/utilization",
    ):
        assert endpoint in named
