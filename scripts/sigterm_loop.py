"""Run the SIGTERM test of tests/live/test_multiworker.py (an in-flight request finishes, the agent exits in
time; with ``--with-start-up`` also the start-up SIGTERM tests of tests/live/test_shutdown.py) ``--runs`` times
while two processes keep both CPUs busy, and print how many runs passed (``make sigterm-loop``)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/live/test_multiworker.py::test_sigterm_lets_the_in_flight_request_finish_and_exits_in_time"]
STARTUP = ["tests/live/test_shutdown.py::test_a_sigterm_at_any_moment_of_start_up_ends_the_process"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--with-start-up", action="store_true", help="also the start-up SIGTERM tests (4 moments)")
    args = p.parse_args()
    tests = TESTS + (STARTUP if args.with_start_up else [])
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    passed = 0
    failures: list[str] = []
    t0 = time.monotonic()
    try:
        for i in range(1, args.runs + 1):
            r = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *tests],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            ok = r.returncode == 0
            passed += ok
            last = (r.stdout.strip().splitlines() or ["?"])[-1]
            print(f"run {i}/{args.runs}: {'passed' if ok else 'FAILED'} ({last})", flush=True)
            if not ok:
                failures.append(r.stdout[-3000:])
    finally:
        for b in burners:
            b.kill()
            b.wait()
    for f in failures:
        print(f"--- a failed run\n{f}")
    print(f"sigterm tests under CPU load: {passed}/{args.runs} runs passed ({time.monotonic() - t0:.0f}s)")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
