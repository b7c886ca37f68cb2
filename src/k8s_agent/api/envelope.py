"""The response envelope: ``{data, metadata}`` and ``{error, metadata}``, encoded by msgspec.

Success bodies are spliced: the route's ``data`` bytes (cached, shared by every poller) are wrapped with a
per-request ``metadata`` object, so every response carries its own request id and timestamp while a cache
hit costs no analysis and no encoding of the data.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import msgspec
from sanic import HTTPResponse

from k8s_agent.errors import AgentError

JSON = "application/json"
_ENC = msgspec.json.Encoder()
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


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


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token (<=128 chars, no spaces or quotes), else a UUID4."""
    if header and _REQUEST_ID_RE.match(header):
        return header
    return str(uuid.uuid4())


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _metadata(request_id: str) -> bytes:
    return _ENC.encode(Metadata(request_id=request_id, timestamp=now_iso()))


def success(data: bytes, request_id: str, status: int = 200) -> HTTPResponse:
    body = b'{"data":' + data + b',"metadata":' + _metadata(request_id) + b"}"
    return HTTPResponse(body, status=status, content_type=JSON, headers={"X-Request-ID": request_id})


def error(exc: AgentError, request_id: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    body = _ENC.encode(
        ErrorEnvelope(
            error=ErrorBody(code=exc.code, message=exc.message, details=exc.details),
            metadata=Metadata(request_id=request_id, timestamp=now_iso()),
        )
    )
    return HTTPResponse(
        body, status=exc.status, content_type=JSON, headers={"X-Request-ID": request_id, **(headers or {})}
    )


def encode(obj: object) -> bytes:
    return _ENC.encode(obj)
