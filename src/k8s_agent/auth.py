"""Delegated authentication and authorization (AUTH_MODE=token), the way metrics-server and kube-rbac-proxy
do it: the caller presents its own bearer token; the agent asks the API server who it is (TokenReview) and
whether it may make the read the endpoint makes (SubjectAccessReview).

Decisions are cached per process for AUTH_CACHE_TTL, keyed by a SHA-256 of the token (never the token),
with single-flight, so a polling dashboard costs about one review per TTL. A review the API server cannot
answer is a 503, never an allow.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from k8s_agent.errors import Forbidden, ServiceUnavailable, Unauthorized
from k8s_agent.kube.cache import SingleFlightCache


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
_UNAUTHENTICATED = UserInfo(username="")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized(details="missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(details="the Authorization header must be 'Bearer <token>'")
    return token.strip()


class Authorizer:
    def __init__(self, api: Any, *, ttl: float, maxsize: int = 1024) -> None:
        if not hasattr(api, "post_json"):
            raise ServiceUnavailable(
                "AUTH_MODE=token needs the live Kubernetes API",
                "token reviews cannot be made against a snapshot; use AUTH_MODE=none with a snapshot",
            )
        self.api = api
        # failed authentications are cached too (as a value): a bad token must not cost a review per request
        self.cache = SingleFlightCache("auth", maxsize=maxsize, ttl=ttl, negative_ttl=0)

    async def authorize(self, request: Any, route: Any, params: dict[str, str]) -> UserInfo:
        token = bearer_token(request.headers.get("authorization"))
        key = token_hash(token)
        user: UserInfo = await self.cache.get(("user", key), lambda: self._token_review(token))
        if not user.username:
            raise Unauthorized("Invalid token", "the API server did not authenticate this bearer token")
        verb, resource, group, ns_param = route.permission
        namespace = params.get(ns_param, "") if ns_param else ""
        allowed, reason = await self.cache.get(
            ("sar", key, verb, group, resource, namespace),
            lambda: self._access_review(user, verb, group, resource, namespace),
        )
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
        if not review.status.authenticated:
            return _UNAUTHENTICATED
        return review.status.user

    async def _access_review(self, user: UserInfo, verb: str, group: str, resource: str, namespace: str):
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
