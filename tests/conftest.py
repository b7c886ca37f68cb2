"""Shared test set-up: Sanic's test mode (several apps per process), and the kubeconfig of a module's fake
API server (its ``fake`` fixture). Test data paths live in corpus.py."""

import pytest
from sanic import Sanic

Sanic.test_mode = True


@pytest.fixture(scope="module")
def kubeconfig(fake, tmp_path_factory):
    """A kubeconfig for the module's ``fake`` API server."""
    return fake.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config")
