"""`make chaos` in short form (`scripts/chaos.py --short`): the script runs end to end against the real
2-worker agent and prints every figure; the figures themselves are printed, not asserted (timing), except
what is not a time: no request lost at SIGTERM and a clean exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_chaos_short_form_prints_every_figure():
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "chaos.py"), "--short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(r.stdout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = r.stdout.splitlines()
    for start in (
        "key explosion: 300 distinct missing pod names",
        "largest GC pause per worker:",
        "API calls while healthy:",
        "API calls while failing (500):",
        "SIGTERM under keep-alive load",
        "bystander p95 on a cached /describe",
    ):
        assert any(line.startswith(start) for line in lines), (start, r.stdout)
    sigterm = next(line for line in lines if line.startswith("SIGTERM under keep-alive load"))
    assert " 0 lost, exit 0" in sigterm, sigterm
