"""Scale out by running more processes (factor VIII): with REUSE_PORT=on
several processes share one $PORT and the kernel spreads connections among
them; without it a port in use stays an error."""

import os
import pathlib
import re
import signal
import subprocess
import time

from conftest import bin_dir, child_env, free_port
from http_client import get, try_get

ROOT = pathlib.Path(__file__).resolve().parents[2]

COUNT = re.compile(rb"Visitor Count: (\d+)")


def _start_sharing(start_server, port, store_url, count):
    return [start_server("welcome", port=port,
                         env={"REUSE_PORT": "on", "DATABASE_URL": store_url,
                              "WEB_THREADS": 1})
            for _ in range(count)]


def test_processes_share_a_port_and_count_exactly(start_server, tmp_path):
    first = start_server("welcome", env={"WEB_THREADS": 1})  # migrates a store
    store_url = first.env["DATABASE_URL"]
    first.stop()
    port = free_port()
    servers = _start_sharing(start_server, port, store_url, 3)

    counts = []
    for _ in range(300):  # one connection each: the kernel picks a process
        response = get(port, "/")
        assert response.status == 200, response
        counts.append(int(COUNT.search(response.body).group(1)))

    assert sorted(counts) == list(range(1, 301)), "a visit lost or doubled"
    for server in servers:  # access events are written in batches: flush
        server.stop()
    served = [len(s.events("request")) for s in servers]
    assert all(n > 0 for n in served), f"a process got no connection: {served}"
    assert sum(served) == 300, served


def test_a_process_without_reuse_port_cannot_join_a_shared_port(start_server):
    port = free_port()
    start_server("welcome", port=port, env={"REUSE_PORT": "on"})
    lone = start_server("welcome", port=port, env={"REUSE_PORT": "off"},
                        wait=False)
    assert lone.wait(timeout=5) != 0, lone.output()
    assert "Address already in use" in lone.output(), lone.output()
    assert "REUSE_PORT=on" in lone.output(), lone.output()


def test_procfile_scaled_by_foreman_counts_exactly(tmp_path, start_server):
    """`foreman start -m web=3` runs the Procfile's web process three times,
    each on its own port (foreman gives web.N the port base+N-1)."""
    first = start_server("welcome", env={"WEB_THREADS": 1})  # migrates a store
    store_url = first.env["DATABASE_URL"]
    first.stop()
    base = free_port()
    ports = [base, base + 1, base + 2]
    procfile = tmp_path / "Procfile"
    procfile.write_text((ROOT / "Procfile").read_text())
    env = child_env({"DATABASE_URL": store_url, "BIND": "127.0.0.1",
                     "WEB_THREADS": 1,
                     "PATH": f"{bin_dir()}:{os.environ['PATH']}"})
    foreman = subprocess.Popen(
        ["foreman", "start", "-m", "web=3,release=0", "-p", str(base),
         "-f", str(procfile), "-d", str(tmp_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        for port in ports:
            _wait_ready(port, foreman)
        counts = [int(COUNT.search(get(ports[i % 3], "/").body).group(1))
                  for i in range(90)]
    finally:
        os.killpg(foreman.pid, signal.SIGTERM)
        output = foreman.communicate(timeout=20)[0].decode(errors="replace")
    assert sorted(counts) == list(range(1, 91)), output
    for n in (1, 2, 3):
        assert f"web.{n}" in output, output


def _wait_ready(port, process, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "foreman exited early"
        response = try_get(port, "/readyz")
        if response is not None and response.status == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing ready on port {port} within {timeout}s")
