"""Paths to the test data held in this repository: the corpus of real Kubernetes objects and messages
(``tests/fixtures/corpus``, copied from the project's reference material) and the bundled demo cluster."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from k8s_agent.demo import demo_cluster_path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = FIXTURES / "corpus"
CORPUS_PODS = CORPUS / "pods"
DEMO = demo_cluster_path()


def load_corpus(name: str) -> Any:
    """A corpus file by its path relative to ``fixtures/corpus`` (``"scheduling_messages.json"``,
    ``"pods/<name>.json"``), parsed from JSON."""
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


_PLACEHOLDER = re.compile(r"^@now(?:-(\d+)([smhd]))?$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def substitute(obj: Any, now: datetime) -> Any:
    """Replace the ``@now`` / ``@now-5m`` template placeholders some corpus pods carry instead of timestamps
    with RFC 3339 times relative to ``now``."""
    if isinstance(obj, dict):
        return {k: substitute(v, now) for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute(v, now) for v in obj]
    if isinstance(obj, str) and (m := _PLACEHOLDER.match(obj)):
        delta = timedelta(seconds=int(m.group(1)) * _SECONDS[m.group(2)]) if m.group(1) else timedelta()
        return (now - delta).strftime("%Y-%m-%dT%H:%M:%SZ")
    return obj


def corpus_pod(name: str, now: datetime) -> Any:
    """The raw corpus pod ``pods/<name>.json`` with its placeholders set relative to ``now``."""
    return substitute(load_corpus(f"pods/{name}.json"), now)
