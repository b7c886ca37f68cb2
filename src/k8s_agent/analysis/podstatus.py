"""Pod and container state, read the way kubectl and the kubelet mean it.

* :func:`kubectl_status` is the STATUS column of ``kubectl get pods`` (kubernetes ``printPod``:
  ``Init:N/M``, ``Init:<reason>``, waiting/terminated reasons, ``Signal:N`` / ``ExitCode:N``, pod
  ``status.reason``, ``SchedulingGated``, ``NotReady``, ``Terminating``, ``Unknown`` for a deleted NodeLost pod).
* :func:`container_reports` reads every container status (init containers first) into a
  :class:`ContainerReport`: waiting reason and message, current and last termination, OOM kills whatever the
  exit code, StartError (exit 128, ``startedAt`` 1970), ContainerStatusUnknown, the crash back-off delay and
  the image-pull error embedded in waiting messages.
* :func:`exit_code_meaning` explains an exit code (128+n is signal n; 137 is SIGKILL, *not* "OOM": only the
  termination reason says OOMKilled).

Pure functions over decoded :class:`~k8s_agent.kube.models.Pod` objects; no I/O, no clock.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime

from k8s_agent.analysis.kube import is_sidecar
from k8s_agent.analysis.text import human_duration, one_line
from k8s_agent.kube.models import Container, ContainerStateTerminated, ContainerStatus, Pod

# kubelet / runtime reason strings ------------------------------------------------------------------------
#: waiting reasons that mean the image cannot be pulled (pkg/kubelet/images/types.go)
IMAGE_PULL_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "ErrImageNeverPull",
        "ImageInspectError",
        "RegistryUnavailable",
        "SignatureValidationFailed",
    }
)
#: waiting reasons that mean the container could not be created or started (it never ran)
START_FAILURE_REASONS = frozenset(
    {
        "CreateContainerConfigError",
        "CreateContainerError",
        "PreCreateHookError",
        "PreStartHookError",
        "PostStartHookError",
        "RunContainerError",
        "RunInitContainerError",
        "VerifyNonRootError",
        "CreatePodSandboxError",
        "ConfigPodSandboxError",
        "KillPodSandboxError",
    }
)
#: waiting reasons that are just "not started yet"
BENIGN_WAITING_REASONS = frozenset({"ContainerCreating", "PodInitializing"})
#: terminated reasons of the out-of-memory killer (the 2014 spelling included)
OOM_REASONS = frozenset({"OOMKilled", "OOM Killed"})
#: terminated reasons of a container the runtime could not start
START_ERROR_REASONS = frozenset({"StartError", "ContainerCannotRun"})

NODE_LOST = "NodeLost"  # NodeUnreachablePodReason

# Linux signal numbers (the container runtime reports Linux numbers whatever the client platform).
SIGNALS = {
    1: "SIGHUP",
    2: "SIGINT",
    3: "SIGQUIT",
    4: "SIGILL",
    5: "SIGTRAP",
    6: "SIGABRT",
    7: "SIGBUS",
    8: "SIGFPE",
    9: "SIGKILL",
    10: "SIGUSR1",
    11: "SIGSEGV",
    12: "SIGUSR2",
    13: "SIGPIPE",
    14: "SIGALRM",
    15: "SIGTERM",
    16: "SIGSTKFLT",
    17: "SIGCHLD",
    18: "SIGCONT",
    19: "SIGSTOP",
    20: "SIGTSTP",
    21: "SIGTTIN",
    22: "SIGTTOU",
    24: "SIGXCPU",
    25: "SIGXFSZ",
    31: "SIGSYS",
}

_EXIT_CODES = {
    0: "success",
    1: "generic application error",
    2: "misuse of a shell builtin or application-defined error",
    126: "command found but not executable",
    127: "command not found",
    128: "the runtime could not start the process (StartError)",
    130: "interrupted by SIGINT",
    134: "aborted by SIGABRT (abort/assert failure, JVM crash)",
    137: "killed by SIGKILL (OOM kill, kill after the grace period, or liveness-probe restart; check the reason)",
    139: "segmentation fault (SIGSEGV)",
    143: "terminated by SIGTERM (graceful stop: rolling update, eviction or probe restart)",
    255: "exit status -1 or out of range (also the runtime's code after a node reboot)",
}


def signal_name(n: int) -> str:
    return SIGNALS.get(n, f"signal {n}")


def exit_code_meaning(code: int) -> str:
    """What an exit code usually means (Linux and shell conventions).

    137 is SIGKILL, which the OOM killer sends but so do the kubelet after a grace period and the runtime on
    a liveness-probe restart: only a termination reason of ``OOMKilled`` says the container ran out of memory.
    """
    if code in _EXIT_CODES:
        return _EXIT_CODES[code]
    if 128 < code < 160:
        n = code - 128
        return f"killed by signal {n} ({signal_name(n)})"
    if 2 < code < 126:
        return "application-defined error"
    return "exit status out of the usual range"


# back-off and pull-error parsing -----------------------------------------------------------------------
# "back-off 5m0s restarting failed container=x pod=..." (lowercase today), "Back-off 40s restarting ..." (2018)
_BACKOFF_RE = re.compile(r"back-off\s+(\d[\dhms.]*)\s+restarting", re.IGNORECASE)
# "Back-off pulling image "x": ErrImagePull: rpc error: ..." (1.28+); just "Back-off pulling image "x"" before
_PULL_BACKOFF_RE = re.compile(
    r'^back-off pulling image\s+"(?P<image>[^"]*)"(?::\s*(?P<err>.*))?$', re.I | re.S
)


def backoff_duration(message: str) -> str | None:
    """The crash back-off delay in a CrashLoopBackOff waiting message (``5m0s``, ``40s``), else None."""
    m = _BACKOFF_RE.search(message or "")
    return m.group(1) if m else None


def pull_error(message: str) -> str | None:
    """The pull error carried by an ImagePullBackOff / ErrImagePull waiting message, else None.

    ``Back-off pulling image "x": ErrImagePull: rpc error: ...`` gives ``ErrImagePull: rpc error: ...``; the old
    bare ``Back-off pulling image "x"`` carries no error (None); an ErrImagePull message is the error itself.
    """
    msg = (message or "").strip()
    if not msg:
        return None
    m = _PULL_BACKOFF_RE.match(msg)
    if m:
        err = (m.group("err") or "").strip()
        return err or None
    return msg


# kubectl STATUS column ---------------------------------------------------------------------------------


def _condition_true(pod: Pod, ctype: str) -> bool:
    return any(c.type == ctype and c.status == "True" for c in pod.status.conditions)


def _terminated_label(t: ContainerStateTerminated, prefix: str = "") -> str:
    if t.reason:
        return prefix + t.reason
    if t.signal:
        return f"{prefix}Signal:{t.signal}"
    return f"{prefix}ExitCode:{t.exit_code}"


@dataclass(frozen=True, slots=True)
class KubectlRow:
    """The READY, STATUS and RESTARTS columns of ``kubectl get pods`` for one pod."""

    ready: str  # "1/2"
    status: str  # "CrashLoopBackOff", "Init:1/2", "Terminating"...
    restarts: int  # the count kubectl shows
    last_restart: datetime | None  # when the most recent of those restarts ended (lastState.finishedAt)

    def restarts_text(self, now: datetime) -> str:
        """``4`` or ``4 (3m12s ago)``, as kubectl writes the column at ``now``."""
        if self.restarts == 0 or self.last_restart is None:
            return str(self.restarts)
        return f"{self.restarts} ({human_duration(now - self.last_restart)} ago)"


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if b is None:
        return a
    return b if a is None or b > a else a


def kubectl_row(pod: Pod) -> KubectlRow:
    """READY, STATUS and RESTARTS exactly as kubectl's pod printer computes them.

    * READY counts the app containers plus the restartable init containers (sidecars); a sidecar is ready
      when it has started and reports ready, an app container when it runs and reports ready.
    * STATUS: the pod's reason or phase, replaced by the first init container still in the way
      (``Init:<reason>`` or ``Init:<index>/<count>``), else by the last app container that waits or
      terminated; ``Running``/``NotReady`` when a container still runs after another completed;
      ``Terminating``/``Unknown`` while the pod is being deleted.
    * RESTARTS: while the pod initializes, the restarts of the init containers it went through; once it is
      initialized, the restarts of its sidecars and app containers only (finished init containers no longer
      count). The time shown is the latest ``lastState.terminated.finishedAt`` of the counted containers.
    """
    st = pod.status
    reason = st.reason or st.phase
    for cond in st.conditions:
        if cond.type == "PodScheduled" and cond.reason == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {c.name: c for c in pod.spec.init_containers}
    total = len(pod.spec.containers) + sum(1 for c in pod.spec.init_containers if is_sidecar(c))
    ready = 0
    restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None
    initializing = False
    for i, cs in enumerate(st.init_container_statuses):
        finished = cs.last_state.terminated.finished_at if cs.last_state.terminated is not None else None
        restarts += cs.restart_count
        last_restart = _later(last_restart, finished)
        spec = init_specs.get(cs.name)
        sidecar = spec is not None and is_sidecar(spec)
        if sidecar:
            sidecar_restarts += cs.restart_count
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        term = cs.state.terminated
        waiting = cs.state.waiting
        if term is not None and term.exit_code == 0:
            continue
        if sidecar and cs.started:
            if cs.ready:
                ready += 1
            continue
        if term is not None:
            reason = _terminated_label(term, "Init:")
        elif waiting is not None and waiting.reason and waiting.reason != "PodInitializing":
            reason = "Init:" + waiting.reason
        else:
            reason = f"Init:{i}/{len(pod.spec.init_containers)}"
        initializing = True
        break

    if not initializing or _condition_true(pod, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(st.container_statuses):
            restarts += cs.restart_count
            if cs.last_state.terminated is not None:
                last_restart = _later(last_restart, cs.last_state.terminated.finished_at)
            term = cs.state.terminated
            waiting = cs.state.waiting
            if waiting is not None and waiting.reason:
                reason = waiting.reason
            elif term is not None:
                reason = _terminated_label(term)
            elif cs.ready and cs.state.running is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(pod, "Ready") else "NotReady"

    if pod.metadata.deletion_timestamp is not None:
        if st.reason == NODE_LOST:
            reason = "Unknown"
        elif st.phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    # interned: the index keeps one row per pod, and a cluster has few distinct values of these columns
    return KubectlRow(sys.intern(f"{ready}/{total}"), sys.intern(reason), restarts, last_restart)


def kubectl_status(pod: Pod) -> str:
    """The STATUS column of ``kubectl get pods``."""
    return kubectl_row(pod).status


# container reports -------------------------------------------------------------------------------------
_EPOCH_YEAR = 1970


@dataclass(frozen=True, slots=True)
class Termination:
    """One termination of a container (its current state, or its last one)."""

    reason: str
    exit_code: int
    signal: int | None
    message: str
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, t: ContainerStateTerminated | None) -> Termination | None:
        if t is None:
            return None
        return cls(t.reason, t.exit_code, t.signal, (t.message or "").strip(), t.started_at, t.finished_at)

    @property
    def oom_killed(self) -> bool:
        """Killed by the OOM killer: the reason says so, whatever the exit code (1, 0 and 137 are all seen)."""
        return self.reason in OOM_REASONS

    @property
    def start_error(self) -> bool:
        """The runtime could not start the process (containerd StartError: exit 128, startedAt 1970)."""
        if self.reason in START_ERROR_REASONS:
            return True
        return self.exit_code == 128 and self.started_at is not None and self.started_at.year == _EPOCH_YEAR

    @property
    def status_unknown(self) -> bool:
        """kubelet lost the container (evicted/node-lost pods); the 137 exit code is synthetic."""
        return self.reason == "ContainerStatusUnknown"

    @property
    def failed(self) -> bool:
        return self.exit_code != 0 or self.oom_killed or self.start_error or bool(self.signal)

    def describe(self) -> str:
        """``exited with code 1 (generic application error)``, ``was killed by signal 9 (SIGKILL)``..."""
        if self.start_error:
            text = f"could not be started ({self.reason or 'StartError'}, exit code {self.exit_code})"
        elif self.status_unknown:
            text = "was lost by the kubelet (ContainerStatusUnknown; exit code 137 is synthetic)"
        elif self.signal and not self.exit_code:
            text = f"was killed by signal {self.signal} ({signal_name(self.signal)})"
        else:
            text = f"exited with code {self.exit_code} ({exit_code_meaning(self.exit_code)})"
            if self.reason and self.reason not in ("Error", "Completed"):
                text += f", reason {self.reason}"
        return text


@dataclass(frozen=True, slots=True)
class ContainerReport:
    """What one container status says, in the terms both analyses use."""

    name: str
    init: bool
    sidecar: bool
    ready: bool
    running: bool
    restart_count: int
    waiting_reason: str
    waiting_message: str
    terminated: Termination | None
    last_terminated: Termination | None
    memory_limit: str | None

    @property
    def label(self) -> str:
        """``Container app`` / ``Init container downloader`` (the start of every sentence about it)."""
        return f"{'Init container' if self.init else 'Container'} {self.name}"

    @property
    def backoff(self) -> str | None:
        if self.waiting_reason != "CrashLoopBackOff":
            return None
        return backoff_duration(self.waiting_message)

    @property
    def pull_error(self) -> str | None:
        if self.waiting_reason not in IMAGE_PULL_REASONS:
            return None
        return pull_error(self.waiting_message)

    @property
    def oom_termination(self) -> Termination | None:
        """The current or the last termination if it was an OOM kill."""
        for t in (self.terminated, self.last_terminated):
            if t is not None and t.oom_killed:
                return t
        return None

    @property
    def crash_termination(self) -> Termination | None:
        """The most telling failed termination: the current one, else the last one (``lastState``)."""
        for t in (self.terminated, self.last_terminated):
            if t is not None and t.failed:
                return t
        return None

    @property
    def troubled(self) -> bool:
        return bool(
            (self.waiting_reason and self.waiting_reason not in BENIGN_WAITING_REASONS)
            or self.crash_termination is not None
            or self.restart_count > 0
        )

    def oom_sentence(self) -> str | None:
        t = self.oom_termination
        if t is None:
            return None
        limit = f"memory limit {self.memory_limit}" if self.memory_limit else "no memory limit set"
        return f"{self.label} was OOMKilled ({limit})"

    def termination_sentence(self) -> str | None:
        """``Container app exited with code 1 (generic application error)`` from the current or last state;
        None for OOM kills (see :meth:`oom_sentence`: their exit code says nothing)."""
        t = self.crash_termination
        if t is None or t.oom_killed:
            return None
        text = f"{self.label} {t.describe()}"
        if (t.start_error or t.status_unknown) and t.message:
            text += f": {one_line(t.message, 240)}"
        return text

    def restart_sentence(self) -> str | None:
        if self.restart_count <= 0:
            return None
        times = "time" if self.restart_count == 1 else "times"
        return f"{self.label} has restarted {self.restart_count} {times}"

    def waiting_sentence(self) -> str | None:
        """The waiting state when it is a problem: back-off delay, pull error, configuration error."""
        r = self.waiting_reason
        if not r or r in BENIGN_WAITING_REASONS:
            return None
        if r == "CrashLoopBackOff":
            delay = self.backoff
            tail = f" (back-off {delay} before the next restart)" if delay else ""
            return f"{self.label} is waiting in CrashLoopBackOff{tail}"
        if r in IMAGE_PULL_REASONS:
            err = self.pull_error
            return f"{self.label} cannot pull its image ({r})" + (f": {one_line(err, 240)}" if err else "")
        if self.waiting_message:
            return f"{self.label} is waiting in {r}: {one_line(self.waiting_message, 240)}"
        return f"{self.label} is waiting in {r}"


def _report(cs: ContainerStatus, spec: Container | None, init: bool) -> ContainerReport:
    waiting = cs.state.waiting
    limit = spec.resources.limits.get("memory") if spec is not None else None
    return ContainerReport(
        name=cs.name,
        init=init,
        sidecar=init and spec is not None and is_sidecar(spec),
        ready=cs.ready,
        running=cs.state.running is not None,
        restart_count=cs.restart_count,
        waiting_reason=waiting.reason if waiting is not None else "",
        waiting_message=(waiting.message or "").strip() if waiting is not None else "",
        terminated=Termination.of(cs.state.terminated),
        last_terminated=Termination.of(cs.last_state.terminated),
        memory_limit=limit,
    )


def container_reports(pod: Pod) -> list[ContainerReport]:
    """One report per container status: init containers first (in order), then the app containers."""
    init_specs = {c.name: c for c in pod.spec.init_containers}
    specs = {c.name: c for c in pod.spec.containers}
    out = [_report(cs, init_specs.get(cs.name), True) for cs in pod.status.init_container_statuses]
    out.extend(_report(cs, specs.get(cs.name), False) for cs in pod.status.container_statuses)
    return out


def total_restarts(pod: Pod) -> int:
    """Restarts of app and init containers together (what the namespace analysis compares to its threshold)."""
    return sum(cs.restart_count for cs in pod.status.container_statuses) + sum(
        cs.restart_count for cs in pod.status.init_container_statuses
    )


def is_evicted(pod: Pod) -> bool:
    """Evicted by the kubelet: ``status.reason: Evicted``, or (1.26+, reason absent) a Failed pod whose
    DisruptionTarget condition says the kubelet or the eviction API terminated it."""
    if pod.status.reason == "Evicted":
        return True
    if pod.status.phase != "Failed" or pod.status.reason:
        return False
    return any(
        c.type == "DisruptionTarget"
        and c.status == "True"
        and c.reason in ("TerminationByKubelet", "EvictionByEvictionAPI")
        for c in pod.status.conditions
    )
