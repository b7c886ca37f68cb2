"""Every event of the shared corpus (``event_messages.json``) gets its expected category (or the allowed
alternative) and its expected severity, and the failure filter agrees with the severity."""

from __future__ import annotations

import pytest

from builders.status import status_event
from corpus import load_corpus
from k8s_agent.analysis.failure_events import classify_event, is_failure_event
from k8s_agent.kube.models import Event

ENTRIES = load_corpus("event_messages.json")


def _event(entry: dict) -> Event:
    return status_event(
        entry["reason"],
        entry["message"],
        type_=entry["type"],
        kind=entry.get("involved_object_kind", "Pod"),
        name="x",
        component=entry.get("component", ""),
    )


def _id(entry: dict) -> str:
    return f"{entry['type']}-{entry['reason']}-{entry['message'][:40]}"


def test_corpus_is_there():
    assert len(ENTRIES) >= 50


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_category_and_severity(entry):
    c = classify_event(_event(entry))
    # five entries also name an ``alt_category`` (with a ``note``: the root cause another reading would pick, e.g.
    # Volume for a FailedScheduling about an unbound claim); the agent classifies the event itself, so it gives
    # the expected category for every one of them
    assert c.category == entry["expected_category"], (
        c.category,
        entry.get("alt_category"),
        entry.get("note"),
    )
    assert c.severity == entry["expected_severity"]
    assert is_failure_event(_event(entry)) == (entry["expected_severity"] in ("critical", "warning"))
    if c.severity != "info":
        assert c.causes and c.action


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_classification_is_deterministic(entry):
    results = {classify_event(_event(entry)) for _ in range(5)}
    assert len(results) == 1


def _ev(reason, message, type_="Warning", count=None):
    """An event about no object in particular: only its reason, message, type and count speak."""
    return status_event(reason, message, type_=type_, count=count, kind="", name="")


@pytest.mark.parametrize(
    ("reason", "message", "type_", "category", "severity"),
    [
        # BackOff: crash or pull, by message, whatever the case of the words
        ("BackOff", 'Back-off pulling image "nginx:nope"', "Normal", "ImagePull", "warning"),
        ("BackOff", 'back-off pulling image "nginx:nope"', "Normal", "ImagePull", "warning"),
        (
            "BackOff",
            "Back-off restarting failed container app in pod a_b(uid)",
            "Warning",
            "ContainerCrash",
            "critical",
        ),
        # Failed: pull, config, start
        ("Failed", "Error: ImagePullBackOff", "Warning", "ImagePull", "critical"),
        ("Failed", "Error: InvalidImageName", "Warning", "ImagePull", "critical"),
        ("Failed", 'Error: configmap "app-config" not found', "Warning", "Other", "critical"),
        (
            "Failed",
            "Error: container has runAsNonRoot and image will run as root",
            "Warning",
            "Other",
            "critical",
        ),
        (
            "Failed",
            "Error: failed to create containerd task: failed to create shim task: OCI runtime create failed: "
            'runc create failed: unable to start container process: exec: "wge": executable file not found in $PATH',
            "Warning",
            "ContainerCrash",
            "critical",
        ),
        ("Failed", "Error: context deadline exceeded", "Warning", "ContainerCrash", "critical"),
        # mounts: the transient kube-root-ca.crt case is only a warning
        (
            "FailedMount",
            'MountVolume.SetUp failed for volume "kube-api-access-8knw6" : configmap "kube-root-ca.crt" not found',
            "Warning",
            "Volume",
            "warning",
        ),
        (
            "FailedMount",
            'MountVolume.SetUp failed for volume "cfg" : configmap "app" not found',
            "Warning",
            "Volume",
            "critical",
        ),
        # probes
        ("Killing", "Container app failed startup probe, will be restarted", "Normal", "Probe", "warning"),
        ("Killing", "Stopping container app", "Normal", "Other", "info"),
        # node and owner events
        ("NodeNotReady", "Node is not ready", "Warning", "Other", "critical"),
        ("NodeNotReady", "Node n1 status is now: NodeNotReady", "Normal", "Other", "critical"),
        (
            "OOMKilling",
            "Memory cgroup out of memory: Killed process 1234 (java)",
            "Warning",
            "Resource",
            "critical",
        ),
        (
            "FailedCreate",
            'Error creating: pods "web-1" is forbidden: exceeded quota: q1, requested: cpu=1',
            "Warning",
            "Resource",
            "critical",
        ),
        (
            "FailedCreate",
            'Error creating: pods "web-1" is forbidden: violates PodSecurity "restricted:latest"',
            "Warning",
            "Other",
            "critical",
        ),
        (
            "OutOfcpu",
            "Pod was rejected: Node didn't have enough resource: cpu",
            "Warning",
            "Resource",
            "critical",
        ),
        ("TaintManagerEviction", "Marking for deletion Pod default/web-1", "Normal", "Other", "warning"),
        ("TaintManagerEviction", "Cancelling deletion of Pod default/web-1", "Normal", "Other", "info"),
        # unknown Warning reasons: category guessed from the reason, warning
        ("FailedToMountSomething", "boom", "Warning", "Volume", "warning"),
        ("Weird", "boom", "Warning", "Other", "warning"),
    ],
)
def test_message_decides(reason, message, type_, category, severity):
    c = classify_event(_ev(reason, message, type_))
    assert (c.category, c.severity) == (category, severity)


def test_high_frequency_normal_events():
    # routine lifecycle events never become failures, however often they repeat
    for reason, msg in [
        ("Pulled", 'Container image "x" already present on machine'),
        ("Created", "Created container: a"),
        ("Started", "Started container a"),
        ("Pulling", 'Pulling image "x"'),
        ("Scheduled", "ok"),
    ]:
        assert not is_failure_event(_ev(reason, msg, "Normal", count=50))
    # an unknown Normal reason repeated >= 5 times is a failure signal (Go rule); below 5 it is not
    assert is_failure_event(_ev("CustomRetry", "retrying", "Normal", count=5))
    assert not is_failure_event(_ev("CustomRetry", "retrying", "Normal", count=4))
    # a sandbox re-created again and again is a warning
    c = classify_event(
        _ev("SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", "Normal", count=7)
    )
    assert (c.category, c.severity) == ("Network", "warning")


def test_combined_prefix_is_ignored_for_classification():
    ev = _ev("BackOff", '(combined from similar events): Back-off pulling image "x"', "Normal")
    assert classify_event(ev).category == "ImagePull"


def test_message_specific_causes():
    c = classify_event(_ev("Failed", 'Error: secret "db-password" not found'))
    assert c.causes[0] == 'Secret "db-password" does not exist in the namespace'
    c = classify_event(
        _ev(
            "Failed",
            'Failed to pull image "x": rpc error: code = Unknown desc = pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
        )
    )
    assert any("authentication" in s for s in c.causes)
    c = classify_event(
        _ev(
            "FailedScheduling",
            "0/4 nodes are available: 3 Insufficient memory, 1 node(s) had untolerated taint {a: b}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
        )
    )
    assert (
        c.causes[0]
        == "Scheduler: 0/4 nodes are available: 3 Insufficient memory, 1 node(s) had untolerated taint {a: b}"
    )
    c = classify_event(
        _ev("Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 26444Ki.")
    )
    assert c.causes[0] == "Node was low on memory"
    c = classify_event(
        _ev(
            "FailedCreate",
            'Error creating: pods "nginx-3137573019-" is forbidden: Failed quota: compute-resources: must specify limits.cpu,limits.memory',
        )
    )
    assert (
        c.causes[0] == "ResourceQuota compute-resources requires limits.cpu,limits.memory on every container"
    )
