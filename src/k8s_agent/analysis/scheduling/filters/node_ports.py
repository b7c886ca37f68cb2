"""NodePorts: each hostPort/protocol of the pod against the ports the node's pods already hold; two uses
conflict when their host IPs are equal or either is 0.0.0.0."""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Filter,
    Outcome,
    PodContext,
    failure,
    names,
)
from k8s_agent.analysis.scheduling.index import host_ports
from k8s_agent.analysis.scheduling.message import MISCELLANEOUS
from k8s_agent.kube.models import Node

HOST_PORTS = Check(
    "HostPorts", "NodePorts", MISCELLANEOUS, "node(s) didn't have free ports for the requested pod ports"
)


class NodePorts(Filter):
    plugin = "NodePorts"
    checks = (HOST_PORTS,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        self.ports = host_ports(ctx.pod)

    def constant(self) -> Outcome | None:
        return PASS if self.ctx.index is None or not self.ports else None

    def evaluate(self, node: Node) -> Outcome:
        index = self.ctx.index
        if index is None or not self.ports:
            return PASS
        slots = index.ports.get(node.metadata.name)
        if not slots:
            return PASS
        fails = []
        for hp in self.ports:
            for ip, owner in slots.get((hp.protocol, hp.port), ()):
                if ip == hp.ip or ip == "0.0.0.0" or hp.ip == "0.0.0.0":
                    conflict = f"host port {hp.port}/{hp.protocol} already used by pod {owner}"
                    fails.append(failure(HOST_PORTS, conflict))
                    break
        return Outcome(tuple(fails), (HOST_PORTS.wording,) if fails else ())

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        nodes = [v for v in advice.failing if v.failed(HOST_PORTS)]
        if not nodes:
            return []
        first = next(f.reason for f in nodes[0].failures if f.check is HOST_PORTS)
        return [
            f"{names([v.node_name for v in nodes])}: {first}"
            + (f" (and {len(nodes) - 1} more nodes)" if len(nodes) > 1 else "")
            + "; use another hostPort, or a Service instead of hostPort"
        ]
