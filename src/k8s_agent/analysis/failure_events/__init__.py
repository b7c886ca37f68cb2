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

from k8s_agent.analysis.failure_events.analyze import analyze_failure_events, recurrence, relevant_node_events
from k8s_agent.analysis.failure_events.classify import classify_event, is_failure_event
from k8s_agent.analysis.failure_events.rules import (
    CRITICAL,
    INFO,
    NODE_REASONS,
    ONGOING_MAX_CHARS,
    WARNING,
    Classification,
)

__all__ = [
    "CRITICAL",
    "Classification",
    "INFO",
    "NODE_REASONS",
    "ONGOING_MAX_CHARS",
    "WARNING",
    "analyze_failure_events",
    "classify_event",
    "is_failure_event",
    "recurrence",
    "relevant_node_events",
]
