"""The per-request log line: valid JSON whatever the path holds, the same fields in text form."""

import json

from k8s_agent.logs import AccessLog


def _line(fmt: str, path: str) -> str:
    log = AccessLog("info", fmt)
    log._scheduled = True  # keep it in the buffer
    log.write("dash-1", "2026-11-27T00:00:00.000Z", "GET", path, 404, 1.2345, 2, 1, 3)
    return log.render().decode()


def test_json_line_parses_with_every_field():
    doc = json.loads(_line("json", '/api/v1/pods/a"b\\c/\u00e9\n/describe'))
    assert doc["path"] == '/api/v1/pods/a"b\\c/\u00e9\n/describe'
    assert doc == doc | {
        "level": "info",
        "msg": "request",
        "requestId": "dash-1",
        "method": "GET",
        "status": 404,
        "durationMs": 1.23,
        "upstreamCalls": 2,
        "cacheHits": 1,
        "coalesced": 3,
    }


def test_text_line_and_levels():
    assert _line("text", "/p").endswith(
        "[dash-1] request method=GET path=/p status=404 durationMs=1.23 upstreamCalls=2 cacheHits=1 coalesced=3\n"
    )
    quiet = AccessLog("warn", "json")
    quiet.write("x", "t", "GET", "/", 200, 0.1, 0, 0, 0)
    assert quiet.render() == b""
