"""PodTopologySpread: the pod's ``topologySpreadConstraints`` with ``whenUnsatisfiable: DoNotSchedule``
(``ScheduleAnyway`` only scores; the scheduler's system default constraints are all ScheduleAnyway, so a
pod without constraints of its own is not filtered), the way ``plugins/podtopologyspread`` filters:

* the selector is the constraint's ``labelSelector`` with the pod's values of ``matchLabelKeys`` added
  (a key the pod does not carry is ignored); no selector matches nothing, an empty one matches every pod
  but counts none (the scheduler counts nothing for a selector without requirements);
* domains are the values of ``topologyKey`` on the eligible nodes: a node counts only when it carries the
  topology key of *every* constraint, and, per constraint, when it matches the pod's required node
  affinity and nodeSelector (``nodeAffinityPolicy: Honor``, the default) and has no NoSchedule/NoExecute
  taint the pod does not tolerate (only with ``nodeTaintsPolicy: Honor``; default Ignore);
* the pods counted in a domain are the pods bound to its eligible nodes, in the pod's namespace, matching
  the selector, not terminating (no deletionTimestamp), the pod itself left out;
* a node without the constraint's key fails with "(missing required label)"; otherwise placing the pod
  there gives skew = pods in the node's domain + 1 if the pod matches the selector itself - the global
  minimum over the domains (0 while there are fewer domains than ``minDomains``, default 1), and the node
  fails when skew > ``maxSkew``. The constraints are checked in order and the first failing one is the
  scheduler's reason.

The cluster's pods come from the context's index (the watch-fed index when the agent runs one); without
them the constraints are not evaluated and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Filter,
    Outcome,
    PodContext,
    detail_reader,
    failure,
    names,
    nodes_word,
)
from k8s_agent.analysis.scheduling.filters.node_affinity import required_node_affinity
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.analysis.scheduling.selectors import (
    compile_selector,
    describe_label_selector,
    label_selector_matches,
    tolerated,
)
from k8s_agent.kube.models import (
    LabelSelector,
    LabelSelectorRequirement,
    Node,
    Pod,
    TopologySpreadConstraint,
)

SKEW_WORDING = "node(s) didn't match pod topology spread constraints"
LABEL_WORDING = SKEW_WORDING + " (missing required label)"
TOPOLOGY_SPREAD = Check("TopologySpread", "PodTopologySpread", MISCELLANEOUS, SKEW_WORDING)
_BLOCKING = ("NoSchedule", "NoExecute")


@dataclass(slots=True)
class Spread:
    """One DoNotSchedule constraint made ready: the merged selector and, once the cluster is counted, the
    matching pods per domain and the global minimum (``low``; not changed after preparation)."""

    max_skew: int
    topology_key: str
    selector: LabelSelector | None
    min_domains: int
    honor_affinity: bool
    honor_taints: bool
    self_match: bool
    text: str
    counts: dict[str, int]
    low: int = 0

    def count_done(self) -> None:
        """The global minimum: 0 while there are fewer domains than minDomains, else the least count."""
        self.low = 0 if len(self.counts) < self.min_domains else min(self.counts.values())

    def counts_pods(self) -> bool:
        """The scheduler counts no pod for a selector without requirements (and None matches nothing)."""
        sel = self.selector
        return sel is not None and bool(sel.match_labels or sel.match_expressions)


def _selector(c: TopologySpreadConstraint, pod: Pod) -> LabelSelector | None:
    """The constraint's selector with the pod's values of ``matchLabelKeys`` required too (None stays None:
    the scheduler's merge leaves a selector that matches nothing as it is)."""
    sel = c.label_selector
    if sel is None:
        return None
    labels = pod.metadata.labels
    extra = [
        LabelSelectorRequirement(key=k, operator="In", values=[labels[k]])
        for k in dict.fromkeys(c.match_label_keys)
        if k in labels
    ]
    if not extra:
        return sel
    return LabelSelector(
        match_labels=dict(sel.match_labels), match_expressions=[*sel.match_expressions, *extra]
    )


@dataclass(frozen=True, slots=True)
class SpreadFailure:
    constraint: int
    domain: str  # "" when the node lacks the key
    matching: int
    skew: int


@dataclass(frozen=True, slots=True)
class SpreadDetail:
    failures: tuple[SpreadFailure, ...]


#: the SpreadDetail of an outcome of this filter (None for one without it, such as PASS)
detail = detail_reader(SpreadDetail)


class PodTopologySpread(Filter):
    plugin = "PodTopologySpread"
    checks = (TOPOLOGY_SPREAD,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        pod = ctx.pod
        hard = [c for c in pod.spec.topology_spread_constraints if c.when_unsatisfiable == "DoNotSchedule"]
        self.spreads: list[Spread] = []
        if not hard:
            return
        if ctx.index is None:
            ctx.notes.append(
                "the cluster's pods could not be read: the pod's topology spread constraints were not evaluated"
            )
            return
        required = required_node_affinity(ctx)
        compiled = compile_selector(required) if required is not None else None
        node_selector = pod.spec.node_selector
        tolerations = pod.spec.tolerations

        def affinity_ok(node: Node) -> bool:
            labels = node.metadata.labels
            if any(labels.get(k) != v for k, v in node_selector.items()):
                return False
            return compiled is None or compiled.first_match(node) is not None

        def taints_ok(node: Node) -> bool:
            return all(t.effect not in _BLOCKING or tolerated(tolerations, t) for t in node.spec.taints)

        for c in hard:
            sel = _selector(c, pod)
            self_match = label_selector_matches(sel, pod.metadata.labels)
            text = (
                f"maxSkew {c.max_skew} per {c.topology_key} over pods with {describe_label_selector(sel)} "
                f"in namespace {pod.metadata.namespace}"
            )
            self.spreads.append(
                Spread(
                    max_skew=c.max_skew,
                    topology_key=c.topology_key,
                    selector=sel,
                    min_domains=c.min_domains if c.min_domains is not None else 1,
                    honor_affinity=c.node_affinity_policy != "Ignore",
                    honor_taints=c.node_taints_policy == "Honor",
                    self_match=self_match,
                    text=text,
                    counts={},
                )
            )
        keys = [s.topology_key for s in self.spreads]
        index = ctx.index
        # only the pod's namespace counts: its pods by node (the index keeps them so), not the cluster's
        in_namespace = index.pods_in_namespace(pod.metadata.namespace)
        for name, node in index.nodes.items():
            labels = node.metadata.labels
            if any(k not in labels for k in keys):
                continue
            aff: bool | None = None
            tnt: bool | None = None
            on_node = in_namespace.get(name, ())
            counted: list[Pod] | None = (
                None  # the node's pods of the namespace that may count: not terminating
            )
            for s in self.spreads:
                if s.honor_affinity:
                    if aff is None:
                        aff = affinity_ok(node)
                    if not aff:
                        continue
                if s.honor_taints:
                    if tnt is None:
                        tnt = taints_ok(node)
                    if not tnt:
                        continue
                n = 0
                if s.counts_pods():
                    if counted is None:
                        counted = [p for p in on_node if p.metadata.deletion_timestamp is None]
                    n = sum(1 for p in counted if label_selector_matches(s.selector, p.metadata.labels))
                v = labels[s.topology_key]
                s.counts[v] = s.counts.get(v, 0) + n
        for s in self.spreads:
            s.count_done()

    def constant(self) -> Outcome | None:
        return None if self.spreads else PASS

    def evaluate(self, node: Node) -> Outcome:
        if not self.spreads:
            return PASS
        labels = node.metadata.labels
        fails = []
        found: list[SpreadFailure] = []
        sched = ""
        for i, s in enumerate(self.spreads):
            val = labels.get(s.topology_key)
            if val is None:
                found.append(SpreadFailure(i, "", 0, 0))
                fails.append(
                    failure(
                        TOPOLOGY_SPREAD,
                        f"topology spread: node has no {s.topology_key} label (constraint {s.text})",
                    )
                )
                sched = sched or LABEL_WORDING
                continue
            matching = s.counts.get(val, 0)
            low = s.low
            skew = matching + (1 if s.self_match else 0) - low
            if skew > s.max_skew:
                found.append(SpreadFailure(i, val, matching, skew))
                fails.append(failure(TOPOLOGY_SPREAD, self._skew_text(s, val, matching, skew)))
                sched = sched or SKEW_WORDING
        if not fails:
            return PASS
        return Outcome(tuple(fails), (sched,), SpreadDetail(tuple(found)))

    @staticmethod
    def _skew_text(s: Spread, val: str, matching: int, skew: int) -> str:
        low = s.low
        if len(s.counts) < s.min_domains:
            least = f"fewer domains ({len(s.counts)}) than minDomains {s.min_domains}, so the minimum is 0"
        else:
            emptiest = sorted(d for d, n in s.counts.items() if n == low)
            least = f"the least loaded {s.topology_key} ({names(emptiest, 3)}) has {low}"
        return (
            f"topology spread: {s.topology_key}={val} already has {matching} matching "
            f"pod{'' if matching == 1 else 's'} and {least}; placing the pod here makes the skew {skew} > "
            f"maxSkew {s.max_skew} ({s.text})"
        )

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        failing: dict[int, list[tuple[str, SpreadFailure]]] = {}
        for v in advice.failing:
            d = detail(v.outcome(cls.plugin))
            for f in d.failures if d is not None else ():
                failing.setdefault(f.constraint, []).append((v.node_name, f))
        if not failing:
            return []
        pod = advice.pod
        hard = [c for c in pod.spec.topology_spread_constraints if c.when_unsatisfiable == "DoNotSchedule"]
        out = []
        for i, hits in sorted(failing.items()):
            c = hard[i] if i < len(hard) else None
            if c is None:
                continue
            key = c.topology_key
            unlabelled = [n for n, f in hits if not f.domain]
            skewed = [(n, f) for n, f in hits if f.domain]
            if unlabelled:
                out.append(
                    f"{nodes_word(len(unlabelled))} ({names(unlabelled)}) have no {key} label and can never "
                    f"take the pod under its spread constraint on {key}: label them, or constrain the pod "
                    "to labelled nodes (nodeSelector/affinity)"
                )
            if not skewed:
                continue
            domains: dict[str, int] = {}
            for _, f in skewed:
                domains[f.domain] = f.matching
            full = ", ".join(f"{d} has {n}" for d, n in sorted(domains.items()))
            # the nodes in a domain this constraint allows (they may still fail something else)
            allowed = [
                v
                for v in advice.verdicts
                if (n := advice.nodes_by_name.get(v.node_name)) is not None
                and key in n.metadata.labels
                and not any(f.constraint == i for f in _failures(v.outcome(cls.plugin)))
            ]
            text = (
                f"topology spread on {key} (maxSkew {c.max_skew}): {full} matching pods, so "
                f"{nodes_word(len(skewed))} would exceed the skew"
            )
            if any(v.fits for v in allowed):
                text += "; the pod fits on the nodes of the other domains"
            else:
                if allowed:
                    shown = "; ".join(advice.excluded(v.node_name) for v in allowed[:3])
                    more = f" and {len(allowed) - 3} more" if len(allowed) > 3 else ""
                    text += f"; the nodes where the spread allows the pod are excluded: {shown}{more}"
                else:
                    text += "; no node is in a domain the spread allows"
                text += (
                    ": add capacity there, or relax the constraint (raise maxSkew, or whenUnsatisfiable: "
                    "ScheduleAnyway)"
                )
            out.append(text)
        return out


def _failures(outcome: Outcome) -> tuple[SpreadFailure, ...]:
    d = detail(outcome)
    return d.failures if d is not None else ()
