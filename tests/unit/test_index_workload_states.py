"""The cluster index computes a controller's state once, when the controller changes (``kube.index.stores``),
and serves it until the next change. That holds only because a state from the controller alone (no pods,
no events: ``workload_state``) does not depend on the time: checked here for a controller of every kind
and state, at the time of the change and a day later."""

from __future__ import annotations

from datetime import timedelta

import pytest

from builders import workloads
from builders.workloads import NOW, cond
from k8s_agent.analysis.workloads.diagnose import workload_state
from k8s_agent.kube.models import WORKLOAD_KINDS, convert

CASES = {
    "deployment complete": workloads.deployment("web", "nginx:1.27"),
    "deployment rolling": workloads.deployment("web", "nginx:1.27", status={"updatedReplicas": 1}),
    "deployment past its deadline": workloads.deployment(
        "web",
        "nginx:1.27",
        status={"updatedReplicas": 1, "availableReplicas": 2},
        conditions=[cond("Progressing", "False", "ProgressDeadlineExceeded", 'ReplicaSet "web-x" timed out')],
    ),
    "deployment paused": workloads.deployment("web", "nginx:1.27", paused=True),
    "deployment generation pending": workloads.deployment("web", "nginx:1.27", generation=3, observed=2),
    "statefulset degraded": workloads.statefulset(
        "db", "postgres:16", replicas=3, status={"replicas": 3, "readyReplicas": 2}
    ),
    "daemonset rolling": workloads.daemonset(
        "agent", "agent:2", status={"desiredNumberScheduled": 3, "updatedNumberScheduled": 1}
    ),
    "job running": workloads.job("migrate", status={"active": 1, "failed": 2}),
    "job failed": workloads.job(
        "migrate", conditions=[cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the limit")]
    ),
    "cronjob suspended": workloads.cronjob("nightly", "0 2 * * *", status={}, suspend=True),
}


def model(obj: dict):
    return convert(obj, WORKLOAD_KINDS[obj["kind"]].type)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_state_from_the_controller_alone_does_not_change_with_the_time(case):
    obj = model(CASES[case])
    assert workload_state(obj, NOW) == workload_state(obj, NOW + timedelta(days=1))


def test_the_cases_cover_the_states_the_summary_shows():
    states = {workload_state(model(o), NOW) for o in CASES.values()}
    assert states == {"complete", "progressing", "stuck", "suspended", "degraded", "failed"}
