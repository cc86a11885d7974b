"""Framing that RFC 9112 forbids is answered 400 and the connection closes, so
nothing can be smuggled behind a request. Each bad request is followed, in the
same send, by a second request: only the 400 may come back."""

import pytest

from expectations import assert_hello_root

SMUGGLED = b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"
CHUNKED_BODY = b"5\r\nhello\r\n0\r\n\r\n"


def _head(*lines, version=b"HTTP/1.1", method=b"POST", target=b"/"):
    return (method + b" " + target + b" " + version + b"\r\n"
            + b"".join(line + b"\r\n" for line in lines) + b"\r\n")


BAD_FRAMINGS = {
    "te-last-coding-not-chunked": _head(
        b"Host: x", b"Transfer-Encoding: chunked, gzip") + CHUNKED_BODY,
    "te-gzip-only": _head(b"Host: x", b"Transfer-Encoding: gzip") + CHUNKED_BODY,
    "te-unknown-coding": _head(b"Host: x", b"Transfer-Encoding: bogus") + CHUNKED_BODY,
    "chunked-on-http10": _head(
        b"Host: x", b"Transfer-Encoding: chunked", version=b"HTTP/1.0") + CHUNKED_BODY,
    "te-and-content-length": _head(
        b"Host: x", b"Content-Length: 6", b"Transfer-Encoding: chunked") + b"0\r\n\r\n",
    "two-different-content-lengths": _head(
        b"Host: x", b"Content-Length: 5", b"Content-Length: 6") + b"hello",
    "content-length-list": _head(b"Host: x", b"Content-Length: 5, 6") + b"hello",
    "content-length-not-a-number": _head(b"Host: x", b"Content-Length: abc"),
    "content-length-negative": _head(b"Host: x", b"Content-Length: -1"),
    "content-length-plus-sign": _head(b"Host: x", b"Content-Length: +5") + b"hello",
    "invalid-chunk-size": _head(
        b"Host: x", b"Transfer-Encoding: chunked") + b"zz\r\nhello\r\n0\r\n\r\n",
    "missing-host-http11": _head(method=b"GET"),
    "two-host-headers": _head(b"Host: a", b"Host: b", method=b"GET"),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMINGS))
def test_bad_framing_is_400_and_closes_with_nothing_smuggled(hello, case):
    with hello.connect() as conn:
        conn.send(BAD_FRAMINGS[case] + SMUGGLED)
        r = conn.read_response()
        rest = conn.read_until_close(timeout=3)
    assert r.status == 400, r
    assert rest == b"", f"bytes after the 400 (a smuggled answer?): {rest!r}"


def test_valid_chunked_post_is_accepted(hello):
    with hello.connect() as conn:
        conn.send(_head(b"Host: x", b"Transfer-Encoding: chunked") + CHUNKED_BODY)
        r = conn.read_response()
    assert r.status == 405, r  # framing accepted; / only allows GET


def test_valid_chunked_post_leaves_the_connection_usable(hello):
    with hello.connect() as conn:
        conn.send(_head(b"Host: x", b"Transfer-Encoding: chunked")
                  + CHUNKED_BODY + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        first, second = conn.read_responses(2)
    assert first.status == 405, first
    assert_hello_root(second)


def test_http10_without_host_is_accepted(hello):
    with hello.connect() as conn:
        conn.send(b"GET / HTTP/1.0\r\n\r\n")
        assert_hello_root(conn.read_response())
