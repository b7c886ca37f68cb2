"""DynamicResources, the devices of a node and which of them each request can take.

A node's devices are those of the ResourceSlices for it (``nodeName``, ``allNodes``, ``nodeSelector``; per
device with ``perDeviceNodeSelection``), only the newest generation of each pool; a pool whose slices are not
all published yet gives nothing, a pool with duplicate device names is invalid. A device is a candidate for a
request option when every selector of its DeviceClass and of the request selects it (``device_cel``), it is
not allocated to any claim (``status.allocation.devices.results``; admin-access results hold nothing,
admin-access requests may use allocated devices) and no NoSchedule/NoExecute device taint is left
untolerated. A candidate is "maybe" when a selector is not evaluated or the device consumes shared counters
or allows multiple allocations (not evaluated here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from k8s_agent.analysis.scheduling.filters.device_cel import evaluate
from k8s_agent.analysis.scheduling.filters.dra_claims import DeviceObjects, Request
from k8s_agent.analysis.scheduling.selectors import CompiledSelector, compile_selector
from k8s_agent.kube.models import Device, Node, ResourceSlice

#: a candidate's state for an option (and the verdict of an allocation): certain, not determined, no
YES, MAYBE, NO = 2, 1, 0

#: (driver, pool, device)
DeviceKey = tuple[str, str, str]
#: a device of a node: driver, pool, device, whether its slice selects nodes per device
NodeDevice = tuple[str, str, Device, bool]


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


@dataclass(slots=True)
class Cand:
    key: DeviceKey
    device: Device
    driver: str
    state: int  # YES / MAYBE for this option


@dataclass(slots=True)
class Candidates:
    """Per (request, option) index pair, the devices of one node that option can take; the stats of each
    request; why some candidates are not determined; why an ``All`` option fails outright."""

    cands: dict[tuple[int, int], list[Cand]]
    stats: tuple[RequestStats, ...]
    unsure: list[str]
    all_fail: str


def tolerated(taint: Any, tolerations: Sequence[Any]) -> bool:
    for t in tolerations:
        if t.effect and t.effect != taint.effect:
            continue
        if t.operator == "Exists":
            if not t.key or t.key == taint.key:
                return True
        elif t.key == taint.key and t.value == taint.value:
            return True
    return False


def device_on(d: Device, node: Node) -> bool:
    if d.node_name:
        return d.node_name == node.metadata.name
    if d.all_nodes:
        return True
    if d.node_selector is not None:
        return compile_selector(d.node_selector).first_match(node) is not None
    return False


class Inventory:
    """The cluster's devices as the allocator sees them: which claims hold which devices, and the slices by
    how they choose nodes (pools by their newest generation)."""

    def __init__(self, objs: DeviceObjects) -> None:
        assert objs.slices is not None
        # the devices held by every claim of the cluster (admin access holds nothing)
        self.held: dict[DeviceKey, str] = {}
        self.shared: set[DeviceKey] = set()
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

    def pools(self, node: Node) -> tuple[list[NodeDevice], bool, bool]:
        """The node's devices, whether some pool is incomplete, whether some pool is invalid."""
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
            elif sp.per_device_node_selection and any(device_on(d, node) for d in sp.devices):
                add(s)
        devices: list[NodeDevice] = []
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

    def candidates(
        self,
        requests: Sequence[Request],
        claim_names: Sequence[str],
        node: Node,
        devices: list[NodeDevice],
        incomplete: bool,
    ) -> Candidates:
        """The candidates of every option of every request (each of which has at least one option) among
        ``devices`` of ``node``."""
        cands: dict[tuple[int, int], list[Cand]] = {}
        stats: list[RequestStats] = []
        unsure: list[str] = []
        all_fail = ""
        for ri, req in enumerate(requests):
            for oi, opt in enumerate(req.options):
                lst: list[Cand] = []
                matching = tainted = maybe = 0
                held: list[str] = []
                why = ""
                all_fail_here = False
                for driver, pool, d, per_device in devices:
                    key = (driver, pool, d.name)
                    if per_device and not device_on(d, node):
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
                        t.effect in ("NoSchedule", "NoExecute") and not tolerated(t, opt.tolerations)
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
                    lst.append(Cand(key, d, driver, state))
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
                        claim_names[req.claim],
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
        return Candidates(cands, tuple(stats), unsure, all_fail)
