"""Settings from the environment: defaults, parsing, and one clear line for a malformed value."""

import subprocess
import sys

import pytest

from k8s_agent.config import ConfigError, load_settings, parse_duration


def test_defaults_match_the_spec():
    s = load_settings({})
    assert (s.port, s.log_level, s.log_format) == (8080, "info", "json")
    assert (s.k8s_timeout, s.read_timeout, s.write_timeout) == (30.0, 10.0, 10.0)
    assert s.pod_restart_threshold == 5
    assert s.request_deadline == 0.5
    assert s.cache_ttl == 2.0 and s.cache_max_entries == 1024
    assert s.workers >= 1
    assert s.cluster_source == "auto" and s.auth_mode == "none" and s.redact_env_values is False


@pytest.mark.parametrize(
    "text,seconds", [("500ms", 0.5), ("30s", 30), ("1.5s", 1.5), ("2m", 120), ("1h", 3600), ("2", 2)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_values_are_parsed():
    s = load_settings(
        {
            "PORT": "9090",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
            "REQUEST_DEADLINE": "250ms",
            "CACHE_TTL": "5s",
            "WORKERS": "3",
            "POD_RESTART_THRESHOLD": "10",
            "REDACT_ENV_VALUES": "true",
            "AUTH_MODE": "token",
        }
    )
    assert (s.port, s.log_level, s.log_format) == (9090, "warn", "text")
    assert (s.request_deadline, s.cache_ttl, s.workers) == (0.25, 5.0, 3)
    assert s.pod_restart_threshold == 10 and s.redact_env_values and s.auth_mode == "token"


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"PORT": "http"}, "PORT='http' is not an integer"),
        ({"PORT": "70000"}, "PORT='70000' is out of range"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='loud' is not accepted; use one of: debug, info, warn, error"),
        ({"REQUEST_DEADLINE": "soon"}, "REQUEST_DEADLINE='soon' is not a duration"),
        ({"K8S_TIMEOUT": "-1s"}, "K8S_TIMEOUT='-1s' is not a duration"),
        ({"POD_RESTART_THRESHOLD": "-2"}, "POD_RESTART_THRESHOLD='-2' is out of range"),
        ({"REDACT_ENV_VALUES": "maybe"}, "REDACT_ENV_VALUES='maybe' is not a boolean"),
        ({"CLUSTER_SOURCE": "snapshot"}, "CLUSTER_SOURCE=snapshot needs SNAPSHOT_PATH"),
    ],
)
def test_malformed_values_name_the_variable(env, needle):
    with pytest.raises(ConfigError) as exc:
        load_settings(env)
    assert needle in str(exc.value)


def test_cli_stops_with_one_clear_line():
    proc = subprocess.run(
        [sys.executable, "-m", "k8s_agent", "--port", "nope"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == ["k8s-agent: configuration error: PORT='nope' is not an integer; accepted: 1 to 65535"]
