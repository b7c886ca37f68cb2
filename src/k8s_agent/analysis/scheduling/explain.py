"""The words: the explanation paragraph, the suggestions (a loop over the filters, each suggesting fixes
for what it found, plus what only the scheduler reported), the per-check node counts, and why a scheduled
pod's node satisfies its constraints."""

from __future__ import annotations

from k8s_agent.analysis.kube import taint_text as taint_str
from k8s_agent.analysis.quantity import units_human as show
from k8s_agent.analysis.scheduling.context import (
    STATUS_GATED,
    STATUS_PENDING,
    STATUS_SCHEDULED,
    Analysis,
    ago,
    scheduler_name,
)
from k8s_agent.analysis.scheduling.filters import (
    CHECKS,
    FILTERS,
    node_affinity,
    node_resources_fit,
    taint_toleration,
)
from k8s_agent.analysis.scheduling.filters import inter_pod_affinity as pod_affinity
from k8s_agent.analysis.scheduling.filters.base import Advice, names, nodes_word
from k8s_agent.analysis.scheduling.filters.node_ports import HOST_PORTS
from k8s_agent.analysis.scheduling.filters.node_unschedulable import UNSCHEDULABLE
from k8s_agent.analysis.scheduling.filters.volume_binding import VolumeBinding, VolumeDetail
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS, NOT_READY_TAINT_KEYS, ParsedSchedulingMessage
from k8s_agent.analysis.scheduling.selectors import term_matches
from k8s_agent.schemas.scheduling import ExplainSummary

# ------------------------------------------------------------------------------------------ node counts
#: how the paragraph words each check: (check name, many, one)
_PHRASES = {
    "Resources": ("lack resources", "lacks resources"),
    "Taints": ("have untolerated taints", "has an untolerated taint"),
    "NodeSelector": ("don't match the node selector", "doesn't match the node selector"),
    "NodeAffinity": ("don't match the required node affinity", "doesn't match the required node affinity"),
    "NodeNotReady": ("are not ready", "is not ready"),
    "Unschedulable": ("are cordoned", "is cordoned"),
    "PodAffinity": ("fail pod affinity/anti-affinity", "fails pod affinity/anti-affinity"),
    "Volume": ("conflict with the volume's node affinity", "conflicts with the volume's node affinity"),
    "HostPorts": ("have a host-port conflict", "has a host-port conflict"),
    "TopologySpread": ("would break the topology spread", "would break the topology spread"),
    "NodeName": ("are not the node named in spec.nodeName", "is not the node named in spec.nodeName"),
    "DynamicResources": ("cannot allocate the pod's DRA devices", "cannot allocate the pod's DRA devices"),
    "DynamicResourcesNode": (
        "are not where the pod's allocated DRA claims are",
        "is not where the pod's allocated DRA claims are",
    ),
    "DynamicResourcesUndetermined": (
        "could not be judged for the pod's DRA devices",
        "could not be judged for the pod's DRA devices",
    ),
}
_PHRASE_ORDER = list(_PHRASES)


def check_counts(a: Analysis) -> dict[str, int]:
    counts = dict.fromkeys((c.name for c in CHECKS), 0)
    for v in a.verdicts:
        for name in v.checks:
            counts[name] = counts.get(name, 0) + 1
    return counts


def explain_summary(a: Analysis) -> ExplainSummary:
    c = check_counts(a)
    return ExplainSummary(
        total_nodes=len(a.node_names),
        schedulable_nodes=sum(1 for v in a.verdicts if v.fits),
        filtered_by_node_not_ready=c["NodeNotReady"],
        filtered_by_unschedulable=c["Unschedulable"],
        filtered_by_taints=c["Taints"],
        filtered_by_node_selector=c["NodeSelector"],
        filtered_by_node_affinity=c["NodeAffinity"],
        filtered_by_resources=c["Resources"],
        filtered_by_pod_affinity=c["PodAffinity"],
        filtered_by_volume=c["Volume"],
        filtered_by_host_ports=c["HostPorts"],
        filtered_by_topology_spread=c["TopologySpread"],
        filtered_by_node_name=c["NodeName"],
    )


def _breakdown(a: Analysis) -> str:
    counts = check_counts(a)
    order = sorted(counts, key=lambda n: (-counts[n], _PHRASE_ORDER.index(n) if n in _PHRASES else 99, n))
    parts = []
    for name in order:
        n = counts[name]
        if not n:
            continue
        many, one = _PHRASES.get(name, (f"fail {name}", f"fails {name}"))
        parts.append(f"{n} {many}" if n != 1 else f"1 {one}")
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------ paragraph
def paragraph(a: Analysis, summary: ExplainSummary) -> str:
    pod = a.pod
    who = f"Pod {pod.metadata.namespace}/{pod.metadata.name}"
    total, fits = summary.total_nodes, summary.schedulable_nodes
    if a.status == STATUS_SCHEDULED:
        text = f"{who} is already scheduled on node {pod.spec.node_name} (scheduler {scheduler_name(pod)})."
        v = a.verdict(pod.spec.node_name)
        if v is None and a.nodes_known:
            text += f" Node {pod.spec.node_name} no longer exists."
        elif v is not None and not v.fits:
            text += f" The node would not accept it today: {'; '.join(v.reasons)}."
        if a.nodes_known:
            text += f" {fits} of {total} nodes would accept such a pod now."
        return text
    if a.status in ("Failed", "Succeeded"):
        reason = f" ({pod.status.reason}: {pod.status.message})" if pod.status.reason else ""
        return f"{who} finished (phase {a.status}) without being scheduled{reason}."
    sentences = []
    if a.status == STATUS_GATED:
        gates = ", ".join(g.name for g in pod.spec.scheduling_gates)
        sentences.append(
            f"{who} is waiting for its scheduling gates to be removed ({gates}); the scheduler does not try "
            "to place it until then."
        )
    if not a.nodes_known:
        sentences.append("The node list could not be read, so no node was evaluated.")
    elif total == 0:
        sentences.append("The cluster has no nodes (none visible to the agent).")
    else:
        breakdown = _breakdown(a)
        if a.status == STATUS_GATED:
            sentences.append(
                f"Once ungated, {fits} of {total} nodes could run it now"
                + (f" ({breakdown})." if breakdown else ".")
            )
        elif fits == 0:
            sentences.append(f"{who} is Pending: none of the {total} nodes can run it now ({breakdown}).")
        else:
            fitting = [v.node_name for v in a.verdicts if v.fits]
            sentences.append(
                f"{who} is Pending, but {fits} of {total} nodes could run it now ({names(fitting)})"
                + (f"; the others: {breakdown}." if breakdown else ".")
            )
    if a.report is not None and a.report.blockers:
        sentences.append(
            "It cannot be scheduled on any node until this is fixed: "
            + "; ".join(b.message for b in a.report.blockers)
            + "."
        )
    if a.message is not None:
        sentences.append(f'The scheduler\'s last message ({ago(a.message.time, a.now)}): "{a.message.text}"')
    return " ".join(sentences)


# ------------------------------------------------------------------------------------------ suggestions
def scheduled_suggestions(a: Analysis) -> list[str]:
    name = a.pod.spec.node_name
    v = a.verdict(name)
    if v is None and a.nodes_known:
        return [
            f"node {name} no longer exists: the pod will be garbage-collected; its controller recreates it"
        ]
    if v is not None and v.failed(taint_toleration.NOT_READY):
        d = taint_toleration.detail(v.outcome(taint_toleration.TaintToleration.plugin))
        return [taint_toleration.not_ready_advice(name, d)]
    return []


def suggestions(a: Analysis) -> list[str]:
    """Gates, pod-level blockers, then each filter's fixes in the scheduler's order, then what only the
    scheduler reported, then (when nodes fit) where to look if the pod still stays Pending."""
    out: list[str] = []
    pod, report, verdicts = a.pod, a.report, a.verdicts
    if a.status == STATUS_GATED:
        out.append(
            f"remove the scheduling gates ({', '.join(g.name for g in pod.spec.scheduling_gates)}): the "
            "controller that added them removes them when the pod may be scheduled"
        )
    if report is not None:
        out.extend(f"{b.message}: {b.fix}" if b.fix else b.message for b in report.blockers)
    if a.nodes_known and not a.node_names:
        out.append("the cluster has no nodes: add nodes (or check the cluster autoscaler)")
    reasons_of = {v.node_name: v.reasons for v in verdicts}

    def excluded(name: str) -> str:
        rs = reasons_of.get(name) or []
        if not rs:
            return f"{name} (fits)"
        more = f"; and {len(rs) - 2} more" if len(rs) > 2 else ""
        return f"{name} (excluded by: {'; '.join(rs[:2])}{more})"

    advice = Advice(
        pod=pod,
        verdicts=verdicts,
        nodes_by_name=a.nodes_by_name,
        node_names=a.node_names,
        request=report.request if report is not None else {},
        excluded=excluded,
    )
    for f in FILTERS:
        out.extend(f.suggest(advice))
    if a.message is not None:
        ours = any(x.startswith("topology spread on") for x in out)  # the spread evaluated here already
        out.extend(
            x
            for x in scheduler_only_advice(a.message.parsed)
            if x not in out and not (ours and "topology spread" in x)
        )
    fitting = [v.node_name for v in verdicts if v.fits]
    if a.status == STATUS_PENDING and fitting and report and not report.blockers and report.pods_known:
        out.append(
            f"{nodes_word(len(fitting))} can run the pod now ({names(fitting)}); if it stays Pending, check "
            f"that scheduler {scheduler_name(pod)} is running and look at its logs"
        )
    return out


_ADVICE = (
    (
        "topology spread",
        "the pod's topologySpreadConstraints can't be met: relax maxSkew, or use "
        "whenUnsatisfiable: ScheduleAnyway",
    ),
    (
        "exceed max volume count",
        "nodes reached their volume attach limit: spread the pods or use nodes with a higher attach limit",
    ),
    (
        "unbound immediate persistentvolumeclaims",
        "a PVC with Immediate binding is not bound: check the claim and its provisioner (`kubectl describe pvc`)",
    ),
    (
        "didn't find available persistent volumes to bind",
        "no PV can be bound for the pod's claims on these nodes: create a matching PV or check the storage "
        "class provisioner",
    ),
    ("did not have enough free storage", "nodes lack free local storage capacity for the claims"),
    ("failed to bind volumes", "volume binding timed out: check the provisioner and `kubectl describe pvc`"),
    ("no available disk", "the pod's disk is already in use on those nodes (same volume mounted elsewhere)"),
)


def scheduler_only_advice(parsed: ParsedSchedulingMessage) -> list[str]:
    """Advice for what the scheduler reported and the filters here do not evaluate."""
    out = []
    for r in parsed.reasons:
        t = r.text.lower()
        for needle, advice in _ADVICE:
            if needle in t:
                out.append(f'the scheduler reported "{r.text}": {advice}')
        if (
            r.count is None
            and not any(needle in t for needle, _ in _ADVICE)
            and r.categories == [MISCELLANEOUS]
        ):
            out.append(f'the scheduler reported "{r.text}" (not evaluated here)')
    return out


# ------------------------------------------------------------------------------------------ scheduled pods
def scheduled_reasons(a: Analysis, nodes_given: bool) -> list[str]:
    """How the pod's node satisfies its constraints, judged on the node as it is now."""
    pod = a.pod
    name = pod.spec.node_name
    v = a.verdict(name)
    if v is None:
        if nodes_given and a.nodes_known:
            return [f"Node {name} no longer exists (or is not visible to the agent)"]
        return [f"Scheduled on node {name} (node details unavailable)"]
    out: list[str] = []
    na = node_affinity.detail(v.outcome(node_affinity.NodeAffinity.plugin))
    if na is not None and na.matched_selector:
        sel = ", ".join(f"{k}={val}" for k, val in sorted(na.matched_selector))
        out.append(f"Node {name} matched node selector {sel}")
    if na is not None and na.matched_term:
        out.append(f"Node {name} matched required node affinity: {na.matched_term}")
    aff = pod.spec.affinity
    nodeaff = aff.node_affinity if aff is not None else None
    preferred = nodeaff.preferred_during_scheduling_ignored_during_execution if nodeaff is not None else []
    node_obj = a.nodes_by_name.get(name)
    if preferred and node_obj is not None:
        hit = [p for p in preferred if term_matches(p.preference, node_obj)]
        out.append(
            f"Node {name} matches {len(hit)} of {len(preferred)} preferred node affinity terms "
            f"(weight {sum(p.weight for p in hit)} of {sum(p.weight for p in preferred)})"
        )
    td = taint_toleration.detail(v.outcome(taint_toleration.TaintToleration.plugin))
    if td is not None and td.tolerated:
        out.append(
            f"Pod tolerates the taints of node {name}: {', '.join(taint_str(t) for t in td.tolerated)}"
        )
    elif td is not None and td.ready == "True" and not td.untolerated:
        out.append(f"Node {name} has no taints the pod must tolerate")
    if v.failed(taint_toleration.NOT_READY):
        out.append(taint_toleration.not_ready_reason(name, td))
    elif td is not None and td.ready != "True":
        # a pod that tolerates the not-ready/unreachable taints (a DaemonSet's pods do) still runs on a node that
        # is not ready: say so, or the answer reads as if the node were fine
        out.append(
            taint_toleration.not_ready_reason(name, td)
            + "; the pod tolerates its not-ready/unreachable taints"
        )
    other = [t for t in (td.untolerated if td else ()) if t.key not in NOT_READY_TAINT_KEYS]
    if other:
        out.append(
            f"Node {name} now has taints the pod doesn't tolerate: {', '.join(taint_str(t) for t in other)} "
            "(added after scheduling; NoSchedule taints don't evict running pods, NoExecute ones do)"
        )
    if v.failed(UNSCHEDULABLE):
        out.append(f"Node {name} is cordoned now (running pods stay; new pods are not placed there)")
    report = a.report
    rd = node_resources_fit.detail(v.outcome(node_resources_fit.NodeResourcesFit.plugin))
    if report is not None and report.pods_known:
        wanted = {r: q for r, q in report.request.items() if q > 0}
        if wanted:
            asked = ", ".join(f"{r} {show(r, q)}" for r, q in node_resources_fit.ordered(wanted))
            parts = []
            for r, q in node_resources_fit.ordered(wanted):
                used, alloc = rd.used_alloc(r) if rd else (0, 0)
                parts.append(f"{r} {show(r, used + q)} of {show(r, alloc)}")
            out.append(
                f"Node {name} had sufficient resources for the pod's requests ({asked}); now requested on the "
                f"node: {', '.join(parts)} allocatable (including this pod)"
            )
            if rd is not None and rd.shortfalls:
                out.append(
                    f"Node {name} is over-committed now: {'; '.join(sf.text() for sf in rd.shortfalls)} "
                    "(not counting this pod)"
                )
        else:
            used, alloc = rd.used_alloc("pods") if rd else (0, 0)
            count = f" (now {used + 1} of {alloc} pods)" if alloc else ""
            out.append(f"Pod requests no resources: only the pod count applied on node {name}{count}")
    pd = pod_affinity.detail(v.outcome(pod_affinity.InterPodAffinity.plugin))
    out.extend(f"Node {name}: {m}" for m in (pd.matched if pd else ()))
    if report is not None and report.pods_known and report.anti_affinity_terms:
        if not (pd is not None and pd.anti_affinity_failed):
            out.extend(
                f"Node {name}: no other pod in its domain matches the anti-affinity term ({t})"
                for t in report.anti_affinity_terms
            )
    if report is not None:
        conflicting = {
            (vc.claim, vc.pv)
            for plugin in (VolumeBinding.plugin, "VolumeZone")
            if isinstance(d := v.outcome(plugin).detail, VolumeDetail)
            for vc, _ in d.conflicts
        }
        for vc in report.volume_constraints:
            if (vc.claim, vc.pv) not in conflicting:
                out.append(f"Volume {vc.pv} (claim {vc.claim}) can be used on node {name}: {vc.describe()}")
    ports = [f.reason for f in v.failures if f.check is HOST_PORTS]
    if ports:
        out.append(f"Node {name} host ports now also used by: {', '.join(ports)}")
    if not out:
        out.append(f"No specific scheduling constraints: the scheduler picked node {name} by score")
    return out
