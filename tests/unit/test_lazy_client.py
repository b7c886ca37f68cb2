"""The lazy kubernetes_asyncio packages (k8s_agent.kube.lazy_client) against the installed release.

Each check runs in a fresh interpreter, because which packages a process has imported is the point. A
kubernetes_asyncio upgrade that changes how its packages re-export their names fails here, not in
production.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


EAGER = """
import json, kubernetes_asyncio, kubernetes_asyncio.client as c, kubernetes_asyncio.client.models as m
def where(o):
    return f"{o.__module__}.{o.__qualname__}" if hasattr(o, "__qualname__") else repr(o)
print(json.dumps({
    "client": {n: where(getattr(c, n)) for n in c.__all__},
    "models": {n: where(getattr(m, n)) for n in m.__all__},
    "subpackages": sorted(k for k in kubernetes_asyncio.__all__),
}))
"""

LAZY = """
import json, sys
from k8s_agent.kube import lazy_client
assert lazy_client.install()
import kubernetes_asyncio, kubernetes_asyncio.client as c, kubernetes_asyncio.client.models as m
before = sum(1 for k in sys.modules if k.startswith("kubernetes_asyncio.client.models."))
def where(o):
    return f"{o.__module__}.{o.__qualname__}" if hasattr(o, "__qualname__") else repr(o)
names = {"client": c.__all__, "models": m.__all__}
print(json.dumps({
    "before": before,
    "client": {n: where(getattr(c, n)) for n in names["client"]},
    "models": {n: where(getattr(m, n)) for n in names["models"]},
    "subpackages": sorted(n for n in ("client", "config", "dynamic", "stream", "utils", "watch")
                          if getattr(kubernetes_asyncio, n).__name__ == "kubernetes_asyncio." + n),
    "installed": lazy_client.installed(),
}))
"""


@pytest.fixture(scope="module")
def eager() -> dict:
    return _run(EAGER)


@pytest.fixture(scope="module")
def lazy() -> dict:
    return _run(LAZY)


def test_every_name_the_eager_client_exports_resolves_to_the_same_object(eager, lazy):
    assert lazy["installed"] is True
    assert lazy["before"] == 0  # importing the packages loaded no model module
    assert len(eager["client"]) > 500 and len(eager["models"]) > 500
    assert lazy["client"] == eager["client"]
    assert lazy["models"] == eager["models"]
    assert lazy["subpackages"] == eager["subpackages"]


def test_the_live_source_loads_no_generated_model_or_api_module():
    got = _run(
        """
import asyncio, json, sys
import k8s_agent.kube.live
from kubernetes_asyncio import client, config
async def build():
    api = client.ApiClient(client.Configuration())  # what LiveSource.connect builds
    await api.close()
asyncio.run(build())
print(json.dumps({
    "models": sorted(k for k in sys.modules if k.startswith("kubernetes_asyncio.client.models.")),
    "apis": sorted(k for k in sys.modules if k.startswith("kubernetes_asyncio.client.api.")),
    "kube_modules": sum(1 for k in sys.modules if k.startswith("kubernetes_asyncio")),
    "has_loader": callable(config.load_kube_config) and callable(config.load_incluster_config),
}))
"""
    )
    assert got["models"] == [] and got["apis"] == []
    assert got["has_loader"] is True
    assert got["kube_modules"] < 40  # the eager packages load about 1,300


def test_install_is_a_no_op_once_the_eager_package_is_loaded():
    got = _run(
        """
import json
import kubernetes_asyncio.client
from k8s_agent.kube import lazy_client
print(json.dumps({"install": lazy_client.install(), "installed": lazy_client.installed()}))
"""
    )
    assert got == {"install": False, "installed": False}
