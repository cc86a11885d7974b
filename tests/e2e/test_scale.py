"""Scale out by running more processes (factor VIII): with REUSE_PORT=on
several processes share one $PORT and the kernel spreads connections among
them; without it a port in use stays an error."""

import re

from conftest import free_port
from http_client import get

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
