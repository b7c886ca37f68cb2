"""The health score of a pod: its five components (``formula.WEIGHTS``), the overall score and status, and
the details a dashboard shows beside them."""

from __future__ import annotations

from datetime import datetime

from k8s_agent.analysis.health_score.components import (
    conditions_component,
    container_states_component,
    event_groups,
    events_component,
    scheduling_component,
)
from k8s_agent.analysis.health_score.formula import (
    RECENT_EVENTS_MAX,
    WEIGHTS,
    component_status,
    overall,
    overall_status,
)
from k8s_agent.analysis.health_score.restarts import restart_facts, restarts_component
from k8s_agent.analysis.kube import conditions_out, pod_start
from k8s_agent.analysis.podstatus import ContainerReport, container_reports, kubectl_status
from k8s_agent.analysis.text import rfc3339, spaced_duration
from k8s_agent.kube.models import ContainerStatus, Event, Pod
from k8s_agent.schemas.health_score import (
    ContainerHealth,
    HealthComponent,
    HealthDetails,
    HealthEvent,
    PodHealthScore,
)


def _state_name(cs: ContainerStatus) -> str:
    if cs.state.running is not None:
        return "Running"
    if cs.state.terminated is not None:
        return "Terminated"
    if cs.state.waiting is not None:
        return "Waiting"
    return "Unknown"


def _container_health(cs: ContainerStatus, r: ContainerReport) -> ContainerHealth:
    term = cs.state.terminated
    waiting = cs.state.waiting
    last = cs.last_state.terminated
    reason = message = None
    exit_code = None
    if waiting is not None:
        reason, message = waiting.reason or None, (waiting.message or "").strip() or None
    elif term is not None:
        reason, message, exit_code = term.reason or None, (term.message or "").strip() or None, term.exit_code
    return ContainerHealth(
        name=cs.name,
        kind="sidecar" if r.sidecar else ("init" if r.init else "app"),
        state=_state_name(cs),  # type: ignore[arg-type]
        ready=cs.ready,
        restart_count=cs.restart_count,
        reason=reason,
        message=message,
        exit_code=exit_code,
        last_termination_reason=(last.reason or None) if last is not None else None,
        last_termination_exit_code=last.exit_code if last is not None else None,
        last_termination_time=rfc3339(last.finished_at) if last is not None else None,
    )


def health_score(
    pod: Pod, events: list[Event], now: datetime, *, warnings: list[str] | None = None
) -> PodHealthScore:
    """The health score of ``pod`` given its events (the formula: ``formula``, docs/health-score.md)."""
    reports = container_reports(pod)
    statuses = [*pod.status.init_container_statuses, *pod.status.container_statuses]
    facts = restart_facts(statuses, reports, pod, now)
    groups = event_groups(pod, events, now)

    parts = {
        "restarts": restarts_component(facts, now),
        "containerStates": container_states_component(reports, pod, now),
        "events": events_component(groups, now),
        "conditions": conditions_component(pod),
        "scheduling": scheduling_component(pod, now),
    }
    components = {
        name: HealthComponent(
            name=name,
            score=score,
            weight=float(WEIGHTS[name]),
            status=component_status(score),  # type: ignore[arg-type]
            description=text,
        )
        for name, (score, text) in parts.items()
    }
    total = overall({name: score for name, (score, _) in parts.items()}, failed=pod.status.phase == "Failed")
    start = pod_start(pod)

    details = HealthDetails(
        phase=pod.status.phase,
        pod_status=kubectl_status(pod),
        uptime=spaced_duration(now - start) if start is not None else None,
        restart_count=facts.total,
        restarts_last_hour=facts.last_hour,
        last_restart_time=rfc3339(facts.last_time),
        last_restart_reason=facts.last_reason,
        last_restart_container=facts.last_container,
        container_statuses=[_container_health(cs, r) for cs, r in zip(statuses, reports, strict=True)],
        recent_events=[
            HealthEvent(
                type=g.type,
                reason=g.reason,
                message=g.message,
                count=g.count,
                first_seen=rfc3339(g.first),
                last_seen=rfc3339(g.last),
            )
            for g in groups[:RECENT_EVENTS_MAX]
        ],
        pod_conditions=conditions_out(pod.status.conditions),
    )
    return PodHealthScore(
        pod_name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        overall_score=total,
        status=overall_status(total),  # type: ignore[arg-type]
        components=components,
        calculated_at=rfc3339(now) or "",
        details=details,
        warnings=list(warnings or []),
    )
