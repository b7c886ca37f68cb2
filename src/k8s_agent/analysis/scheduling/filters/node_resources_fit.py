"""NodeResourcesFit: the node's allocatable minus the effective requests of the non-terminated pods bound
to it, for every resource the pod requests, plus the pod count. The pod's effective request is
``resources.pod_request_nanos`` (sidecars, init containers, overhead and pod-level ``spec.resources``, as
``resource.PodRequests`` computes it). A resource the pod requests 0 of is not checked.

One difference is kept on purpose: a node whose allocatable has no ``pods`` entry is not failed by the
agent (the data is missing, not the capacity), while the scheduler reads it as 0 allowed pods and reports
"Too many pods"; ``scheduler_reasons`` follows the scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8s_agent.analysis.quantity import units_human as show
from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Failure,
    Filter,
    NodeVerdict,
    Outcome,
    PodContext,
    detail_reader,
    failure,
    names,
    nodes_word,
)
from k8s_agent.analysis.scheduling.index import effective_request, node_allocatable
from k8s_agent.analysis.scheduling.message import (
    INSUFFICIENT_CPU,
    INSUFFICIENT_MEMORY,
    INSUFFICIENT_STORAGE,
    MISCELLANEOUS,
)
from k8s_agent.kube.models import Node

RESOURCES = Check("Resources", "NodeResourcesFit", None, "")
TOO_MANY_PODS = "Too many pods"
STANDARD = ("cpu", "memory", "ephemeral-storage")
_CATEGORY = {
    "cpu": INSUFFICIENT_CPU,
    "memory": INSUFFICIENT_MEMORY,
    "ephemeral-storage": INSUFFICIENT_STORAGE,
}


def scheduler_reason(resource: str) -> str:
    return TOO_MANY_PODS if resource == "pods" else f"Insufficient {resource}"


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One resource a node lacks, in scheduler units."""

    resource: str
    requested: int
    free: int
    allocatable: int
    used: int

    def text(self) -> str:
        if self.resource == "pods":
            return f"too many pods ({self.used} of {self.allocatable} allowed pods already on the node)"
        free = max(self.free, 0)
        return (
            f"insufficient {self.resource} (requested: {show(self.resource, self.requested)}, "
            f"free: {show(self.resource, free)} of {show(self.resource, self.allocatable)} allocatable)"
        )


@dataclass(frozen=True, slots=True)
class ResourceDetail:
    usage: tuple[tuple[str, int, int], ...]  # resource, requested by the node's other pods, allocatable
    shortfalls: tuple[Shortfall, ...]

    def used_alloc(self, resource: str) -> tuple[int, int]:
        for r, used, alloc in self.usage:
            if r == resource:
                return used, alloc
        return 0, 0


#: the ResourceDetail of an outcome of this filter (None for one without it, such as PASS)
detail = detail_reader(ResourceDetail)


def ordered(resources: dict[str, int]) -> list[tuple[str, int]]:
    """cpu, memory, ephemeral-storage first, then the rest by name."""
    return [(r, resources[r]) for r in STANDARD if r in resources] + sorted(
        (r, q) for r, q in resources.items() if r not in STANDARD
    )


class NodeResourcesFit(Filter):
    plugin = "NodeResourcesFit"
    checks = (RESOURCES,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.request = effective_request(ctx.pod)
        self.shown = [r for r in sorted(set(self.request) | {"cpu", "memory"}) if r != "pods"]
        self.checked = [(r, q) for r, q in ordered(self.request) if r != "pods" and q > 0]

    def constant(self) -> Outcome | None:
        return PASS if self.ctx.index is None else None

    def evaluate(self, node: Node) -> Outcome:
        index = self.ctx.index
        if index is None:
            return PASS
        name = node.metadata.name
        alloc = node_allocatable(node)
        used = index.requested.get(name, {})
        count = index.pod_count.get(name, 0)
        usage = [(r, used.get(r, 0), alloc.get(r, 0)) for r in self.shown]
        shortfalls: list[Shortfall] = []
        fails: list[Failure] = []
        sched: list[str] = []
        if "pods" in alloc:
            usage.append(("pods", count, alloc["pods"]))
            if count + 1 > alloc["pods"]:
                sf = Shortfall("pods", 1, alloc["pods"] - count, alloc["pods"], count)
                shortfalls.append(sf)
                fails.append(failure(RESOURCES, "too many pods", MISCELLANEOUS))
        if count + 1 > alloc.get("pods", 0):
            sched.append(TOO_MANY_PODS)
        for r, want in self.checked:
            a, u = alloc.get(r, 0), used.get(r, 0)
            if want > a - u:
                shortfalls.append(Shortfall(r, want, a - u, a, u))
                fails.append(failure(RESOURCES, f"insufficient {r}", _CATEGORY.get(r, MISCELLANEOUS)))
                sched.append(scheduler_reason(r))
        return Outcome(tuple(fails), tuple(sched), ResourceDetail(tuple(usage), tuple(shortfalls)))

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        out: list[str] = []
        details = {v.node_name: detail(v.outcome(cls.plugin)) for v in advice.verdicts}
        short_by_res: dict[str, list[NodeVerdict]] = {}
        for v in advice.failing:
            d = details.get(v.node_name)
            for sf in d.shortfalls if d else ():
                short_by_res.setdefault(sf.resource, []).append(v)
        for res in sorted(short_by_res, key=lambda r: (-len(short_by_res[r]), r)):
            vs = short_by_res[res]
            n = len(vs)
            if res == "pods":
                out.append(
                    f"{nodes_word(n)} {'is' if n == 1 else 'are'} at the pod limit "
                    f"({names([v.node_name for v in vs])}); add nodes or raise the kubelet's maxPods"
                )
                continue
            want = advice.request.get(res, 0)
            free: dict[str, int] = {}
            alloc: dict[str, int] = {}
            for node, d in details.items():
                u, a = d.used_alloc(res) if d else (0, 0)
                free[node], alloc[node] = a - u, a
            best = max(sorted(free), key=lambda nm: free[nm]) if free else None
            best_free = max(free[best], 0) if best else 0
            biggest = max(sorted(alloc), key=lambda nm: alloc[nm]) if alloc else None
            largest = alloc[biggest] if biggest else 0
            subj = f"{nodes_word(n)} {'lacks' if n == 1 else 'lack'} {res}"
            if best is not None and best_free >= want:
                out.append(
                    f"{subj} (the pod requests {show(res, want)}); {advice.excluded(best)} has "
                    f"{show(res, best_free)} free"
                )
            elif largest < want:
                where = f" on {biggest}" if biggest else ""
                out.append(
                    f"{subj}: the pod requests {show(res, want)} but no node has that much allocatable "
                    f"(largest: {show(res, largest)}{where}); lower the request or add a bigger node"
                )
            elif best_free <= 0:
                out.append(
                    f"{subj}: the pod requests {show(res, want)} and no node has any {res} free (requests of "
                    f"the running pods take it all); lower the request, scale other workloads down, or add a "
                    f"node with >= {show(res, want)} free"
                )
            else:
                where = f" on {best}" if best else ""
                out.append(
                    f"{subj}: the pod requests {show(res, want)} and the most free on any node is "
                    f"{show(res, best_free)}{where}; lower the request or add a node with >= {show(res, want)} free"
                )
        return out
