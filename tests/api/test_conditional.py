"""Conditional requests and compression over HTTP: the whole app over the live source against the fake
Kubernetes API (tests/fakeapi.py), whose objects the tests change.

ETags are stable while the data is unchanged (across cache refills, since the time of the analysis is not
part of them) and change when the cluster does; a matching If-None-Match gets a body-less 304 with the
headers a 200 would have; gzip is sent when Accept-Encoding allows it and the body is large enough, and
decompresses to the very bytes of the plain answer; in token mode a 304 needs the same authorization as a
200.
"""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest
from _support import live_client, spin
from sanic_testing.reusable import ReusableClient

from builders import api_pod
from fakeapi import FakeKubeAPI, builtin_cluster, builtin_fake
from k8s_agent.api import conditional

TTL = 0.5
DESCRIBE = "/api/v1/pods/demo/api-crashloop/describe"  # well over 1 KB
ISSUES = "/api/v1/cluster/pod-issues"  # carries analysisTime, which changes on every computation
RESOURCES = "/api/v1/pods/demo/api-crashloop/resources"
DASHBOARD, OTHER = "dashboard-token-1", "other-token-2"


SETTINGS = {"CACHE_TTL": f"{TTL}s", "REQUEST_DEADLINE": "2s"}


@pytest.fixture(scope="module")
def fake():
    with builtin_fake(api_pod("changing", "demo", node="node-b")) as f:
        yield f


@pytest.fixture(scope="module")
def client(fake, tmp_path_factory):
    with live_client(fake, tmp_path_factory.mktemp("kube"), "k8s-agent-conditional", **SETTINGS) as c:
        for _ in range(200):  # past the cluster index's first sync (cluster-wide answers are 503 until then)
            if c.get(ISSUES)[1].status == 200:
                break
            spin(c, 0.05)
        yield c


def get(client: ReusableClient, path: str, **headers: str):
    headers.setdefault("Accept-Encoding", "identity")
    _, resp = client.get(path, headers=headers)
    return resp


def untimed(body: bytes) -> bytes:
    """The envelope's data as the ETag sees it (without the relative times the clock alone moves)."""
    data = body[: body.rindex(b',"metadata":')]
    return conditional._untimed(data)


def past_ttl(client: ReusableClient) -> None:
    """Let the response cache's entries expire (the server's loop runs only during requests)."""
    client._loop.run_until_complete(asyncio.sleep(TTL * 1.5))


# ------------------------------------------------------------------------------------------ ETag
def test_etag_stable_while_data_unchanged_and_new_after_a_change(client, fake):
    first = get(client, "/api/v1/pods/demo/changing/describe")
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and etag.endswith('"') and len(etag) > 10
    assert first.headers["cache-control"] == "no-cache"
    again = get(client, "/api/v1/pods/demo/changing/describe")
    assert again.headers["etag"] == etag  # the same cached data
    assert again.json["metadata"]["requestId"] != first.json["metadata"]["requestId"]
    past_ttl(client)
    refilled = get(client, "/api/v1/pods/demo/changing/describe")
    assert refilled.headers["etag"] == etag  # computed again, from an unchanged pod: same tag

    fake.add(api_pod("changing", "demo", node="node-b", restarts=3, image="nginx:1.28"))
    cached = get(client, "/api/v1/pods/demo/changing/describe")
    assert cached.headers["etag"] == etag  # within the TTL the cached answer stands
    past_ttl(client)
    changed = get(client, "/api/v1/pods/demo/changing/describe")
    assert changed.headers["etag"] != etag
    assert changed.json["data"]["containers"][0]["image"] == "nginx:1.28"


def test_the_time_of_the_analysis_is_not_part_of_the_etag(client):
    # the Deployment pods only: the bare crash-looping pod's RESTARTS column ("7 (5m57s ago)", kubectl's)
    # legitimately changes every second, and with it the data and its ETag
    issues = ISSUES + "?ownerKinds=Deployment"
    first = get(client, issues)
    # an answer made in another second (the answer is refreshed in the background every TTL: poll until a
    # refresh made in a later second is served; a bound on correctness, not a timing)
    for _ in range(50):
        client._loop.run_until_complete(asyncio.sleep(0.1))
        second = get(client, issues)
        if second.json["data"]["analysisTime"] != first.json["data"]["analysisTime"]:
            break
    assert first.json["data"]["analysisTime"] != second.json["data"]["analysisTime"]
    assert first.headers["etag"] == second.headers["etag"]
    assert {**first.json["data"], "analysisTime": ""} == {**second.json["data"], "analysisTime": ""}


# ------------------------------------------------------------------------------------------ 304
def test_304_on_a_match_200_on_a_mismatch(client):
    ok = get(client, DESCRIBE)
    etag = ok.headers["etag"]
    opaque = etag[2:]
    for if_none_match in (etag, opaque, f'W/"nope", {etag}', "*"):  # exact, strong form, a list, any
        resp = get(client, DESCRIBE, **{"If-None-Match": if_none_match, "X-Request-ID": "poll-304"})
        assert resp.status_code == 304, if_none_match
        assert resp.content == b""
        assert resp.headers["etag"] == etag
        assert resp.headers["x-request-id"] == "poll-304"
        assert resp.headers["cache-control"] == "no-cache"
        assert resp.headers["vary"] == "Accept-Encoding"  # as the 200 would say
        assert "content-type" not in resp.headers and "content-encoding" not in resp.headers
    for if_none_match in ('W/"0123456789abcdef01234567"', '"other", W/"more"', etag[:-2] + '"'):
        resp = get(client, DESCRIBE, **{"If-None-Match": if_none_match})
        assert resp.status_code == 200, if_none_match
        assert resp.headers["etag"] == etag
        # the same data; the cache may have been refilled since `ok` (TTL 0.5 s, a busy host), and then the
        # relative time of the last restart ("14 (2m9s ago)") has moved on: the ETag leaves it out, so here too
        assert untimed(resp.content) == untimed(ok.content)


def test_a_match_for_another_answer_is_not_a_304(client):
    etag = get(client, DESCRIBE).headers["etag"]
    other = get(client, "/api/v1/pods/demo/changing/describe", **{"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_errors_carry_no_etag(client):
    resp = get(client, "/api/v1/pods/demo/ghost/describe", **{"If-None-Match": "*"})
    assert resp.status_code == 404
    assert "etag" not in resp.headers


def test_a_304_after_the_data_changed_becomes_a_200(client, fake):
    path = "/api/v1/pods/demo/changing/resources"
    fake.add(api_pod("changing", "demo", node="node-b", cpu="100m"))
    past_ttl(client)
    etag = get(client, path).headers["etag"]
    assert get(client, path, **{"If-None-Match": etag}).status_code == 304
    fake.add(api_pod("changing", "demo", node="node-b", cpu="250m"))
    past_ttl(client)
    resp = get(client, path, **{"If-None-Match": etag})
    assert resp.status_code == 200 and resp.headers["etag"] != etag
    assert resp.json["data"]["containers"][0]["requests"]["cpu"] == "250m"


# ------------------------------------------------------------------------------------------ compression
def test_gzip_when_accepted_and_it_decodes_to_the_plain_answer(client):
    plain = get(client, DESCRIBE, **{"X-Request-ID": "same-id"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    for accept in ("gzip", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8", "*"):
        packed = get(client, DESCRIBE, **{"X-Request-ID": "same-id", "Accept-Encoding": accept})
        assert packed.headers["content-encoding"] == "gzip", accept
        assert packed.headers["vary"] == "Accept-Encoding"
        assert packed.headers["etag"] == plain.headers["etag"]
        # the client decoded the gzip stream (httpx over zlib); what was sent is the smaller, compressed one
        assert int(packed.headers["content-length"]) < len(packed.content) / 2
        ts_plain = plain.json["metadata"]["timestamp"].encode()
        ts_packed = packed.json["metadata"]["timestamp"].encode()
        assert packed.content == plain.content.replace(ts_plain, ts_packed)


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "*;q=0", "br", "deflate;q=1, gzip;q=0.0"])
def test_no_gzip_when_not_accepted(client, accept):
    resp = get(client, DESCRIBE, **{"Accept-Encoding": accept})
    assert resp.status_code == 200
    assert "content-encoding" not in resp.headers
    assert int(resp.headers["content-length"]) == len(resp.content)
    assert resp.headers["vary"] == "Accept-Encoding"


def test_small_answers_are_not_compressed_and_do_not_vary(client):
    resp = get(client, RESOURCES, **{"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert int(resp.headers["content-length"]) < conditional.COMPRESS_MIN_BYTES
    assert "content-encoding" not in resp.headers and "vary" not in resp.headers
    assert resp.headers["etag"].startswith('W/"')


def test_spliced_gzip_member_is_exactly_the_plain_body():
    """At the byte level, for tails of every size a request id allows: one gzip member, a valid CRC and
    length (zlib checks both), and exactly the plain envelope's bytes."""
    data = (
        b'{"pods":['
        + b",".join(b'{"name":"pod-%05d","restarts":%d}' % (i, i % 7) for i in range(400))
        + b"]}"
    )
    payload = conditional.Payload(data, 'W/"x"')
    assert payload.gzip_head is not None
    for rid in ("r", "a" * 128, "0b6f4c1e-8f3e-4d1a-9c7b-2f5e6d7c8b9a"):
        tail = payload.tail(rid, "2026-11-27T00:05:01.123Z")
        body = payload.body(tail)
        assert body == b'{"data":' + data + b',"metadata":{"requestId":"' + rid.encode() + (
            b'","timestamp":"2026-11-27T00:05:01.123Z"}}'
        )
        packed = payload.gzip_body(tail)
        assert gzip.decompress(packed) == body
        stream = zlib.decompressobj(wbits=31)  # exactly one member, nothing after it
        assert stream.decompress(packed) == body and stream.eof and stream.unused_data == b""
        assert len(packed) < len(body) / 3


@pytest.mark.parametrize(
    "value, expected",
    [
        ("gzip", True),
        ("deflate, gzip", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0.5", True),
        ("GZIP;Q=1", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("*;q=0", False),
        ("br;q=1, *;q=0.1", True),
        ("br;q=1, *;q=0", False),
        ("br, deflate", False),
        ("identity", False),
        ("", False),
        ("gzip;q=bogus", False),
    ],
)
def test_accept_encoding_parsing(value, expected):
    assert conditional.accepts_gzip(value) is expected


# ------------------------------------------------------------------------------------------ token mode
@pytest.fixture(scope="module")
def token_client(tmp_path_factory):
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        f.add_user(DASHBOARD, "system:serviceaccount:mon:dashboard", ("system:serviceaccounts",))
        f.add_user(OTHER, "jane")
        f.allow("system:serviceaccount:mon:dashboard", "get", "pods", "demo")
        tmp = tmp_path_factory.mktemp("kube-token")
        settings = {**SETTINGS, "AUTH_MODE": "token", "CACHE_TTL": "60s"}
        with live_client(f, tmp, "k8s-agent-conditional-token", **settings) as c:
            yield c


def test_token_mode_never_answers_304_to_an_unauthorized_caller(token_client):
    ok = get(token_client, DESCRIBE, Authorization=f"Bearer {DASHBOARD}")
    assert ok.status_code == 200, ok.text
    etag = ok.headers["etag"]
    # the answer is cached and the tag is right: only the authorization differs
    assert (
        get(
            token_client, DESCRIBE, Authorization=f"Bearer {DASHBOARD}", **{"If-None-Match": etag}
        ).status_code
        == 304
    )
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer not-a-real-token"}, 401),
        ({"Authorization": f"Bearer {OTHER}"}, 403),
    ):
        for if_none_match in (etag, "*"):
            resp = get(token_client, DESCRIBE, **headers, **{"If-None-Match": if_none_match})
            assert resp.status_code == status, (headers, if_none_match)
            assert "etag" not in resp.headers
            assert resp.json["error"]["code"] in ("UNAUTHORIZED", "FORBIDDEN")


# ------------------------------------------------------------------------------------------ query routes
def test_a_validated_query_string_is_answered_from_the_cache_and_the_memory_of_them_is_bounded(client, fake):
    from k8s_agent.tuning import MAX_QUERY_ALIASES

    handler = client.app.router.name_index[f"{client.app.name}.cluster_pod_issues"].handler
    first = get(client, ISSUES + "?severity=critical")
    assert first.status_code == 200
    assert ("severity=critical",) in handler.validated_queries
    fake.reset_log()
    again = get(client, ISSUES + "?severity=critical", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]
    assert not fake.caused_requests  # answered from the response cache
    # the same filter spelled differently is validated, then shares the cached answer (one key)
    other = get(client, ISSUES + "?severity=critical&limit=100")
    assert other.headers["etag"] == first.headers["etag"]
    # a bad string is never remembered: 400 each time
    for _ in range(2):
        assert get(client, ISSUES + "?limit=0").status_code == 400
    assert ("limit=0",) not in handler.validated_queries
    # strings a client can vary at will cost their validation, never memory
    for i in range(MAX_QUERY_ALIASES + 20):
        assert get(client, ISSUES + f"?limit={1 + i % 50}&n={i}").status_code == 200
    assert 0 < len(handler.validated_queries) <= MAX_QUERY_ALIASES
