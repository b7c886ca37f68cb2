"""DynamicResources (``plugins/dynamicresources``, DRA, ``resource.k8s.io/v1``): whether a node can give the
pod the devices its ResourceClaims ask for. This module is the filter (its verdict per node) and its advice;
the work is done by:

* ``dra_claims``: the pod's claims (by name or generated from a template) and what keeps the pod out of
  scheduling before any node is tried (a claim not generated yet, missing, being deleted or not owned by the
  pod; a request naming a DeviceClass that does not exist rejects every node), then the requests and
  constraints of the claims to allocate;
* ``dra_devices``: the devices of each node (ResourceSlices, newest pool generation, incomplete and invalid
  pools) and the candidates of each request (selectors by ``device_cel``, devices held by other claims, device
  taints);
* ``dra_allocate``: the allocator's search (count / All, firstAvailable, matchAttribute / distinctAttribute,
  all claims of the pod together) and why it fails.

Per node, in the scheduler's order: unallocated claims must be allocatable on the node, else "cannot allocate
all claims" (with an invalid pool on the node: "invalid resource pools were encountered"); an allocated
claim's ``status.allocation.nodeSelector`` must select the node, else "resourceclaim not available on the
node".

Not evaluated (the node's verdict is then "not determined", never "fits"): CEL selectors outside the forms of
``device_cel``, a selector that fails at run time (the scheduler then stops with that error), devices that
consume shared counters (partitionable devices) or allow multiple allocations (consumable capacity),
requests with capacity requests, DeviceTaintRules, extended resources backed by DRA, claims being allocated
by the scheduler at this moment, a search past ``SEARCH_BUDGET`` steps.
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
from k8s_agent.analysis.scheduling.filters.dra_allocate import SEARCH_BUDGET, allocate
from k8s_agent.analysis.scheduling.filters.dra_claims import (
    Constraint,
    DeviceObjects,
    Request,
    claim_requests,
    pod_claims,
)
from k8s_agent.analysis.scheduling.filters.dra_devices import MAYBE, NO, Inventory, RequestStats
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.analysis.scheduling.selectors import CompiledSelector, compile_selector
from k8s_agent.kube.models import Node, NodeSelector, ResourceClaim

__all__ = [
    "ALLOCATE",
    "INVALID_POOLS",
    "NOT_AVAILABLE",
    "SEARCH_BUDGET",
    "UNDETERMINED",
    "DeviceObjects",
    "DraDetail",
    "DynamicResources",
    "RequestStats",
    "detail",
]

ALLOCATE = Check("DynamicResources", "DynamicResources", MISCELLANEOUS, "cannot allocate all claims")
#: the reason when the allocation fails on a node that has an invalid pool
INVALID_POOLS = "invalid resource pools were encountered"
NOT_AVAILABLE = Check(
    "DynamicResourcesNode", "DynamicResources", MISCELLANEOUS, "resourceclaim not available on the node"
)
#: a node the agent could not judge (a selector it does not evaluate...): not a fit, not a rejection
UNDETERMINED = Check("DynamicResourcesUndetermined", "DynamicResources", MISCELLANEOUS, "")


@dataclass(frozen=True, slots=True)
class DraDetail:
    status: str  # "fail", "undetermined", "unavailable"
    requests: tuple[RequestStats, ...] = ()
    claims: tuple[str, ...] = ()  # allocated claims whose node selector rejects the node
    why: str = ""


detail = detail_reader(DraDetail)


class DynamicResources(Filter):
    plugin = "DynamicResources"
    checks = (ALLOCATE, NOT_AVAILABLE, UNDETERMINED)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.active = False
        pod = ctx.pod
        if not pod.spec.resource_claims:
            return
        objs: DeviceObjects | None = ctx.devices
        if objs is None or objs.claims is None:
            ctx.notes.append(
                f"the pod asks for {len(pod.spec.resource_claims)} DRA ResourceClaim(s) "
                f"({', '.join(c.name for c in pod.spec.resource_claims)}) but the ResourceClaims could not be "
                "read: device allocation was not evaluated per node (see warnings)"
            )
            return
        ns = pod.metadata.namespace
        claims = pod_claims(ctx, objs.claims)
        self.allocated: list[tuple[str, CompiledSelector | None]] = []
        to_allocate: list[ResourceClaim] = []
        for c in claims:
            alloc = c.status.allocation
            if alloc is None:
                to_allocate.append(c)
            else:
                sel: NodeSelector | None = alloc.node_selector
                self.allocated.append(
                    (f"{ns}/{c.metadata.name}", compile_selector(sel) if sel is not None else None)
                )
        self.claim_names = [f"{ns}/{c.metadata.name}" for c in to_allocate]
        self.requests: list[Request] = []
        self.constraints: list[Constraint] = []
        self.inventory: Inventory | None = None
        self.unreadable = ""
        if to_allocate:
            if objs.slices is None or objs.classes is None:
                self.unreadable = "the ResourceSlices or DeviceClasses could not be read (see warnings)"
            else:
                self.requests, self.constraints = claim_requests(
                    ctx, to_allocate, self.claim_names, objs.classes
                )
                self.inventory = Inventory(objs)
        self.active = bool(self.allocated) or bool(to_allocate)

    # ------------------------------------------------------------------------------------------ per node
    def constant(self) -> Outcome | None:
        return None if self.active else PASS

    def evaluate(self, node: Node) -> Outcome:
        if not self.active:
            return PASS
        unavailable = [
            name for name, sel in self.allocated if sel is not None and sel.first_match(node) is None
        ]
        if self.claim_names:
            if self.unreadable:
                return self._undetermined(self.unreadable, ())
            verdict, stats, why, invalid = self._allocate(node)
            if verdict == NO:
                reason = INVALID_POOLS if invalid else ALLOCATE.wording
                text = f"cannot allocate the devices of claim(s) {', '.join(self.claim_names)} on this node: {why}"
                return Outcome((failure(ALLOCATE, text),), (reason,), DraDetail("fail", stats, why=why))
            if verdict == MAYBE and not unavailable:
                return self._undetermined(why, stats)
        if unavailable:
            text = (
                f"ResourceClaim(s) {', '.join(unavailable)} are allocated with devices whose node selector does "
                "not select this node"
            )
            return Outcome(
                (failure(NOT_AVAILABLE, text),),
                (NOT_AVAILABLE.wording,),
                DraDetail("unavailable", claims=tuple(unavailable)),
            )
        return PASS

    def _undetermined(self, why: str, stats: tuple[RequestStats, ...]) -> Outcome:
        text = f"not determined whether this node can allocate the pod's DRA claims: {why}"
        return Outcome(
            (failure(UNDETERMINED, text, visible=False),), (), DraDetail("undetermined", stats, why=why)
        )

    def _allocate(self, node: Node) -> tuple[int, tuple[RequestStats, ...], str, bool]:
        assert self.inventory is not None
        return allocate(self.inventory, self.requests, self.constraints, self.claim_names, node)

    # ------------------------------------------------------------------------------------------ advice
    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        per: list[tuple[str, DraDetail]] = [
            (v.node_name, d) for v in advice.verdicts if (d := detail(v.outcome(cls.plugin))) is not None
        ]
        if not per:
            return []
        out: list[str] = []
        failing = [(n, d) for n, d in per if d.status == "fail"]
        by_request: dict[tuple[str, str], list[tuple[str, RequestStats]]] = {}
        for n, d in failing:
            for s in d.requests:
                by_request.setdefault((s.request, s.class_name), []).append((n, s))
        for (request, class_name), rows in sorted(by_request.items()):
            s0 = rows[0][1]
            need = 1 if s0.wanted == "all devices" else int(s0.wanted.split()[0])
            if all(s.free >= need for _, s in rows):
                continue
            sel = f" matching {' && '.join(s0.selectors)}" if s0.selectors else ""
            publishing = [(n, s) for n, s in rows if s.matching]
            if not publishing:
                out.append(
                    f"no node publishes a device of class {class_name}{sel} for request {request} of claim "
                    f"{s0.claim}: check the DRA driver's ResourceSlices (`kubectl get resourceslices -o yaml`) "
                    "or relax the selectors"
                )
                continue
            total = sum(s.matching for _, s in publishing)
            holders = sorted({h for _, s in publishing for h in s.held_by})
            free = max(publishing, key=lambda r: r[1].free)
            if all(s.free == 0 for _, s in publishing) and holders:
                count = len(publishing)
                which = "the only one is" if total == 1 else f"all {total} are"
                out.append(
                    f"{nodes_word(count)} {'publishes' if count == 1 else 'publish'} devices of class {class_name}{sel} "
                    f"but {which} allocated to claim{'s' if len(holders) > 1 else ''} {names(holders, 4)}: free "
                    "one (delete the pod and claim that hold it) or add devices"
                )
            else:
                out.append(
                    f"request {request} of claim {s0.claim} wants {s0.wanted} of class {class_name}{sel}; the most "
                    f"free on one node is {free[1].free} ({free[0]}): lower the count or add devices"
                )
        unavailable = sorted({c for _, d in per if d.status == "unavailable" for c in d.claims})
        if unavailable:
            ok = [v.node_name for v in advice.verdicts if v.fits]
            out.append(
                f"ResourceClaim(s) {', '.join(unavailable)} are already allocated to devices of other nodes: the "
                "pod can run only where they are"
                + (f" ({names(ok)})" if ok else "; delete and recreate the claim to allocate it again")
            )
        unsure = [(n, d) for n, d in per if d.status == "undetermined"]
        if unsure:
            out.append(
                f"{nodes_word(len(unsure))} could not be judged for the pod's DRA claims ({unsure[0][1].why}): "
                "compare the DeviceClass and claim selectors with the devices in `kubectl get resourceslices -o yaml`"
            )
        return out
