"""Every Kubernetes object the tests build, in one place (``from builders import ...``).

One set of parts (:mod:`builders.parts`: timestamps, UIDs, owner references, conditions, a container, the
kubelet's container statuses and pod conditions, a recorder's Event) rendered in the shapes the tests need:

* **API objects** (:mod:`builders.api`: ``api_node``, ``api_pod``, ``api_event``): JSON-shaped dicts as
  kube-apiserver serves them, timestamps relative to ``now``, for the fake API server, dumps and live-source
  tests; ``pod_manifest`` and ``request_container``: a pod as a user writes it, for a real API server;
* **decoded models** (:mod:`builders.models`: ``make_node``, ``make_pod``, ``container``,
  ``scheduler_event``, ``make_pvc``, ``make_pv``): small objects decoded through the agent's own ``convert``
  at fixed 2024-05-01 times, for the analysis and service tests; ``model(obj)`` decodes any API object;
* **status pods** (:mod:`builders.status`: ``running``, ``waiting``, ``terminated``, ``status_pod``,
  ``started_pod``, ``status_event``): pods and events carrying only the fields a status rule test names;
* **workloads** (:mod:`builders.workloads`): controllers, their ReplicaSets/ControllerRevisions, their pods
  and events as the controllers write them, at a fixed ``workloads.NOW``.
"""

from __future__ import annotations

from . import status, workloads
from .api import (
    PAUSE_IMAGE,
    api_event,
    api_node,
    api_pod,
    pod_manifest,
    pvc_manifest,
    pvc_volume,
    request_container,
)
from .models import container, make_node, make_pod, make_pv, make_pvc, model, scheduler_event
from .parts import (
    DEFAULT_TOLERATIONS,
    TOKEN_MOUNT,
    TOKEN_VOLUME,
    app_container,
    condition,
    core_event,
    micro_ts,
    owner_ref,
    pod_conditions,
    running_status,
    ts,
    uid_for,
)

__all__ = [
    "DEFAULT_TOLERATIONS",
    "TOKEN_MOUNT",
    "TOKEN_VOLUME",
    "PAUSE_IMAGE",
    "api_event",
    "api_node",
    "api_pod",
    "app_container",
    "condition",
    "container",
    "core_event",
    "make_node",
    "make_pod",
    "make_pv",
    "make_pvc",
    "micro_ts",
    "model",
    "owner_ref",
    "pod_manifest",
    "pod_conditions",
    "pvc_manifest",
    "pvc_volume",
    "request_container",
    "running_status",
    "scheduler_event",
    "status",
    "ts",
    "uid_for",
    "workloads",
]
