"""VolumeBinding, for bound claims: the PV's required node affinity must match the node. A claim bound to
a PV that does not exist rejects every node (a pod-level blocker for the agent, a per-node reason for the
scheduler). Unbound claims (provisioning, WaitForFirstConsumer) are only noted."""

from __future__ import annotations

from dataclasses import dataclass

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Filter,
    Outcome,
    PodContext,
    failure,
    names,
)
from k8s_agent.analysis.scheduling.filters.volumes import PV_NOT_EXIST, VolumeConstraint, claims_of
from k8s_agent.analysis.scheduling.message import VOLUME_NODE_AFFINITY
from k8s_agent.kube.models import Node

# kube-scheduler 1.36 wording (binder.go ErrReasonNodeConflict; older releases wrote "node(s) had volume node
# affinity conflict", which message.py still reads)
VOLUME = Check(
    "Volume", "VolumeBinding", VOLUME_NODE_AFFINITY, "node(s) didn't match PersistentVolume's node affinity"
)


@dataclass(frozen=True, slots=True)
class VolumeDetail:
    conflicts: tuple[tuple[VolumeConstraint, str], ...]  # the PV constraint and why the node fails it


def conflict_text(vc: VolumeConstraint, why: str) -> str:
    return f"volume node affinity conflict: PV {vc.pv} (claim {vc.claim}) {why}"


def affinity_conflict(vc: VolumeConstraint, node: Node) -> str:
    """Why the node fails the PV's required node affinity, or ""."""
    if vc.compiled is not None and vc.compiled.first_match(node) is None:
        fails = vc.compiled.failures(node) or ["has no terms"]
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

    def constant(self) -> Outcome | None:
        if self.constraints:
            return None
        return Outcome((), (PV_NOT_EXIST,)) if self.pv_missing else PASS

    def evaluate(self, node: Node) -> Outcome:
        if not self.constraints and not self.pv_missing:
            return PASS
        conflicts = [(vc, why) for vc in self.constraints if (why := affinity_conflict(vc, node))]
        sched = ((VOLUME.wording,) if conflicts else ()) + ((PV_NOT_EXIST,) if self.pv_missing else ())
        return Outcome(
            tuple(failure(VOLUME, conflict_text(vc, why)) for vc, why in conflicts),
            sched,
            VolumeDetail(tuple(conflicts)) if conflicts else None,
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
        out = []
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
