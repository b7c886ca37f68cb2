"""The agent's per-node evaluation against the real kube-scheduler on random clusters (issue 19).

A short run of the differential test (`make fuzz` runs the long one): 100 random cases (seeds 0-99, ten
clusters of ten pending pods) plus every seed that once disagreed and was fixed. Each case is decided by
the real kube-scheduler and predicted by the agent; the verdict (fits or not) and the scheduler's
per-reason node counts must be equal. A failure prints each disagreement's seed, both sides and the case
as YAML (`make fuzz SEEDS=<seed>` re-runs it).

It runs on a control plane of its own: the scheduler counts every node of the cluster, so the nodes other
integration tests create would be part of every message.
"""

from __future__ import annotations

import diffgen
import diffrun
import pytest
from controlplane import cleanup, requires_control_plane, start_control_plane

pytestmark = requires_control_plane

SHORT_RUN = range(0, 100)

# Seeds that once disagreed, with what was wrong; each is kept as a regression case.
REGRESSIONS: dict[int, str] = {}


@pytest.fixture(scope="module")
def own_control_plane():
    cp = start_control_plane()
    yield cp
    cleanup(cp)


def _run(cp, seeds, classes=diffgen.DEFAULT_CLASSES) -> tuple[list[diffrun.Outcome], list[str]]:
    runner = diffrun.Runner(cp, classes)
    reports: list[str] = []

    def collect(o: diffrun.Outcome, case: diffgen.Case) -> None:
        if not o.agree:
            reports.append(diffrun.report_disagreement(o, case))

    try:
        outcomes = runner.run(seeds, collect)
    finally:
        runner.close()
    return outcomes, reports


def test_agent_agrees_with_kube_scheduler_on_random_cases(own_control_plane):
    outcomes, reports = _run(own_control_plane, list(SHORT_RUN) + sorted(REGRESSIONS))
    assert len(outcomes) == len(SHORT_RUN) + len(REGRESSIONS)
    # the run must exercise both verdicts, or it proves little
    assert any(o.scheduler.fits for o in outcomes)
    assert any(not o.scheduler.fits for o in outcomes)
    assert not reports, "\n\n".join(reports)
