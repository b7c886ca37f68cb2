"""kubectl's STATUS column, container reports, exit codes, back-off and pull-error parsing, on the corpus
pods and on constructed pods for the branches of kubectl's printPod."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders.status import status_pod
from corpus import corpus_pod as raw_corpus_pod
from k8s_agent.analysis.podstatus import (
    backoff_duration,
    container_reports,
    exit_code_meaning,
    is_evicted,
    kubectl_status,
    pull_error,
    total_restarts,
)
from k8s_agent.kube.models import Pod, convert

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def corpus_pod(name: str, now=NOW) -> Pod:
    return convert(raw_corpus_pod(name, now), Pod)


pod = status_pod


# ------------------------------------------------------------------------------------------ corpus pods
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("crashloopbackoff-minikube-2018", "CrashLoopBackOff"),
        ("init-container-crashloop-starterror-2025", "Init:CrashLoopBackOff"),
        ("evicted-diskpressure-gke-2020", "Evicted"),
        ("errimagepull-to-imagepullbackoff-gke-containerd-2021", "ErrImagePull"),
        # running but not ready, last termination OOMKilled: kubectl's printPod only reads the *current* state,
        # so `kubectl get pods` prints Running (READY 0/1); the OOM kill is in our container report instead
        ("oomkilled-restarts-gke-2024", "Running"),
        ("pending-unschedulable-insufficient-cpu-2019-partial", "Pending"),
    ],
)
def test_corpus_kubectl_status(name, status):
    assert kubectl_status(corpus_pod(name)) == status


def test_corpus_crashloop_report():
    (r,) = container_reports(corpus_pod("crashloopbackoff-minikube-2018"))
    assert r.waiting_reason == "CrashLoopBackOff" and r.backoff == "40s"
    assert r.termination_sentence() == "Container main exited with code 1 (generic application error)"
    assert r.restart_sentence() == "Container main has restarted 3 times"
    assert (
        r.waiting_sentence()
        == "Container main is waiting in CrashLoopBackOff (back-off 40s before the next restart)"
    )


def test_corpus_init_starterror_report():
    p = corpus_pod("init-container-crashloop-starterror-2025")
    init, app = container_reports(p)
    assert init.init and init.label == "Init container downloader"
    assert init.backoff == "40s"
    t = init.crash_termination
    assert t is not None and t.start_error and t.exit_code == 128
    s = init.termination_sentence()
    assert s.startswith("Init container downloader could not be started (StartError, exit code 128)")
    assert 'exec: "wge": executable file not found in $PATH' in s
    assert app.waiting_reason == "PodInitializing" and not app.troubled
    assert total_restarts(p) == 3


def test_corpus_oomkilled_report():
    (r,) = container_reports(corpus_pod("oomkilled-restarts-gke-2024"))
    # exit code 1, yet OOMKilled: the reason decides, never the code
    assert r.oom_termination is not None and r.oom_termination.exit_code == 1
    assert r.oom_sentence() == "Container oomkilled was OOMKilled (memory limit 200Mi)"
    assert r.termination_sentence() is None  # the exit code of an OOM kill says nothing
    assert r.running and r.restart_count == 9
    assert r.last_terminated.finished_at == NOW - timedelta(hours=2)


def test_corpus_errimagepull_report():
    (r,) = container_reports(corpus_pod("errimagepull-to-imagepullbackoff-gke-containerd-2021"))
    assert r.pull_error.startswith("rpc error: code = FailedPrecondition")
    assert r.waiting_sentence().startswith(
        "Container workspace cannot pull its image (ErrImagePull): rpc error"
    )


def test_corpus_evicted():
    p = corpus_pod("evicted-diskpressure-gke-2020")
    assert is_evicted(p) and container_reports(p) == []


# ------------------------------------------------------------------------------------------ printPod branches
def _cs(name="app", **state):
    return {
        "name": name,
        "restartCount": state.pop("restarts", 0),
        "ready": state.pop("ready", False),
        **state,
    }


def test_init_progress_and_reasons():
    spec = {"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "app"}]}
    done = _cs("a", state={"terminated": {"exitCode": 0, "reason": "Completed"}})
    running = _cs("b", state={"running": {}})
    assert (
        kubectl_status(pod(spec=spec, phase="Pending", initContainerStatuses=[done, running])) == "Init:1/2"
    )
    assert (
        kubectl_status(
            pod(
                spec=spec,
                phase="Pending",
                initContainerStatuses=[
                    _cs("a", state={"running": {}}),
                    _cs("b", state={"waiting": {"reason": "PodInitializing"}}),
                ],
            )
        )
        == "Init:0/2"
    )
    failed = _cs("b", state={"terminated": {"exitCode": 1, "reason": "Error"}})
    assert (
        kubectl_status(pod(spec=spec, phase="Pending", initContainerStatuses=[done, failed])) == "Init:Error"
    )
    no_reason = _cs("b", state={"terminated": {"exitCode": 3}})
    assert (
        kubectl_status(pod(spec=spec, phase="Pending", initContainerStatuses=[done, no_reason]))
        == "Init:ExitCode:3"
    )
    signal = _cs("b", state={"terminated": {"exitCode": 0, "signal": 9}})
    # exit code 0 counts as done even with a signal (kubectl checks the code first)
    assert kubectl_status(pod(spec=spec, phase="Pending", initContainerStatuses=[done, signal])) == "Pending"
    signal = _cs("b", state={"terminated": {"exitCode": 137, "signal": 9}})
    assert (
        kubectl_status(pod(spec=spec, phase="Pending", initContainerStatuses=[done, signal]))
        == "Init:Signal:9"
    )
    waiting = _cs("b", state={"waiting": {"reason": "ImagePullBackOff"}})
    assert (
        kubectl_status(pod(spec=spec, phase="Pending", initContainerStatuses=[done, waiting]))
        == "Init:ImagePullBackOff"
    )


def test_sidecar_started_does_not_block_and_initialized_pod_shows_app_state():
    spec = {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "app"}]}
    side = _cs("proxy", state={"running": {}}, started=True, ready=True)
    app = _cs("app", state={"waiting": {"reason": "CrashLoopBackOff"}})
    assert (
        kubectl_status(pod(spec=spec, phase="Running", initContainerStatuses=[side], containerStatuses=[app]))
        == "CrashLoopBackOff"
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"waiting": {"reason": "CrashLoopBackOff"}}, "CrashLoopBackOff"),
        ({"waiting": {"reason": "ImagePullBackOff"}}, "ImagePullBackOff"),
        ({"waiting": {"reason": "ErrImagePull"}}, "ErrImagePull"),
        ({"waiting": {"reason": "CreateContainerConfigError"}}, "CreateContainerConfigError"),
        ({"waiting": {"reason": "ContainerCreating"}}, "ContainerCreating"),
        ({"waiting": {"reason": "PodInitializing"}}, "PodInitializing"),
        ({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}, "OOMKilled"),
        ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Error"),
        ({"terminated": {"exitCode": 0, "reason": "Completed"}}, "Completed"),
        ({"terminated": {"exitCode": 2}}, "ExitCode:2"),
        ({"terminated": {"exitCode": 143, "signal": 15}}, "Signal:15"),
        ({"running": {}}, "Running"),
    ],
)
def test_app_container_states(state, expected):
    assert kubectl_status(pod(phase="Running", containerStatuses=[_cs(state=state)])) == expected


def test_completed_with_running_sibling_is_running_or_notready():
    spec = {"containers": [{"name": "a"}, {"name": "b"}]}
    statuses = [
        _cs("a", state={"running": {}}, ready=True),
        _cs("b", state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
    ]
    ready = [{"type": "Ready", "status": "True"}]
    assert (
        kubectl_status(pod(spec=spec, phase="Running", containerStatuses=statuses, conditions=ready))
        == "Running"
    )
    assert kubectl_status(pod(spec=spec, phase="Running", containerStatuses=statuses)) == "NotReady"


def test_pod_level_reasons():
    assert kubectl_status(pod(phase="Failed", reason="Evicted")) == "Evicted"
    assert kubectl_status(pod(phase="Failed", reason="OutOfcpu")) == "OutOfcpu"
    assert kubectl_status(pod(phase="Failed", reason="DeadlineExceeded")) == "DeadlineExceeded"
    assert kubectl_status(pod(phase="Succeeded")) == "Succeeded"
    # an evicted pod whose container the kubelet lost shows ContainerStatusUnknown, as kubectl does
    lost = _cs(state={"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown"}})
    assert (
        kubectl_status(pod(phase="Failed", reason="Evicted", containerStatuses=[lost]))
        == "ContainerStatusUnknown"
    )
    gated = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
    assert kubectl_status(pod(phase="Pending", conditions=gated)) == "SchedulingGated"


def test_terminating_and_unknown():
    meta = {"name": "p", "deletionTimestamp": "2025-01-01T11:00:00Z"}
    running = [_cs(state={"running": {}}, ready=True)]
    assert kubectl_status(pod(metadata=meta, phase="Running", containerStatuses=running)) == "Terminating"
    assert (
        kubectl_status(pod(metadata=meta, phase="Running", reason="NodeLost", containerStatuses=running))
        == "Unknown"
    )
    # a terminal pod being deleted keeps its terminal status
    assert kubectl_status(pod(metadata=meta, phase="Succeeded")) == "Succeeded"
    # NodeLost without deletion is printed as is
    assert kubectl_status(pod(phase="Running", reason="NodeLost")) == "NodeLost"


# ------------------------------------------------------------------------------------------ helpers
@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (0, "success"),
        (1, "generic application error"),
        (2, "shell"),
        (126, "not executable"),
        (127, "command not found"),
        (128, "StartError"),
        (130, "SIGINT"),
        (134, "SIGABRT"),
        (137, "SIGKILL"),
        (139, "SIGSEGV"),
        (143, "SIGTERM"),
        (255, "-1"),
        (129, "signal 1 (SIGHUP)"),
        (42, "application-defined"),
    ],
)
def test_exit_codes(code, fragment):
    assert fragment in exit_code_meaning(code)


def test_137_is_not_oom():
    assert "OOM" not in exit_code_meaning(137).split("(")[0]
    (r,) = container_reports(
        pod(
            phase="Running",
            containerStatuses=[
                _cs(
                    lastState={"terminated": {"exitCode": 137, "reason": "Error"}},
                    state={"running": {}},
                    restarts=1,
                )
            ],
        )
    )
    assert r.oom_termination is None
    assert r.termination_sentence().startswith("Container app exited with code 137 (killed by SIGKILL")


def test_oom_with_exit_zero_and_status_unknown():
    (r,) = container_reports(
        pod(
            phase="Succeeded",
            containerStatuses=[_cs(state={"terminated": {"exitCode": 0, "reason": "OOMKilled"}})],
        )
    )
    assert r.oom_sentence() == "Container app was OOMKilled (no memory limit set)"
    (r,) = container_reports(
        pod(
            phase="Failed",
            containerStatuses=[
                _cs(
                    state={
                        "terminated": {
                            "exitCode": 137,
                            "reason": "ContainerStatusUnknown",
                            "message": "The container could not be located when the pod was terminated",
                        }
                    }
                )
            ],
        )
    )
    assert (
        "ContainerStatusUnknown" in r.termination_sentence()
        and "could not be located" in r.termination_sentence()
    )


def test_start_error_by_epoch_start_time():
    (r,) = container_reports(
        pod(
            phase="Running",
            containerStatuses=[
                _cs(
                    lastState={
                        "terminated": {
                            "exitCode": 128,
                            "reason": "Error",
                            "startedAt": "1970-01-01T00:00:00Z",
                        }
                    },
                    state={"waiting": {"reason": "CrashLoopBackOff"}},
                )
            ],
        )
    )
    assert r.crash_termination.start_error


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("back-off 5m0s restarting failed container=stress pod=frontend-service_default(uid)", "5m0s"),
        ("Back-off 40s restarting failed container=main pod=my-pod_argocd(uid)", "40s"),
        ("back-off 2m40s restarting failed container=x pod=y", "2m40s"),
        ("", None),
        ("something else", None),
    ],
)
def test_backoff_duration(message, expected):
    assert backoff_duration(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'Back-off pulling image "x": ErrImagePull: rpc error: code = NotFound desc = not found',
            "ErrImagePull: rpc error: code = NotFound desc = not found",
        ),
        ('Back-off pulling image "x"', None),
        ('back-off pulling image "registry/x:1"', None),
        ("rpc error: code = Unknown desc = failed", "rpc error: code = Unknown desc = failed"),
        ("", None),
    ],
)
def test_pull_error(message, expected):
    assert pull_error(message) == expected


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (3, "application-defined error"),  # the first code past the shell's own
        (125, "application-defined error"),
        (129, "killed by signal 1 (SIGHUP)"),
        (159, "killed by signal 31 (SIGSYS)"),
        (160, "exit status out of the usual range"),  # past the signals (128 + 31)
        (254, "exit status out of the usual range"),
    ],
)
def test_exit_code_ranges(code, meaning):
    assert exit_code_meaning(code) == meaning


def test_a_long_pull_error_is_cut_at_240_characters():
    err = "rpc error: code = NotFound desc = failed to pull and unpack image " + "x" * 300
    pod = status_pod(
        containerStatuses=[
            _cs(state={"waiting": {"reason": "ErrImagePull", "message": err}}, image="registry.example/app:1")
        ]
    )
    (r,) = container_reports(pod)
    sentence = r.waiting_sentence()
    head = "Container app cannot pull its image (ErrImagePull): "
    assert sentence.startswith(head) and len(sentence) == len(head) + 240
