"""Conditional requests (ETag, 304) and compression for the API's cached answers, prepared once per cache fill.

A route's answer is cached as a :class:`Payload`: the encoded ``data`` bytes, the part of the envelope that
comes before the per-request metadata (``{"data":...,"metadata":{"requestId":"``), its weak ETag, and the
same prefix already gzip-compressed. Everything that costs more than copying bytes happens once, when the
cache is filled; a request only adds its own tail (request id and timestamp):

* identity: ``head + tail``;
* gzip: one gzip member made of the prefix compressed with a sync flush (so it ends on a byte boundary and
  can be continued), then the tail as a final *stored* deflate block (a 5-byte block header and the bytes as
  they are), then the gzip trailer: the CRC-32 of everything, continued from the prefix's CRC over the tail
  (``zlib.crc32(tail, crc)``), and the total length. No compressor runs per request: the tail is about 100
  bytes, one CRC over it and two struct packs are the whole cost (see ``make bench``: a compressed poll
  costs about what a plain one does).

The ETag is weak (``W/"..."``): bodies differ per request by their metadata, and what the tag promises is that
the ``data`` is the same. The time an analysis was made (``analysisTime``, ``calculatedAt``) is left out of
the tag, and so are the relative times that only move with the clock (a pod record's ``age``, the "(3m12s
ago)" of the RESTARTS column, whose count stays in): two fills that differ in nothing else are the same answer
to a dashboard, so a poller keeps getting 304s across cache refills until the cluster really changes.

``Cache-Control: no-cache``: a browser may keep the answer but must ask again every time (with
``If-None-Match``); the agent answers a match with a 304 from the same hot path as a cached 200, so asking is
cheap, and nothing is ever shown from a browser's or proxy's cache past the agent's own TTL (a ``max-age``
would, since an answer can already be up to a TTL old when it leaves).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import struct
import zlib
from typing import Any

import msgspec
from sanic import Request
from sanic.compat import Header

from k8s_agent.api.envelope import JSON, Response, encode_headers
from k8s_agent.tuning import COMPRESS_MIN_BYTES, GZIP_LEVEL

CACHE_CONTROL = "no-cache"
#: fields of an answer that say when it was computed, not what was found: not part of the ETag
VOLATILE_FIELDS = ("analysis_time", "calculated_at")
#: relative times that only say how long ago something happened, which the clock moves on while nothing
#: changes: a pod record's ``age`` and the "(3m12s ago)" of kubectl's RESTARTS column (its count stays in)
#: (two patterns with a literal prefix each: the regex engine then skips ahead to their prefixes, several times
#: faster over a large answer than one alternation; they never overlap, so applying both in turn is the same)
_RESTARTS_AGO = re.compile(rb'"restarts":"(\d+) \([^"]*? ago\)"')
_AGE = re.compile(rb'"age":"[^"]*"')

_ENC = msgspec.json.Encoder()
# gzip member header: magic, CM=deflate, no flags, no mtime, no extra flags, OS=255 (unknown)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_STORED_FINAL = struct.Struct("<BHH").pack  # BFINAL=1 BTYPE=00, LEN, NLEN (byte-aligned after a sync flush)
_TRAILER = struct.Struct("<II").pack  # CRC-32, ISIZE (length mod 2**32)
_CACHE_CONTROL = CACHE_CONTROL.encode()
_JSON = JSON.encode()
_HEAD = b'{"data":'
_MID = b',"metadata":{"requestId":"'
_TS = b'","timestamp":"'
_END = b'"}}'


class Payload:
    """One cached answer of a route, ready to be sent many times (see the module's docstring)."""

    __slots__ = (
        "etag",
        "head",
        "gzip_head",
        "gzip_crc",
        "gzip_size",
        "vary",
        "headers_200",
        "headers_gzip",
        "headers_304",
    )

    def __init__(
        self, data: bytes, etag: str, *, head: bytes | None = None, gzip: tuple[bytes, int] | None = None
    ) -> None:
        self.etag = etag
        head = self.head = b"".join((_HEAD, data, _MID)) if head is None else head
        if gzip is None and len(head) >= COMPRESS_MIN_BYTES:
            gzip = _compressed(head)
        if gzip is not None:
            self.gzip_head: bytes | None = gzip[0]
            self.gzip_crc = gzip[1]
            self.gzip_size = len(head)
            self.vary = True
        else:
            self.gzip_head = None
            self.gzip_crc = self.gzip_size = 0
            self.vary = False
        # the headers every response of this payload carries, encoded once (see PayloadResponse)
        same = [(b"etag", etag.encode()), (b"cache-control", _CACHE_CONTROL)]
        if self.vary:
            same.append((b"vary", b"Accept-Encoding"))
        self.headers_304 = same
        self.headers_200 = [(b"content-type", _JSON), *same]
        self.headers_gzip = [*self.headers_200, (b"content-encoding", b"gzip")]

    @classmethod
    def of(cls, result: Any) -> Payload:
        """Encode a route's result Struct and prepare everything a request will need."""
        data = _ENC.encode(result)
        return cls(data, etag_of(result, data))

    @property
    def data(self) -> bytes:
        """The encoded ``data`` (a copy out of ``head``: kept once, in the envelope's prefix)."""
        return self.head[len(_HEAD) : -len(_MID)]

    @property
    def nbytes(self) -> int:
        return len(self.head) + len(self.gzip_head or b"")

    def tail(self, request_id: str, timestamp: str) -> bytes:
        # the request id matches envelope's pattern (or is a UUID) and the timestamp is ours: no JSON escaping
        return b"".join((request_id.encode(), _TS, timestamp.encode(), _END))

    def body(self, tail: bytes) -> bytes:
        """The whole envelope, uncompressed."""
        return self.head + tail

    def gzip_body(self, tail: bytes) -> bytes:
        """The whole envelope as one gzip member; decompresses to exactly :meth:`body`."""
        n = len(tail)
        return b"".join(
            (
                self.gzip_head,  # type: ignore[arg-type]
                _STORED_FINAL(1, n, n ^ 0xFFFF),
                tail,
                _TRAILER(zlib.crc32(tail, self.gzip_crc), (self.gzip_size + n) & 0xFFFFFFFF),
            )
        )


def etag_of(result: Any, data: bytes) -> str:
    """A weak ETag of the answer's ``data``, leaving out when it was computed (``VOLATILE_FIELDS``)."""
    if isinstance(result, msgspec.Struct):
        blank = {f: "" for f in VOLATILE_FIELDS if hasattr(result, f)}
        if blank:
            data = _ENC.encode(msgspec.structs.replace(result, **blank))
    data = _untimed(data)
    return 'W/"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


def _compressed(head: bytes | memoryview) -> tuple[bytes, int]:
    """The prefix as the start of a gzip member (raw deflate, sync-flushed: we write the frame) and its CRC."""
    deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -15, 8)
    return b"".join((_GZIP_HEADER, deflate.compress(head), deflate.flush(zlib.Z_SYNC_FLUSH))), zlib.crc32(
        head
    )


# ------------------------------------------------------------------------------------------ large answers
#: a top-level list of more items than this is encoded item by item, yielding to the event loop in between
CHUNK_ITEMS = 200
#: what ``build`` remembers of a list item between builds: id(item) -> (item, its JSON, its JSON for the ETag)
ItemMemo = dict[int, tuple[Any, bytes, bytes]]


async def build(result: Any, memo: ItemMemo | None = None) -> Payload:
    """``Payload.of`` for answers of any size without blocking the event loop for long: the top-level lists
    of more than CHUNK_ITEMS items (the nodes of ``/nodes/utilization``, the pods of a large pod-issues page)
    are encoded item by item with a yield every CHUNK_ITEMS items, the ETag is hashed piece by piece, and the
    gzip compression (zlib releases the GIL) runs in a thread. The bytes and the ETag are exactly those of
    ``Payload.of``.

    ``memo`` (kept by the caller between builds, e.g. per route) holds each item's JSON by identity: an
    item object that is the same as in the last build (the all-nodes view reuses the entries of the nodes
    that did not change, and every ``sort`` orders the same entries) is not encoded again. It is replaced
    by the items of this build."""
    if not isinstance(result, msgspec.Struct):
        return Payload.of(result)
    big = {
        f: v
        for f in result.__struct_fields__
        if isinstance(v := getattr(result, f), list) and len(v) > CHUNK_ITEMS
    }
    if not big:
        return Payload.of(result)
    marks = {f: f"\x00chunked:{f}\x00" for f in big}
    skeleton = msgspec.structs.replace(result, **marks)
    blank = {f: "" for f in VOLATILE_FIELDS if hasattr(result, f)}
    data_parts = _split(_ENC.encode(skeleton), marks)
    tag_parts = _split(_ENC.encode(msgspec.structs.replace(skeleton, **blank)), marks)
    previous = memo.copy() if memo is not None else {}
    if memo is not None:
        memo.clear()
    tag = hashlib.blake2b(digest_size=12)
    pieces: list[bytes] = [_HEAD]
    for i, field_name in enumerate(big):
        pieces.append(data_parts[i])
        tag.update(_untimed(tag_parts[i]))
        items: list[bytes] = []
        for n, item in enumerate(big[field_name]):
            if n and not n % CHUNK_ITEMS:
                await asyncio.sleep(0)
            known = previous.get(id(item))
            if known is None or known[0] is not item:
                encoded = _ENC.encode(item)
                untimed = _untimed(encoded)
                known = (item, encoded, untimed)
            if memo is not None:
                memo[id(item)] = known
            items.append(known[1])
            tag.update(b"," if n else b"[")
            tag.update(known[2])
        tag.update(b"]")
        pieces += (b"[", b",".join(items), b"]")
    pieces += (data_parts[-1], _MID)
    tag.update(_untimed(tag_parts[-1]))
    head = b"".join(pieces)
    del pieces
    await asyncio.sleep(0)
    gzip = await asyncio.to_thread(_compressed, head) if len(head) >= COMPRESS_MIN_BYTES else None
    return Payload(b"", 'W/"' + tag.hexdigest() + '"', head=head, gzip=gzip)


def _split(encoded: bytes, marks: dict[str, str]) -> list[bytes]:
    """The encoded skeleton cut at each mark (in field order): the parts around the lists."""
    parts = []
    for mark in marks.values():
        before, found, encoded = encoded.partition(_ENC.encode(mark))
        if not found:  # cannot happen: each mark is a field's whole value
            raise ValueError(f"chunked encoding lost its mark {mark!r}")
        parts.append(before)
    parts.append(encoded)
    return parts


def _untimed(data: bytes) -> bytes:
    return _AGE.sub(b'"age":""', _RESTARTS_AGO.sub(rb'"restarts":"\1"', data))


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of an ``If-None-Match`` list (or ``*``) with our ETag. The usual case, a
    browser sending back exactly the tag it got, is one string comparison (done by the caller first)."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag[2:]  # ours are always weak: W/"..."
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == opaque:
            return True
    return False


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip. Browsers and HTTP libraries send plain lists
    (``gzip, deflate, br, zstd``): one substring test. With q-values the list is parsed (``gzip;q=0`` or
    ``*;q=0`` without gzip refuse it)."""
    if ";" not in accept_encoding:
        return "gzip" in accept_encoding or "*" in accept_encoding
    star = None
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q > 0
    return bool(star)


class PayloadResponse(Response):
    """A response made from a cached :class:`Payload`. The headers that are the same for every request of the
    payload (content type, ETag, Cache-Control, Vary, Content-Encoding) are encoded once per fill, in
    ``fixed``; only the request id (and the content length and connection Sanic adds) are encoded per
    response. ``__init__`` sets the slots Sanic's two constructors would (one ``Header`` built, not two),
    for a pinned Sanic (25.12)."""

    __slots__ = ("fixed",)

    def __init__(self, body: bytes, status: int, request_id: str, fixed: list[tuple[bytes, bytes]]) -> None:
        self.asgi = False
        self.body = body
        self.content_type = JSON
        self.stream = None
        self.status = status
        self.headers = Header({"X-Request-ID": request_id})
        self._cookies = None
        self.fixed = fixed

    @property
    def processed_headers(self) -> list[tuple[bytes, bytes]]:  # type: ignore[override]
        return encode_headers(self.headers.items()) + self.fixed


class GzipResponse(PayloadResponse):
    """A 200 sent gzip-compressed (its class tells the metrics so without a header lookup)."""

    __slots__ = ()


def respond(payload: Payload, request: Request, request_id: str, timestamp: str) -> Response:
    """The answer to one request from a cached payload: 304 when ``If-None-Match`` matches its ETag, else a
    200 whose body is gzip when the client accepts it and the payload is large enough, else plain."""
    headers = request.headers
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None and (
        if_none_match == payload.etag or etag_matches(if_none_match, payload.etag)
    ):
        return PayloadResponse(b"", 304, request_id, payload.headers_304)
    tail = b"".join((request_id.encode(), _TS, timestamp.encode(), _END))
    if payload.gzip_head is not None:
        accept = headers.get("accept-encoding")
        if accept is not None and accepts_gzip(accept):
            return GzipResponse(payload.gzip_body(tail), 200, request_id, payload.headers_gzip)
    return PayloadResponse(payload.head + tail, 200, request_id, payload.headers_200)
