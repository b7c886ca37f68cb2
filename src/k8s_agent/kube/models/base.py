"""The base of every Kubernetes shape, and object metadata."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from msgspec import Struct, field

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


class Condition(_K):
    """What every kind's status conditions have in common (each kind adds its own probe, heartbeat or
    update time)."""

    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    last_transition_time: datetime | None = None


class ListMeta(_K):
    resource_version: str = ""
    continue_: str = field(default="", name="continue")
    remaining_item_count: int | None = None
