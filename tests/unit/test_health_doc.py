"""docs/health-score.md and the route's description are rendered from the formula's tables: a change to the
formula that is not carried into the document fails here."""

from __future__ import annotations

from pathlib import Path

from k8s_agent.analysis.health_score import WEIGHTS, document
from k8s_agent.api.endpoints import API

DOC = Path(__file__).resolve().parents[2] / "docs" / "health-score.md"


def test_the_document_is_the_formula_rendered():
    assert DOC.read_text() == document.markdown(), (
        "docs/health-score.md is stale: run "
        "`python -m k8s_agent.analysis.health_score.document > docs/health-score.md`"
    )


def test_the_route_says_every_weight():
    (route,) = [r for r in API if r.name == "pod_health_score"]
    assert route.description == document.route_description()
    for name, weight in WEIGHTS.items():
        assert f"{name} {float(weight):.2f}" in route.description
    assert "docs/health-score.md" in route.description
