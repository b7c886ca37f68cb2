"""A pod: its spec (scheduling constraints, containers, volumes) and status."""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import field

from k8s_agent.kube.models.base import _K, Condition, ObjectMeta


# --------------------------------------------------------------------------------------------- scheduling
class NodeSelectorRequirement(_K):
    key: str = ""
    operator: str = ""
    values: list[str] = []


class NodeSelectorTerm(_K):
    match_expressions: list[NodeSelectorRequirement] = []
    match_fields: list[NodeSelectorRequirement] = []


class NodeSelector(_K):
    node_selector_terms: list[NodeSelectorTerm] = []


class PreferredSchedulingTerm(_K):
    weight: int = 0
    preference: NodeSelectorTerm = field(default_factory=NodeSelectorTerm)


class NodeAffinity(_K):
    required_during_scheduling_ignored_during_execution: NodeSelector | None = None
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] = []


class LabelSelectorRequirement(_K):
    key: str = ""
    operator: str = ""
    values: list[str] = []


class LabelSelector(_K):
    match_labels: dict[str, str] = {}
    match_expressions: list[LabelSelectorRequirement] = []


class PodAffinityTerm(_K):
    topology_key: str = ""
    label_selector: LabelSelector | None = None
    namespaces: list[str] = []
    namespace_selector: LabelSelector | None = None
    match_label_keys: list[str] = []
    mismatch_label_keys: list[str] = []


class WeightedPodAffinityTerm(_K):
    weight: int = 0
    pod_affinity_term: PodAffinityTerm = field(default_factory=PodAffinityTerm)


class PodAffinity(_K):
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] = []
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] = []


class Affinity(_K):
    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


class Toleration(_K):
    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None


class Taint(_K):
    key: str = ""
    value: str = ""
    effect: str = ""
    time_added: datetime | None = None


class TopologySpreadConstraint(_K):
    max_skew: int = 0
    topology_key: str = ""
    when_unsatisfiable: str = ""
    label_selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: str = ""  # Honor (default) | Ignore
    node_taints_policy: str = ""  # Ignore (default) | Honor
    match_label_keys: list[str] = []


class PodSchedulingGate(_K):
    name: str = ""


class PodResourceClaim(_K):
    """A pod's DRA claim (resource.k8s.io): by name, or generated from a template."""

    name: str = ""
    resource_claim_name: str | None = None
    resource_claim_template_name: str | None = None


# --------------------------------------------------------------------------------------------- containers
class KeyRef(_K):
    name: str = ""
    key: str = ""
    optional: bool | None = None


class FieldRef(_K):
    field_path: str = ""
    api_version: str = ""


class ResourceFieldRef(_K):
    resource: str = ""
    container_name: str = ""
    divisor: str = ""


class EnvVarSource(_K):
    config_map_key_ref: KeyRef | None = None
    secret_key_ref: KeyRef | None = None
    field_ref: FieldRef | None = None
    resource_field_ref: ResourceFieldRef | None = None


class EnvVar(_K):
    name: str = ""
    value: str | None = None
    value_from: EnvVarSource | None = None


class NameRef(_K):
    name: str = ""
    optional: bool | None = None


class EnvFromSource(_K):
    prefix: str = ""
    config_map_ref: NameRef | None = None
    secret_ref: NameRef | None = None


class ContainerPort(_K):
    container_port: int = 0
    host_port: int | None = None
    host_ip: str = field(default="", name="hostIP")
    protocol: str = ""
    name: str = ""


class ResourceRequirements(_K):
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}


class VolumeMount(_K):
    name: str = ""
    mount_path: str = ""
    read_only: bool | None = None
    sub_path: str = ""


class HTTPGetAction(_K):
    path: str = ""
    port: int | str = 0
    host: str = ""
    scheme: str = ""


class TCPSocketAction(_K):
    port: int | str = 0
    host: str = ""


class ExecAction(_K):
    command: list[str] = []


class GRPCAction(_K):
    port: int = 0
    service: str | None = None


class Probe(_K):
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    exec: ExecAction | None = None
    grpc: GRPCAction | None = None
    initial_delay_seconds: int | None = None
    timeout_seconds: int | None = None
    period_seconds: int | None = None
    success_threshold: int | None = None
    failure_threshold: int | None = None


class Container(_K):
    name: str = ""
    image: str = ""
    image_pull_policy: str = ""
    command: list[str] = []
    args: list[str] = []
    ports: list[ContainerPort] = []
    env: list[EnvVar] = []
    env_from: list[EnvFromSource] = []
    resources: ResourceRequirements = field(default_factory=ResourceRequirements)
    volume_mounts: list[VolumeMount] = []
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    restart_policy: str = ""  # "Always" on an init container makes it a sidecar (1.29+)


# --------------------------------------------------------------------------------------------- volumes
class ConfigMapVolumeSource(_K):
    name: str = ""
    optional: bool | None = None
    default_mode: int | None = None


class SecretVolumeSource(_K):
    secret_name: str = ""
    optional: bool | None = None
    default_mode: int | None = None


class PVCVolumeSource(_K):
    claim_name: str = ""
    read_only: bool | None = None


class EmptyDirVolumeSource(_K):
    medium: str = ""
    size_limit: str | None = None


class HostPathVolumeSource(_K):
    path: str = ""
    type: str = ""


class ProjectedSource(_K):
    config_map: NameRef | None = None
    secret: NameRef | None = None
    service_account_token: msgspec.Raw = msgspec.Raw()
    downward_api: msgspec.Raw = field(default=msgspec.Raw(), name="downwardAPI")


class ProjectedVolumeSource(_K):
    sources: list[ProjectedSource] = []
    default_mode: int | None = None


class CSIVolumeSource(_K):
    driver: str = ""
    read_only: bool | None = None
    volume_attributes: dict[str, str] = {}


class NFSVolumeSource(_K):
    server: str = ""
    path: str = ""
    read_only: bool | None = None


class DiskVolumeSource(_K):
    """Cloud disk sources (GCE PD, AWS EBS, Azure Disk) share the fields we show."""

    pd_name: str = ""
    volume_id: str = field(default="", name="volumeID")
    disk_name: str = ""
    disk_uri: str = field(default="", name="diskURI")
    fs_type: str = ""
    read_only: bool | None = None


class EphemeralVolumeSource(_K):
    volume_claim_template: msgspec.Raw = msgspec.Raw()


class Volume(_K):
    name: str = ""
    config_map: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    persistent_volume_claim: PVCVolumeSource | None = None
    empty_dir: EmptyDirVolumeSource | None = None
    host_path: HostPathVolumeSource | None = None
    projected: ProjectedVolumeSource | None = None
    downward_api: msgspec.Raw = field(default=msgspec.Raw(), name="downwardAPI")
    csi: CSIVolumeSource | None = None
    ephemeral: EphemeralVolumeSource | None = None
    nfs: NFSVolumeSource | None = None
    gce_persistent_disk: DiskVolumeSource | None = None
    aws_elastic_block_store: DiskVolumeSource | None = None
    azure_disk: DiskVolumeSource | None = None
    cinder: DiskVolumeSource | None = None
    portworx_volume: DiskVolumeSource | None = None


# --------------------------------------------------------------------------------------------- pod
class PodSpec(_K):
    node_name: str = ""
    scheduler_name: str = ""
    service_account_name: str = ""
    node_selector: dict[str, str] = {}
    tolerations: list[Toleration] = []
    affinity: Affinity | None = None
    priority: int | None = None
    priority_class_name: str = ""
    preemption_policy: str = ""
    runtime_class_name: str = ""
    restart_policy: str = ""
    host_network: bool = False
    containers: list[Container] = []
    init_containers: list[Container] = []
    volumes: list[Volume] = []
    overhead: dict[str, str] = {}
    resources: ResourceRequirements | None = None  # pod-level requests/limits (PodLevelResources, 1.34+ beta)
    scheduling_gates: list[PodSchedulingGate] = []
    topology_spread_constraints: list[TopologySpreadConstraint] = []
    resource_claims: list[PodResourceClaim] = []
    termination_grace_period_seconds: int | None = None
    active_deadline_seconds: int | None = None


class PodCondition(Condition):
    last_probe_time: datetime | None = None


class ContainerStateWaiting(_K):
    reason: str = ""
    message: str = ""


class ContainerStateRunning(_K):
    started_at: datetime | None = None


class ContainerStateTerminated(_K):
    exit_code: int = 0
    signal: int | None = None
    reason: str = ""
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    container_id: str = field(default="", name="containerID")


class ContainerState(_K):
    waiting: ContainerStateWaiting | None = None
    running: ContainerStateRunning | None = None
    terminated: ContainerStateTerminated | None = None


class ContainerStatus(_K):
    name: str = ""
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    image: str = ""
    image_id: str = field(default="", name="imageID")
    container_id: str = field(default="", name="containerID")
    state: ContainerState = field(default_factory=ContainerState)
    last_state: ContainerState = field(default_factory=ContainerState)


class PodIP(_K):
    ip: str = ""


class PodResourceClaimStatus(_K):
    """The ResourceClaim generated for one of the pod's claims from a template (its name, or None when
    none was needed)."""

    name: str = ""
    resource_claim_name: str | None = None


class PodStatus(_K):
    phase: str = ""
    reason: str = ""
    message: str = ""
    host_ip: str = field(default="", name="hostIP")
    host_ips: list[PodIP] = field(default_factory=list, name="hostIPs")
    pod_ip: str = field(default="", name="podIP")
    pod_ips: list[PodIP] = field(default_factory=list, name="podIPs")
    nominated_node_name: str = ""
    start_time: datetime | None = None
    qos_class: str = ""
    conditions: list[PodCondition] = []
    container_statuses: list[ContainerStatus] = []
    init_container_statuses: list[ContainerStatus] = []
    resource_claim_statuses: list[PodResourceClaimStatus] = []


class Pod(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PodSpec = field(default_factory=PodSpec)
    status: PodStatus = field(default_factory=PodStatus)
