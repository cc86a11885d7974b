"""The welcome command line: serve (default), config, version, healthcheck,
--help, and the exit codes 0 / 1 / 2 / 78."""

import json
import re
import signal
import time

import pytest

from conftest import REPO, free_port, run_command
from expectations import assert_welcome_root

EX_USAGE = 2
EX_CONFIG = 78


def _project_version():
    text = (REPO / "CMakeLists.txt").read_text()
    return re.search(r"project\(\s*twelve\s+VERSION\s+([0-9.]+)", text).group(1)


def test_version_prints_version_and_commit(tmp_path):
    result = run_command("welcome", ["version"], cwd=tmp_path)
    assert result.returncode == 0, result
    assert _project_version() in result.stdout, result
    assert re.search(r"\b([0-9a-f]{7,40}|unknown)\b", result.stdout), result


def test_version_command_agrees_with_version_endpoint(tmp_path, welcome):
    info = json.loads(welcome.get("/version").body)
    result = run_command("welcome", ["version"], cwd=tmp_path)
    assert info["version"] in result.stdout, (info, result.stdout)
    assert info["commit"] in result.stdout, (info, result.stdout)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_exits_zero_and_lists_the_commands(tmp_path, flag):
    result = run_command("welcome", [flag], cwd=tmp_path)
    assert result.returncode == 0, result
    out = result.stdout + result.stderr
    for command in ("serve", "config", "version", "healthcheck", "doctor"):
        assert command in out, (command, out)


def test_unknown_command_exits_2(tmp_path):
    result = run_command("welcome", ["frobnicate"], cwd=tmp_path,
                         env={"PORT": free_port()})
    assert result.returncode == EX_USAGE, result
    assert "frobnicate" in result.stdout + result.stderr, result


def test_unknown_option_exits_2(tmp_path):
    result = run_command("welcome", ["--no-such-flag"], cwd=tmp_path,
                         env={"PORT": free_port()})
    assert result.returncode == EX_USAGE, result


def test_config_prints_every_setting_and_the_effective_values(tmp_path):
    env = {"PORT": "6123", "WEB_THREADS": "3", "RELEASE_ID": "rel-9"}
    result = run_command("welcome", ["config"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result
    for name in ("PORT", "BIND", "WEB_THREADS", "LOG_LEVEL", "LOG_FORMAT",
                 "ACCESS_LOG", "SHUTDOWN_DELAY", "SHUTDOWN_TIMEOUT",
                 "HTTP_HEADER_TIMEOUT", "HTTP_BODY_TIMEOUT",
                 "HTTP_IDLE_TIMEOUT",
                 "HTTP_WRITE_TIMEOUT", "HTTP_MAX_HEADER_BYTES",
                 "HTTP_MAX_BODY_BYTES", "HTTP_MAX_CONNECTIONS", "RELEASE_ID"):
        assert name in result.stdout, (name, result.stdout)
    for value in ("6123", "rel-9"):
        assert value in result.stdout, (value, result.stdout)


def test_config_never_prints_secrets(tmp_path):
    env = {"REDIS_URL": "redis://user:s3cr3t-pw@127.0.0.1:6379/0",
           "DATABASE_URL": "postgres://app:s3cr3t-pw@127.0.0.1/app"}
    result = run_command("welcome", ["config"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result
    assert "s3cr3t-pw" not in result.stdout + result.stderr, result


def test_config_with_a_bad_value_exits_78_naming_it(tmp_path):
    result = run_command("welcome", ["config"], env={"PORT": "0"}, cwd=tmp_path)
    assert result.returncode == EX_CONFIG, result
    assert "PORT" in result.stdout + result.stderr, result


def test_config_does_not_serve(tmp_path):
    port = free_port()
    started = time.monotonic()
    result = run_command("welcome", ["config"], env={"PORT": port},
                         cwd=tmp_path, timeout=5)
    assert result.returncode == 0, result
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("args", [[], ["serve"]], ids=["default", "serve"])
def test_serve_is_the_default_command(start_server, args):
    server = start_server("welcome", args=args)
    assert_welcome_root(server.get("/"))


def test_healthcheck_exits_0_when_the_local_server_is_ready(tmp_path, welcome):
    result = run_command("welcome", ["healthcheck"],
                         env={"PORT": welcome.port}, cwd=tmp_path, timeout=10)
    assert result.returncode == 0, result


def test_healthcheck_fails_when_nothing_listens(tmp_path):
    started = time.monotonic()
    result = run_command("welcome", ["healthcheck"], env={"PORT": free_port()},
                         cwd=tmp_path, timeout=10)
    assert result.returncode != 0, result
    assert result.returncode not in (EX_USAGE, EX_CONFIG), result
    print(f"healthcheck on a closed port: exit {result.returncode} in "
          f"{(time.monotonic() - started) * 1000:.0f} ms")


def test_healthcheck_fails_while_draining(tmp_path, start_server):
    server = start_server("welcome", env={"SHUTDOWN_DELAY": "3s"})
    server.signal(signal.SIGTERM)
    server.wait_for("draining", timeout=2)
    result = run_command("welcome", ["healthcheck"], env={"PORT": server.port},
                         cwd=tmp_path, timeout=10)
    assert result.returncode != 0, result


def test_healthcheck_with_a_bad_port_exits_78(tmp_path):
    result = run_command("welcome", ["healthcheck"], env={"PORT": "abc"},
                         cwd=tmp_path, timeout=10)
    assert result.returncode == EX_CONFIG, result
