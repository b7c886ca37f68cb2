"""The envelope's own pieces: request ids, the timestamp, and the response class whose header encoding must
equal Sanic's (it only does it cheaper)."""

import re
import uuid

import msgspec
import pytest
from sanic import HTTPResponse

from k8s_agent.api import envelope
from k8s_agent.errors import NotFound


@pytest.mark.parametrize(
    "value",
    [
        "application/json",
        "b8db1f23-2ec5-438a-9e2c-3f1f1f1f1f1f",
        "evil\r\nSet-Cookie: a=b",
        "nul\x00byte",
        "\n",
        "",
        "caf\u00e9 \u2603",
        'Bearer realm="k8s-cluster-agent"',
    ],
)
def test_headers_are_sanitised_exactly_like_sanic(value):
    headers = {"X-Test": value}
    if value.isascii():  # header names are ASCII (both classes refuse others)
        headers["X" + value] = "v"
    ours = envelope.Response(b"{}", content_type="application/json", headers=headers)
    theirs = HTTPResponse(b"{}", content_type="application/json", headers=headers)
    assert list(ours.processed_headers) == list(theirs.processed_headers)


def test_header_only_statuses_get_no_content_type():
    assert [
        n for n, _ in envelope.Response(status=304, content_type="application/json").processed_headers
    ] == []


def test_generated_request_ids_are_distinct_uuid4():
    ids = {envelope.new_request_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    for rid in list(ids)[:200]:
        u = uuid.UUID(rid)
        assert (u.version, u.variant, str(u)) == (4, uuid.RFC_4122, rid)


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("dash-42.a", True),
        ("a:b_c", True),
        ("a b", False),
        ("x" * 128, True),
        ("x" * 129, False),
        ("-lead", False),
        ("", False),
        ("ok\n", False),
    ],
)
def test_request_id_from_header(header, kept):
    rid = envelope.request_id_from(header)
    assert (rid == header) is kept
    if not kept:
        assert uuid.UUID(rid).version == 4


def test_success_splices_data_and_metadata():
    resp = envelope.success(b'{"a":[1,2]}', "dash-1", "2026-11-27T00:00:00.000Z")
    assert msgspec.json.decode(resp.body) == {
        "data": {"a": [1, 2]},
        "metadata": {"requestId": "dash-1", "timestamp": "2026-11-27T00:00:00.000Z"},
    }
    assert resp.headers["x-request-id"] == "dash-1"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
        msgspec.json.decode(envelope.success(b"1", "r").body)["metadata"]["timestamp"],
    )


def test_error_envelope():
    resp = envelope.error(NotFound("pod", "web-1", "shop"), "dash-2", {"Allow": "GET"})
    body = msgspec.json.decode(resp.body)
    assert resp.status == 404
    assert body["error"]["code"] == "RESOURCE_NOT_FOUND"
    assert "web-1" in body["error"]["message"] + body["error"]["details"]
    assert body["metadata"]["requestId"] == "dash-2"
    assert resp.headers["allow"] == "GET"


def test_now_iso_follows_the_clock(monkeypatch):
    import time

    for t, want in [
        (1795737600.0, "2026-11-27T00:00:00.000Z"),
        (1795737600.0004, "2026-11-27T00:00:00.000Z"),
        (1795737600.9996, "2026-11-27T00:00:00.999Z"),
        (1795737601.25, "2026-11-27T00:00:01.250Z"),
        (1795737599.5, "2026-11-26T23:59:59.500Z"),
    ]:
        monkeypatch.setattr(time, "time", lambda t=t: t)
        assert envelope.now_iso() == want


def test_ids_made_ahead_are_not_inherited_by_a_forked_worker():
    import os

    first = envelope.new_request_id()  # fills the batch in this process
    assert envelope._ids and first not in envelope._ids
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a worker right after its fork
        try:
            os.write(write, f"{len(envelope._ids)} {envelope.new_request_id()}".encode())
        finally:
            os._exit(0)
    os.close(write)
    left, child_id = os.read(read, 200).decode().split()
    os.waitpid(pid, 0)
    os.close(read)
    assert left == "0"
    assert child_id not in envelope._ids and child_id != first
