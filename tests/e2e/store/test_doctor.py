"""`welcome doctor`: one line per check (stdout, config, env, port,
filesystem, store), against the real binary and real Redis, PostgreSQL and
SQLite; exit 0, 78 (config), 69 (something needed is unavailable: store down
or not migrated, port in use) or 1 (stdout not writable). A variable that
looks like a typo of a setting is a warning line and leaves the exit code
alone. The doctor writes nothing: not in its cwd, not a SQLite file."""

import os
import re
import socket
import subprocess

import pytest

from conftest import binary, child_env, free_port, run_command
from store.helpers import EX_CONFIG, EX_OK, EX_UNAVAILABLE, describe, migrate

pytest_plugins = ["services", "store.helpers"]  # fixtures: store, web

EX_FAILURE = 1
LINE = re.compile(r"^(ok  |FAIL|warn|info|skip) ([a-z, ]+): (.+)$")
DOCTOR_TIMEOUT = 30.0
# Short store timeouts: a store that is down fails its check quickly.
FAST = {"STORE_CONNECT_TIMEOUT": "500ms", "STORE_TIMEOUT": "500ms"}


def doctor(env, cwd):
    """`welcome doctor` in `cwd` with exactly `env` (PORT on a free port
    and BIND=127.0.0.1 unless given); returns the finished process."""
    full = {"PORT": free_port(), "BIND": "127.0.0.1", **FAST}
    full.update(env)
    return run_command("welcome", ["doctor"], env=full, cwd=cwd,
                       timeout=DOCTOR_TIMEOUT)


def checks(result):
    """{name: [(mark, detail)]} from stdout, every line of which must be a
    check line."""
    found = {}
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        assert match, f"not a check line: {line!r}\n{describe(result)}"
        mark, name, detail = match.groups()
        found.setdefault(name, []).append((mark.strip(), detail))
    return found


def marks(result, name):
    return [mark for mark, _ in checks(result).get(name, [])]


def detail(result, name):
    [(_, text)] = checks(result)[name]
    return text


def test_every_check_passes_on_a_migrated_store(store, tmp_path):
    migrate(store, tmp_path)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = doctor(store.env, cwd)
    assert result.returncode == EX_OK, describe(result)
    found = checks(result)
    assert [m for m, _ in found["stdout"]] == ["ok"], describe(result)
    assert re.fullmatch(r"\d+ settings valid", detail(result, "config"))
    assert marks(result, "env") == ["ok"]
    assert marks(result, "port") == ["ok"]
    assert marks(result, "store") == ["ok"], describe(result)
    if store.kind == "redis":
        assert "no schema to migrate" in detail(result, "store")
    else:
        assert "schema at version 1 (up to date)" in detail(result, "store")
    if store.kind == "sqlite":
        # The one file the app writes, shown as information.
        assert marks(result, "filesystem") == ["info"]
        assert str(store.path) in detail(result, "filesystem")
    else:
        assert marks(result, "filesystem") == ["ok"]
    assert list(cwd.iterdir()) == [], "the doctor wrote into its cwd"
    if store.password:
        assert store.password not in result.stdout + result.stderr


def test_a_store_not_migrated_fails_with_69(store, tmp_path):
    if store.kind == "redis":
        pytest.skip("Redis has no schema")
    result = doctor(store.env, tmp_path)
    assert result.returncode == EX_UNAVAILABLE, describe(result)
    assert marks(result, "store") == ["FAIL"]
    text = detail(result, "store")
    assert "welcome migrate" in text, text
    if store.kind == "sqlite":
        assert "does not exist" in text
        assert not store.path.exists(), "the doctor created the SQLite file"
    else:
        assert "schema at version 0, the migrations make version 1" in text
    assert list(tmp_path.iterdir()) == []


def test_an_empty_sqlite_file_is_not_migrated(sqlite_url, tmp_path):
    path = sqlite_url[len("sqlite://"):]
    open(path, "wb").close()
    result = doctor({"DATABASE_URL": sqlite_url}, tmp_path)
    assert result.returncode == EX_UNAVAILABLE, describe(result)
    assert "schema at version 0" in detail(result, "store")


def test_a_store_that_is_down_fails_with_69(server_store, tmp_path):
    migrate(server_store, tmp_path)
    server_store.stop()
    result = doctor(server_store.env, tmp_path)
    assert result.returncode == EX_UNAVAILABLE, describe(result)
    assert marks(result, "store") == ["FAIL"]
    text = detail(result, "store")
    assert "unreachable" in text, text
    # The URL as configured, its password masked.
    assert server_store.url.split("@")[-1] in text, text
    if server_store.password:
        assert server_store.password not in result.stdout + result.stderr
        assert "********" in text
    # The other checks still ran and passed.
    for name in ("stdout", "config", "env", "port", "filesystem"):
        assert "FAIL" not in marks(result, name), describe(result)


def test_an_invalid_config_fails_with_78_naming_the_variable(tmp_path):
    result = doctor({"PORT": "70000", "LOG_LEVEL": "loud",
                     "DATABASE_URL": "sqlite:///nowhere.db"}, tmp_path)
    assert result.returncode == EX_CONFIG, describe(result)
    config = [text for mark, text in checks(result)["config"]]
    assert any(text.startswith('PORT="70000": expected') for text in config)
    assert any(text.startswith('LOG_LEVEL="loud": expected') for text in config)
    assert marks(result, "port, filesystem, app checks") == ["skip"]
    assert "store" not in checks(result)


def test_no_store_attached_fails_with_78(tmp_path):
    result = doctor({}, tmp_path)
    assert result.returncode == EX_CONFIG, describe(result)
    assert "no backing store attached" in detail(result, "store")


def test_a_variable_like_a_setting_warns_and_exits_0(store, tmp_path):
    migrate(store, tmp_path)
    env = {**store.env, "WEB_THREAD": "secret-ish-4", "REDIS_URI": "x-value",
           "DATABASE_ULR": "y-value", "HOME": "/root", "PATH_EXTRA": "/bin"}
    result = doctor(env, tmp_path)
    assert result.returncode == EX_OK, describe(result)
    warned = [text for mark, text in checks(result)["env"] if mark == "warn"]
    assert sorted(warned) == [
        "DATABASE_ULR is not a setting; did you mean DATABASE_URL?",
        "REDIS_URI is not a setting; did you mean REDIS_URL?",
        "WEB_THREAD is not a setting; did you mean WEB_THREADS?",
    ], describe(result)
    for value in ("secret-ish-4", "x-value", "y-value"):
        assert value not in result.stdout + result.stderr


def test_a_port_in_use_fails_with_69_naming_it(store, tmp_path):
    migrate(store, tmp_path)
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = doctor({**store.env, "PORT": port}, tmp_path)
    assert result.returncode == EX_UNAVAILABLE, describe(result)
    assert marks(result, "port") == ["FAIL"]
    text = detail(result, "port")
    assert text.startswith(f"127.0.0.1:{port} cannot be bound: "), text
    assert "in use" in text, text


def test_a_port_free_again_after_the_doctor(tmp_path, sqlite_url):
    """Bind and close at once: serving right after needs the port."""
    run_command("welcome", ["migrate"], env={"DATABASE_URL": sqlite_url})
    port = free_port()
    result = doctor({"DATABASE_URL": sqlite_url, "PORT": port}, tmp_path)
    assert result.returncode == EX_OK, describe(result)
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))


def _doctor_with_stdout(stdout, env, cwd):
    full = child_env({"PORT": free_port(), "BIND": "127.0.0.1", **env})
    return subprocess.run([str(binary("welcome")), "doctor"], env=full,
                          cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, text=True,
                          timeout=DOCTOR_TIMEOUT)


@pytest.mark.parametrize("target", ["/dev/full", "read-only"])
def test_stdout_not_writable_fails_with_1(target, sqlite_url, tmp_path):
    run_command("welcome", ["migrate"], env={"DATABASE_URL": sqlite_url})
    mode = "w" if target == "/dev/full" else "r"
    with open("/dev/full" if target == "/dev/full" else os.devnull,
              mode) as out:
        result = _doctor_with_stdout(out, {"DATABASE_URL": sqlite_url},
                                     tmp_path)
    assert result.returncode == EX_FAILURE, result.stderr
    # The lines go to stderr instead, the first one saying why.
    lines = result.stderr.splitlines()
    assert lines[0].startswith("FAIL stdout: not writable: "), result.stderr
    assert any(line.startswith("ok   store: ") for line in lines), lines


def test_a_setting_pointing_at_a_writable_path_fails(sqlite_url, tmp_path):
    run_command("welcome", ["migrate"], env={"DATABASE_URL": sqlite_url})
    result = doctor({"DATABASE_URL": sqlite_url, "RELEASE_ID": str(tmp_path)},
                    tmp_path)
    assert result.returncode == EX_CONFIG, describe(result)
    text = [t for m, t in checks(result)["filesystem"] if m == "FAIL"]
    assert text == [f"RELEASE_ID points at {tmp_path}, a writable path: keep "
                    "state in a backing service (factor VI)"], describe(result)


def test_serve_warns_of_each_variable_like_a_setting(store, web, tmp_path):
    migrate(store, tmp_path)
    [server] = web(store.env, env={"WEB_THREAD": "value-1",
                                   "DATABASE_ULR": "value-2"})
    warned = server.events("unknown variable looks like a setting")
    assert sorted((e["variable"], e["setting"]) for e in warned) == [
        ("DATABASE_ULR", "DATABASE_URL"), ("WEB_THREAD", "WEB_THREADS")]
    assert all(e["level"] == "warn" for e in warned)
    for line in server.texts():
        assert "value-1" not in line and "value-2" not in line, line
