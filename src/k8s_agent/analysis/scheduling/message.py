"""kube-scheduler FailedScheduling messages, parsed across Kubernetes versions and custom schedulers.

Formats handled (the corpus in ``tests/fixtures/corpus/scheduling_messages.json`` holds real ones of each):

* FitError, 1.8 to today: ``0/N nodes are available: [<PreFilter msg>.] <count> <reason>, ... .[ <PostFilter>]``;
  the PreFilter message has no count (1.25+); the PostFilter suffix (``preemption: ...``, DRA's
  ``no new claims to deallocate, preemption: ...``, custom trailers) starts after the first ``". "`` and may
  end in ``..`` (1.24-1.29). Reasons are split on ``, (?=\\d+ )`` because the 1.18-1.24 taint reason
  contains a comma. Counts need not add up to N. Also ``0/N nodes are unavailable:`` (volcano) and
  ``0/N nodes are available, ...`` (kube-batch).
* Predicates, <= 1.8: ``No nodes are available that match all of the (following) predicates:: X (n), ...``.
* 1.4-1.5: ``pod (x) failed to fit in any node`` then one ``fit failure on node (n): <reason>`` line per node.
* ``no nodes available to schedule pods`` (a cluster with no nodes).
* Anything else (PreBind errors, ``node 'x' is not in cache``, custom schedulers): one uncounted reason.

``categorize`` maps one reason text to the scheduling failure categories of the API (A.3 rules). Text of
the PostFilter (preemption) suffix never contributes categories.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from msgspec import Struct

# The failure categories of the API, in the order the product description lists them.
INSUFFICIENT_CPU = "InsufficientCPU"
INSUFFICIENT_MEMORY = "InsufficientMemory"
INSUFFICIENT_STORAGE = "InsufficientStorage"
VOLUME_ATTACHMENT = "VolumeAttachmentError"
VOLUME_MULTI_ATTACH = "VolumeMultiAttachError"
VOLUME_NODE_AFFINITY = "VolumeNodeAffinityConflict"
NODE_AFFINITY = "NodeAffinityNotMatch"
TAINT_TOLERATION = "TaintTolerationMismatch"
POD_AFFINITY = "PodAffinityConflict"
NODE_NOT_READY = "NodeNotReady"
MISCELLANEOUS = "Miscellaneous"

CATEGORIES: tuple[str, ...] = (
    INSUFFICIENT_CPU,
    INSUFFICIENT_MEMORY,
    INSUFFICIENT_STORAGE,
    VOLUME_ATTACHMENT,
    VOLUME_MULTI_ATTACH,
    VOLUME_NODE_AFFINITY,
    NODE_AFFINITY,
    TAINT_TOLERATION,
    POD_AFFINITY,
    NODE_NOT_READY,
    MISCELLANEOUS,
)
_CATEGORY_ORDER = {c: i for i, c in enumerate(CATEGORIES)}

# Message formats (``ParsedSchedulingMessage.format``).
FIT_ERROR = "fit-error"
LEGACY_PREDICATES = "legacy-predicates"
LEGACY_PER_NODE_LINES = "legacy-per-node-lines"
NO_NODES = "no-nodes"
NO_FIT_ERROR_PREFIX = "no-fit-error-prefix"
EMPTY = "empty"

COMBINED_PREFIX = "(combined from similar events): "
NO_NODES_MESSAGE = "no nodes available to schedule pods"

# Taint keys the node lifecycle controller puts on nodes that are not ready / not reporting.
NOT_READY_TAINT_KEYS = frozenset({"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})


class ParsedReason(Struct, gc=False):
    """One reason of a scheduler message: its text, the node count in front of it (None for a PreFilter
    message, which applies to the whole pod), and its categories (empty for known noise)."""

    text: str
    count: int | None
    categories: list[str]
    nodes: list[str] = []  # node names, only the 1.4-era per-node format gives them


class ParsedSchedulingMessage(Struct, gc=False):
    """A FailedScheduling message taken apart."""

    raw: str
    format: str
    total_nodes: int | None = None
    reasons: list[ParsedReason] = []
    prefilter: str = ""  # the uncounted PreFilter message (1.25+), or ""
    postfilter: str = ""  # the PostFilter suffix as written (``preemption: ...``), or ""

    @property
    def categories(self) -> list[str]:
        """The union of the reasons' categories in the API's order. When every reason is noise (a DaemonSet
        pod reporting only ``didn't satisfy plugin(s) [NodeAffinity]``) the node-affinity reading is used, and
        an unrecognised message still yields Miscellaneous: the scheduler's failure is never dropped."""
        seen: set[str] = set()
        for r in self.reasons:
            seen.update(r.categories)
        if not seen and self.reasons:
            seen.add(
                NODE_AFFINITY if any(_is_prefilter_noise(r.text) for r in self.reasons) else MISCELLANEOUS
            )
        return sort_categories(seen)

    def per_node_counts(self) -> dict[str, int] | None:
        """``{reason: count}`` of the counted reasons (the same text twice is summed); None when the message
        has no per-node breakdown."""
        out: dict[str, int] = {}
        for r in self.reasons:
            if r.count is not None:
                out[r.text] = out.get(r.text, 0) + r.count
        return out or None

    def category_counts(self) -> dict[str, int]:
        """Nodes per category by the scheduler's own counts. An uncounted (PreFilter) reason rejects every
        node; a category's total is capped at N because one node may be counted under several reasons."""
        out: dict[str, int] = {}
        for r in self.reasons:
            n = r.count if r.count is not None else (self.total_nodes or 0)
            for c in r.categories:
                out[c] = out.get(c, 0) + n
        if not out and self.reasons:
            for c in self.categories:
                out[c] = self.total_nodes or 0
        if self.total_nodes is not None:
            out = {c: min(n, self.total_nodes) for c, n in out.items()}
        return out


def sort_categories(cats: Iterable[str]) -> list[str]:
    """Categories in the API's canonical order (unknown strings last, alphabetically)."""
    return sorted(set(cats), key=lambda c: (_CATEGORY_ORDER.get(c, len(_CATEGORY_ORDER)), c))


# ------------------------------------------------------------------------------------------------ parsing
_FIT_PREFIX = re.compile(r"^\s*\d+/(?P<n>\d+|[nN]) nodes are (?:un)?available(?::\s*|,\s*)", re.S)
_PREDICATES_PREFIX = re.compile(
    r"^\s*No nodes are available that match all of the (?:following )?predicates\s*::?\s*", re.I
)
_PREDICATE_ITEM = re.compile(r"\s*(?P<text>.+?)\s*\((?P<n>\d+)\)\s*(?:,|\.?\s*$)")
_LEGACY_POD = re.compile(r"^\s*pod \((?P<pod>[^)]*)\) failed to fit in any node", re.I)
_LEGACY_NODE_LINE = re.compile(r"^\s*fit failure on node \((?P<node>[^)]*)\):\s*(?P<reasons>.*?)\s*$", re.I)
_SPLIT_COUNTED = re.compile(r", (?=\d+ )")
_COUNTED = re.compile(r"^(?P<n>\d+) (?P<text>.*)$", re.S)


def strip_combined_prefix(message: str) -> str:
    """Drop the event aggregator's ``(combined from similar events): `` prefix."""
    msg = message.strip()
    while msg.startswith(COMBINED_PREFIX):
        msg = msg[len(COMBINED_PREFIX) :].lstrip()
    return msg


def _reason(text: str, count: int | None, nodes: list[str] | None = None) -> ParsedReason:
    return ParsedReason(text=text, count=count, categories=categorize(text), nodes=nodes or [])


def _split_main_and_suffix(body: str) -> tuple[str, str]:
    """Cut at the first ``". "``: the main part (trailing periods removed) and the PostFilter suffix.
    ``..`` never cuts: it only ends a preemption summary. A suffix the cut missed (``X preemption: ...``
    without the period) is still recognised."""
    idx = body.find(". ")
    if idx >= 0:
        main, suffix = body[:idx], body[idx + 2 :].strip()
    else:
        main, suffix = body, ""
        m = re.search(r"\s(?:no new claims to deallocate, )?preemption:", body)
        if m:
            main, suffix = body[: m.start()], body[m.start() :].strip()
    return main.strip().rstrip(".").rstrip(), suffix


def parse_scheduling_message(message: str) -> ParsedSchedulingMessage:
    """Parse one FailedScheduling message (or PodScheduled condition message) of any era."""
    raw = message or ""
    msg = strip_combined_prefix(raw)
    if not msg:
        return ParsedSchedulingMessage(raw=raw, format=EMPTY)

    m = _FIT_PREFIX.match(msg)
    if m:
        total = int(m["n"]) if m["n"].isdigit() else None
        main, suffix = _split_main_and_suffix(msg[m.end() :])
        reasons: list[ParsedReason] = []
        prefilter = ""
        for i, seg in enumerate(s.strip() for s in _SPLIT_COUNTED.split(main) if s.strip()):
            cm = _COUNTED.match(seg)
            if cm:
                reasons.append(_reason(cm["text"].strip(), int(cm["n"])))
            elif i == 0:
                prefilter = seg
                reasons.append(_reason(seg, None))
            else:  # pragma: no cover - the split only yields counted segments after the first
                reasons.append(_reason(seg, None))
        return ParsedSchedulingMessage(
            raw=raw,
            format=FIT_ERROR,
            total_nodes=total,
            reasons=reasons,
            prefilter=prefilter,
            postfilter=suffix,
        )

    m = _PREDICATES_PREFIX.match(msg)
    if m:
        body = msg[m.end() :]
        reasons = [_reason(im["text"], int(im["n"])) for im in _PREDICATE_ITEM.finditer(body)]
        if not reasons and body.strip():
            reasons = [_reason(body.strip().rstrip("."), None)]
        return ParsedSchedulingMessage(raw=raw, format=LEGACY_PREDICATES, reasons=reasons)

    m = _LEGACY_POD.match(msg)
    if m:
        by_text: dict[str, list[str]] = {}
        lines = 0
        for line in msg.splitlines()[1:]:
            lm = _LEGACY_NODE_LINE.match(line)
            if not lm:
                continue
            lines += 1
            for text in (t.strip() for t in lm["reasons"].split(", ")):
                if text:
                    by_text.setdefault(text, []).append(lm["node"])
        reasons = [_reason(t, len(nodes), nodes) for t, nodes in by_text.items()]
        return ParsedSchedulingMessage(
            raw=raw, format=LEGACY_PER_NODE_LINES, total_nodes=lines, reasons=reasons
        )

    if msg.rstrip(".").strip().lower() == NO_NODES_MESSAGE:
        return ParsedSchedulingMessage(
            raw=raw, format=NO_NODES, total_nodes=0, reasons=[_reason(NO_NODES_MESSAGE, None)]
        )

    return ParsedSchedulingMessage(raw=raw, format=NO_FIT_ERROR_PREFIX, reasons=[_reason(msg, None)])


# --------------------------------------------------------------------------------------------- categories
_TAINT_KEY = re.compile(r"taint \{(?P<key>[^:}]*)(?::|\})")
_INSUFFICIENT = re.compile(r"\binsufficient (?P<res>\S+)")


def _is_prefilter_noise(lower_or_text: str) -> bool:
    t = lower_or_text.lower()
    return "didn't satisfy plugin(s) [nodeaffinity]" in t or "filtered out by the prefilter result" in t


def categorize(reason: str) -> list[str]:
    """The failure categories of one scheduler reason text (A.3 rules), in canonical order.

    Returns ``[]`` for text that describes preemption rather than a cause, and for the DaemonSet
    PreFilterResult noise (``didn't satisfy plugin(s) [NodeAffinity]``, ``node is filtered out by the
    prefilter result``). Anything unrecognised is ``[Miscellaneous]``.
    """
    t = reason.strip().lower()
    if not t:
        return []
    if (
        t.startswith("preemption:")
        or "preemption is not helpful" in t
        or "no preemption victims" in t
        or "not eligible due to preemptionpolicy" in t
        or t == "no new claims to deallocate"
    ):
        return []
    if _is_prefilter_noise(t):
        return []

    cats: set[str] = set()

    # NodeResourcesFit (and the kube-batch lowercase form)
    for m in _INSUFFICIENT.finditer(t):
        res = m["res"].rstrip(".,;")
        if res == "cpu":
            cats.add(INSUFFICIENT_CPU)
        elif res == "memory":
            cats.add(INSUFFICIENT_MEMORY)
        elif res == "ephemeral-storage":
            cats.add(INSUFFICIENT_STORAGE)
        else:  # extended resources, GPUs, the old "Insufficient pods"
            cats.add(MISCELLANEOUS)
    if "too many pods" in t:
        cats.add(MISCELLANEOUS)
    if "did not have enough free storage" in t:
        cats.add(INSUFFICIENT_STORAGE)

    # volumes
    # "didn't match PersistentVolume's node affinity" is VolumeBinding's wording in 1.36 (the earlier one:
    # "had volume node affinity conflict"); the node-affinity test below must not take it for the pod's
    volume_affinity = (
        "volume node affinity conflict" in t
        or "no available volume zone" in t
        or "persistentvolume's node affinity" in t
    )
    if volume_affinity:
        cats.add(VOLUME_NODE_AFFINITY)
    if "no available disk" in t or "readwriteoncepod" in t or "multi-attach" in t:
        cats.add(VOLUME_MULTI_ATTACH)
    elif (
        "exceed max volume count" in t
        or "unbound immediate persistentvolumeclaims" in t
        or "persistent volumes to bind" in t
        or "persistentvolumeclaim" in t
        or "pvc(s) bound to non-existent pv(s)" in t
        or "bound to non-existent" in t
        or "volumebinding" in t
        or "failed to bind volumes" in t
        or "ephemeral volume controller" in t
    ):
        cats.add(VOLUME_ATTACHMENT)

    # taints: not-ready / unreachable keys mean the node is not ready
    if "taint" in t or "toleration" in t:
        keys = [m["key"].strip() for m in _TAINT_KEY.finditer(t)]
        if keys and all(k in NOT_READY_TAINT_KEYS for k in keys):
            cats.add(NODE_NOT_READY)
        else:
            cats.add(TAINT_TOLERATION)

    # node selector / node affinity / node name
    if (
        "node selector" in t
        or ("node affinity" in t and not volume_affinity)
        or "matchnodeselector" in t
        or "requested hostname" in t
        or "requested node name" in t
    ):
        cats.add(NODE_AFFINITY)

    # inter-pod affinity
    if "pod affinity" in t or "anti-affinity" in t or "podaffinity" in t or "antiaffinity" in t:
        cats.add(POD_AFFINITY)

    # the rest of the known reasons, all Miscellaneous by the rules
    if (
        "topology spread" in t
        or "checkserviceaffinity" in t
        or "free ports" in t
        or "podfitshostports" in t
        or "were unschedulable" in t
        or "nodeunschedulable" in t
        or "unknown conditions" in t
        or "nodeunderdiskpressure" in t
        or "nodeundermemorypressure" in t
        or "nodeunderpidpressure" in t
    ):
        cats.add(MISCELLANEOUS)

    if not cats:
        cats.add(MISCELLANEOUS)
    return sort_categories(cats)
