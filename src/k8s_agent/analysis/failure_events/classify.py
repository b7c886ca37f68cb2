"""Classifying one event: the fixed rule of its reason, refined by its message where one reason covers
several failures; unknown reasons by their words."""

from __future__ import annotations

import re

from k8s_agent.analysis.failure_events.rules import (
    _CONFIG_ACTION,
    _CONFIG_CAUSES,
    _CRASH_ACTION,
    _CRASH_CAUSES,
    _ESCALATE_WHEN_FREQUENT,
    _EVICT_ACTION,
    _EVICT_CAUSES,
    _FIXED,
    _INFO_ACTION,
    _MOUNT_ACTION,
    _MOUNT_CAUSES,
    _PROBE_ACTION,
    _PULL_ACTION,
    _PULL_CAUSES,
    _ROUTINE,
    _SCHED_ACTION,
    _SCHED_CAUSES,
    _START_ACTION,
    _START_CAUSES,
    CRITICAL,
    GENERIC_ACTION,
    GENERIC_CAUSE,
    HIGH_FREQUENCY_COUNT,
    INFO,
    WARNING,
    Classification,
    _c,
    _category_from_reason,
)
from k8s_agent.analysis.kube import (
    event_count,
    event_message,
)
from k8s_agent.kube.models import Event

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
#: the LimitRanger admission plugin's rejections: a minimum or maximum per Container or Pod, or a limit/request
#: ratio ("minimum memory usage per Container is 64Mi, but request is 32Mi")
_LIMIT_RANGE_RE = re.compile(
    r"(minimum|maximum) \S+ usage per (container|pod)|max limit to request ratio per"
)


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
    if "limitrange" in low or _LIMIT_RANGE_RE.search(low):
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
