"""VolumeZone: a bound PV labelled with zones/regions (GA or legacy beta keys, ``__``-separated values)
fits only nodes in one of them; a node without any zone label is not restricted. A PV whose node affinity
already fails on the node is reported by VolumeBinding alone."""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import PASS, Check, Filter, Outcome, PodContext, failure
from k8s_agent.analysis.scheduling.filters.volume_binding import (
    VolumeDetail,
    affinity_conflict,
    conflict_text,
)
from k8s_agent.analysis.scheduling.filters.volumes import ZONE_LABELS, VolumeConstraint, claims_of
from k8s_agent.analysis.scheduling.message import VOLUME_NODE_AFFINITY
from k8s_agent.kube.models import Node

ZONE = Check("Volume", "VolumeZone", VOLUME_NODE_AFFINITY, "node(s) had no available volume zone")
_BETA_TO_GA = {
    "failure-domain.beta.kubernetes.io/zone": "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region": "topology.kubernetes.io/region",
}


def zone_conflict(vc: VolumeConstraint, node: Node) -> str:
    labels = node.metadata.labels
    if not vc.zone_labels or not any(k in labels for k in ZONE_LABELS):
        return ""
    for k, allowed in sorted(vc.zone_labels):
        have = labels.get(k)
        if have is None:
            have = labels.get(_BETA_TO_GA.get(k, ""))
        if have is None or have not in allowed:
            shown = f"node has {have}" if have is not None else f"node has no {k} label"
            return f"is in {k}={'/'.join(sorted(allowed))} ({shown})"
    return ""


class VolumeZone(Filter):
    plugin = "VolumeZone"
    checks = (ZONE,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.constraints = [vc for vc in claims_of(ctx).constraints if vc.zone_labels]

    def constant(self) -> Outcome | None:
        return None if self.constraints else PASS

    def evaluate(self, node: Node) -> Outcome:
        if not self.constraints:
            return PASS
        conflicts = [
            (vc, why)
            for vc in self.constraints
            if not affinity_conflict(vc, node) and (why := zone_conflict(vc, node))
        ]
        if not conflicts:
            return PASS
        return Outcome(
            tuple(failure(ZONE, conflict_text(vc, why)) for vc, why in conflicts),
            (ZONE.wording,),
            VolumeDetail(tuple(conflicts)),
        )
