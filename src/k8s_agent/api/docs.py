"""``/openapi.json`` generated from the route table and the response Structs (msgspec's JSON Schema), and a
``/docs`` page that renders it without any CDN (plain HTML and a few lines of script)."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from sanic import HTTPResponse, Request

from k8s_agent import __version__
from k8s_agent.api import envelope
from k8s_agent.api.route import Route
from k8s_agent.context import AppContext

_STATUS_TEXT = {
    400: "BAD_REQUEST: a path or query parameter is invalid",
    401: "UNAUTHORIZED: missing or invalid bearer token (AUTH_MODE=token)",
    403: "FORBIDDEN: the caller may not make this read (AUTH_MODE=token)",
    404: "RESOURCE_NOT_FOUND: the object does not exist",
    503: "SERVICE_UNAVAILABLE: the Kubernetes API (or metrics API) cannot answer, or refuses the agent",
    504: "REQUEST_TIMEOUT: the request did not complete within REQUEST_DEADLINE",
    500: "INTERNAL_ERROR: unexpected error (details in the agent's log)",
}


def _success_envelope(name: str, ref: dict) -> dict:
    return {
        "title": f"{name}Envelope",
        "type": "object",
        "required": ["data", "metadata"],
        "properties": {"data": ref, "metadata": {"$ref": "#/components/schemas/Metadata"}},
    }


#: request headers of the polling contract (api.conditional)
_CONDITIONAL_PARAMS = [
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The ETag of the answer the client holds: 304 with no body when the data is unchanged",
        "schema": {"type": "string", "maxLength": 1024},
    },
    {
        "name": "Accept-Encoding",
        "in": "header",
        "required": False,
        "description": "gzip: bodies of 1 KB or more are sent gzip-compressed (compressed once per cache fill)",
        "schema": {"type": "string", "maxLength": 256},
    },
]
_CONDITIONAL_HEADERS = {
    "ETag": {
        "description": "Weak tag of the answer's data (the time of the analysis left out); send it back in "
        "If-None-Match",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "no-cache: a client may keep the answer but revalidates it on every use",
        "schema": {"type": "string", "const": "no-cache"},
    },
    "Vary": {
        "description": "Accept-Encoding, on answers large enough to be compressed",
        "schema": {"type": "string"},
    },
    "Content-Encoding": {
        "description": "gzip when the client accepts it and the body is 1 KB or more",
        "schema": {"type": "string", "enum": ["gzip"]},
    },
}


def build_openapi(routes: tuple[Route, ...]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the given API routes, plus the health endpoints."""
    api = list(routes)
    types = [r.response for r in api] + [envelope.ErrorEnvelope, envelope.Metadata]
    refs, components = msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
    ref_of = dict(zip(types, refs, strict=True))
    error_ref = ref_of[envelope.ErrorEnvelope]
    paths: dict[str, Any] = {}
    for r in api:
        oa_path = "/api/v1" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", r.path)
        name = r.response.__name__
        components[f"{name}Envelope"] = _success_envelope(name, ref_of[r.response])
        params = [
            {
                "name": p.name,
                "in": "path",
                "required": True,
                "description": p.description,
                "schema": p.schema or {"type": "string", "maxLength": 253},
            }
            for p in r.params
        ] + [
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "description": q.description,
                "schema": q.schema,
            }
            for q in r.query
        ]
        params.append(
            {
                "name": "X-Request-ID",
                "in": "header",
                "required": False,
                "description": "Request id to use (echoed back); a UUID4 is generated otherwise",
                "schema": {"type": "string", "maxLength": 128},
            }
        )
        params += _CONDITIONAL_PARAMS
        responses: dict[str, Any] = {
            "200": {
                "description": "OK",
                "headers": {"X-Request-ID": {"schema": {"type": "string"}}, **_CONDITIONAL_HEADERS},
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Envelope"}}},
            },
            "304": {
                "description": "Not Modified: `If-None-Match` matches the current ETag (no body; in token mode only "
                "after the caller is authorized, like a 200)",
                "headers": {
                    "X-Request-ID": {"schema": {"type": "string"}},
                    **{k: v for k, v in _CONDITIONAL_HEADERS.items() if k != "Content-Encoding"},
                },
            },
        }
        codes = set(r.errors) | {401, 403, 500}  # 401/403 only in AUTH_MODE=token
        for code in sorted(codes):
            responses[str(code)] = {
                "description": _STATUS_TEXT.get(code, "error"),
                "content": {"application/json": {"schema": error_ref}},
            }
        op = {
            "operationId": r.name,
            "summary": r.summary,
            "tags": list(r.tags) or ["api"],
            "parameters": params,
            "responses": responses,
        }
        if r.description:
            op["description"] = r.description
        paths[oa_path] = {"get": op}
    for path, (summary, body) in {
        "/healthz": (
            "Liveness: the worker answers",
            {"type": "object", "properties": {"status": {"type": "string"}}},
        ),
        "/readyz": (
            "Readiness: the cluster source is reachable and the agent is not shutting down",
            {"type": "object", "properties": {"status": {"type": "string"}, "reason": {"type": "string"}}},
        ),
    }.items():
        paths[path] = {
            "get": {
                "operationId": path.strip("/"),
                "summary": summary,
                "tags": ["health"],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": body}}},
                    **(
                        {
                            "503": {
                                "description": "Not ready",
                                "content": {"application/json": {"schema": body}},
                            }
                        }
                        if path == "/readyz"
                        else {}
                    ),
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "k8s-cluster-agent",
            "version": __version__,
            "description": "Read-only Kubernetes diagnosis API: why a pod is pending, crashing or unhealthy, and "
            "what a node is doing. Every success is {data, metadata}; every error is {error, metadata}.",
        },
        "paths": paths,
        "components": {"schemas": components},
    }


_DOCS_HTML = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>k8s-cluster-agent API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}pre{padding:.6rem;overflow:auto}
h2{border-bottom:1px solid #ddd;margin-top:2rem}.m{font-weight:bold;color:#0a6}.p{font-family:monospace}</style>
</head><body><h1>k8s-cluster-agent API</h1>
<p>The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<div id="ops">Loading&hellip;</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const out=[];
  for(const [path,item] of Object.entries(doc.paths)){
    for(const [m,op] of Object.entries(item)){
      const ps=(op.parameters||[]).map(p=>`<li><code>${p.name}</code> (${p.in}) ${p.description||''}</li>`).join('');
      const rs=Object.entries(op.responses).map(([c,r])=>`<li><code>${c}</code> ${r.description}</li>`).join('');
      out.push(`<h2><span class="m">${m.toUpperCase()}</span> <span class="p">${path}</span></h2><p>${op.summary||''}</p>`+
               (ps?`<h4>Parameters</h4><ul>${ps}</ul>`:'')+`<h4>Responses</h4><ul>${rs}</ul>`);
    }
  }
  document.getElementById('ops').innerHTML=out.join('');
});
</script></body></html>"""


async def openapi(request: Request) -> HTTPResponse:
    ctx: AppContext = request.app.ctx.agent
    if ctx.openapi is None:
        ctx.openapi = msgspec.json.encode(build_openapi(ctx.routes))
    return HTTPResponse(ctx.openapi, content_type="application/json")


async def docs(request: Request) -> HTTPResponse:
    return HTTPResponse(_DOCS_HTML, content_type="text/html; charset=utf-8")
