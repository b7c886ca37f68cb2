"""Failure-event analysis: which events signal trouble, what kind, how bad, how often, and what to do.

Classification is deterministic and looks at the reason **and** the message, because one reason covers
several failures:

* ``BackOff`` is an image-pull back-off (a *Normal* event: ``Back-off pulling image "x"``) or a crash back-off
  (``Back-off restarting failed container``), by its message;
* ``Failed`` is ImagePull (``Failed to pull image``, ``Error: ErrImagePull``, ``Error: ImagePullBackOff``), a
  configuration error (``Error: secret "x" not found``, ``couldn't find key``: category Other, as the
  container never ran) or ContainerCrash (StartError ``Error: failed to create containerd task`` and any other
  ``Error: ...`` of container creation);
* ``Killing`` is a Probe failure when the message says ``failed liveness/startup probe``, else routine;
* ``FailedMount`` of ``configmap "kube-root-ca.crt" not found`` is a transient warning, other mount and attach
  failures are critical.

Which events are failures: every event whose severity comes out ``critical`` or ``warning``. Warning events
are at least ``warning`` (unknown reasons: category guessed from the reason's words, cause "Check event message
for details"), except the routine reasons of the info table (``ProbeWarning``: a probe that passed with a
warning). Normal events are failures only when they are known failure signals (``Back-off pulling image``,
``Killing`` on a probe, ``Preempted``, ``TaintManagerEviction``, ``NotTriggerScaleUp``, node pressure and
NotReady events) or when they repeat (count >= 5) **and** their reason is not a routine lifecycle
reason: a Normal ``Pulled``/``Created``/``Started``/``Scheduled`` repeated 50 times is a symptom of a restart
loop whose cause is reported by its own Warning events, so it stays ``info`` and out of the list;
``SandboxChanged`` repeated >= 5 times becomes a warning (the sandbox keeps being re-created).

Recurrence: ``isRecurring`` when count > 3; for recurring events ``recurrenceRate`` is count / span in
hours, 1 decimal, always "per hour" (also for spans under an hour, so rates compare), null for a zero span; counts and times come from both event shapes (``count``/``first``/
``lastTimestamp`` or ``eventTime``/``series``), a null or zero count meaning once. ``ongoingIssues``: failure
events (critical **or** warning) last seen strictly within the last 5 minutes,
``"<reason>: <message>"`` cut to 100 characters (never inside a UTF-8 sequence).

``possibleCauses`` starts with what the message tells (missing Secret name, pull error, scheduler summary), or
the generic causes for the reason, then adds what the pod's own state says (exit code of the current **or last**
termination, OOM kills whatever the exit code with the memory limit, restarts, back-off delay, pull error),
restricted to the container named by the event's ``fieldPath`` when it names one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from k8s_agent.analysis.kube import (
    controller,
    event_count,
    event_first_time,
    event_last_time,
    event_message,
    event_source,
    events_about,
    pod_start,
)
from k8s_agent.analysis.podstatus import (
    IMAGE_PULL_REASONS,
    START_FAILURE_REASONS,
    ContainerReport,
    container_reports,
    kubectl_status,
)
from k8s_agent.analysis.text import compact_duration, dedupe, rfc3339, shorten
from k8s_agent.kube.models import Event, Pod
from k8s_agent.schemas.failure_events import (
    Category,
    FailureEvent,
    InvolvedObject,
    PodFailureEvents,
    RecentIssue,
    Severity,
)

CRITICAL: Final = "critical"
WARNING: Final = "warning"
INFO: Final = "info"
SEVERITY_WEIGHT = {CRITICAL: 3, WARNING: 2, INFO: 1}

#: failure events whose last occurrence is within this window are "ongoing"
ONGOING_WINDOW = timedelta(minutes=5)
#: ongoing-issue strings are cut to this many characters (not bytes)
ONGOING_MAX_CHARS = 100
#: count > this makes an event recurring
RECURRING_AFTER = 3
#: a Normal event with an unknown reason repeated this often is a failure signal
HIGH_FREQUENCY_COUNT = 5

GENERIC_CAUSE = "Check event message for details"
GENERIC_ACTION = "Investigate based on event message"


@dataclass(frozen=True, slots=True)
class Classification:
    """How an event is read: its category and severity, causes and action from the event itself, and the
    ``topic`` that says which part of the pod's state explains it further."""

    category: Category
    severity: Severity
    causes: tuple[str, ...]
    action: str
    topic: str = ""  # crash | pull | config | probe | oom | evict | node | ""

    @property
    def is_failure(self) -> bool:
        return self.severity in (CRITICAL, WARNING)


def _c(
    category: Category, severity: Severity, causes: Iterable[str], action: str, topic: str = ""
) -> Classification:
    return Classification(category, severity, tuple(causes), action, topic)


# ------------------------------------------------------------------------------------------ fixed rules
_CRASH_CAUSES = ("Application crash", "Missing dependencies", "Configuration error")
_CRASH_ACTION = "Examine container logs and fix application startup issues"
_PULL_CAUSES = ("Image not found", "Registry authentication failure", "Network issues")
_PULL_ACTION = "Verify image name and registry credentials"
_PROBE_ACTION = "Review probe configuration and application health endpoints"
_MOUNT_CAUSES = ("Volume not ready", "Mount permissions", "Filesystem issues")
_MOUNT_ACTION = "Verify volume is properly provisioned and accessible"
_ATTACH_CAUSES = ("Volume already attached", "Volume not found", "Zone mismatch")
_ATTACH_ACTION = "Check volume status and node availability zones"
_OOM_CAUSES = ("Memory limit exceeded", "Memory leak", "Insufficient memory allocation")
_OOM_ACTION = "Increase memory limits or optimize application memory usage"
_EVICT_CAUSES = ("Node pressure", "Resource limits", "Priority preemption")
_EVICT_ACTION = "Check node resources and pod priority settings"
_SANDBOX_CAUSES = (
    "CNI plugin failed to set up the pod network",
    "Pod IP addresses exhausted",
    "Container runtime error",
)
_SANDBOX_ACTION = "Check the CNI plugin and container runtime on the node"
_SCHED_CAUSES = ("Insufficient resources", "Node selector mismatch", "Affinity rules", "Taints not tolerated")
_SCHED_ACTION = "Check node resources and scheduling constraints"
_CONFIG_CAUSES = ("Referenced Secret, ConfigMap or key does not exist", "Invalid container configuration")
_CONFIG_ACTION = (
    "Create the missing Secret/ConfigMap/key or fix the container's env, envFrom and volume references"
)
_START_CAUSES = ("Command or entrypoint not found or not executable in the image", "Container runtime error")
_START_ACTION = "Fix the container command/args or the image, then check the runtime error in the message"
_INFO_ACTION = "No action needed"

_FIXED: dict[str, Classification] = {
    # Scheduling
    "FailedScheduling": _c("Scheduling", CRITICAL, _SCHED_CAUSES, _SCHED_ACTION),
    "Preempted": _c(
        "Scheduling",
        WARNING,
        ["Preempted by a higher-priority pod"],
        "Give the workload a higher PriorityClass or add capacity",
    ),
    "GotPreempted": _c(
        "Scheduling",
        WARNING,
        ["Preempted by a higher-priority pod"],
        "Give the workload a higher PriorityClass or add capacity",
    ),
    "MatchNodeSelector": _c(
        "Scheduling",
        CRITICAL,
        ["Kubelet rejected the pod: node labels do not match its node selector/affinity"],
        "Fix the pod's nodeSelector/affinity or the node's labels",
    ),
    "NodeAffinity": _c(
        "Scheduling",
        CRITICAL,
        ["Kubelet rejected the pod: node labels do not match its node selector/affinity"],
        "Fix the pod's nodeSelector/affinity or the node's labels",
    ),
    "NodeSelectorMismatching": _c(
        "Scheduling",
        CRITICAL,
        ["Kubelet rejected the pod: node labels do not match its node selector"],
        "Fix the pod's nodeSelector or the node's labels",
    ),
    "HostPortConflict": _c(
        "Scheduling",
        CRITICAL,
        ["Host port already in use on the node"],
        "Use another hostPort or drop it",
    ),
    "NotTriggerScaleUp": _c(
        "Scheduling",
        WARNING,
        ["Cluster autoscaler found no node group that could fit the pod"],
        "Check node group sizes, limits and the pod's constraints",
    ),
    "Scheduled": _c("Scheduling", INFO, [], _INFO_ACTION),
    "TriggeredScaleUp": _c("Scheduling", INFO, [], _INFO_ACTION),
    # ImagePull
    "ErrImageNeverPull": _c(
        "ImagePull",
        CRITICAL,
        ["Image not present on the node and imagePullPolicy is Never"],
        "Pre-load the image on the node or change imagePullPolicy",
    ),
    "InspectFailed": _c(
        "ImagePull",
        CRITICAL,
        ["Invalid image reference", "Image could not be inspected on the node"],
        "Fix the image name",
        "pull",
    ),
    "ImagePullBackOff": _c("ImagePull", CRITICAL, _PULL_CAUSES, _PULL_ACTION, "pull"),
    "ErrImagePull": _c(
        "ImagePull",
        CRITICAL,
        ["Invalid image name", "Registry unreachable", "No pull secrets"],
        "Check image availability and pull secrets",
        "pull",
    ),
    "Pulling": _c("ImagePull", INFO, [], _INFO_ACTION),
    "Pulled": _c("ImagePull", INFO, [], _INFO_ACTION),
    # ContainerCrash
    "CrashLoopBackOff": _c("ContainerCrash", CRITICAL, _CRASH_CAUSES, _CRASH_ACTION, "crash"),
    "FailedPostStartHook": _c(
        "ContainerCrash",
        CRITICAL,
        ["postStart hook failed, so the container was killed"],
        "Fix the postStart hook command (its output is in the message or, since 1.26, the kubelet log)",
        "crash",
    ),
    # Volume
    "FailedAttachVolume": _c("Volume", CRITICAL, _ATTACH_CAUSES, _ATTACH_ACTION),
    "FailedMapVolume": _c("Volume", CRITICAL, _MOUNT_CAUSES, _MOUNT_ACTION),
    "FailedMountOnFilesystemMismatch": _c(
        "Volume", CRITICAL, ["Volume filesystem does not match the requested fsType"], _MOUNT_ACTION
    ),
    "FailedUnMount": _c("Volume", WARNING, ["Volume could not be unmounted"], _MOUNT_ACTION),
    "FailedDetachVolume": _c("Volume", WARNING, ["Volume could not be detached"], _ATTACH_ACTION),
    "ProvisioningFailed": _c(
        "Volume",
        CRITICAL,
        ["StorageClass provisioner failed to create the volume"],
        "Check the StorageClass, its provisioner and quotas",
    ),
    "FailedBinding": _c(
        "Volume",
        CRITICAL,
        ["No PersistentVolume matches the claim and no StorageClass can provision one"],
        "Create a matching PersistentVolume or set a StorageClass",
    ),
    "VolumeResizeFailed": _c(
        "Volume", WARNING, ["Volume expansion failed"], "Check the CSI driver and StorageClass"
    ),
    "FileSystemResizeFailed": _c(
        "Volume", WARNING, ["Filesystem expansion failed"], "Check the CSI driver and the node's kubelet log"
    ),
    "SuccessfulAttachVolume": _c("Volume", INFO, [], _INFO_ACTION),
    "SuccessfulMountVolume": _c("Volume", INFO, [], _INFO_ACTION),
    "AlreadyMountedVolume": _c("Volume", INFO, [], _INFO_ACTION),
    "VolumeResizeSuccessful": _c("Volume", INFO, [], _INFO_ACTION),
    "FileSystemResizeSuccessful": _c("Volume", INFO, [], _INFO_ACTION),
    "WaitForFirstConsumer": _c("Volume", INFO, [], _INFO_ACTION),
    "ExternalProvisioning": _c("Volume", INFO, [], _INFO_ACTION),
    # Network
    "FailedCreatePodSandBox": _c("Network", CRITICAL, _SANDBOX_CAUSES, _SANDBOX_ACTION),
    "FailedPodSandBoxStatus": _c("Network", CRITICAL, _SANDBOX_CAUSES, _SANDBOX_ACTION),
    "NetworkNotReady": _c(
        "Network",
        CRITICAL,
        ["CNI plugin not ready on the node", "Node networking still initialising"],
        "Check the network plugin pods and their logs on the node",
    ),
    "DNSConfigForming": _c(
        "Network",
        WARNING,
        ["Node resolv.conf has more nameservers or search domains than the pod DNS config allows"],
        "Trim the node's resolv.conf or set the pod's dnsConfig",
    ),
    "MissingClusterDNS": _c(
        "Network",
        WARNING,
        ["Kubelet has no clusterDNS configured, so ClusterFirst DNS falls back to Default"],
        "Configure the kubelet's clusterDNS or set dnsPolicy explicitly",
    ),
    "SandboxChanged": _c("Network", INFO, [], _INFO_ACTION),
    # Resource
    "Evicted": _c("Resource", CRITICAL, _EVICT_CAUSES, _EVICT_ACTION, "evict"),
    "OOMKilled": _c("Resource", CRITICAL, _OOM_CAUSES, _OOM_ACTION, "oom"),
    "SystemOOM": _c(
        "Resource",
        CRITICAL,
        ["Node ran out of memory (system OOM killer)", "Pods without memory limits on the node"],
        "Set memory limits on the node's pods and check the node's memory usage",
        "node",
    ),
    "OOMKilling": _c(
        "Resource",
        CRITICAL,
        ["Kernel OOM killer ran on the node"],
        "Set memory limits on the node's pods and check the node's memory usage",
        "node",
    ),
    "Preempting": _c(
        "Resource",
        WARNING,
        ["Kubelet preempted the pod to admit a critical pod"],
        "Add capacity to the node or lower the critical pods' requests",
        "evict",
    ),
    "UnexpectedAdmissionError": _c(
        "Resource",
        CRITICAL,
        ["Kubelet could not admit the pod (device plugin or resource allocation failure)"],
        "Check the node's device plugins and kubelet log",
    ),
    "EvictionThresholdMet": _c(
        "Resource",
        WARNING,
        ["Node reached an eviction threshold"],
        "Free resources on the node or add capacity",
        "node",
    ),
    "NodeHasDiskPressure": _c(
        "Resource", WARNING, ["Node is under disk pressure"], "Free disk space on the node", "node"
    ),
    "NodeHasInsufficientMemory": _c(
        "Resource",
        WARNING,
        ["Node is under memory pressure"],
        "Free memory on the node or add capacity",
        "node",
    ),
    "NodeHasInsufficientPID": _c(
        "Resource",
        WARNING,
        ["Node is running out of process IDs"],
        "Find the process-hungry pods on the node",
        "node",
    ),
    "FreeDiskSpaceFailed": _c(
        "Resource",
        WARNING,
        ["Image garbage collection could not free enough disk"],
        "Free disk space on the node",
    ),
    "ImageGCFailed": _c(
        "Resource", WARNING, ["Image garbage collection failed"], "Free disk space on the node"
    ),
    "InvalidDiskCapacity": _c(
        "Resource", WARNING, ["Kubelet saw an invalid image filesystem capacity"], GENERIC_ACTION
    ),
    # Probe
    "ProbeWarning": _c("Probe", INFO, [], _INFO_ACTION),
    # Other
    "NodeNotReady": _c(
        "Other",
        CRITICAL,
        ["Node is not ready: kubelet stopped reporting, network partition or node failure"],
        "Check the node's conditions and its kubelet",
        "node",
    ),
    "Rebooted": _c("Other", WARNING, ["Node rebooted"], "Check why the node rebooted", "node"),
    "FailedKillPod": _c(
        "Other",
        WARNING,
        ["Pod sandbox could not be stopped (often the CNI plugin)"],
        "Check the CNI plugin and container runtime on the node",
    ),
    "FailedPreStopHook": _c("Other", WARNING, ["preStop hook failed"], "Fix the preStop hook command"),
    "ExceededGracePeriod": _c(
        "Other",
        WARNING,
        ["Container did not stop within its termination grace period"],
        "Handle SIGTERM in the application or raise terminationGracePeriodSeconds",
    ),
    "FailedSync": _c("Other", WARNING, [GENERIC_CAUSE], GENERIC_ACTION),
    "FailedValidation": _c("Other", WARNING, ["Pod spec rejected by the kubelet"], "Fix the pod spec"),
    "FailedCreatePodContainer": _c(
        "Other",
        CRITICAL,
        ["Kubelet could not create the pod's cgroup"],
        "Check the kubelet and container runtime on the node",
    ),
    "KubeletSetupFailed": _c(
        "Other", CRITICAL, ["Kubelet failed to start"], "Check the kubelet on the node", "node"
    ),
    "ContainerGCFailed": _c(
        "Other", WARNING, ["Container garbage collection failed"], "Check the container runtime"
    ),
    "NodeShutdown": _c(
        "Other", WARNING, ["Node is shutting down"], "Wait for the pod to be rescheduled on another node"
    ),
    "DeadlineExceeded": _c(
        "Other",
        WARNING,
        ["Pod ran longer than its activeDeadlineSeconds"],
        "Raise activeDeadlineSeconds or speed up the workload",
    ),
    "Created": _c("Other", INFO, [], _INFO_ACTION),
    "Started": _c("Other", INFO, [], _INFO_ACTION),
    "SuccessfulCreate": _c("Other", INFO, [], _INFO_ACTION),
    "SuccessfulDelete": _c("Other", INFO, [], _INFO_ACTION),
    "ScalingReplicaSet": _c("Other", INFO, [], _INFO_ACTION),
    "NodeReady": _c("Other", INFO, [], _INFO_ACTION),
    "NodeSchedulable": _c("Other", INFO, [], _INFO_ACTION),
    "NodeNotSchedulable": _c("Other", INFO, [], _INFO_ACTION),
    "Starting": _c("Other", INFO, [], _INFO_ACTION),
    "RegisteredNode": _c("Other", INFO, [], _INFO_ACTION),
    "NodeAllocatableEnforced": _c("Other", INFO, [], _INFO_ACTION),
    "NodeHasSufficientMemory": _c("Other", INFO, [], _INFO_ACTION),
    "NodeHasNoDiskPressure": _c("Other", INFO, [], _INFO_ACTION),
    "NodeHasSufficientPID": _c("Other", INFO, [], _INFO_ACTION),
}

#: routine lifecycle reasons: never failures, however often they repeat
_ROUTINE = frozenset(r for r, c in _FIXED.items() if c.severity == INFO) | {"Killing"}
#: routine reasons that do signal trouble when they keep repeating
_ESCALATE_WHEN_FREQUENT = {
    "SandboxChanged": _c(
        "Network",
        WARNING,
        ["Pod sandbox keeps being re-created (network plugin, runtime or cgroup problems)"],
        "Check the CNI plugin and container runtime logs on the node",
    ),
}

#: reasons of Node events that can explain a pod's trouble (the rest is about the node alone)
NODE_REASONS = frozenset(
    {
        "NodeNotReady",
        "SystemOOM",
        "OOMKilling",
        "Rebooted",
        "EvictionThresholdMet",
        "NodeHasDiskPressure",
        "NodeHasInsufficientMemory",
        "NodeHasInsufficientPID",
        "FreeDiskSpaceFailed",
        "ImageGCFailed",
        "ContainerGCFailed",
        "NetworkNotReady",
        "KernelDeadlock",
        "TaskHung",
        "KernelOops",
        "NodeShutdown",
    }
)

# Unknown reasons: the category is guessed from the reason's words, in this fixed order.
_REASON_WORDS: tuple[tuple[tuple[str, ...], Category], ...] = (
    (("schedul", "preempt", "affinity"), "Scheduling"),
    (("image", "pull"), "ImagePull"),
    (("oom", "evict", "quota", "outof", "pressure", "memory", "disk"), "Resource"),
    (("volume", "mount", "attach", "provision", "pvc", "claim"), "Volume"),
    (("probe", "unhealthy", "liveness", "readiness"), "Probe"),
    (("network", "sandbox", "dns", "cni", "ip"), "Network"),
    (("backoff", "crash", "hook", "container"), "ContainerCrash"),
)


def _category_from_reason(reason: str) -> Category:
    low = reason.lower()
    for words, category in _REASON_WORDS:
        if any(w in low for w in words):
            return category
    return "Other"


# ------------------------------------------------------------------------------------------ message rules
_PULL_ERROR_PREFIXES = (
    "error: errimagepull",
    "error: imagepullbackoff",
    "error: invalidimagename",
    "error: errimageneverpull",
    "error: imageinspecterror",
    "error: registryunavailable",
    "error: signaturevalidationfailed",
)
_CONFIG_RE = re.compile(
    r'(secrets?|configmaps?) "[^"]*" not found|couldn\'t find key|runasnonroot|'
    r"failed to sync (secret|configmap) cache|subpath|couldn't get (secret|configmap)|"
    r"failed to (prepare|resolve) .*(env|volume)",
    re.IGNORECASE,
)
_NOT_FOUND_RE = re.compile(r'(secret|configmap)s? "([^"]+)" not found', re.IGNORECASE)
_MISSING_KEY_RE = re.compile(r"couldn't find key (\S+) in (Secret|ConfigMap) (\S+)", re.IGNORECASE)
_PROBE_RE = re.compile(r"failed (liveness|startup) probe", re.IGNORECASE)
_LOW_ON_RE = re.compile(r"low on resource: (\[)?([\w\-, ]+?)\]?\.", re.IGNORECASE)
_HAD_CONDITION_RE = re.compile(r"had condition: \[([\w, ]+)\]", re.IGNORECASE)
_QUOTA_EXCEEDED_RE = re.compile(r"exceeded quota: ([^,]+)", re.IGNORECASE)
_QUOTA_MUST_RE = re.compile(r"failed quota: ([^:]+): must specify ([\w.,]+)", re.IGNORECASE)
_SCHED_SUMMARY_RE = re.compile(r"(\d+/\d+ nodes are available:.*?)(?:\.?\s+preemption:.*)?$", re.S)
_MULTI_ATTACH = "multi-attach error"


def _pull_causes(message: str) -> list[str]:
    """Causes read off a pull error (containerd/docker wording), most specific first."""
    low = message.lower()
    out: list[str] = []
    if "invalid reference format" in low or "couldn't parse image name" in low or "invalidimagename" in low:
        out.append("Invalid image name")
    if "not found" in low or "manifest unknown" in low or "does not exist" in low:
        out.append("Image or tag not found in the registry")
    if any(w in low for w in ("unauthorized", "authentication required", "denied", "403 forbidden", "401")):
        out.append("Registry authentication failure (missing or wrong imagePullSecrets)")
    if any(w in low for w in ("toomanyrequests", "rate limit")):
        out.append("Registry rate limit reached")
    if any(
        w in low
        for w in ("no such host", "dial tcp", "i/o timeout", "connection refused", "tls handshake", "x509")
    ):
        out.append("Registry unreachable from the node (DNS, network, proxy or TLS)")
    if any(w in low for w in ("failed size validation", "unexpected eof", "short read", "no space left")):
        out.append("Image download interrupted or corrupted (or the node's disk is full)")
    return out


def _config_causes(message: str) -> list[str]:
    m = _NOT_FOUND_RE.search(message)
    if m:
        kind = "Secret" if m.group(1).lower().startswith("secret") else "ConfigMap"
        return [f'{kind} "{m.group(2)}" does not exist in the namespace']
    m = _MISSING_KEY_RE.search(message)
    if m:
        return [f"Key {m.group(1)} is missing from {m.group(2)} {m.group(3)}"]
    if "runasnonroot" in message.lower():
        return ["runAsNonRoot is set but the image runs as root"]
    return list(_CONFIG_CAUSES)


def _classify_failed(message: str) -> Classification:
    low = message.lower()
    if (
        low.startswith("failed to pull image")
        or low.startswith("failed to inspect image")
        or low.startswith(_PULL_ERROR_PREFIXES)
    ):
        causes = _pull_causes(message) or list(_PULL_CAUSES)
        action = "Check image availability and pull secrets" if "errimagepull" in low else _PULL_ACTION
        return _c("ImagePull", CRITICAL, causes, action, "pull")
    if _CONFIG_RE.search(message):
        return _c("Other", CRITICAL, _config_causes(message), _CONFIG_ACTION, "config")
    if low.startswith("error:") or "oci runtime" in low or "failed to create containerd task" in low:
        causes = list(_START_CAUSES)
        if "executable file not found" in low or "no such file or directory" in low:
            causes = ["Command or entrypoint not found in the image", "Container runtime error"]
        elif "permission denied" in low:
            causes = ["Command or entrypoint not executable (permission denied)", "Container runtime error"]
        return _c("ContainerCrash", CRITICAL, causes, _START_ACTION, "crash")
    return _c("Other", WARNING, [GENERIC_CAUSE], GENERIC_ACTION)


def _classify_mount(message: str) -> Classification:
    low = message.lower()
    if 'configmap "kube-root-ca.crt" not found' in low:
        return _c(
            "Volume",
            WARNING,
            ["kube-root-ca.crt ConfigMap not yet published to the namespace (usually transient)"],
            "Wait a few seconds; if it persists check kube-controller-manager's root-ca-cert-publisher",
        )
    m = _NOT_FOUND_RE.search(message)
    if m:
        kind = "Secret" if m.group(1).lower().startswith("secret") else "ConfigMap"
        return _c(
            "Volume",
            CRITICAL,
            [f'{kind} "{m.group(2)}" used as a volume does not exist'],
            f"Create the {kind} or mark the volume optional",
        )
    if "hostpath type check failed" in low:
        return _c(
            "Volume",
            CRITICAL,
            ["hostPath does not exist on the node or has the wrong type"],
            "Create the path on the node or fix the hostPath type",
        )
    if "timed out waiting for the condition" in low or "unmounted volumes" in low:
        return _c(
            "Volume",
            CRITICAL,
            [
                "Volume could not be attached or mounted in time",
                "Missing or unbound PersistentVolumeClaim",
                "Storage backend slow or unavailable",
            ],
            _MOUNT_ACTION,
        )
    return _FIXED_MOUNT


_FIXED_MOUNT = _c("Volume", CRITICAL, _MOUNT_CAUSES, _MOUNT_ACTION)


def _classify_attach(message: str) -> Classification:
    if _MULTI_ATTACH in message.lower():
        return _c(
            "Volume",
            CRITICAL,
            ["ReadWriteOnce volume is still attached to another node"],
            "Wait for the old node to detach it, or remove the stale pod/VolumeAttachment",
        )
    return _FIXED["FailedAttachVolume"]


def _classify_unhealthy(message: str) -> Classification:
    low = message.lower()
    causes: list[str] = []
    if low.startswith("liveness"):
        causes.append("Liveness probe failure: the container will be restarted")
    elif low.startswith("readiness"):
        causes.append("Readiness probe failure: the pod is removed from Service endpoints")
    elif low.startswith("startup"):
        causes.append("Startup probe failure: the application starts slower than the probe allows")
    else:
        causes.extend(("Liveness probe failure", "Readiness probe failure"))
    if "connection refused" in low:
        causes.append("Application not listening on the probed port")
    elif "timeout" in low or "timed out" in low or "deadline exceeded" in low:
        causes.append("Application too slow to answer the probe")
    elif "statuscode" in low:
        causes.append("Health endpoint returned an error status")
    else:
        causes.append("Application not responding")
    return _c("Probe", WARNING, causes, _PROBE_ACTION, "probe")


def _classify_killing(message: str) -> Classification:
    m = _PROBE_RE.search(message)
    if m is None:
        return _c("Other", INFO, [], _INFO_ACTION)
    kind = m.group(1).lower()
    causes = [f"{kind.capitalize()} probe failure: the container is restarted"]
    if kind == "startup":
        causes.append("Application starts slower than the startup probe allows")
    else:
        causes.append("Application not responding")
    return _c("Probe", WARNING, causes, _PROBE_ACTION, "probe")


def _classify_backoff(message: str) -> Classification:
    if "pulling image" in message.lower():
        return _c("ImagePull", WARNING, _PULL_CAUSES, _PULL_ACTION, "pull")
    return _c("ContainerCrash", CRITICAL, _CRASH_CAUSES, _CRASH_ACTION, "crash")


def _classify_failed_create(message: str) -> Classification:
    low = message.lower()
    if "quota" in low:
        causes: list[str] = []
        m = _QUOTA_MUST_RE.search(message)
        if m:
            causes.append(f"ResourceQuota {m.group(1).strip()} requires {m.group(2)} on every container")
        m = _QUOTA_EXCEEDED_RE.search(message)
        if m:
            causes.append(f"ResourceQuota {m.group(1).strip()} exceeded")
        return _c(
            "Resource",
            CRITICAL,
            causes or ["Namespace ResourceQuota exceeded"],
            "Raise the ResourceQuota or set/lower requests and limits in the pod template",
        )
    if "limitrange" in low or ("maximum" in low and "per container" in low):
        return _c("Resource", CRITICAL, ["LimitRange rejected the pod"], "Fix the pod template's resources")
    return _c(
        "Other",
        CRITICAL,
        ["Pod creation rejected (admission webhook, PodSecurity, or invalid template)"],
        "Read the message for the rejecting admission plugin and fix the pod template",
    )


def _classify_evicted(message: str) -> Classification:
    causes: list[str] = []
    m = _LOW_ON_RE.search(message)
    if m:
        # "[DiskPressure]" (admission-time eviction by old kubelets) names a node condition, not a resource
        causes.append(f"Node had condition {m.group(2)}" if m.group(1) else f"Node was low on {m.group(2)}")
    m = _HAD_CONDITION_RE.search(message)
    if m:
        causes.append(f"Node had condition {m.group(1)}")
    low = message.lower()
    if "ephemeral storage limit" in low or "ephemeral local storage usage exceeds" in low:
        causes.append("Container exceeded its ephemeral-storage limit")
    if "emptydir" in low and "exceeds the limit" in low:
        causes.append("emptyDir volume exceeded its sizeLimit")
    causes.extend(c for c in _EVICT_CAUSES if c not in causes)
    return _c("Resource", CRITICAL, causes, _EVICT_ACTION, "evict")


def _classify_scheduling(message: str) -> Classification:
    causes = list(_SCHED_CAUSES)
    m = _SCHED_SUMMARY_RE.search(" ".join(message.split()))
    if m:
        summary = m.group(1).rstrip(". ")
        causes.insert(0, "Scheduler: " + (summary if len(summary) <= 240 else summary[:237] + "..."))
    return _c("Scheduling", CRITICAL, causes, _SCHED_ACTION)


def _classify_taint_eviction(message: str) -> Classification:
    if message.lower().startswith("cancelling"):
        return _c("Other", INFO, [], _INFO_ACTION)
    return _c(
        "Other",
        WARNING,
        ["Node has a NoExecute taint the pod does not tolerate (node not ready, unreachable or drained)"],
        "Check the node's taints and conditions",
        "node",
    )


_BY_MESSAGE = {
    "Failed": _classify_failed,
    "BackOff": _classify_backoff,
    "Killing": _classify_killing,
    "Unhealthy": _classify_unhealthy,
    "FailedMount": _classify_mount,
    "FailedAttachVolume": _classify_attach,
    "FailedCreate": _classify_failed_create,
    "Evicted": _classify_evicted,
    "FailedScheduling": _classify_scheduling,
    "TaintManagerEviction": _classify_taint_eviction,
}


def classify_event(ev: Event) -> Classification:
    """Category, severity, causes and action of one event (deterministic; reason first, then message)."""
    reason = ev.reason or ""
    message = event_message(ev)
    by_message = _BY_MESSAGE.get(reason)
    if by_message is not None:
        result = by_message(message)
    elif reason in _FIXED:
        result = _FIXED[reason]
    elif reason.startswith("OutOf"):
        resource = reason[len("OutOf") :] or "resources"
        result = _c(
            "Resource",
            CRITICAL,
            [f"Kubelet rejected the pod: node did not have enough {resource}"],
            "Lower the pod's requests or add capacity; check for pods started outside the scheduler",
        )
    elif ev.type == "Warning":
        result = _c(_category_from_reason(reason), WARNING, [GENERIC_CAUSE], GENERIC_ACTION)
    else:
        result = _c("Other", INFO, [], _INFO_ACTION)

    if result.severity == INFO and ev.type != "Warning" and event_count(ev) >= HIGH_FREQUENCY_COUNT:
        if reason in _ESCALATE_WHEN_FREQUENT:
            result = _ESCALATE_WHEN_FREQUENT[reason]
        elif reason not in _ROUTINE and reason not in _FIXED:
            result = _c(
                _category_from_reason(reason),
                WARNING,
                [f"Event repeated {event_count(ev)} times", GENERIC_CAUSE],
                GENERIC_ACTION,
            )
    elif result.severity == INFO and ev.type == "Warning" and reason not in _ROUTINE:
        result = _c(result.category, WARNING, result.causes or (GENERIC_CAUSE,), result.action, result.topic)
    return result


def is_failure_event(ev: Event) -> bool:
    return classify_event(ev).is_failure


# ------------------------------------------------------------------------------------------ enrichment
_FIELD_PATH_RE = re.compile(r"spec\.(containers|initContainers|ephemeralContainers)\{([^}]+)\}")


def _target_containers(ev: Event, reports: list[ContainerReport]) -> list[ContainerReport]:
    m = _FIELD_PATH_RE.search(ev.involved_object.field_path or "")
    if m is None or ev.involved_object.kind not in ("", "Pod"):
        return reports
    picked = [r for r in reports if r.name == m.group(2)]
    return picked or reports


def _state_causes(topic: str, ev: Event, pod: Pod, reports: list[ContainerReport]) -> list[str]:
    """What the pod's own state adds to an event of this topic."""
    if not topic:
        return []
    out: list[str] = []
    targets = _target_containers(ev, reports)
    if topic == "crash":
        for r in targets:
            if not r.troubled:
                continue
            out.extend(
                s
                for s in (
                    r.oom_sentence(),
                    r.termination_sentence(),
                    r.restart_sentence(),
                    r.waiting_sentence(),
                )
                if s
            )
    elif topic == "pull":
        out.extend(
            s for r in targets if r.waiting_reason in IMAGE_PULL_REASONS and (s := r.waiting_sentence())
        )
    elif topic == "config":
        out.extend(
            s for r in targets if r.waiting_reason in START_FAILURE_REASONS and (s := r.waiting_sentence())
        )
    elif topic == "probe":
        for r in targets:
            out.extend(s for s in (r.restart_sentence(), r.oom_sentence(), r.termination_sentence()) if s)
    elif topic == "oom":
        out.extend(s for r in targets if (s := r.oom_sentence()))
    elif topic in ("evict", "node"):
        out.extend(s for r in reports if (s := r.oom_sentence()))
        msg = " ".join((pod.status.message or "").split())
        if topic == "evict" and msg and " ".join(event_message(ev).split()) not in msg:
            out.append(f"Pod status: {msg}")
        qos = pod.status.qos_class
        if qos in ("Burstable", "BestEffort"):
            out.append(f"Pod QoS class is {qos} - consider setting guaranteed QoS")
    return out


# ------------------------------------------------------------------------------------------ recurrence
def recurrence(ev: Event, now: datetime) -> tuple[bool, str | None, str | None]:
    """``(isRecurring, recurrenceRate, timeSinceFirst)`` for either event shape."""
    count = event_count(ev)
    first = event_first_time(ev)
    last = event_last_time(ev)
    recurring = count > RECURRING_AFTER
    rate = None
    if recurring and first is not None and last is not None:
        span = (last - first).total_seconds()
        if span > 0:
            rate = f"{count / (span / 3600):.1f} times per hour"
    since = None
    if first is not None and now > first:
        since = compact_duration(now - first)
    return recurring, rate, since


# ------------------------------------------------------------------------------------------ the analysis
_EPOCH = datetime.min.replace(tzinfo=UTC)


def relevant_node_events(pod: Pod, node_events: Iterable[Event]) -> list[Event]:
    """Node events that can explain the pod's trouble: node-health reasons, since the pod started."""
    since = pod_start(pod)
    out = []
    for ev in node_events:
        if ev.reason not in NODE_REASONS:
            continue
        last = event_last_time(ev)
        if since is not None and last is not None and last < since:
            continue
        out.append(ev)
    return out


def _failure_event(
    ev: Event, cls: Classification, pod: Pod, reports: list[ContainerReport], now: datetime
) -> FailureEvent:
    recurring, rate, since = recurrence(ev, now)
    io = ev.involved_object
    return FailureEvent(
        type=ev.type or "",
        reason=ev.reason or "",
        message=event_message(ev),
        first_timestamp=rfc3339(event_first_time(ev)),
        last_timestamp=rfc3339(event_last_time(ev)),
        count=event_count(ev),
        source=event_source(ev),
        category=cls.category,
        severity=cls.severity,
        is_recurring=recurring,
        recurrence_rate=rate,
        time_since_first=since,
        possible_causes=dedupe([*cls.causes, *_state_causes(cls.topic, ev, pod, reports)]),
        suggested_action=cls.action,
        involved_object=InvolvedObject(
            kind=io.kind or "Pod",
            name=io.name or pod.metadata.name,
            field_path=io.field_path or "",
        ),
    )


def analyze_failure_events(
    pod: Pod,
    pod_events: list[Event],
    owner_events: list[Event],
    node_events: list[Event],
    now: datetime,
) -> PodFailureEvents:
    """Failure events of a pod, with those of its controller (FailedCreate for quota...) and of its node
    (NodeNotReady, SystemOOM...) that explain its trouble, classified, enriched and summarised.

    Pod events whose ``involvedObject.uid`` is set and is not the pod's (an earlier pod of the same name) are
    dropped, as are owner events of another owner UID. Node events count only for node-health reasons seen
    since the pod started.
    """
    uid = pod.metadata.uid
    owner = controller(pod.metadata)
    owner_uid = owner.uid if owner is not None else ""
    own = events_about(uid, pod_events)
    owners = events_about(owner_uid, owner_events)
    nodes = relevant_node_events(pod, node_events)
    reports = container_reports(pod)

    scored: list[tuple[tuple, FailureEvent, datetime]] = []
    for ev in (*own, *owners, *nodes):
        cls = classify_event(ev)
        if not cls.is_failure:
            continue
        fe = _failure_event(ev, cls, pod, reports, now)
        last = event_last_time(ev) or _EPOCH
        key = (
            -SEVERITY_WEIGHT[cls.severity],
            -last.timestamp(),
            fe.reason,
            fe.message,
            fe.involved_object.kind,
        )
        scored.append((key, fe, last))
    scored.sort(key=lambda t: t[0])

    failures = [fe for _, fe, _ in scored]
    categories = Counter(fe.category for fe in failures)
    most_recent = None
    most_recent_at = None
    ongoing: list[str] = []
    for _, fe, last in scored:
        if most_recent_at is None or last > most_recent_at:
            most_recent, most_recent_at = fe, last
        if last is not _EPOCH and last > now - ONGOING_WINDOW:
            ongoing.append(shorten(f"{fe.reason}: {fe.message}", ONGOING_MAX_CHARS))

    return PodFailureEvents(
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        total_events=len(own) + len(owners) + len(nodes),
        failure_events=failures,
        event_categories=dict(sorted(categories.items())),
        critical_events=sum(1 for fe in failures if fe.severity == CRITICAL),
        warning_events=sum(1 for fe in failures if fe.severity == WARNING),
        most_recent_issue=(
            RecentIssue(
                reason=most_recent.reason,
                message=most_recent.message,
                last_timestamp=most_recent.last_timestamp,
            )
            if most_recent is not None
            else None
        ),
        ongoing_issues=ongoing,
        pod_phase=pod.status.phase,
        pod_status=kubectl_status(pod),
    )
