"""Reading the real API server the way the agent's live source does (JSON decoded straight into the agent's
models), for the tests that compare the agent's analysis with what the real kube-scheduler wrote."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from controlplane import wait_for

from k8s_agent.kube.models import Event, EventList, Node, NodeList, Pod, PodList

T = TypeVar("T")


def decode(body: Any, kind: type[T]) -> T:
    """API JSON into the agent's models the way the live source decodes it (from bytes)."""
    return msgspec.json.decode(msgspec.json.encode(body), type=kind)


def read_cluster(cp) -> tuple[list[Node], list[Pod]]:
    """Every node and every pod the API server holds (the scheduler counts every node)."""
    nodes = decode(cp.api("GET", "/api/v1/nodes"), NodeList).items
    pods = decode(cp.api("GET", "/api/v1/pods"), PodList).items
    return nodes, pods


def read_pod(cp, ns: str, name: str) -> Pod:
    return decode(cp.api("GET", f"/api/v1/namespaces/{ns}/pods/{name}"), Pod)


def failed_scheduling(cp, ns: str, name: str) -> Event:
    """The latest FailedScheduling event of the pod, once the scheduler has written one."""

    def find() -> Event | None:
        body = cp.api(
            "GET",
            f"/api/v1/namespaces/{ns}/events",
            query={"fieldSelector": f"involvedObject.name={name},reason=FailedScheduling"},
        )
        items = decode(body, EventList).items
        return items[-1] if items else None

    return wait_for(find, timeout=30, interval=0.2, what=f"FailedScheduling event of {name}")


def cleanup(cp, ns: str, nodes: list[str]) -> None:
    """Delete the test's nodes and its namespace."""
    for n in nodes:
        cp.api("DELETE", f"/api/v1/nodes/{n}")
    cp.api("DELETE", f"/api/v1/namespaces/{ns}")
