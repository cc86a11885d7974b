"""HTTP_MAX_CONNECTIONS: at the limit, the connection idle the longest makes
room for a new client (so /livez is never locked out by idle keep-alive
connections); only when every connection is busy with a request is a new
client refused, with a 503. A request in flight is never cut."""

import time

import pytest

from expectations import assert_hello_root
from http_client import ConnectionClosed, build_request

# A request whose body is still being sent: the connection is busy.
UNFINISHED = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
              b"Content-Length: 10\r\n\r\nabc")
REST_OF_BODY = b"defghij"


def _limited(start_server, threads, limit):
    return start_server("hello", env={"HTTP_MAX_CONNECTIONS": str(limit),
                                      "WEB_THREADS": str(threads),
                                      "HTTP_IDLE_TIMEOUT": "60s",
                                      "HTTP_HEADER_TIMEOUT": "60s",
                                      "HTTP_BODY_TIMEOUT": "60s"})


def _finish_busy(conn):
    """Sends the rest of UNFINISHED and reads its answer: 405 (hello's / is
    GET only), so the request was whole and answered, not cut."""
    conn.send(REST_OF_BODY)
    r = conn.read_response(timeout=10)
    assert r.status == 405, r


@pytest.mark.parametrize("threads", [1, 2])
def test_at_the_limit_the_oldest_idle_connection_makes_room(start_server,
                                                            threads):
    server = _limited(start_server, threads, limit=4)
    busy = server.connect()
    busy.send(UNFINISHED)  # the oldest connection, but busy: never closed
    idle = [server.connect() for _ in range(3)]
    try:
        for conn in idle:  # idle from oldest to newest
            assert_hello_root(conn.request("GET", "/"))
        with server.connect() as newcomer:
            r = newcomer.request("GET", "/livez")
            assert r.status == 200, r
            # The connection idle the longest was closed cleanly: a FIN and
            # no bytes.
            _, data = idle[0].wait_closed(timeout=10)
            assert data == b"", data
            assert not idle[0].reset
            for conn in idle[1:]:
                assert_hello_root(conn.request("GET", "/"))
            assert_hello_root(newcomer.request("GET", "/"))
        _finish_busy(busy)
    finally:
        for conn in [busy, *idle]:
            conn.close()
    event = server.wait_for("idle connection closed")
    assert event["level"] == "warn", event
    assert event["reason"] == "HTTP_MAX_CONNECTIONS reached", event
    assert event["max_connections"] == 4, event
    assert server.events("connection refused") == []


def _refused_busy(server):
    """One more client, when every connection is busy: it gets a 503 that
    says why, then the close."""
    with server.connect(timeout=10) as conn:
        conn.send(build_request("GET", "/livez"))
        r = conn.read_response(timeout=10)
        assert r.status == 503, r
        assert r.body == b"too many connections\n", r
        assert r.header("Retry-After") == "1", r
        assert r.has_token("Connection", "close"), r
        assert conn.read_until_close(timeout=10) == b""


@pytest.mark.parametrize("threads", [1, 2])
def test_at_the_limit_with_every_connection_busy_a_new_client_gets_503(
        start_server, threads):
    server = _limited(start_server, threads, limit=3)
    busy = [server.connect() for _ in range(3)]
    try:
        for conn in busy:
            conn.send(UNFINISHED)
        _refused_busy(server)
        for conn in busy:  # nothing in flight was cut to make room
            _finish_busy(conn)
    finally:
        for conn in busy:
            conn.close()
    event = server.wait_for("connection refused")
    assert event["level"] == "warn", event
    assert event["reason"] == "HTTP_MAX_CONNECTIONS reached, none idle", event
    assert server.events("idle connection closed") == []


def test_new_connections_are_served_after_busy_ones_close(start_server):
    server = _limited(start_server, 2, limit=2)
    busy = [server.connect() for _ in range(2)]
    with busy[0], busy[1]:
        for conn in busy:
            conn.send(UNFINISHED)
        _refused_busy(server)
    # Both closed by us: once the server notices the closes (asynchronously,
    # so retry for a while), two keep-alive connections fit at once again.
    deadline = time.monotonic() + 10
    while True:
        try:
            with server.connect(timeout=1) as a, server.connect(timeout=1) as b:
                ra, rb = a.request("GET", "/"), b.request("GET", "/")
                if ra.status == 200 and rb.status == 200:
                    assert_hello_root(ra)
                    assert_hello_root(rb)
                    return
        except (OSError, ConnectionClosed, TimeoutError):
            pass
        assert time.monotonic() < deadline, "slots not freed after closes"
        time.sleep(0.05)
