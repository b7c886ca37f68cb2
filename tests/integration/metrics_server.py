"""A tiny metrics.k8s.io server, registered with the REAL kube-apiserver aggregation layer.

What it serves (HTTPS, a serving cert signed by a CA this module makes, given to the APIService as
``caBundle``):

* ``/apis/metrics.k8s.io/v1beta1`` - the APIResourceList discovery document (``nodes``, ``pods``);
* ``/apis/metrics.k8s.io/v1beta1/nodes`` and ``/nodes/{name}`` - NodeMetrics as metrics-server writes them
  (cpu in nanocores ``"123456789n"``, memory in ``Ki``); a node without a sample gets metrics-server's 404
  Status ``nodemetrics.metrics.k8s.io "x" not found``;
* ``/apis/metrics.k8s.io/v1beta1/pods`` and ``/namespaces/{ns}/pods`` - an empty PodMetricsList;
* anything else: a 404 Status (``/apis`` included, so the aggregator's discovery falls back to the
  per-version document, as it does for a real metrics-server of an older release).

How it is reached: an ``APIService`` ``v1beta1.metrics.k8s.io`` whose ``spec.service`` names a Service of type
``ExternalName`` with ``externalName: 127.0.0.1``. The aggregator (default cluster routing, no extra apiserver
flag) resolves an ExternalName Service to ``externalName:<spec.service.port>``, so it dials this server on
loopback. A Service without selector plus Endpoints/EndpointSlice would be the usual way, but the API server
rejects loopback addresses in Endpoints ("may not be in the loopback range"), and nothing else is reachable
here. The aggregator verifies the serving cert against ``caBundle`` for the name
``<service>.<namespace>.svc`` and presents its front-proxy client certificate (``--proxy-client-cert-file``,
already set by the control-plane fixture) with ``X-Remote-User``/``X-Remote-Group`` headers naming the
caller; the server records both, so a test can prove a request came through the aggregation layer and as
whom.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import ipaddress
import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from controlplane import ApiError, CertAuthority, ControlPlane, wait_for

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
APISERVICE = f"{VERSION}.{GROUP}"
PREFIX = f"/apis/{GROUP}/{VERSION}"

DISCOVERY = {
    "kind": "APIResourceList",
    "apiVersion": "v1",
    "groupVersion": f"{GROUP}/{VERSION}",
    "resources": [
        {
            "name": "nodes",
            "singularName": "",
            "namespaced": False,
            "kind": "NodeMetrics",
            "verbs": ["get", "list"],
        },
        {
            "name": "pods",
            "singularName": "",
            "namespaced": True,
            "kind": "PodMetrics",
            "verbs": ["get", "list"],
        },
    ],
}


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def not_found_status(resource: str, name: str) -> dict:
    """metrics-server's answer for an object it has no sample of (a NotFound Status)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'{resource}.{GROUP} "{name}" not found',
        "reason": "NotFound",
        "details": {"name": name, "group": GROUP, "kind": resource},
        "code": 404,
    }


@dataclass
class SeenRequest:
    path: str
    remote_user: str
    remote_groups: list[str]
    client_cn: str  # subject CN of the TLS client certificate ("" when none was presented)


@dataclass
class MetricsServer:
    """The server; ``node_samples`` (node -> {"cpu": "...n", "memory": "...Ki"}) is read on every request,
    so a test can change it while the server runs."""

    workdir: Path
    service: str = "metrics-server"
    namespace: str = "e2e-metrics"
    client_ca_file: str | None = None  # verify the aggregator's front-proxy client cert against this CA
    window: str = "20.029s"
    node_samples: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    ca_pem: bytes = b""
    port: int = 0
    _httpd: ThreadingHTTPServer | None = None
    _conns: set = field(default_factory=set)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def server_name(self) -> str:
        return f"{self.service}.{self.namespace}.svc"

    @property
    def ca_bundle(self) -> str:
        return base64.b64encode(self.ca_pem).decode()

    # ------------------------------------------------------------------ PKI
    def _make_certs(self) -> tuple[Path, Path]:
        from cryptography import x509
        from cryptography.x509.oid import ExtendedKeyUsageOID

        d = self.workdir
        d.mkdir(parents=True, exist_ok=True)
        ca = CertAuthority("e2e-metrics-server-ca")
        self.ca_pem = ca.pem
        (d / "ca.crt").write_bytes(self.ca_pem)
        sans = [
            x509.DNSName(self.server_name),
            x509.DNSName(f"{self.server_name}.cluster.local"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
        return ca.issue(d / "serving", self.server_name, ExtendedKeyUsageOID.SERVER_AUTH, sans)

    # ------------------------------------------------------------------ responses
    def node_metrics(self, name: str, sample: dict[str, str]) -> dict:
        ts = _now()
        return {
            "kind": "NodeMetrics",
            "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": {
                "name": name,
                "creationTimestamp": ts,
                "labels": {"kubernetes.io/hostname": name},
            },
            "timestamp": sample.get("timestamp", ts),
            "window": sample.get("window", self.window),
            "usage": {"cpu": sample["cpu"], "memory": sample["memory"]},
        }

    def answer(self, path: str) -> tuple[int, dict]:
        path = path.split("?", 1)[0].rstrip("/")
        with self._lock:
            samples = dict(self.node_samples)
        if path == PREFIX:
            return 200, DISCOVERY
        if path == "/openapi/v2":  # the aggregator merges it into the API server's own document
            return 200, {
                "swagger": "2.0",
                "info": {"title": "e2e-metrics-server", "version": "v0.0.0"},
                "paths": {},
            }
        if path == "/openapi/v3":
            return 200, {"paths": {}}
        if path == f"{PREFIX}/nodes":
            items = [self.node_metrics(n, s) for n, s in sorted(samples.items())]
            return 200, {
                "kind": "NodeMetricsList",
                "apiVersion": f"{GROUP}/{VERSION}",
                "metadata": {},
                "items": items,
            }
        m = re.fullmatch(re.escape(PREFIX) + r"/nodes/([^/]+)", path)
        if m:
            name = m[1]
            if name in samples:
                return 200, self.node_metrics(name, samples[name])
            return 404, not_found_status("nodemetrics", name)
        if path == f"{PREFIX}/pods" or re.fullmatch(re.escape(PREFIX) + r"/namespaces/[^/]+/pods", path):
            return 200, {
                "kind": "PodMetricsList",
                "apiVersion": f"{GROUP}/{VERSION}",
                "metadata": {},
                "items": [],
            }
        m = re.fullmatch(re.escape(PREFIX) + r"/namespaces/[^/]+/pods/([^/]+)", path)
        if m:
            return 404, not_found_status("podmetrics", m[1])
        return 404, {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "the server could not find the requested resource",
            "reason": "NotFound",
            "code": 404,
        }

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> MetricsServer:
        cert_file, key_file = self._make_certs()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(cert_file), str(key_file))
        if self.client_ca_file:
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(self.client_ca_file)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                cn = ""
                peer = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
                for rdn in (peer or {}).get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            cn = v
                groups = [g for g in self.headers.get_all("X-Remote-Group") or []]
                with server._lock:
                    server.requests.append(
                        SeenRequest(
                            path=self.path,
                            remote_user=self.headers.get("X-Remote-User", ""),
                            remote_groups=groups,
                            client_cn=cn,
                        )
                    )
                status, body = server.answer(self.path)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                sock, addr = super().get_request()
                sock.settimeout(10)
                try:
                    tls = ctx.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    sock.close()
                    raise
                with server._lock:
                    server._conns.add(tls)
                return tls, addr

            def shutdown_request(self, request) -> None:
                with server._lock:
                    server._conns.discard(request)
                super().shutdown_request(request)

            def handle_error(self, request, client_address) -> None:  # a client that hung up: not our test
                pass

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="metrics-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting and drop the open (keep-alive) connections, so the API server sees it gone."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                c.close()

    def set_samples(self, samples: dict[str, dict[str, str]]) -> None:
        with self._lock:
            self.node_samples = dict(samples)

    def seen(self, path_part: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if path_part in r.path]

    # ------------------------------------------------------------------ registration
    def apiservice(self) -> dict:
        return {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": APISERVICE, "labels": {"k8s-app": "metrics-server"}},
            "spec": {
                "group": GROUP,
                "version": VERSION,
                "service": {"namespace": self.namespace, "name": self.service, "port": self.port},
                "caBundle": self.ca_bundle,
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
                "insecureSkipTLSVerify": False,
            },
        }

    def register(self, cp: ControlPlane, timeout: float = 30) -> dict:
        """Create the namespace, the ExternalName Service and the APIService; wait until the aggregator
        reports it Available and a discovery read through the API server succeeds."""
        cp.create_namespace(self.namespace)
        svc = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": self.service,
                "namespace": self.namespace,
                "labels": {"k8s-app": "metrics-server"},
            },
            "spec": {"type": "ExternalName", "externalName": "127.0.0.1"},
        }
        try:
            cp.api("POST", f"/api/v1/namespaces/{self.namespace}/services", svc)
        except ApiError as e:
            if e.status != 409:
                raise
        try:
            cp.api("POST", "/apis/apiregistration.k8s.io/v1/apiservices", self.apiservice())
        except ApiError as e:
            if e.status != 409:
                raise
            cur = cp.api("GET", f"/apis/apiregistration.k8s.io/v1/apiservices/{APISERVICE}")
            body = self.apiservice()
            body["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
            cp.api("PUT", f"/apis/apiregistration.k8s.io/v1/apiservices/{APISERVICE}", body)
        return self.wait_available(cp, timeout)

    def wait_available(self, cp: ControlPlane, timeout: float = 30) -> dict:
        def available():
            obj = cp.api("GET", f"/apis/apiregistration.k8s.io/v1/apiservices/{APISERVICE}")
            conds = {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}
            if conds.get("Available", {}).get("status") != "True":
                return None
            cp.api("GET", PREFIX)  # the proxy path is installed too
            return obj

        try:
            return wait_for(available, timeout, 0.2, "APIService v1beta1.metrics.k8s.io to be Available")
        except TimeoutError as e:
            obj = cp.api("GET", f"/apis/apiregistration.k8s.io/v1/apiservices/{APISERVICE}")
            raise TimeoutError(f"{e}; status: {json.dumps(obj.get('status'))}") from None

    def unregister(self, cp: ControlPlane, timeout: float = 15) -> None:
        """Delete the APIService and wait until the API server no longer serves the group."""
        try:
            cp.api("DELETE", f"/apis/apiregistration.k8s.io/v1/apiservices/{APISERVICE}")
        except ApiError as e:
            if e.status != 404:
                raise

        def gone() -> bool:
            try:
                cp.api("GET", f"{PREFIX}/nodes")
            except ApiError as e:
                return e.status == 404
            return False

        wait_for(gone, timeout, 0.2, "metrics.k8s.io to disappear from the API server")


@contextlib.contextmanager
def serving(cp: ControlPlane, workdir: Path, samples: dict[str, dict[str, str]]):
    """A metrics server with ``samples``, registered with the API server while the block runs."""
    srv = MetricsServer(workdir, client_ca_file=cp.ca_file)
    srv.set_samples(samples)
    srv.start()
    srv.register(cp)
    try:
        yield srv
    finally:
        try:
            srv.unregister(cp)
        finally:
            srv.stop()
