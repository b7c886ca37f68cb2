"""DynamicResources (``plugins/dynamicresources``, DRA, ``resource.k8s.io/v1``): whether a node can give the
pod the devices its ResourceClaims ask for.

The pod's claims: ``spec.resourceClaims[]`` by ``resourceClaimName``, or by template: then the claim named for
that entry in ``status.resourceClaimStatuses`` (an entry without a name needs no claim). Before any node is
tried (the scheduler's PreEnqueue/PreFilter): a template claim not generated yet, a claim that does not
exist, is being deleted, or (generated) is not owned by the pod keeps the pod out of scheduling; a request
naming a DeviceClass that does not exist rejects every node (``request <r>: device class <c> does not
exist``).

Per node, in the scheduler's order:
* unallocated claims are allocated the way the structured allocator does: the node's devices are those
  of the ResourceSlices for it (``nodeName``, ``allNodes``, ``nodeSelector``; per device with
  ``perDeviceNodeSelection``), only the newest generation of each pool, a pool whose slices are not all
  published yet gives nothing, a pool with duplicate device names is invalid; a device is a candidate for
  a request when every selector of its DeviceClass and of the request selects it, it is not allocated to
  any claim (``status.allocation.devices.results``; admin-access results hold nothing, admin-access
  requests may use allocated devices) and no NoSchedule/NoExecute device taint is left untolerated;
  ``exactly`` requests take ``count`` devices (``allocationMode: All``: every candidate, at least one, none
  of them taken), ``firstAvailable`` the first sub-request that works, ``matchAttribute`` /
  ``distinctAttribute`` constraints hold over a claim's devices, and all claims of the pod are allocated
  together: else "cannot allocate all claims" (with an invalid pool on the node: "invalid resource pools
  were encountered");
* an allocated claim's ``status.allocation.nodeSelector`` must select the node: else "resourceclaim not
  available on the node".

Not evaluated (the node's verdict is then "not determined", never "fits"): CEL selectors outside the forms of
``device_cel``, a selector that fails at run time (the scheduler then stops with that error), devices that
consume shared counters (partitionable devices) or allow multiple allocations (consumable capacity),
requests with capacity requests, DeviceTaintRules, extended resources backed by DRA, claims being allocated
by the scheduler at this moment, a search past ``SEARCH_BUDGET`` steps.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Blocker,
    Check,
    Filter,
    Outcome,
    PodContext,
    detail_reader,
    failure,
    names,
    nodes_word,
)
from k8s_agent.analysis.scheduling.filters.device_cel import evaluate
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.analysis.scheduling.selectors import CompiledSelector, compile_selector
from k8s_agent.kube.models import (
    Device,
    DeviceClass,
    Node,
    NodeSelector,
    ResourceClaim,
    ResourceSlice,
)
from k8s_agent.kube.models.resource import DeviceSubRequest, ExactDeviceRequest

ALLOCATE = Check("DynamicResources", "DynamicResources", MISCELLANEOUS, "cannot allocate all claims")
#: the reason when the allocation fails on a node that has an invalid pool
INVALID_POOLS = "invalid resource pools were encountered"
NOT_AVAILABLE = Check(
    "DynamicResourcesNode", "DynamicResources", MISCELLANEOUS, "resourceclaim not available on the node"
)
#: a node the agent could not judge (a selector it does not evaluate...): not a fit, not a rejection
UNDETERMINED = Check("DynamicResourcesUndetermined", "DynamicResources", MISCELLANEOUS, "")

#: backtracking steps per node before the search gives up (the verdict is then "not determined")
SEARCH_BUDGET = 20_000

YES, MAYBE, NO = 2, 1, 0


@dataclass(frozen=True, slots=True)
class DeviceObjects:
    """The resource.k8s.io objects read for a pod with claims: every ResourceClaim of the cluster, every
    ResourceSlice and every DeviceClass (each None when it could not be read)."""

    claims: Sequence[ResourceClaim] | None = None
    slices: Sequence[ResourceSlice] | None = None
    classes: Sequence[DeviceClass] | None = None


@dataclass(frozen=True, slots=True)
class _Option:
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
class _Request:
    claim: int  # index into the pod's claims to allocate
    name: str
    options: tuple[_Option, ...]


@dataclass(frozen=True, slots=True)
class _Constraint:
    claim: int
    attribute: str
    distinct: bool
    requests: frozenset[str]

    def applies(self, opt: _Option) -> bool:
        return not self.requests or opt.base in self.requests or opt.name in self.requests


@dataclass(frozen=True, slots=True)
class RequestStats:
    """What one node offers one request (its first option, or the best one): for explanations."""

    claim: str
    request: str
    class_name: str
    selectors: tuple[str, ...]
    wanted: str  # "2 devices", "all devices"
    matching: int
    free: int
    held_by: tuple[str, ...]  # claims holding matching devices
    tainted: int
    undetermined: str


@dataclass(frozen=True, slots=True)
class DraDetail:
    status: str  # "fail", "undetermined", "unavailable"
    requests: tuple[RequestStats, ...] = ()
    claims: tuple[str, ...] = ()  # allocated claims whose node selector rejects the node
    why: str = ""


detail = detail_reader(DraDetail)


@dataclass(slots=True)
class _Cand:
    key: tuple[str, str, str]  # driver, pool, device
    device: Device
    driver: str
    state: int  # YES / MAYBE for this option


@dataclass(slots=True)
class _Search:
    allowed: int
    steps: int = 0
    used: dict[tuple[str, str, str], set[int]] = field(default_factory=dict)
    values: dict[int, list[Any]] = field(default_factory=dict)  # constraint index -> values taken


class _Budget(Exception):
    pass


def _tolerated(taint: Any, tolerations: Sequence[Any]) -> bool:
    for t in tolerations:
        if t.effect and t.effect != taint.effect:
            continue
        if t.operator == "Exists":
            if not t.key or t.key == taint.key:
                return True
        elif t.key == taint.key and t.value == taint.value:
            return True
    return False


def _attribute(device: Device, driver: str, name: str) -> Any:
    a = device.attributes.get(name)
    if a is None:
        domain, _, short = name.partition("/")
        if domain != driver or not short:
            return None
        a = device.attributes.get(short)
    if a is None:
        return None
    for v in (a.string_value, a.int_value, a.bool_value, a.version_value):
        if v is not None:
            return (type(v).__name__, v)
    return None


def _selector_text(opt: _Option) -> str:
    sels = [*opt.class_selectors, *opt.selectors]
    return f" matching {' && '.join(sels)}" if sels else ""


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
        by_key = {(c.metadata.namespace, c.metadata.name): c for c in objs.claims}
        claims: list[ResourceClaim] = []
        for pc in pod.spec.resource_claims:
            owner_check = False
            if pc.resource_claim_name:
                name = pc.resource_claim_name
            elif pc.resource_claim_template_name:
                entry = next((s for s in pod.status.resource_claim_statuses if s.name == pc.name), None)
                if entry is None:
                    self._held_back(
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
                self._held_back(
                    f'could not find ResourceClaim "{ns}/{name}"',
                    f"create ResourceClaim {ns}/{name} (pod claim {pc.name}) or fix the pod's resourceClaims",
                )
                continue
            if claim.metadata.deletion_timestamp is not None:
                self._held_back(
                    f'resourceclaim "{name}" is being deleted',
                    f"wait for ResourceClaim {ns}/{name} to go away",
                )
                continue
            if owner_check and not any(
                o.controller and o.uid == pod.metadata.uid for o in claim.metadata.owner_references
            ):
                self._held_back(
                    f"ResourceClaim {ns}/{name} was not created for Pod {ns}/{pod.metadata.name} (Pod is not owner)",
                    f"delete ResourceClaim {ns}/{name}: it belongs to another pod of the same name",
                )
                continue
            claims.append(claim)
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
        self.requests: list[_Request] = []
        self.constraints: list[_Constraint] = []
        self.unreadable = ""
        if to_allocate:
            if objs.slices is None or objs.classes is None:
                self.unreadable = "the ResourceSlices or DeviceClasses could not be read (see warnings)"
            else:
                self._prepare(to_allocate, objs)
        self.active = bool(self.allocated) or bool(to_allocate)

    def _held_back(self, scheduler_text: str, fix: str) -> None:
        """A claim problem the scheduler's PreEnqueue checks: it does not try the pod at all until fixed (so
        it writes no FailedScheduling message for it)."""
        self.ctx.blockers.append(Blocker(scheduler_text, MISCELLANEOUS, fix))

    def _prepare(self, claims: list[ResourceClaim], objs: DeviceObjects) -> None:
        assert objs.classes is not None and objs.slices is not None
        classes = {c.metadata.name: c for c in objs.classes}
        for ci, claim in enumerate(claims):
            for req in claim.spec.devices.requests:
                specs: list[tuple[str, str, str, ExactDeviceRequest | DeviceSubRequest]]
                if req.exactly is not None:
                    specs = [(req.name, req.name, "", req.exactly)]
                elif req.first_available:
                    specs = [(f"{req.name}/{s.name}", req.name, s.name, s) for s in req.first_available]
                else:
                    continue  # the API server accepts no such request
                options: list[_Option] = []
                for name, base, sub, spec in specs:
                    cls = classes.get(spec.device_class_name)
                    if cls is None:
                        self.ctx.blockers.append(
                            Blocker(
                                f"DeviceClass {spec.device_class_name} (claim {self.claim_names[ci]}, "
                                f"request {name}) does not exist",
                                MISCELLANEOUS,
                                f"create DeviceClass {spec.device_class_name} (usually installed with its "
                                "DRA driver) or fix the claim's deviceClassName",
                                scheduler_text=f"request {name}: device class {spec.device_class_name} does not exist",
                            )
                        )
                        continue
                    options.append(
                        _Option(
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
                self.requests.append(_Request(ci, req.name, tuple(options)))
            for con in claim.spec.devices.constraints:
                attr = con.match_attribute or con.distinct_attribute
                if attr:
                    self.constraints.append(
                        _Constraint(ci, attr, con.match_attribute is None, frozenset(con.requests))
                    )
        # the devices held by every claim of the cluster (admin access holds nothing)
        self.held: dict[tuple[str, str, str], str] = {}
        self.shared: set[tuple[str, str, str]] = set()
        for c in objs.claims or ():
            if c.status.allocation is None:
                continue
            for r in c.status.allocation.devices.results:
                if r.admin_access:
                    continue
                key = (r.driver, r.pool, r.device)
                if r.share_id:
                    self.shared.add(key)
                else:
                    self.held.setdefault(key, f"{c.metadata.namespace}/{c.metadata.name}")
        # slices by how they choose nodes; pools by their newest generation
        self.by_node: dict[str, list[ResourceSlice]] = {}
        self.other_slices: list[tuple[ResourceSlice, CompiledSelector | None]] = []
        self.generations: dict[tuple[str, str], dict[int, int]] = {}
        for s in objs.slices:
            sp = s.spec
            gens = self.generations.setdefault((sp.driver, sp.pool.name), {})
            gens[sp.pool.generation] = gens.get(sp.pool.generation, 0) + 1
            if sp.node_name:
                self.by_node.setdefault(sp.node_name, []).append(s)
            elif sp.all_nodes or sp.node_selector is not None or sp.per_device_node_selection:
                sel = compile_selector(sp.node_selector) if sp.node_selector is not None else None
                self.other_slices.append((s, sel))

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

    def _pools(self, node: Node) -> tuple[list[tuple[str, str, Device, bool]], bool, bool]:
        """The node's devices (driver, pool, device, per-device node selection), whether some pool is
        incomplete, whether some pool is invalid."""
        name = node.metadata.name
        chosen: dict[tuple[str, str], list[ResourceSlice]] = {}

        def add(s: ResourceSlice) -> None:
            key = (s.spec.driver, s.spec.pool.name)
            have = chosen.get(key)
            if have is None or s.spec.pool.generation > have[0].spec.pool.generation:
                chosen[key] = [s]
            elif s.spec.pool.generation == have[0].spec.pool.generation:
                have.append(s)

        for s in self.by_node.get(name, ()):
            add(s)
        for s, sel in self.other_slices:
            sp = s.spec
            if sp.all_nodes or (sel is not None and not sp.per_device_node_selection):
                if sp.all_nodes or sel is None or sel.first_match(node) is not None:
                    add(s)
            elif sp.per_device_node_selection and any(self._device_on(d, node) for d in sp.devices):
                add(s)
        devices: list[tuple[str, str, Device, bool]] = []
        incomplete = invalid = False
        for (driver, pool), slices in sorted(chosen.items()):
            gen, want = slices[0].spec.pool.generation, slices[0].spec.pool.resource_slice_count
            gens = self.generations.get((driver, pool), {})
            if len(slices) != want:
                if any(g > gen for g in gens):
                    continue  # obsolete: a newer generation is being published for other nodes
                if gens.get(gen, 0) != want:
                    incomplete = True
                    continue
            seen: set[str] = set()
            pool_devices = []
            dup = False
            for s in slices:
                for d in s.spec.devices:
                    if d.name in seen:
                        dup = True
                    seen.add(d.name)
                    pool_devices.append((driver, pool, d, bool(s.spec.per_device_node_selection)))
            if dup:
                invalid = True
                continue
            devices.extend(pool_devices)
        return devices, incomplete, invalid

    @staticmethod
    def _device_on(d: Device, node: Node) -> bool:
        if d.node_name:
            return d.node_name == node.metadata.name
        if d.all_nodes:
            return True
        if d.node_selector is not None:
            return compile_selector(d.node_selector).first_match(node) is not None
        return False

    def _allocate(self, node: Node) -> tuple[int, tuple[RequestStats, ...], str, bool]:
        """(YES / NO / MAYBE, per-request stats, why not / why not determined, invalid pool on the node)."""
        devices, incomplete, invalid = self._pools(node)
        cands: dict[tuple[int, int], list[_Cand]] = {}
        stats: list[RequestStats] = []
        unsure: list[str] = []
        all_fail = ""
        for ri, req in enumerate(self.requests):
            if not req.options:
                return NO, (), "a request names a DeviceClass that does not exist", invalid
            for oi, opt in enumerate(req.options):
                lst: list[_Cand] = []
                matching = tainted = maybe = 0
                held: list[str] = []
                why = ""
                all_fail_here = False
                for driver, pool, d, per_device in devices:
                    key = (driver, pool, d.name)
                    if per_device and not self._device_on(d, node):
                        continue
                    state = YES
                    for expr in (*opt.class_selectors, *opt.selectors):
                        r = evaluate(expr, d, driver)
                        if r.value is False:
                            state = NO
                            break
                        if r.value is None:
                            state = MAYBE
                            why = why or (
                                f"selector `{expr}` fails on device {d.name} with a {r.why} (the scheduler "
                                "stops the attempt with that error)"
                                if r.error
                                else f"selector `{expr}` is not evaluated here ({r.why})"
                            )
                    if state == NO:
                        continue
                    if state == YES:
                        matching += 1
                    else:
                        maybe += 1
                    if not opt.admin and key in self.held:
                        held.append(self.held[key])
                        if opt.all_mode and state == YES:
                            all_fail_here = True
                            all_fail = all_fail or (
                                f"request {opt.name} asks for all devices of class {opt.class_name} and device "
                                f"{d.name} is allocated to claim {self.held[key]}"
                            )
                        continue
                    if d.taints and any(
                        t.effect in ("NoSchedule", "NoExecute") and not _tolerated(t, opt.tolerations)
                        for t in d.taints
                    ):
                        tainted += 1
                        if opt.all_mode and state == YES:
                            all_fail_here = True
                            all_fail = all_fail or (
                                f"request {opt.name} asks for all devices of class {opt.class_name} and device "
                                f"{d.name} has a taint the request does not tolerate"
                            )
                        continue
                    if (
                        d.consumes_counters
                        or d.allow_multiple_allocations
                        or key in self.shared
                        or opt.capacity
                    ):
                        state = MAYBE
                        why = why or (
                            f"device {d.name} consumes shared counters or allows multiple allocations "
                            "(partitionable devices and consumable capacity are not evaluated here)"
                        )
                    lst.append(_Cand(key, d, driver, state))
                if opt.all_mode and incomplete:
                    why = (
                        why
                        or "a resource pool of the node is being updated (the scheduler stops with an error)"
                    )
                    maybe += 1
                if opt.all_mode and all_fail_here:
                    lst = []  # "all" includes a device that cannot be taken: this option fails
                if opt.all_mode and maybe:
                    for c in lst:  # the set "all" stands for is not known: decided only in the second pass
                        c.state = MAYBE
                cands[ri, oi] = lst
                free = sum(1 for c in lst if c.state == YES)
                if why and (maybe or any(c.state == MAYBE for c in lst)):
                    unsure.append(why)
                else:
                    why = ""
                if oi == 0 or free >= (opt.count if not opt.all_mode else 1):
                    stat = RequestStats(
                        self.claim_names[req.claim],
                        opt.name,
                        opt.class_name,
                        (*opt.class_selectors, *opt.selectors),
                        "all devices"
                        if opt.all_mode
                        else f"{opt.count} device{'s' if opt.count != 1 else ''}",
                        matching,
                        free,
                        tuple(sorted(set(held))),
                        tainted,
                        why,
                    )
                    if oi == 0:
                        stats.append(stat)
                    else:
                        stats[-1] = stat
        result = tuple(stats)
        try:
            if self._search(cands, YES):
                return YES, result, "", invalid
            if unsure and self._search(cands, MAYBE):
                return MAYBE, result, unsure[0], invalid
        except _Budget:
            return MAYBE, result, f"the allocation search gave up after {SEARCH_BUDGET} steps", invalid
        return NO, result, all_fail or self._why_not(result, devices), invalid

    def _why_not(self, stats: tuple[RequestStats, ...], devices: list[Any]) -> str:
        if not devices:
            return "no ResourceSlice publishes devices for this node"
        for s in stats:
            need = 1 if s.wanted == "all devices" else int(s.wanted.split()[0])
            if s.free >= need:
                continue
            sel = f" matching {' && '.join(s.selectors)}" if s.selectors else ""
            if not s.matching:
                return f"request {s.request} wants {s.wanted} of class {s.class_name}: no device of the node{sel}"
            text = f"request {s.request} wants {s.wanted} of class {s.class_name}: {s.matching} device(s) of the node match, {s.free} free"
            if s.held_by:
                text += f" (allocated to {names(list(s.held_by), 3)})"
            if s.tainted:
                text += f" ({s.tainted} with a taint the request does not tolerate)"
            return text
        if self.constraints:
            return "the free devices cannot satisfy the requests together under the claims' attribute constraints"
        return "the free devices cannot satisfy all requests together"

    def _search(self, cands: Mapping[tuple[int, int], list[_Cand]], allowed: int) -> bool:
        st = _Search(allowed)
        return self._request(0, st, cands)

    def _request(self, ri: int, st: _Search, cands: Mapping[tuple[int, int], list[_Cand]]) -> bool:
        if ri == len(self.requests):
            return True
        req = self.requests[ri]
        for oi, opt in enumerate(req.options):
            pool = [c for c in cands.get((ri, oi), ()) if c.state >= st.allowed]
            if opt.all_mode:
                if not pool:
                    continue
                if self._take(pool, 0, len(pool), req, opt, ri, st, cands, exact=True):
                    return True
                continue
            if self._take(pool, 0, opt.count, req, opt, ri, st, cands, exact=False):
                return True
        return False

    def _take(
        self,
        pool: list[_Cand],
        start: int,
        left: int,
        req: _Request,
        opt: _Option,
        ri: int,
        st: _Search,
        cands: Mapping[tuple[int, int], list[_Cand]],
        *,
        exact: bool,
    ) -> bool:
        st.steps += 1
        if st.steps > SEARCH_BUDGET:
            raise _Budget
        if left == 0:
            return self._request(ri + 1, st, cands)
        for i in range(start, len(pool)):
            c = pool[i]
            if not self._add(c, req, opt, st):
                if exact:
                    return False
                continue
            ok = self._take(pool, i + 1, left - 1, req, opt, ri, st, cands, exact=exact)
            self._remove(c, req, opt, st)
            if ok:
                return True
            if exact:
                return False
        return False

    def _constraints(self, req: _Request, opt: _Option) -> Iterator[tuple[int, _Constraint]]:
        for i, con in enumerate(self.constraints):
            if con.claim == req.claim and con.applies(opt):
                yield i, con

    def _add(self, c: _Cand, req: _Request, opt: _Option, st: _Search) -> bool:
        users = st.used.get(c.key, set())
        if (opt.admin and req.claim in users) or (not opt.admin and users):
            return False
        added: list[int] = []
        for i, con in self._constraints(req, opt):
            value = _attribute(c.device, c.driver, con.attribute)
            taken = st.values.setdefault(i, [])
            if (
                value is None
                or (con.distinct and value in taken)
                or (not con.distinct and taken and taken[0] != value)
            ):
                for j in added:
                    st.values[j].pop()
                return False
            taken.append(value)
            added.append(i)
        st.used.setdefault(c.key, set()).add(req.claim)
        return True

    def _remove(self, c: _Cand, req: _Request, opt: _Option, st: _Search) -> None:
        st.used[c.key].discard(req.claim)
        for i, _ in self._constraints(req, opt):
            st.values[i].pop()

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
