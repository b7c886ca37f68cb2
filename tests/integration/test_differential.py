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

# Seeds that once disagreed, with what was wrong; each is kept as a regression case (the seeds are of this
# generator; tests/unit/test_diffgen.py checks that each still draws the case it is about). The rules are
# unit-tested in tests/unit/test_scheduling_volume_rules.py.
REGRESSIONS: dict[int, str] = {
    1000: "VolumeBinding writes \"node(s) didn't match PersistentVolume's node affinity\" in 1.36; the agent wrote "
    'the older "had volume node affinity conflict" (and categorised the new text as the pod\'s node affinity)',
    1026: 'an unbound claim without a storage class: PreFilter "pod has unbound immediate PersistentVolumeClaims"; '
    "the agent only noted it and evaluated the nodes",
    1053: "a pre-bound claim (volumeName, no bind-completed annotation, Pending): the same immediate-binding PreFilter",
    1046: "a claim bound to a PV that does not exist: VolumeZone's PreFilter 'persistentvolume \"x\" not found'; the "
    "agent counted it on every node",
    1063: "a Lost claim: VolumeBinding's PreFilter 'persistentvolumeclaim \"x\" bound to non-existent persistentvolume "
    '"y"\'; the agent had no scheduler text for it',
    1276: "a ReadWriteOncePod claim whose only other user is not bound to a node is not in use; the agent counted a "
    "conflict on every node",
}


@pytest.fixture(scope="module")
def own_control_plane():
    cp = start_control_plane()
    yield cp
    cleanup(cp)


def _run(cp, seeds, classes=diffgen.DEFAULT_CLASSES) -> tuple[list[diffrun.Outcome], list[str]]:
    runner = diffrun.Runner(cp, classes)
    reports: list[str] = []

    def collect(o: diffrun.Outcome, case: diffgen.Case) -> None:
        if not o.agree:  # the first one is shrunk to a minimal case on the real scheduler
            minimal = diffrun.shrink(runner, case, budget=60)[0] if not reports else None
            reports.append(diffrun.report_disagreement(o, case, minimal))

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
