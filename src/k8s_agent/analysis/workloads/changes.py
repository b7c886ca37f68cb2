"""What changed: the newest pod template against the previous revision's, with the time of the change and
the first failure of the new revision's pods after it."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.kube import event_first_time
from k8s_agent.analysis.text import compact_duration, rfc3339
from k8s_agent.analysis.workloads.revisions import (
    _plural,
    _Rev,
)
from k8s_agent.analysis.workloads.template import change_sentence, diff_templates
from k8s_agent.kube.models import (
    Event,
)
from k8s_agent.schemas.workloads import (
    WhatChanged,
)

# ------------------------------------------------------------------------------------------ what changed
_FAILURE_WORDS = {
    "FailedScheduling": "FailedScheduling",
    "FailedCreate": "FailedCreate",
    "ReplicaSetCreateError": "ReplicaSetCreateError",
    "Unhealthy": "failing probe",
    "FailedMount": "FailedMount",
}


def _event_failure_word(ev: Event) -> str | None:
    low = ev.message.lower()
    if ev.reason == "BackOff":
        return "ImagePullBackOff" if "pulling image" in low else "CrashLoopBackOff"
    if ev.reason == "Failed":
        if "pull" in low or "image" in low:
            return "ErrImagePull"
        return "container failure"
    return _FAILURE_WORDS.get(ev.reason)


def _first_failure(
    rev: _Rev, events: list[Event], extra_objects: set[str], since: datetime | None
) -> tuple[datetime, str] | None:
    names = {p.metadata.name for p in rev.pods}
    best: tuple[datetime, str] | None = None

    def consider(ts: datetime | None, what: str) -> None:
        nonlocal best
        if ts is None or (since is not None and ts < since):
            return
        if best is None or ts < best[0]:
            best = (ts, what)

    for ev in events:
        if ev.type != "Warning":
            continue
        io = ev.involved_object
        if not ((io.kind == "Pod" and io.name in names) or io.name in extra_objects):
            continue
        word = _event_failure_word(ev)
        if word is not None:
            consider(event_first_time(ev), word)
    for pod in rev.pods:
        for cs in (*pod.status.init_container_statuses, *pod.status.container_statuses):
            for st in (cs.state.terminated, cs.last_state.terminated):
                if st is not None and (st.exit_code != 0 or st.reason == "OOMKilled"):
                    word = (
                        "OOMKilled" if st.reason == "OOMKilled" else f"exit code {st.exit_code} ({cs.name})"
                    )
                    consider(st.finished_at, word)
    return best


def _what_changed(
    current: _Rev | None, previous: _Rev | None, events: list[Event], now: datetime
) -> WhatChanged | None:
    if current is None or previous is None or current.template is None or previous.template is None:
        return None
    changes = diff_templates(previous.template, current.template)
    first = _first_failure(current, events, {current.name}, current.created) if current.failing else None
    after = None
    if first is not None and current.created is not None:
        after = compact_duration(first[0] - current.created)
    if changes:
        lead = change_sentence(changes[0])
        more = f" (and {_plural(len(changes) - 1, 'other change')})" if len(changes) > 1 else ""
        summary = f"revision {current.number}: {lead}{more}"
    else:
        summary = (
            f"revision {current.number} differs from {previous.number} only in fields not compared here "
            "(labels, annotations, security context, scheduling...)"
        )
    when = f" {compact_duration(now - current.created)} ago" if current.created is not None else ""
    summary += f",{when}" if when else ""
    if first is not None and after is not None:
        summary += f", {after} before the first {first[1]}"
    return WhatChanged(
        from_revision=previous.number,
        to_revision=current.number,
        from_name=previous.name,
        to_name=current.name,
        changed_at=rfc3339(current.created),
        first_failure_at=rfc3339(first[0]) if first else None,
        first_failure=first[1] if first else None,
        failure_after=after,
        changes=changes,
        summary=summary,
    )
