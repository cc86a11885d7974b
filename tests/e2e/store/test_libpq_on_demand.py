"""libpq is loaded when a PostgreSQL URL is attached, and only then: the
binaries do not link it, a process attached to Redis or SQLite never maps
it (nor the TLS and Kerberos libraries it brings), and a machine without
libpq still serves Redis and SQLite, while a PostgreSQL URL there fails the
way an unreachable store does (tasks exit 69; serve stays up, not ready),
saying what to install."""

import os
import re
import shutil
import subprocess

import pytest

import conftest
import http_client
from conftest import free_port, run_command
from store.helpers import (EX_OK, EX_UNAVAILABLE, describe, events_in, migrate,
                           visit)

pytest_plugins = ["services", "store.helpers"]  # fixtures: store, web

SHIPPED = ["welcome", "hello"]


def _mapped(pid, name):
    with open(f"/proc/{pid}/maps") as maps:
        return any(name in line for line in maps)


@pytest.mark.parametrize("name", SHIPPED)
def test_binary_does_not_link_libpq(name):
    ldd = subprocess.run(["ldd", str(conftest.binary(name))],
                         capture_output=True, text=True, timeout=30)
    assert ldd.returncode == 0, ldd.stderr
    assert "libpq" not in ldd.stdout, ldd.stdout


def test_libpq_is_mapped_only_by_a_process_attached_to_postgres(store, web,
                                                                tmp_path):
    if store.needs_migrate:
        migrate(store, tmp_path)
    [server] = web(store.env)
    assert visit(server) == 1
    assert _mapped(server.proc.pid, "libpq.so") == (store.kind == "postgres")
    # What libpq would have brought with it.
    if store.kind != "postgres":
        for library in ("libcrypto.so", "libgnutls.so", "libkrb5.so"):
            assert not _mapped(server.proc.pid, library), library


# --- A machine without libpq ------------------------------------------------


def _installed_libpq():
    """The file the dynamic loader opens for libpq.so.5, or None."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True,
                             timeout=30).stdout
    except OSError:
        return None
    match = re.search(r"^\s*libpq\.so\.5 \(.*x86-64.*\) => (\S+)$", out, re.M)
    return os.path.realpath(match.group(1)) if match else None


@pytest.fixture
def without_libpq(tmp_path, monkeypatch):
    """Every binary the test runs sees an empty file where libpq is: each
    runs in a mount namespace of its own with that file bind-mounted over
    libpq (nothing outside the process sees it). Skips where mount
    namespaces are not allowed (not root)."""
    libpq = _installed_libpq()
    if libpq is None:
        pytest.skip("libpq.so.5 is not installed here")
    probe = subprocess.run(["unshare", "--mount", "--", "true"],
                           capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("cannot create a mount namespace (needs root)")
    empty = tmp_path / "empty-libpq.so.5"
    empty.write_bytes(b"")
    real_binary = conftest.binary
    wrappers = tmp_path / "without-libpq"
    wrappers.mkdir()

    def wrapped(name):
        wrapper = wrappers / name
        if not wrapper.exists():
            # exec all the way down: the pid is the binary's, so signals
            # reach it and PDEATHSIG holds.
            wrapper.write_text(
                "#!/bin/sh\n"
                "exec unshare --mount -- sh -c "
                "'mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"' "
                f"sh '{empty}' '{libpq}' '{real_binary(name)}' \"$@\"\n")
            wrapper.chmod(0o755)
        return wrapper

    monkeypatch.setattr(conftest, "binary", wrapped)
    return libpq


def _unreachable_postgres():
    return f"postgres://postgres:pw@127.0.0.1:{free_port()}/welcome"


def _says_what_to_install(text):
    return all(words in text for words in
               ("DATABASE_URL", "libpq.so.5", "install the Debian package "
                "libpq5"))


def test_without_libpq_sqlite_still_counts(without_libpq, tmp_path,
                                           start_server):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'welcome.db'}"}
    migrated = run_command("welcome", ["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == EX_OK, describe(migrated)
    server = start_server("welcome", env=env)
    assert visit(server) == 1


@pytest.mark.parametrize("task", ["migrate", "reset-counter", "count"])
def test_without_libpq_a_postgres_task_exits_69_saying_what_to_install(
        without_libpq, tmp_path, task):
    result = run_command("welcome", [task],
                         env={"DATABASE_URL": _unreachable_postgres()},
                         cwd=tmp_path, timeout=20)
    assert result.returncode == EX_UNAVAILABLE, describe(result)
    errors = [e for e in events_in(result.stdout) if e["level"] == "error"]
    assert any(_says_what_to_install(str(e)) for e in errors), describe(result)


def test_without_libpq_postgres_serve_stays_up_not_ready_saying_why(
        without_libpq, start_server):
    server = start_server("welcome", env={
        "DATABASE_URL": _unreachable_postgres()}, wait=False)
    failed = server.wait_for("store connection failed")
    assert _says_what_to_install(failed["error"]), failed
    assert http_client.get(server.port, "/livez").status == 200
    assert http_client.get(server.port, "/readyz").status == 503
    root = http_client.get(server.port, "/")
    assert root.status == 503, root
    assert server.stop() == EX_OK, server.output()
