"""Slim records: of each object the index keeps only what the cluster-wide analyses read, and parts that many
objects share are stored once."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_agent.analysis.pod_issues import PodRecord
from k8s_agent.kube import models as m

_EMPTY_LIST: list = []
_EMPTY_DICT: dict = {}


class _Shared:
    """Equal parts of many objects stored once (keyed by their msgpack encoding). Bounded: past ``limit``
    distinct values the table starts again (later objects just share less)."""

    __slots__ = ("table", "limit", "encode")

    def __init__(self, limit: int = 200_000) -> None:
        self.table: dict[bytes, Any] = {}
        self.limit = limit
        self.encode = msgspec.msgpack.Encoder().encode

    def __call__(self, value: Any) -> Any:
        if not value:  # one empty list or dict for every object (none is ever mutated: they are shared)
            return (
                _EMPTY_LIST if value.__class__ is list else _EMPTY_DICT if value.__class__ is dict else value
            )
        key = self.encode(value)
        got = self.table.get(key)
        if got is None:
            if len(self.table) >= self.limit:
                self.table.clear()
            got = self.table[key] = value
        return got

    def clear(self) -> None:
        self.table.clear()


class Slimmer:
    """Keeps of a pod what the cluster-wide analyses read of the pods around the one analysed: identity,
    labels, controller, node, phase, effective requests and limits (containers' resources, sidecars,
    overhead), host ports, pod affinity and PVC/ephemeral volumes. Env, probes, mounts, images, annotations,
    statuses and conditions are dropped (a pod's own answers GET the whole pod)."""

    def __init__(self) -> None:
        self.shared = _Shared()
        self.strings: dict[str, str] = {}
        self.statuses: dict[str, m.PodStatus] = {}
        #: equal small immutable parts of the pods' issue records (kubectl columns, controller keys)
        self.parts: dict[Any, Any] = {}
        # templates whose unset (empty) fields every slim copy shares: a Struct made by its constructor gets
        # new empty lists and dicts for each of them (four for a PodSpec: ~250 B per pod)
        self._meta = m.ObjectMeta()
        self._spec = m.PodSpec()

    def clear(self) -> None:
        self.shared.clear()
        self.strings.clear()
        self.statuses.clear()
        self.parts.clear()

    def _part(self, value: Any) -> Any:
        got = self.parts.get(value)
        if got is None:
            if len(self.parts) >= 200_000:
                self.parts.clear()
            got = self.parts[value] = value
        return got

    def record(self, rec: PodRecord, slim: m.Pod) -> None:
        """The pod's issue record made of shared parts: the slim copy's interned strings and owner reference,
        and one object for each equal phase, pod-template-hash, controller key, kubectl row and empty issue
        list (a record's parts are never mutated: a change of the pod makes a new record)."""
        rec.namespace = slim.metadata.namespace
        if rec.controller is not None and slim.metadata.owner_references:
            for ref in slim.metadata.owner_references:
                if ref == rec.controller:
                    rec.controller = ref
                    break
        rec.phase = self._s(rec.phase)
        rec.template_hash = self._s(rec.template_hash)
        rec.ctrl_key = self._part(rec.ctrl_key)
        rec.kubectl = self._part(rec.kubectl)
        if not rec.issues:
            rec.issues = _EMPTY_LIST

    def _s(self, s: str) -> str:
        got = self.strings.get(s)
        if got is None:
            if len(self.strings) >= 200_000:
                self.strings.clear()
            got = self.strings[s] = s
        return got

    def _container(self, c: m.Container) -> m.Container:
        return m.Container(
            name=c.name,
            ports=[p for p in c.ports if p.host_port],
            resources=c.resources,
            restart_policy=c.restart_policy,
        )

    def pod(self, pod: m.Pod) -> m.Pod:
        md, spec = pod.metadata, pod.spec
        share = self.shared
        meta = msgspec.structs.replace(
            self._meta,
            name=md.name,
            namespace=self._s(md.namespace),
            uid=md.uid,
            creation_timestamp=md.creation_timestamp,
            deletion_timestamp=md.deletion_timestamp,
            labels=share(md.labels),
            owner_references=share(md.owner_references),
        )
        volumes = [
            m.Volume(name=v.name, persistent_volume_claim=v.persistent_volume_claim, ephemeral=v.ephemeral)
            for v in spec.volumes
            if v.persistent_volume_claim is not None or v.ephemeral is not None
        ]
        slim_spec = msgspec.structs.replace(
            self._spec,
            node_name=self._s(spec.node_name),
            containers=share([self._container(c) for c in spec.containers]),
            init_containers=share([self._container(c) for c in spec.init_containers]),
            overhead=share(spec.overhead),
            affinity=share(spec.affinity),
            volumes=share(volumes),
            topology_spread_constraints=share(spec.topology_spread_constraints),
        )
        phase = pod.status.phase
        status = self.statuses.get(phase)
        if status is None:  # the slim status is the phase alone: one object per phase, shared
            status = self.statuses[phase] = m.PodStatus(phase=phase)
        return m.Pod(metadata=meta, spec=slim_spec, status=status)

    def replicaset(self, rs: m.ReplicaSet) -> m.ReplicaSet:
        md = rs.metadata
        return m.ReplicaSet(
            metadata=m.ObjectMeta(
                name=md.name,
                namespace=self._s(md.namespace),
                uid=md.uid,
                owner_references=self.shared(md.owner_references),
            )
        )

    def job(self, job: m.Job) -> m.Job:
        """A Job as owner resolution reads it (identity and owner references); its state and whether it
        succeeded are kept beside it."""
        md = job.metadata
        return m.Job(
            metadata=m.ObjectMetaWithGeneration(
                name=md.name,
                namespace=self._s(md.namespace),
                uid=md.uid,
                owner_references=self.shared(md.owner_references),
            )
        )
