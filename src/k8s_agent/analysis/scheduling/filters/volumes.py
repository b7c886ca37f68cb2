"""The pod's claims resolved once (what the volume plugins' PreFilter does): missing, deleted or lost
claims, a ReadWriteOncePod claim in use, claims bound to a missing PV, and the node constraints of the bound
PVs (required node affinity, legacy zone labels). Pod-level problems become ``Blocker`` blockers, stated
once rather than on every node. The filters (``volume_restrictions``, ``volume_binding``, ``volume_zone``)
read the result from ``claims_of(ctx)``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from k8s_agent.analysis.scheduling.filters.base import Blocker, PodContext
from k8s_agent.analysis.scheduling.index import pod_key
from k8s_agent.analysis.scheduling.message import VOLUME_ATTACHMENT, VOLUME_MULTI_ATTACH
from k8s_agent.analysis.scheduling.selectors import CompiledSelector, compile_selector, describe_term
from k8s_agent.kube.models import NodeSelector, PersistentVolumeClaim, Pod, StorageClass

ZONE_LABELS = (
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
)
RWOP_CONFLICT = (
    "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by "
    "another pod"
)
PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"


@dataclass(frozen=True, slots=True)
class VolumeConstraint:
    """A bound PV that can only be used on some nodes."""

    claim: str
    pv: str
    required: NodeSelector | None
    zone_labels: tuple[tuple[str, frozenset[str]], ...]  # label key -> allowed values (VolumeZone)
    compiled: CompiledSelector | None = None  # ``required``, parsed once

    def describe(self) -> str:
        parts = []
        if self.required is not None:
            terms = [describe_term(t) for t in self.required.node_selector_terms]
            parts.append(" OR ".join(terms) if terms else "no node (no terms)")
        for k, vals in sorted(self.zone_labels):
            parts.append(f"{k} In [{', '.join(sorted(vals))}]")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class DelayedClaim:
    """An unbound claim of a WaitForFirstConsumer storage class: the scheduler binds it per node (a static
    PV that fits, else the class's provisioner)."""

    claim: str
    pvc: PersistentVolumeClaim
    storage_class: StorageClass


@dataclass(frozen=True, slots=True)
class Claims:
    constraints: tuple[VolumeConstraint, ...]
    rwop_conflict: bool  # VolumeRestrictions rejects every node
    pv_missing: bool  # VolumeBinding rejects every node
    delayed: tuple[DelayedClaim, ...] = ()


BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def claim_class(pvc: PersistentVolumeClaim) -> str:
    """The claim's storage class as the scheduler reads it: the beta annotation first, then the field."""
    ann = pvc.metadata.annotations.get(BETA_STORAGE_CLASS)
    if ann is not None:
        return ann
    return pvc.spec.storage_class_name or ""


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


def claims_of(ctx: PodContext) -> Claims:
    """The resolved claims of ``ctx`` (computed by the first filter that asks, recorded on the context)."""
    found = ctx.shared.get("claims")
    if isinstance(found, Claims):
        return found
    claims = _resolve(ctx)
    ctx.shared["claims"] = claims
    return claims


def _claim_users(ctx: PodContext, claim: str, with_node: bool = False) -> list[str]:
    """The pods bound to a node that use ``claim`` (a pod not bound yet holds no claim: the scheduler counts
    only the pods of its node infos)."""
    assert ctx.index is not None
    ns = ctx.pod.metadata.namespace
    users = []
    for p in ctx.index.all_pods:
        if p.metadata.namespace != ns or not p.spec.node_name:
            continue
        if claim in (c for c, _ in pod_claims(p)):
            where = f" on node {p.spec.node_name}" if with_node and p.spec.node_name else ""
            users.append(f"{pod_key(p)}{where}")
    return sorted(users)


BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"

# Which PreFilter rejection the scheduler writes when several claims have problems: the first failing
# PreFilter plugin wins, and within it the first volume in the pod's order. VolumeRestrictions looks up every
# PVC volume first (a missing claim), VolumeBinding then checks each claim (missing ephemeral claim, Lost,
# being deleted), then whether every claim is bound (immediate binding), VolumeZone last reads the bound PVs.
_STAGE_MISSING, _STAGE_CLAIM, _STAGE_UNBOUND, _STAGE_PV = range(4)


def _resolve(ctx: PodContext) -> Claims:
    pod = ctx.pod
    constraints: list[VolumeConstraint] = []
    delayed: list[DelayedClaim] = []
    rwop = pv_missing = False
    stages: list[tuple[int, int]] = []  # (stage, blocker index) of each blocker made here

    def block(issue: Blocker, stage: int) -> None:
        stages.append((stage, len(ctx.blockers)))
        ctx.blockers.append(issue)

    for claim, ephemeral in pod_claims(pod):
        if claim in ctx.unreadable_pvcs:
            ctx.notes.append(f"PVC {claim} could not be read; its volume checks were skipped")
            continue
        pvc = ctx.pvcs.get(claim)
        if pvc is None:
            if ephemeral:
                msg = f'waiting for ephemeral volume controller to create the persistentvolumeclaim "{claim}"'
                fix = (
                    "the ephemeral volume controller creates it shortly after the pod; if it does not, check "
                    "kube-controller-manager and the volumeClaimTemplate"
                )
            else:
                msg = f'persistentvolumeclaim "{claim}" not found'
                fix = f"create PVC {claim} in namespace {pod.metadata.namespace}, or fix claimName in the pod spec"
            block(
                Blocker(msg, VOLUME_ATTACHMENT, fix, scheduler_text=msg),
                _STAGE_CLAIM if ephemeral else _STAGE_MISSING,
            )
            continue
        if pvc.metadata.deletion_timestamp is not None:
            msg = f'persistentvolumeclaim "{claim}" is being deleted'
            fix = f"wait for PVC {claim} to be deleted and recreate it, or use another claim"
            block(Blocker(msg, VOLUME_ATTACHMENT, fix, scheduler_text=msg), _STAGE_CLAIM)
            continue
        if pvc.status.phase == "Lost":
            pv_missing = True
            block(
                Blocker(
                    f'persistentvolumeclaim "{claim}" is Lost: its persistentvolume '
                    f'"{pvc.spec.volume_name}" no longer exists',
                    VOLUME_ATTACHMENT,
                    f"restore PV {pvc.spec.volume_name} or recreate PVC {claim} (its data is gone with the PV)",
                    scheduler_text=f'persistentvolumeclaim "{claim}" bound to non-existent persistentvolume '
                    f'"{pvc.spec.volume_name}"',
                ),
                _STAGE_CLAIM,
            )
            continue
        modes = set(pvc.spec.access_modes) | set(pvc.status.access_modes)
        if "ReadWriteOncePod" in modes and ctx.index is not None:
            users = _claim_users(ctx, claim)
            if users:
                rwop = True
                ctx.blockers.append(
                    Blocker(
                        f"PVC {claim} has access mode ReadWriteOncePod and is already used by pod "
                        f"{', '.join(users)}",
                        VOLUME_MULTI_ATTACH,
                        f"stop the other pod using PVC {claim}, or use a claim of its own for this pod",
                    )
                )
        sc = claim_class(pvc)
        # The PV controller marks a completed binding with an annotation; a claim naming its volume without it
        # (pre-bound by its author, phase still Pending) is waiting for immediate binding. Objects that carry
        # no annotations at all but say Bound are taken as bound.
        prebound = (
            bool(pvc.spec.volume_name)
            and BIND_COMPLETED not in pvc.metadata.annotations
            and pvc.status.phase != "Bound"
        )
        classes = ctx.storage_classes
        sc_obj = classes.get(sc) if classes is not None and sc else None
        # a named class that does not exist binds immediately (the scheduler's IsDelayBindingMode)
        class_immediate = (
            not pvc.spec.volume_name
            and bool(sc)
            and classes is not None
            and sc not in ctx.unreadable_classes
            and (sc_obj is None or sc_obj.volume_binding_mode != "WaitForFirstConsumer")
        )
        if class_immediate:
            how = (
                f"its storage class {sc} does not exist"
                if sc_obj is None
                else f"its storage class {sc} binds immediately (volumeBindingMode "
                f"{sc_obj.volume_binding_mode or 'Immediate'})"
            )
            block(
                Blocker(
                    f"PVC {claim} is not bound and {how}: the scheduler waits for the PV controller to bind it",
                    VOLUME_ATTACHMENT,
                    f"check PVC {claim} (`kubectl describe pvc {claim}`): "
                    + (
                        f"create StorageClass {sc} or fix the claim's storageClassName"
                        if sc_obj is None
                        else f"the provisioner {sc_obj.provisioner or '(none)'} has not provisioned it yet, or no "
                        "PV matches it"
                    ),
                    scheduler_text=UNBOUND_IMMEDIATE,
                ),
                _STAGE_UNBOUND,
            )
            continue
        if not pvc.spec.volume_name and sc_obj is not None:
            delayed.append(DelayedClaim(claim, pvc, sc_obj))
            continue
        if (not pvc.spec.volume_name and not sc) or prebound:
            # no storage class: immediate binding, which the PV controller should have done already
            block(
                Blocker(
                    f"PVC {claim} is not bound"
                    + (
                        f" (it names PV {pvc.spec.volume_name}, which has not been bound to it)"
                        if prebound
                        else ""
                    )
                    + " and has no storage class that waits for the pod (immediate binding): the scheduler "
                    "waits for the PV controller to bind it",
                    VOLUME_ATTACHMENT,
                    f"create a PV matching PVC {claim} (size, access modes, no storage class), or give the claim a "
                    "storage class that provisions volumes",
                    scheduler_text=UNBOUND_IMMEDIATE,
                ),
                _STAGE_UNBOUND,
            )
            continue
        if not pvc.spec.volume_name:
            unread = " (it could not be read)" if sc in ctx.unreadable_classes else ""
            ctx.notes.append(
                f"PVC {claim} is not bound yet (phase {pvc.status.phase or 'Pending'}"
                + (f", storage class {sc}{unread}" if sc else "")
                + "): waiting for binding. With a WaitForFirstConsumer storage class that is expected "
                "until the pod is scheduled; with Immediate binding the provisioner has not bound it yet"
            )
            continue
        pv_name = pvc.spec.volume_name
        if pv_name in ctx.unreadable_pvs:
            ctx.notes.append(
                f"PV {pv_name} (claim {claim}) could not be read; its node affinity was not checked"
            )
            continue
        pv = ctx.pvs.get(pv_name)
        if pv is None:
            pv_missing = True
            block(
                Blocker(
                    f'persistentvolumeclaim "{claim}" bound to non-existent persistentvolume "{pv_name}"',
                    VOLUME_ATTACHMENT,
                    f"restore PV {pv_name}, or recreate PVC {claim} so that a new volume is provisioned",
                    scheduler_text=f'persistentvolume "{pv_name}" not found',  # VolumeZone's PreFilter
                ),
                _STAGE_PV,
            )
            continue
        if "ReadWriteOnce" in modes and ctx.index is not None:
            users = _claim_users(ctx, claim, with_node=True)
            if users:
                ctx.notes.append(
                    f"PVC {claim} (ReadWriteOnce) is mounted by {', '.join(users)}; on another node the pod "
                    "would start but fail to attach the volume (Multi-Attach error)"
                )
        required = pv.spec.node_affinity.required if pv.spec.node_affinity is not None else None
        zones = []
        for k in ZONE_LABELS:
            v = pv.metadata.labels.get(k)
            if v:
                zones.append((k, frozenset(x for x in v.split("__") if x)))
        if required is not None or zones:
            compiled = compile_selector(required) if required is not None else None
            constraints.append(VolumeConstraint(claim, pv_name, required, tuple(zones), compiled))
    if stages:  # only the PreFilter rejection the scheduler reaches first carries its text
        winner = min(stages)[1]
        for _, i in stages:
            if i != winner and ctx.blockers[i].scheduler_text:
                ctx.blockers[i] = replace(ctx.blockers[i], scheduler_text="")
    return Claims(tuple(constraints), rwop, pv_missing, tuple(delayed))
