"""DynamicResources, the allocation search on one node, the way the structured allocator of kube-scheduler
does it: every request of every claim of the pod together (the claims are allocated at once), ``exactly``
requests take ``count`` devices (``allocationMode: All``: every candidate, at least one, none of them taken),
``firstAvailable`` the first sub-request that works, and ``matchAttribute`` / ``distinctAttribute``
constraints hold over a claim's devices. A first search uses only certain candidates; when some are not
determined, a second one with them too can only make the verdict "not determined". A search past
``SEARCH_BUDGET`` steps gives up (the verdict is then "not determined").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from k8s_agent.analysis.scheduling.filters.base import names
from k8s_agent.analysis.scheduling.filters.dra_claims import Constraint, Option, Request
from k8s_agent.analysis.scheduling.filters.dra_devices import (
    MAYBE,
    NO,
    YES,
    Cand,
    DeviceKey,
    Inventory,
    NodeDevice,
    RequestStats,
)
from k8s_agent.kube.models import Device, Node

#: backtracking steps per node before the search gives up (the verdict is then "not determined")
SEARCH_BUDGET = 20_000

Cands = Mapping[tuple[int, int], list[Cand]]


@dataclass(slots=True)
class _Search:
    allowed: int
    steps: int = 0
    used: dict[DeviceKey, set[int]] = field(default_factory=dict)
    values: dict[int, list[Any]] = field(default_factory=dict)  # constraint index -> values taken


class _Budget(Exception):
    pass


def attribute(device: Device, driver: str, name: str) -> Any:
    """The typed value of attribute ``name`` (``<domain>/<name>``, the driver's domain optional) of a device,
    or None."""
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


def allocate(
    inv: Inventory,
    requests: Sequence[Request],
    constraints: Sequence[Constraint],
    claim_names: Sequence[str],
    node: Node,
) -> tuple[int, tuple[RequestStats, ...], str, bool]:
    """(YES / NO / MAYBE, per-request stats, why not / why not determined, invalid pool on the node)."""
    devices, incomplete, invalid = inv.pools(node)
    if any(not req.options for req in requests):
        return NO, (), "a request names a DeviceClass that does not exist", invalid
    found = inv.candidates(requests, claim_names, node, devices, incomplete)
    result = found.stats
    search = Allocator(requests, constraints)
    try:
        if search.search(found.cands, YES):
            return YES, result, "", invalid
        if found.unsure and search.search(found.cands, MAYBE):
            return MAYBE, result, found.unsure[0], invalid
    except _Budget:
        return MAYBE, result, f"the allocation search gave up after {SEARCH_BUDGET} steps", invalid
    return NO, result, found.all_fail or why_not(result, devices, constraints), invalid


def why_not(
    stats: tuple[RequestStats, ...], devices: list[NodeDevice], constraints: Sequence[Constraint]
) -> str:
    """Why a node cannot allocate the claims: the first request short of free devices, else the constraints."""
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
    if constraints:
        return "the free devices cannot satisfy the requests together under the claims' attribute constraints"
    return "the free devices cannot satisfy all requests together"


class Allocator:
    """The backtracking search over the candidates of each request option, in request order."""

    def __init__(self, requests: Sequence[Request], constraints: Sequence[Constraint]) -> None:
        self.requests = requests
        self.constraints = constraints

    def search(self, cands: Cands, allowed: int) -> bool:
        """Whether the requests can all be satisfied with candidates of state ``allowed`` or better
        (``_Budget`` past ``SEARCH_BUDGET`` steps)."""
        st = _Search(allowed)
        return self._request(0, st, cands)

    def _request(self, ri: int, st: _Search, cands: Cands) -> bool:
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
        pool: list[Cand],
        start: int,
        left: int,
        req: Request,
        opt: Option,
        ri: int,
        st: _Search,
        cands: Cands,
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

    def _constraints(self, req: Request, opt: Option) -> Iterator[tuple[int, Constraint]]:
        for i, con in enumerate(self.constraints):
            if con.claim == req.claim and con.applies(opt):
                yield i, con

    def _add(self, c: Cand, req: Request, opt: Option, st: _Search) -> bool:
        users = st.used.get(c.key, set())
        if (opt.admin and req.claim in users) or (not opt.admin and users):
            return False
        added: list[int] = []
        for i, con in self._constraints(req, opt):
            value = attribute(c.device, c.driver, con.attribute)
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

    def _remove(self, c: Cand, req: Request, opt: Option, st: _Search) -> None:
        st.used[c.key].discard(req.claim)
        for i, _ in self._constraints(req, opt):
            st.values[i].pop()
