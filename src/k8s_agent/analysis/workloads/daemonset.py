"""Which nodes a DaemonSet should run a pod on, and where it falls short.

The DaemonSet controller's own predicate (``NodeShouldRunDaemonPod``): the template's nodeSelector and
required node affinity must match the node, and every ``NoSchedule``/``NoExecute`` taint must be tolerated,
counting the tolerations the controller adds to every daemon pod (not-ready and unreachable for NoExecute;
disk, memory and PID pressure, unschedulable, and network-unavailable for host-network pods, for
NoSchedule). A pod that already runs on a node keeps running despite a new NoSchedule taint. Cordoned nodes
still get daemon pods. Matching and taint logic are the scheduling analysis's own.
"""

from __future__ import annotations

from k8s_agent.analysis.kube import taint_text as taint_str
from k8s_agent.analysis.scheduling.filters.taint_toleration import toleration_for
from k8s_agent.analysis.scheduling.selectors import describe_term, node_selector_matches, tolerated
from k8s_agent.kube.models import DaemonSet, Node, Pod, Taint, Toleration
from k8s_agent.schemas.workloads import DaemonSetNodes, NodeGap

NODES_SHOWN = 50

_AUTO = [
    Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute"),
    Toleration(key="node.kubernetes.io/unreachable", operator="Exists", effect="NoExecute"),
    Toleration(key="node.kubernetes.io/disk-pressure", operator="Exists", effect="NoSchedule"),
    Toleration(key="node.kubernetes.io/memory-pressure", operator="Exists", effect="NoSchedule"),
    Toleration(key="node.kubernetes.io/pid-pressure", operator="Exists", effect="NoSchedule"),
    Toleration(key="node.kubernetes.io/unschedulable", operator="Exists", effect="NoSchedule"),
]
_HOST_NETWORK = Toleration(
    key="node.kubernetes.io/network-unavailable", operator="Exists", effect="NoSchedule"
)


def _pod_node(pod: Pod) -> str:
    """The node a daemon pod is bound to, or (still pending) the one its node affinity pins it to."""
    if pod.spec.node_name:
        return pod.spec.node_name
    aff = pod.spec.affinity
    na = aff.node_affinity if aff is not None else None
    req = na.required_during_scheduling_ignored_during_execution if na is not None else None
    if req is not None:
        for term in req.node_selector_terms:
            for f in term.match_fields:
                if f.key == "metadata.name" and f.operator == "In" and len(f.values) == 1:
                    return f.values[0]
    return ""


def exclusion(ds: DaemonSet, node: Node, has_pod: bool) -> tuple[str, Taint | None] | None:
    """Why the controller places no pod on ``node`` (and the untolerated taint, if that is why); None when
    it should run one there."""
    spec = ds.spec.template.spec
    labels = node.metadata.labels
    for k, v in spec.node_selector.items():
        if labels.get(k) != v:
            have = f"node has {k}={labels[k]}" if k in labels else f"node has no label {k}"
            return f"nodeSelector {k}={v} ({have})", None
    aff = spec.affinity
    na = aff.node_affinity if aff is not None else None
    req = na.required_during_scheduling_ignored_during_execution if na is not None else None
    if req is not None and req.node_selector_terms and node_selector_matches(req, node) is None:
        terms = " OR ".join(describe_term(t) for t in req.node_selector_terms)
        return f"required node affinity does not match ({terms})", None
    tolerations = [*spec.tolerations, *_AUTO, *([_HOST_NETWORK] if spec.host_network else [])]
    for taint in node.spec.taints:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        if taint.effect == "NoSchedule" and has_pod:
            continue  # a running daemon pod stays despite a later NoSchedule taint
        if not tolerated(tolerations, taint):
            return f"taint {taint_str(taint)} is not tolerated", taint
    return None


def evaluate_daemonset_nodes(
    ds: DaemonSet, pods: list[Pod], nodes: list[Node], problems: dict[str, tuple[str, str]]
) -> tuple[DaemonSetNodes, list[str]]:
    """The per-node view, and toleration suggestions for nodes excluded by taints."""
    by_node: dict[str, list[Pod]] = {}
    for p in pods:
        if p.metadata.deletion_timestamp is None:
            by_node.setdefault(_pod_node(p), []).append(p)
    missing: list[NodeGap] = []
    unavailable: list[NodeGap] = []
    excluded: list[NodeGap] = []
    taints: dict[str, tuple[Taint, list[str]]] = {}
    eligible = 0
    for node in sorted(nodes, key=lambda n: n.metadata.name):
        name = node.metadata.name
        here = by_node.get(name, [])
        why = exclusion(ds, node, bool(here))
        if why is not None:
            excluded.append(NodeGap(node=name, problem="excluded", reason=why[0]))
            if why[1] is not None:
                key = taint_str(why[1])
                taints.setdefault(key, (why[1], []))[1].append(name)
            continue
        eligible += 1
        if not here:
            missing.append(NodeGap(node=name, problem="missing", reason="no daemon pod on this node"))
            continue
        pod = here[0]
        problem = problems.get(pod.metadata.name)
        ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)
        if problem is not None:
            unavailable.append(
                NodeGap(
                    node=name,
                    problem="unavailable",
                    reason=f"{problem[0]}: {problem[1][:200]}",
                    pod=pod.metadata.name,
                )
            )
        elif not ready:
            reason = pod.status.phase or "not ready"
            for c in pod.status.conditions:
                if c.type == "PodScheduled" and c.status == "False":
                    reason = f"Pending: {c.message[:200]}" if c.message else f"Pending ({c.reason})"
            unavailable.append(
                NodeGap(
                    node=name, problem="unavailable", reason=f"not ready ({reason})", pod=pod.metadata.name
                )
            )
    gaps = missing + unavailable + excluded
    view = DaemonSetNodes(
        nodes_total=len(nodes),
        eligible=eligible,
        missing=len(missing),
        unavailable=len(unavailable),
        excluded=len(excluded),
        nodes=gaps[:NODES_SHOWN],
        truncated=len(gaps) > NODES_SHOWN,
    )
    suggestions = []
    for key, (taint, names) in sorted(taints.items(), key=lambda kv: -len(kv[1][1])):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        suggestions.append(
            f"To run on {shown} (taint {key}), add the toleration {toleration_for(taint)} to the DaemonSet's "
            "pod template, if those nodes should run it"
        )
    return view, suggestions
