"""What the benchmark scripts share: the median of repeated runs, their common options, and the fake API
server (``tests/fakeapi``) serving the demo cluster in a process of its own."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """``fn`` run ``runs`` times: the median and the largest wall time (seconds), and its last result."""
    samples, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), max(samples), result


def cluster_parser(
    doc: str | None, *, runs: int, nodes: int = 500, pods: int = 10_000
) -> argparse.ArgumentParser:
    """The options of a benchmark over a generated cluster: its size, the runs, the generator's seed."""
    ap = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    ap.add_argument("--nodes", type=int, default=nodes)
    ap.add_argument("--pods", type=int, default=pods)
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--seed", type=int, default=1)
    return ap


def start_fake_demo(kubeconfig: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """``python -m fakeapi --demo`` with ``extra`` options (``--pods N``, ``--delay RE=S``), serving: the
    process (in its own session: stop it with ``os.killpg``) and its URL."""
    fake = subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "--demo", "--kubeconfig", str(kubeconfig), *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    return fake, json.loads(fake.stdout.readline())["url"]
