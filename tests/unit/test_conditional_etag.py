"""The weak ETag follows what was found, not the clock: an answer that only says "a minute later" keeps its
tag, and a real change gets a new one."""

from __future__ import annotations

import msgspec

from k8s_agent.api.conditional import etag_of
from k8s_agent.schemas.namespace_errors import NamespaceErrorReport, ProblematicPod


def _report(
    *, restarts: str, age: str, analysis_time: str, status: str = "CrashLoopBackOff"
) -> NamespaceErrorReport:
    pod = ProblematicPod(
        name="api-1",
        namespace="shop",
        owner_kind="Deployment",
        owner_name="api",
        phase="Running",
        status=status,
        ready="0/1",
        restarts=restarts,
        restart_count=int(restarts.split()[0]),
        age=age,
    )
    return NamespaceErrorReport(
        namespace="shop", analysis_time=analysis_time, restart_threshold_used=5, problematic_pods=[pod]
    )


def _tag(report: NamespaceErrorReport) -> str:
    return etag_of(report, msgspec.json.encode(report))


def test_the_clock_alone_does_not_change_the_tag() -> None:
    earlier = _report(restarts="7 (2m30s ago)", age="40m", analysis_time="2026-12-06T10:00:00Z")
    later = _report(restarts="7 (2m31s ago)", age="41m", analysis_time="2026-12-06T10:00:01Z")
    assert _tag(earlier) == _tag(later)
    assert _tag(earlier).startswith('W/"')


def test_a_new_restart_or_status_changes_the_tag() -> None:
    base = _report(restarts="7 (2m30s ago)", age="40m", analysis_time="2026-12-06T10:00:00Z")
    restarted = _report(restarts="8 (1s ago)", age="40m", analysis_time="2026-12-06T10:00:00Z")
    recovered = _report(
        restarts="7 (2m30s ago)", age="40m", analysis_time="2026-12-06T10:00:00Z", status="Running"
    )
    assert len({_tag(base), _tag(restarted), _tag(recovered)}) == 3


def test_a_count_without_a_time_is_kept_as_it_is() -> None:
    assert _tag(_report(restarts="0", age="1m", analysis_time="x")) != _tag(
        _report(restarts="3", age="1m", analysis_time="x")
    )
