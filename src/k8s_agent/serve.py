"""How the agent is served: one process, or several workers under a supervisor that imports next to nothing.

``worker_app`` is what each worker process calls (by name, after its own fresh start) to build the
application; it lives here, in a small module, so that the supervisor can hand it to the workers without
importing the application itself.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from k8s_agent.config import Settings
from k8s_agent.logs import sanic_log_config

if TYPE_CHECKING:
    from sanic import Sanic

APP_NAME = "k8s-agent"


def single_process(settings: Settings) -> None:
    """One process: Sanic's single-process mode, no worker manager, no helper processes."""
    from sanic import Sanic

    from k8s_agent.app import create_app
    from k8s_agent.lifecycle import AgentHttpProtocol

    app = create_app(settings, name=APP_NAME)
    app.prepare(
        host=settings.host,
        port=settings.port,
        single_process=True,
        motd=False,
        access_log=False,
        protocol=AgentHttpProtocol,
    )
    Sanic.serve_single(primary=app)


def worker_processes(settings: Settings) -> None:
    """Several workers under Sanic's worker manager. This process only supervises: its app is an empty
    one of the same name, and each worker builds the real application (routes, sources, caches) itself,
    so nothing of the application's import tree lives in this process."""
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from k8s_agent.lifecycle import AgentHttpProtocol, hold_early_signals, use_agent_manager

    hold_early_signals()  # until the worker manager installs its handlers
    loader = AppLoader(factory=partial(worker_app, settings))
    supervisor = Sanic(APP_NAME, log_config=sanic_log_config(settings.log_level))
    supervisor.config.update({"MOTD": False, "ACCESS_LOG": False})
    supervisor.prepare(
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        motd=False,
        access_log=False,
        protocol=AgentHttpProtocol,
    )
    # start-up SIGTERM, listener close, dead workers (see k8s_agent.lifecycle); a worker still running after
    # its drain and graceful shutdown (and a margin) is killed
    use_agent_manager(settings.shutdown_drain + settings.shutdown_timeout + 2.0)
    Sanic.serve(primary=supervisor, app_loader=loader)


def worker_app(settings: Settings) -> Sanic:
    from k8s_agent.app import create_app

    return create_app(settings, name=APP_NAME)
