"""Structured logs with loguru: one JSON line per record (LOG_FORMAT=json) or a readable line (text).

Every line carries the request id of the request being served (a ContextVar set by the HTTP layer).
Sanic's own loggers are routed through loguru, so the output has a single format.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import msgspec
from loguru import logger

from k8s_agent.tuning import LOG_FLUSH_AFTER, LOG_MAX_RECORDS, WARNING_MAX_KEYS, WARNING_WINDOW

request_id_var: ContextVar[str] = ContextVar("request_id", default="")

_ENC = msgspec.json.Encoder()
_LEVELS = {"debug": "DEBUG", "info": "INFO", "warn": "WARNING", "error": "ERROR"}


def _json_sink(message: Any) -> None:
    r = message.record
    doc = {
        "ts": r["time"].isoformat(timespec="milliseconds"),
        "level": r["level"].name.lower(),
        "msg": r["message"],
        "logger": r["extra"].get("logger", r["name"]),
        "pid": r["process"].id,
    }
    rid = request_id_var.get()
    if rid:
        doc["requestId"] = rid
    for k, v in r["extra"].items():
        if k != "logger":
            doc[k] = v
    if r["exception"] is not None:
        exc = r["exception"]
        doc["exception"] = "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))[-3000:]
    try:
        line = _ENC.encode(doc)
    except (TypeError, msgspec.EncodeError):
        line = _ENC.encode({k: str(v) for k, v in doc.items()})
    sys.stdout.write(line.decode() + "\n")
    sys.stdout.flush()


def _text_sink(message: Any) -> None:
    r = message.record
    rid = request_id_var.get()
    extra = " ".join(f"{k}={v}" for k, v in r["extra"].items() if k != "logger")
    line = f"{r['time']:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f" {r['level'].name:<7} [{r['process'].id}]"
    if rid:
        line += f" [{rid}]"
    line += f" {r['message']}" + (f" {extra}" if extra else "")
    if r["exception"] is not None:
        exc = r["exception"]
        line += "\n" + "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class InterceptHandler(logging.Handler):
    """Stdlib logging (Sanic, aiohttp, kubernetes_asyncio) into loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        level: str | int
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(logger=record.name).opt(exception=record.exc_info).log(level, record.getMessage())


def sanic_log_config(level: str) -> dict:
    lvl = _LEVELS.get(level, "INFO")
    names = ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic.websockets")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"loguru": {"()": InterceptHandler}},
        "loggers": {n: {"handlers": ["loguru"], "level": lvl, "propagate": False} for n in names},
        "root": {"handlers": ["loguru"], "level": "WARNING"},
    }


class ThrottledWarnings:
    """Warnings about the same failure, once a second: the first occurrence is logged at once, the repeats
    within the window are counted and reported (with the count) by the next occurrence after it, or by
    ``flush`` (called every second by the worker and at shutdown)."""

    WINDOW = WARNING_WINDOW
    MAX_KEYS = WARNING_MAX_KEYS

    def __init__(self, timer: Callable[[], float] | None = None) -> None:
        import time

        self._timer = timer or time.monotonic
        self._windows: dict[str, list] = {}  # key -> [window start, repeats, last message]

    def warning(self, key: str, message: str) -> None:
        now = self._timer()
        w = self._windows.get(key)
        if w is not None and now - w[0] < self.WINDOW:
            w[1] += 1
            w[2] = message
            return
        if w is not None and w[1]:
            message = f"{message} (and {w[1]} more like it in the last {now - w[0]:.1f}s)"
        if w is None and len(self._windows) >= self.MAX_KEYS:
            self.flush()
            self._windows.clear()
        self._windows[key] = [now, 0, message]
        logger.warning(message)

    def flush(self) -> None:
        """Report the repeats counted in windows that have ended."""
        now = self._timer()
        for key, w in list(self._windows.items()):
            if now - w[0] >= self.WINDOW:
                if w[1]:
                    logger.warning(f"{w[2]} (repeated {w[1]} times in the last {now - w[0]:.1f}s)")
                del self._windows[key]


#: the process's throttled warnings (one event loop per process)
throttled = ThrottledWarnings()


def setup_logging(level: str = "info", fmt: str = "json") -> None:
    """Configure loguru for this process (main and every worker call it)."""
    logger.remove()
    logger.add(
        _json_sink if fmt == "json" else _text_sink,
        level=_LEVELS.get(level, "INFO"),
        format="{message}",
        backtrace=False,
        diagnose=False,
    )
    logging.basicConfig(handlers=[InterceptHandler()], level=logging.WARNING, force=True)


class _AccessRecord(msgspec.Struct, rename="camel"):
    """One request line; encoded in batches (``Encoder.encode_lines``), which is far cheaper per line than
    formatting it in Python."""

    ts: str
    level: str
    msg: str
    logger: str
    pid: int
    request_id: str
    method: str
    path: str
    status: int
    duration_ms: float
    upstream_calls: int
    cache_hits: int
    coalesced: int


class AccessLog:
    """The one line per request, written without loguru's record machinery (it is the only line on the hot
    path of a cached answer): the same fields and format as the other lines. Records are kept and written
    within ``FLUSH_AFTER`` seconds (and at shutdown), so a busy worker encodes and writes a batch at a time."""

    FLUSH_AFTER = LOG_FLUSH_AFTER
    MAX_RECORDS = LOG_MAX_RECORDS

    def __init__(self, level: str = "info", fmt: str = "json") -> None:
        self.enabled = _LEVELS.get(level, "INFO") in ("DEBUG", "INFO")
        self.json = fmt == "json"
        self.pid = os.getpid()
        self._records: list = []
        self._scheduled = False

    def write(
        self,
        request_id: str,
        timestamp: str,
        method: str,
        path: str,
        status: int,
        duration_ms: float,
        upstream_calls: int,
        cache_hits: int,
        coalesced: int,
    ) -> None:
        if not self.enabled:
            return
        records = self._records
        records.append(
            _AccessRecord(
                timestamp,
                "info",
                "request",
                "k8s_agent.access",
                self.pid,
                request_id,
                method,
                path,
                status,
                int(duration_ms * 100 + 0.5) / 100,  # two decimals; round() costs 4x as much
                upstream_calls,
                cache_hits,
                coalesced,
            )
        )
        if len(records) >= self.MAX_RECORDS:
            self.flush()
        elif not self._scheduled:
            try:
                asyncio.get_running_loop().call_later(self.FLUSH_AFTER, self.flush)
                self._scheduled = True
            except RuntimeError:  # no loop (tests calling it directly): write now
                self.flush()

    def render(self) -> bytes:
        """The pending lines, as they will be written."""
        if self.json:
            return _ENC.encode_lines(self._records)
        return "".join(
            f"{r.ts} INFO    [{r.pid}] [{r.request_id}] request method={r.method} path={r.path} "
            f"status={r.status} durationMs={r.duration_ms:.2f} upstreamCalls={r.upstream_calls} "
            f"cacheHits={r.cache_hits} coalesced={r.coalesced}\n"
            for r in self._records
        ).encode()

    def flush(self) -> None:
        self._scheduled = False
        if self._records:
            data = self.render()
            self._records = []
            sys.stdout.flush()  # keep the order with lines already written through loguru
            out = getattr(sys.stdout, "buffer", None)
            if out is not None:
                out.write(data)
                out.flush()
            else:
                sys.stdout.write(data.decode())
                sys.stdout.flush()
