"""The index's stores: what it holds of each collection and what an object's change does to them. A pod's
change recomputes its issue record (``analysis.pod_issues.PodIssueTable``), its node's committed requests,
limits and pod count (``analysis.node_utilization.NodeSums``) and its entry in the scheduler's per-node view
(``analysis.scheduling.index.ClusterIndex``), so an answer costs what its result costs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from k8s_agent.analysis.namespace_errors import index_recent_warnings, recent_events_of
from k8s_agent.analysis.node_utilization import NodeSums
from k8s_agent.analysis.pod_issues import PodIssueTable, PodRecord
from k8s_agent.analysis.scheduling import index as scheduling_index
from k8s_agent.analysis.workloads.diagnose import workload_state
from k8s_agent.analysis.workloads.owners import OwnerIndex
from k8s_agent.analysis.workloads.summary import WorkloadKey, succeeded_jobs
from k8s_agent.kube import models as m
from k8s_agent.kube.index.feed import WORKLOAD_RESOURCES
from k8s_agent.kube.index.slim import Slimmer
from k8s_agent.schemas.base import EventInfo


class IndexStores:
    """The stores of a :class:`~k8s_agent.kube.index.facade.ClusterIndex` (its base class): filled by
    ``put``/``delete`` (from the reflectors or a snapshot), read synchronously by the services."""

    restart_threshold: int
    slimmer: Slimmer
    generation: int

    def _new_stores(self) -> None:
        self.pod_table = PodIssueTable(self.restart_threshold)
        self.node_sums = NodeSums()
        self.scheduling = scheduling_index.ClusterIndex(())
        self.nodes: dict[str, m.Node] = {}
        self.replicasets: dict[str, dict[tuple[str, str], m.ReplicaSet]] = {}  # ns -> (ns, name) -> rs
        self.events: dict[tuple[str, str], m.Event] = {}  # (ns, event name)
        self.events_by_pod: dict[tuple[str, str], set[tuple[str, str]]] = {}  # (ns, pod) -> event keys
        self._event_pod: dict[tuple[str, str], tuple[str, str]] = {}
        #: the controllers: kind -> (ns, name) -> state, and the same states by (ns, kind, name) for the
        #: per-workload summaries; Jobs also kept slim (identity and owner) for owner resolution, with the
        #: UIDs of those marked Complete (their failed pods were retried)
        self.workloads: dict[str, dict[tuple[str, str], str]] = {}
        self.workload_states: dict[WorkloadKey, str] = {}
        self.jobs: dict[str, dict[tuple[str, str], m.Job]] = {}  # ns -> (ns, name) -> slim Job
        self.succeeded_jobs: set[str] = set()
        #: the all-nodes utilization's per-node entries, reused while a node's inputs are unchanged
        self.utilization_memo: dict[str, tuple] = {}

    # -------------------------------------------------------------------------------- the stores
    def count(self, resource: str) -> int:
        if resource == "pods":
            return len(self.pod_table)
        if resource == "nodes":
            return len(self.nodes)
        if resource == "replicasets.apps":
            return sum(len(v) for v in self.replicasets.values())
        if resource == "events":
            return len(self.events)
        if resource in WORKLOAD_RESOURCES:
            return len(self.workloads.get(WORKLOAD_RESOURCES[resource], ()))
        return 0

    def keys(self, resource: str) -> set[tuple[str, str]]:
        if resource == "pods":
            return set(self.pod_table.records)
        if resource == "nodes":
            return {("", n) for n in self.nodes}
        if resource == "replicasets.apps":
            return {k for v in self.replicasets.values() for k in v}
        if resource == "events":
            return set(self.events)
        if resource in WORKLOAD_RESOURCES:
            return set(self.workloads.get(WORKLOAD_RESOURCES[resource], ()))
        return set()

    def put(self, resource: str, obj: Any, now: datetime) -> tuple[str, str]:
        md = obj.metadata
        key = (md.namespace, md.name)
        self.generation += 1
        if resource == "pods":
            rec = self.pod_table.put(obj, now)
            slim = self.slimmer.pod(obj)
            self.slimmer.record(rec, slim)
            self.node_sums.put(slim)
            self.scheduling.add(slim)
        elif resource == "nodes":
            self.nodes[md.name] = obj
            self.scheduling.set_node(obj)
        elif resource == "replicasets.apps":
            self.replicasets.setdefault(md.namespace, {})[key] = self.slimmer.replicaset(obj)
        elif resource == "events":
            self._put_event(key, obj)
        elif resource in WORKLOAD_RESOURCES:
            self._put_workload(WORKLOAD_RESOURCES[resource], key, obj, now)
        return key

    def delete(self, resource: str, key: tuple[str, str]) -> None:
        ns, name = key
        self.generation += 1
        if resource == "pods":
            self.pod_table.remove(ns, name)
            self.node_sums.remove(ns, name)
            self.scheduling.remove(ns, name)
        elif resource == "nodes":
            self.nodes.pop(name, None)
            self.scheduling.remove_node(name)
        elif resource == "replicasets.apps":
            in_ns = self.replicasets.get(ns)
            if in_ns is not None:
                in_ns.pop(key, None)
                if not in_ns:
                    del self.replicasets[ns]
        elif resource == "events":
            self._drop_event(key)
        elif resource in WORKLOAD_RESOURCES:
            self._drop_workload(WORKLOAD_RESOURCES[resource], key)

    def _put_workload(self, kind: str, key: tuple[str, str], obj: m.Workload, now: datetime) -> None:
        """A controller's state, computed once per version of the object: a state from the controller alone
        (no pods) does not depend on the time (``now`` only shapes reason texts, which are not kept)."""
        self._drop_workload(kind, key)
        ns, name = key
        state = workload_state(obj, now)
        self.workloads.setdefault(kind, {})[key] = state
        self.workload_states[(ns, kind, name)] = state
        if isinstance(obj, m.Job):
            self.jobs.setdefault(ns, {})[key] = self.slimmer.job(obj)
            if succeeded_jobs((obj,)):
                self.succeeded_jobs.add(obj.metadata.uid)

    def _drop_workload(self, kind: str, key: tuple[str, str]) -> None:
        of_kind = self.workloads.get(kind)
        if of_kind is None or of_kind.pop(key, None) is None:
            return
        ns, name = key
        self.workload_states.pop((ns, kind, name), None)
        if kind == "Job":
            in_ns = self.jobs.get(ns, {})
            job = in_ns.pop(key, None)
            if job is not None:
                self.succeeded_jobs.discard(job.metadata.uid)
            if not in_ns:
                self.jobs.pop(ns, None)

    def _put_event(self, key: tuple[str, str], ev: m.Event) -> None:
        self._drop_event(key)
        io = ev.involved_object
        pod = (io.namespace or ev.metadata.namespace, io.name)
        self.events[key] = ev
        self._event_pod[key] = pod
        self.events_by_pod.setdefault(pod, set()).add(key)

    def _drop_event(self, key: tuple[str, str]) -> None:
        if self.events.pop(key, None) is None:
            return
        pod = self._event_pod.pop(key)
        keys = self.events_by_pod.get(pod)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.events_by_pod[pod]

    # -------------------------------------------------------------------------------- reads for the answers
    def owner_index(self, namespace: str) -> OwnerIndex:
        """The namespace's ReplicaSets and Jobs (both watched here), for owner resolution."""
        return OwnerIndex(
            list(self.replicasets.get(namespace, {}).values()), list(self.jobs.get(namespace, {}).values())
        )

    def recent_events(self, rec: PodRecord, now: datetime) -> list[EventInfo]:
        keys = self.events_by_pod.get((rec.namespace, rec.name))
        if not keys:
            return []
        index = index_recent_warnings([self.events[k] for k in keys], now)
        return recent_events_of(rec.name, rec.uid, index)

    def node_list(self) -> list[m.Node]:
        return list(self.nodes.values())
