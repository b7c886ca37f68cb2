"""InterPodAffinity: the pod's required affinity (a matching pod in the node's topology domain for every
term; the first pod of a group that matches its own terms may go anywhere), its required anti-affinity (no
matching pod in the domain), and the required anti-affinity of the pods already running (symmetry).
Namespaces: the term's list, else its namespaceSelector (only ``kubernetes.io/metadata.name`` can be
evaluated: Namespace objects are not read), else the pod's own; ``matchLabelKeys`` / ``mismatchLabelKeys``
are folded into the selector."""

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
    nodes_word,
)
from k8s_agent.analysis.scheduling.index import ClusterIndex, pod_key
from k8s_agent.analysis.scheduling.message import POD_AFFINITY
from k8s_agent.analysis.scheduling.selectors import describe_label_selector, label_selector_matches
from k8s_agent.kube.models import LabelSelector, LabelSelectorRequirement, Node, Pod, PodAffinityTerm

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
AFFINITY_WORDING = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_WORDING = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_WORDING = "node(s) didn't satisfy existing pods anti-affinity rules"
POD_AFFINITY_CHECK = Check("PodAffinity", "InterPodAffinity", POD_AFFINITY, "")


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    """A required pod (anti-)affinity term made ready to match: the namespace set resolved against the
    owning pod's namespace, matchLabelKeys/mismatchLabelKeys folded into the selector."""

    topology_key: str
    selector: LabelSelector | None
    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None
    text: str
    uncertain: bool = False  # a namespaceSelector on labels we can't see (we don't read Namespaces)

    def matches(self, pod: Pod) -> bool:
        ns = pod.metadata.namespace
        if ns not in self.namespaces and not (
            self.namespace_selector is not None
            and label_selector_matches(self.namespace_selector, {NAMESPACE_NAME_LABEL: ns})
        ):
            return False
        return label_selector_matches(self.selector, pod.metadata.labels)


def make_term(term: PodAffinityTerm, owner: Pod) -> AffinityTerm:
    sel = term.label_selector
    extra = []
    for k in term.match_label_keys:
        if k in owner.metadata.labels:
            extra.append(LabelSelectorRequirement(key=k, operator="In", values=[owner.metadata.labels[k]]))
    for k in term.mismatch_label_keys:
        if k in owner.metadata.labels:
            extra.append(LabelSelectorRequirement(key=k, operator="NotIn", values=[owner.metadata.labels[k]]))
    if extra and sel is not None:
        sel = LabelSelector(
            match_labels=dict(sel.match_labels), match_expressions=list(sel.match_expressions) + extra
        )
    namespaces = frozenset(term.namespaces)
    if not term.namespaces and term.namespace_selector is None:
        namespaces = frozenset({owner.metadata.namespace})
    uncertain = False
    nss = term.namespace_selector
    if nss is not None:
        keys = set(nss.match_labels) | {r.key for r in nss.match_expressions}
        uncertain = bool(keys - {NAMESPACE_NAME_LABEL})
    if term.namespaces:
        where = f"namespaces {', '.join(sorted(term.namespaces))}"
    elif nss is None:
        where = f"namespace {owner.metadata.namespace}"
    else:
        where = ""
    if nss is not None:
        nsel = describe_label_selector(nss)
        where = (where + " and " if where else "") + (
            "all namespaces" if nsel.startswith("(empty") else f"namespaces matching {nsel}"
        )
    text = f"pods with {describe_label_selector(sel)} in {where}, per {term.topology_key}"
    return AffinityTerm(term.topology_key, sel, namespaces, nss, text, uncertain)


@dataclass(frozen=True, slots=True)
class PodAffinityDetail:
    matched: tuple[str, ...]  # how the node satisfies the affinity terms
    anti_affinity_failed: bool


_NOTHING = Outcome((), (), PodAffinityDetail((), False))


#: the PodAffinityDetail of an outcome of this filter (None for one without it, such as PASS)
detail = detail_reader(PodAffinityDetail)


class InterPodAffinity(Filter):
    plugin = "InterPodAffinity"
    checks = (POD_AFFINITY_CHECK,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        pod, index = ctx.pod, ctx.index
        aff = pod.spec.affinity
        pa = aff.pod_affinity if aff is not None else None
        paa = aff.pod_anti_affinity if aff is not None else None
        self.affinity_terms = [
            make_term(t, pod) for t in (pa.required_during_scheduling_ignored_during_execution if pa else [])
        ]
        self.anti_terms = [
            make_term(t, pod)
            for t in (paa.required_during_scheduling_ignored_during_execution if paa else [])
        ]
        if any(t.uncertain for t in self.affinity_terms + self.anti_terms):
            ctx.notes.append(
                "a pod affinity term selects namespaces by labels other than kubernetes.io/metadata.name; "
                "Namespace objects are not read, so only kubernetes.io/metadata.name was evaluated"
            )
        # (term index) -> {topology value: example pod}
        self.anti_domains: list[dict[str, str]] = [{} for _ in self.anti_terms]
        # (topology key, value) -> count of pods matching ALL affinity terms (scheduler: affinityCounts)
        self.affinity_counts: dict[tuple[str, str], int] = {}
        self.affinity_examples: dict[tuple[str, str], str] = {}
        # existing pods' anti-affinity: topology key -> {value: "pod (term)"}
        self.existing_anti: dict[str, dict[str, str]] = {}
        self.self_affinity = bool(self.affinity_terms) and all(t.matches(pod) for t in self.affinity_terms)
        self.existing_sorted: list[tuple[str, dict[str, str]]] = []
        if index is None:
            return
        nodes = index.nodes
        if self.affinity_terms or self.anti_terms:
            for node_name, pods in index.pods_by_node.items():
                node = nodes.get(node_name)
                if node is None:
                    continue
                labels = node.metadata.labels
                for p in pods:
                    for i, t in enumerate(self.anti_terms):
                        v = labels.get(t.topology_key)
                        if v is not None and v not in self.anti_domains[i] and t.matches(p):
                            self.anti_domains[i][v] = pod_key(p)
                    if self.affinity_terms and all(t.matches(p) for t in self.affinity_terms):
                        for t in self.affinity_terms:
                            v = labels.get(t.topology_key)
                            if v is not None:
                                k = (t.topology_key, v)
                                self.affinity_counts[k] = self.affinity_counts.get(k, 0) + 1
                                self.affinity_examples.setdefault(k, pod_key(p))
        self._existing(pod, index)

    def _existing(self, pod: Pod, index: ClusterIndex) -> None:
        nodes = index.nodes
        for p in index.anti_affinity_pods:
            node = nodes.get(p.spec.node_name)
            p_aff = p.spec.affinity
            if node is None or p_aff is None or p_aff.pod_anti_affinity is None:
                continue
            for term in p_aff.pod_anti_affinity.required_during_scheduling_ignored_during_execution:
                v = node.metadata.labels.get(term.topology_key)
                if v is None:
                    continue
                t = make_term(term, p)
                if t.matches(pod):
                    self.existing_anti.setdefault(term.topology_key, {}).setdefault(
                        v, f"{pod_key(p)} (anti-affinity to {describe_label_selector(t.selector)})"
                    )
        self.existing_sorted = sorted(self.existing_anti.items())

    def constant(self) -> Outcome | None:
        if self.ctx.index is None:
            return PASS
        if not self.existing_sorted and not self.anti_terms and not self.affinity_terms:
            return _NOTHING
        return None

    def evaluate(self, node: Node) -> Outcome:
        if self.ctx.index is None:
            return PASS
        if not self.existing_sorted and not self.anti_terms and not self.affinity_terms:
            return _NOTHING
        labels = node.metadata.labels
        fails = []
        matched: list[str] = []
        existing = anti = affinity = False
        for key, domains in self.existing_sorted:
            val = labels.get(key)
            if val is not None and val in domains:
                existing = True
                text = f"existing pod {domains[val]} forbids it in {key}={val}"
                fails.append(failure(POD_AFFINITY_CHECK, f"pod anti-affinity of existing pods: {text}"))
        for t, domains in zip(self.anti_terms, self.anti_domains, strict=True):
            val = labels.get(t.topology_key)
            if val is not None and val in domains:
                anti = True
                text = f"pod {domains[val]} in {t.topology_key}={val} matches anti-affinity term ({t.text})"
                fails.append(failure(POD_AFFINITY_CHECK, f"pod anti-affinity conflict: {text}"))
        if self.affinity_terms:
            missing_key = next((t for t in self.affinity_terms if t.topology_key not in labels), None)
            if missing_key is not None:
                affinity = True
                text = f"node has no {missing_key.topology_key} label (affinity term: {missing_key.text})"
                fails.append(failure(POD_AFFINITY_CHECK, f"pod affinity not satisfied: {text}"))
            else:
                unmet = [
                    t
                    for t in self.affinity_terms
                    if self.affinity_counts.get((t.topology_key, labels[t.topology_key]), 0) <= 0
                ]
                if not unmet:
                    for t in self.affinity_terms:
                        k = (t.topology_key, labels[t.topology_key])
                        matched.append(
                            f"pod {self.affinity_examples[k]} in {k[0]}={k[1]} matches affinity term ({t.text})"
                        )
                elif not self.affinity_counts and self.self_affinity:
                    matched.append(
                        "no pod matches the affinity terms anywhere, and the pod matches its own terms: "
                        "the first pod of the group may go to any node"
                    )
                else:
                    affinity = True
                    for t in unmet:
                        text = (
                            f"no pod matching the affinity term ({t.text}) in "
                            f"{t.topology_key}={labels[t.topology_key]}"
                        )
                        fails.append(failure(POD_AFFINITY_CHECK, f"pod affinity not satisfied: {text}"))
        # the scheduler checks affinity, then anti-affinity, then the existing pods', and reports the first
        sched = (
            AFFINITY_WORDING
            if affinity
            else ANTI_AFFINITY_WORDING
            if anti
            else EXISTING_ANTI_AFFINITY_WORDING
            if existing
            else ""
        )
        return Outcome(
            tuple(fails), (sched,) if sched else (), PodAffinityDetail(tuple(matched), anti or existing)
        )

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        pa = [v for v in advice.failing if v.failed(POD_AFFINITY_CHECK)]
        if not pa:
            return []
        first = next(f.reason for f in pa[0].failures if f.check is POD_AFFINITY_CHECK)
        first = first.split(": ", 1)[1] if ": " in first else first
        return [
            f"{nodes_word(len(pa))} excluded by pod affinity/anti-affinity (e.g. {pa[0].node_name}: {first}); "
            "add nodes in new topology domains, start the pods it must run next to, or relax the rule to "
            "preferredDuringSchedulingIgnoredDuringExecution"
        ]
