"""A real, minimal Kubernetes control plane for integration tests.

Starts etcd, kube-apiserver and kube-scheduler (built from the Go module proxy by
``scripts/controlplane/build.sh`` at the versions in ``scripts/controlplane/versions.env``)
on 127.0.0.1 with free ports, fresh PKI and an etcd data dir on tmpfs.  There is no
kube-controller-manager and no kubelet, so:

* Nodes are plain API objects: create them and write their ``status`` yourself
  (see :meth:`ControlPlane.create_node`).  The ``TaintNodesByCondition`` admission
  plugin is disabled, otherwise every new Node would get the
  ``node.kubernetes.io/not-ready:NoSchedule`` taint that only the (absent)
  node-lifecycle controller ever removes.
* The ``ServiceAccount`` admission plugin stays ON (pods get the same projected
  ``kube-api-access-*`` volume and ``serviceAccountName: default`` as on a real
  cluster), but nothing creates the ``default`` ServiceAccount of a namespace.
  The fixture creates it in ``default``; use :meth:`ControlPlane.create_namespace`
  (namespace + its ``default`` SA) for other namespaces, or pod creation is
  rejected with ``serviceaccount "default" not found``.
* Nothing runs pods: a scheduled pod keeps ``phase: Pending`` with ``spec.nodeName`` set.
  Write pod status through the ``status`` subresource to simulate a kubelet.
* Garbage collection, namespace deletion finalization, endpoints, the
  ``kube-root-ca.crt`` ConfigMap and ServiceAccount token Secrets do not happen.

Authentication: a static token file with an admin (group ``system:masters``)
and ``system:kube-scheduler`` (used by the scheduler), plus client certificates
signed by the fixture CA, plus ServiceAccount tokens via the TokenRequest API
(:meth:`ControlPlane.service_account_token`).  Authorization: ``Node,RBAC``.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT_DIR = REPO_ROOT / "scripts" / "controlplane"
BUILD_SCRIPT = SCRIPT_DIR / "build.sh"
VERSIONS_FILE = SCRIPT_DIR / "versions.env"
KUBECTL = os.environ.get("KUBECTL", shutil.which("kubectl") or "/usr/bin/kubectl")

SERVICE_CIDR = "10.96.0.0/16"
SA_ISSUER = "https://kubernetes.default.svc.cluster.local"

# Set while a control plane is up; conftest's report hook reads it so that a
# failure (even in the fixture's own setup) gets the component log tails.
ACTIVE: ControlPlane | None = None
# The control plane whose start failed (its logs are kept until the session ends).
FAILED_START: ControlPlane | None = None


# --------------------------------------------------------------------------- versions / availability


def read_versions(path: Path = VERSIONS_FILE) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.strip()
    for k in ("KUBERNETES_VERSION", "ETCD_VERSION"):  # same precedence as build.sh
        if os.environ.get(k):
            out[k] = os.environ[k]
    return out


def cache_dir() -> Path:
    return Path(os.environ.get("K8S_AGENT_CACHE") or Path.home() / ".cache" / "k8s-agent")


def expected_binaries() -> dict[str, Path]:
    v = read_versions()
    k8s = "v" + v["KUBERNETES_VERSION"].lstrip("v")
    etcd = "v" + v["ETCD_VERSION"].lstrip("v")
    b = cache_dir() / "bin"
    return {
        "KUBE_APISERVER": b / f"kube-apiserver-{k8s}",
        "KUBE_SCHEDULER": b / f"kube-scheduler-{k8s}",
        "ETCD": b / f"etcd-{etcd}",
    }


def find_go() -> str | None:
    for cand in (os.environ.get("GO"), shutil.which("go"), "/usr/local/go/bin/go"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def unavailable_reason() -> str | None:
    """Why the control plane cannot be started here, or None if it can."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return (
            "the 'cryptography' package is not installed (pip install -e '.[dev]'); needed for the test PKI"
        )
    if all(p.is_file() and os.access(p, os.X_OK) for p in expected_binaries().values()):
        return None
    if find_go() is None:
        return (
            "control-plane binaries are not in the cache and no Go toolchain was found to build them "
            "(install Go >= 1.26 or run `make controlplane-bins` where Go exists)"
        )
    return None


UNAVAILABLE_REASON = unavailable_reason()

# Module-level marker for test modules: ``pytestmark = requires_control_plane``.
requires_control_plane = [
    pytest.mark.integration,
    pytest.mark.skipif(
        UNAVAILABLE_REASON is not None, reason=f"control plane unavailable: {UNAVAILABLE_REASON}"
    ),
]


# --------------------------------------------------------------------------- helpers


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, body: Any):
        self.method, self.path, self.status, self.body = method, path, status, body
        msg = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{method} {path} -> HTTP {status}: {msg}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pdeathsig() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_for(pred: Callable[[], Any], timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll ``pred`` until it returns a truthy value; return that value."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while True:
        try:
            val = pred()
            if val:
                return val
        except Exception as exc:  # noqa: BLE001 - surfaced on timeout
            last_exc = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"timed out after {timeout}s waiting for {what}"
                + (f" (last error: {last_exc!r})" if last_exc else "")
            )
        time.sleep(interval)


def _tail(path: Path, lines: int) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(data.splitlines()[-lines:])


# --------------------------------------------------------------------------- PKI


def write_key(path: Path, key) -> None:
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


class CertAuthority:
    """A throwaway CA for the tests' TLS (the control plane's PKI, the test metrics server): EC P-256, valid
    from five minutes ago for ``days``."""

    def __init__(self, common_name: str, days: int = 1) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.not_before = _dt.datetime.now(_dt.UTC) - _dt.timedelta(minutes=5)
        self.not_after = self.not_before + _dt.timedelta(days=days)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write_ca(self, cert_path: Path, key_path: Path) -> tuple[Path, Path]:
        cert_path.write_bytes(self.pem)
        write_key(key_path, self.key)
        return cert_path, key_path

    def issue(
        self, stem: Path, common_name: str, eku, sans=None, org: str | None = None
    ) -> tuple[Path, Path]:
        """A leaf certificate for ``common_name`` (and ``org``), written to ``<stem>.crt`` / ``<stem>.key``."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if org:
            attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
        key = ec.generate_private_key(ec.SECP256R1())
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attrs))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = b.sign(self.key, hashes.SHA256())
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_key(key_path, key)
        return cert_path, key_path


def _key_usage(*, ca: bool):
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=ca,
        crl_sign=ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass
class Pki:
    dir: Path
    ca_cert: Path = field(init=False)
    ca_key: Path = field(init=False)
    serving_cert: Path = field(init=False)
    serving_key: Path = field(init=False)
    sa_key: Path = field(init=False)
    sa_pub: Path = field(init=False)
    admin_cert: Path = field(init=False)
    admin_key: Path = field(init=False)
    front_proxy_cert: Path = field(init=False)
    front_proxy_key: Path = field(init=False)

    def generate(self) -> Pki:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import ExtendedKeyUsageOID

        d = self.dir
        d.mkdir(parents=True, exist_ok=True)
        ca = CertAuthority("k8s-agent-test-ca", days=2)
        self.ca_cert, self.ca_key = ca.write_ca(d / "ca.crt", d / "ca.key")

        service_ip = next(ipaddress.ip_network(SERVICE_CIDR).hosts())  # 10.96.0.1, the `kubernetes` Service
        sans: list[x509.GeneralName] = [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(service_ip),
            *(
                x509.DNSName(n)
                for n in (
                    "localhost",
                    "kubernetes",
                    "kubernetes.default",
                    "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local",
                )
            ),
        ]
        self.serving_cert, self.serving_key = ca.issue(
            d / "apiserver", "kube-apiserver", ExtendedKeyUsageOID.SERVER_AUTH, sans
        )
        self.admin_cert, self.admin_key = ca.issue(
            d / "admin", "kube-admin", ExtendedKeyUsageOID.CLIENT_AUTH, org="system:masters"
        )
        # aggregation-layer client (requestheader); one CA is enough for a test cluster
        self.front_proxy_cert, self.front_proxy_key = ca.issue(
            d / "front-proxy-client", "front-proxy-client", ExtendedKeyUsageOID.CLIENT_AUTH
        )

        sa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.sa_key, self.sa_pub = d / "sa.key", d / "sa.pub"
        write_key(self.sa_key, sa)
        self.sa_pub.write_bytes(
            sa.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return self


# --------------------------------------------------------------------------- the control plane


class ControlPlane:
    """Handle to the running control plane (the ``control_plane`` fixture's value).

    Attributes: ``server`` (https URL), ``ca_file``, ``admin_token``,
    ``admin_kubeconfig``, ``admin_cert_file``/``admin_key_file``, ``log_paths``
    (component -> log file), ``binaries``, ``versions``, ``etcd_url``.
    """

    def __init__(self, workdir: Path, binaries: dict[str, Path], versions: dict[str, str]):
        self.workdir = workdir
        self.binaries = binaries
        self.versions = versions
        self.procs: dict[str, subprocess.Popen] = {}
        self.log_paths: dict[str, Path] = {}
        self.timings: dict[str, float] = {}
        self._etcd_dir: Path | None = None
        self._kubeconfigs: dict[str, Path] = {}
        self._ssl: ssl.SSLContext | None = None
        self.admin_token = os.urandom(24).hex()
        self._scheduler_token = os.urandom(24).hex()
        self.server = ""
        self.etcd_url = ""
        self.pki = Pki(workdir / "pki")

    # ---- public helpers -------------------------------------------------

    @property
    def ca_file(self) -> str:
        return str(self.pki.ca_cert)

    @property
    def admin_cert_file(self) -> str:
        return str(self.pki.admin_cert)

    @property
    def admin_key_file(self) -> str:
        return str(self.pki.admin_key)

    @property
    def admin_kubeconfig(self) -> str:
        return self.kubeconfig_path(self.admin_token)

    def kubeconfig_path(
        self,
        token: str | None = None,
        *,
        name: str | None = None,
        namespace: str = "default",
        server: str | None = None,
    ) -> str:
        """Write (once per token) a kubeconfig that talks to this API server (or ``server``, another one
        of this control plane: :meth:`extra_apiserver`) with ``token`` (default: the admin token) and
        return its path."""
        token = token or self.admin_token
        server = server or self.server
        key = f"{token}/{namespace}/{server}"
        if key in self._kubeconfigs:
            return str(self._kubeconfigs[key])
        name = name or f"user-{len(self._kubeconfigs)}"
        path = self.workdir / "kubeconfigs" / f"{name}-{len(self._kubeconfigs)}.yaml"
        path.parent.mkdir(exist_ok=True)
        cfg = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "test", "cluster": {"server": server, "certificate-authority": self.ca_file}}
            ],
            "users": [{"name": name, "user": {"token": token}}],
            "contexts": [
                {"name": "test", "context": {"cluster": "test", "user": name, "namespace": namespace}}
            ],
            "current-context": "test",
        }
        path.write_text(json.dumps(cfg, indent=2))  # JSON is valid YAML
        path.chmod(0o600)
        self._kubeconfigs[key] = path
        return str(path)

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context that trusts only the fixture CA (for urllib/http clients)."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=self.ca_file)
        return self._ssl

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        content_type: str | None = None,
        query: dict[str, Any] | None = None,
        timeout: float = 30,
        server: str | None = None,
    ) -> Any:
        """Call the API server (or ``server``: :meth:`extra_apiserver`); returns the decoded JSON body. Raises
        :class:`ApiError` on HTTP >= 400.

        ``body`` may be a dict (sent as JSON; PATCH defaults to merge-patch) or bytes/str.
        """
        url = (server or self.server) + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        data = None
        headers = {"Authorization": f"Bearer {token or self.admin_token}", "Accept": "application/json"}
        if body is not None:
            data = (
                body
                if isinstance(body, bytes)
                else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
            )
            headers["Content-Type"] = content_type or (
                "application/merge-patch+json" if method.upper() == "PATCH" else "application/json"
            )
        req = urllib.request.Request(url, data=data, method=method.upper(), headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.ssl_context(), timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                parsed: Any = json.loads(raw)
            except ValueError:
                parsed = raw.decode("utf-8", "replace")
            raise ApiError(method.upper(), path, e.code, parsed) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def kubectl(
        self,
        *args: str,
        token: str | None = None,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess:
        """Run /usr/bin/kubectl against this cluster (admin token unless ``token``)."""
        if not os.access(KUBECTL, os.X_OK):
            pytest.skip(f"kubectl not found at {KUBECTL}")
        return subprocess.run(
            [KUBECTL, f"--kubeconfig={self.kubeconfig_path(token)}", *args],
            input=input,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def create_namespace(self, name: str, labels: dict[str, str] | None = None) -> dict:
        """Create a namespace and its ``default`` ServiceAccount (no controller-manager here). Idempotent."""
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}
        try:
            obj = self.api("POST", "/api/v1/namespaces", ns)
        except ApiError as e:
            if e.status != 409:
                raise
            obj = self.api("GET", f"/api/v1/namespaces/{name}")
        self.ensure_service_account(name, "default")
        return obj

    def ensure_service_account(self, namespace: str, name: str) -> dict:
        sa = {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": namespace},
        }
        try:
            return self.api("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts", sa)
        except ApiError as e:
            if e.status != 409:
                raise
            return self.api("GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}")

    def service_account_token(self, namespace: str, name: str, expiration_seconds: int = 3600) -> str:
        """A bound token for ServiceAccount ``namespace/name`` (created if missing) via TokenRequest."""
        self.ensure_service_account(namespace, name)
        tr = self.api(
            "POST",
            f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
            {
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"expirationSeconds": expiration_seconds},
            },
        )
        return tr["status"]["token"]

    def create_node(
        self,
        name: str,
        *,
        cpu: str = "2",
        memory: str = "4Gi",
        pods: str = "110",
        ready: bool = True,
        labels: dict[str, str] | None = None,
        taints: list[dict] | None = None,
        extra_status: dict | None = None,
    ) -> dict:
        """Create a Node and write its status (capacity = allocatable, Ready condition) like a kubelet would."""
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    **(labels or {}),
                },
            },
            "spec": {"taints": taints} if taints else {},
        }
        self.api("POST", "/api/v1/nodes", node)
        now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        res = {"cpu": cpu, "memory": memory, "pods": pods}
        status = {
            "capacity": res,
            "allocatable": res,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": "KubeletReady" if ready else "KubeletNotReady",
                    "message": "kubelet is posting ready status" if ready else "simulated not ready",
                    "lastHeartbeatTime": now,
                    "lastTransitionTime": now,
                }
            ],
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": name},
            ],
            **(extra_status or {}),
        }
        return self.api("PATCH", f"/api/v1/nodes/{name}/status", {"status": status})

    def tail_logs(self, lines: int = 60, components: Iterable[str] | None = None) -> str:
        parts = []
        for comp in components or self.log_paths:
            p = self.log_paths.get(comp)
            if p is None:
                continue
            proc = self.procs.get(comp)
            state = (
                "not started"
                if proc is None
                else ("running" if proc.poll() is None else f"exited rc={proc.returncode}")
            )
            parts.append(f"===== {comp} ({state}) {p} =====\n{_tail(p, lines)}")
        return "\n".join(parts)

    @contextlib.contextmanager
    def extra_apiserver(self, *flags: str, timeout: float = 90) -> Iterator[str]:
        """A second kube-apiserver on this control plane's etcd, with the same flags plus ``flags`` (as in an
        HA control plane); yields its URL (same CA, tokens and certificates) and stops it on exit."""
        port = free_port()
        url = f"https://127.0.0.1:{port}"
        comp = f"kube-apiserver-{port}"
        self._spawn(comp, self._apiserver_argv(port, self.workdir / f"{comp}-certs", flags))
        try:
            self._wait_ok(comp, url + "/readyz", self.ssl_context(), self.admin_token, timeout)
            yield url
        finally:
            proc = self.procs.pop(comp)
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def _etcd(self, call: str, body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            f"{self.etcd_url}/v3/{call}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def etcd_revision(self) -> int:
        """etcd's current revision (what a write's resourceVersion is)."""
        return int(self._etcd("kv/range", {"key": "AA==", "count_only": True})["header"]["revision"])

    def compact_etcd(self, revision: int) -> None:
        """Compact etcd at ``revision`` (what kube-apiserver's compactor does every 5 minutes): reads at
        older revisions, such as a continue token's, then fail with ErrCompacted."""
        self._etcd("kv/compaction", {"revision": str(revision), "physical": True})

    # ---- lifecycle -----------------------------------------------------

    def _spawn(self, comp: str, argv: list[str]) -> subprocess.Popen:
        log = self.workdir / "logs" / f"{comp}.log"
        log.parent.mkdir(exist_ok=True)
        self.log_paths[comp] = log
        with log.open("ab") as f:
            f.write(("$ " + " ".join(argv) + "\n").encode())
            f.flush()
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=f,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                preexec_fn=_pdeathsig,
            )
        self.procs[comp] = proc
        return proc

    def _check_alive(self, comp: str) -> None:
        proc = self.procs[comp]
        if proc.poll() is not None:
            raise RuntimeError(
                f"{comp} exited early with rc={proc.returncode}:\n{_tail(self.log_paths[comp], 40)}"
            )

    def _wait_ok(
        self, comp: str, url: str, ctx: ssl.SSLContext | None, token: str | None, timeout: float
    ) -> None:
        def probe() -> bool:
            self._check_alive(comp)
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=2) as r:
                    return r.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError):
                return False

        t = time.monotonic()
        try:
            wait_for(probe, timeout, 0.1, f"{comp} at {url}")
        except TimeoutError as e:
            raise TimeoutError(f"{e}\n{_tail(self.log_paths[comp], 40)}") from None
        self.timings[comp] = round(time.monotonic() - t, 2)

    def _apiserver_argv(self, port: int, cert_dir: Path, extra: Iterable[str] = ()) -> list[str]:
        p = self.pki
        return [
            str(self.binaries["KUBE_APISERVER"]),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            f"--cert-dir={cert_dir}",
            f"--tls-cert-file={p.serving_cert}",
            f"--tls-private-key-file={p.serving_key}",
            f"--client-ca-file={p.ca_cert}",
            f"--token-auth-file={self.workdir / 'tokens.csv'}",
            # requestheader config as kubeadm sets it; without it kube-scheduler's delegated
            # authn logs "missing content for CA bundle ... requestheader-client-ca-file" forever
            f"--requestheader-client-ca-file={p.ca_cert}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={p.front_proxy_cert}",
            f"--proxy-client-key-file={p.front_proxy_key}",
            "--authorization-mode=Node,RBAC",
            f"--service-account-issuer={SA_ISSUER}",
            f"--service-account-key-file={p.sa_pub}",
            f"--service-account-signing-key-file={p.sa_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--endpoint-reconciler-type=none",
            # No node-lifecycle controller will ever lift the not-ready taint; see module doc.
            "--disable-admission-plugins=TaintNodesByCondition",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=1",
            *extra,
        ]

    def start(self, timeout: float = 90) -> ControlPlane:
        global ACTIVE
        ACTIVE = self
        t0 = time.monotonic()
        self.pki.generate()
        self.timings["pki"] = round(time.monotonic() - t0, 2)

        # -- etcd, data on tmpfs
        shm = Path("/dev/shm")
        self._etcd_dir = Path(tempfile.mkdtemp(prefix="k8s-agent-etcd-", dir=shm if shm.is_dir() else None))
        client, peer = free_port(), free_port()
        self.etcd_url = f"http://127.0.0.1:{client}"
        self._spawn(
            "etcd",
            [
                str(self.binaries["ETCD"]),
                "--name=k8s-agent-test",
                f"--data-dir={self._etcd_dir}",
                f"--listen-client-urls={self.etcd_url}",
                f"--advertise-client-urls={self.etcd_url}",
                f"--listen-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-cluster=k8s-agent-test=http://127.0.0.1:{peer}",
                "--initial-cluster-state=new",
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
        )
        self._wait_ok("etcd", self.etcd_url + "/health", None, None, timeout)

        # -- kube-apiserver
        tokens = self.workdir / "tokens.csv"
        tokens.write_text(
            f'{self.admin_token},kube-admin,uid-kube-admin,"system:masters"\n'
            f"{self._scheduler_token},system:kube-scheduler,uid-kube-scheduler\n"
        )
        tokens.chmod(0o600)
        port = free_port()
        self.server = f"https://127.0.0.1:{port}"
        self._spawn("kube-apiserver", self._apiserver_argv(port, self.workdir / "apiserver-certs"))
        self._wait_ok(
            "kube-apiserver", self.server + "/readyz", self.ssl_context(), self.admin_token, timeout
        )
        self.ensure_service_account("default", "default")

        # -- kube-scheduler (as system:kube-scheduler: bootstrap RBAC grants what it needs)
        sched_kc = self.kubeconfig_path(self._scheduler_token, name="kube-scheduler", namespace="kube-system")
        sport = free_port()
        self._spawn(
            "kube-scheduler",
            [
                str(self.binaries["KUBE_SCHEDULER"]),
                f"--kubeconfig={sched_kc}",
                f"--authentication-kubeconfig={sched_kc}",
                f"--authorization-kubeconfig={sched_kc}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={sport}",
                f"--cert-dir={self.workdir / 'scheduler-certs'}",
                "--v=2",
            ],
        )
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # scheduler serves a self-signed cert; only /healthz is probed
        self._wait_ok("kube-scheduler", f"https://127.0.0.1:{sport}/healthz", insecure, None, timeout)
        self.timings["total_start"] = round(time.monotonic() - t0, 2)
        return self

    def stop(self, grace: float = 10) -> None:
        global ACTIVE
        for comp in reversed(list(self.procs)):
            proc = self.procs[comp]
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + grace
        for proc in reversed(list(self.procs.values())):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._etcd_dir:
            shutil.rmtree(self._etcd_dir, ignore_errors=True)
        if ACTIVE is self:
            ACTIVE = None


# --------------------------------------------------------------------------- build + fixture entry point


def ensure_binaries(note: Callable[[str], None] = lambda s: None) -> dict[str, Path]:
    """Run build.sh (a no-op when cached) and return the binary paths it prints."""
    timeout = float(os.environ.get("K8S_AGENT_BUILD_TIMEOUT", "3600"))
    missing = [k for k, p in expected_binaries().items() if not p.exists()]
    if missing:
        note(
            f"control plane: building {', '.join(missing)} with {BUILD_SCRIPT} (cold build: many minutes)..."
        )
    env = dict(os.environ)
    go = find_go()
    if go:
        env["GO"] = go
    t = time.monotonic()
    res = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, env=env, timeout=timeout
    )
    if res.returncode != 0:
        raise RuntimeError(f"{BUILD_SCRIPT} failed (rc={res.returncode}):\n{res.stderr[-4000:]}")
    if missing:
        note(f"control plane: build finished in {time.monotonic() - t:.0f}s")
    out = {}
    for line in res.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = Path(v.strip())
    for k in ("KUBE_APISERVER", "KUBE_SCHEDULER", "ETCD"):
        if k not in out or not os.access(out[k], os.X_OK):
            raise RuntimeError(f"{BUILD_SCRIPT} did not produce {k}: {res.stdout!r}")
    return out


def start_control_plane(note: Callable[[str], None] = lambda s: None) -> ControlPlane:
    binaries = ensure_binaries(note)
    workdir = Path(tempfile.mkdtemp(prefix="k8s-agent-controlplane-"))
    cp = ControlPlane(workdir, binaries, read_versions())
    try:
        cp.start()
    except BaseException:
        global FAILED_START
        cp.stop()
        FAILED_START = cp
        # keep the logs of a failed start around for the report hook / humans
        print(f"control plane failed to start; logs in {workdir / 'logs'}", file=sys.stderr)
        raise
    return cp


def cleanup(cp: ControlPlane) -> None:
    cp.stop()
    if os.environ.get("K8S_AGENT_KEEP_CONTROLPLANE"):
        print(f"control plane workdir kept: {cp.workdir}", file=sys.stderr)
    else:
        shutil.rmtree(cp.workdir, ignore_errors=True)
