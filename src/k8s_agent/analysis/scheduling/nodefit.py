"""Which nodes could run a pod now, and why not, evaluated from live objects the way kube-scheduler's
filter plugins evaluate them (``pkg/scheduler/framework/plugins``), naming the nodes.

Filters, in the scheduler's default order (the order decides which reason the scheduler reports for a
node, because it stops at the first failing filter; this module runs them all):

1. NodeUnschedulable: ``spec.unschedulable`` unless the pod tolerates ``node.kubernetes.io/unschedulable``.
2. TaintToleration: NoSchedule/NoExecute taints the pod does not tolerate. Readiness is judged here too:
   a node whose Ready condition is False/Unknown/missing is not ready unless the pod tolerates the
   ``node.kubernetes.io/not-ready`` / ``unreachable`` taint the node lifecycle controller puts on it.
3. NodeAffinity: ``nodeSelector`` and required node affinity (In/NotIn/Exists/DoesNotExist/Gt/Lt,
   ``matchFields`` on ``metadata.name``; terms ORed, expressions ANDed; an empty term matches nothing).
4. NodePorts: hostPort/protocol/hostIP against the ports of the pods on the node.
5. NodeResourcesFit: node allocatable minus the effective requests of the non-terminated pods bound to it,
   for every resource the pod requests, plus the pod count.
6. VolumeBinding / VolumeZone: a bound PVC's PV node affinity and zone labels.
7. InterPodAffinity: required affinity / anti-affinity with topology domains and namespace semantics, and
   the required anti-affinity of the pods already running (symmetry).

Pod-level problems (a missing PVC, a ReadWriteOncePod claim in use) are not copied to every node: they are
returned once, as blockers. Everything is pure: objects in, verdicts out.

Cost: pods are grouped by node and their requests computed once (quantity strings are parsed through a
cache, sums are integers in the scheduler's units): 500 nodes x 10,000 pods take well under 100 ms
(``scripts/bench_scheduling.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from k8s_agent.analysis.common import is_terminated
from k8s_agent.analysis.quantity import human
from k8s_agent.analysis.resources import nano, pod_request_nanos, to_units
from k8s_agent.analysis.scheduling.message import (
    INSUFFICIENT_CPU,
    INSUFFICIENT_MEMORY,
    INSUFFICIENT_STORAGE,
    MISCELLANEOUS,
    NODE_AFFINITY,
    NODE_NOT_READY,
    NOT_READY_TAINT_KEYS,
    POD_AFFINITY,
    TAINT_TOLERATION,
    VOLUME_ATTACHMENT,
    VOLUME_MULTI_ATTACH,
    VOLUME_NODE_AFFINITY,
    sort_categories,
)
from k8s_agent.kube.models import (
    LabelSelector,
    LabelSelectorRequirement,
    Node,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    PodAffinityTerm,
    Taint,
    Toleration,
)

# ------------------------------------------------------------------------------------------ constants
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
HOSTNAME_LABEL = "kubernetes.io/hostname"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
ZONE_LABELS = (
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
)
_BETA_TO_GA = {
    "failure-domain.beta.kubernetes.io/zone": "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region": "topology.kubernetes.io/region",
}

# Filter names (the explain summary counts nodes per filter).
F_NOT_READY = "NodeNotReady"
F_UNSCHEDULABLE = "Unschedulable"
F_TAINTS = "Taints"
F_NODE_SELECTOR = "NodeSelector"
F_NODE_AFFINITY = "NodeAffinity"
F_HOST_PORTS = "HostPorts"
F_RESOURCES = "Resources"
F_VOLUME = "Volume"
F_POD_AFFINITY = "PodAffinity"

_STANDARD = ("cpu", "memory", "ephemeral-storage")
_RESOURCE_CATEGORY = {
    "cpu": INSUFFICIENT_CPU,
    "memory": INSUFFICIENT_MEMORY,
    "ephemeral-storage": INSUFFICIENT_STORAGE,
}


# ------------------------------------------------------------------------------------------ requests
def effective_request(pod: Pod) -> dict[str, int]:
    """The pod's effective request in scheduler units (cpu in millicores, everything else in units), by the
    one rule of ``resources.pod_request_nanos``."""
    return {k: to_units(k, v) for k, v in pod_request_nanos(pod).items()}


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def node_allocatable(node: Node) -> dict[str, int]:
    """Allocatable in scheduler units."""
    out: dict[str, int] = {}
    for k, v in node.status.allocatable.items():
        n = nano(v)
        if n is not None:
            out[k] = to_units(k, n)
    return out


_BIN_UNITS = tuple(
    (1024**e, suffix) for e, suffix in ((6, "Ei"), (5, "Pi"), (4, "Ti"), (3, "Gi"), (2, "Mi"), (1, "Ki"))
)
_BYTES = ("memory", "ephemeral-storage", "storage")


def show(resource: str, units: int) -> str:
    """Scheduler units as a human quantity (``1.5Gi``, ``250m``, ``2``): the same text as
    ``quantity.human`` (integer fast path; this runs for every node of a large cluster)."""
    if resource == "cpu":
        return str(units // 1000) if units % 1000 == 0 else f"{units}m"
    if resource in _BYTES or resource.startswith("hugepages-"):
        sign = "-" if units < 0 else ""
        v = abs(units)
        for unit, suffix in _BIN_UNITS:
            if v >= unit:
                text = f"{v / unit:.1f}".rstrip("0").rstrip(".")
                return f"{sign}{text}{suffix}"
        return f"{sign}{v}"
    return human(resource, units)


# ------------------------------------------------------------------------------------------ matching
def pod_key(pod: Pod) -> str:
    return f"{pod.metadata.namespace}/{pod.metadata.name}"


def tolerates(tol: Toleration, taint: Taint) -> bool:
    """``Toleration.ToleratesTaint``: an empty effect matches every effect, an empty key with Exists
    matches every key; Equal (or no operator) compares values."""
    if tol.effect and tol.effect != taint.effect:
        return False
    if tol.key and tol.key != taint.key:
        return False
    if tol.operator == "Exists":
        return True
    if tol.operator in ("", "Equal"):
        return tol.value == taint.value
    return False


def tolerated(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def taint_str(t: Taint) -> str:
    return f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}"


def _req_text(r: NodeSelectorRequirement, kind: str = "") -> str:
    prefix = f"{kind} " if kind else ""
    if r.operator in ("Exists", "DoesNotExist"):
        return f"{prefix}{r.key} {r.operator}"
    return f"{prefix}{r.key} {r.operator} [{', '.join(r.values)}]"


def _int_or_none(s: str) -> int | None:
    try:
        return int(s.strip())
    except (ValueError, AttributeError):
        return None


def requirement_matches(r: NodeSelectorRequirement, labels: Mapping[str, str]) -> bool:
    """One node selector requirement against a label set (``nodeaffinity`` semantics)."""
    op = r.operator
    if op == "In":
        return r.key in labels and labels[r.key] in r.values
    if op == "NotIn":
        return r.key not in labels or labels[r.key] not in r.values
    if op == "Exists":
        return r.key in labels
    if op == "DoesNotExist":
        return r.key not in labels
    if op in ("Gt", "Lt"):
        if r.key not in labels or len(r.values) != 1:
            return False
        have, want = _int_or_none(labels[r.key]), _int_or_none(r.values[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _field_matches(r: NodeSelectorRequirement, node: Node) -> bool:
    if r.key != "metadata.name":
        return False
    if r.operator == "In":
        return node.metadata.name in r.values
    if r.operator == "NotIn":
        return node.metadata.name not in r.values
    return False


def term_matches(term: NodeSelectorTerm, node: Node) -> bool:
    """Expressions and fields ANDed; a term with neither matches nothing."""
    if not term.match_expressions and not term.match_fields:
        return False
    labels = node.metadata.labels
    return all(requirement_matches(r, labels) for r in term.match_expressions) and all(
        _field_matches(r, node) for r in term.match_fields
    )


def node_selector_matches(sel: NodeSelector, node: Node) -> int | None:
    """Index of the first matching term (terms ORed), or None."""
    for i, term in enumerate(sel.node_selector_terms):
        if term_matches(term, node):
            return i
    return None


def describe_term(term: NodeSelectorTerm) -> str:
    parts = [_req_text(r) for r in term.match_expressions] + [
        _req_text(r, "field") for r in term.match_fields
    ]
    return " AND ".join(parts) if parts else "(empty term: matches nothing)"


def _term_failure(term: NodeSelectorTerm, node: Node) -> str:
    """The first requirement of a term the node fails, with the node's value."""
    if not term.match_expressions and not term.match_fields:
        return "empty term matches nothing"
    labels = node.metadata.labels
    for r in term.match_expressions:
        if not requirement_matches(r, labels):
            have = f"node has {r.key}={labels[r.key]}" if r.key in labels else f"node has no label {r.key}"
            return f"{_req_text(r)} ({have})"
    for r in term.match_fields:
        if not _field_matches(r, node):
            return f"{_req_text(r, 'field')} (node is {node.metadata.name})"
    return describe_term(term)  # pragma: no cover


def label_selector_matches(sel: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector: None matches nothing, an empty selector matches everything."""
    if sel is None:
        return False
    for k, v in sel.match_labels.items():
        if labels.get(k) != v:
            return False
    for r in sel.match_expressions:
        op = r.operator
        if op == "In":
            if r.key not in labels or labels[r.key] not in r.values:
                return False
        elif op == "NotIn":
            if r.key in labels and labels[r.key] in r.values:
                return False
        elif op == "Exists":
            if r.key not in labels:
                return False
        elif op == "DoesNotExist":
            if r.key in labels:
                return False
        else:
            return False
    return True


def describe_label_selector(sel: LabelSelector | None) -> str:
    if sel is None:
        return "(no selector: matches nothing)"
    parts = [f"{k}={v}" for k, v in sorted(sel.match_labels.items())]
    for r in sel.match_expressions:
        if r.operator in ("Exists", "DoesNotExist"):
            parts.append(f"{r.key} {r.operator}")
        else:
            parts.append(f"{r.key} {r.operator} [{', '.join(r.values)}]")
    return ", ".join(parts) if parts else "(empty selector: every pod)"


# --------------------------------------------------------------------------------------- affinity terms
@dataclass(slots=True)
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
            extra.append({"key": k, "operator": "In", "values": [owner.metadata.labels[k]]})
    for k in term.mismatch_label_keys:
        if k in owner.metadata.labels:
            extra.append({"key": k, "operator": "NotIn", "values": [owner.metadata.labels[k]]})
    if extra and sel is not None:
        sel = LabelSelector(
            match_labels=dict(sel.match_labels),
            match_expressions=list(sel.match_expressions) + [LabelSelectorRequirement(**e) for e in extra],
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


# ------------------------------------------------------------------------------------------ results
@dataclass(slots=True)
class ResourceShortfall:
    """One resource a node lacks, in scheduler units."""

    resource: str
    requested: int
    free: int
    allocatable: int
    used: int

    def text(self) -> str:
        if self.resource == "pods":
            return f"too many pods ({self.used} of {self.allocatable} allowed pods already on the node)"
        free = max(self.free, 0)
        return (
            f"insufficient {self.resource} (requested: {show(self.resource, self.requested)}, "
            f"free: {show(self.resource, free)} of {show(self.resource, self.allocatable)} allocatable)"
        )


@dataclass(slots=True)
class VolumeConstraint:
    """A bound PV that can only be used on some nodes."""

    claim: str
    pv: str
    required: NodeSelector | None
    zone_labels: dict[str, frozenset[str]]  # label key -> allowed values (VolumeZone)

    def describe(self) -> str:
        parts = []
        if self.required is not None:
            terms = [describe_term(t) for t in self.required.node_selector_terms]
            parts.append(" OR ".join(terms) if terms else "no node (no terms)")
        for k, vals in sorted(self.zone_labels.items()):
            parts.append(f"{k} In [{', '.join(sorted(vals))}]")
        return "; ".join(parts)


@dataclass(slots=True)
class PodIssue:
    """A problem of the pod itself (not of any node): it blocks every node."""

    message: str
    category: str
    fix: str = ""


@dataclass(slots=True)
class NodeVerdict:
    """What the scheduler's filters would say about one node for this pod."""

    node_name: str
    fits: bool = True
    reasons: list[str] = field(default_factory=list)
    insufficient_resources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    #: failed filters in the scheduler's order; the first is what the scheduler would have reported
    filters: list[str] = field(default_factory=list)
    #: categories of the first failing filter (the scheduler counts a node once, under its first failure)
    first_categories: list[str] = field(default_factory=list)
    # details the explanations are built from
    ready: str = "True"  # the Ready condition status: True / False / Unknown ("" when absent)
    ready_detail: str = ""
    cordoned: bool = False
    untolerated_taints: list[Taint] = field(default_factory=list)
    tolerated_taints: list[Taint] = field(default_factory=list)
    selector_mismatches: list[tuple[str, str, str | None]] = field(default_factory=list)  # key, wanted, has
    matched_selector: dict[str, str] = field(default_factory=dict)
    affinity_failures: list[str] = field(default_factory=list)
    matched_affinity_term: str = ""
    shortfalls: list[ResourceShortfall] = field(default_factory=list)
    usage: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # resource -> (used by others, allocatable)
    port_conflicts: list[str] = field(default_factory=list)
    pod_affinity_failures: list[str] = field(default_factory=list)
    pod_affinity_matched: list[str] = field(default_factory=list)
    volume_conflicts: list[tuple[VolumeConstraint, str]] = field(default_factory=list)

    def _fail(self, flt: str, reason: str, cats: Iterable[str]) -> None:
        self.fits = False
        self.reasons.append(reason)
        cats = list(cats)
        if flt not in self.filters:
            if not self.filters:
                self.first_categories = sort_categories(cats)
            self.filters.append(flt)
        elif self.filters[0] == flt:
            self.first_categories = sort_categories([*self.first_categories, *cats])
        self.categories = sort_categories([*self.categories, *cats])


@dataclass(slots=True)
class FitReport:
    """Verdicts for every node (in name order) and the pod-level findings."""

    verdicts: list[NodeVerdict]
    request: dict[str, int]
    blockers: list[PodIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pods_known: bool = True
    volume_constraints: list[VolumeConstraint] = field(default_factory=list)
    anti_affinity_terms: list[str] = field(
        default_factory=list
    )  # the pod's required anti-affinity, described

    @property
    def fitting(self) -> list[str]:
        return [v.node_name for v in self.verdicts if v.fits]


# ------------------------------------------------------------------------------------------ cluster index
@dataclass(slots=True)
class _HostPort:
    ip: str
    protocol: str
    port: int


def _host_ports(pod: Pod) -> list[_HostPort]:
    out = []
    containers = list(pod.spec.containers) + [
        c for c in pod.spec.init_containers if c.restart_policy == "Always"
    ]
    for c in containers:
        for p in c.ports:
            if p.host_port and p.host_port > 0:
                out.append(_HostPort(p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port))
    return out


class ClusterIndex:
    """The cluster grouped once: non-terminated bound pods per node (the pod under analysis excluded), their
    summed requests, pod counts and host ports, and the pods that carry required anti-affinity."""

    __slots__ = ("nodes", "pods_by_node", "requested", "pod_count", "ports", "anti_affinity_pods", "all_pods")

    def __init__(self, nodes: Iterable[Node], pods: Iterable[Pod], exclude: Pod | None = None) -> None:
        self.nodes: dict[str, Node] = {n.metadata.name: n for n in nodes}
        self.pods_by_node: dict[str, list[Pod]] = {}
        self.requested: dict[str, dict[str, int]] = {}
        self.pod_count: dict[str, int] = {}
        self.ports: dict[str, dict[tuple[str, int], list[tuple[str, str]]]] = {}
        self.anti_affinity_pods: list[Pod] = []
        self.all_pods: list[Pod] = []
        ex_uid = exclude.metadata.uid if exclude is not None else ""
        ex_key = (exclude.metadata.namespace, exclude.metadata.name) if exclude is not None else None
        for p in pods:
            if is_terminated(p):
                continue
            md = p.metadata
            if exclude is not None and (
                (md.uid == ex_uid) if (ex_uid and md.uid) else ((md.namespace, md.name) == ex_key)
            ):
                continue
            self.all_pods.append(p)
            node = p.spec.node_name
            if not node:
                continue
            self.pods_by_node.setdefault(node, []).append(p)
            self.pod_count[node] = self.pod_count.get(node, 0) + 1
            req = effective_request(p)
            if req:
                _add(self.requested.setdefault(node, {}), req)
            hp = _host_ports(p)
            if hp:
                slots = self.ports.setdefault(node, {})
                for h in hp:
                    slots.setdefault((h.protocol, h.port), []).append((h.ip, pod_key(p)))
            aff = p.spec.affinity
            if (
                aff is not None
                and aff.pod_anti_affinity is not None
                and (aff.pod_anti_affinity.required_during_scheduling_ignored_during_execution)
            ):
                self.anti_affinity_pods.append(p)


# ------------------------------------------------------------------------------------------ node ready
def ready_condition(node: Node) -> tuple[str, str]:
    """(status, "reason: message") of the Ready condition; status "" when the node has none."""
    for c in node.status.conditions:
        if c.type == "Ready":
            detail = ": ".join(x for x in (c.reason, c.message) if x)
            return c.status or "Unknown", detail
    return "", ""


# ------------------------------------------------------------------------------------------ evaluation
class PodFit:
    """Everything about the pod computed once, then ``evaluate(node)`` per node."""

    def __init__(
        self,
        pod: Pod,
        index: ClusterIndex | None,
        pvcs: Mapping[str, PersistentVolumeClaim],
        pvs: Mapping[str, PersistentVolume],
        *,
        unreadable_pvcs: Collection[str] = (),
        unreadable_pvs: Collection[str] = (),
    ) -> None:
        self.pod = pod
        self.index = index
        self.request = effective_request(pod)
        self.tolerations = list(pod.spec.tolerations)
        self.host_ports = _host_ports(pod)
        self.blockers: list[PodIssue] = []
        self.notes: list[str] = []
        aff = pod.spec.affinity
        na = aff.node_affinity if aff is not None else None
        self.required_node: NodeSelector | None = (
            na.required_during_scheduling_ignored_during_execution if na is not None else None
        )
        self.volume_constraints: list[VolumeConstraint] = []
        self._volumes(pvcs, pvs, unreadable_pvcs, unreadable_pvs)
        self._pod_affinity_plan()

    # ---------------------------------------------------------------- volumes (pod level, once)
    def claims(self) -> list[tuple[str, bool]]:
        """(claim name, is a generic ephemeral volume) of every PVC the pod uses."""
        return pod_claims(self.pod)

    def _volumes(self, pvcs, pvs, unreadable_pvcs, unreadable_pvs) -> None:
        for claim, ephemeral in self.claims():
            if claim in unreadable_pvcs:
                self.notes.append(f"PVC {claim} could not be read; its volume checks were skipped")
                continue
            pvc = pvcs.get(claim)
            if pvc is None:
                msg = (
                    f'waiting for ephemeral volume controller to create the persistentvolumeclaim "{claim}"'
                    if ephemeral
                    else f'persistentvolumeclaim "{claim}" not found'
                )
                fix = (
                    "the ephemeral volume controller creates it shortly after the pod; if it does not, check "
                    "kube-controller-manager and the volumeClaimTemplate"
                    if ephemeral
                    else f"create PVC {claim} in namespace {self.pod.metadata.namespace}, or fix claimName in the pod spec"
                )
                self.blockers.append(PodIssue(msg, VOLUME_ATTACHMENT, fix))
                continue
            if pvc.metadata.deletion_timestamp is not None:
                self.blockers.append(
                    PodIssue(
                        f'persistentvolumeclaim "{claim}" is being deleted',
                        VOLUME_ATTACHMENT,
                        f"wait for PVC {claim} to be deleted and recreate it, or use another claim",
                    )
                )
                continue
            if pvc.status.phase == "Lost":
                self.blockers.append(
                    PodIssue(
                        f'persistentvolumeclaim "{claim}" is Lost: its persistentvolume '
                        f'"{pvc.spec.volume_name}" no longer exists',
                        VOLUME_ATTACHMENT,
                        f"restore PV {pvc.spec.volume_name} or recreate PVC {claim} (its data is gone with the PV)",
                    )
                )
                continue
            modes = set(pvc.spec.access_modes) | set(pvc.status.access_modes)
            if "ReadWriteOncePod" in modes and self.index is not None:
                users = self._claim_users(claim)
                if users:
                    self.blockers.append(
                        PodIssue(
                            f"PVC {claim} has access mode ReadWriteOncePod and is already used by pod "
                            f"{', '.join(users)}",
                            VOLUME_MULTI_ATTACH,
                            f"stop the other pod using PVC {claim}, or use a claim of its own for this pod",
                        )
                    )
            if not pvc.spec.volume_name:
                sc = pvc.spec.storage_class_name
                self.notes.append(
                    f"PVC {claim} is not bound yet (phase {pvc.status.phase or 'Pending'}"
                    + (f", storage class {sc}" if sc else "")
                    + "): waiting for binding. With a WaitForFirstConsumer storage class that is expected "
                    "until the pod is scheduled; with Immediate binding the provisioner has not bound it yet"
                )
                continue
            pv_name = pvc.spec.volume_name
            if pv_name in unreadable_pvs:
                self.notes.append(
                    f"PV {pv_name} (claim {claim}) could not be read; its node affinity was not checked"
                )
                continue
            pv = pvs.get(pv_name)
            if pv is None:
                self.blockers.append(
                    PodIssue(
                        f'persistentvolumeclaim "{claim}" bound to non-existent persistentvolume "{pv_name}"',
                        VOLUME_ATTACHMENT,
                        f"restore PV {pv_name}, or recreate PVC {claim} so that a new volume is provisioned",
                    )
                )
                continue
            if "ReadWriteOnce" in modes and self.index is not None:
                users = self._claim_users(claim, with_node=True)
                if users:
                    self.notes.append(
                        f"PVC {claim} (ReadWriteOnce) is mounted by {', '.join(users)}; on another node the pod "
                        "would start but fail to attach the volume (Multi-Attach error)"
                    )
            required = pv.spec.node_affinity.required if pv.spec.node_affinity is not None else None
            zones = {}
            for k in ZONE_LABELS:
                v = pv.metadata.labels.get(k)
                if v:
                    zones[k] = frozenset(x for x in v.split("__") if x)
            if required is not None or zones:
                self.volume_constraints.append(VolumeConstraint(claim, pv_name, required, zones))

    def _claim_users(self, claim: str, with_node: bool = False) -> list[str]:
        assert self.index is not None
        ns = self.pod.metadata.namespace
        users = []
        for p in self.index.all_pods:
            if p.metadata.namespace != ns:
                continue
            if claim in (c for c, _ in pod_claims(p)):
                where = f" on node {p.spec.node_name}" if with_node and p.spec.node_name else ""
                users.append(f"{pod_key(p)}{where}")
        return sorted(users)

    # ---------------------------------------------------------------- pod affinity (once)
    def _pod_affinity_plan(self) -> None:
        pod, index = self.pod, self.index
        aff = pod.spec.affinity
        self.affinity_terms: list[AffinityTerm] = []
        self.anti_terms: list[AffinityTerm] = []
        if aff is not None and aff.pod_affinity is not None:
            self.affinity_terms = [
                make_term(t, pod)
                for t in aff.pod_affinity.required_during_scheduling_ignored_during_execution
            ]
        if aff is not None and aff.pod_anti_affinity is not None:
            self.anti_terms = [
                make_term(t, pod)
                for t in aff.pod_anti_affinity.required_during_scheduling_ignored_during_execution
            ]
        if any(t.uncertain for t in self.affinity_terms + self.anti_terms):
            self.notes.append(
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
        for p in index.anti_affinity_pods:
            node = nodes.get(p.spec.node_name)
            if node is None:
                continue
            for term in p.spec.affinity.pod_anti_affinity.required_during_scheduling_ignored_during_execution:  # type: ignore[union-attr]
                v = node.metadata.labels.get(term.topology_key)
                if v is None:
                    continue
                t = make_term(term, p)
                if t.matches(pod):
                    self.existing_anti.setdefault(term.topology_key, {}).setdefault(
                        v, f"{pod_key(p)} (anti-affinity to {describe_label_selector(t.selector)})"
                    )

    # ---------------------------------------------------------------- per node
    def evaluate(self, node: Node) -> NodeVerdict:
        pod, index = self.pod, self.index
        name = node.metadata.name
        v = NodeVerdict(node_name=name)
        labels = node.metadata.labels
        tols = self.tolerations

        # Ready (judged as the scheduler does: through the lifecycle taints the pod may tolerate)
        status, detail = ready_condition(node)
        v.ready, v.ready_detail = status, detail
        handled: set[str] = set()
        if status != "True":
            handled |= NOT_READY_TAINT_KEYS
            lifecycle = [t for t in node.spec.taints if t.key in NOT_READY_TAINT_KEYS]
            if lifecycle:
                blocking = [
                    t for t in lifecycle if t.effect in ("NoSchedule", "NoExecute") and not tolerated(tols, t)
                ]
            else:
                key = TAINT_NOT_READY if status == "False" else TAINT_UNREACHABLE
                synth = Taint(key=key, effect="NoSchedule")
                blocking = [] if tolerated(tols, synth) else [synth]
            if blocking:
                state = {"False": "NotReady", "": "Unknown (no Ready condition)"}.get(
                    status, "Unknown (unreachable)"
                )
                text = f"node is not ready: Ready={state}" + (f" ({detail})" if detail else "")
                # NodeUnschedulable runs before TaintToleration; the ready check is recorded after it below
                ready_fail = (text, blocking)
            else:
                ready_fail = None
        else:
            ready_fail = None

        # 1. NodeUnschedulable
        if node.spec.unschedulable:
            handled.add(TAINT_UNSCHEDULABLE)
            if not tolerated(tols, Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule")):
                v.cordoned = True
                v._fail(F_UNSCHEDULABLE, "node is cordoned (spec.unschedulable)", [MISCELLANEOUS])

        # 2. TaintToleration (with readiness)
        if ready_fail is not None:
            v.untolerated_taints.extend(ready_fail[1])
            v._fail(F_NOT_READY, ready_fail[0], [NODE_NOT_READY])
        for t in node.spec.taints:
            if t.key in handled:
                continue
            if tolerated(tols, t):
                v.tolerated_taints.append(t)
                continue
            if t.effect not in ("NoSchedule", "NoExecute"):
                continue  # PreferNoSchedule only lowers the score
            v.untolerated_taints.append(t)
            if t.key in NOT_READY_TAINT_KEYS:
                v._fail(
                    F_NOT_READY, f"node has taint {taint_str(t)} (the node was not ready)", [NODE_NOT_READY]
                )
            else:
                v._fail(F_TAINTS, f"untolerated taint {taint_str(t)}", [TAINT_TOLERATION])

        # 3. NodeAffinity: nodeSelector then required node affinity
        for k, want in sorted(pod.spec.node_selector.items()):
            have = labels.get(k)
            if have == want:
                v.matched_selector[k] = want
            else:
                v.selector_mismatches.append((k, want, have))
                why = f"node has {k}={have}" if have is not None else "label missing"
                v._fail(F_NODE_SELECTOR, f"node selector {k}={want} not matched ({why})", [NODE_AFFINITY])
        if self.required_node is not None:
            idx = node_selector_matches(self.required_node, node)
            if idx is None:
                terms = self.required_node.node_selector_terms
                fails = [_term_failure(t, node) for t in terms] or ["no terms"]
                v.affinity_failures = fails
                text = fails[0] if len(fails) == 1 else " OR ".join(f"[{f}]" for f in fails)
                v._fail(F_NODE_AFFINITY, f"required node affinity not matched: {text}", [NODE_AFFINITY])
            else:
                v.matched_affinity_term = describe_term(self.required_node.node_selector_terms[idx])

        # 4. NodePorts
        if index is not None and self.host_ports:
            slots = index.ports.get(name)
            if slots:
                for hp in self.host_ports:
                    for ip, owner in slots.get((hp.protocol, hp.port), ()):
                        if ip == hp.ip or ip == "0.0.0.0" or hp.ip == "0.0.0.0":
                            conflict = f"host port {hp.port}/{hp.protocol} already used by pod {owner}"
                            v.port_conflicts.append(conflict)
                            v._fail(F_HOST_PORTS, conflict, [MISCELLANEOUS])
                            break

        # 5. NodeResourcesFit
        if index is not None:
            self._resources(node, v, index)

        # 6. VolumeBinding / VolumeZone (bound PVs)
        for vc in self.volume_constraints:
            why = self._volume_conflict(vc, node)
            if why:
                v.volume_conflicts.append((vc, why))
                v._fail(
                    F_VOLUME,
                    f"volume node affinity conflict: PV {vc.pv} (claim {vc.claim}) {why}",
                    [VOLUME_NODE_AFFINITY],
                )

        # 7. InterPodAffinity
        if index is not None:
            self._pod_affinity(node, v)
        return v

    def _resources(self, node: Node, v: NodeVerdict, index: ClusterIndex) -> None:
        name = node.metadata.name
        alloc = node_allocatable(node)
        used = index.requested.get(name, {})
        count = index.pod_count.get(name, 0)
        req = self.request
        for r in sorted(set(req) | {"cpu", "memory"}):
            if r != "pods":
                v.usage[r] = (used.get(r, 0), alloc.get(r, 0))
        if "pods" in alloc:
            v.usage["pods"] = (count, alloc["pods"])
            if count + 1 > alloc["pods"]:
                sf = ResourceShortfall("pods", 1, alloc["pods"] - count, alloc["pods"], count)
                v.shortfalls.append(sf)
                v.insufficient_resources.append(sf.text())
                v._fail(F_RESOURCES, "too many pods", [MISCELLANEOUS])
        ordered = [r for r in _STANDARD if r in req] + sorted(
            r for r in req if r not in _STANDARD and r != "pods"
        )
        for r in ordered:
            want = req[r]
            if want <= 0:
                continue
            a = alloc.get(r, 0)
            u = used.get(r, 0)
            if want > a - u:
                sf = ResourceShortfall(r, want, a - u, a, u)
                v.shortfalls.append(sf)
                v.insufficient_resources.append(sf.text())
                v._fail(F_RESOURCES, f"insufficient {r}", [_RESOURCE_CATEGORY.get(r, MISCELLANEOUS)])

    @staticmethod
    def _volume_conflict(vc: VolumeConstraint, node: Node) -> str:
        labels = node.metadata.labels
        if vc.required is not None and node_selector_matches(vc.required, node) is None:
            fails = [_term_failure(t, node) for t in vc.required.node_selector_terms] or ["has no terms"]
            return "requires " + " OR ".join(fails)
        if vc.zone_labels and any(k in labels for k in ZONE_LABELS):
            for k, allowed in sorted(vc.zone_labels.items()):
                have = labels.get(k)
                if have is None:
                    have = labels.get(_BETA_TO_GA.get(k, ""))
                if have is None or have not in allowed:
                    shown = f"node has {have}" if have is not None else f"node has no {k} label"
                    return f"is in {k}={'/'.join(sorted(allowed))} ({shown})"
        return ""

    def _pod_affinity(self, node: Node, v: NodeVerdict) -> None:
        labels = node.metadata.labels
        # existing pods' required anti-affinity against this pod (symmetry)
        for key, domains in sorted(self.existing_anti.items()):
            val = labels.get(key)
            if val is not None and val in domains:
                text = f"existing pod {domains[val]} forbids it in {key}={val}"
                v.pod_affinity_failures.append(text)
                v._fail(F_POD_AFFINITY, f"pod anti-affinity of existing pods: {text}", [POD_AFFINITY])
        # the pod's required anti-affinity
        for t, domains in zip(self.anti_terms, self.anti_domains, strict=True):
            val = labels.get(t.topology_key)
            if val is not None and val in domains:
                text = f"pod {domains[val]} in {t.topology_key}={val} matches anti-affinity term ({t.text})"
                v.pod_affinity_failures.append(text)
                v._fail(F_POD_AFFINITY, f"pod anti-affinity conflict: {text}", [POD_AFFINITY])
        # the pod's required affinity: every topology key on the node, a matching pod in each domain
        if self.affinity_terms:
            missing_key = next((t for t in self.affinity_terms if t.topology_key not in labels), None)
            if missing_key is not None:
                text = f"node has no {missing_key.topology_key} label (affinity term: {missing_key.text})"
                v.pod_affinity_failures.append(text)
                v._fail(F_POD_AFFINITY, f"pod affinity not satisfied: {text}", [POD_AFFINITY])
                return
            unmet = [
                t
                for t in self.affinity_terms
                if self.affinity_counts.get((t.topology_key, labels[t.topology_key]), 0) <= 0
            ]
            if not unmet:
                for t in self.affinity_terms:
                    k = (t.topology_key, labels[t.topology_key])
                    v.pod_affinity_matched.append(
                        f"pod {self.affinity_examples[k]} in {k[0]}={k[1]} matches affinity term ({t.text})"
                    )
            elif not self.affinity_counts and self.self_affinity:
                v.pod_affinity_matched.append(
                    "no pod matches the affinity terms anywhere, and the pod matches its own terms: "
                    "the first pod of the group may go to any node"
                )
            else:
                for t in unmet:
                    text = f"no pod matching the affinity term ({t.text}) in {t.topology_key}={labels[t.topology_key]}"
                    v.pod_affinity_failures.append(text)
                    v._fail(F_POD_AFFINITY, f"pod affinity not satisfied: {text}", [POD_AFFINITY])


def pod_claims(pod: Pod) -> list[tuple[str, bool]]:
    """(claim name, generic ephemeral?) for every PVC the pod's volumes use; an ephemeral volume's claim is
    named ``<pod>-<volume>``."""
    out = []
    for vol in pod.spec.volumes:
        if vol.persistent_volume_claim is not None and vol.persistent_volume_claim.claim_name:
            out.append((vol.persistent_volume_claim.claim_name, False))
        elif vol.ephemeral is not None:
            out.append((f"{pod.metadata.name}-{vol.name}", True))
    return out


def evaluate_nodes(
    pod: Pod,
    nodes: Iterable[Node],
    pods: Iterable[Pod] | None,
    pvcs: Mapping[str, PersistentVolumeClaim] | None = None,
    pvs: Mapping[str, PersistentVolume] | None = None,
    *,
    unreadable_pvcs: Collection[str] = (),
    unreadable_pvs: Collection[str] = (),
    only: Collection[str] | None = None,
) -> FitReport:
    """Evaluate every node for ``pod`` (or only the nodes named in ``only``: the others still count as
    topology domains for pod affinity). ``pods`` is every pod of the cluster (None when it could not be
    read: the resource, host-port and pod-affinity checks are then skipped and a note says so).
    ``pvcs`` is keyed by claim name (the pod's namespace) and ``pvs`` by volume name; a claim or volume
    named in ``unreadable_*`` could not be read and is skipped rather than reported missing."""
    node_list = sorted(nodes, key=lambda n: n.metadata.name)
    index = ClusterIndex(node_list, pods, exclude=pod) if pods is not None else None
    fit = PodFit(
        pod, index, pvcs or {}, pvs or {}, unreadable_pvcs=unreadable_pvcs, unreadable_pvs=unreadable_pvs
    )
    verdicts = [fit.evaluate(n) for n in node_list if only is None or n.metadata.name in only]
    notes = list(fit.notes)
    if index is None:
        notes.append(
            "the cluster's pods could not be read: resource, host-port and pod-affinity checks were skipped"
        )
    return FitReport(
        verdicts=verdicts,
        request=fit.request,
        blockers=fit.blockers,
        notes=notes,
        pods_known=index is not None,
        volume_constraints=fit.volume_constraints,
        anti_affinity_terms=[t.text for t in fit.anti_terms],
    )
