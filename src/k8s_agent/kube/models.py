"""Kubernetes objects as msgspec Structs, holding only the fields the agent uses.

Decoded once, at the edge (live API responses, snapshot files), straight from JSON bytes. Field names are
snake_case in Python and camelCase on the wire; the acronym fields Kubernetes spells in capitals
(``podIP``, ``hostIP``, ``imageID``, ``containerID``...) are named explicitly, because msgspec's camel
renaming would turn ``pod_ip`` into ``podIp`` and silently read nothing.

Unknown fields are skipped without being materialised, which is what makes decoding a 5,000-pod list cheap.
Timestamps are timezone-aware ``datetime`` objects (``metav1.Time`` and ``metav1.MicroTime`` alike).
"""

from __future__ import annotations

import builtins
import gc
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from msgspec import Struct, field

from k8s_agent.tuning import GC_PAUSE_ABOVE

T = TypeVar("T")


class _K(Struct, rename="camel", omit_defaults=True, gc=False):
    """Base for Kubernetes shapes: camelCase on the wire, defaults omitted when encoded."""


# --------------------------------------------------------------------------------------------- metadata
class OwnerReference(_K):
    kind: str = ""
    name: str = ""
    uid: str = ""
    api_version: str = ""
    controller: bool | None = None


class ObjectMeta(_K):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    generate_name: str = ""
    resource_version: str = ""
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    deletion_grace_period_seconds: int | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    owner_references: list[OwnerReference] = []


class ListMeta(_K):
    resource_version: str = ""
    continue_: str = field(default="", name="continue")
    remaining_item_count: int | None = None


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


class PodSchedulingGate(_K):
    name: str = ""


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
    termination_grace_period_seconds: int | None = None
    active_deadline_seconds: int | None = None


class PodCondition(_K):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    last_probe_time: datetime | None = None
    last_transition_time: datetime | None = None


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


class Pod(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PodSpec = field(default_factory=PodSpec)
    status: PodStatus = field(default_factory=PodStatus)


# --------------------------------------------------------------------------------------------- node
class NodeCondition(_K):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    last_heartbeat_time: datetime | None = None
    last_transition_time: datetime | None = None


class NodeAddress(_K):
    type: str = ""
    address: str = ""


class NodeSystemInfo(_K):
    kubelet_version: str = ""
    os_image: str = ""
    kernel_version: str = ""
    container_runtime_version: str = ""
    architecture: str = ""
    operating_system: str = ""


class NodeSpec(_K):
    unschedulable: bool = False
    taints: list[Taint] = []
    pod_cidr: str = field(default="", name="podCIDR")
    provider_id: str = field(default="", name="providerID")


class NodeStatus(_K):
    capacity: dict[str, str] = {}
    allocatable: dict[str, str] = {}
    conditions: list[NodeCondition] = []
    addresses: list[NodeAddress] = []
    node_info: NodeSystemInfo = field(default_factory=NodeSystemInfo)


class Node(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: NodeSpec = field(default_factory=NodeSpec)
    status: NodeStatus = field(default_factory=NodeStatus)


# --------------------------------------------------------------------------------------------- events
class ObjectReference(_K):
    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    api_version: str = ""
    field_path: str = ""


class EventSource(_K):
    component: str = ""
    host: str = ""


class EventSeries(_K):
    count: int = 0
    last_observed_time: datetime | None = None


class Event(_K):
    """A core/v1 Event, in either shape.

    Classic (kubelet, controllers): ``count``, ``firstTimestamp``, ``lastTimestamp``, ``source``.
    events.k8s.io-style (the scheduler since 1.19): ``eventTime``, ``series``, ``reportingComponent``, with
    null first/last timestamps and no count. ``analysis.eventtime`` reads both.
    """

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    involved_object: ObjectReference = field(default_factory=ObjectReference)
    reason: str = ""
    message: str = ""
    type: str = ""
    count: int | None = None
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None
    event_time: datetime | None = None
    series: EventSeries | None = None
    source: EventSource = field(default_factory=EventSource)
    reporting_component: str = ""
    reporting_instance: str = ""
    action: str = ""


# --------------------------------------------------------------------------------------------- workloads
class ReplicaSetCondition(_K):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    last_update_time: datetime | None = None
    last_transition_time: datetime | None = None


class PodTemplateSpec(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PodSpec = field(default_factory=PodSpec)


class WorkloadSpec(_K):
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec | None = None


class WorkloadStatus(_K):
    replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    observed_generation: int | None = None
    conditions: list[ReplicaSetCondition] = []


class ReplicaSet(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: WorkloadSpec = field(default_factory=WorkloadSpec)
    status: WorkloadStatus = field(default_factory=WorkloadStatus)


class RollingUpdate(_K):
    max_unavailable: int | str | None = None
    max_surge: int | str | None = None
    partition: int | None = None


class UpdateStrategy(_K):
    type: str = ""
    rolling_update: RollingUpdate | None = None


class DeploymentSpec(_K):
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    strategy: UpdateStrategy = field(default_factory=UpdateStrategy)
    min_ready_seconds: int = 0
    revision_history_limit: int | None = None
    paused: bool = False
    progress_deadline_seconds: int | None = None


class DeploymentStatus(_K):
    observed_generation: int | None = None
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    conditions: list[ReplicaSetCondition] = []


class ObjectMetaWithGeneration(ObjectMeta):
    generation: int | None = None


class Deployment(_K):
    metadata: ObjectMetaWithGeneration = field(default_factory=ObjectMetaWithGeneration)
    spec: DeploymentSpec = field(default_factory=DeploymentSpec)
    status: DeploymentStatus = field(default_factory=DeploymentStatus)


class StatefulSetSpec(_K):
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    service_name: str = ""
    pod_management_policy: str = ""
    update_strategy: UpdateStrategy = field(default_factory=UpdateStrategy)
    min_ready_seconds: int = 0


class StatefulSetStatus(_K):
    observed_generation: int | None = None
    replicas: int = 0
    ready_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0
    available_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    conditions: list[ReplicaSetCondition] = []


class StatefulSet(_K):
    metadata: ObjectMetaWithGeneration = field(default_factory=ObjectMetaWithGeneration)
    spec: StatefulSetSpec = field(default_factory=StatefulSetSpec)
    status: StatefulSetStatus = field(default_factory=StatefulSetStatus)


class DaemonSetSpec(_K):
    selector: LabelSelector | None = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    update_strategy: UpdateStrategy = field(default_factory=UpdateStrategy)
    min_ready_seconds: int = 0


class DaemonSetStatus(_K):
    observed_generation: int | None = None
    desired_number_scheduled: int = 0
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    number_ready: int = 0
    number_available: int = 0
    number_unavailable: int = 0
    updated_number_scheduled: int = 0
    conditions: list[ReplicaSetCondition] = []


class DaemonSet(_K):
    metadata: ObjectMetaWithGeneration = field(default_factory=ObjectMetaWithGeneration)
    spec: DaemonSetSpec = field(default_factory=DaemonSetSpec)
    status: DaemonSetStatus = field(default_factory=DaemonSetStatus)


class PodFailurePolicyOnExitCodes(_K):
    container_name: str | None = None
    operator: str = ""
    values: list[int] = []


class PodFailurePolicyOnPodCondition(_K):
    type: str = ""
    status: str = ""


class PodFailurePolicyRule(_K):
    action: str = ""
    on_exit_codes: PodFailurePolicyOnExitCodes | None = None
    on_pod_conditions: list[PodFailurePolicyOnPodCondition] = []


class PodFailurePolicy(_K):
    rules: list[PodFailurePolicyRule] = []


class JobSpec(_K):
    parallelism: int | None = None
    completions: int | None = None
    backoff_limit: int | None = None
    backoff_limit_per_index: int | None = None
    active_deadline_seconds: int | None = None
    completion_mode: str = ""
    suspend: bool | None = None
    pod_failure_policy: PodFailurePolicy | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)


class JobCondition(_K):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    last_probe_time: datetime | None = None
    last_transition_time: datetime | None = None


class JobStatus(_K):
    active: int = 0
    succeeded: int = 0
    failed: int = 0
    ready: int | None = None
    start_time: datetime | None = None
    completion_time: datetime | None = None
    conditions: list[JobCondition] = []


class Job(_K):
    metadata: ObjectMetaWithGeneration = field(default_factory=ObjectMetaWithGeneration)
    spec: JobSpec = field(default_factory=JobSpec)
    status: JobStatus = field(default_factory=JobStatus)


class JobTemplateSpec(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: JobSpec = field(default_factory=JobSpec)


class CronJobSpec(_K):
    schedule: str = ""
    time_zone: str | None = None
    starting_deadline_seconds: int | None = None
    concurrency_policy: str = ""
    suspend: bool | None = None
    successful_jobs_history_limit: int | None = None
    failed_jobs_history_limit: int | None = None
    job_template: JobTemplateSpec = field(default_factory=JobTemplateSpec)


class CronJobStatus(_K):
    active: list[ObjectReference] = []
    last_schedule_time: datetime | None = None
    last_successful_time: datetime | None = None


class CronJob(_K):
    metadata: ObjectMetaWithGeneration = field(default_factory=ObjectMetaWithGeneration)
    spec: CronJobSpec = field(default_factory=CronJobSpec)
    status: CronJobStatus = field(default_factory=CronJobStatus)


class RevisionTemplate(_K):
    """The part of a ControllerRevision's ``data`` we read: the pod template it recorded (StatefulSet and
    DaemonSet revisions hold ``{"spec": {"template": {..., "$patch": "replace"}}}``)."""

    template: PodTemplateSpec | None = None


class RevisionData(_K):
    spec: RevisionTemplate = field(default_factory=RevisionTemplate)


class ControllerRevision(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    revision: int = 0
    data: RevisionData = field(default_factory=RevisionData)


class ResourceQuotaSpec(_K):
    hard: dict[str, str] = {}


class ResourceQuotaStatus(_K):
    hard: dict[str, str] = {}
    used: dict[str, str] = {}


class ResourceQuota(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: ResourceQuotaSpec = field(default_factory=ResourceQuotaSpec)
    status: ResourceQuotaStatus = field(default_factory=ResourceQuotaStatus)


class Namespace(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)


# --------------------------------------------------------------------------------------------- storage
class PVCSpec(_K):
    volume_name: str = ""
    storage_class_name: str | None = None
    access_modes: list[str] = []
    resources: ResourceRequirements = field(default_factory=ResourceRequirements)


class PVCStatus(_K):
    phase: str = ""
    access_modes: list[str] = []
    capacity: dict[str, str] = {}


class PersistentVolumeClaim(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PVCSpec = field(default_factory=PVCSpec)
    status: PVCStatus = field(default_factory=PVCStatus)


class VolumeNodeAffinity(_K):
    required: NodeSelector | None = None


class PVSpec(_K):
    node_affinity: VolumeNodeAffinity | None = None
    access_modes: list[str] = []
    capacity: dict[str, str] = {}
    storage_class_name: str = ""
    claim_ref: ObjectReference | None = None


class PVStatus(_K):
    phase: str = ""


class PersistentVolume(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PVSpec = field(default_factory=PVSpec)
    status: PVStatus = field(default_factory=PVStatus)


# --------------------------------------------------------------------------------------------- metrics
class NodeMetrics(_K):
    """metrics.k8s.io/v1beta1 NodeMetrics."""

    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    timestamp: datetime | None = None
    window: str = ""
    usage: dict[str, str] = {}


# --------------------------------------------------------------------------------------------- lists
class PodList(_K):
    items: list[Pod] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class NodeList(_K):
    items: list[Node] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class EventList(_K):
    items: list[Event] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class ReplicaSetList(_K):
    items: list[ReplicaSet] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class DeploymentList(_K):
    items: list[Deployment] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class StatefulSetList(_K):
    items: list[StatefulSet] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class DaemonSetList(_K):
    items: list[DaemonSet] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class JobList(_K):
    items: list[Job] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class CronJobList(_K):
    items: list[CronJob] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class ControllerRevisionList(_K):
    items: list[ControllerRevision] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class ResourceQuotaList(_K):
    items: list[ResourceQuota] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class NodeMetricsList(_K):
    items: list[NodeMetrics] = []
    metadata: ListMeta = field(default_factory=ListMeta)


class Status(_K):
    """metav1.Status, the body of an API error."""

    kind: str = ""
    status: str = ""
    message: str = ""
    reason: str = ""
    code: int = 0


class WorkloadKind(Struct, frozen=True, gc=False):
    """Where a controller kind is served and how it decodes."""

    kind: str
    group: str
    plural: str
    type: builtins.type[Any]
    list_type: builtins.type[Any]

    @property
    def api_path(self) -> str:
        return f"/apis/{self.group}/v1"


#: the controller kinds the workload diagnosis reads, by kind
WORKLOAD_KINDS: dict[str, WorkloadKind] = {
    k.kind: k
    for k in (
        WorkloadKind("Deployment", "apps", "deployments", Deployment, DeploymentList),
        WorkloadKind("StatefulSet", "apps", "statefulsets", StatefulSet, StatefulSetList),
        WorkloadKind("DaemonSet", "apps", "daemonsets", DaemonSet, DaemonSetList),
        WorkloadKind("Job", "batch", "jobs", Job, JobList),
        WorkloadKind("CronJob", "batch", "cronjobs", CronJob, CronJobList),
    )
}

Workload = Deployment | StatefulSet | DaemonSet | Job | CronJob


# One reusable decoder per type (building a Decoder is the expensive part).
DECODERS: dict[type, msgspec.json.Decoder] = {
    t: msgspec.json.Decoder(t)
    for t in (
        Pod,
        PodList,
        Node,
        NodeList,
        EventList,
        ReplicaSetList,
        Namespace,
        PersistentVolumeClaim,
        PersistentVolume,
        NodeMetrics,
        NodeMetricsList,
        Status,
        Deployment,
        StatefulSet,
        DaemonSet,
        Job,
        CronJob,
        DeploymentList,
        StatefulSetList,
        DaemonSetList,
        JobList,
        CronJobList,
        ControllerRevisionList,
        ResourceQuotaList,
    )
}


def decode(raw: bytes, t: type[T]) -> T:
    """Decode JSON bytes into ``t`` with the cached decoder for that type."""
    dec = DECODERS.get(t)
    if dec is None:
        dec = DECODERS[t] = msgspec.json.Decoder(t)
    if len(raw) < GC_PAUSE_ABOVE or not gc.isenabled():
        return dec.decode(raw)
    gc.disable()
    try:
        return dec.decode(raw)
    finally:
        gc.enable()


_ENCODER = msgspec.json.Encoder()


def convert(obj: Any, t: type[T]) -> T:
    """Build ``t`` from already-parsed builtins (snapshot files that were YAML), through JSON bytes so
    that pass-through parts (``msgspec.Raw``) are kept exactly."""
    return decode(_ENCODER.encode(obj), t)
