"""Config in the environment (factor III): every bad value exits 78 naming the
variable; all errors in one run; empty means unset; units are understood."""

import pytest

from conftest import check_json_line, free_port, run_command

EX_CONFIG = 78

BAD_VALUES = [
    ("PORT", "0"), ("PORT", "65536"), ("PORT", "http"), ("PORT", "-1"),
    ("PORT", "80x"),
    ("BIND", "not-an-ip"), ("BIND", "999.1.1.1"),
    ("WEB_THREADS", "0"), ("WEB_THREADS", "257"), ("WEB_THREADS", "two"),
    ("REUSE_PORT", "yes"),
    ("LOG_LEVEL", "verbose"),
    ("LOG_FORMAT", "xml"),
    ("ACCESS_LOG", "maybe"),
    ("SHUTDOWN_DELAY", "soon"), ("SHUTDOWN_DELAY", "-5s"),
    ("SHUTDOWN_TIMEOUT", "forever"), ("SHUTDOWN_TIMEOUT", "10parsecs"),
    ("HTTP_HEADER_TIMEOUT", "1x"),
    ("HTTP_BODY_TIMEOUT", "1x"), ("HTTP_BODY_TIMEOUT", "50ms"),
    ("HTTP_IDLE_TIMEOUT", "abc"),
    ("HTTP_WRITE_TIMEOUT", "abc"),
    ("HTTP_MAX_HEADER_BYTES", "lots"), ("HTTP_MAX_HEADER_BYTES", "-1"),
    ("HTTP_MAX_BODY_BYTES", "huge"), ("HTTP_MAX_BODY_BYTES", "12QiB"),
    ("HTTP_MAX_CONNECTIONS", "none"), ("HTTP_MAX_CONNECTIONS", "-1"),
]


def _serve_env(**extra):
    env = {"PORT": free_port(), "BIND": "127.0.0.1"}
    env.update(extra)
    return env


def _stdout_problems(stdout):
    return [p for line in stdout.splitlines() for p in check_json_line(line)]


@pytest.mark.parametrize("name,value", BAD_VALUES,
                         ids=[f"{n}={v}" for n, v in BAD_VALUES])
def test_bad_value_exits_78_naming_the_variable(tmp_path, name, value):
    result = run_command("welcome", [], env=_serve_env(**{name: value}),
                         cwd=tmp_path)
    assert result.returncode == EX_CONFIG, result
    assert name in result.stdout + result.stderr, result


BAD_URLS = [
    ("REDIS_URL", "redis://h:99999", "port"),
    ("REDIS_URL", "redis://h/0?timeout=5", 'unknown parameter "timeout"'),
    ("REDIS_URL", "redis://h?timeout=5", 'unknown parameter "timeout"'),
    ("DATABASE_URL", "postgres://u@h/db?bogus=1", 'unknown parameter "bogus"'),
    ("DATABASE_URL", "sqlite:///tmp/x.db?mode=ro", 'unknown parameter "mode"'),
    ("DATABASE_URL", "sqlite://relative.db", "three slashes"),
    ("DATABASE_URL", "not a url", "a URL such as"),
]


@pytest.mark.parametrize("name,value,why", BAD_URLS,
                         ids=[f"{n}={v}" for n, v, _ in BAD_URLS])
def test_bad_store_url_exits_78_saying_what_was_expected_once(
        tmp_path, name, value, why):
    result = run_command("welcome", ["config"], env=_serve_env(**{name: value}),
                         cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == EX_CONFIG, result
    assert name in output and why in output, output
    assert "expected expected" not in output, output


def test_bad_value_error_shows_the_value(tmp_path):
    result = run_command("welcome", [], env=_serve_env(WEB_THREADS="9999"),
                         cwd=tmp_path)
    assert result.returncode == EX_CONFIG, result
    assert "9999" in result.stdout + result.stderr, result


def test_config_error_keeps_stdout_json(tmp_path):
    result = run_command("welcome", [], env=_serve_env(PORT="0"), cwd=tmp_path)
    assert result.returncode == EX_CONFIG, result
    assert _stdout_problems(result.stdout) == []


def test_several_bad_values_are_all_named_in_one_run(tmp_path):
    bad = {"PORT": "0", "WEB_THREADS": "0", "LOG_LEVEL": "loud",
           "HTTP_IDLE_TIMEOUT": "never", "HTTP_MAX_BODY_BYTES": "huge"}
    env = _serve_env()
    env.update(bad)
    result = run_command("welcome", [], env=env, cwd=tmp_path)
    assert result.returncode == EX_CONFIG, result
    for name in bad:
        assert name in result.stdout + result.stderr, (name, result)


def test_bad_value_exits_78_for_hello_too(tmp_path):
    result = run_command("hello", [], env=_serve_env(PORT="99999"),
                         cwd=tmp_path)
    assert result.returncode == EX_CONFIG, result
    assert "PORT" in result.stdout + result.stderr, result


@pytest.mark.parametrize("name", ["PORT", "BIND", "WEB_THREADS", "LOG_LEVEL",
                                  "LOG_FORMAT", "SHUTDOWN_TIMEOUT",
                                  "HTTP_MAX_BODY_BYTES", "RELEASE_ID"])
def test_empty_value_means_unset(tmp_path, name):
    result = run_command("welcome", ["config"], env={name: ""}, cwd=tmp_path)
    assert result.returncode == 0, result


def test_default_port_is_5000(tmp_path):
    result = run_command("welcome", ["config"], env={}, cwd=tmp_path)
    assert result.returncode == 0, result
    assert "5000" in result.stdout, result


@pytest.mark.parametrize("env", [
    {"PORT": "1"}, {"PORT": "65535"}, {"WEB_THREADS": "1"},
    {"WEB_THREADS": "256"}, {"BIND": "::1"}, {"BIND": "127.0.0.1"},
    {"SHUTDOWN_DELAY": "250ms"}, {"SHUTDOWN_TIMEOUT": "10"},
    {"HTTP_IDLE_TIMEOUT": "2m"}, {"HTTP_HEADER_TIMEOUT": "10s"},
    {"HTTP_MAX_BODY_BYTES": "1MiB"}, {"HTTP_MAX_HEADER_BYTES": "64KiB"},
    {"HTTP_MAX_HEADER_BYTES": "65536"}, {"LOG_LEVEL": "debug"},
    {"LOG_LEVEL": "error"}, {"LOG_FORMAT": "text"}, {"ACCESS_LOG": "off"},
    {"RELEASE_ID": "v1.2.3-abcdef"}],
    ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()))
def test_valid_value_is_accepted(tmp_path, env):
    result = run_command("welcome", ["config"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result
    name, value = next(iter(env.items()))
    assert name in result.stdout, result


def test_bare_number_duration_means_seconds(start_server):
    server = start_server("hello", env={"HTTP_HEADER_TIMEOUT": "1"})
    with server.connect() as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        elapsed, _ = conn.wait_closed(timeout=5)
    assert 0.8 <= elapsed < 4, elapsed


def test_byte_size_with_unit_is_understood(start_server):
    # 1KiB = 1024 bytes: 1024 is allowed, 1025 is not.
    server = start_server("hello", env={"HTTP_MAX_BODY_BYTES": "1KiB"})
    with server.connect() as conn:
        ok = conn.request("POST", "/", body=b"x" * 1024)
    with server.connect() as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n")
        too_big = conn.read_response()
    assert ok.status == 405, ok
    assert too_big.status == 413, too_big
