"""Delegated authentication and authorization (AUTH_MODE=token), the way metrics-server and kube-rbac-proxy
do it: the caller presents its own bearer token; the agent asks the API server who it is (TokenReview) and
whether it may make the read the endpoint makes (SubjectAccessReview).

Decisions are cached per process for AUTH_CACHE_TTL, keyed by a SHA-256 of the token (never the token),
with single-flight, so a polling dashboard costs about one review per TTL. A review the API server cannot
answer is a 503, never an allow.

Bounded against a flood of bogus tokens: tokens the API server rejected are remembered briefly in a cache of
their own (so they can't evict the decisions of valid callers), and reviews are limited per worker (a few at a
time, and a budget per second beyond which a new token gets 503 with Retry-After without a review). A token
that is not printable ASCII is a 401 without a review.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from cachetools import TTLCache

from k8s_agent.errors import Forbidden, ServiceUnavailable, Unauthorized
from k8s_agent.kube.cache import SingleFlightCache
from k8s_agent.tuning import REJECTED_MAX, REJECTED_TTL, REVIEW_CONCURRENCY, REVIEWS_PER_SECOND

#: a bearer token: printable ASCII, no spaces (RFC 6750 b64token is a subset), bounded length
_TOKEN = re.compile(r"[\x21-\x7e]{1,16384}")

T = TypeVar("T")


class UserInfo(msgspec.Struct, rename="camel", omit_defaults=True):
    username: str = ""
    uid: str = ""
    groups: list[str] = []
    extra: dict[str, list[str]] = {}


class _TokenReviewStatus(msgspec.Struct, rename="camel"):
    authenticated: bool = False
    user: UserInfo = msgspec.field(default_factory=UserInfo)
    error: str = ""


class _TokenReview(msgspec.Struct):
    status: _TokenReviewStatus = msgspec.field(default_factory=_TokenReviewStatus)


class _SARStatus(msgspec.Struct):
    allowed: bool = False
    denied: bool = False
    reason: str = ""
    evaluationError: str = ""  # noqa: N815 - wire name


class _SAR(msgspec.Struct):
    status: _SARStatus = msgspec.field(default_factory=_SARStatus)


_TR = msgspec.json.Decoder(_TokenReview)
_SR = msgspec.json.Decoder(_SAR)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized(details="missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(details="the Authorization header must be 'Bearer <token>'")
    if _TOKEN.fullmatch(token) is None:  # e.g. bytes >= 0x80 (surrogate-escaped by the HTTP parser)
        raise Unauthorized("Invalid token", "a bearer token is printable ASCII without spaces")
    return token


class ReviewLimiter:
    """At most ``concurrency`` reviews at a time and ``rate`` per second (burst ``rate``) per worker; beyond
    either, 503 with Retry-After at once, without a review. Callers whose decision is cached never get here."""

    def __init__(
        self,
        concurrency: int = REVIEW_CONCURRENCY,
        rate: float = REVIEWS_PER_SECOND,
        timer: Callable[[], float] | None = None,
    ) -> None:
        self.concurrency = concurrency
        self.in_flight = 0
        self.rate = rate
        self._timer = timer or time.monotonic
        self._tokens = rate
        self._at = self._timer()
        self.refused = 0

    def _take(self) -> None:
        now = self._timer()
        self._tokens = min(self.rate, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1.0 or self.in_flight >= self.concurrency:
            self.refused += 1
            exc = ServiceUnavailable(
                "Too many token reviews",
                f"this worker makes at most {self.concurrency} reviews at a time and {self.rate:g} per "
                "second; retry shortly",
            )
            exc.retry_after = 1.0
            raise exc
        self._tokens -= 1.0

    async def run(self, review: Callable[[], Awaitable[T]]) -> T:
        self._take()
        self.in_flight += 1
        try:
            return await review()
        finally:
            self.in_flight -= 1


class Authorizer:
    def __init__(self, api: Any, *, ttl: float, maxsize: int = 1024) -> None:
        if not hasattr(api, "post_json"):
            raise ServiceUnavailable(
                "AUTH_MODE=token needs the live Kubernetes API",
                "token reviews cannot be made against a snapshot; use AUTH_MODE=none with a snapshot",
            )
        self.api = api
        # decisions about authenticated callers; tokens the API server rejected live in their own, short-lived
        # cache, so a flood of bogus tokens can neither cost a review per request nor evict valid decisions
        self.cache = SingleFlightCache("auth", maxsize=maxsize, ttl=ttl, negative_ttl=0)
        self.rejected: TTLCache = TTLCache(REJECTED_MAX, min(ttl, REJECTED_TTL) or REJECTED_TTL)
        self.limiter = ReviewLimiter()

    async def _user(self, request: Any) -> tuple[str, UserInfo]:
        token = bearer_token(request.headers.get("authorization"))
        key = token_hash(token)
        if key in self.rejected:
            raise Unauthorized("Invalid token", "the API server did not authenticate this bearer token")
        try:
            user: UserInfo = await self.cache.get(
                ("user", key), lambda: self.limiter.run(lambda: self._token_review(token))
            )
        except Unauthorized:
            self.rejected[key] = True
            raise
        return key, user

    async def _allowed(
        self, key: str, user: UserInfo, verb: str, resource: str, group: str, namespace: str
    ) -> tuple[bool, str]:
        return await self.cache.get(
            ("sar", key, verb, group, resource, namespace),
            lambda: self.limiter.run(lambda: self._access_review(user, verb, group, resource, namespace)),
        )

    async def may(self, request: Any, verb: str, resource: str, group: str = "", namespace: str = "") -> bool:
        """Whether the caller (already authorized for its route) may ``verb resource``."""
        key, user = await self._user(request)
        allowed, _reason = await self._allowed(key, user, verb, resource, group, namespace)
        return allowed

    async def authorize(self, request: Any, route: Any, params: dict[str, str]) -> UserInfo:
        key, user = await self._user(request)
        verb, resource, group, ns_param = route.permission
        namespace = params.get(ns_param, "") if ns_param else ""
        allowed, reason = await self._allowed(key, user, verb, resource, group, namespace)
        if not allowed:
            scope = f"in namespace '{namespace}'" if namespace else "cluster-wide"
            res = f"{resource}.{group}" if group else resource
            raise Forbidden(
                details=f"user '{user.username}' may not {verb} {res} {scope}"
                + (f": {reason}" if reason else "")
            )
        return user

    async def _token_review(self, token: str) -> UserInfo:
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
        raw = await self.api.post_json(
            "/apis/authentication.k8s.io/v1/tokenreviews", body, what="create tokenreviews"
        )
        review = _TR.decode(raw)
        if not review.status.authenticated or not review.status.user.username:
            # raised, so the decision cache never holds it (the rejection is remembered by _user)
            raise Unauthorized("Invalid token", "the API server did not authenticate this bearer token")
        return review.status.user

    async def _access_review(
        self, user: UserInfo, verb: str, group: str, resource: str, namespace: str
    ) -> tuple[bool, str]:
        attrs = {"verb": verb, "group": group, "resource": resource}
        if namespace:
            attrs["namespace"] = namespace
        spec: dict[str, Any] = {"user": user.username, "groups": user.groups, "resourceAttributes": attrs}
        if user.uid:
            spec["uid"] = user.uid
        if user.extra:
            spec["extra"] = user.extra
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}
        raw = await self.api.post_json(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews", body, what="create subjectaccessreviews"
        )
        st = _SR.decode(raw).status
        return st.allowed and not st.denied, st.reason or st.evaluationError


# ------------------------------------------------------------------------------------------ node detail
NODE_DETAIL_WITHHELD = (
    "node detail withheld: the caller may not get nodes, so this answer names no node other than the pod's "
    "own and shows nothing of the cluster's nodes (ask for get on nodes to see them)"
)


class NodeDetailWithheld(ServiceUnavailable):
    default_message = "Node detail withheld"


class NodeFreeSource:
    """A source that shows no node: what a pod-level answer is computed from for a caller who may not read
    nodes (token mode). Node lists and node metrics are withheld, node events read as none, and the cluster
    index (nodes and their pods) is hidden; every other read is the underlying source's."""

    index = None

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.description = inner.description

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def list_nodes(self) -> Any:
        raise NodeDetailWithheld(details="the caller may not get nodes")

    async def get_node(self, name: str) -> Any:
        raise NodeDetailWithheld(details="the caller may not get nodes")

    async def list_node_metrics(self) -> Any:
        raise NodeDetailWithheld(details="the caller may not get nodes")

    async def get_node_metrics(self, name: str) -> Any:
        raise NodeDetailWithheld(details="the caller may not get nodes")

    async def list_events(self, namespace: str | None = None, *, field_selector: str = "") -> Any:
        if "involvedObject.kind=Node" in field_selector:
            return []
        return await self._inner.list_events(namespace, field_selector=field_selector)


def withhold_node_detail(result: Any) -> Any:
    """Say in the answer (its ``notes``, else its ``warnings``) why it shows no node."""
    notes = getattr(result, "notes", None)
    if notes is None:
        notes = getattr(result, "warnings", None)
    if notes is not None:
        notes.append(NODE_DETAIL_WITHHELD)
    return result
