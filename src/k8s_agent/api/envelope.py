"""The response envelope: ``{data, metadata}`` and ``{error, metadata}``, encoded by msgspec.

Success bodies are spliced: the route's ``data`` bytes (cached, shared by every poller) are wrapped with a
per-request ``metadata`` object, so every response carries its own request id and timestamp while a cache
hit costs no analysis and no encoding of the data.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterable
from typing import Any

import msgspec
from sanic import HTTPResponse

from k8s_agent.errors import AgentError
from k8s_agent.tuning import REQUEST_ID_BATCH

JSON = "application/json"
_ENC = msgspec.json.Encoder()
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")


_UNSAFE_IN_HEADER = str.maketrans("", "", "\r\n\x00")


def encode_headers(items: Iterable[tuple[str, Any]]) -> list[tuple[bytes, bytes]]:
    """Headers as Sanic sends them: values as text, CR, LF and NUL removed from names and values (checked
    with three substring tests first, since our headers almost never hold them)."""
    encoded = []
    for name, value in items:
        if value.__class__ is not str:
            value = f"{value}"  # content-length is an int
        if "\r" in name or "\n" in name or "\x00" in name:
            name = name.translate(_UNSAFE_IN_HEADER)
        if "\r" in value or "\n" in value or "\x00" in value:
            value = value.translate(_UNSAFE_IN_HEADER)
        encoded.append((name.encode("ascii"), value.encode(errors="surrogateescape")))
    return encoded


class Response(HTTPResponse):
    """``HTTPResponse`` whose headers are encoded as Sanic encodes them (CR, LF and NUL removed from names
    and values), at a fraction of the cost: Sanic runs ``str.translate`` with a dict table on every name and
    value, which looks up (and misses) every character, about a sixth of a bare route's CPU per response.
    Our headers almost never hold those characters, and three substring checks prove it. Every response of
    the agent is one of these."""

    __slots__ = ()

    @property
    def processed_headers(self) -> list[tuple[bytes, bytes]]:  # type: ignore[override] # a list is iterable
        headers = self.headers
        status = self.status
        if status >= 200 and status != 204 and status != 304:  # sanic.helpers.has_message_body
            headers.setdefault("content-type", self.content_type)
        return encode_headers(headers.items())


class Metadata(msgspec.Struct, rename="camel"):
    """Per-response metadata: the request id (echoed in the X-Request-ID header) and the server time."""

    request_id: str
    timestamp: str


class ErrorBody(msgspec.Struct):
    """What went wrong: a stable code, a short message, and details naming the object or permission."""

    code: str
    message: str
    details: str = ""


class ErrorEnvelope(msgspec.Struct):
    """Every error response."""

    error: ErrorBody
    metadata: Metadata


_VERSION_MASK = ~((0xF << 76) | (0x3 << 62))
_VERSION_BITS = (0x4 << 76) | (0x2 << 62)


_ids: list[str] = []  # request ids made ahead, in batches (see new_request_id)
os.register_at_fork(after_in_child=_ids.clear)  # a worker never reuses ids made before its fork


def _more_ids() -> None:
    bits, mask, version = random.getrandbits, _VERSION_MASK, _VERSION_BITS
    for h in ["%032x" % ((bits(128) & mask) | version) for _ in range(REQUEST_ID_BATCH)]:
        _ids.append("-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:])))


def new_request_id() -> str:
    """A random UUID4 string, like ``str(uuid.uuid4())`` at a fraction of its cost on the hot path (a request
    id needs uniqueness, not a cryptographic source). Ids are made 256 at a time: a tight loop keeps its
    code in the CPU's caches, which costs a request less than making one id among other work."""
    if not _ids:
        _more_ids()
    return _ids.pop()


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token (<=128 chars of letters, digits and ``._:-``),
    else a new UUID4."""
    if header and _REQUEST_ID_RE.fullmatch(header):
        return header
    return _ids.pop() if _ids else new_request_id()


_second: list[Any] = [0, ""]  # the last second seen, and its "YYYY-MM-DDTHH:MM:SS"
_milli: list[Any] = [0, ""]  # the last millisecond seen, and its whole timestamp


def now_iso() -> str:
    """UTC now as RFC 3339 with milliseconds (``2026-11-27T00:05:01.123Z``): formatted once per millisecond
    (a busy worker answers many requests in one), the date part once per second."""
    ms = int(time.time() * 1000)
    if ms != _milli[0]:
        sec, frac = divmod(ms, 1000)
        if sec != _second[0]:
            _second[0], _second[1] = sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        _milli[0], _milli[1] = ms, f"{_second[1]}.{frac:03d}Z"
    return _milli[1]


def success(data: bytes, request_id: str, timestamp: str | None = None, status: int = 200) -> Response:
    # the request id matches _REQUEST_ID_RE (or is a UUID) and the timestamp is ours: no JSON escaping
    body = b"".join(
        (
            b'{"data":',
            data,
            b',"metadata":{"requestId":"',
            request_id.encode(),
            b'","timestamp":"',
            (timestamp or now_iso()).encode(),
            b'"}}',
        )
    )
    return Response(body, status=status, content_type=JSON, headers={"X-Request-ID": request_id})


def error(
    exc: AgentError, request_id: str, headers: dict[str, str] | None = None, timestamp: str | None = None
) -> Response:
    body = _ENC.encode(
        ErrorEnvelope(
            error=ErrorBody(code=exc.code, message=exc.message, details=exc.details),
            metadata=Metadata(request_id=request_id, timestamp=timestamp or now_iso()),
        )
    )
    return Response(
        body, status=exc.status, content_type=JSON, headers={"X-Request-ID": request_id, **(headers or {})}
    )


def encode(obj: object) -> bytes:
    return _ENC.encode(obj)
