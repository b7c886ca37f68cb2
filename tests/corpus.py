"""Paths to the test data held in this repository: the corpus of real Kubernetes objects and messages
(``tests/fixtures/corpus``, copied from the project's reference material) and the bundled demo cluster."""

from __future__ import annotations

import json
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
