"""The bundled demo cluster: a realistic dump (``cluster/``, package data) served when no cluster is
configured. ``scripts/gen_demo_cluster.py`` writes it; ``cluster/README.md`` says what each pod shows."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def demo_cluster_path() -> Path:
    """The directory of the demo dump. An installed package (sdist, wheel, editable, the image) keeps its
    data as plain files, so this is the package's own directory; a package imported from a zip archive gets
    a copy extracted once into a temporary directory removed at exit."""
    root = resources.files(__name__).joinpath("cluster")
    if isinstance(root, Path):
        return root
    tmp = Path(tempfile.mkdtemp(prefix="k8s-agent-demo-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    for entry in root.iterdir():
        if entry.is_file():
            (tmp / entry.name).write_bytes(entry.read_bytes())
    return tmp
