"""NodeAffinity: ``spec.nodeSelector`` (every label equal) and the required node affinity (terms ORed,
expressions ANDed, ``matchFields`` on ``metadata.name``; a term that is empty or does not parse matches
nothing). When every term names nodes through ``matchFields metadata.name In``, the scheduler's PreFilter
narrows the candidates to those nodes and writes the others off as "didn't satisfy plugin(s)
[NodeAffinity]" before any filter runs (``prefilter_reason``); when the terms' name lists leave no node at
all, it rejects the pod ("pod affinity terms conflict"), a blocker."""

from __future__ import annotations

from dataclasses import dataclass

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Blocker,
    Check,
    Failure,
    Filter,
    Outcome,
    PodContext,
    detail_reader,
    failure,
    names,
    nodes_word,
)
from k8s_agent.analysis.scheduling.message import NODE_AFFINITY
from k8s_agent.analysis.scheduling.selectors import compile_selector, describe_term
from k8s_agent.kube.models import Node, NodeSelector

_WORDING = "node(s) didn't match Pod's node affinity/selector"
NODE_SELECTOR = Check("NodeSelector", "NodeAffinity", NODE_AFFINITY, _WORDING)
REQUIRED_AFFINITY = Check("NodeAffinity", "NodeAffinity", NODE_AFFINITY, _WORDING)
PREFILTER_WORDING = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
#: the PreFilter's rejection of a pod whose terms name nodes that no term can match
CONFLICT_WORDING = "pod affinity terms conflict"


@dataclass(frozen=True, slots=True)
class AffinityDetail:
    matched_selector: tuple[tuple[str, str], ...]
    selector_mismatches: tuple[tuple[str, str, str | None], ...]  # key, wanted, the node's value
    matched_term: str


#: the AffinityDetail of an outcome of this filter (None for one without it, such as PASS)
detail = detail_reader(AffinityDetail)


def required_node_affinity(ctx: PodContext) -> NodeSelector | None:
    aff = ctx.pod.spec.affinity
    na = aff.node_affinity if aff is not None else None
    return na.required_during_scheduling_ignored_during_execution if na is not None else None


class NodeAffinity(Filter):
    plugin = "NodeAffinity"
    checks = (NODE_SELECTOR, REQUIRED_AFFINITY)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.selector = sorted(ctx.pod.spec.node_selector.items())
        self.required = required_node_affinity(ctx)
        self.compiled = compile_selector(self.required) if self.required is not None else None
        self.named: frozenset[str] | None = None
        if self.required is not None and self.required.node_selector_terms:
            named: set[str] = set()
            for term in self.required.node_selector_terms:
                sets = [
                    set(r.values)
                    for r in term.match_fields
                    if r.key == "metadata.name" and r.operator == "In"
                ]
                if not sets:
                    break
                named |= set.intersection(*sets)
            else:
                if named:
                    self.named = frozenset(named)
                else:  # every term ANDs name lists with no name in common: the PreFilter rejects the pod
                    ctx.blockers.append(
                        Blocker(
                            "Pod's required node affinity names nodes (matchFields metadata.name In) in every "
                            "term, and within each term the name lists have no name in common",
                            NODE_AFFINITY,
                            "within a term the requirements are ANDed: give each term one metadata.name list, "
                            "or lists that share the intended node",
                            scheduler_text=CONFLICT_WORDING,
                        )
                    )

    def prefilter_reason(self, node: Node) -> str:
        if self.named is not None and node.metadata.name not in self.named:
            return PREFILTER_WORDING
        return ""

    def constant(self) -> Outcome | None:
        return PASS if not self.selector and self.required is None else None

    def evaluate(self, node: Node) -> Outcome:
        if not self.selector and self.required is None:
            return PASS
        labels = node.metadata.labels
        fails: list[Failure] = []
        matched: list[tuple[str, str]] = []
        mismatched: list[tuple[str, str, str | None]] = []
        for k, want in self.selector:
            have = labels.get(k)
            if have == want:
                matched.append((k, want))
            else:
                mismatched.append((k, want, have))
                why = f"node has {k}={have}" if have is not None else "label missing"
                fails.append(failure(NODE_SELECTOR, f"node selector {k}={want} not matched ({why})"))
        matched_term = ""
        if self.required is not None and self.compiled is not None:
            idx = self.compiled.first_match(node)
            if idx is None:
                whys = self.compiled.failures(node) or ["no terms"]
                text = whys[0] if len(whys) == 1 else " OR ".join(f"[{w}]" for w in whys)
                fails.append(failure(REQUIRED_AFFINITY, f"required node affinity not matched: {text}"))
            else:
                matched_term = describe_term(self.required.node_selector_terms[idx])
        info = AffinityDetail(tuple(matched), tuple(mismatched), matched_term)
        return Outcome(tuple(fails), (_WORDING,) if fails else (), info)

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        out: list[str] = []
        pod, verdicts = advice.pod, advice.verdicts
        details = {v.node_name: detail(v.outcome(cls.plugin)) for v in verdicts}
        for key, want in sorted(pod.spec.node_selector.items()):
            missing = [n for n, d in details.items() if d and any(m[0] == key for m in d.selector_mismatches)]
            if not missing:
                continue
            having = [n for n, d in details.items() if d and (key, want) in d.matched_selector]
            values: dict[str, int] = {}
            for name in advice.node_names:
                val = advice.nodes_by_name[name].metadata.labels.get(key)
                if val is not None and val != want:
                    values[val] = values.get(val, 0) + 1
            others = ", ".join(f"{val} ({n})" for val, n in sorted(values.items()))
            if having:
                out.append(
                    f"nodeSelector {key}={want} matches only {names([advice.excluded(n) for n in having], 3)}; "
                    f"{nodes_word(len(missing))} {'lacks' if len(missing) == 1 else 'lack'} it"
                    + (f" (they have {key}: {others})" if others else "")
                )
            else:
                out.append(
                    f"nodeSelector {key}={want}: no node has this label"
                    + (f" (nodes have {key}: {others})" if others else f" (no node has a {key} label)")
                    + f"; label a node (`kubectl label node <node> {key}={want}`) or change the selector"
                )
        aff_fail = [v for v in verdicts if v.failed(REQUIRED_AFFINITY)]
        if aff_fail:
            aff = pod.spec.affinity
            na = aff.node_affinity if aff is not None else None
            sel = na.required_during_scheduling_ignored_during_execution if na is not None else None
            terms = sel.node_selector_terms if sel is not None else []
            shown = " OR ".join(f"[{describe_term(t)}]" for t in terms)
            keys = sorted({r.key for t in terms for r in t.match_expressions})
            dist = []
            for key in keys[:3]:
                vals: dict[str, int] = {}
                for name in advice.node_names:
                    val = advice.nodes_by_name[name].metadata.labels.get(key, "<none>")
                    vals[val] = vals.get(val, 0) + 1
                dist.append(f"{key}: " + ", ".join(f"{val} ({n})" for val, n in sorted(vals.items())))
            matching = [v.node_name for v in verdicts if not v.failed(REQUIRED_AFFINITY)]
            head = f"required node affinity {shown} excludes {nodes_word(len(aff_fail))}"
            if matching:
                head += f"; it matches {names([advice.excluded(n) for n in matching], 3)}"
            else:
                head += " (all of them)"
            out.append(
                head
                + (f"; node labels: {'; '.join(dist)}" if dist else "")
                + "; relabel nodes or relax the terms"
            )
        return out
