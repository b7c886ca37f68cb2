"""``k8s-agent`` / ``python -m k8s_agent``: start Sanic with WORKERS worker processes.

Every flag mirrors an environment variable (``--request-deadline 500ms`` == ``REQUEST_DEADLINE=500ms``); a
flag wins over the variable. A malformed value stops start-up with one line naming it.
"""

from __future__ import annotations

import argparse
import os
import sys

from k8s_agent.config import VARIABLES, ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="k8s-agent",
        description="Read-only Kubernetes diagnosis API. Every option can also be set by its environment variable.",
    )
    for var, (_field, _parse, help_text) in VARIABLES.items():
        p.add_argument(
            "--" + var.lower().replace("_", "-"), dest=var, metavar=var, help=f"{help_text} (env {var})"
        )
    p.add_argument("--single-process", action="store_true", help="serve in this process (no worker manager)")
    return p


def settings_from_cli(argv: list[str] | None = None) -> tuple[Settings, bool]:
    args = _parser().parse_args(argv)
    env = dict(os.environ)
    for var in VARIABLES:
        value = getattr(args, var)
        if value is not None:
            env[var] = value
    return load_settings(env, resolve=True), args.single_process


def main(argv: list[str] | None = None) -> int:
    try:
        settings, single = settings_from_cli(argv)
    except ConfigError as exc:
        print(f"k8s-agent: configuration error: {exc}", file=sys.stderr)
        return 2

    from loguru import logger

    from k8s_agent.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    logger.info(settings.source_note)  # the first line says which cluster is served
    if settings.cluster_source == "snapshot":
        problem = _check_snapshot(settings.snapshot_path)
        if problem:
            print(f"k8s-agent: cannot read the snapshot: {problem}", file=sys.stderr)
            return 2
    if settings.prometheus_multiproc_dir:
        from k8s_agent.metrics import prepare_multiproc_dir

        prepare_multiproc_dir(settings.prometheus_multiproc_dir)

    single = single or settings.workers == 1
    logger.info(
        "starting k8s-cluster-agent on {}:{} with {}, deadline {:g} ms",
        settings.host,
        settings.port,
        "a single process" if single else f"{settings.workers} worker processes",
        settings.request_deadline * 1000,
    )
    shown = "localhost" if settings.host in ("0.0.0.0", "::", "") else settings.host
    logger.info("dashboard: http://{}:{}/  (API under /api/v1, OpenAPI at /docs)", shown, settings.port)
    from k8s_agent import serve

    if single:
        serve.single_process(settings)
    else:
        serve.worker_processes(settings)
    return 0


def _check_snapshot(path: str) -> str:
    """Read the snapshot once, in a short-lived child, so that a bad path stops start-up with one clear line
    while the decoded dump never stays in this process (which, with several workers, only supervises)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: decode, report, exit without running any parent cleanup
        os.close(read)
        message = b""
        try:
            from k8s_agent.kube.snapshot import SnapshotError, SnapshotSource

            SnapshotSource(path)
        except SnapshotError as exc:
            message = str(exc).encode() or b"unreadable"
        except BaseException as exc:  # noqa: BLE001 - anything else is reported the same way
            message = f"{type(exc).__name__}: {exc}".encode()
        os.write(write, message[:4000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    return message.decode(errors="replace")


if __name__ == "__main__":
    raise SystemExit(main())
