"""The agent's evaluation against the scheduler's last message: where they disagree (``discrepancies``)
and the failure summary that combines them.

Both sides are reduced to the checks of the filter vocabulary (``filters.CHECKS``): a scheduler reason of
any version is mapped to the check that produces it (``reason_check``), a node's failures to their checks.
A count in the message is consistent with the cluster now when it lies between the nodes whose *first*
failing filter is that check (what the scheduler counts) and the nodes failing it at all.
"""

from __future__ import annotations

import re

from k8s_agent.analysis.scheduling.context import STATUS_PENDING, Analysis, ago, scheduler_name
from k8s_agent.analysis.scheduling.filters.base import NodeVerdict, names, nodes_word
from k8s_agent.analysis.scheduling.filters.dynamic_resources import (
    ALLOCATE,
    INVALID_POOLS,
    NOT_AVAILABLE,
    UNDETERMINED,
)
from k8s_agent.analysis.scheduling.filters.node_resources_fit import RESOURCES
from k8s_agent.analysis.scheduling.filters.node_resources_fit import detail as resource_detail
from k8s_agent.analysis.scheduling.filters.taint_toleration import TaintToleration
from k8s_agent.analysis.scheduling.filters.taint_toleration import detail as taint_detail
from k8s_agent.analysis.scheduling.message import NOT_READY_TAINT_KEYS, categorize, sort_categories
from k8s_agent.schemas.scheduling import FailureSummary

#: failureSummary descriptions per category
DESCRIPTIONS: dict[str, str] = {
    "InsufficientCPU": "Insufficient CPU resources available on nodes",
    "InsufficientMemory": "Insufficient memory resources available on nodes",
    "InsufficientStorage": "Insufficient storage resources available on nodes",
    "VolumeAttachmentError": "Failed to attach persistent volume to node",
    "VolumeMultiAttachError": "Volume already attached to another node (ReadWriteOnce)",
    "VolumeNodeAffinityConflict": "Persistent volume zone affinity doesn't match node zone",
    "NodeAffinityNotMatch": "Node selector or affinity requirements not satisfied",
    "TaintTolerationMismatch": "Node taints not tolerated by pod",
    "PodAffinityConflict": "Pod affinity or anti-affinity constraints not satisfied",
    "NodeNotReady": "Node is not in ready state",
    "Miscellaneous": "Other scheduling constraints not satisfied",
}
UNKNOWN_DESCRIPTION = "Unknown scheduling failure"

# comparison keys: the check names of the vocabulary; NodeSelector and NodeAffinity are one reason in the
# message; "Resources:<r>" per resource; "AnyTaint" where the message hides the taint key (<= 1.17, 1.34.2+)
ANY_TAINT = "AnyTaint"
_WORDS = {
    "Resources:cpu": "lack cpu",
    "Resources:memory": "lack memory",
    "Resources:ephemeral-storage": "lack ephemeral-storage",
    "Resources:pods": "are at their pod limit",
    "NodeNotReady": "are not ready",
    "Taints": "have taints the pod doesn't tolerate",
    ANY_TAINT: "have taints the pod doesn't tolerate (readiness taints included)",
    "Unschedulable": "are cordoned",
    "NodeAffinity": "fail the node selector/affinity",
    "HostPorts": "have a host-port conflict",
    "Volume": "conflict with the PV's node affinity",
    "PodAffinity": "fail pod affinity/anti-affinity",
    "DynamicResources": "cannot give the pod its DRA devices",
}


def reason_check(text: str) -> str | None:
    """The check a scheduler reason (any version's wording) corresponds to; None: not evaluated here."""
    t = text.lower()
    if "preemption" in t:
        return None
    for res in ("cpu", "memory", "ephemeral-storage"):
        if f"insufficient {res}" in t:
            return f"Resources:{res}"
    if "too many pods" in t or "insufficient pods" in t:
        return "Resources:pods"
    if t.startswith("insufficient "):
        return "Resources:" + text.split(" ", 1)[1].strip().rstrip(".")
    if "taint" in t or "podtoleratesnodetaints" in t:
        if "{" not in t:
            return ANY_TAINT
        return "NodeNotReady" if any(k in t for k in NOT_READY_TAINT_KEYS) else "Taints"
    if "were unschedulable" in t or t == "nodeunschedulable":
        return "Unschedulable"
    if "volume node affinity conflict" in t or "no available volume zone" in t or "persistentvolume's" in t:
        return "Volume"
    if "node selector" in t or ("node affinity" in t and "volume" not in t) or "matchnodeselector" in t:
        return "NodeAffinity"
    if "free ports" in t or "podfitshostports" in t:
        return "HostPorts"
    if t in ("cannot allocate all claims", "resourceclaim not available on the node", INVALID_POOLS):
        return "DynamicResources"
    if (
        "existing pods anti-affinity" in t
        or "existingpodsantiaffinityrulesnotmatch" in t
        or "pod affinity" in t
        or "anti-affinity" in t
        or "matchinterpodaffinity" in t
    ):
        return "PodAffinity"
    return None


def _keys(v: NodeVerdict, plugin: str | None = None) -> set[str]:
    """The comparison keys of a node's failures (only those of ``plugin`` when given)."""
    out: set[str] = set()
    for name, o in v.outcomes:
        if plugin is not None and name != plugin:
            continue
        for f in o.failures:
            if f.check is UNDETERMINED:
                continue  # not a verdict: nothing to compare with the scheduler's counts
            if f.check is NOT_AVAILABLE:
                out.add(ALLOCATE.name)  # both DRA reasons count as one check
            elif f.check is RESOURCES:
                d = resource_detail(o)
                out.update(f"Resources:{sf.resource}" for sf in (d.shortfalls if d else ()))
            else:
                out.add("NodeAffinity" if f.check.name == "NodeSelector" else f.check.name)
        if name == TaintToleration.plugin and o.failures:
            out.add(ANY_TAINT)
    return out


def _first_plugin(v: NodeVerdict) -> str | None:
    return next((name for name, o in v.outcomes if o.failures), None)


def compare(a: Analysis) -> None:
    """Append to ``a.discrepancies`` where the scheduler's last message and the live evaluation disagree
    (only for a pending pod)."""
    if a.status != STATUS_PENDING:
        return
    msg, report = a.message, a.report
    if report is not None and report.blockers:
        return  # the pod can't go anywhere now; the comparison of node counts says nothing useful
    fitting = report.fitting if report is not None else []
    if msg is None:
        if a.nodes_known and fitting and report is not None and report.pods_known:
            a.discrepancies.append(
                f"{nodes_word(len(fitting))} can run the pod now ({names(fitting)}) and there is no "
                f"FailedScheduling event or PodScheduled message: check that scheduler "
                f"{scheduler_name(a.pod)} is running and handles this pod"
            )
        return
    parsed = msg.parsed
    when = ago(msg.time, a.now)
    if a.nodes_known and parsed.total_nodes is not None and parsed.total_nodes != len(a.node_names):
        a.discrepancies.append(
            f"the scheduler saw {nodes_word(parsed.total_nodes)} ({when}); the cluster has "
            f"{nodes_word(len(a.node_names))} now"
        )
    if report is None or not report.pods_known:
        return
    if fitting:
        a.discrepancies.append(
            f"{nodes_word(len(fitting))} can run the pod now ({names(fitting)}): the scheduler's message "
            f"({when}) is stale or the cluster changed since; the pod should be placed at the next attempt "
            "unless something not evaluated here blocks it (topology spread constraints, volume limits, "
            "dynamic resources, a nominated pod of higher priority)"
        )
    said_by: dict[str, int] = {}
    texts: dict[str, list[str]] = {}
    for r in parsed.reasons:
        check = reason_check(r.text)
        if check is None or r.count is None:
            continue
        said_by[check] = said_by.get(check, 0) + r.count
        texts.setdefault(check, []).append(r.text)
    if parsed.total_nodes is not None:
        said_by = {k: min(v, parsed.total_nodes) for k, v in said_by.items()}
    every: dict[str, list[str]] = {}
    first: dict[str, list[str]] = {}
    for v in a.verdicts:
        for c in _keys(v):
            every.setdefault(c, []).append(v.node_name)
        plugin = _first_plugin(v)
        for c in _keys(v, plugin) if plugin else ():
            first.setdefault(c, []).append(v.node_name)
    checks = set(said_by) | set(first)
    checks -= {"Taints", "NodeNotReady"} if ANY_TAINT in said_by else {ANY_TAINT}
    for check in sorted(checks):
        said = said_by.get(check, 0)
        now_all, now_first = every.get(check, []), first.get(check, [])
        if len(now_first) <= said <= len(now_all):
            continue
        words = _WORDS.get(check, f"lack {check[10:]}" if check.startswith("Resources:") else check)
        if said:
            reported = f'the scheduler reported {said} × "{texts[check][0]}" ({when})'
        else:
            reported = f"the scheduler's message ({when}) reports no nodes that {words}"
        current = f"now {len(now_all)} of {len(a.node_names)} nodes {words}" + (
            f" ({names(now_all)})" if now_all else ""
        )
        a.discrepancies.append(f"{reported}, but {current}: stale event or the cluster changed since")


# ------------------------------------------------------------------------------------------ summary
_TAINT_KEY = re.compile(r"taint \{(?P<kv>[^}]*)\}")


def canonical_reason(text: str) -> str:
    """A scheduler reason in one spelling across versions, to compare counts: the keyed taint forms
    (1.18-1.34.1) as ``taint {key: value}``, the key-hidden ones as ``taint(s)``, the node selector
    wordings as one, resources lowercased."""
    t = text.strip().lower().rstrip(".")
    m = _TAINT_KEY.search(t)
    if m:
        return f"taint {{{m['kv']}}}"
    if "taint" in t or "toleration" in t:
        return "taint(s)"
    if "volume node affinity conflict" in t or "persistentvolume's node affinity" in t:
        return "persistentvolume's node affinity"  # VolumeBinding: the 1.36 wording and the earlier one
    if "node selector" in t or ("node affinity" in t and "volume" not in t) or "matchnodeselector" in t:
        return "node affinity/selector"
    if t in ("too many pods", "insufficient pods"):
        return "too many pods"
    return t


def _simulated_counts(a: Analysis, keyed_taints: bool) -> dict[str, int]:
    """Reason counts as the scheduler's rules give them now (first failing plugin per node), in
    ``canonical_reason`` spelling; with ``keyed_taints`` a taint reason names the taint the scheduler
    reports (the node's first untolerated one), as versions 1.18-1.34.1 did."""
    view = a.scheduler_view()
    out: dict[str, int] = {}
    for n in view.nodes if view is not None else ():
        verdict = a.verdict(n.node_name)
        for r in n.reasons:
            text = r
            if keyed_taints and n.plugin == TaintToleration.plugin and verdict is not None:
                d = taint_detail(verdict.outcome(n.plugin))
                t = d.scheduler_taint if d else None
                if t is not None:
                    text = f"taint {{{t.key}: {t.value}}}"
            key = canonical_reason(text)
            out[key] = out.get(key, 0) + 1
    return out


def failure_summary(a: Analysis) -> list[FailureSummary]:
    """Per category: every node failing it now, the nodes the scheduler's rules count under it (their first
    failing filter), and the scheduler's own count. ``source`` is ``both`` only when the message's counts
    for the category are the counts the scheduler's rules give on the cluster as it is now."""
    report = a.report
    any_nodes: dict[str, list[str]] = {}
    first_count: dict[str, int] = {}
    for v in a.verdicts:
        if v.fits:
            continue
        for c in v.categories:
            any_nodes.setdefault(c, []).append(v.node_name)
    view = a.scheduler_view()
    if view is not None and not view.prefilter:  # a PreFilter rejection counts no node at all
        for n in view.nodes:
            if n.fits:
                continue
            verdict = a.verdict(n.node_name)
            cats = [
                c
                for f in (verdict.outcome(n.plugin).failures if verdict is not None else ())
                if f.scheduler_visible
                for c in f.categories
            ] or [c for r in n.reasons for c in categorize(r)]
            for c in sort_categories(cats):
                first_count[c] = first_count.get(c, 0) + 1
    pod_cats = sort_categories(b.category for b in report.blockers) if report is not None else []
    parsed = a.message.parsed if a.message is not None else None
    msg_counts = parsed.category_counts() if parsed is not None else {}
    agree: dict[str, bool] = {}
    if parsed is not None and report is not None and report.pods_known:
        keyed = any(_TAINT_KEY.search(r.text.lower()) for r in parsed.reasons)
        sim = _simulated_counts(a, keyed)
        for r in parsed.reasons:
            if r.count is None:
                continue
            ok = sim.get(canonical_reason(r.text), 0) == r.count
            for c in r.categories:
                agree[c] = agree.get(c, True) and ok
    out = []
    for cat in set(any_nodes) | set(pod_cats) | set(msg_counts):
        nodes = any_nodes.get(cat, [])
        if cat in pod_cats:
            count = len(a.node_names) or msg_counts.get(cat, 0)
            source, nodes = "pod", []
        elif nodes:
            count = len(nodes)
            source = "both" if cat in msg_counts and agree.get(cat, False) else "nodes"
        else:
            count = msg_counts[cat]
            source = "scheduler"
        out.append(
            FailureSummary(
                category=cat,
                count=count,
                description=DESCRIPTIONS.get(cat, UNKNOWN_DESCRIPTION),
                nodes=sorted(nodes),
                source=source,
                any_failure_count=len(any_nodes.get(cat, [])) if report is not None else None,
                first_failure_count=first_count.get(cat, 0)
                if report is not None and report.pods_known
                else None,
                scheduler_message_count=msg_counts.get(cat),
            )
        )
    out.sort(key=lambda s: (-s.count, s.category))
    return out
