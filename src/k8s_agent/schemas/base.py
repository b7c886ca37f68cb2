"""The one base of every response Struct, and the parts several responses share."""

from __future__ import annotations

import msgspec


class Response(msgspec.Struct, rename="camel", kw_only=True, gc=False):
    """A response Struct: camelCase on the wire, every field present (lists ``[]`` when empty, optional
    scalars ``null``), so clients need one code path. Not tracked by the cyclic GC: a response holds no
    reference cycles. Subclasses say ``kw_only=True`` too (msgspec applies it per class): fields are given
    by keyword, so a required field may follow one with a default."""


class Sparse(Response, omit_defaults=True):
    """A response Struct whose fields at their default are left out (the optional parts of ``describe``,
    as kubectl leaves out what is not set)."""


class EventInfo(Response, kw_only=True):
    """An event as shown with a pod: kubectl's columns, both event shapes read alike."""

    type: str
    reason: str
    message: str
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    count: int = 1
    source: str = ""


class Condition(Response, kw_only=True):
    """A condition of an object as shown in an answer (a pod's, a controller's)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_transition_time: str | None = None
