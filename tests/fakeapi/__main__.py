"""``python -m fakeapi`` (with ``tests`` on the path): serve a fake Kubernetes API until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import UTC, datetime

from builders import api_pod
from fakeapi.server import DEFAULT_TOKEN, FakeKubeAPI


# ------------------------------------------------------------------------------------------ CLI
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Serve a fake Kubernetes API on 127.0.0.1 until SIGTERM/SIGINT.")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--kubeconfig", help="write a kubeconfig pointing at the server here")
    p.add_argument("--token", default=DEFAULT_TOKEN)
    p.add_argument(
        "--demo", action="store_true", help="load the bundled demo cluster (the agent's package data)"
    )
    p.add_argument("--dump", action="append", default=[], help="load a cluster dump file or directory")
    p.add_argument("--delay", action="append", default=[], metavar="REGEX=SECONDS", help="inject latency")
    p.add_argument("--pods", type=int, default=0, help="add N extra running pods in namespace 'bench'")
    args = p.parse_args(argv)
    fake = FakeKubeAPI(token=args.token or None, port=args.port)
    if args.demo:
        fake.load_demo()
    for d in args.dump:
        fake.load_dump(d)
    if args.pods:
        now = datetime.now(UTC)
        fake.add({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "bench"}})
        fake.add(*(api_pod(f"pod-{i:05d}", "bench", node="node-a", now=now) for i in range(args.pods)))
    for spec in args.delay:
        pattern, _, seconds = spec.rpartition("=")
        fake.delay(pattern, float(seconds))
    fake.start()
    if args.kubeconfig:
        fake.write_kubeconfig(args.kubeconfig)
    print(json.dumps({"url": fake.url, "port": fake.port}), flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
