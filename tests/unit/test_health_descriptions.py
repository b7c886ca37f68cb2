"""The health score's sentences and details: what each component says about the pod (the "why" a dashboard
shows beside the number), and the details it copies from the pod. Each case is a pod state the kubelet or the
scheduler reports, and each expected sentence follows from docs/health-score.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from builders.status import running, started_pod, status_event, status_pod, terminated, waiting
from k8s_agent.analysis.health_score import health_score

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def said(pod, events=()) -> dict[str, tuple[int, str]]:
    r = health_score(pod, list(events), NOW)
    return {name: (c.score, c.description) for name, c in r.components.items()}


def wire(pod, events=(), **kw) -> dict:
    return msgspec.to_builtins(health_score(pod, list(events), NOW, **kw))


def warning(reason, *, count=1, last=None, first=None, message=None, type_="Warning"):
    when = last or ago(minutes=1)
    return status_event(
        reason,
        message if message is not None else f"{reason} happened",
        type_=type_,
        name="p",
        namespace="ns",
        uid="uid-1",
        count=count,
        first=first or when,
        last=when,
    )


# ------------------------------------------------------------------------------------------ containerStates
def test_an_app_container_that_exited_0_in_a_restarting_pod_is_not_done():
    # restartPolicy Always: the kubelet restarts "app"; the completed init container and the ready sidecar
    # are healthy, "worker" runs ready. Expected to run: app, proxy, worker (the init container completed).
    pod = status_pod(
        "p",
        "ns",
        metadata={"uid": "uid-1", "creationTimestamp": ago(hours=3)},
        spec={
            "nodeName": "n1",
            "initContainers": [{"name": "setup"}, {"name": "proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "app"}, {"name": "worker"}],
        },
        phase="Running",
        startTime=ago(hours=3),
        conditions=[
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
            {"type": "PodScheduled", "status": "True"},
        ],
        initContainerStatuses=[
            terminated("setup", started=ago(hours=3), finished=ago(hours=3)),
            running("proxy", started=ago(hours=3)),
        ],
        containerStatuses=[
            terminated("app", 0, "Completed", started=ago(hours=1), finished=ago(minutes=1)),
            running("worker", started=ago(hours=3)),
        ],
    )
    assert said(pod)["containerStates"] == (
        50,
        "3/4 containers healthy, 2/3 ready; app: exited 0 and will be restarted",
    )
    # no restartPolicy written: the API default is Always
    unset = status_pod(
        "p",
        "ns",
        metadata={"uid": "uid-1", "creationTimestamp": ago(hours=3)},
        spec={"nodeName": "n1", "containers": [{"name": "app"}]},
        phase="Running",
        containerStatuses=[terminated("app", 0, "Completed", started=ago(hours=1), finished=ago(minutes=1))],
    )
    assert said(unset)["containerStates"] == (
        50,
        "0/1 containers healthy, 0/1 ready; app: exited 0 and will be restarted",
    )


def test_exit_0_completes_a_container_where_the_pod_does_not_restart_it_but_never_a_sidecar():
    # restartPolicy OnFailure: the app container that exited 0 is done; the sidecar is restarted whatever
    # the pod's policy, so its exit 0 caps the component
    pod = started_pod(
        created=ago(hours=1),
        restart_policy="OnFailure",
        statuses=[terminated("app", 0, "Completed", started=ago(minutes=50), finished=ago(minutes=2))],
        conditions=[],
    )
    assert said(pod)["containerStates"] == (100, "1/1 containers healthy, 0/0 ready")
    with_sidecar = status_pod(
        "p",
        "ns",
        metadata={"uid": "uid-1", "creationTimestamp": ago(hours=1)},
        spec={
            "nodeName": "n1",
            "restartPolicy": "OnFailure",
            "initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "app"}],
        },
        phase="Running",
        initContainerStatuses=[
            terminated("proxy", 0, "Completed", started=ago(minutes=50), finished=ago(minutes=2))
        ],
        containerStatuses=[running("app", started=ago(minutes=50))],
    )
    assert said(with_sidecar)["containerStates"] == (
        50,
        "1/2 containers healthy, 1/2 ready; proxy: exited 0 and will be restarted",
    )


def test_each_container_state_names_the_container_and_its_reason():
    cases = {
        # kubelet waiting reasons
        "Error": (20, "0/1 containers healthy, 0/1 ready; app: Error"),
        "CrashLoopBackOff": (20, "0/1 containers healthy, 0/1 ready; app: CrashLoopBackOff"),
        "ImagePullBackOff": (30, "0/1 containers healthy, 0/1 ready; app: ImagePullBackOff"),
        "CreateContainerConfigError": (
            30,
            "0/1 containers healthy, 0/1 ready; app: CreateContainerConfigError",
        ),
        "ContainerCreating": (40, "0/1 containers healthy, 0/1 ready; app: ContainerCreating for over 5m"),
        "NewReasonFromAFutureKubelet": (
            50,
            "0/1 containers healthy, 0/1 ready; app: NewReasonFromAFutureKubelet",
        ),
    }
    for reason, expected in cases.items():
        pod = started_pod(created=ago(minutes=30), statuses=[waiting("app", reason)])
        assert said(pod)["containerStates"] == expected, reason
    # in the pod's first 5 minutes (exactly 5 included) creating is expected
    young = started_pod(created=ago(minutes=5), statuses=[waiting("app", "ContainerCreating")])
    assert said(young)["containerStates"] == (70, "0/1 containers healthy, 0/1 ready; app: ContainerCreating")


def test_terminated_failures_and_a_recent_oom_kill():
    oom = started_pod(
        created=ago(hours=2),
        restart_policy="Never",
        phase="Running",
        statuses=[terminated("app", 137, "OOMKilled", started=ago(hours=1), finished=ago(minutes=3))],
    )
    assert said(oom)["containerStates"] == (20, "0/1 containers healthy, 0/1 ready; app: OOMKilled")
    failed = started_pod(
        created=ago(hours=2),
        restart_policy="Never",
        statuses=[terminated("app", 2, "Error", started=ago(hours=1), finished=ago(minutes=3))],
    )
    assert said(failed)["containerStates"] == (
        40,
        "0/1 containers healthy, 0/1 ready; app: terminated, exit code 2",
    )
    # running again after an OOM kill exactly an hour ago still counts as recent
    back = started_pod(
        created=ago(hours=5),
        statuses=[
            running(
                "app",
                started=ago(hours=1),
                restarts=1,
                last={"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(hours=1)},
            )
        ],
    )
    assert said(back)["containerStates"] == (60, "0/1 containers healthy, 1/1 ready; app: OOMKilled 1h ago")


def test_pod_level_states_are_named():
    evicted = started_pod(
        created=ago(hours=5), phase="Failed", statuses=[], conditions=[], reason="Evicted", message="low disk"
    )
    assert said(evicted)["containerStates"] == (20, "0/0 containers: pod evicted")
    failed = started_pod(
        created=ago(hours=5),
        phase="Failed",
        restart_policy="Never",
        statuses=[terminated("app", 1, "Error", started=ago(hours=2), finished=ago(hours=1))],
    )
    # a container that failed is not a completed one: still counted among those expected to run
    assert said(failed)["containerStates"] == (20, "0/1 containers healthy, 0/1 ready; pod phase Failed")
    lost = started_pod(created=ago(hours=5), phase="Unknown", statuses=[running("app", started=ago(hours=5))])
    assert said(lost)["containerStates"] == (
        30,
        "1/1 containers healthy, 1/1 ready; pod phase Unknown (its node stopped reporting)",
    )
    done = started_pod(created=ago(hours=5), phase="Succeeded", statuses=[], conditions=[])
    assert said(done)["containerStates"] == (100, "pod completed")
    fresh = started_pod(created=ago(minutes=1), phase="Pending", statuses=[], conditions=[])
    assert said(fresh)["containerStates"] == (70, "0/0 containers: no container created yet (pod starting)")
    stale = started_pod(created=ago(minutes=6), phase="Pending", statuses=[], conditions=[])
    assert said(stale)["containerStates"] == (
        30,
        "0/0 containers: no container created yet, pod older than 5m",
    )


def test_creation_time_of_a_partial_object():
    # no creationTimestamp: the start time counts; neither: the earliest condition change; nothing at all:
    # unknown, treated as starting
    by_start = status_pod(
        "p", "ns", spec={"containers": [{"name": "app"}]}, phase="Pending", startTime=ago(minutes=30)
    )
    assert said(by_start)["containerStates"] == (
        30,
        "0/0 containers: no container created yet, pod older than 5m",
    )
    by_condition = status_pod(
        "p",
        "ns",
        spec={"containers": [{"name": "app"}]},
        phase="Pending",
        conditions=[
            {"type": "PodScheduled", "status": "False", "lastTransitionTime": ago(minutes=2)},
            {"type": "Initialized", "status": "False", "lastTransitionTime": ago(minutes=20)},
        ],
    )
    assert said(by_condition)["containerStates"][0] == 30
    nothing = status_pod("p", "ns", spec={"containers": [{"name": "app"}]}, phase="Pending")
    assert said(nothing)["containerStates"] == (70, "0/0 containers: no container created yet (pod starting)")
    assert said(nothing)["scheduling"] == (70, "waiting for the scheduler")


# ------------------------------------------------------------------------------------------ conditions
def test_conditions_sentence_counts_the_healthy_ones_and_names_the_worst():
    pod = started_pod(
        created=ago(hours=2),
        statuses=[running("app", started=ago(hours=2))],
        conditions=[
            {"type": "DisruptionTarget", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "ContainersReady", "status": ""},
            {"type": "PodScheduled", "status": "True"},
        ],
    )
    # DisruptionTarget without a reason, Ready False, ContainersReady unknown: 2 of 5 healthy
    assert said(pod)["conditions"] == (30, "2/5 conditions healthy; DisruptionTarget (being evicted)")
    no_disruption = started_pod(
        created=ago(hours=2),
        statuses=[running("app", started=ago(hours=2))],
        conditions=[{"type": "ContainersReady", "status": ""}, {"type": "Initialized", "status": "False"}],
    )
    assert said(no_disruption)["conditions"] == (60, "0/2 conditions healthy; ContainersReady Unknown")
    assert said(started_pod(created=ago(hours=2), statuses=[], conditions=[]))["conditions"] == (
        50,
        "no pod conditions reported yet",
    )


def test_a_failed_pod_is_not_blamed_for_its_torn_down_sandbox():
    pod = started_pod(
        created=ago(hours=2),
        phase="Failed",
        restart_policy="Never",
        statuses=[terminated("app", 1, "Error", started=ago(hours=2), finished=ago(hours=1))],
        conditions=[
            {"type": "PodReadyToStartContainers", "status": "False"},
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "PodFailed"},
            {"type": "ContainersReady", "status": "False", "reason": "PodFailed"},
            {"type": "PodScheduled", "status": "True"},
        ],
    )
    # PodReadyToStartContainers False is not counted against it: 3 of 5 healthy
    assert said(pod)["conditions"] == (50, "3/5 conditions healthy; Ready False (PodFailed)")
    running_pod = started_pod(
        created=ago(hours=2),
        statuses=[running("app", started=ago(hours=2))],
        conditions=[
            {"type": "PodReadyToStartContainers", "status": "False"},
            {"type": "Ready", "status": "True"},
        ],
    )
    assert said(running_pod)["conditions"] == (60, "1/2 conditions healthy; PodReadyToStartContainers False")
    healthy = started_pod(created=ago(hours=2), statuses=[running("app", started=ago(hours=2))])
    assert said(healthy)["conditions"] == (100, "4/4 conditions healthy")


# ------------------------------------------------------------------------------------------ scheduling
def test_scheduling_sentences():
    def pending(**kw):
        kw.setdefault("conditions", [])
        return started_pod(created=ago(minutes=20), node="", phase="Pending", statuses=[], **kw)

    assert said(started_pod(created=ago(hours=1), node="", phase="Succeeded", statuses=[], conditions=[]))[
        "scheduling"
    ] == (0, "pod Succeeded without being scheduled")
    assert said(started_pod(created=ago(hours=1), node="", phase="Failed", statuses=[], conditions=[]))[
        "scheduling"
    ] == (0, "pod Failed without being scheduled")
    assert said(pending(gates=("example.com/quota", "example.com/review")))["scheduling"] == (
        50,
        "held by scheduling gates: example.com/quota, example.com/review",
    )
    no_message = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]
    assert said(pending(conditions=no_message))["scheduling"] == (0, "unschedulable")
    # a scheduler error is not a verdict about the pod: it is still waiting for the scheduler
    error = [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulerError", "message": "etcd timeout"}
    ]
    assert said(pending(conditions=error))["scheduling"] == (
        30,
        "not scheduled after 20m (is scheduler 'default-scheduler' running?)",
    )
    long = "0/500 nodes are available: " + ", ".join(
        f"{i} node(s) had untolerated taint {{k{i}: v}}" for i in range(40)
    )
    desc = said(
        pending(
            conditions=[
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": long}
            ]
        )
    )["scheduling"][1]
    assert desc.startswith("unschedulable: 0/500 nodes are available: 0 node(s)")
    assert len(desc) == len("unschedulable: ") + 200  # the message is shortened to 200 characters
    custom = status_pod(
        "p",
        "ns",
        metadata={"creationTimestamp": ago(hours=2)},
        spec={"containers": [{"name": "app"}], "schedulerName": "volcano"},
        phase="Pending",
    )
    assert said(custom)["scheduling"] == (30, "not scheduled after 2h (is scheduler 'volcano' running?)")


# ------------------------------------------------------------------------------------------ events
def test_events_sentence_and_the_hour_boundary():
    pod = started_pod(created=ago(days=2), statuses=[running("app", started=ago(days=2))])
    # last seen exactly an hour ago: not yet aged (aged only beyond an hour)
    assert said(pod, [warning("Unhealthy", count=3, last=ago(hours=1))])["events"] == (
        50,
        "3 warning events in last 24h (1 reason); worst: Unhealthy x3, last 1h ago",
    )
    assert said(pod, [warning("Killing", type_="Normal")])["events"] == (100, "0 warning events in last 24h")
    # an event exactly 24 h old is in the window
    assert said(pod, [warning("FailedMount", last=ago(hours=24))])["events"] == (
        65,
        "1 warning events in last 24h (1 reason); worst: FailedMount x1, last 1d ago",
    )


def test_events_are_grouped_with_their_earliest_first_and_latest_message():
    pod = started_pod(created=ago(days=2), statuses=[running("app", started=ago(days=2))])
    events = [
        warning(
            "Unhealthy",
            count=2,
            first=ago(hours=3),
            last=ago(minutes=30),
            message="Readiness probe failed: 503",
        ),
        warning(
            "Unhealthy",
            count=5,
            first=ago(hours=5),
            last=ago(minutes=10),
            message="Liveness probe failed: EOF",
        ),
        # same last time as the one above: the smaller message is kept, whichever comes first
        warning(
            "Unhealthy",
            count=1,
            first=ago(minutes=10),
            last=ago(minutes=10),
            message="Liveness probe failed: 500",
        ),
        warning(
            "Unhealthy", count=1, first=ago(hours=1), last=ago(hours=1), message="Readiness probe failed: 502"
        ),
    ]
    for order in (events, events[::-1]):
        (group,) = wire(pod, order)["details"]["recentEvents"]
        assert group == {
            "type": "Warning",
            "reason": "Unhealthy",
            "message": "Liveness probe failed: 500",
            "count": 9,
            "firstSeen": ago(hours=5),
            "lastSeen": ago(minutes=10),
        }


# ------------------------------------------------------------------------------------------ restarts
def test_restart_sentence_and_the_reason_of_a_termination_without_one():
    # the kubelet writes no reason for some terminations: exit 0 reads Completed, anything else Error
    ok = started_pod(
        created=ago(days=1),
        statuses=[
            running(
                "app", started=ago(minutes=5), restarts=1, last={"exitCode": 0, "finishedAt": ago(minutes=5)}
            )
        ],
    )
    r = wire(ok)
    assert r["components"]["restarts"]["description"] == (
        "1 total restarts, 1 in the last hour; last 5m ago, Completed; weighted restarts 3"
    )
    assert r["details"]["lastRestartReason"] == "Completed"
    bad = started_pod(
        created=ago(days=1),
        statuses=[
            running(
                "app", started=ago(minutes=5), restarts=1, last={"exitCode": 1, "finishedAt": ago(minutes=5)}
            )
        ],
    )
    assert wire(bad)["details"]["lastRestartReason"] == "Error (exit code 1)"
    # restarts whose time is unknown (no last termination): counted, not dated
    undated = started_pod(created=ago(days=1), statuses=[waiting("app", "ContainerCreating", restarts=2)])
    assert said(undated)["restarts"] == (85, "2 total restarts, 0 in the last hour; weighted restarts 2")


def test_restarts_of_a_pod_at_most_an_hour_old_all_count_and_add_up_over_containers():
    pod = started_pod(
        created=ago(hours=1),
        statuses=[
            running("app", started=ago(minutes=2), restarts=1),
            running("sidecar-like", started=ago(minutes=3), restarts=2),
        ],
    )
    r = wire(pod)
    assert r["details"]["restartsLastHour"] == 3 and r["details"]["restartCount"] == 3
    # each container's current run started at its restart: the latest one is the last restart
    assert r["details"]["lastRestartContainer"] == "app" and r["details"]["lastRestartTime"] == ago(minutes=2)
    assert r["components"]["restarts"]["score"] == 50  # E = 3 x 3 = 9: <= 10


def test_restarts_in_the_last_hour_add_up_over_containers_of_an_old_pod():
    pod = started_pod(
        created=ago(days=1),
        statuses=[
            running(
                "a", started=ago(minutes=2), restarts=1, last={"exitCode": 1, "finishedAt": ago(minutes=2)}
            ),
            running(
                "b", started=ago(minutes=2), restarts=4, last={"exitCode": 1, "finishedAt": ago(minutes=2)}
            ),
        ],
    )
    r = wire(pod)
    # one datable restart each; on a tie the first container is named
    assert r["details"]["restartsLastHour"] == 2
    assert r["details"]["lastRestartContainer"] == "a"
    assert r["components"]["restarts"]["description"] == (
        "5 total restarts, 2 in the last hour; last 2m ago, Error (exit code 1); weighted restarts 9"
    )


def test_a_crash_loop_counts_restarts_by_its_back_off_delay():
    # run 0 s (StartError) + back-off 40 s = one restart per 40 s; the last termination 10 minutes ago:
    # 1 + floor(50 min / 40 s) = 76, at most its 30 restarts
    def looping(restarts, backoff):
        return started_pod(
            created=ago(days=1),
            statuses=[
                waiting(
                    "app",
                    "CrashLoopBackOff",
                    f"back-off {backoff} restarting failed container=app pod=p_ns(uid-1)",
                    restarts=restarts,
                    last={
                        "exitCode": 128,
                        "reason": "StartError",
                        "startedAt": "1970-01-01T00:00:00Z",
                        "finishedAt": ago(minutes=10),
                    },
                )
            ],
        )

    assert wire(looping(30, "40s"))["details"]["restartsLastHour"] == 30
    # with the 5 minute cap the same hour holds 1 + floor(50 / 5) = 11
    assert wire(looping(30, "5m0s"))["details"]["restartsLastHour"] == 11
    # a single restart is one, not more
    assert wire(looping(1, "10s"))["details"]["restartsLastHour"] == 1


# ------------------------------------------------------------------------------------------ details
def test_details_copy_the_container_statuses_conditions_and_identity():
    pod = started_pod(
        created=ago(hours=2),
        name="api-7f9c",
        namespace="shop",
        statuses=[
            waiting(
                "api",
                "CrashLoopBackOff",
                "  back-off 5m0s restarting failed container=api pod=api-7f9c_shop(uid-1)\n",
                restarts=3,
                last={
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": ago(minutes=8),
                    "finishedAt": ago(minutes=7),
                },
            ),
            {"name": "log", "ready": False, "restartCount": 0, "state": {}},
            {
                "name": "job",
                "ready": False,
                "restartCount": 0,
                "state": {"terminated": {"exitCode": 3, "reason": "", "message": " disk full\n"}},
            },
        ],
        conditions=[
            {
                "type": "Ready",
                "status": "False",
                "reason": "ContainersNotReady",
                "message": "containers with unready status: [api]",
                "lastTransitionTime": ago(minutes=7),
            },
        ],
    )
    d = wire(pod, warnings=["events could not be read"])
    assert (d["podName"], d["namespace"], d["warnings"]) == ("api-7f9c", "shop", ["events could not be read"])
    assert d["details"]["phase"] == "Running" and d["details"]["podStatus"] == "CrashLoopBackOff"
    assert d["details"]["restartCount"] == 3
    assert d["details"]["containerStatuses"] == [
        {
            "name": "api", "kind": "app", "state": "Waiting", "ready": False, "restartCount": 3,
            "reason": "CrashLoopBackOff",
            "message": "back-off 5m0s restarting failed container=api pod=api-7f9c_shop(uid-1)",
            "exitCode": None, "lastTerminationReason": "Error", "lastTerminationExitCode": 1,
            "lastTerminationTime": ago(minutes=7),
        },
        {
            "name": "log", "kind": "app", "state": "Unknown", "ready": False, "restartCount": 0, "reason": None,
            "message": None, "exitCode": None, "lastTerminationReason": None, "lastTerminationExitCode": None,
            "lastTerminationTime": None,
        },
        {
            "name": "job", "kind": "app", "state": "Terminated", "ready": False, "restartCount": 0, "reason": None,
            "message": "disk full", "exitCode": 3, "lastTerminationReason": None, "lastTerminationExitCode": None,
            "lastTerminationTime": None,
        },
    ]  # fmt: skip
    assert d["details"]["podConditions"] == [
        {
            "type": "Ready",
            "status": "False",
            "reason": "ContainersNotReady",
            "message": "containers with unready status: [api]",
            "lastTransitionTime": ago(minutes=7),
        }
    ]
    assert {name: c["name"] for name, c in d["components"].items()} == {n: n for n in d["components"]}
    # a pod that never restarted has no last restart at all
    # a termination without a message has none (not an empty string)
    done = wire(started_pod(created=ago(hours=2), restart_policy="Never", statuses=[terminated("app", 0)]))
    assert done["details"]["containerStatuses"][0]["message"] is None
    calm = wire(started_pod(created=ago(hours=2), statuses=[running("app", started=ago(hours=2))]))
    assert (calm["details"]["lastRestartReason"], calm["details"]["lastRestartContainer"]) == (None, None)
    assert calm["details"]["lastRestartTime"] is None and calm["warnings"] == []


# ------------------------------------------------------------------------------------------ edges
def test_an_initializing_pod_counts_its_running_init_container_as_healthy():
    # "migrate" runs (init containers run to completion, readiness does not apply); "warm" has reported no
    # state yet; "app" waits for initialization
    pod = status_pod(
        "p",
        "ns",
        metadata={"uid": "uid-1", "creationTimestamp": ago(minutes=2)},
        spec={
            "nodeName": "n1",
            "initContainers": [{"name": "migrate"}, {"name": "warm"}],
            "containers": [{"name": "app"}],
        },
        phase="Pending",
        initContainerStatuses=[
            running("migrate", started=ago(minutes=1), ready=False),
            {"name": "warm", "ready": False, "restartCount": 0, "state": {}},
        ],
        containerStatuses=[waiting("app", "PodInitializing")],
    )
    assert said(pod)["containerStates"] == (70, "1/3 containers healthy, 0/1 ready; app: PodInitializing")
    d = wire(pod)["details"]["containerStatuses"]
    assert [(c["name"], c["state"], c["message"]) for c in d] == [
        ("migrate", "Running", None),
        ("warm", "Unknown", None),
        ("app", "Waiting", None),  # the kubelet's empty message is no message
    ]


def test_every_failing_condition_is_counted_whatever_its_order():
    pod = started_pod(
        created=ago(hours=2),
        statuses=[running("app", started=ago(hours=2))],
        conditions=[
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "DisruptionTarget", "status": "True", "reason": "TerminationByKubelet"},
        ],
    )
    assert said(pod)["conditions"] == (30, "0/2 conditions healthy; DisruptionTarget (TerminationByKubelet)")
    # a completed pod is not blamed for Ready/ContainersReady, and the conditions after them still count
    done = started_pod(
        created=ago(hours=2),
        phase="Succeeded",
        restart_policy="Never",
        statuses=[terminated("app", 0, "Completed", started=ago(hours=2), finished=ago(hours=1))],
        conditions=[
            {"type": "Ready", "status": "False", "reason": "PodCompleted"},
            {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC"},
        ],
    )
    assert said(done)["conditions"] == (30, "1/2 conditions healthy; DisruptionTarget (DeletionByPodGC)")


def test_only_this_pods_events_count():
    pod = started_pod(created=ago(days=2), statuses=[running("app", started=ago(days=2))])
    other_pod = status_event(
        "BackOff", "x", name="p-other", namespace="ns", count=1, first=ago(minutes=1), last=ago(minutes=1)
    )
    other_kind = status_event(
        "FailedCreate",
        "x",
        kind="ReplicaSet",
        name="p",
        namespace="ns",
        count=1,
        first=ago(minutes=1),
        last=ago(minutes=1),
    )
    assert said(pod, [other_pod, other_kind])["events"] == (100, "0 warning events in last 24h")
    # a single event's group keeps its own first time; an event without type or reason is kept as written
    one = wire(pod, [warning("Unhealthy", first=ago(minutes=40), last=ago(minutes=5))])["details"][
        "recentEvents"
    ]
    assert (one[0]["firstSeen"], one[0]["lastSeen"]) == (ago(minutes=40), ago(minutes=5))
    bare = status_event(
        "", "something", type_="", name="p", namespace="ns", uid="uid-1", count=1, last=ago(minutes=1)
    )
    (g,) = wire(pod, [bare])["details"]["recentEvents"]
    assert (g["type"], g["reason"]) == ("", "")


def test_a_restart_known_only_from_the_current_run_is_dated_by_it():
    # no lastState (the kubelet lost it): the current run's start is the restart; the pod is a day old
    pod = started_pod(created=ago(days=1), statuses=[running("app", started=ago(minutes=5), restarts=2)])
    r = wire(pod)
    assert (r["details"]["restartsLastHour"], r["details"]["lastRestartReason"]) == (1, None)
    assert r["components"]["restarts"]["description"] == (
        "2 total restarts, 1 in the last hour; last 5m ago; weighted restarts 4"
    )
    calm = started_pod(created=ago(days=1), statuses=[running("app", started=ago(days=1))])
    assert said(calm)["restarts"] == (100, "0 total restarts")


def test_a_crash_loop_with_one_restart_counts_one_beside_older_restarts():
    pod = started_pod(
        created=ago(days=1),
        statuses=[
            waiting(
                "app",
                "CrashLoopBackOff",
                "back-off 10s restarting failed container=app pod=p_ns(uid-1)",
                restarts=1,
                last={
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": ago(minutes=3),
                    "finishedAt": ago(minutes=2),
                },
            ),
            running("db", started=ago(hours=5), restarts=5, last={"exitCode": 1, "finishedAt": ago(hours=5)}),
        ],
    )
    assert wire(pod)["details"]["restartsLastHour"] == 1
