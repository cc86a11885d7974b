"""A request's body has a deadline of its own, HTTP_BODY_TIMEOUT, counted
from the end of its header and covering the whole body: a slow but steady
upload within it is answered however short HTTP_HEADER_TIMEOUT is, and a
body that trickles on (a slowloris body) is cut when it passes, however
steadily its bytes come.

Each case trickles its body and asserts on what the server did (answered,
or closed with nothing answered), never on how long it took; the pauses
only make the trickle slower than the one timeout and far faster than the
other.
"""

import select

import pytest

from expectations import assert_hello_root, assert_welcome_root
from metrics_scrape import parse, value

APPS = {"hello": assert_hello_root, "welcome": assert_welcome_root}
PAUSE = 0.1  # between two pieces of a body
# GET / answers 200 in both apps; a body does not change that.
HEAD = b"GET / HTTP/1.1\r\nHost: x\r\n"


def content_length_request(body):
    head = HEAD + b"Content-Length: %d\r\n\r\n" % len(body)
    return head, [body[i:i + 1] for i in range(len(body))]


def chunked_request(body):
    head = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    pieces = [b"1\r\n" + body[i:i + 1] + b"\r\n" for i in range(len(body))]
    return head, pieces + [b"0\r\n\r\n"]


FRAMINGS = {"content-length": content_length_request,
            "chunked": chunked_request}


def trickle(conn, pieces, pause):
    """Sends the pieces one by one, `pause` apart, until the server closes
    the connection or answers. Returns how many pieces were sent and what
    the server sent (b"" when it closed without a word, None when it is
    still silent and open after the last piece)."""
    sent = 0
    for piece in pieces:
        readable, _, _ = select.select([conn.sock], [], [], pause)
        if readable:
            try:
                return sent, conn.sock.recv(65536)
            except ConnectionResetError:
                return sent, b""
        try:
            conn.sock.sendall(piece)
        except OSError:  # reset after the server closed
            return sent, b""
        sent += 1
    return sent, None


@pytest.mark.parametrize("framing", sorted(FRAMINGS))
@pytest.mark.parametrize("app", sorted(APPS))
def test_slow_steady_body_within_the_body_timeout_is_answered(start_server,
                                                              app, framing):
    # The upload takes at least 1.2 s, six header timeouts: before the body
    # had a deadline of its own, the header's cut it.
    server = start_server(app, env={"HTTP_HEADER_TIMEOUT": "200ms",
                                    "HTTP_BODY_TIMEOUT": "60s"})
    head, pieces = FRAMINGS[framing](b"x" * 12)
    with server.connect() as conn:
        conn.send(head)
        sent, answer = trickle(conn, pieces, PAUSE)
        assert (sent, answer) == (len(pieces), None), (
            f"the server answered or closed after {sent} of {len(pieces)} "
            f"pieces: {answer!r}")
        APPS[app](conn.read_response())
        # The connection is kept: the body ended where it should.
        APPS[app](conn.request("GET", "/"))


@pytest.mark.parametrize("framing", sorted(FRAMINGS))
@pytest.mark.parametrize("app", sorted(APPS))
def test_body_trickling_past_the_body_timeout_is_cut(start_server, app,
                                                     framing):
    # The header timeout is longer than the whole trickle (300 pieces, at
    # least 30 s): only the body timeout can end it early.
    server = start_server(app, env={"HTTP_HEADER_TIMEOUT": "60s",
                                    "HTTP_BODY_TIMEOUT": "500ms"})
    head, pieces = FRAMINGS[framing](b"x" * 300)
    with server.connect() as conn:
        conn.send(head)
        sent, answer = trickle(conn, pieces, PAUSE)
    assert sent < len(pieces), "the whole body was taken"
    # Closed with nothing answered (a 408 first would do too), never 200.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
    APPS[app](server.get("/"))
    metrics = server.get("/metrics")
    assert metrics.status == 200, metrics
    assert value(parse(metrics.body.decode()), "http_requests_rejected_total",
                 reason="timeout") == 1, metrics.body


@pytest.mark.parametrize("app", sorted(APPS))
def test_body_timeout_does_not_lengthen_the_header_timeout(start_server, app):
    server = start_server(app, env={"HTTP_HEADER_TIMEOUT": "500ms",
                                    "HTTP_BODY_TIMEOUT": "60s"})
    # A header that trickles on: one byte of a field value at a time.
    pieces = [b"a"] * 300
    with server.connect() as conn:
        conn.send(HEAD + b"X-Slow: ")
        sent, answer = trickle(conn, pieces, PAUSE)
    assert sent < len(pieces), "the whole header was taken"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
