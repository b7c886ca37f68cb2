"""The health-score formula, written once: every weight, bucket, cap and threshold of the score is here.

The scoring code (``restarts``, ``components``, ``score``) reads these tables; ``document`` renders them into
``docs/health-score.md`` and the route's description, and a test fails when the document is stale.
"""

from __future__ import annotations

import math
from datetime import timedelta
from fractions import Fraction

#: the five components and their weights in the overall score (they sum to 1)
WEIGHTS: dict[str, Fraction] = {
    "restarts": Fraction(30, 100),
    "containerStates": Fraction(25, 100),
    "events": Fraction(20, 100),
    "conditions": Fraction(15, 100),
    "scheduling": Fraction(10, 100),
}

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
#: "the first 5 minutes" of a pod, while things are still expected to be starting
STARTUP_GRACE = timedelta(minutes=5)

# ------------------------------------------------------------------------------------------ overall
#: a pod in phase Failed (evicted included) never runs again: its overall score is at most this (Critical)
FAILED_POD_CEILING = 20
#: (lowest score, status) of the overall score, best first; below the last bound: the last status
OVERALL_STATUS = ((90, "Healthy"), (70, "Good"), (50, "Warning"), (30, "Degraded"), (0, "Critical"))
#: the same for a component's score
COMPONENT_STATUS = ((90, "Excellent"), (70, "Good"), (50, "Fair"), (30, "Poor"), (0, "Critical"))

# ------------------------------------------------------------------------------------------ restarts
#: a restart in the last hour weighs this many older ones
RECENT_WEIGHT = 3
#: the older restarts count by the age of the most recent restart: (at most this old, factor); beyond: the last
OLDER_RESTART_FACTOR = ((HOUR, Fraction(1)), (DAY, Fraction(1, 2)), (None, Fraction(1, 4)))
#: (upper bound of the effective restart count, score); above the last bound: RESTART_FLOOR
RESTART_BUCKETS = ((0, 100), (2, 85), (5, 70), (10, 50), (20, 30))
RESTART_FLOOR = 10
#: the kubelet's crash back-off cap, used when the waiting message names no delay
MAX_BACKOFF = timedelta(minutes=5)
#: the kubelet's first back-off: no crash loop turns faster
MIN_PERIOD = timedelta(seconds=10)

# ------------------------------------------------------------------------------------------ containerStates
CRASH_LOOP_CAP = 20  # waiting CrashLoopBackOff (or Error)
OOM_KILLED_CAP = 20  # terminated OOMKilled
IMAGE_PULL_CAP = 30  # waiting on an image pull
START_FAILURE_CAP = 30  # waiting on a create/start failure
FAILED_CONTAINER_CAP = 40  # terminated with a failure
CREATING_CAP = (70, 40)  # waiting ContainerCreating / PodInitializing: (in the first 5 minutes, after)
OTHER_WAITING_CAP = 50
EXITED_WILL_RESTART_CAP = 50  # an app container or sidecar exited 0 in a pod that restarts it
RECENT_OOM_CAP = 60  # running again after an OOM kill less than an hour ago
NOT_READY_CAP = 60  # an app container or sidecar running but not ready
FAILED_POD_CAP = 20  # phase Failed, evicted included
UNKNOWN_POD_CAP = 30  # phase Unknown: the node stopped reporting
NO_CONTAINERS_CAP = (70, 30)  # no container status at all: (in the first 5 minutes, after)

# ------------------------------------------------------------------------------------------ events
EVENT_CAPS: dict[str, int] = {
    **dict.fromkeys(
        (
            "Failed",
            "FailedScheduling",
            "FailedMount",
            "FailedAttachVolume",
            "FailedCreatePodSandBox",
            "Evicted",
            "FailedPostStartHook",
            "FailedPreStopHook",
        ),
        30,
    ),
    "BackOff": 40,
    "CrashLoopBackOff": 40,
    "Unhealthy": 50,
}
OTHER_WARNING_CAP = 70
#: details.recentEvents lists at most this many groups
RECENT_EVENTS_MAX = 20


def aged_event_cap(cap: int) -> int:
    """A reason last seen more than an hour ago caps halfway back to 100."""
    return cap + (100 - cap) // 2


# ------------------------------------------------------------------------------------------ conditions
#: a condition not True caps the component at this
CONDITION_CAPS = {
    "PodScheduled": 30,
    "Ready": 50,
    "ContainersReady": 60,
    "PodReadyToStartContainers": 60,
    "Initialized": 70,
}
DISRUPTION_CAP = 30  # DisruptionTarget True: being evicted or preempted
NO_CONDITIONS_SCORE = 50  # nothing has processed the pod yet

# ------------------------------------------------------------------------------------------ scheduling
SCHEDULED_SCORE = 100  # bound to a node
NOMINATED_SCORE = 60  # nominated to a node by preemption
GATED_SCORE = 50  # held by scheduling gates
UNSCHEDULABLE_SCORE = 0  # PodScheduled False, reason Unschedulable
FINISHED_UNSCHEDULED_SCORE = 0  # Succeeded/Failed without a node
WAITING_SCORE = (70, 30)  # waiting for the scheduler: (in the first 5 minutes, after)


# ------------------------------------------------------------------------------------------ arithmetic
def round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def _status(score: int, table: tuple[tuple[int, str], ...]) -> str:
    for bound, status in table:
        if score >= bound:
            return status
    return table[-1][1]


def overall_status(score: int) -> str:
    return _status(score, OVERALL_STATUS)


def component_status(score: int) -> str:
    return _status(score, COMPONENT_STATUS)


def bucket(effective: Fraction) -> int:
    """The restarts component of an effective restart count."""
    for bound, score in RESTART_BUCKETS:
        if effective <= bound:
            return score
    return RESTART_FLOOR


def older_restart_factor(since_last: timedelta | None) -> Fraction:
    """How much the older restarts count, by the age of the most recent restart (unknown: fully)."""
    for bound, factor in OLDER_RESTART_FACTOR:
        if since_last is None or bound is None or since_last <= bound:
            return factor
    return OLDER_RESTART_FACTOR[-1][1]


def overall(scores: dict[str, int], failed: bool) -> int:
    """The weighted sum of the component scores, exact, rounded half up; capped for a Failed pod."""
    total = round_half_up(sum((Fraction(scores[name]) * w for name, w in WEIGHTS.items()), Fraction(0)))
    return min(total, FAILED_POD_CEILING) if failed else total
