"""Mutation testing of the pure analysis modules with mutmut (`make mutation`).

mutmut ([tool.mutmut] in pyproject.toml) copies the sources to ``mutants/``, records once which unit tests
reach which function, then runs each mutant against only those tests. This script runs it module by module,
smallest first, and prints each module's score and its survivors (the diff of each), then the total.

Survivors judged equivalent (no behaviour can tell them apart) are listed in
``scripts/mutation-equivalent.txt``, one a line: the mutant's name, then a one-line reason. They are left out of
the score and shown as such; an entry whose mutant no longer exists or no longer survives is reported as stale.

    scripts/mutation.py                      every module
    scripts/mutation.py text quantity        only these (names as in MODULES)
    scripts/mutation.py scheduling.filters.node_affinity   one file of a package in MODULES
    scripts/mutation.py --report             no run: the score from the results already in mutants/

The last line is ``mutation score: K/T`` (killed of the mutants checked, equivalents left out). Exit status 1
when a module checked is below the target (90%).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants" / "src"
ANALYSIS = ROOT / "src" / "k8s_agent" / "analysis"
EQUIVALENT = ROOT / "scripts" / "mutation-equivalent.txt"
MUTMUT = Path(sys.executable).parent / "mutmut"
TARGET = 0.90

#: module name -> source file(s) under src/k8s_agent/analysis (a package: its directory)
MODULES = {
    "quantity": "quantity.py",
    "podstatus": "podstatus.py",
    "text": "text.py",
    "kube": "kube.py",
    "resources": "resources.py",
    "failure_events": "failure_events",
    "health_score": "health_score",
    "namespace_errors": "namespace_errors.py",
    "pod_issues": "pod_issues.py",
    "node_utilization": "node_utilization",
    "describe": "describe.py",
    "scheduling.message": "scheduling/message.py",
    "scheduling.selectors": "scheduling/selectors.py",
    "scheduling.filters": "scheduling/filters",
    "scheduling.evaluate": "scheduling/evaluate.py",
    "scheduling.simulate": "scheduling/simulate.py",
    "scheduling.compare": "scheduling/compare.py",
    "scheduling.context": "scheduling/context.py",
    "scheduling.index": "scheduling/index.py",
    "scheduling.analyze": "scheduling/analyze.py",
    "scheduling.explain": "scheduling/explain.py",
    "workloads": "workloads",
}

KILLED = {1, 3, -24, 24, 36, 152, 37}  # a failing test, a timeout (an endless loop), caught by the type check
SURVIVED = {0, 5, 33}  # every test passed; no test reached the mutant


def known(module: str) -> bool:
    """A name in MODULES, or one file of a package in it (``scheduling.filters.node_affinity``)."""
    if module in MODULES:
        return True
    package, _, name = module.rpartition(".")
    return package in MODULES and (ANALYSIS / MODULES[package] / f"{name}.py").is_file()


def source_files(module: str) -> list[Path]:
    if module not in MODULES:
        package, _, name = module.rpartition(".")
        return [ANALYSIS / MODULES[package] / f"{name}.py"]
    path = ANALYSIS / MODULES[module]
    return sorted(path.glob("*.py")) if path.is_dir() else [path]


def load_equivalent() -> dict[str, str]:
    out: dict[str, str] = {}
    if not EQUIVALENT.exists():
        return out
    for line in EQUIVALENT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{EQUIVALENT.name}: {name} has no reason")
        out[name] = reason.strip()
    return out


def results(module: str) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for src in source_files(module):
        meta = MUTANTS / src.relative_to(ROOT / "src").with_suffix(".py.meta")
        if meta.exists():
            out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def diff(name: str) -> str:
    shown = subprocess.run([str(MUTMUT), "show", name], cwd=ROOT, capture_output=True, text=True).stdout
    return "\n".join(
        "      " + line for line in shown.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "modules",
        nargs="*",
        help=f"modules to run (default: all): {', '.join(MODULES)}, or one file of a package",
    )
    parser.add_argument("--report", action="store_true", help="no run, report the results in mutants/")
    args = parser.parse_args()
    unknown = [m for m in args.modules if not known(m)]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; known: {', '.join(MODULES)}")
    chosen = args.modules or sorted(MODULES, key=lambda m: sum(f.stat().st_size for f in source_files(m)))

    if not args.report:
        for module in chosen:
            print(f"== mutmut run: {module}", flush=True)
            pattern = f"k8s_agent.analysis.{module}.*"
            run = subprocess.run([str(MUTMUT), "run", pattern], cwd=ROOT, stdout=subprocess.DEVNULL)
            if run.returncode != 0:
                print(f"mutmut run {pattern} failed (exit {run.returncode})", file=sys.stderr)
                return run.returncode

    equivalent = load_equivalent()
    seen: set[str] = set()
    killed_total = checked_total = 0
    below: list[str] = []
    not_run: list[str] = []
    print()
    for module in chosen:
        codes = results(module)
        seen.update(codes)
        if not codes or all(code is None for code in codes.values()):
            not_run.append(module)
            continue
        unchecked = [n for n, c in codes.items() if c is None]
        killed = [n for n, c in codes.items() if c in KILLED]
        survived = sorted((n for n, c in codes.items() if c in SURVIVED), key=_natural)
        other = [n for n, c in codes.items() if c is not None and c not in KILLED | SURVIVED]
        equiv = [n for n in survived if n in equivalent]
        live = [n for n in survived if n not in equivalent] + other
        checked = len(killed) + len(live)
        score = len(killed) / checked if checked else 1.0
        killed_total += len(killed)
        checked_total += checked
        if score < TARGET:
            below.append(module)
        print(
            f"{module}: {len(killed)}/{checked} = {score:.1%} killed"
            f" ({len(equiv)} equivalent left out{f', {len(unchecked)} not checked' if unchecked else ''})"
        )
        for name in live:
            why = "no unit test reaches it" if codes[name] in (5, 33) else f"exit {codes[name]}"
            print(f"  survived: {name} ({why})")
            print(diff(name))
    stale = sorted(
        n
        for n in equivalent
        if any(n.startswith(f"k8s_agent.analysis.{m}.") for m in chosen) and n not in seen
    )
    stale += sorted(n for n in equivalent if n in seen and _code(n, chosen) in KILLED)
    for name in stale:
        print(f"stale entry in {EQUIVALENT.name}: {name} (no such mutant, or it is killed now)")
    if not_run:
        print(f"not run: {', '.join(not_run)}")
    if below:
        print(f"below {TARGET:.0%}: {', '.join(below)}")
    print(f"mutation score: {killed_total}/{checked_total}")
    return 1 if below else 0


def _code(name: str, modules: list[str]) -> int | None:
    for module in modules:
        codes = results(module)
        if name in codes:
            return codes[name]
    return None


def _natural(name: str) -> tuple[str, int]:
    base, _, num = name.rpartition("__mutmut_")
    return base, int(num) if num.isdigit() else 0


if __name__ == "__main__":
    sys.exit(main())
