"""Paths to the shared, read-only test corpus (``/work/shared`` is a sibling of the repository)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "fixtures" / "corpus"


def load_corpus(name: str) -> Any:
    """A corpus file by its path relative to ``fixtures/corpus`` (``"scheduling_messages.json"``,
    ``"pods/<name>.json"``), parsed from JSON."""
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))
