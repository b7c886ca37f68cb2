"""Matching the way the scheduler matches: tolerations against taints, node selector terms against a
node (with the parse rules of ``labels.NewRequirement``: a requirement that does not parse makes its term
match nothing), and label selectors against pods. Plus the texts that describe them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from k8s_agent.kube.models import (
    LabelSelector,
    Node,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Taint,
    Toleration,
)

# ------------------------------------------------------------------------------------------ tolerations
#: ``content.IsDecimalInteger``: the strict integer form Gt/Lt tolerations compare (no sign but "-", no
#: leading zeros).
_DECIMAL_INTEGER = re.compile(r"^(?:0|-?[1-9][0-9]*)$")
_INT64 = (-(2**63), 2**63 - 1)


def _strict_int(text: str) -> int | None:
    if not _DECIMAL_INTEGER.match(text):
        return None
    n = int(text)
    return n if _INT64[0] <= n <= _INT64[1] else None


def tolerates(tol: Toleration, taint: Taint) -> bool:
    """``Toleration.ToleratesTaint``: an empty effect matches every effect, an empty key (with Exists)
    every key; Equal (or no operator) compares values; Exists matches any value. ``Gt``/``Lt``
    (TaintTolerationComparisonOperators, alpha since 1.35: the API server accepts them only with the gate
    on, so a pod carrying them means the gate is on) compare both values as strict decimal integers: Gt
    tolerates a taint whose value is greater than the toleration's, Lt one whose value is less; a value
    that is not such an integer tolerates nothing."""
    if tol.effect and tol.effect != taint.effect:
        return False
    if tol.key and tol.key != taint.key:
        return False
    op = tol.operator
    if op in ("", "Equal"):
        return tol.value == taint.value
    if op == "Exists":
        return True
    if op in ("Gt", "Lt"):
        want, have = _strict_int(tol.value), _strict_int(taint.value)
        if want is None or have is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def tolerated(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


# ------------------------------------------------------------------------------------------ label syntax
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_GO_INT = re.compile(r"^[+-]?[0-9]+$")


def valid_label_key(key: str) -> bool:
    """A qualified name: optional DNS-1123 subdomain prefix (<= 253) and ``/``, then a name (<= 63)."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_NAME.match(name))


def valid_label_value(value: str) -> bool:
    return len(value) <= 63 and bool(_LABEL_VALUE.match(value))


def go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: optional sign, decimal digits, int64 range."""
    if not _GO_INT.match(text):
        return None
    n = int(text)
    return n if _INT64[0] <= n <= _INT64[1] else None


def requirement_error(r: NodeSelectorRequirement) -> str:
    """Why ``labels.NewRequirement`` rejects this node-selector requirement, or "" when it parses."""
    op, values = r.operator, r.values
    if op not in ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"):
        return f"{op!r} is not a valid operator"
    if not valid_label_key(r.key):
        return f"{r.key!r} is not a valid label key"
    if op in ("In", "NotIn") and not values:
        return f"{op} needs at least one value"
    if op in ("Exists", "DoesNotExist") and values:
        return f"{op} takes no values"
    if op in ("Gt", "Lt") and (len(values) != 1 or go_int(values[0]) is None):
        return f"{op} needs exactly one integer value"
    bad = [v for v in values if not valid_label_value(v)]
    if bad:
        return f"{bad[0]!r} is not a valid label value"
    return ""


def field_requirement_error(r: NodeSelectorRequirement) -> str:
    """Why a ``matchFields`` requirement does not parse: only In/NotIn with exactly one value."""
    if r.operator not in ("In", "NotIn"):
        return f"{r.operator!r} is not supported in matchFields"
    if len(r.values) != 1:
        return "matchFields In/NotIn needs exactly one value"
    return ""


# ------------------------------------------------------------------------------------------ node selectors
def requirement_matches(r: NodeSelectorRequirement, labels: Mapping[str, str]) -> bool:
    """One (parseable) node selector requirement against a label set."""
    op = r.operator
    if op == "In":
        return r.key in labels and labels[r.key] in r.values
    if op == "NotIn":
        return r.key not in labels or labels[r.key] not in r.values
    if op == "Exists":
        return r.key in labels
    if op == "DoesNotExist":
        return r.key not in labels
    if op in ("Gt", "Lt"):
        if r.key not in labels or len(r.values) != 1:
            return False
        have, want = go_int(labels[r.key]), go_int(r.values[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _field_matches(r: NodeSelectorRequirement, node: Node) -> bool:
    # the scheduler's node fields are {metadata.name}; any other key reads as ""
    have = node.metadata.name if r.key == "metadata.name" else ""
    return (have == r.values[0]) if r.operator == "In" else (have != r.values[0])


def term_error(term: NodeSelectorTerm) -> str:
    """Why a term does not parse (it then matches nothing), or ""."""
    for r in term.match_expressions:
        err = requirement_error(r)
        if err:
            return f"{_req_text(r)}: {err}"
    for r in term.match_fields:
        err = field_requirement_error(r)
        if err:
            return f"{_req_text(r, 'field')}: {err}"
    return ""


def _parsed_term_matches(term: NodeSelectorTerm, node: Node) -> bool:
    if not term.match_expressions and not term.match_fields:
        return False
    labels = node.metadata.labels
    return all(requirement_matches(r, labels) for r in term.match_expressions) and all(
        _field_matches(r, node) for r in term.match_fields
    )


def term_matches(term: NodeSelectorTerm, node: Node) -> bool:
    """Expressions and fields ANDed; a term with neither, or one that does not parse, matches nothing."""
    return not term_error(term) and _parsed_term_matches(term, node)


@dataclass(frozen=True, slots=True)
class CompiledSelector:
    """A node selector with each term's parse error found once (for evaluating many nodes)."""

    terms: tuple[tuple[NodeSelectorTerm, str], ...]  # (term, why it does not parse or "")

    def first_match(self, node: Node) -> int | None:
        """Index of the first matching term (terms ORed), or None."""
        for i, (term, err) in enumerate(self.terms):
            if not err and _parsed_term_matches(term, node):
                return i
        return None

    def failures(self, node: Node) -> list[str]:
        """For each term, why the node fails it."""
        return [term_failure(t, node, err) for t, err in self.terms]


def compile_selector(sel: NodeSelector) -> CompiledSelector:
    return CompiledSelector(tuple((t, term_error(t)) for t in sel.node_selector_terms))


def node_selector_matches(sel: NodeSelector, node: Node) -> int | None:
    """Index of the first matching term (terms ORed), or None."""
    return compile_selector(sel).first_match(node)


def _req_text(r: NodeSelectorRequirement, kind: str = "") -> str:
    prefix = f"{kind} " if kind else ""
    if r.operator in ("Exists", "DoesNotExist"):
        return f"{prefix}{r.key} {r.operator}"
    return f"{prefix}{r.key} {r.operator} [{', '.join(r.values)}]"


def describe_term(term: NodeSelectorTerm) -> str:
    parts = [_req_text(r) for r in term.match_expressions] + [
        _req_text(r, "field") for r in term.match_fields
    ]
    return " AND ".join(parts) if parts else "(empty term: matches nothing)"


def term_failure(term: NodeSelectorTerm, node: Node, error: str | None = None) -> str:
    """The first requirement of a term the node fails, with the node's value (``error``: the term's parse
    error when already known)."""
    if not term.match_expressions and not term.match_fields:
        return "empty term matches nothing"
    err = term_error(term) if error is None else error
    if err:
        return f"{err}, so the term matches no node"
    labels = node.metadata.labels
    for r in term.match_expressions:
        if not requirement_matches(r, labels):
            have = f"node has {r.key}={labels[r.key]}" if r.key in labels else f"node has no label {r.key}"
            return f"{_req_text(r)} ({have})"
    for r in term.match_fields:
        if not _field_matches(r, node):
            return f"{_req_text(r, 'field')} (node is {node.metadata.name})"
    return describe_term(term)  # pragma: no cover - only called for a term that does not match


# ------------------------------------------------------------------------------------------ label selectors
def label_selector_matches(sel: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector: None matches nothing, an empty selector matches everything."""
    if sel is None:
        return False
    for k, v in sel.match_labels.items():
        if labels.get(k) != v:
            return False
    for r in sel.match_expressions:
        op = r.operator
        if op == "In":
            if r.key not in labels or labels[r.key] not in r.values:
                return False
        elif op == "NotIn":
            if r.key in labels and labels[r.key] in r.values:
                return False
        elif op == "Exists":
            if r.key not in labels:
                return False
        elif op == "DoesNotExist":
            if r.key in labels:
                return False
        else:
            return False
    return True


def describe_label_selector(sel: LabelSelector | None) -> str:
    if sel is None:
        return "(no selector: matches nothing)"
    parts = [f"{k}={v}" for k, v in sorted(sel.match_labels.items())]
    for r in sel.match_expressions:
        if r.operator in ("Exists", "DoesNotExist"):
            parts.append(f"{r.key} {r.operator}")
        else:
            parts.append(f"{r.key} {r.operator} [{', '.join(r.values)}]")
    return ", ".join(parts) if parts else "(empty selector: every pod)"
