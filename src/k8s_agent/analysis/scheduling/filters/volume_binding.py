"""VolumeBinding (``plugins/volumebinding/binder.go`` FindPodVolumes), per node:

* bound claims: the PV's required node affinity must match the node; a claim bound to a PV that does not
  exist rejects every node (a pod-level blocker for the agent, a per-node reason for the scheduler);
* unbound claims of a WaitForFirstConsumer storage class (when the StorageClasses and PVs could be read):
  a claim already given a node for provisioning (``volume.kubernetes.io/selected-node``) fits that node
  only; the others, smallest request first, each take the smallest static PV of their class that is free
  (or pre-bound to the claim), large enough, of the same volume mode and attributes class, not being
  deleted, matching the claim's selector and access modes and the node through its node affinity; a claim
  left without one must be provisioned: its class needs a provisioner (not
  ``kubernetes.io/no-provisioner``) whose ``allowedTopologies`` admit the node and, when the provisioner's
  CSIDriver says ``storageCapacity: true``, a CSIStorageCapacity of the class whose ``nodeTopology``
  selects the node and whose ``maximumVolumeSize`` (else ``capacity``) holds the claim's request, else
  "node(s) did not have enough free storage" (each claim on its own, as the scheduler checks them).

Reasons, in the scheduler's order: "node(s) didn't match PersistentVolume's node affinity", "node(s) didn't
find available persistent volumes to bind", then the missing-PV one. Unbound claims of an Immediate class
(or of a class that does not exist) stop the pod at PreFilter (``volumes``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from k8s_agent.analysis.quantity import human_bytes, parse_quantity
from k8s_agent.analysis.resources import nano
from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Filter,
    Outcome,
    PodContext,
    failure,
    names,
    nodes_word,
)
from k8s_agent.analysis.scheduling.filters.volumes import (
    BETA_STORAGE_CLASS,
    PV_NOT_EXIST,
    DelayedClaim,
    VolumeConstraint,
    claim_class,
    claims_of,
)
from k8s_agent.analysis.scheduling.message import (
    INSUFFICIENT_STORAGE,
    VOLUME_ATTACHMENT,
    VOLUME_NODE_AFFINITY,
)
from k8s_agent.analysis.scheduling.selectors import (
    CompiledSelector,
    compile_selector,
    label_selector_matches,
)
from k8s_agent.kube.models import (
    Node,
    ObjectMeta,
    PersistentVolume,
    PersistentVolumeClaim,
    TopologySelectorTerm,
)

# kube-scheduler 1.36 wording (binder.go ErrReasonNodeConflict; older releases wrote "node(s) had volume node
# affinity conflict", which message.py still reads)
VOLUME = Check(
    "Volume", "VolumeBinding", VOLUME_NODE_AFFINITY, "node(s) didn't match PersistentVolume's node affinity"
)
BIND = Check(
    "Volume", "VolumeBinding", VOLUME_ATTACHMENT, "node(s) didn't find available persistent volumes to bind"
)
SPACE = Check("Volume", "VolumeBinding", INSUFFICIENT_STORAGE, "node(s) did not have enough free storage")
#: how a reason about storage capacity starts (the advice tells it apart)
NO_SPACE = "not enough free storage"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
NO_PROVISIONER = "kubernetes.io/no-provisioner"


def pv_class(pv: PersistentVolume) -> str:
    ann = pv.metadata.annotations.get(BETA_STORAGE_CLASS)
    return ann if ann is not None else pv.spec.storage_class_name


def _bytes(text: str) -> int:
    """A quantity in bytes, rounded up (apimachinery's Value()); 0 when it does not parse."""
    try:
        return math.ceil(parse_quantity(text).value)
    except ValueError:
        return 0


def _storage(text: str | None) -> int:
    n = nano(text) if text else None
    return n if n is not None else 0


def _bound_to(pv: PersistentVolume, pvc: PersistentVolumeClaim) -> bool:
    ref = pv.spec.claim_ref
    if ref is None or ref.name != pvc.metadata.name or ref.namespace != pvc.metadata.namespace:
        return False
    return not ref.uid or ref.uid == pvc.metadata.uid


class _PVAffinity:
    """Each PV's required node affinity, compiled once, against a node's labels only (as the scheduler
    checks it: a ``matchFields`` term sees a node without a name)."""

    def __init__(self) -> None:
        self._compiled: dict[str, CompiledSelector | None] = {}

    def admits(self, pv: PersistentVolume, labels: dict[str, str]) -> bool:
        name = pv.metadata.name
        if name not in self._compiled:
            aff = pv.spec.node_affinity
            self._compiled[name] = (
                compile_selector(aff.required) if aff is not None and aff.required is not None else None
            )
        sel = self._compiled[name]
        return sel is None or sel.first_match(Node(metadata=ObjectMeta(labels=labels))) is not None


def matching_pv(
    pvc: PersistentVolumeClaim,
    pvs: list[PersistentVolume],
    labels: dict[str, str],
    taken: set[str],
    affinity: _PVAffinity | None = None,
) -> PersistentVolume | None:
    """The static PV the scheduler would bind ``pvc`` to on a node with ``labels`` (FindMatchingVolume):
    a PV pre-bound to the claim if its node affinity admits the node (else none), otherwise the smallest
    Available one that fits every requirement."""
    affinity = affinity or _PVAffinity()
    want = _storage(pvc.spec.resources.requests.get("storage"))
    mode = pvc.spec.volume_mode or "Filesystem"
    best: PersistentVolume | None = None
    best_size = 0
    for pv in pvs:
        if pv.metadata.name in taken:
            continue
        if pv.spec.claim_ref is not None and not _bound_to(pv, pvc):
            continue
        size = _storage(pv.spec.capacity.get("storage"))
        if size < want or (pv.spec.volume_mode or "Filesystem") != mode:
            continue
        if pv.spec.volume_attributes_class_name != pvc.spec.volume_attributes_class_name:
            continue
        if pv.metadata.deletion_timestamp is not None:
            continue
        affinity_ok = affinity.admits(pv, labels)
        if _bound_to(pv, pvc):
            return pv if affinity_ok else None
        if pv.status.phase != "Available":
            continue
        if pvc.spec.selector is not None and not label_selector_matches(
            pvc.spec.selector, pv.metadata.labels
        ):
            continue
        if pv_class(pv) != claim_class(pvc) or not affinity_ok:
            continue
        if any(m not in pv.spec.access_modes for m in pvc.spec.access_modes):
            continue
        if best is None or size < best_size:
            best, best_size = pv, size
    return best


def topology_allows(terms: list[TopologySelectorTerm], labels: dict[str, str]) -> bool:
    """StorageClass ``allowedTopologies``: none allows every node; else some term whose every expression
    names a label the node has with one of its values."""
    if not terms:
        return True
    return any(
        all(r.key in labels and labels[r.key] in r.values for r in t.match_label_expressions) for t in terms
    )


@dataclass(frozen=True, slots=True)
class VolumeDetail:
    conflicts: tuple[tuple[VolumeConstraint, str], ...]  # the PV constraint and why the node fails it
    #: the unbound (WaitForFirstConsumer) claim the node cannot bind and why
    unbound: tuple[tuple[DelayedClaim, str], ...] = ()


def conflict_text(vc: VolumeConstraint, why: str) -> str:
    return f"volume node affinity conflict: PV {vc.pv} (claim {vc.claim}) {why}"


def affinity_conflict(vc: VolumeConstraint, node: Node) -> str:
    """Why the node fails the PV's required node affinity, or ""."""
    if vc.compiled is not None and vc.compiled.first_match(node) is None:
        fails = vc.compiled.failures(node)
        if not fails:  # the API server refuses such a PV; a snapshot may still hold one
            return "has a required node affinity with no terms, which no node matches"
        return "requires " + " OR ".join(fails)
    return ""


class VolumeBinding(Filter):
    plugin = "VolumeBinding"
    checks = (VOLUME,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        claims = claims_of(ctx)
        self.constraints = claims.constraints
        self.pv_missing = claims.pv_missing
        self.delayed = claims.delayed
        self.pvs_by_class: dict[str, list[PersistentVolume]] = {}
        self.affinity = _PVAffinity()
        if self.delayed and ctx.all_pvs is None:
            ctx.notes.append(
                "the PersistentVolumes could not be read: the unbound WaitForFirstConsumer claims "
                f"({', '.join(d.claim for d in self.delayed)}) were not evaluated per node"
            )
            self.delayed = ()
        if self.delayed:
            wanted = {claim_class(d.pvc) for d in self.delayed}
            for pv in ctx.all_pvs or ():
                c = pv_class(pv)
                if c in wanted:
                    self.pvs_by_class.setdefault(c, []).append(pv)
            # the scheduler matches the smallest request first
            self.by_size = sorted(
                (d for d in self.delayed if SELECTED_NODE not in d.pvc.metadata.annotations),
                key=lambda d: _storage(d.pvc.spec.resources.requests.get("storage")),
            )
            self.selected = [d for d in self.delayed if SELECTED_NODE in d.pvc.metadata.annotations]

    def constant(self) -> Outcome | None:
        if self.constraints or self.delayed:
            return None
        return Outcome((), (PV_NOT_EXIST,)) if self.pv_missing else PASS

    def _unbound(self, node: Node) -> tuple[DelayedClaim, str] | None:
        """The first unbound claim the node cannot bind, and why (None when every one can)."""
        name, labels = node.metadata.name, node.metadata.labels
        for d in self.selected:
            sel = d.pvc.metadata.annotations[SELECTED_NODE]
            if sel != name:
                return d, f"it is being provisioned for node {sel} ({SELECTED_NODE})"
        taken: set[str] = set()
        provision = list(self.selected)
        for d in self.by_size:
            pv = matching_pv(
                d.pvc, self.pvs_by_class.get(claim_class(d.pvc), []), labels, taken, self.affinity
            )
            if pv is None:
                provision.append(d)
            else:
                taken.add(pv.metadata.name)
        for d in provision:
            sc = d.storage_class
            if not sc.provisioner or sc.provisioner == NO_PROVISIONER:
                return d, (
                    f"no free PV of storage class {sc.metadata.name} fits it on this node, and the class "
                    f"has no provisioner ({sc.provisioner or 'none'})"
                )
            if not topology_allows(sc.allowed_topologies, labels):
                return d, (
                    f"no free PV of storage class {sc.metadata.name} fits it on this node, and the class's "
                    f"allowedTopologies ({_topologies(sc.allowed_topologies)}) exclude the node"
                )
            short = self._capacity(d, labels)
            if short:
                return d, short
        return None

    def _capacity(self, d: DelayedClaim, labels: dict[str, str]) -> str:
        """Why the provisioner cannot give the claim its size for this node ("" when it can, or when the
        driver publishes no capacity)."""
        sc, ctx = d.storage_class, self.ctx
        request = d.pvc.spec.resources.requests.get("storage")
        if not request or ctx.csi_drivers is None or not ctx.csi_drivers.get(sc.provisioner):
            return ""
        if ctx.capacities is None:
            return ""  # not readable: the service's warnings say so
        size = _bytes(request)
        largest: int | None = None
        for c in ctx.capacities:
            if c.storage_class_name != sc.metadata.name or c.node_topology is None:
                continue
            if not label_selector_matches(c.node_topology, labels):
                continue
            limit = c.maximum_volume_size if c.maximum_volume_size is not None else c.capacity
            if limit is None:
                continue
            value = _bytes(limit)
            if value >= size:
                return ""
            largest = value if largest is None else max(largest, value)
        have = (
            f"the most it publishes here is {human_bytes(largest)}"
            if largest is not None
            else "it publishes no capacity of the class for this node's topology"
        )
        return (
            f"{NO_SPACE}: CSI driver {sc.provisioner} tracks storage capacity (CSIStorageCapacity) and the "
            f"claim asks {request}; {have}"
        )

    def evaluate(self, node: Node) -> Outcome:
        if not self.constraints and not self.pv_missing and not self.delayed:
            return PASS
        conflicts = [(vc, why) for vc in self.constraints if (why := affinity_conflict(vc, node))]
        unbound = self._unbound(node) if self.delayed else None
        space = unbound is not None and unbound[1].startswith(NO_SPACE)
        sched = (
            ((VOLUME.wording,) if conflicts else ())
            + (((SPACE if space else BIND).wording,) if unbound else ())
            + ((PV_NOT_EXIST,) if self.pv_missing else ())
        )
        fails = [failure(VOLUME, conflict_text(vc, why)) for vc, why in conflicts]
        if unbound is not None:
            d, why = unbound
            fails.append(
                failure(
                    SPACE if space else BIND,
                    f"unbound claim {d.claim} (storage class {d.storage_class.metadata.name}): {why}",
                )
            )
        return Outcome(
            tuple(fails),
            sched,
            VolumeDetail(tuple(conflicts), (unbound,) if unbound else ()) if conflicts or unbound else None,
        )

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        """One line per PV that excludes nodes (its node affinity here, its zone in ``volume_zone``)."""
        from k8s_agent.analysis.scheduling.filters.volume_zone import VolumeZone

        bad: dict[tuple[str, str], tuple[VolumeConstraint, list[str]]] = {}
        for v in advice.verdicts:
            for plugin in (cls.plugin, VolumeZone.plugin):
                d = v.outcome(plugin).detail
                if isinstance(d, VolumeDetail):
                    for vc, _ in d.conflicts:
                        bad.setdefault((vc.claim, vc.pv), (vc, []))[1].append(v.node_name)
        out = _unbound_advice(advice, cls.plugin)
        for vc, nodes in bad.values():
            excluded = set(nodes)
            good = [n for n in advice.node_names if n not in excluded]
            text = f"PV {vc.pv} (claim {vc.claim}) can only be used where {vc.describe()}"
            text += (
                f"; nodes there: {names([advice.excluded(n) for n in good], 3)}"
                if good
                else "; no node is there"
            )
            out.append(text + "; add capacity there, or restore the data into a volume elsewhere")
        return out


def _topologies(terms: list[TopologySelectorTerm]) -> str:
    return " OR ".join(
        " and ".join(f"{r.key} In [{', '.join(r.values)}]" for r in t.match_label_expressions) for t in terms
    )


def _unbound_advice(advice: Advice, plugin: str) -> list[str]:
    failed: dict[str, tuple[DelayedClaim, list[str], str]] = {}
    for v in advice.failing:
        d = v.outcome(plugin).detail
        if isinstance(d, VolumeDetail):
            for dc, why in d.unbound:
                failed.setdefault(dc.claim, (dc, [], why))[1].append(v.node_name)
    out = []
    for dc, nodes, why in failed.values():
        sc = dc.storage_class
        text = (
            f"unbound claim {dc.claim} (storage class {sc.metadata.name}, WaitForFirstConsumer) can't be bound on "
            f"{nodes_word(len(nodes))} (e.g. {nodes[0]}: {why})"
        )
        if SELECTED_NODE in dc.pvc.metadata.annotations:
            text += "; delete and recreate the claim to let the scheduler pick another node"
        elif not sc.provisioner or sc.provisioner == NO_PROVISIONER:
            text += "; create a PV of that class (size, access modes, node affinity) where the pod can run"
        elif why.startswith(NO_SPACE):
            text += (
                "; free space in the driver's storage there (`kubectl get csistoragecapacities -A`), ask for "
                "less, or use another class"
            )
        else:
            text += "; add nodes in the allowed topology, or widen the class's allowedTopologies"
        out.append(text)
    return out
