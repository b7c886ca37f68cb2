"""Differential fuzzing of the agent's per-node evaluation against the real kube-scheduler (`make fuzz`).

    make fuzz                      # N=1000 cases from seed START=1000
    make fuzz N=200 START=5000
    make fuzz SEEDS=1234,5678      # exactly these cases (a reported disagreement)
    make fuzz CLASSES=+topology_spread,-volumes

Starts the integration tier's control plane (etcd, kube-apiserver, kube-scheduler built by
scripts/controlplane/build.sh), runs the cases (tests/integration/diffgen.py draws them,
tests/integration/diffrun.py runs and compares them), and prints every disagreement with its seed and
the case as YAML, the disagreements by plugin, cases per second, and as its last line
``agreement: A/T cases``. Exit status 1 when any case disagrees.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

import controlplane  # noqa: E402
import diffgen  # noqa: E402
import diffrun  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of cases (default 1000)")
    ap.add_argument("--start", type=int, default=1000, help="first seed (default 1000)")
    ap.add_argument("--seeds", default="", help="comma-separated seeds to run instead of a range")
    ap.add_argument("--classes", default="", help="generator classes, e.g. +topology_spread,-match_fields")
    ap.add_argument("--shrink", type=int, default=3, help="shrink the first N disagreements (default 3)")
    ap.add_argument("--verbose", action="store_true", help="print both verdicts of every case")
    ap.add_argument("--quiet", action="store_true", help="no progress line")
    args = ap.parse_args(argv)

    classes = diffgen.Classes.parse(args.classes)
    seeds = (
        [int(s) for s in args.seeds.replace(" ", ",").split(",") if s.strip()]
        if args.seeds.strip()
        else list(range(args.start, args.start + args.n))
    )
    reason = controlplane.UNAVAILABLE_REASON
    if reason is not None:
        print(f"control plane unavailable: {reason}", file=sys.stderr)
        return 2
    cp = controlplane.start_control_plane(lambda m: print(m, file=sys.stderr))
    version = cp.versions.get("KUBERNETES_VERSION", "?")
    print(f"kube-scheduler v{version}; {len(seeds)} cases; classes {classes}")
    excluded = ", ".join(diffgen.EXCLUDED)
    print(f"excluded classes (see README): {excluded}")
    runner = diffrun.Runner(cp, classes)
    by_plugin: Counter[str] = Counter()
    seen: Counter[str] = Counter()  # cases per scheduler reason (how much of each filter the run exercised)
    bad: list[int] = []
    fits = 0
    done = 0
    t0 = time.monotonic()

    def on_outcome(o: diffrun.Outcome, case: diffgen.Case) -> None:
        nonlocal fits, done
        done += 1
        fits += o.scheduler.fits
        for r in o.scheduler.counts:
            seen[r] += 1
        if o.scheduler.prefilter:
            seen["PreFilter: " + o.scheduler.prefilter.split('"')[0].strip()] += 1
        if args.verbose:
            print(f"seed {o.seed}: scheduler [{o.scheduler.raw}] agent [{o.agent.text()}]", flush=True)
        if not o.agree:
            bad.append(o.seed)
            for p in diffrun.disagreeing_plugins(o.agent, o.scheduler):
                by_plugin[p] += 1
            minimal = None
            if len(bad) <= args.shrink:
                minimal, trials = diffrun.shrink(runner, case)
                print(f"(seed {o.seed} shrunk in {trials} trials on the real scheduler)", flush=True)
            print(diffrun.report_disagreement(o, case, minimal), flush=True)
        if not args.quiet and done % 50 == 0:
            rate = done / (time.monotonic() - t0)
            print(f"... {done}/{len(seeds)} cases, {len(bad)} disagreements, {rate:.1f} cases/s", flush=True)

    try:
        runner.run(seeds, on_outcome)
        elapsed = time.monotonic() - t0
    finally:
        runner.close()
        controlplane.cleanup(cp)
    print(f"kube-scheduler v{version}: {done} cases in {elapsed:.1f}s ({done / elapsed:.2f} cases/s)")
    print(f"scheduler verdicts: {fits} fit, {done - fits} unschedulable; harness retries: {runner.races}")
    print("cases per scheduler reason: " + "; ".join(f"{r} {n}" for r, n in seen.most_common()))
    if by_plugin:
        print("disagreements by plugin: " + ", ".join(f"{p}={n}" for p, n in by_plugin.most_common()))
        print("disagreeing seeds: " + ",".join(str(s) for s in bad))
    else:
        print("disagreements by plugin: none")
    print(f"agreement: {done - len(bad)}/{done} cases")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
