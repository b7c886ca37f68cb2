"""The agent's own dashboard: a static page (``k8s_agent/dashboard/``, package data) at ``/``, with its script
and style sheet under ``/ui/``. No CDN, no build step; the page talks to this agent only.

The three files are routes of ``api.endpoints.OPERATIONS`` (``/``, ``/ui/app.js``, ``/ui/app.css``). Each is read
once per process (on its first request) and served from memory with a strong ETag (its content hash), the same
``Cache-Control: no-cache`` as the API (a browser asks again on every load and gets a 304 while the agent's
version is the same), and gzip prepared once for a client that accepts it.
"""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

from sanic import HTTPResponse, Request

from k8s_agent.api.conditional import CACHE_CONTROL, COMPRESS_MIN_BYTES, accepts_gzip
from k8s_agent.api.envelope import Response, request_id_from

#: the page runs its own script and style sheet only, and talks to this agent only
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class StaticFile:
    """One file of the page, read (and compressed) on its first request, then served from memory."""

    __slots__ = ("name", "content_type", "body", "gzipped", "etag")

    def __init__(self, name: str, content_type: str) -> None:
        self.name = name
        self.content_type = content_type
        self.body: bytes | None = None
        self.gzipped: bytes | None = None
        self.etag = ""

    def _load(self) -> bytes:
        body = resources.files("k8s_agent").joinpath("dashboard", self.name).read_bytes()
        self.gzipped = gzip.compress(body, 9, mtime=0) if len(body) >= COMPRESS_MIN_BYTES else None
        self.etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        self.body = body
        return body

    def respond(self, request: Request) -> HTTPResponse:
        body = self.body if self.body is not None else self._load()
        headers = {
            "X-Request-ID": request_id_from(request.headers.get("x-request-id")),
            "ETag": self.etag,
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
        }
        if self.content_type.startswith("text/html"):
            headers["Content-Security-Policy"] = CSP
            headers["Referrer-Policy"] = "no-referrer"
        if self.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None and self.etag in {
            t.strip().removeprefix("W/") for t in if_none_match.split(",")
        }:
            return Response(None, status=304, headers=headers)
        accept = request.headers.get("accept-encoding")
        if self.gzipped is not None and accept is not None and accepts_gzip(accept):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, content_type=self.content_type, headers=headers)
        return Response(body, content_type=self.content_type, headers=headers)


_PAGE = StaticFile("index.html", "text/html; charset=utf-8")
_SCRIPT = StaticFile("app.js", "text/javascript; charset=utf-8")
_STYLE = StaticFile("app.css", "text/css; charset=utf-8")


async def page(request: Request) -> HTTPResponse:
    return _PAGE.respond(request)


async def script(request: Request) -> HTTPResponse:
    return _SCRIPT.respond(request)


async def style(request: Request) -> HTTPResponse:
    return _STYLE.respond(request)
