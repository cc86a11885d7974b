"""RFC 9112 framing, against the real binaries: every shape a client may send
that the RFC forbids or that parsers disagree on.

Each request is sent with a second one behind it in the same write (SMUGGLED,
GET /livez with Connection: close). For each shape the answers must be
exactly the expected ones, then the connection closes:
  - a bad shape gets one 4xx (or 501/505) and the close: nothing behind it is
    answered, so nothing can be smuggled;
  - a valid shape gets its own answer, then the answer to SMUGGLED: the body
    ended exactly where it should;
  - a valid header whose bytes after it are no request (an unknown
    "Transfer_Encoding", say) gets its answer, then a 400 for those bytes.
No case may hang (every read has a deadline shorter than the server's header
timeout) or crash the server (it must answer afterwards).
"""

import signal
import threading
import time

import pytest

from conftest import Server
from http_client import ConnectionClosed

SMUGGLED = b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
LIVEZ = "livez"  # in an expectation: the answer to SMUGGLED
HEALTH_JSON = "application/health+json"
MIB = 1024 * 1024
# The server's default limits (HTTP_MAX_HEADER_BYTES, HTTP_MAX_BODY_BYTES).
HEADER_LIMIT = 16 * 1024
BODY_LIMIT = MIB


def req(*fields, method=b"POST", target=b"/", version=b"HTTP/1.1", line=None):
    """A request head: its request line, each field line, the empty line."""
    if line is None:
        line = method + b" " + target + b" " + version
    return line + b"\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


HOST = b"Host: x"
TE = b"Transfer-Encoding: chunked"
BODY = b"5\r\nhello\r\n0\r\n\r\n"


def chunked(body, *fields):
    return req(HOST, TE, *fields) + body


def chunks(count, size, ext=b""):
    """`count` chunks of `size` bytes, then the last chunk."""
    one = b"%x" % size + ext + b"\r\n" + b"x" * size + b"\r\n"
    return one * count + b"0\r\n\r\n"


# --- bad shapes: one 4xx/5xx, then the close --------------------------------

TRANSFER_ENCODING = {
    "te-last-coding-not-chunked": (
        req(HOST, b"Transfer-Encoding: chunked, gzip") + BODY, 400),
    "te-gzip-only": (req(HOST, b"Transfer-Encoding: gzip") + BODY, 400),
    "te-unknown-coding": (req(HOST, b"Transfer-Encoding: bogus") + BODY, 400),
    "te-xchunked": (req(HOST, b"Transfer-Encoding: xchunked") + BODY, 400),
    "te-chunkedx": (req(HOST, b"Transfer-Encoding: chunkedx") + BODY, 400),
    "te-quoted": (req(HOST, b'Transfer-Encoding: "chunked"') + BODY, 400),
    "te-with-parameter": (
        req(HOST, b"Transfer-Encoding: chunked;q=1") + BODY, 400),
    "te-empty": (req(HOST, b"Transfer-Encoding:") + BODY, 400),
    "te-empty-coding": (req(HOST, b"Transfer-Encoding: , chunked") + BODY, 400),
    "te-chunked-twice-in-one": (
        req(HOST, b"Transfer-Encoding: chunked, chunked") + BODY, 400),
    "te-duplicated-header": (req(HOST, TE, TE) + BODY, 400),
    "te-gzip-then-chunked": (
        req(HOST, b"Transfer-Encoding: gzip, chunked") + BODY, 501),
    "te-identity-then-chunked": (
        req(HOST, b"Transfer-Encoding: identity, chunked") + BODY, 501),
    "te-split-over-headers": (
        req(HOST, b"Transfer-Encoding: gzip", TE) + BODY, 501),
    "te-space-before-colon": (
        req(HOST, b"Transfer-Encoding : chunked") + BODY, 400),
    "te-tab-before-colon": (
        req(HOST, b"Transfer-Encoding\t: chunked") + BODY, 400),
    "te-vertical-tab-in-value": (
        req(HOST, b"Transfer-Encoding:\x0bchunked") + BODY, 400),
    "te-form-feed-in-value": (
        req(HOST, b"Transfer-Encoding: chunked\x0c") + BODY, 400),
    "te-nul-in-value": (req(HOST, b"Transfer-Encoding: chunked\x00") + BODY, 400),
    "te-bare-cr-in-value": (
        req(HOST, b"Transfer-Encoding: chunked\r") + BODY, 400),
    "te-obs-fold": (req(HOST, b"Transfer-Encoding:", b" chunked") + BODY, 400),
    "te-obs-fold-second-coding": (
        req(HOST, b"Transfer-Encoding: gzip", b"\tchunked") + BODY, 400),
    "te-line-starting-with-space": (
        req(b" Transfer-Encoding: chunked", HOST) + BODY, 400),
    "te-on-http10": (req(HOST, TE, version=b"HTTP/1.0") + BODY, 400),
    "te-and-content-length": (req(HOST, b"Content-Length: 6", TE) + BODY, 400),
    "te-then-content-length": (req(HOST, TE, b"Content-Length: 6") + BODY, 400),
    "te-and-content-length-0": (
        req(HOST, TE, b"Content-Length: 0") + BODY, 400),
}

CONTENT_LENGTH = {
    "two-different-content-lengths": (
        req(HOST, b"Content-Length: 5", b"Content-Length: 6") + b"hello", 400),
    "two-equal-content-lengths": (
        req(HOST, b"Content-Length: 5", b"Content-Length: 5") + b"hello", 400),
    "content-length-list": (req(HOST, b"Content-Length: 5, 6") + b"hello", 400),
    "content-length-list-equal": (
        req(HOST, b"Content-Length: 5, 5") + b"hello", 400),
    "content-length-not-a-number": (req(HOST, b"Content-Length: abc"), 400),
    "content-length-empty": (req(HOST, b"Content-Length:"), 400),
    "content-length-negative": (req(HOST, b"Content-Length: -1"), 400),
    "content-length-plus-sign": (
        req(HOST, b"Content-Length: +5") + b"hello", 400),
    "content-length-hex": (
        req(HOST, b"Content-Length: 0x10") + b"x" * 16, 400),
    "content-length-inner-space": (
        req(HOST, b"Content-Length: 1 2") + b"x" * 12, 400),
    "content-length-decimal-point": (
        req(HOST, b"Content-Length: 5.0") + b"hello", 400),
    "content-length-overflows": (
        req(HOST, b"Content-Length: 99999999999999999999999"), 400),
    "content-length-max-u64": (
        req(HOST, b"Content-Length: 18446744073709551615"), 413),
    "content-length-over-the-body-limit": (
        req(HOST, b"Content-Length: %d" % (BODY_LIMIT + 1)), 413),
    "content-length-obs-fold": (
        req(HOST, b"Content-Length:", b" 5") + b"hello", 400),
}

HEADER = {
    "obs-fold": (req(HOST, b"X-A: a", b" b", method=b"GET"), 400),
    "obs-fold-tab": (req(HOST, b"X-A: a", b"\tb", method=b"GET"), 400),
    "obs-fold-empty-first-line": (
        req(HOST, b"X-A:", b" b", method=b"GET"), 400),
    "obs-fold-empty-continuation": (
        req(HOST, b"X-A: a", b" ", method=b"GET"), 400),
    # The server reads this one's value itself: folded, it once crashed it.
    "obs-fold-request-id": (
        req(HOST, b"X-Request-ID: abc", b" def", method=b"GET"), 400),
    "whitespace-before-colon": (req(b"Host : x", method=b"GET"), 400),
    "empty-field-name": (req(HOST, b": x", method=b"GET"), 400),
    "field-without-colon": (req(HOST, b"X-A", method=b"GET"), 400),
    "nul-in-field-name": (req(HOST, b"X\x00A: b", method=b"GET"), 400),
    "nul-in-field-value": (req(HOST, b"X-A: a\x00b", method=b"GET"), 400),
    "control-in-field-value": (req(HOST, b"X-A: a\x01b", method=b"GET"), 400),
    "del-in-field-value": (req(HOST, b"X-A: a\x7fb", method=b"GET"), 400),
    "bare-lf-ending-a-field": (
        b"GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400),
    "bare-lf-ending-the-header": (b"GET / HTTP/1.1\r\nHost: x\r\n\n", 400),
    "bare-cr-ending-a-field": (
        b"GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400),
    "bare-cr-in-a-value": (req(HOST, b"X-A: a\rb", method=b"GET"), 400),
    "missing-host-http11": (req(method=b"GET"), 400),
    "two-host-headers": (req(b"Host: a", b"Host: b", method=b"GET"), 400),
    "oversized-field": (
        req(HOST, b"X-Big: " + b"a" * HEADER_LIMIT, method=b"GET"), 431),
    "oversized-header": (
        req(HOST, *[b"X-%d: %s" % (i, b"a" * 100) for i in range(200)],
            method=b"GET"), 431),
}

REQUEST_LINE = {
    "bare-lf-ending-the-request-line": (b"GET / HTTP/1.1\nHost: x\r\n\r\n", 400),
    "bare-cr-ending-the-request-line": (
        b"GET / HTTP/1.1\rHost: x\r\n\r\n", 400),
    "missing-version": (b"GET /\r\nHost: x\r\n\r\n", 400),
    "missing-target": (b"GET HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "missing-method": (b"/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "two-spaces-before-target": (req(HOST, line=b"GET  / HTTP/1.1"), 400),
    "two-spaces-before-version": (req(HOST, line=b"GET /  HTTP/1.1"), 400),
    "space-after-version": (req(HOST, line=b"GET / HTTP/1.1 "), 400),
    "space-before-method": (req(HOST, line=b" GET / HTTP/1.1"), 400),
    "tabs-for-spaces": (req(HOST, line=b"GET\t/\tHTTP/1.1"), 400),
    "space-in-target": (req(HOST, line=b"GET /a b HTTP/1.1"), 400),
    "nul-in-target": (req(HOST, line=b"GET /a\x00b HTTP/1.1"), 400),
    "del-in-target": (req(HOST, line=b"GET /a\x7fb HTTP/1.1"), 400),
    "control-in-target": (req(HOST, line=b"GET /a\x01b HTTP/1.1"), 400),
    "bad-method-token": (req(HOST, line=b"G(T / HTTP/1.1"), 400),
    "nul-in-method": (req(HOST, line=b"G\x00T / HTTP/1.1"), 400),
    "asterisk-form": (req(HOST, line=b"OPTIONS * HTTP/1.1"), 400),
    "authority-form": (req(HOST, line=b"CONNECT x:443 HTTP/1.1"), 400),
    "relative-target": (req(HOST, line=b"GET abc HTTP/1.1"), 400),
    "lowercase-version": (req(HOST, line=b"GET / http/1.1"), 400),
    "version-without-minor": (req(HOST, line=b"GET / HTTP/1"), 400),
    "version-with-two-digit-minor": (req(HOST, line=b"GET / HTTP/1.10"), 400),
    "version-https": (req(HOST, line=b"GET / HTTPS/1.1"), 400),
    "http09-simple-request": (b"GET /\r\n", 400),
    "version-2.0": (req(HOST, line=b"GET / HTTP/2.0"), 505),
    "version-2.1": (req(HOST, line=b"GET / HTTP/2.1"), 505),
    "version-0.9": (req(HOST, line=b"GET / HTTP/0.9"), 505),
    "version-1.2-then-space": (req(HOST, line=b"GET / HTTP/1.2 "), 400),
    "version-1.2-then-bare-lf": (b"GET / HTTP/1.2\nHost: x\r\n\r\n", 400),
    "version-1.2-without-host": (req(line=b"GET / HTTP/1.2"), 400),
    "version-1.20": (req(HOST, line=b"GET / HTTP/1.20"), 400),
    "oversized-request-line": (
        req(HOST, line=b"GET /" + b"a" * HEADER_LIMIT + b" HTTP/1.1"), 414),
}

# RFC 9112 section 2.2: empty lines (CRLF) before a request line are
# skipped, at most 4 (MAX_EMPTY_LINES) in a row.
MAX_EMPTY_LINES = 4
EMPTY_LINES = {
    "too-many-empty-lines-before-request-line": (
        b"\r\n" * (MAX_EMPTY_LINES + 1) + req(HOST, method=b"GET"), 400),
    "bare-lf-before-request-line": (b"\n" + req(HOST, method=b"GET"), 400),
    "bare-cr-before-request-line": (b"\r" + req(HOST, method=b"GET"), 400),
    "blank-line-of-a-space-before-request-line": (
        b" \r\n" + req(HOST, method=b"GET"), 400),
}

CHUNKED = {
    "chunk-size-not-hex": (chunked(b"zz\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-negative": (chunked(b"-5\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-plus-sign": (chunked(b"+5\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-0x-prefix": (chunked(b"0x5\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-leading-space": (chunked(b" 5\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-trailing-space": (chunked(b"5 \r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-trailing-tab": (chunked(b"5\t\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-empty": (chunked(b"\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-overflows": (
        chunked(b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 413),
    "chunk-size-max-u64": (
        chunked(b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 413),
    "chunk-size-over-the-body-limit": (
        chunked(b"%x\r\nhello\r\n0\r\n\r\n" % (BODY_LIMIT + 1)), 413),
    "chunks-over-the-body-limit": (
        chunked(chunks(BODY_LIMIT // 65536 + 1, 65536)), 413),
    "chunk-size-line-bare-lf": (chunked(b"5\nhello\r\n0\r\n\r\n"), 400),
    "chunk-size-line-bare-cr": (chunked(b"5\rhello\r\n0\r\n\r\n"), 400),
    "last-chunk-line-bare-lf": (chunked(b"5\r\nhello\r\n0\n\r\n"), 400),
    "final-line-bare-lf": (chunked(b"5\r\nhello\r\n0\r\n\n"), 400),
    "chunk-data-longer-than-declared": (
        chunked(b"3\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-data-shorter-than-declared": (
        chunked(b"8\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk-data-then-bare-lf": (chunked(b"5\r\nhello\n0\r\n\r\n"), 400),
    "chunk-data-then-bare-cr": (chunked(b"5\r\nhello\r0\r\n\r\n"), 400),
    "missing-final-crlf": (chunked(b"5\r\nhello\r\n0\r\n"), 400),
    "missing-last-chunk": (chunked(b"5\r\nhello\r\n"), 400),
    "ext-control-in-quotes": (
        chunked(b'5;a="\x01"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-nul-in-quotes": (chunked(b'5;a="\x00"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-del-in-quotes": (chunked(b'5;a="\x7f"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-bare-lf-in-quotes": (chunked(b'5;a="\n"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-bare-cr-in-quotes": (chunked(b'5;a="\r"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-control-in-quoted-pair": (
        chunked(b'5;a="\\\x01"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-unterminated-quote": (
        chunked(b'5;a="abc\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-quote-escaped-at-end": (
        chunked(b'5;a="abc\\"\r\nhello\r\n0\r\n\r\n'), 400),
    "ext-nul-unquoted": (chunked(b"5;a=\x00\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-empty": (chunked(b"5;\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-missing-name": (chunked(b"5;=b\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-missing-value": (chunked(b"5;a=\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-space-in-value": (chunked(b"5;a=b c\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-trailing-space": (chunked(b"5;a \r\nhello\r\n0\r\n\r\n"), 400),
    "ext-without-semicolon": (chunked(b"5 a\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-separator-in-name": (chunked(b"5;a/b\r\nhello\r\n0\r\n\r\n"), 400),
    "ext-on-last-chunk-bad": (chunked(b"5\r\nhello\r\n0;\x01\r\n\r\n"), 400),
    "chunk-line-over-8kib": (
        chunked(b"1;a=" + b"v" * 8192 + b"\r\nx\r\n0\r\n\r\n"), 400),
    "long-extensions-on-tiny-chunks": (
        chunked(chunks(140, 1, b";" + b"e" * 8000)), 413),
    "many-tiny-chunks": (chunked(chunks(300000, 1)), 413),
    "trailer-without-colon": (chunked(b"0\r\nX-T\r\n\r\n"), 400),
    "trailer-space-before-colon": (chunked(b"0\r\nX-T : 1\r\n\r\n"), 400),
    "trailer-empty-name": (chunked(b"0\r\n: 1\r\n\r\n"), 400),
    "trailer-obs-fold": (chunked(b"0\r\nX-T: 1\r\n 2\r\n\r\n"), 400),
    "trailer-nul-in-value": (chunked(b"0\r\nX-T: \x00\r\n\r\n"), 400),
    "trailer-bare-lf": (chunked(b"0\r\nX-T: 1\n\r\n"), 400),
    "trailer-bare-cr": (chunked(b"0\r\nX-T: 1\r2\r\n\r\n"), 400),
    "trailer-transfer-encoding": (
        chunked(b"0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400),
    "trailer-content-length": (
        chunked(b"0\r\nContent-Length: 5\r\n\r\nhello"), 400),
    "trailer-host": (chunked(b"0\r\nHost: y\r\n\r\n"), 400),
    "trailer-over-8kib": (
        chunked(b"0\r\nX-T: " + b"a" * 8192 + b"\r\n\r\n"), 400),
}

EXPECT_CONTINUE = {
    "expect-continue-body-over-limit": (
        req(HOST, b"Expect: 100-continue",
            b"Content-Length: %d" % (BODY_LIMIT + 1)), 413),
    "expect-continue-bad-framing": (
        req(HOST, b"Expect: 100-continue", b"Transfer-Encoding: gzip"), 400),
    "expect-continue-bad-chunk": (
        chunked(b"zz\r\n", b"Expect: 100-continue"), 400),
}

REJECTED = {**TRANSFER_ENCODING, **CONTENT_LENGTH, **HEADER, **REQUEST_LINE,
            **CHUNKED, **EXPECT_CONTINUE, **EMPTY_LINES}

# --- valid shapes: their own answer, then SMUGGLED's ----------------------------

ACCEPTED = {
    "chunked": (chunked(BODY), [405, LIVEZ]),
    "chunked-empty-body": (chunked(b"0\r\n\r\n"), [405, LIVEZ]),
    "chunked-coding-in-capitals": (
        req(HOST, b"Transfer-Encoding: CHUNKED") + BODY, [405, LIVEZ]),
    "te-name-in-lower-case": (
        req(HOST, b"transfer-encoding: chunked") + BODY, [405, LIVEZ]),
    "te-without-whitespace": (
        req(HOST, b"Transfer-Encoding:chunked") + BODY, [405, LIVEZ]),
    "te-with-tabs-around": (
        req(HOST, b"Transfer-Encoding:\t chunked \t") + BODY, [405, LIVEZ]),
    "chunk-size-upper-and-lower-hex": (
        chunked(b"A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n"),
        [405, LIVEZ]),
    "chunk-size-leading-zeros": (
        chunked(b"0005\r\nhello\r\n000\r\n\r\n"), [405, LIVEZ]),
    "chunk-extensions": (
        chunked(b"5;a;b=c ; d = \"e \\\" f\"\r\nhello\r\n0;x=y\r\n\r\n"),
        [405, LIVEZ]),
    "chunk-extension-obs-text": (
        chunked(b'5;a="\xe9\\\xe9"\r\nhello\r\n0\r\n\r\n'), [405, LIVEZ]),
    "chunk-line-of-8kib": (
        chunked(b"1;a=" + b"v" * (8192 - 6) + b"\r\nx\r\n0\r\n\r\n"),
        [405, LIVEZ]),
    "trailers": (chunked(b"5\r\nhello\r\n0\r\nX-A: 1\r\nX-B:\r\n\r\n"),
                 [405, LIVEZ]),
    "body-of-the-limit-in-64kib-chunks": (
        chunked(chunks(BODY_LIMIT // 65536, 65536)), [405, LIVEZ]),
    "body-of-the-limit-in-16-byte-chunks": (
        chunked(chunks(BODY_LIMIT // 16, 16)), [405, LIVEZ]),
    "two-chunked-requests-pipelined": (
        chunked(BODY) + chunked(b"3;x=y\r\nabc\r\n0\r\nX: 1\r\n\r\n"),
        [405, 405, LIVEZ]),
    "chunked-then-content-length": (
        chunked(BODY) + req(HOST, b"Content-Length: 3") + b"abc",
        [405, 405, LIVEZ]),
    "get-with-chunked-body": (
        req(HOST, TE, method=b"GET") + BODY, [200, LIVEZ]),
    "content-length": (req(HOST, b"Content-Length: 5") + b"hello",
                       [405, LIVEZ]),
    "content-length-zero": (req(HOST, b"Content-Length: 0"), [405, LIVEZ]),
    "content-length-leading-zeros": (
        req(HOST, b"Content-Length: 005") + b"hello", [405, LIVEZ]),
    "absolute-form": (
        req(HOST, line=b"GET http://x/ HTTP/1.1"), [200, LIVEZ]),
    "absolute-form-without-path": (
        req(HOST, line=b"GET http://x HTTP/1.1"), [200, LIVEZ]),
    "method-in-lower-case": (req(HOST, method=b"get"), [405, LIVEZ]),
    "unknown-method": (req(HOST, method=b"BREW"), [405, LIVEZ]),
    "field-value-with-tabs-and-obs-text": (
        req(HOST, b"X-A:\ta \t\xe9\t", method=b"GET"), [200, LIVEZ]),
    "expect-continue-with-the-body": (
        req(HOST, b"Expect: 100-continue", b"Content-Length: 5") + b"hello",
        [405, LIVEZ]),
    # HTTP/1.0 without keep-alive: answered, then closed.
    "http10-without-host": (req(method=b"GET", version=b"HTTP/1.0"), [200]),
    # RFC 9110 section 2.5: a higher minor version is taken as HTTP/1.1.
    "version-1.2": (req(HOST, line=b"GET / HTTP/1.2"), [200, LIVEZ]),
    "version-1.9": (req(HOST, line=b"GET / HTTP/1.9"), [200, LIVEZ]),
    "version-1.2-content-length": (
        req(HOST, b"Content-Length: 5", version=b"HTTP/1.2") + b"hello",
        [405, LIVEZ]),
    "version-1.2-chunked": (
        req(HOST, TE, version=b"HTTP/1.2") + BODY, [405, LIVEZ]),
    "empty-line-before-request-line": (
        b"\r\n" + req(HOST, method=b"GET"), [200, LIVEZ]),
    "most-empty-lines-before-request-line": (
        b"\r\n" * MAX_EMPTY_LINES + req(HOST, method=b"GET"), [200, LIVEZ]),
    "empty-line-before-version-1.2": (
        b"\r\n" + req(HOST, line=b"GET / HTTP/1.2"), [200, LIVEZ]),
    # The classic stray CRLF after a body, then the next request.
    "empty-line-after-a-content-length-body": (
        req(HOST, b"Content-Length: 5") + b"hello\r\n", [405, LIVEZ]),
    "empty-line-after-a-chunked-body": (chunked(BODY) + b"\r\n", [405, LIVEZ]),
    "empty-lines-between-pipelined-requests": (
        req(HOST, method=b"GET") + b"\r\n\r\n" + req(HOST, method=b"GET"),
        [200, 200, LIVEZ]),
}

# --- a valid header, then bytes that are no request ------------------------------

NOT_FRAMING = {
    "too-many-empty-lines-after-a-body": (
        req(HOST, b"Content-Length: 5") + b"hello" +
        b"\r\n" * (MAX_EMPTY_LINES + 1), [405, 400]),
    # Not Transfer-Encoding, so no body: the chunks are the next "request".
    "te-with-underscore": (
        req(HOST, b"Transfer_Encoding: chunked") + BODY, [405, 400]),
    "te-misspelt": (
        req(HOST, b"Transfer-Encodings: chunked") + BODY, [405, 400]),
    "te-prefixed": (
        req(HOST, b"X-Transfer-Encoding: chunked") + BODY, [405, 400]),
}


@pytest.fixture(scope="module", params=["hello", "welcome"])
def server(request, tmp_path_factory):
    """One server per app for the whole suite; header and body timeouts far
    longer than any read's deadline, so that a hang is never hidden by
    them."""
    server = Server(request.param, tmp_path_factory.mktemp("cwd"),
                    env={"HTTP_HEADER_TIMEOUT": "30s",
                         "HTTP_BODY_TIMEOUT": "30s"})
    server.start()
    server.wait_ready()
    yield server
    server.stop()
    problems = server.log_problems()
    if problems:
        pytest.fail("\n".join(problems[:20]), pytrace=False)


def _send_all(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server answered early and closed: the answers tell


def exchange(server, data):
    """Sends `data` + SMUGGLED; returns every answer until the close, each as
    its status or LIVEZ. The bytes go out from a thread (on a duplicate of
    the socket, with its own timeout) while the answers are read, so that an
    early answer to a long request is read before the server's close."""
    answers = []
    with server.connect() as conn:
        sock = conn.sock.dup()
        sock.settimeout(10)
        sender = threading.Thread(target=_send_all,
                                  args=(sock, data + SMUGGLED), daemon=True)
        sender.start()
        try:
            while True:
                try:
                    r = conn.read_response(timeout=5)
                except ConnectionClosed:
                    break
                if r.header("Content-Type") == HEALTH_JSON:
                    answers.append(LIVEZ)
                else:
                    answers.append(r.status)
        finally:
            sender.join(10)
            sock.close()
    return answers


def assert_still_serving(server):
    assert server.running(), server.output()
    assert server.get("/livez").status == 200


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_bad_shape_is_refused_and_closes_with_nothing_smuggled(server, case):
    data, status = REJECTED[case]
    assert exchange(server, data) == [status]
    assert_still_serving(server)


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_valid_shape_is_answered_once_and_ends_where_it_should(server, case):
    data, answers = ACCEPTED[case]
    assert exchange(server, data) == answers
    assert_still_serving(server)


@pytest.mark.parametrize("case", sorted(NOT_FRAMING))
def test_unknown_framing_header_frames_nothing(server, case):
    data, answers = NOT_FRAMING[case]
    assert exchange(server, data) == answers
    assert_still_serving(server)


def test_rejection_says_why_in_the_body_and_the_log(server):
    with server.connect() as conn:
        conn.send(chunked(b'5;a="\x01"\r\nhello\r\n0\r\n\r\n'))
        r = conn.read_response()
    assert r.status == 400, r
    assert r.body == b"control character in a chunk extension\n", r
    server.wait_for("rejected request", where=lambda e: e.get("reason") ==
                    "control character in a chunk extension")


# --- Expect: 100-continue -------------------------------------------------------

def test_continue_is_sent_after_the_header_of_a_chunked_body(server):
    with server.connect() as conn:
        conn.send(req(HOST, TE, b"Expect: 100-continue"))
        interim = conn.read_response()
        assert interim.status == 100, interim
        conn.send(BODY + SMUGGLED)
        assert conn.read_response().status == 405
        assert conn.read_response().header("Content-Type") == HEALTH_JSON


def test_bad_chunk_after_continue_is_refused_and_closes(server):
    with server.connect() as conn:
        conn.send(req(HOST, TE, b"Expect: 100-continue"))
        assert conn.read_response().status == 100
        conn.send(b'5;a="abc\r\nhello\r\n0\r\n\r\n' + SMUGGLED)
        r = conn.read_response()
        rest = conn.read_until_close(timeout=5)
    assert r.status == 400, r
    assert rest == b"", rest


def test_continue_is_not_sent_to_an_http10_client(server):
    with server.connect() as conn:
        conn.send(req(b"Expect: 100-continue", b"Content-Length: 5",
                      version=b"HTTP/1.0"))
        # Were a 100 sent, it would come before the answer to the body
        # (given time to read the header alone; on a slow machine this test
        # may pass without proving anything, never fail wrongly).
        time.sleep(0.3)
        conn.send(b"hello")
        r = conn.read_response()
    assert r.status == 405, r


# --- HTTP/1.2: answered as HTTP/1.1 (RFC 9110 section 2.5) ----------------------

def test_higher_minor_version_is_answered_as_http11_and_kept_alive(server):
    with server.connect() as conn:
        conn.send(req(HOST, line=b"GET / HTTP/1.2"))
        first = conn.read_response()
        conn.send(req(HOST, line=b"GET /livez HTTP/1.2"))
        second = conn.read_response()
    assert (first.version, first.status) == ("HTTP/1.1", 200), first
    assert not first.has_token("Connection", "close"), first
    assert second.header("Content-Type") == HEALTH_JSON, second


def test_higher_minor_version_whose_line_ends_in_a_later_read(server):
    with server.connect() as conn:
        conn.send(b"GET / HTTP/1.2")
        # Given time to read the line alone (on a slow machine this test may
        # pass without proving anything, never fail wrongly).
        time.sleep(0.2)
        conn.send(b"\r\nHost: x\r\n\r\n")
        r = conn.read_response()
    assert (r.version, r.status) == ("HTTP/1.1", 200), r


# --- empty lines between requests: no request begun ------------------------------

GET_ROOT = req(HOST, method=b"GET")


@pytest.mark.parametrize("app", ["hello", "welcome"])
def test_empty_line_after_an_answer_leaves_the_connection_idle(start_server,
                                                               app):
    # Were the CRLF a request begun, the header timeout would close the
    # connection long before the idle timeout.
    server = start_server(app, env={"HTTP_HEADER_TIMEOUT": "200ms",
                                    "HTTP_IDLE_TIMEOUT": "60s"})
    with server.connect() as conn:
        conn.send(GET_ROOT)
        assert conn.read_response().status == 200
        conn.send(b"\r\n")
        time.sleep(1.0)  # five header timeouts
        assert conn.is_open(), "closed as if the empty line began a request"
        conn.send(GET_ROOT)
        assert conn.read_response().status == 200


@pytest.mark.parametrize("app", ["hello", "welcome"])
def test_empty_line_after_an_answer_does_not_hold_the_drain(start_server,
                                                            app):
    server = start_server(app, env={"SHUTDOWN_TIMEOUT": "10s",
                                    "HTTP_HEADER_TIMEOUT": "60s"})
    with server.connect() as conn:
        conn.send(GET_ROOT)
        assert conn.read_response().status == 200
        conn.send(b"\r\n")
        time.sleep(0.2)  # read before the signal
        server.signal(signal.SIGTERM)
        rest = conn.read_until_close(timeout=8)
        code = server.wait()
    assert rest == b"", rest
    assert code == 0, server.output()
    stopped = server.wait_for("stopped", timeout=1)
    assert stopped["requests_cut"] == 0, stopped
