"""A small HTTP server that speaks the read side of the Kubernetes REST API, for tests and benchmarks.

``FakeKubeAPI`` runs an aiohttp.web server on 127.0.0.1 (a free port) in a background thread with its own
event loop, so it serves sync tests, async tests (any loop) and other processes (an agent started as a
subprocess with a kubeconfig from :meth:`FakeKubeAPI.write_kubeconfig`) alike.

What it serves, from raw JSON objects (dicts) held per resource:

* ``GET /version``;
* core ``/api/v1/...`` and group ``/apis/<group>/<version>/...`` paths for the resources in ``RESOURCES``:
  get (``.../namespaces/<ns>/<plural>/<name>``, ``.../<plural>/<name>``), namespaced lists and
  all-namespaces lists. Lists look like the API server's (``{"kind":"PodList","apiVersion":"v1",
  "metadata":{"resourceVersion":..,"continue":..},"items":[..]}``, items without kind/apiVersion) and
  honour ``limit`` / ``continue`` paging, ``fieldSelector`` (the fields the real server supports per
  resource; any other field is a 400 ``field label not supported: x``) and ``labelSelector``;
* errors as real ``metav1.Status`` bodies: 404 ``pods "x" not found``, 403 ``pods "x" is forbidden: User
  ... cannot get resource "pods" in API group "" in the namespace "ns"``, 401, 429, 500, 503...

Controls (thread-safe, callable from any thread): ``delay(pattern, seconds)`` injects latency,
``fail(pattern, status)`` forces an error status, ``metrics_api = False`` makes metrics.k8s.io absent
(404 ``the server could not find the requested resource``), ``page_size`` caps every page below the
client's ``limit``; ``requests`` / ``count()`` / ``counters`` give the request log (method, path, query,
headers including Authorization, parsed verb/resource/namespace/name, status). The same controls are
reachable over HTTP under ``/_fake/`` for a fake started in another process (``python -m fakeapi`` with
``tests`` on ``PYTHONPATH``).

Objects come from :meth:`add`, from a cluster dump (:meth:`load_dump`: kubectl ``List`` files, typed
lists, single objects), :meth:`load_demo` (the agent's bundled demo cluster) or :func:`builtin_cluster` (a small
cluster built here).

Modules: ``server`` (the server, its controls and request log), ``selectors`` (field and label selectors),
``cluster`` (the built-in cluster), ``__main__`` (the command line). The objects themselves are built with
the ``builders`` package (``tests/builders``).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from fakeapi.cluster import builtin_cluster
from fakeapi.server import DEFAULT_TOKEN, DEFAULT_USER, FakeKubeAPI, RequestRecord, free_port


@contextmanager
def builtin_fake(*extra: dict) -> Iterator[FakeKubeAPI]:
    """A running fake API serving the built-in cluster and the ``extra`` objects."""
    with FakeKubeAPI() as fake:
        fake.add(*builtin_cluster(), *extra)
        yield fake


__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_USER",
    "FakeKubeAPI",
    "RequestRecord",
    "builtin_cluster",
    "builtin_fake",
    "free_port",
]
