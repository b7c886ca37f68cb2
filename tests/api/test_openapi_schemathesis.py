"""The OpenAPI document covers every route and error envelope, and a schemathesis run against the running
agent (on the demo cluster) finds no server error and no response that breaks the document."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import msgspec
import pytest
from _support import free_port

from corpus import DEMO
from k8s_agent.api import endpoints
from k8s_agent.api.docs import build_openapi
from k8s_agent.app import create_app
from k8s_agent.config import load_settings

ST = Path(sys.executable).parent / "st"


def test_document_covers_every_route_with_its_errors():
    create_app(
        load_settings({}, cluster_source="snapshot", snapshot_path=str(DEMO)),
        name="oa-doc",
    )
    doc = build_openapi(endpoints.API)
    assert doc["openapi"] == "3.1.0"
    for r in endpoints.API:
        path = "/api/v1" + r.path.replace("<", "{").replace(">", "}")
        op = doc["paths"][path]["get"]
        assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == {p.name for p in r.params}
        for code in ("200", "401", "403", "500", "504", *map(str, r.errors)):
            assert code in op["responses"], (path, code)
    schemas = doc["components"]["schemas"]
    err = schemas["ErrorEnvelope"]
    assert set(err["required"]) == {"error", "metadata"}
    assert {"/healthz", "/readyz"} <= set(doc["paths"])
    msgspec.json.encode(doc)  # serialisable as served


@pytest.fixture(scope="module")
def agent():
    port = free_port()
    env = dict(
        os.environ,
        CLUSTER_SOURCE="snapshot",
        SNAPSHOT_PATH=str(DEMO),
        PORT=str(port),
        WORKERS="2",
        LOG_LEVEL="warn",
        HOST="127.0.0.1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "k8s_agent"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if urllib.request.urlopen(base + "/readyz", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("agent did not start: " + (proc.stdout.read() if proc.stdout else ""))
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_schemathesis_finds_no_server_error_and_no_schema_violation(agent, tmp_path):
    proc = subprocess.run(
        [
            str(ST),
            "run",
            f"{agent}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance",
            "--max-examples",
            "40",
            "--seed",
            "1",
            "--generation-deterministic",
            "--no-color",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--request-timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    # every generated case passed every check, and the run ended without a failure or an error
    assert re.search(r"^  (\d+) generated, \1 passed$", out, re.M), out[-3000:]
    summary = re.search(r"^=+ (.*) in [\d.]+s =+$", out, re.M)
    assert summary and "failure" not in summary[1] and "error" not in summary[1], out[-3000:]
    # the only warnings are the two the contract makes expected: "Missing test data" (generated pod and node
    # names do not exist in the demo cluster: a correct 404) and "Schema validation mismatch" (most generated
    # names break the name patterns: a correct 400); any other kind of warning fails
    assert set(re.findall(r"⚠️ ([^:\n]+):", out)) <= {"Missing test data", "Schema validation mismatch"}, out[
        -3000:
    ]
