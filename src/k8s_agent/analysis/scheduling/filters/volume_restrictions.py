"""VolumeRestrictions: a ReadWriteOncePod claim already used by another pod rejects every node (the agent
reports it once, as a pod-level blocker; the scheduler counts it on every node that reaches this filter)."""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import PASS, Check, Filter, Outcome, PodContext
from k8s_agent.analysis.scheduling.filters.volumes import RWOP_CONFLICT, claims_of
from k8s_agent.analysis.scheduling.message import VOLUME_MULTI_ATTACH
from k8s_agent.kube.models import Node

READ_WRITE_ONCE_POD = Check("VolumeRestrictions", "VolumeRestrictions", VOLUME_MULTI_ATTACH, RWOP_CONFLICT)


class VolumeRestrictions(Filter):
    plugin = "VolumeRestrictions"
    checks = (READ_WRITE_ONCE_POD,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.conflict = claims_of(ctx).rwop_conflict

    def constant(self) -> Outcome | None:
        return self.evaluate_pod()

    def evaluate_pod(self) -> Outcome:
        """The same on every node: the conflict is the pod's."""
        return Outcome((), (RWOP_CONFLICT,)) if self.conflict else PASS

    def evaluate(self, node: Node) -> Outcome:
        return self.evaluate_pod()
