"""NodeName: a pod whose ``spec.nodeName`` is set fits only the node of that name; every other node is
rejected with "node(s) didn't match the requested node name" (``plugins/nodename``). The scheduler never
queues such a pod (it is already assigned), so this matters for what the evaluation says about the other
nodes, and for a pod whose ``nodeName`` names a node that does not exist (it stays Pending: no kubelet takes
it and no scheduler looks at it). No suggestion of its own: a pod with ``spec.nodeName`` is judged as scheduled
(``explain.scheduled_suggestions`` says when its node does not exist)."""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Check,
    Filter,
    Outcome,
    PodContext,
    failure,
)
from k8s_agent.analysis.scheduling.message import NODE_AFFINITY
from k8s_agent.kube.models import Node

NODE_NAME = Check("NodeName", "NodeName", NODE_AFFINITY, "node(s) didn't match the requested node name")


class NodeName(Filter):
    plugin = "NodeName"
    checks = (NODE_NAME,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.wanted = "" if ctx.ignore_node_name else ctx.pod.spec.node_name

    def constant(self) -> Outcome | None:
        return None if self.wanted else PASS

    def evaluate(self, node: Node) -> Outcome:
        if not self.wanted or node.metadata.name == self.wanted:
            return PASS
        return Outcome(
            (failure(NODE_NAME, f"the pod asks for node {self.wanted} (spec.nodeName)"),),
            (NODE_NAME.wording,),
        )
