"""The controllers that own pods: ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs,
their ControllerRevisions, and ResourceQuotas."""

from __future__ import annotations

from datetime import datetime

from msgspec import field

from k8s_agent.kube.models.base import _K, Condition, ObjectMeta
from k8s_agent.kube.models.cluster import ObjectReference
from k8s_agent.kube.models.pod import LabelSelector, PodSpec


# --------------------------------------------------------------------------------------------- workloads
class ReplicaSetCondition(Condition):
    last_update_time: datetime | None = None


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


class JobCondition(Condition):
    last_probe_time: datetime | None = None


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
