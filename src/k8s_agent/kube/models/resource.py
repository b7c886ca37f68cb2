"""resource.k8s.io/v1 (Dynamic Resource Allocation): ResourceClaims, ResourceSlices and DeviceClasses, with
the fields the DynamicResources filter reads."""

from __future__ import annotations

from msgspec import field

from k8s_agent.kube.models.base import _K, ListMeta, ObjectMeta
from k8s_agent.kube.models.pod import NodeSelector


# --------------------------------------------------------------------------------------------- selectors
class CELDeviceSelector(_K):
    expression: str = ""


class DeviceSelector(_K):
    cel: CELDeviceSelector | None = field(default=None, name="cel")


class DeviceToleration(_K):
    key: str = ""
    operator: str = ""  # Equal (default) or Exists
    value: str = ""
    effect: str = ""  # "" tolerates every effect


# --------------------------------------------------------------------------------------------- claims
class ExactDeviceRequest(_K):
    device_class_name: str = ""
    selectors: list[DeviceSelector] = []
    allocation_mode: str = ""  # ExactCount (default) or All
    count: int | None = None
    admin_access: bool | None = None
    tolerations: list[DeviceToleration] = []
    #: consumable capacity requests (``capacity.requests``): present means "not evaluated here"
    capacity: dict[str, object] | None = None


class DeviceSubRequest(_K):
    name: str = ""
    device_class_name: str = ""
    selectors: list[DeviceSelector] = []
    allocation_mode: str = ""
    count: int | None = None
    tolerations: list[DeviceToleration] = []
    capacity: dict[str, object] | None = None


class DeviceRequest(_K):
    name: str = ""
    exactly: ExactDeviceRequest | None = None
    first_available: list[DeviceSubRequest] = []


class DeviceConstraint(_K):
    requests: list[str] = []
    match_attribute: str | None = None
    distinct_attribute: str | None = None


class DeviceClaim(_K):
    requests: list[DeviceRequest] = []
    constraints: list[DeviceConstraint] = []


class ResourceClaimSpec(_K):
    devices: DeviceClaim = field(default_factory=DeviceClaim)


class DeviceRequestAllocationResult(_K):
    request: str = ""
    driver: str = ""
    pool: str = ""
    device: str = ""
    admin_access: bool | None = None
    #: consumable capacity: a device shared between claims (then it is not exclusively allocated)
    share_id: str | None = field(default=None, name="shareID")


class DeviceAllocationResult(_K):
    results: list[DeviceRequestAllocationResult] = []


class AllocationResult(_K):
    devices: DeviceAllocationResult = field(default_factory=DeviceAllocationResult)
    node_selector: NodeSelector | None = None


class ResourceClaimConsumerReference(_K):
    resource: str = ""
    name: str = ""
    uid: str = ""


class ResourceClaimStatus(_K):
    allocation: AllocationResult | None = None
    reserved_for: list[ResourceClaimConsumerReference] = []


class ResourceClaim(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: ResourceClaimSpec = field(default_factory=ResourceClaimSpec)
    status: ResourceClaimStatus = field(default_factory=ResourceClaimStatus)


class ResourceClaimList(_K):
    items: list[ResourceClaim] = []
    metadata: ListMeta = field(default_factory=ListMeta)


# --------------------------------------------------------------------------------------------- slices
class DeviceAttribute(_K):
    int_value: int | None = field(default=None, name="int")
    bool_value: bool | None = field(default=None, name="bool")
    string_value: str | None = field(default=None, name="string")
    version_value: str | None = field(default=None, name="version")


class DeviceCapacity(_K):
    value: str = ""


class DeviceTaint(_K):
    key: str = ""
    value: str = ""
    effect: str = ""


class DeviceCounterConsumption(_K):
    counter_set: str = ""


class Device(_K):
    name: str = ""
    attributes: dict[str, DeviceAttribute] = {}
    capacity: dict[str, DeviceCapacity] = {}
    consumes_counters: list[DeviceCounterConsumption] = []
    node_name: str | None = None
    node_selector: NodeSelector | None = None
    all_nodes: bool | None = None
    taints: list[DeviceTaint] = []
    binding_conditions: list[str] = []
    allow_multiple_allocations: bool | None = None


class ResourcePool(_K):
    name: str = ""
    generation: int = 0
    resource_slice_count: int = 0


class CounterSet(_K):
    name: str = ""


class ResourceSliceSpec(_K):
    driver: str = ""
    pool: ResourcePool = field(default_factory=ResourcePool)
    node_name: str | None = None
    node_selector: NodeSelector | None = None
    all_nodes: bool | None = None
    per_device_node_selection: bool | None = None
    shared_counters: list[CounterSet] = []
    devices: list[Device] = []


class ResourceSlice(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: ResourceSliceSpec = field(default_factory=ResourceSliceSpec)


class ResourceSliceList(_K):
    items: list[ResourceSlice] = []
    metadata: ListMeta = field(default_factory=ListMeta)


# --------------------------------------------------------------------------------------------- classes
class DeviceClassSpec(_K):
    selectors: list[DeviceSelector] = []


class DeviceClass(_K):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: DeviceClassSpec = field(default_factory=DeviceClassSpec)


class DeviceClassList(_K):
    items: list[DeviceClass] = []
    metadata: ListMeta = field(default_factory=ListMeta)
