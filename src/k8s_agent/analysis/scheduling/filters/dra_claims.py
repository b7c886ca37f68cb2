"""DynamicResources, what the pod asks for: its ResourceClaims and what keeps the pod out of scheduling before
any node is tried, and the requests and constraints of the claims still to allocate.

The pod's claims: ``spec.resourceClaims[]`` by ``resourceClaimName``, or by template: then the claim named for
that entry in ``status.resourceClaimStatuses`` (an entry without a name needs no claim). A template claim not
generated yet, a claim that does not exist, is being deleted, or (generated) is not owned by the pod keeps the
pod out of scheduling (the scheduler's PreEnqueue); a request naming a DeviceClass that does not exist rejects
every node (its PreFilter: ``request <r>: device class <c> does not exist``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from k8s_agent.analysis.scheduling.filters.base import Blocker, PodContext
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.kube.models import DeviceClass, ResourceClaim, ResourceSlice
from k8s_agent.kube.models.resource import DeviceSubRequest, ExactDeviceRequest


@dataclass(frozen=True, slots=True)
class DeviceObjects:
    """The resource.k8s.io objects read for a pod with claims: every ResourceClaim of the cluster, every
    ResourceSlice and every DeviceClass (each None when it could not be read)."""

    claims: Sequence[ResourceClaim] | None = None
    slices: Sequence[ResourceSlice] | None = None
    classes: Sequence[DeviceClass] | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """One way to satisfy a request: the request itself (``exactly``) or one of its sub-requests."""

    name: str  # "gpu" or "gpu/large"
    base: str
    sub: str
    class_name: str
    class_selectors: tuple[str, ...]
    selectors: tuple[str, ...]
    all_mode: bool
    count: int
    admin: bool
    tolerations: tuple[Any, ...]
    capacity: bool  # consumable capacity requested: not evaluated


@dataclass(frozen=True, slots=True)
class Request:
    claim: int  # index into the pod's claims to allocate
    name: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Constraint:
    claim: int
    attribute: str
    distinct: bool
    requests: frozenset[str]

    def applies(self, opt: Option) -> bool:
        return not self.requests or opt.base in self.requests or opt.name in self.requests


def held_back(ctx: PodContext, scheduler_text: str, fix: str) -> None:
    """A claim problem the scheduler's PreEnqueue checks: it does not try the pod at all until fixed (so it
    writes no FailedScheduling message for it)."""
    ctx.blockers.append(Blocker(scheduler_text, MISCELLANEOUS, fix))


def pod_claims(ctx: PodContext, all_claims: Sequence[ResourceClaim]) -> list[ResourceClaim]:
    """The ResourceClaims of the pod that exist and can be used, in the order of ``spec.resourceClaims``; each
    one that keeps the pod out of scheduling is a blocker in ``ctx``."""
    pod = ctx.pod
    ns = pod.metadata.namespace
    by_key = {(c.metadata.namespace, c.metadata.name): c for c in all_claims}
    claims: list[ResourceClaim] = []
    for pc in pod.spec.resource_claims:
        owner_check = False
        if pc.resource_claim_name:
            name = pc.resource_claim_name
        elif pc.resource_claim_template_name:
            entry = next((s for s in pod.status.resource_claim_statuses if s.name == pc.name), None)
            if entry is None:
                held_back(
                    ctx,
                    f'pod "{ns}/{pod.metadata.name}": ResourceClaim not created yet',
                    f"the ResourceClaim of template {pc.resource_claim_template_name} (pod claim "
                    f"{pc.name}) has not been generated yet: check the resourceclaim controller "
                    "(kube-controller-manager) and its events on the pod",
                )
                continue
            if entry.resource_claim_name is None:
                continue  # no claim was needed for this entry
            name, owner_check = entry.resource_claim_name, True
        else:
            continue
        claim = by_key.get((ns, name))
        if claim is None:
            held_back(
                ctx,
                f'could not find ResourceClaim "{ns}/{name}"',
                f"create ResourceClaim {ns}/{name} (pod claim {pc.name}) or fix the pod's resourceClaims",
            )
            continue
        if claim.metadata.deletion_timestamp is not None:
            held_back(
                ctx,
                f'resourceclaim "{name}" is being deleted',
                f"wait for ResourceClaim {ns}/{name} to go away",
            )
            continue
        if owner_check and not any(
            o.controller and o.uid == pod.metadata.uid for o in claim.metadata.owner_references
        ):
            held_back(
                ctx,
                f"ResourceClaim {ns}/{name} was not created for Pod {ns}/{pod.metadata.name} (Pod is not owner)",
                f"delete ResourceClaim {ns}/{name}: it belongs to another pod of the same name",
            )
            continue
        claims.append(claim)
    return claims


def claim_requests(
    ctx: PodContext,
    claims: list[ResourceClaim],
    claim_names: list[str],
    device_classes: Sequence[DeviceClass],
) -> tuple[list[Request], list[Constraint]]:
    """The requests (each with its options) and the attribute constraints of the claims to allocate; a
    request option naming a DeviceClass that does not exist is left out and is a blocker in ``ctx``."""
    classes = {c.metadata.name: c for c in device_classes}
    requests: list[Request] = []
    constraints: list[Constraint] = []
    for ci, claim in enumerate(claims):
        for req in claim.spec.devices.requests:
            specs: list[tuple[str, str, str, ExactDeviceRequest | DeviceSubRequest]]
            if req.exactly is not None:
                specs = [(req.name, req.name, "", req.exactly)]
            elif req.first_available:
                specs = [(f"{req.name}/{s.name}", req.name, s.name, s) for s in req.first_available]
            else:
                continue  # the API server accepts no such request
            options: list[Option] = []
            for name, base, sub, spec in specs:
                cls = classes.get(spec.device_class_name)
                if cls is None:
                    ctx.blockers.append(
                        Blocker(
                            f"DeviceClass {spec.device_class_name} (claim {claim_names[ci]}, "
                            f"request {name}) does not exist",
                            MISCELLANEOUS,
                            f"create DeviceClass {spec.device_class_name} (usually installed with its "
                            "DRA driver) or fix the claim's deviceClassName",
                            scheduler_text=f"request {name}: device class {spec.device_class_name} does not exist",
                        )
                    )
                    continue
                options.append(
                    Option(
                        name,
                        base,
                        sub,
                        spec.device_class_name,
                        tuple(s.cel.expression for s in cls.spec.selectors if s.cel is not None),
                        tuple(s.cel.expression for s in spec.selectors if s.cel is not None),
                        spec.allocation_mode == "All",
                        spec.count if spec.count is not None else 1,
                        bool(getattr(spec, "admin_access", None)),
                        tuple(spec.tolerations),
                        spec.capacity is not None,
                    )
                )
            requests.append(Request(ci, req.name, tuple(options)))
        for con in claim.spec.devices.constraints:
            attr = con.match_attribute or con.distinct_attribute
            if attr:
                constraints.append(Constraint(ci, attr, con.match_attribute is None, frozenset(con.requests)))
    return requests, constraints
