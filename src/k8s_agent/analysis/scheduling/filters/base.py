"""What every filter module shares: the check vocabulary, a failure, a filter's outcome on one node, the
pod-level context, and the ``Filter`` base class (see the package docstring for how to add a filter).

All results are frozen: a filter builds its outcome once and nobody mutates it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from k8s_agent.analysis.scheduling.message import sort_categories

if TYPE_CHECKING:
    from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects
    from k8s_agent.analysis.scheduling.index import ClusterIndex
    from k8s_agent.kube.models import (
        CSIStorageCapacity,
        Node,
        PersistentVolume,
        PersistentVolumeClaim,
        Pod,
        StorageClass,
        VolumeAttachment,
    )


@dataclass(frozen=True, slots=True)
class Check:
    """One named check of a filter plugin: the one vocabulary that maps a filter to its failure category
    and to the scheduler's wording. ``name`` is what the explain summary counts (``filteredBy...``);
    ``category`` is None where it depends on the failure (NodeResourcesFit: per resource); ``wording`` is
    the reason kube-scheduler 1.36 writes for it (``""`` when it varies, as for ``Insufficient <resource>``).
    """

    name: str
    plugin: str
    category: str | None
    wording: str


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed check on one node, in our words (``reason``), with its categories."""

    check: Check
    reason: str
    categories: tuple[str, ...]
    #: False for a finding the scheduler itself would not act on (a not-ready node without its taint yet)
    scheduler_visible: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """A filter's result on one node.

    ``failures``: every problem found, in our words (all of them, not only the first). ``scheduler_reasons``:
    the reasons kube-scheduler itself would record for this node at this plugin (its exact 1.36 wording;
    empty when the scheduler would let the node pass, for instance a not-ready node whose lifecycle taint is
    not there yet: the agent flags it, the scheduler does not). ``detail`` is the filter's own frozen record
    (what matched, what was tolerated, the usage numbers) for explanations.
    """

    failures: tuple[Failure, ...] = ()
    scheduler_reasons: tuple[str, ...] = ()
    detail: Any = None


PASS = Outcome()

D = TypeVar("D")


def detail_reader(kind: type[D]) -> Callable[[Outcome], D | None]:
    """How a filter module reads its own record back from an outcome: ``outcome.detail`` when it is a
    ``kind``, else None (an outcome without one, such as ``PASS``)."""

    def detail(outcome: Outcome) -> D | None:
        return outcome.detail if isinstance(outcome.detail, kind) else None

    return detail


@dataclass(frozen=True, slots=True)
class Blocker:
    """A problem of the pod itself (not of any node): it blocks every node. ``scheduler_text`` is the
    PreFilter message the scheduler writes for it (uncounted, in front of the per-node reasons)."""

    message: str
    category: str
    fix: str = ""
    scheduler_text: str = ""


@dataclass(slots=True)
class PodContext:
    """The inputs a filter may read while preparing: the pod, the cluster index (None when the cluster's
    pods could not be read) and the pod's claims. ``notes`` and ``blockers`` collect pod-level findings."""

    pod: Pod
    index: ClusterIndex | None
    pvcs: Mapping[str, PersistentVolumeClaim]
    pvs: Mapping[str, PersistentVolume]
    unreadable_pvcs: frozenset[str] = frozenset()
    unreadable_pvs: frozenset[str] = frozenset()
    #: judge the pod as if it were not bound (``/scheduling/explain`` of a scheduled pod: which nodes would
    #: accept such a pod), so its ``spec.nodeName`` rejects no node
    ignore_node_name: bool = False
    #: the StorageClasses of the pod's unbound claims, by name (None: not read, so an unbound claim of a
    #: named class is only noted; a name absent from the mapping and not unreadable does not exist)
    storage_classes: Mapping[str, StorageClass] | None = None
    unreadable_classes: frozenset[str] = frozenset()
    #: every PersistentVolume (the static volumes an unbound WaitForFirstConsumer claim could bind; None
    #: when they could not be read)
    all_pvs: Sequence[PersistentVolume] | None = None
    #: CSI attach limits: node -> driver -> allocatable count (None: CSINodes not read), every PVC of the
    #: cluster by (namespace, name) and the VolumeAttachments (what the pods of a node have attached)
    csi_limits: Mapping[str, Mapping[str, int]] | None = None
    all_pvcs: Mapping[tuple[str, str], PersistentVolumeClaim] | None = None
    attachments: Sequence[VolumeAttachment] = ()
    #: storage capacity tracking: provisioner -> its CSIDriver's ``storageCapacity`` (a provisioner absent
    #: has no CSIDriver; None: not read) and the CSIStorageCapacity objects (None: not read)
    csi_drivers: Mapping[str, bool] | None = None
    capacities: Sequence[CSIStorageCapacity] | None = None
    #: the resource.k8s.io objects read for a pod with DRA claims (None: not read)
    devices: DeviceObjects | None = None
    notes: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    #: what one filter computes for others (the resolved claims, for the volume filters)
    shared: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NodeVerdict:
    """What the filters say about one node: the outcome of every filter, in the scheduler's order.
    ``failures`` and ``fits`` are derived from the outcomes once, at construction."""

    node_name: str
    outcomes: tuple[tuple[str, Outcome], ...]
    failures: tuple[Failure, ...] = field(init=False)
    fits: bool = field(init=False)

    def __post_init__(self) -> None:
        failures = tuple(f for _, o in self.outcomes if o.failures for f in o.failures)
        object.__setattr__(self, "failures", failures)
        object.__setattr__(self, "fits", not failures)

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in self.failures]

    @property
    def categories(self) -> list[str]:
        return sort_categories(c for f in self.failures for c in f.categories)

    @property
    def checks(self) -> list[str]:
        """The failed checks in the scheduler's order, each once; the first is what the scheduler reports."""
        out: list[str] = []
        for f in self.failures:
            if f.check.name not in out:
                out.append(f.check.name)
        return out

    @property
    def first_categories(self) -> list[str]:
        """Categories of the first failing plugin (the scheduler counts a node once, under its first failure)."""
        for _, o in self.outcomes:
            if o.failures:
                return sort_categories(c for f in o.failures for c in f.categories)
        return []

    def outcome(self, plugin: str) -> Outcome:
        for name, o in self.outcomes:
            if name == plugin:
                return o
        return PASS

    def failed(self, check: Check) -> bool:
        return any(f.check is check for f in self.failures)

    def first_scheduler_failure(self) -> tuple[str, tuple[str, ...]] | None:
        """(plugin, reasons) of the first plugin the scheduler would reject this node at, or None."""
        for plugin, o in self.outcomes:
            if o.scheduler_reasons:
                return plugin, o.scheduler_reasons
        return None


@dataclass(frozen=True, slots=True)
class Advice:
    """What a filter's ``suggest`` sees: the pod, every verdict, the nodes, the pod's request, and a
    helper that names a node with the reasons it is excluded for."""

    pod: Pod
    verdicts: Sequence[NodeVerdict]
    nodes_by_name: Mapping[str, Node]
    node_names: Sequence[str]
    request: Mapping[str, int]
    excluded: Callable[[str], str]
    failing: tuple[NodeVerdict, ...] = field(init=False)  # the verdicts of the nodes that do not fit

    def __post_init__(self) -> None:
        object.__setattr__(self, "failing", tuple(v for v in self.verdicts if not v.fits))


class Filter:
    """One kube-scheduler filter plugin. A subclass sets ``plugin`` (the scheduler's plugin name) and
    ``checks`` (its entries of the vocabulary), computes what it needs from the pod once in ``__init__``
    (pod-level problems go to ``ctx.notes`` / ``ctx.blockers``), and implements ``evaluate(node)``.
    ``suggest`` turns every node's outcome into concrete fixes (default: none)."""

    plugin: ClassVar[str]
    checks: ClassVar[tuple[Check, ...]]

    def __init__(self, ctx: PodContext) -> None:
        self.ctx = ctx

    def constant(self) -> Outcome | None:
        """The outcome on every node when it does not depend on the node (the pod asks nothing this plugin
        checks), so the evaluation can skip the plugin; None (default) when it does."""
        return None

    def prefilter_reason(self, node: Node) -> str:
        """The reason this plugin's PreFilter writes the node off with before any filter runs (the
        scheduler's PreFilterResult), or "" (default: the plugin narrows nothing)."""
        return ""

    def evaluate(self, node: Node) -> Outcome:
        raise NotImplementedError

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        return []


def failure(check: Check, reason: str, *categories: str, visible: bool = True) -> Failure:
    """A failure in ``check``'s category (or the categories given)."""
    cats = categories or ((check.category,) if check.category else ())
    return Failure(check, reason, tuple(cats), visible)


def names(items: Sequence[str], limit: int = 5) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def nodes_word(n: int) -> str:
    return f"{n} node" if n == 1 else f"{n} nodes"
