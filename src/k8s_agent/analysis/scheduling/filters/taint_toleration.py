"""TaintToleration: NoSchedule/NoExecute taints the pod does not tolerate (PreferNoSchedule only lowers the
score). Node readiness is judged here too, the way it reaches the scheduler: through the
``node.kubernetes.io/not-ready`` / ``unreachable`` taints the node lifecycle controller puts on a node whose
Ready condition is False / Unknown. A not-ready node that does not carry them yet is still flagged (it
would get them within seconds), but as the agent's finding only: the scheduler itself would let it pass.

Tolerations with ``Gt``/``Lt`` are compared as integers, as the scheduler does with the
TaintTolerationComparisonOperators gate on (see ``selectors.tolerates``); ``notes`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8s_agent.analysis.kube import taint_text as taint_str
from k8s_agent.analysis.scheduling.filters.base import (
    Advice,
    Check,
    Failure,
    Filter,
    Outcome,
    PodContext,
    detail_reader,
    failure,
    names,
)
from k8s_agent.analysis.scheduling.filters.node_unschedulable import TAINT_UNSCHEDULABLE
from k8s_agent.analysis.scheduling.index import ready_condition
from k8s_agent.analysis.scheduling.message import NODE_NOT_READY, NOT_READY_TAINT_KEYS, TAINT_TOLERATION
from k8s_agent.analysis.scheduling.selectors import tolerated
from k8s_agent.kube.models import Node, Taint

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
_WORDING = "node(s) had untolerated taint(s)"
NOT_READY = Check("NodeNotReady", "TaintToleration", NODE_NOT_READY, _WORDING)
TAINTS = Check("Taints", "TaintToleration", TAINT_TOLERATION, _WORDING)
_BLOCKING = ("NoSchedule", "NoExecute")


@dataclass(frozen=True, slots=True)
class TaintDetail:
    ready: str  # the Ready condition status: True / False / Unknown ("" when absent)
    ready_detail: str
    untolerated: tuple[Taint, ...]
    tolerated: tuple[Taint, ...]
    #: the taint the scheduler reports: the first untolerated NoSchedule/NoExecute taint of the node
    scheduler_taint: Taint | None


#: the TaintDetail of an outcome of this filter (None for one without it, such as PASS)
detail = detail_reader(TaintDetail)


def _lingering(d: TaintDetail | None) -> list[Taint]:
    """The not-ready/unreachable taints still on a node whose Ready condition is True again: the node
    lifecycle controller removes them when it next sees the node ready (within seconds)."""
    if d is None or d.ready != "True":
        return []
    return [t for t in d.untolerated if t.key in NOT_READY_TAINT_KEYS]


def _ready_words(d: TaintDetail | None) -> str:
    if d is None:
        return "Ready=missing"
    return d.ready_detail or f"Ready={d.ready or 'missing'}"


def _lingering_words(lingering: list[Taint]) -> tuple[str, str]:
    """("taint a" or "taints a, b", "it" or "them")."""
    shown = ", ".join(taint_str(t) for t in lingering)
    return (f"taint {shown}", "it") if len(lingering) == 1 else (f"taints {shown}", "them")


def not_ready_reason(name: str, d: TaintDetail | None) -> str:
    """Why the node failed NOT_READY, said of the node as it is now."""
    lingering = _lingering(d)
    if lingering:
        taints, it = _lingering_words(lingering)
        return (
            f"Node {name} reports Ready=True again but still has {taints} (the node lifecycle controller "
            f"removes {it} when it sees the node ready)"
        )
    return f"Node {name} is not ready now ({_ready_words(d)})"


def not_ready_advice(name: str, d: TaintDetail | None) -> str:
    """What to do about a node that failed NOT_READY."""
    lingering = _lingering(d)
    if lingering:
        taints, it = _lingering_words(lingering)
        return (
            f"node {name} reports Ready=True but still has {taints}; the node lifecycle controller "
            f"(kube-controller-manager) removes {it} within seconds; if not, check that kube-controller-manager "
            "is running and leading"
        )
    return f"node {name} is not ready ({_ready_words(d)}); check its kubelet: `kubectl describe node {name}`"


def toleration_for(t: Taint) -> str:
    if t.value:
        return f"{{key: {t.key}, operator: Equal, value: {t.value}, effect: {t.effect}}}"
    return f"{{key: {t.key}, operator: Exists, effect: {t.effect}}}"


class TaintToleration(Filter):
    plugin = "TaintToleration"
    checks = (NOT_READY, TAINTS)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.tolerations = list(ctx.pod.spec.tolerations)
        numeric = [t for t in self.tolerations if t.operator in ("Gt", "Lt")]
        if numeric:
            shown = ", ".join(f"{t.key} {t.operator} {t.value}" for t in numeric)
            ctx.notes.append(
                f"tolerations with Gt/Lt ({shown}) were evaluated as kube-scheduler 1.35+ does with the "
                "TaintTolerationComparisonOperators feature gate on (alpha; the API server accepts them only "
                "then): the taint's value and the toleration's are compared as integers"
            )

    def evaluate(self, node: Node) -> Outcome:
        tols = self.tolerations
        taints = node.spec.taints
        status, ready_text = ready_condition(node)
        if not taints and status == "True":
            return Outcome((), (), TaintDetail(status, ready_text, (), (), None))
        fails: list[Failure] = []
        untolerated: list[Taint] = []
        tolerated_: list[Taint] = []
        handled: set[str] = set()
        if node.spec.unschedulable:
            handled.add(TAINT_UNSCHEDULABLE)  # NodeUnschedulable's business
        if status != "True":
            handled |= NOT_READY_TAINT_KEYS
            lifecycle = [t for t in taints if t.key in NOT_READY_TAINT_KEYS]
            synthetic = not lifecycle
            if lifecycle:
                blocking = [t for t in lifecycle if t.effect in _BLOCKING and not tolerated(tols, t)]
            else:
                key = TAINT_NOT_READY if status == "False" else TAINT_UNREACHABLE
                synth = Taint(key=key, effect="NoSchedule")
                blocking = [] if tolerated(tols, synth) else [synth]
            if blocking:
                state = {"False": "NotReady", "": "Unknown (no Ready condition)"}.get(
                    status, "Unknown (unreachable)"
                )
                untolerated.extend(blocking)
                text = f"node is not ready: Ready={state}" + (f" ({ready_text})" if ready_text else "")
                fails.append(failure(NOT_READY, text, visible=not synthetic))
        # what the scheduler reports: the first of the node's real taints that blocks and is not tolerated
        first: Taint | None = None
        for t in taints:
            if t.key in handled:
                if first is None and t.effect in _BLOCKING and not tolerated(tols, t):
                    first = t
                continue
            if tolerated(tols, t):
                tolerated_.append(t)
                continue
            if t.effect not in _BLOCKING:
                continue
            untolerated.append(t)
            if first is None:
                first = t
            if t.key in NOT_READY_TAINT_KEYS:
                fails.append(failure(NOT_READY, f"node has taint {taint_str(t)} (the node was not ready)"))
            else:
                fails.append(failure(TAINTS, f"untolerated taint {taint_str(t)}"))
        info = TaintDetail(status, ready_text, tuple(untolerated), tuple(tolerated_), first)
        return Outcome(tuple(fails), (_WORDING,) if first is not None else (), info)

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        out: list[str] = []
        failing = advice.failing
        not_ready = [v for v in failing if v.failed(NOT_READY)]
        for v in not_ready[:5]:
            out.append(not_ready_advice(v.node_name, detail(v.outcome(cls.plugin))))
        rest = [v.node_name for v in not_ready[5:]]
        if rest:
            are = "node is" if len(rest) == 1 else "nodes are"
            out.append(f"{len(rest)} more {are} not ready: {names(rest)}")
        by_taint: dict[tuple[str, str, str], list[str]] = {}
        taint_obj: dict[tuple[str, str, str], Taint] = {}
        for v in failing:
            d = detail(v.outcome(cls.plugin))
            for t in d.untolerated if d else ():
                if t.key in NOT_READY_TAINT_KEYS:
                    continue
                k = (t.key, t.value, t.effect)
                by_taint.setdefault(k, []).append(v.node_name)
                taint_obj[k] = t
        for k, nodes in sorted(by_taint.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            t = taint_obj[k]
            verb = "has" if len(nodes) == 1 else "have"
            out.append(
                f"{names(nodes)} {verb} taint {taint_str(t)}; add a toleration `{toleration_for(t)}` to the pod "
                f"or remove the taint (`kubectl taint nodes {nodes[0]} {taint_str(t)}-`)"
            )
        return out
