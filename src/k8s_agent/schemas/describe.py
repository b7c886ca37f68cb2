"""Response Structs of the pod describe endpoint."""

from __future__ import annotations

from datetime import datetime

import msgspec

from k8s_agent.kube.models import (
    Affinity,
    ContainerState,
    PodCondition,
    Toleration,
)
from k8s_agent.schemas.base import Response, Sparse
from k8s_agent.schemas.resources import ResourcesInfo


class PodStatusInfo(Sparse, kw_only=True):
    """The pod's phase and where it runs; ``reason``/``message`` are set for evicted or rejected pods."""

    phase: str = ""
    reason: str = ""
    message: str = ""
    host_ip: str = msgspec.field(default="", name="hostIP")
    pod_ip: str = msgspec.field(default="", name="podIP")
    nominated_node_name: str = ""


class EnvValueFrom(Sparse, kw_only=True):
    """Where an environment variable's value comes from. Never resolved: Secrets are not read."""

    kind: str = ""  # configMapKeyRef | secretKeyRef | fieldRef | resourceFieldRef
    name: str = ""
    key: str = ""
    field_path: str = ""
    resource: str = ""
    optional: bool | None = None
    description: str = ""  # as kubectl describe prints it


class EnvEntry(Sparse, kw_only=True):
    """One environment variable: a literal ``value`` (or the redaction marker) or a ``valueFrom`` reference."""

    name: str = ""
    value: str | None = None
    value_from: EnvValueFrom | None = None


class EnvFromEntry(Sparse, kw_only=True):
    """A whole ConfigMap or Secret imported as environment variables (``envFrom``)."""

    kind: str = ""
    name: str = ""
    prefix: str = ""
    optional: bool | None = None


class MountInfo(Sparse, kw_only=True):
    """A volume mounted into the container."""

    name: str = ""
    mount_path: str = ""
    read_only: bool = False
    sub_path: str = ""


class PortInfo(Sparse, kw_only=True):
    """A declared container port."""

    container_port: int = 0
    protocol: str = "TCP"
    name: str = ""
    host_port: int | None = None


class ProbesInfo(Sparse, kw_only=True):
    """Probes in kubectl's one-line form, e.g. ``http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3``."""

    liveness: str = ""
    readiness: str = ""
    startup: str = ""


class ContainerInfo(Response, kw_only=True):
    """A container of the pod with its spec and its current and previous state."""

    name: str
    image: str
    image_id: str = msgspec.field(default="", name="imageID")
    container_id: str = msgspec.field(default="", name="containerID")
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: ContainerState = msgspec.field(default_factory=ContainerState)
    last_state: ContainerState = msgspec.field(default_factory=ContainerState)
    resources: ResourcesInfo = msgspec.field(default_factory=ResourcesInfo)
    command: list[str] = []
    args: list[str] = []
    ports: list[PortInfo] = []
    probes: ProbesInfo = msgspec.field(default_factory=ProbesInfo)
    environment: list[EnvEntry] = []
    env_from: list[EnvFromEntry] = []
    mounts: list[MountInfo] = []
    sidecar: bool = False


class VolumeInfo(Response, kw_only=True):
    """A pod volume: its type (EmptyDir, ConfigMap, Secret, PersistentVolumeClaim, ...) and its source."""

    name: str
    type: str
    source: msgspec.Raw  # the Kubernetes volume source object, e.g. {"configMap": {"name": "x"}}


class OwnerInfo(Response, kw_only=True):
    """The controller that owns the pod (kubectl's "Controlled By")."""

    kind: str
    name: str


class DescribeEvent(Response, kw_only=True):
    """An event of the pod, in the classic shape whatever shape it was written in."""

    type: str
    reason: str
    message: str
    first_timestamp: datetime | None
    last_timestamp: datetime | None
    count: int
    source: str
    field_path: str = ""


class PodDescription(Response, kw_only=True):
    """Everything ``kubectl describe pod`` shows, as JSON."""

    name: str
    namespace: str
    uid: str
    creation_timestamp: datetime | None
    labels: dict[str, str]
    annotations: dict[str, str]
    status: PodStatusInfo
    pod_status: str  # kubectl's STATUS column (CrashLoopBackOff, Init:1/2, Evicted, ...)
    ready: str = ""  # kubectl's READY column: ready app containers and sidecars over their count ("1/2")
    restarts: str = ""  # kubectl's RESTARTS column: "4 (3m12s ago)", with kubectl's rules for what counts
    node: str
    start_time: datetime | None
    containers: list[ContainerInfo]
    init_containers: list[ContainerInfo]
    volumes: list[VolumeInfo]
    pod_ip: str = msgspec.field(name="podIP")
    pod_ips: list[str] = msgspec.field(name="podIPs")
    qos_class: str
    priority: int | None
    priority_class_name: str
    service_account: str
    scheduler_name: str
    controlled_by: OwnerInfo | None
    tolerations: list[Toleration]
    node_selector: dict[str, str]
    affinity: Affinity | None
    conditions: list[PodCondition]
    events: list[DescribeEvent]
    deletion_timestamp: datetime | None = None
    termination_grace_period_seconds: int | None = None
    omitted_annotations: list[str] = []
    warnings: list[str] = []  # reads the answer did without (e.g. events not readable)
