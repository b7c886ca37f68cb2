"""The device as the DRA CEL environment presents it to a selector, and the typed values read from it:
``device.driver``, ``device.attributes["<domain>"]`` and ``device.capacity["<domain>"]`` (a name without a
domain belongs to the device's driver; an unknown domain is an empty map; a missing name is a runtime
error), ints, bools, strings, versions (``semver``) and quantities (``quantity``), and how they compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from k8s_agent.analysis.quantity import parse_quantity
from k8s_agent.kube.models import Device


class CelError(Exception):
    """A CEL runtime error (a missing attribute, mismatched types)."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Version:
    core: tuple[int, int, int]
    pre: tuple[Any, ...]

    def key(self) -> tuple[Any, ...]:
        # a version without a pre-release ranks above the same version with one
        return (self.core, 1 if not self.pre else 0, self.pre)


_VERSION = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def parse_version(text: str) -> Version:
    m = _VERSION.match(text)
    if m is None:
        raise CelError(f"invalid semver {text!r}")
    pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in m[4].split(".")) if m[4] else ()
    return Version((int(m[1]), int(m[2]), int(m[3])), pre)


class DomainMap:
    """One domain of ``device.attributes`` / ``device.capacity``, read from the device on demand (a missing
    name is a runtime error)."""

    __slots__ = ("capacity", "device", "domain", "driver")

    def __init__(self, device: Device, driver: str, domain: str, capacity: bool) -> None:
        self.device, self.driver, self.domain, self.capacity = device, driver, domain, capacity

    def lookup(self, key: str) -> Any:
        d = self.device
        items: Any = d.capacity if self.capacity else d.attributes
        raw = items.get(f"{self.domain}/{key}")
        if raw is None and self.domain == self.driver:
            raw = items.get(key)
        if raw is None:
            return None
        return quantity_of(raw.value) if self.capacity else _attribute(raw)

    def get(self, key: str) -> Any:
        value = self.lookup(key)
        if value is None:
            raise CelError(f"no such key: {key}")
        return value


class Domains:
    """``device.attributes`` / ``device.capacity``: any domain gives a map (empty when unknown)."""

    __slots__ = ("capacity", "device", "driver")

    def __init__(self, device: Device, driver: str, capacity: bool) -> None:
        self.device, self.driver, self.capacity = device, driver, capacity

    def get(self, key: str) -> DomainMap:
        return DomainMap(self.device, self.driver, key, self.capacity)


@lru_cache(maxsize=1024)
def quantity_of(text: str) -> Quantity | None:
    try:
        return Quantity(parse_quantity(text).value)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _version(text: str) -> Version | None:
    try:
        return parse_version(text)
    except CelError:
        return None


def _attribute(a: Any) -> Any:
    if a.int_value is not None:
        return a.int_value
    if a.bool_value is not None:
        return a.bool_value
    if a.string_value is not None:
        return a.string_value
    if a.version_value is not None:
        return _version(a.version_value)
    return None


def device_view(device: Device, driver: str) -> dict[str, Any]:
    """The device as the DRA CEL environment presents it (attributes and capacity read on demand)."""
    return {
        "driver": driver,
        "attributes": Domains(device, driver, False),
        "capacity": Domains(device, driver, True),
    }


def order(v: Any) -> Any:
    if isinstance(v, Version):
        return v.key()
    if isinstance(v, Quantity):
        return v.value
    return v


def same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b)
