"""The rules of the failure-event analysis beyond classification, each on the pod state and events that
show it: what the pod's state adds to each kind of event, which container an event names, which owner and
node events count, the order of equal events, the most recent issue, and recurrence at its bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builders.status import running, status_event, status_pod, terminated, waiting
from k8s_agent.analysis.failure_events import analyze_failure_events, recurrence, relevant_node_events
from k8s_agent.schemas.failure_events import InvolvedObject

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
STARTED = "2025-06-01T10:00:00Z"
EVICT_CAUSES = ["Node pressure", "Resource limits", "Priority preemption"]
MEMORY_EVICTION = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 26444Ki. "


def pod(*statuses, owners=(), containers=None, **status):
    """Pod ``ns/p`` (uid ``uid-1``) started at ``STARTED`` with these container statuses."""
    return status_pod(
        metadata={"uid": "uid-1", "ownerReferences": list(owners)},
        containers=containers,
        phase=status.pop("phase", "Running"),
        startTime=STARTED,
        containerStatuses=list(statuses),
        **status,
    )


def event(reason, message, *, last=NOW, **kw):
    kw.setdefault("type_", "Warning")
    return status_event(reason, message, last=last, first=kw.pop("first", last), **kw)


def only(report):
    (f,) = report.failure_events
    return f


def test_involved_object_defaults_to_the_pod():
    # an event that names no kind, no object and no field is about the pod itself
    f = only(
        analyze_failure_events(pod(), [event("FailedSync", "error syncing", kind="", name="")], [], [], NOW)
    )
    assert f.involved_object == InvolvedObject(kind="Pod", name="p", field_path="")


def test_crash_event_explained_by_every_troubled_container():
    # the healthy sidecar listed first says nothing; the crashing app after it does
    p = pod(
        running("sidecar"),
        waiting("app", "CrashLoopBackOff", restarts=3, last={"exitCode": 1, "reason": "Error"}),
    )
    f = only(
        analyze_failure_events(p, [event("BackOff", "Back-off restarting failed container app")], [], [], NOW)
    )
    assert f.possible_causes == [
        "Application crash",
        "Missing dependencies",
        "Configuration error",
        "Container app exited with code 1 (generic application error)",
        "Container app has restarted 3 times",
        "Container app is waiting in CrashLoopBackOff",
    ]


def test_config_event_explained_by_the_container_that_cannot_start():
    p = pod(
        waiting("app", "CreateContainerConfigError", 'secret "db" not found'),
        waiting("proxy", "ImagePullBackOff", 'Back-off pulling image "proxy:nope"'),
    )
    f = only(analyze_failure_events(p, [event("Failed", 'Error: secret "db" not found')], [], [], NOW))
    assert f.possible_causes == [
        'Secret "db" does not exist in the namespace',
        'Container app is waiting in CreateContainerConfigError: secret "db" not found',
    ]


def test_oom_event_names_the_killed_container_and_its_limit():
    p = pod(
        running("app", restarts=1, last={"exitCode": 137, "reason": "OOMKilled"}),
        running("sidecar"),
        containers=[{"name": "app", "resources": {"limits": {"memory": "256Mi"}}}, {"name": "sidecar"}],
    )
    f = only(analyze_failure_events(p, [event("OOMKilled", "Container app was OOM killed")], [], [], NOW))
    assert f.possible_causes == [
        "Memory limit exceeded",
        "Memory leak",
        "Insufficient memory allocation",
        "Container app was OOMKilled (memory limit 256Mi)",
    ]


def test_eviction_adds_the_pods_status_message_unless_it_is_the_events_own():
    # the kubelet writes the eviction message to the pod's status too (spacing aside): said once
    evicted = pod(
        terminated("app", 137, "ContainerStatusUnknown"),
        phase="Failed",
        reason="Evicted",
        message="The node was low on resource: memory.  Threshold quantity: 100Mi, available: 26444Ki.",
        qosClass="BestEffort",
    )
    f = only(analyze_failure_events(evicted, [event("Evicted", MEMORY_EVICTION)], [], [], NOW))
    assert f.possible_causes == [
        "Node was low on memory",
        *EVICT_CAUSES,
        "Pod QoS class is BestEffort - consider setting guaranteed QoS",
    ]
    # a status message that says something else is added
    shut_down = pod(
        running("app"),
        phase="Failed",
        reason="Terminated",
        message="Pod was terminated in response to imminent node shutdown.",
        qosClass="Guaranteed",
    )
    f = only(analyze_failure_events(shut_down, [event("Evicted", MEMORY_EVICTION)], [], [], NOW))
    assert f.possible_causes == [
        "Node was low on memory",
        *EVICT_CAUSES,
        "Pod status: Pod was terminated in response to imminent node shutdown.",
    ]
    # no status message: nothing to add
    f = only(analyze_failure_events(pod(running("app")), [event("Evicted", MEMORY_EVICTION)], [], [], NOW))
    assert f.possible_causes == ["Node was low on memory", *EVICT_CAUSES]
    # a node event is explained by the node, not by the pod's status message
    not_ready = event("NodeNotReady", "Node node-1 status is now: NodeNotReady", kind="Node", name="node-1")
    f = only(analyze_failure_events(shut_down, [], [], [not_ready], NOW))
    assert f.possible_causes == [
        "Node is not ready: kubelet stopped reporting, network partition or node failure"
    ]


def test_field_path_without_a_kind_still_names_the_container():
    p = pod(
        waiting("a", "CrashLoopBackOff", restarts=2, last={"exitCode": 139, "reason": "Error"}),
        running("b", restarts=4, last={"exitCode": 2, "reason": "Error"}),
    )
    e = event(
        "BackOff", "Back-off restarting failed container a in pod p", kind="", field_path="spec.containers{a}"
    )
    f = only(analyze_failure_events(p, [e], [], [], NOW))
    assert [c for c in f.possible_causes if c.startswith("Container ")] == [
        "Container a exited with code 139 (segmentation fault (SIGSEGV))",
        "Container a has restarted 2 times",
        "Container a is waiting in CrashLoopBackOff",
    ]


def test_owner_events_of_the_pods_own_controller_only():
    rs = {"kind": "ReplicaSet", "name": "web-abc", "uid": "rs-2", "controller": True}
    quota = 'Error creating: pods "web-abc-x" is forbidden: exceeded quota: q1, requested: cpu=1'
    mine = event("FailedCreate", quota, kind="ReplicaSet", name="web-abc", uid="rs-2")
    # a ReplicaSet of the same name deleted and created again: its events are not this pod's owner's
    earlier = event("FailedCreate", quota + ", used: cpu=4", kind="ReplicaSet", name="web-abc", uid="rs-1")
    r = analyze_failure_events(pod(running("app"), owners=[rs]), [], [earlier, mine], [], NOW)
    assert [f.message for f in r.failure_events] == [quota]
    assert r.total_events == 1


def test_equal_events_keep_their_order():
    # the kubelet's probe message does not name the container: two containers, the same event text
    def probe(name):
        return event(
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            field_path=f"spec.containers{{{name}}}",
        )

    p = pod(running("a", ready=False), running("b", ready=False))
    r = analyze_failure_events(p, [probe("a"), probe("b")], [], [], NOW)
    assert [f.involved_object.field_path for f in r.failure_events] == [
        "spec.containers{a}",
        "spec.containers{b}",
    ]
    r = analyze_failure_events(p, [probe("b"), probe("a")], [], [], NOW)
    assert [f.involved_object.field_path for f in r.failure_events] == [
        "spec.containers{b}",
        "spec.containers{a}",
    ]


def test_most_recent_issue_of_equal_times_is_the_most_severe():
    at = NOW - timedelta(minutes=1)
    probe = event("Unhealthy", "Liveness probe failed: command timed out", last=at)
    mount = event(
        "FailedMount", 'MountVolume.SetUp failed for volume "cfg" : configmap "app" not found', last=at
    )
    r = analyze_failure_events(pod(running("app")), [probe, mount], [], [], NOW)
    assert [f.reason for f in r.failure_events] == ["FailedMount", "Unhealthy"]
    assert r.most_recent_issue.reason == "FailedMount"


def test_recurrence_at_its_bounds():
    # four times within one second: a rate, however short the span
    e = event(
        "BackOff", "Back-off restarting failed container app", count=4, first=NOW - timedelta(seconds=1)
    )
    assert recurrence(e, NOW + timedelta(minutes=1)) == (True, "14400.0 times per hour", "1m")
    # first seen right now: no time since first yet
    e = event("BackOff", "Back-off restarting failed container app", count=4, first=NOW, last=NOW)
    assert recurrence(e, NOW) == (True, None, None)


def test_node_events_since_the_pod_started():
    start = datetime(2025, 6, 1, 10, 0, 0, tzinfo=UTC)
    ready = event(
        "NodeReady", "Node node-1 status is now: NodeReady", type_="Normal", kind="Node", last=start
    )
    at_start = event("NodeNotReady", "Node node-1 status is now: NodeNotReady", kind="Node", last=start)
    before = event(
        "SystemOOM",
        "System OOM encountered, victim process: a, pid: 1",
        kind="Node",
        last=start - timedelta(seconds=1),
    )
    after = event(
        "SystemOOM",
        "System OOM encountered, victim process: b, pid: 2",
        kind="Node",
        last=start + timedelta(minutes=5),
    )
    assert relevant_node_events(pod(), [ready, at_start, before, after]) == [at_start, after]
