"""A controller's ``FailedCreate`` events, classified (quota, admission webhook, PodSecurity, LimitRange,
ServiceAccount), and what to do about them (quota left vs asked); what blocks a controller and what to do,
for every kind that creates pods."""

from __future__ import annotations

import re
from datetime import datetime

from k8s_agent.analysis.kube import event_count, event_last_time, event_message
from k8s_agent.analysis.quantity import human, try_parse
from k8s_agent.analysis.text import rfc3339
from k8s_agent.analysis.workloads.revisions import (
    CREATE_FAILURES_SHOWN,
    _Ctx,
    _pod_suggestions,
    _problem_blockers,
    _Rev,
)
from k8s_agent.kube.models import (
    Event,
    ResourceQuota,
)
from k8s_agent.schemas.workloads import (
    CreateFailure,
)

# ------------------------------------------------------------------------------------------ create failures
_QUOTA_NAME_RE = re.compile(r"exceeded quota: ([^,\s]+)")
_QUOTA_PARTS_RE = re.compile(r"(requested|used|limited): ([^,]+(?:,\s*[a-z][\w.\-/]*=[^,]+)*)")
_WEBHOOK_RE = re.compile(r'admission webhook "([^"]+)" denied the request:?\s*(.*)')
_PSA_RE = re.compile(r'violates PodSecurity "([^"]+)":\s*(.*)')


def _create_cause(message: str) -> str:
    low = message.lower()
    if "exceeded quota" in low or ("quota" in low and "must specify" in low):
        return "quota"
    if "admission webhook" in low:
        return "admission-webhook"
    if "violates podsecurity" in low:
        return "pod-security"
    if "limitrange" in low or "per container" in low or "per pod" in low:
        return "limit-range"
    if "serviceaccount" in low and "not found" in low:
        return "service-account"
    return "other"


#: the reason of a controller's event for an object it could not create, by the controller's kind
_CREATE_REASON = {"Deployment": "ReplicaSetCreateError"}


def create_reason(obj: str) -> str:
    """The event reason of a create failure of ``obj`` ("Kind/name")."""
    return _CREATE_REASON.get(obj.partition("/")[0], "FailedCreate")


def _create_failures(events: list[Event], objects: dict[str, str]) -> list[tuple[CreateFailure, Event]]:
    """``FailedCreate`` events about the controller or its ReplicaSets (``objects``: name -> kind), and a
    Deployment's ``ReplicaSetCreateError`` (the deployment controller's event when it cannot create the new
    ReplicaSet), newest first, one per distinct message."""
    found: dict[str, tuple[datetime | None, CreateFailure, Event]] = {}
    for ev in events:
        if ev.reason != _CREATE_REASON.get(ev.involved_object.kind, "FailedCreate"):
            continue
        io = ev.involved_object
        if objects.get(io.name) != io.kind:
            continue
        last = event_last_time(ev)
        msg = event_message(ev)
        key = f"{io.kind}/{io.name}:{_normalise(msg)}"
        prev = found.get(key)
        count = event_count(ev) + (prev[1].count if prev else 0)
        if prev is not None and prev[0] is not None and last is not None and prev[0] > last:
            prev[1].count = count
            continue
        qm = _QUOTA_NAME_RE.search(msg)
        found[key] = (
            last,
            CreateFailure(
                object=f"{io.kind}/{io.name}",
                cause=_create_cause(msg),
                message=msg[:500],
                count=count,
                last_seen=rfc3339(last),
                quota=qm.group(1) if qm else None,
            ),
            ev,
        )
    epoch = datetime.min
    ordered = sorted(found.values(), key=lambda t: (t[0] is not None, t[0] or epoch), reverse=True)
    return [(cf, ev) for _, cf, ev in ordered[:CREATE_FAILURES_SHOWN]]


def _normalise(msg: str) -> str:
    # the pod name differs per attempt: 'pods "web-7d9f-x2k" is forbidden' -> one entry
    return re.sub(r'pods "[^"]*"', 'pods "*"', msg)


def _quota_parts(msg: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for label, body in _QUOTA_PARTS_RE.findall(msg):
        items = {}
        for part in body.split(","):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                items[k] = v.strip()
        out[label] = items
    return out


def _resource_word(key: str) -> str:
    name = key.split(".", 1)[1] if key.startswith(("requests.", "limits.")) else key
    return name


#: quota keys that sum what pods ask (the others count objects)
_COMPUTE = ("cpu", "memory", "ephemeral-storage")


def _lower(key: str) -> str:
    """The other way out of a quota that is full for ``key``: ask for less, or hold fewer objects."""
    if key.startswith("limits."):
        return "lower the pod template's limits"
    if key.startswith("requests.") or key in _COMPUTE or key.startswith("hugepages-"):
        return "lower the pod template's requests"
    if key == "pods":
        return "run fewer pods in the namespace (the quota counts every pod not yet Succeeded or Failed)"
    return f"delete {key.removeprefix('count/')} the namespace no longer needs (the quota counts every one)"


def _quota_suggestions(
    failures: list[CreateFailure], quotas: list[ResourceQuota], namespace: str
) -> list[str]:
    out: list[str] = []
    by_name = {q.metadata.name: q for q in quotas}
    for cf in failures:
        if cf.cause != "quota":
            continue
        parts = _quota_parts(cf.message)
        requested = parts.get("requested", {})
        if not requested or cf.quota is None:
            out.append(f"A ResourceQuota in {namespace} refuses the pods: {cf.message[:200]}")
            continue
        q = by_name.get(cf.quota)
        noun = "ReplicaSet" if create_reason(cf.object) == "ReplicaSetCreateError" else "pod"
        for key, asked in requested.items():
            res = _resource_word(key)
            if q is not None and key in q.status.hard:
                hard, used = try_parse(q.status.hard.get(key)), try_parse(q.status.used.get(key, "0"))
                source = "now"
            else:
                hard, used = (
                    try_parse(parts.get("limited", {}).get(key)),
                    try_parse(parts.get("used", {}).get(key)),
                )
                source = "when refused"
            want = try_parse(asked)
            if hard is None or used is None or want is None:
                continue
            left = hard.value - used.value
            left_text = human(res, left if left > 0 else 0)
            short = want.value - left if want.value > left else 0
            head = (
                f"The quota `{cf.quota}` in `{namespace}` has {left_text} {key} left ({source}: "
                f"{human(res, used.value)} of {human(res, hard.value)} used); a new {noun} asks for "
                f"{human(res, want.value)}"
            )
            if short:
                out.append(f"{head}: raise the quota by {human(res, short)} or more, or {_lower(key)}")
            else:  # room freed (or the quota raised) since the refusal
                out.append(
                    f"{head}: there is room for it now; the controller's next attempt to create it should pass"
                )
    return out


def _create_suggestions(failures: list[CreateFailure], namespace: str) -> list[str]:
    out: list[str] = []
    for cf in failures:
        if cf.cause == "admission-webhook":
            m = _WEBHOOK_RE.search(cf.message)
            name = m.group(1) if m else "an admission webhook"
            out.append(
                f"The admission webhook `{name}` denies the pods ({(m.group(2) if m else cf.message)[:200]}): "
                "change the pod template to satisfy it, or ask its owner"
            )
        elif cf.cause == "pod-security":
            m = _PSA_RE.search(cf.message)
            level = m.group(1) if m else "the enforced level"
            out.append(
                f"Namespace `{namespace}` enforces PodSecurity `{level}`: fix the pod template "
                f"({(m.group(2) if m else cf.message)[:200]}), or change the namespace's "
                "`pod-security.kubernetes.io/enforce` label"
            )
        elif cf.cause == "limit-range":
            out.append(f"A LimitRange in `{namespace}` refuses the pods: {cf.message[:200]}")
        elif cf.cause == "service-account":
            out.append(f"The pods' ServiceAccount is missing: {cf.message[:200]}")
    return out


def _controller_findings(
    c: _Ctx,
    kind_lower: str,
    name: str,
    revs: list[_Rev],
    unknown: _Rev | None,
    failures: list[CreateFailure],
    quotas: list[ResourceQuota],
    *,
    advise: bool,
    first: list[str],
) -> None:
    """What blocks a controller (its failing pods by revision, then its FailedCreate events) and, with
    ``advise``, what to do: ``first`` (a rollback), mind the quota, fix what refused the pods, look at the
    failing pods of its revisions."""
    c.blockers.extend(_problem_blockers(revs + ([unknown] if unknown else [])))
    c.blockers.extend(
        f"{cf.object}: {create_reason(cf.object)} ({cf.cause}): {cf.message[:200]}" for cf in failures
    )
    if advise:
        c.suggestions.extend(first)
        c.suggestions.extend(_quota_suggestions(failures, quotas, c.namespace))
        c.suggestions.extend(_create_suggestions(failures, c.namespace))
        c.suggestions.extend(_pod_suggestions(kind_lower, name, c.namespace, revs))
