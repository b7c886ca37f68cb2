"""The agent's error family: one type per failure a user can act on, and the only place that maps an error
to an HTTP status and an error code."""

from __future__ import annotations


class AgentError(Exception):
    status: int = 500
    code: str = "INTERNAL_ERROR"
    default_message: str = "Internal server error"
    #: seconds after which a retry may succeed (sent as ``Retry-After``); None: no such hint
    retry_after: float | None = None

    def __init__(self, message: str | None = None, details: str = "") -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(f"{self.message}: {details}" if details else self.message)


class BadRequest(AgentError):
    status, code, default_message = 400, "BAD_REQUEST", "Invalid request"


class Unauthorized(AgentError):
    status, code, default_message = 401, "UNAUTHORIZED", "Authentication required"


class Forbidden(AgentError):
    status, code, default_message = 403, "FORBIDDEN", "Access denied"


class NotFound(AgentError):
    """The object asked for does not exist (upstream 404)."""

    status, code, default_message = 404, "RESOURCE_NOT_FOUND", "Resource not found"

    def __init__(
        self, kind: str = "Resource", name: str = "", namespace: str = "", details: str = ""
    ) -> None:
        self.kind, self.name, self.namespace = kind, name, namespace
        if not details and name:
            where = f" in namespace '{namespace}'" if namespace else ""
            details = f"{kind} '{name}' not found{where}"
        super().__init__(f"{kind} not found", details)


class RouteNotFound(AgentError):
    status, code, default_message = 404, "RESOURCE_NOT_FOUND", "Route not found"


class MethodNotAllowed(AgentError):
    status, code, default_message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class ServiceUnavailable(AgentError):
    """The Kubernetes API (or metrics API) cannot answer: unreachable, 5xx, or refusing the agent."""

    status, code, default_message = 503, "SERVICE_UNAVAILABLE", "Kubernetes API unavailable"


class UpstreamForbidden(ServiceUnavailable):
    """The API server refused the agent's own credentials (401/403): a deployment problem, not the caller's."""

    default_message = "Kubernetes API refused the agent's request"


class MetricsUnavailable(ServiceUnavailable):
    default_message = "Metrics server not available"


class DeadlineExceeded(AgentError):
    status, code, default_message = 504, "REQUEST_TIMEOUT", "Request timeout"


class InternalError(AgentError):
    pass
