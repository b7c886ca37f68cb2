"""The vocabulary of the failure-event analysis (severities, categories, what a classification holds) and
its fixed rules: what each known reason means, with its causes and action."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from k8s_agent.schemas.failure_events import (
    Category,
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
