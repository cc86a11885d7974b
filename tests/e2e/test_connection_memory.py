"""A connection's memory follows the bytes it holds: a header that arrives in
pieces costs about what it weighs, not a read buffer.

Memory is compared as VmRSS increases of two servers started alike, never as
absolute numbers.
"""

import resource
import time

import pytest

from expectations import assert_hello_root
from http_client import build_request

CONNECTIONS = 2000
# Descriptors the test process needs: its clients, plus room for pytest and
# the server's pipes.
NEEDED_DESCRIPTORS = CONNECTIONS + 256
SETTLE_TIMEOUT = 30.0

SERVER_ENV = {"WEB_THREADS": "1", "HTTP_MAX_CONNECTIONS": str(CONNECTIONS * 2),
              "HTTP_HEADER_TIMEOUT": "5m", "HTTP_IDLE_TIMEOUT": "5m"}


@pytest.fixture
def descriptors():
    """Raises this process's descriptor limit for the test's clients; the
    server, started afterwards, inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= NEEDED_DESCRIPTORS:
        yield
        return
    if hard != resource.RLIM_INFINITY and hard < NEEDED_DESCRIPTORS:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below the "
                    f"{NEEDED_DESCRIPTORS} descriptors this test needs")
    resource.setrlimit(resource.RLIMIT_NOFILE, (NEEDED_DESCRIPTORS, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


def _unread_bytes(port):
    """Bytes waiting in the receive queues of the server's accepted sockets
    (local port `port`), and how many such sockets there are."""
    unread, sockets = 0, 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.readlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if state != "01" or int(local.rsplit(":", 1)[1], 16) != port:
                continue  # not an established socket of the server
            sockets += 1
            unread += int(queues.split(":")[1], 16)
    return unread, sockets


def _wait_until_read(server, count):
    """Waits until the server has read everything its `count` clients sent,
    so the next piece arrives as a read of its own."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        unread, sockets = _unread_bytes(server.port)
        if unread == 0 and sockets >= count:
            return
        assert time.monotonic() < deadline, (
            f"server still has {unread} unread bytes on {sockets} sockets")
        time.sleep(0.05)


def _warmed_up(start_server):
    """A server whose first request has been answered: what every connection
    shares (the worker's read buffer, the date cache) is already counted."""
    server = start_server("hello", env=SERVER_ENV)
    with server.connect() as conn:
        assert_hello_root(conn.request("GET", "/"))
    return server


def _idle_keep_alive_cost(start_server):
    server = _warmed_up(start_server)
    before = _vm_rss_kib(server.proc.pid)
    held = []
    try:
        for _ in range(CONNECTIONS):
            conn = server.connect(timeout=30)
            held.append(conn)
            assert_hello_root(conn.request("GET", "/", timeout=30))
        _wait_until_read(server, CONNECTIONS)
        return _vm_rss_kib(server.proc.pid) - before
    finally:
        for conn in held:
            conn.close()


def _slow_header_cost(start_server):
    server = _warmed_up(start_server)
    before = _vm_rss_kib(server.proc.pid)
    held = []
    try:
        for _ in range(CONNECTIONS):
            conn = server.connect(timeout=30)
            held.append(conn)
            conn.send(b"GET / HTTP/1.1\r\n")
        _wait_until_read(server, CONNECTIONS)
        for conn in held:
            conn.send(b"Host: x\r\n")  # still unfinished: no blank line
        _wait_until_read(server, CONNECTIONS)
        cost = _vm_rss_kib(server.proc.pid) - before
        # Still waiting, not closed: finishing the header gets the answer.
        held[0].send(b"\r\n")
        assert_hello_root(held[0].read_response(timeout=30))
        return cost
    finally:
        for conn in held:
            conn.close()


def test_headers_arriving_in_pieces_cost_about_what_idle_connections_cost(
        start_server, descriptors):
    idle = _idle_keep_alive_cost(start_server)
    slow = _slow_header_cost(start_server)
    print(f"VmRSS increase for {CONNECTIONS} connections: idle keep-alive "
          f"{idle} KiB, header in two pieces {slow} KiB "
          f"(ratio {slow / max(idle, 1):.2f})")
    assert idle > 0, idle
    assert slow <= 4 * idle, (
        f"{CONNECTIONS} slow-header connections cost {slow} KiB, more than 4x "
        f"the {idle} KiB of as many idle keep-alive connections")
