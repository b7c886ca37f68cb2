"""kubernetes_asyncio without its generated model tree.

``kubernetes_asyncio/__init__.py`` imports every subpackage, and ``kubernetes_asyncio.client``'s
``__init__`` imports all ~140 API classes and ~1,500 generated model classes: about 1,300 modules and
40 MB of a worker's memory. The agent uses none of them on a request path: it calls
``ApiClient.call_api`` with ``_preload_content=False`` and decodes the raw JSON with msgspec. What it does
use is the package's configuration loading (in-cluster, kubeconfig, exec plugins, token refresh),
``Configuration`` and ``ApiClient``.

``install()`` puts three package modules into ``sys.modules`` before anything imports the real ones:
``kubernetes_asyncio``, ``kubernetes_asyncio.client`` and ``kubernetes_asyncio.client.models``. Each has the
real package's ``__path__``, so a submodule (``kubernetes_asyncio.client.api_client``,
``kubernetes_asyncio.config``...) imports from the installed files as usual; only the package
``__init__`` files, which exist to re-export everything, are not run. A name the ``__init__`` would have
exported (``client.ApiClient``, ``client.models.V1Pod``, ``client.CoreV1Api``) is resolved on first access
from a table read out of that very ``__init__`` file, so anything that does use a model still gets it.

This depends on how kubernetes_asyncio lays out its packages (re-exports written as
``from <module> import <Name>`` lines), which is why pyproject pins the major version and
tests/unit/test_lazy_client.py checks, against the installed release, that every exported name resolves
to the same object the eager package gives and that the model tree stays unloaded.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Any

_REEXPORT = re.compile(r"^from (kubernetes_asyncio\.[\w.]+) import (\w+)\s*$", re.M)
_PACKAGES = ("kubernetes_asyncio", "kubernetes_asyncio.client", "kubernetes_asyncio.client.models")
#: the subpackages ``kubernetes_asyncio/__init__.py`` exposes as attributes
_SUBPACKAGES = ("client", "config", "dynamic", "stream", "utils", "watch")


def _exports(init_file: Path) -> dict[str, str]:
    """name -> module, for every ``from <module> import <name>`` re-export of a package ``__init__``."""
    return {name: module for module, name in _REEXPORT.findall(init_file.read_text(encoding="utf-8"))}


def _version(init_file: Path) -> str:
    found = re.search(r'^__version__ = "([^"]+)"', init_file.read_text(encoding="utf-8"), re.M)
    return found.group(1) if found else ""


def _lazy_package(
    name: str, directory: Path, exports: dict[str, str], subpackages: tuple[str, ...] = ()
) -> types.ModuleType:
    module = types.ModuleType(name)
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [str(directory)]
    module.__spec__ = spec
    module.__path__ = [str(directory)]
    module.__package__ = name
    module.__file__ = str(directory / "__init__.py")
    module.__version__ = _version(directory / "__init__.py")  # type: ignore[attr-defined]
    module.__all__ = list(exports)  # type: ignore[attr-defined]

    def __getattr__(attr: str) -> Any:
        if attr in exports:
            value = getattr(importlib.import_module(exports[attr]), attr)
        elif attr in subpackages:
            value = importlib.import_module(f"{name}.{attr}")
        else:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        setattr(module, attr, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def installed() -> bool:
    """True when the lazy packages are the ones in ``sys.modules``."""
    client = sys.modules.get("kubernetes_asyncio.client")
    spec = getattr(client, "__spec__", None) if client is not None else None
    return spec is not None and spec.origin is None


def install() -> bool:
    """Install the lazy packages; a no-op (False) when kubernetes_asyncio was already imported eagerly."""
    if any(p in sys.modules for p in _PACKAGES):
        return installed()
    spec = importlib.util.find_spec("kubernetes_asyncio")  # finds, does not import
    if spec is None or not spec.submodule_search_locations:
        return False
    root = Path(next(iter(spec.submodule_search_locations)))
    client_dir = root / "client"
    models_dir = client_dir / "models"
    sys.modules["kubernetes_asyncio"] = _lazy_package("kubernetes_asyncio", root, {}, _SUBPACKAGES)
    sys.modules["kubernetes_asyncio.client"] = _lazy_package(
        "kubernetes_asyncio.client", client_dir, _exports(client_dir / "__init__.py"), ("models",)
    )
    sys.modules["kubernetes_asyncio.client.models"] = _lazy_package(
        "kubernetes_asyncio.client.models", models_dir, _exports(models_dir / "__init__.py")
    )
    return True
