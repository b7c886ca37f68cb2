"""The package as users get it: a wheel built from this checkout, installed into a fresh virtualenv, starts
with no cluster configured and serves the bundled demo cluster from its package data (no source tree)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from corpus import DEMO, REPO
from fakeapi import free_port

# a pod of the demo the README's first curl asks about, and what the demo makes of it
DEMO_POD = "/api/v1/pods/shop/recommender-8f6b7c5d9-vqxhq/scheduling"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: the build backend (setuptools, a dev dependency) comes from this venv, offline
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            ".",
        ],
        cwd=REPO,
        check=True,
        timeout=300,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (whl,) = out.glob("k8s_cluster_agent-*.whl")
    return whl


def test_the_wheel_carries_the_whole_demo_cluster(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    demo_files = {f.name for f in DEMO.iterdir() if f.suffix in (".json", ".md")}
    assert demo_files >= {"pods.json", "nodes.json", "events.json", "meta.json", "README.md"}
    assert {f"k8s_agent/demo/cluster/{n}" for n in demo_files} <= names


def test_the_wheel_carries_the_dashboard(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    page = {f.name for f in (REPO / "src" / "k8s_agent" / "dashboard").iterdir()}
    assert page == {"index.html", "app.js", "app.css"}
    assert {f"k8s_agent/dashboard/{n}" for n in page} <= names


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed (``--no-deps``); the runtime dependencies come from this
    venv's site-packages through a path file, which adds the directory but runs none of its ``.pth`` hooks,
    so the checkout's editable install stays invisible there."""
    env_dir = tmp_path_factory.mktemp("fresh-venv")
    venv.create(env_dir, with_pip=False, symlinks=True)
    py = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        timeout=300,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return env_dir


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    where = subprocess.check_output(
        [installed / "bin" / "python", "-c", "import k8s_agent.demo as d; print(d.demo_cluster_path())"],
        text=True,
        cwd=installed,
    ).strip()
    assert Path(where).is_relative_to(installed), where
    assert (Path(where) / "pods.json").is_file()


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_k8s_agent_from_the_wheel_serves_the_demo_with_no_cluster_configured(installed, tmp_path):
    home = tmp_path / "home"  # empty: no ~/.kube/config
    home.mkdir()
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KUBERNETES_", "KUBECONFIG", "SNAPSHOT_", "CLUSTER_"))
    }
    env.update(
        HOME=str(home),
        KUBECONFIG=str(home / "no-such-kubeconfig"),
        PORT=str(port),
        HOST="127.0.0.1",
        WORKERS="1",
        LOG_LEVEL="info",
        PYTHONPATH="",
    )
    log = tmp_path / "agent.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [installed / "bin" / "k8s-agent"], cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        status, body = 0, {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/readyz")
            except OSError:  # not listening yet
                time.sleep(0.2)
                continue
            if status == 200:
                break
            time.sleep(0.2)
        text = log.read_text(errors="replace")
        assert proc.poll() is None, text
        assert (status, body) == (200, {"status": "ready"}), text
        assert "serving the bundled demo cluster snapshot" in text and str(installed) in text, text
        status, body = _get(f"http://127.0.0.1:{port}{DEMO_POD}")
        assert status == 200, body
        assert body["data"]["status"] == "Pending"
        assert "InsufficientMemory" in body["data"]["failureCategories"]
        for path, kind in (
            ("/", "text/html"),
            ("/ui/app.js", "text/javascript"),
            ("/ui/app.css", "text/css"),
        ):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:  # the dashboard
                assert (r.status, r.headers["content-type"].split(";")[0]) == (200, kind)
                assert (
                    r.read()
                    == (
                        REPO / "src" / "k8s_agent" / "dashboard" / ("index.html" if path == "/" else path[4:])
                    ).read_bytes()
                )
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
