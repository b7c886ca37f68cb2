"""NodeUnschedulable: a cordoned node (``spec.unschedulable``) takes no new pod unless the pod tolerates
the ``node.kubernetes.io/unschedulable:NoSchedule`` taint."""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Filter,
    Outcome,
    failure,
    names,
)
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.analysis.scheduling.selectors import tolerated
from k8s_agent.kube.models import Node, Taint

TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
UNSCHEDULABLE = Check("Unschedulable", "NodeUnschedulable", MISCELLANEOUS, "node(s) were unschedulable")


class NodeUnschedulable(Filter):
    plugin = "NodeUnschedulable"
    checks = (UNSCHEDULABLE,)

    def evaluate(self, node: Node) -> Outcome:
        if not node.spec.unschedulable:
            return PASS
        if tolerated(self.ctx.pod.spec.tolerations, Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule")):
            return PASS
        return Outcome(
            (failure(UNSCHEDULABLE, "node is cordoned (spec.unschedulable)"),), (UNSCHEDULABLE.wording,)
        )

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        cordoned = [v.node_name for v in advice.failing if v.failed(UNSCHEDULABLE)]
        if not cordoned:
            return []
        verb = "is" if len(cordoned) == 1 else "are"
        return [
            f"{names(cordoned)} {verb} cordoned; `kubectl uncordon {cordoned[0]}` once its maintenance is over"
        ]
