"""Shared test set-up: Sanic's test mode (several apps per process). Test data paths live in corpus.py."""

from sanic import Sanic

Sanic.test_mode = True
