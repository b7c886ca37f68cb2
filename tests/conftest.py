"""Shared test set-up: Sanic's test mode (several apps per process), and the path to ../shared."""

from pathlib import Path

from sanic import Sanic

Sanic.test_mode = True

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO = ROOT / "examples" / "demo-cluster"
