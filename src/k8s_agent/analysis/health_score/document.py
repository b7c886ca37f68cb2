"""The formula written out for people: ``docs/health-score.md`` and the route's description, both rendered
from ``formula`` (run ``python -m k8s_agent.analysis.health_score.document > docs/health-score.md`` after
changing it; a test fails while the document is stale)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from k8s_agent.analysis.health_score import formula as f


def _w(name: str) -> str:
    return f"{float(f.WEIGHTS[name]):.2f}"


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _grace(pair: tuple[int, int]) -> str:
    return f"{pair[0]} in the pod's first 5 minutes, {pair[1]} after"


def route_description() -> str:
    """The health-score route's description in the OpenAPI document."""
    parts = ", ".join(f"{name} {_w(name)}" for name in f.WEIGHTS)
    return (
        f"Weighted components: {parts} (recent restarts weigh more; Warning events of the last 24 h). "
        "The formula is documented in docs/health-score.md."
    )


def _formula() -> str:
    names = list(f.WEIGHTS)
    terms = " + ".join(f"{_w(name)} x {name}" for name in names[:3])
    terms += "\n                        + " + " + ".join(f"{_w(name)} x {name}" for name in names[3:])
    statuses = [
        (
            f">= {o[0]}" if o[0] else f"< {f.OVERALL_STATUS[-2][0]}",
            o[1],
            "",
            f">= {c[0]}" if c[0] else f"< {f.COMPONENT_STATUS[-2][0]}",
            c[1],
        )
        for o, c in zip(f.OVERALL_STATUS, f.COMPONENT_STATUS, strict=True)
    ]
    return f"""## The formula

```
overall = round_half_up({terms})
overall = min(overall, {f.FAILED_POD_CEILING})            when the pod's phase is Failed (evicted pods included)
```

The sum is computed exactly (fractions, not floats), so 33.5 always rounds to 34.

{_table(("overall", "status", "", "component", "status"), statuses)}

Times: "the pod's age" (for *in the last hour*) counts from `status.startTime`, else
`metadata.creationTimestamp`. Grace periods (*the first 5 minutes*) count from `metadata.creationTimestamp`,
else `status.startTime`, else the earliest condition `lastTransitionTime` (partial objects)."""


def _restarts() -> str:
    buckets = [(b, s) for b, s in f.RESTART_BUCKETS]
    header = ("E", *(("0" if b == 0 else f"<= {b}") for b, _ in buckets), f"> {buckets[-1][0]}")
    row = ("score", *(s for _, s in buckets), f.RESTART_FLOOR)
    (hour, one), (day, half), (_, quarter) = f.OLDER_RESTART_FACTOR
    return f"""### restarts (weight {_w("restarts")}): how much, and how recently

* `R` = the restarts of every container: app containers, init containers and sidecars.
* A container's **last restart time** is the later of `lastState.terminated.finishedAt` and, when it has
  restarted, the `startedAt` of its current run (that start *is* the restart).
* `H` = restarts in the last hour, summed over containers. Kubernetes keeps only each container's latest
  termination, so `H` is reconstructed:
  * the pod is at most one hour old: all of the container's restarts;
  * its last restart is older than an hour, or unknown: 0;
  * it restarted within the hour and is crash-looping now (waiting `CrashLoopBackOff`):
    `min(restartCount, 1 + floor((1 h - time since its last termination) / period))`, where
    `period` = its last run time (`finishedAt - startedAt`, 0 for a StartError, whose `startedAt` is 1970)
    + the back-off delay of the waiting message (`back-off 5m0s restarting failed container...`;
    {int(f.MAX_BACKOFF.total_seconds() // 60)} minutes, the kubelet's cap, when absent), at least \
{int(f.MIN_PERIOD.total_seconds())} seconds.
    The kubelet restarts a crash-looping container once per run plus back-off;
  * otherwise 1.
* The `R - H` older restarts are discounted by the age of the most recent restart: `f` = {one} when it is
  within the hour (or unknown), {half} within 24 hours, {quarter} beyond.
* Effective restarts `E = {f.RECENT_WEIGHT} x H + f x (R - H)`: a restart in the last hour weighs \
{f.RECENT_WEIGHT} older ones.
* Score:

{_table(header, [row])}"""


def _container_states() -> str:
    rows = [
        ("waiting `CrashLoopBackOff` (or `Error`)", f.CRASH_LOOP_CAP),
        ("terminated `OOMKilled`", f.OOM_KILLED_CAP),
        (
            "waiting on an image pull (`ErrImagePull`, `ImagePullBackOff`, `InvalidImageName`, "
            "`ErrImageNeverPull`, ...)",
            f.IMAGE_PULL_CAP,
        ),
        (
            "waiting on a create/start failure (`CreateContainerConfigError`, `CreateContainerError`, "
            "`RunContainerError`, ...)",
            f.START_FAILURE_CAP,
        ),
        ("terminated with a failure (non-zero exit code, signal, start error)", f.FAILED_CONTAINER_CAP),
        ("waiting `ContainerCreating` / `PodInitializing`", _grace(f.CREATING_CAP)),
        ("any other waiting reason", f.OTHER_WAITING_CAP),
        (
            "app container or sidecar exited 0 in a pod that restarts it (`restartPolicy: Always`)",
            f.EXITED_WILL_RESTART_CAP,
        ),
        ("running again after an OOM kill less than an hour ago", f.RECENT_OOM_CAP),
        ("app container or sidecar running but not ready", f.NOT_READY_CAP),
    ]
    return f"""### containerStates (weight {_w("containerStates")}): what the containers are doing now

Each container status can cap the component; the score is the lowest cap, 100 without any.

{_table(("state", "cap"), rows)}

Pod-level caps: phase `Failed` (evicted included) {f.FAILED_POD_CAP}; phase `Unknown` (node not reporting) \
{f.UNKNOWN_POD_CAP}; **no container status at all** (nothing created yet: unscheduled, or just scheduled) \
{_grace(f.NO_CONTAINERS_CAP)}.

An exit code 0 is not a problem where completion is expected: init containers (not sidecars), and every
container of a pod with `restartPolicy` `Never` or `OnFailure`. A completed Job pod scores 100."""


def _events() -> str:
    by_cap: dict[int, list[str]] = {}
    for reason, cap in f.EVENT_CAPS.items():
        by_cap.setdefault(cap, []).append(reason)
    rows: list[tuple[object, ...]] = [(", ".join(reasons), cap) for cap, reasons in sorted(by_cap.items())]
    rows.append(("any other Warning", f.OTHER_WARNING_CAP))
    example = min(by_cap)
    return f"""### events (weight {_w("events")}): Warning events of the last 24 hours

* Only the pod's own events: an event naming another UID (an earlier pod with the same name, e.g. a
  StatefulSet replica) is ignored.
* Both event shapes: the time is `lastTimestamp`, else `series.lastObservedTime`, else `eventTime`; the count
  is `count`, else `series.count`, else 1 (so the scheduler's `FailedScheduling` events, which have no
  `lastTimestamp`, count).
* Events are grouped by type and reason; each Warning reason caps the component:

{_table(("Warning reason", "cap"), rows)}

* A reason last seen more than an hour ago caps halfway back to 100: `cap + (100 - cap) // 2` \
({example} becomes {f.aged_event_cap(example)}). The score is the lowest cap, 100 without Warning events.
* `details.recentEvents` lists the groups (Normal ones too), newest first, at most {f.RECENT_EVENTS_MAX}."""


def _conditions() -> str:
    rows: list[tuple[object, ...]] = list(f.CONDITION_CAPS.items())
    rows.append(("DisruptionTarget **True** (being evicted or preempted)", f.DISRUPTION_CAP))
    return f"""### conditions (weight {_w("conditions")})

{_table(("condition", "cap when not True"), rows)}

A completed pod (phase `Succeeded`) is not penalised for `Ready`/`ContainersReady` False (reason
`PodCompleted`); a finished pod (`Succeeded` or `Failed`) not for `PodReadyToStartContainers` False (its sandbox
is torn down). A pod with no condition at all scores {f.NO_CONDITIONS_SCORE}. Lowest cap, else 100."""


def _scheduling() -> str:
    rows = [
        ("bound to a node", f.SCHEDULED_SCORE),
        ("nominated to a node by preemption (`status.nominatedNodeName`)", f.NOMINATED_SCORE),
        ("held by scheduling gates", f.GATED_SCORE),
        ("not schedulable (PodScheduled False, reason `Unschedulable`)", f.UNSCHEDULABLE_SCORE),
        ("finished (Succeeded/Failed) without a node", f.FINISHED_UNSCHEDULED_SCORE),
        (
            "waiting for the scheduler",
            f"{f.WAITING_SCORE[0]} in the first 5 minutes, {f.WAITING_SCORE[1]} after",
        ),
    ]
    return f"""### scheduling (weight {_w("scheduling")}): where the pod stands with the scheduler

A pod's age says little about its health (a crash-looping pod keeps its age, a young healthy pod has none),
so this component looks at its scheduling state instead (the age stays in `details.uptime`):

{_table(("state", "score"), rows)}"""


#: the worked example: a crash-looping pod (its computation is checked in tests/unit/test_health.py)
EXAMPLE = {
    "restarts": (
        10,
        "period 4 min + 5 min = 9 min; H = min(10, 1 + floor(57 / 9)) = 7; f = 1; E = 3 x 7 + 1 x 3 = 24",
    ),
    "containerStates": (20, "CrashLoopBackOff"),
    "events": (40, "BackOff, last seen 3 minutes ago"),
    "conditions": (50, "Ready False (50), ContainersReady False (60)"),
    "scheduling": (100, "bound to a node"),
}


def _example() -> str:
    rows: list[tuple[object, ...]] = [
        (name, how, score, f"{float(Fraction(score) * f.WEIGHTS[name]):.1f}")
        for name, (score, how) in EXAMPLE.items()
    ]
    exact = sum((Fraction(score) * f.WEIGHTS[name] for name, (score, _) in EXAMPLE.items()), Fraction(0))
    total = f.overall({name: score for name, (score, _) in EXAMPLE.items()}, failed=False)
    rows.append(
        (
            "**overall**",
            f"{float(exact):g}, rounded half up",
            f"**{total}**",
            f"**{f.overall_status(total)}**",
        )
    )
    return f"""### A crash-looping pod

A single-container pod, 2 hours old, 10 restarts, now waiting in CrashLoopBackOff, one BackOff Warning event,
Ready and ContainersReady False: the last run went from 7 to 3 minutes ago, the waiting message says
`back-off 5m0s`, and the BackOff event was seen 3 minutes ago.

{_table(("component", "computation", "score", "x weight"), rows)}"""


_HEAD = """# Pod health score

<!-- Generated by `python -m k8s_agent.analysis.health_score.document` from
src/k8s_agent/analysis/health_score/formula.py; edit those, not this file. -->

`GET /api/v1/pods/{namespace}/{pod}/health-score` answers a number from 0 to 100, a status, and the five
components that produced it. The score is deterministic: the same pod, events and time give the same answer,
byte for byte. The implementation is `src/k8s_agent/analysis/health_score/` (every number below is in its
`formula.py`); `tests/unit/test_health.py` checks every example below.

Reads: the pod (404 when it does not exist) and its events (`involvedObject.kind=Pod,involvedObject.name=<pod>`),
together. When the events cannot be read the score is computed without them and `warnings` says so."""

_OTHER_EXAMPLES = """### Other examples (all in `tests/unit/test_health.py`)

| pod | restarts | containerStates | events | conditions | scheduling | overall |
|---|---|---|---|---|---|---|
| running, ready, no restarts, no warnings | 100 | 100 | 100 | 100 | 100 | 100 Healthy |
| same, 3 restarts, the last one 25 hours ago (E = 3/4) | 85 | 100 | 100 | 100 | 100 | 96 Healthy |
| Pending 20 minutes, `0/3 nodes are available: 3 Insufficient cpu`, a FailedScheduling event (events.k8s.io shape) | 100 | 30 | 30 | 30 | 0 | 48 Degraded |
| completed Job pod (Succeeded, exit 0, Ready False PodCompleted) | 100 | 100 | 100 | 100 | 100 | 100 Healthy |
| failed Job pod (exit 2) | 100 | 20 | 100 | 50 | 100 | 20 Critical (Failed ceiling) |
| corpus `oomkilled-restarts-gke-2024`: 9 restarts, current run started 5 minutes ago, not ready | 30 | 60 | 100 | 50 | 100 | 62 Warning |
| corpus `evicted-diskpressure-gke-2020`: Evicted, no container status | 100 | 20 | 30 | 50 | 100 | 20 Critical |"""

_RESPONSE = """## Response

```json
{
  "podName": "api-6b7d9c8f4-xrjhz",
  "namespace": "shop",
  "overallScore": 34,
  "status": "Degraded",
  "components": {
    "restarts": {"name": "restarts", "score": 10, "weight": 0.3, "status": "Critical",
                 "description": "14 total restarts, 7 in the last hour; last 2m ago, Error (exit code 1); weighted restarts 28"},
    "containerStates": {"name": "containerStates", "score": 20, "weight": 0.25, "status": "Critical",
                        "description": "0/1 containers healthy, 0/1 ready; api: CrashLoopBackOff"},
    "events": {"name": "events", "score": 40, "weight": 0.2, "status": "Poor",
               "description": "347 warning events in last 24h (2 reasons); worst: BackOff x60, last 30s ago"},
    "conditions": {"name": "conditions", "score": 50, "weight": 0.15, "status": "Fair",
                   "description": "3/5 conditions healthy; Ready False (ContainersNotReady)"},
    "scheduling": {"name": "scheduling", "score": 100, "weight": 0.1, "status": "Excellent",
                   "description": "scheduled on demo-worker-1"}
  },
  "calculatedAt": "2026-11-20T12:00:00Z",
  "details": {
    "phase": "Running", "podStatus": "CrashLoopBackOff", "uptime": "2h 1m",
    "restartCount": 14, "restartsLastHour": 7,
    "lastRestartTime": "2026-11-20T11:57:52Z", "lastRestartReason": "Error (exit code 1)", "lastRestartContainer": "api",
    "containerStatuses": [{"name": "api", "kind": "app", "state": "Waiting", "ready": false, "restartCount": 14,
                           "reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=api ...",
                           "exitCode": null, "lastTerminationReason": "Error", "lastTerminationExitCode": 1,
                           "lastTerminationTime": "2026-11-20T11:57:52Z"}],
    "recentEvents": [{"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container api in pod ...",
                      "count": 60, "firstSeen": "2026-11-20T10:03:19Z", "lastSeen": "2026-11-20T11:59:30Z"}],
    "podConditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                       "message": "containers with unready status: [api]", "lastTransitionTime": "2026-11-20T09:59:26Z"}]
  },
  "warnings": []
}
```

(`shop/api-6b7d9c8f4-xrjhz` of the demo cluster, abridged.)"""


def markdown() -> str:
    """The whole of ``docs/health-score.md``."""
    sections = [
        _HEAD,
        _formula(),
        _restarts(),
        _container_states(),
        _events(),
        _conditions(),
        _scheduling(),
        "## Worked examples",
        _example(),
        _OTHER_EXAMPLES,
        _RESPONSE,
    ]
    return "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
