"""The sentences about one container, from its status: how it terminated (signal, exit code, start error,
lost by the kubelet), how often it restarted, and why it waits; long messages cut to 240 characters."""

from __future__ import annotations

from datetime import UTC, datetime

from k8s_agent.analysis.podstatus import ContainerReport, Termination, backoff_duration, signal_name

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LONG = "x" * 300


def term(reason="Error", code=1, signal=None, message="", started=None) -> Termination:
    return Termination(reason, code, signal, message, started, None)


def report(*, restarts=0, waiting="", message="", terminated=None, last=None, init=False) -> ContainerReport:
    return ContainerReport(
        "app", init, False, False, False, restarts, waiting, message, terminated, last, None
    )


def test_termination_descriptions():
    assert term(code=1).describe() == "exited with code 1 (generic application error)"
    assert term(reason="Completed", code=0).describe() == "exited with code 0 (success)"
    assert term(reason="DeadlineExceeded", code=2).describe() == (
        "exited with code 2 (misuse of a shell builtin or application-defined error), reason DeadlineExceeded"
    )
    assert term(reason="", code=0, signal=9).describe() == "was killed by signal 9 (SIGKILL)"
    # a signal with an exit code: the exit code is what the runtime reported
    assert term(code=143, signal=15).describe().startswith("exited with code 143 (")
    assert signal_name(64) == "signal 64"
    assert term(reason="", code=0, signal=64).describe() == "was killed by signal 64 (signal 64)"
    assert (
        term(reason="", code=128, started=EPOCH).describe()
        == "could not be started (StartError, exit code 128)"
    )
    assert term(reason="ContainerStatusUnknown", code=137).describe() == (
        "was lost by the kubelet (ContainerStatusUnknown; exit code 137 is synthetic)"
    )


def test_termination_sentence_adds_the_message_only_for_start_errors_and_lost_containers():
    start = report(
        terminated=term(reason="StartError", code=128, message="exec: no such file\n  or directory")
    )
    assert start.termination_sentence() == (
        "Container app could not be started (StartError, exit code 128): exec: no such file or directory"
    )
    crashed = report(terminated=term(code=1, message="panic: boom"))
    assert crashed.termination_sentence() == "Container app exited with code 1 (generic application error)"
    long = report(terminated=term(reason="ContainerStatusUnknown", code=137, message=LONG))
    assert len(long.termination_sentence().split(": ", 1)[1]) == 240


def test_restart_sentence():
    assert report(restarts=0).restart_sentence() is None
    assert report(restarts=1).restart_sentence() == "Container app has restarted 1 time"
    assert report(restarts=2).restart_sentence() == "Container app has restarted 2 times"


def test_waiting_sentences():
    assert report(waiting="").waiting_sentence() is None
    assert report(waiting="ContainerCreating").waiting_sentence() is None
    backoff = "back-off 5m0s restarting failed container=app pod=web-1_default(uid)"
    assert report(waiting="CrashLoopBackOff", message=backoff).waiting_sentence() == (
        "Container app is waiting in CrashLoopBackOff (back-off 5m0s before the next restart)"
    )
    assert (
        report(waiting="CrashLoopBackOff").waiting_sentence()
        == "Container app is waiting in CrashLoopBackOff"
    )
    assert report(waiting="ImagePullBackOff").waiting_sentence() == (
        "Container app cannot pull its image (ImagePullBackOff)"
    )
    config = report(waiting="CreateContainerConfigError", message=LONG)
    head, _, tail = config.waiting_sentence().partition(": ")
    assert head == "Container app is waiting in CreateContainerConfigError"
    assert len(tail) == 240 and tail.endswith("...")
    assert report(waiting="Weird").waiting_sentence() == "Container app is waiting in Weird"
    assert report(waiting="Weird", init=True).waiting_sentence() == "Init container app is waiting in Weird"
    assert backoff_duration("") is None and backoff_duration(None) is None
