"""DynamicResources (DRA, ``resource.k8s.io``): not evaluated per node. Whether a node can satisfy the
pod's ResourceClaims depends on the DeviceClasses' and requests' CEL selectors over the attributes the
drivers publish in ResourceSlices, and on the scheduler's structured allocator; the agent reads none of
these objects. Every node passes here, and a pod that asks for claims gets a note saying so: the
scheduler's own message (e.g. "cannot allocate all claims", "resourceclaim not available on the node")
still appears in the answer."""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import PASS, Check, Filter, Outcome, PodContext
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.kube.models import Node

#: no wording of its own is produced: the scheduler's varies with the allocator's error
DRA = Check("DynamicResources", "DynamicResources", MISCELLANEOUS, "")


class DynamicResources(Filter):
    plugin = "DynamicResources"
    checks = (DRA,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        claims = ctx.pod.spec.resource_claims
        if claims:
            ctx.notes.append(
                f"the pod asks for {len(claims)} DRA ResourceClaim(s) ({', '.join(c.name for c in claims)}): "
                "device allocation (DeviceClasses, ResourceSlices, CEL selectors) is not evaluated per node; "
                "the scheduler's own message says whether it could allocate them"
            )

    def constant(self) -> Outcome | None:
        return PASS

    def evaluate(self, node: Node) -> Outcome:
        return PASS
