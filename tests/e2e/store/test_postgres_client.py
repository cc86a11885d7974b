"""welcome speaks PostgreSQL's protocol itself: the binaries link neither
libpq nor OpenSSL, and no process maps them (nor the LDAP, GnuTLS and
Kerberos libraries libpq brought) unless a PostgreSQL server agrees to TLS.
A machine without libssl still counts on a server that does not offer TLS,
and a URL that asks for TLS of such a server fails the way an unreachable
store does (serve stays up, not ready), saying why."""

import os
import re
import shutil
import subprocess

import pytest

import conftest
import http_client
from conftest import run_command
from store.helpers import EX_OK, describe, migrate, visit

pytest_plugins = ["services", "store.helpers"]  # fixtures: store, web

SHIPPED = ["welcome", "hello"]
# libpq and what it brought with it: TLS, LDAP (GnuTLS), Kerberos.
NEVER_MAPPED = ("libpq.so", "libssl.so", "libcrypto.so", "libgnutls.so",
                "libkrb5.so", "libldap")


def _mapped(pid, name):
    with open(f"/proc/{pid}/maps") as maps:
        return any(name in line for line in maps)


@pytest.mark.parametrize("name", SHIPPED)
def test_binary_links_neither_libpq_nor_openssl(name):
    ldd = subprocess.run(["ldd", str(conftest.binary(name))],
                         capture_output=True, text=True, timeout=30)
    assert ldd.returncode == 0, ldd.stderr
    for library in ("libpq", "libssl", "libcrypto"):
        assert library not in ldd.stdout, ldd.stdout


def test_no_store_without_tls_maps_libpq_or_openssl(store, web, tmp_path):
    if store.needs_migrate:
        migrate(store, tmp_path)
    [server] = web(store.env)
    assert visit(server) == 1
    for library in NEVER_MAPPED:
        assert not _mapped(server.proc.pid, library), library


def test_postgres_url_asking_for_tls_of_a_server_without_it_is_not_ready(
        postgres, start_server):
    server = start_server("welcome", env={
        "DATABASE_URL": postgres.url + "?sslmode=require"}, wait=False)
    failed = server.wait_for("store connection failed")
    assert "does not accept TLS" in failed["error"], failed
    assert http_client.get(server.port, "/livez").status == 200
    assert http_client.get(server.port, "/readyz").status == 503
    assert server.stop() == EX_OK, server.output()


# --- A machine without libssl -----------------------------------------------


def _installed(soname):
    """The file the dynamic loader opens for `soname`, or None."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True,
                             timeout=30).stdout
    except OSError:
        return None
    match = re.search(rf"^\s*{re.escape(soname)} \(.*x86-64.*\) => (\S+)$",
                      out, re.M)
    return os.path.realpath(match.group(1)) if match else None


@pytest.fixture
def without_libssl(tmp_path, monkeypatch):
    """Every binary the test runs sees an empty file where libssl is: each
    runs in a mount namespace of its own with that file bind-mounted over
    libssl (nothing outside the process sees it). Skips where mount
    namespaces are not allowed (not root)."""
    libssl = _installed("libssl.so.3")
    if libssl is None:
        pytest.skip("libssl.so.3 is not installed here")
    probe = subprocess.run(["unshare", "--mount", "--", "true"],
                           capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("cannot create a mount namespace (needs root)")
    empty = tmp_path / "empty-libssl.so.3"
    empty.write_bytes(b"")
    real_binary = conftest.binary
    wrappers = tmp_path / "without-libssl"
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
                f"sh '{empty}' '{libssl}' '{real_binary(name)}' \"$@\"\n")
            wrapper.chmod(0o755)
        return wrapper

    monkeypatch.setattr(conftest, "binary", wrapped)
    return libssl


def test_without_libssl_postgres_without_tls_still_counts(
        without_libssl, postgres, tmp_path, start_server):
    env = {"DATABASE_URL": postgres.url}
    migrated = run_command("welcome", ["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == EX_OK, describe(migrated)
    server = start_server("welcome", env=env)
    assert visit(server) == 1
