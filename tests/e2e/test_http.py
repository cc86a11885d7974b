"""HTTP/1.1 behaviour of the kit's server: routes, headers, HEAD, HTTP/1.0,
keep-alive, pipelining, health and version endpoints."""

import json

import pytest

from expectations import assert_hello_root, assert_welcome_root
from http_client import IMF_FIXDATE, build_request
from metrics_scrape import parse, value


def test_hello_root_answers_welcome_to_kodekloud(hello):
    assert_hello_root(hello.get("/"))


def test_welcome_root_answers_like_hello(welcome):
    assert_welcome_root(welcome.get("/"))


def test_query_string_does_not_change_the_route(hello):
    assert_hello_root(hello.get("/?utm=1&x=y"))


@pytest.mark.parametrize("method,target", [
    ("GET", "/"), ("GET", "/livez"), ("GET", "/readyz"), ("GET", "/version"),
    ("GET", "/no-such-page"), ("DELETE", "/"), ("POST", "/livez")])
def test_every_response_has_date_content_length_and_content_type(
        welcome, method, target):
    r = welcome.get(target, method=method)
    assert IMF_FIXDATE.match(r.header("Date") or ""), r
    assert r.header("Content-Length") == str(len(r.body)), r
    assert r.header("Content-Type"), r


def test_head_has_get_headers_and_no_body(hello):
    with hello.connect() as conn:
        got = conn.request("GET", "/")
        head = conn.request("HEAD", "/")
        # A body after the HEAD response would be read as the next status line.
        after = conn.request("GET", "/livez")
    assert head.status == 200, head
    assert head.body == b""
    assert head.header("Content-Length") == str(len(got.body)), head
    assert head.header("Content-Type") == got.header("Content-Type"), head
    assert head.header("Date"), head
    assert after.status == 200, after


def test_http10_request_is_answered_and_closed(hello):
    with hello.connect() as conn:
        conn.send(b"GET / HTTP/1.0\r\n\r\n")
        r = conn.read_response()
        rest = conn.read_until_close(timeout=3)
    assert_hello_root(r)
    assert r.version in ("HTTP/1.0", "HTTP/1.1"), r
    assert rest == b""


def test_http10_keep_alive_when_asked(hello):
    with hello.connect() as conn:
        req = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        conn.send(req)
        first = conn.read_response()
        assert first.has_token("Connection", "keep-alive"), first
        conn.send(req)
        second = conn.read_response()
    assert_hello_root(first)
    assert_hello_root(second)


def test_keep_alive_serves_several_requests_on_one_connection(hello):
    with hello.connect() as conn:
        for _ in range(5):
            r = conn.request("GET", "/")
            assert_hello_root(r)
            assert not r.has_token("Connection", "close"), r
        assert conn.is_open(0.2)


def test_connection_close_request_is_answered_then_closed(hello):
    with hello.connect() as conn:
        r = conn.request("GET", "/", headers=[("Connection", "close")])
        rest = conn.read_until_close(timeout=3)
    assert_hello_root(r)
    assert r.has_token("Connection", "close"), r
    assert rest == b""


def test_a_client_that_asked_to_close_is_not_lingered_for(hello):
    """A client that says Connection: close sends nothing more (RFC 9112
    9.6), so with nothing of it left unread the server closes at once
    instead of half-closing and waiting up to a second for its FIN (as
    nginx's lingering_close does): the connection is gone before the client
    closes its end."""
    with hello.connect() as conn:
        r = conn.request("GET", "/", headers=[("Connection", "close")])
        assert conn.read_until_close(timeout=3) == b""
        samples = parse(hello.get("/metrics").body.decode())
        assert value(samples, "http_open_connections") == 1  # the scrape's
    assert_hello_root(r)


def test_pipelined_requests_are_answered_in_order(hello):
    targets = ["/", "/livez", "/missing-%d"] * 4
    targets = [t % i if "%d" in t else t for i, t in enumerate(targets)][:10]
    expected = [200 if not t.startswith("/missing") else 404 for t in targets]
    with hello.connect() as conn:
        conn.send(b"".join(build_request("GET", t) for t in targets))
        responses = conn.read_responses(len(targets))
    assert [r.status for r in responses] == expected
    for target, r in zip(targets, responses):
        if target == "/":
            assert_hello_root(r)
        elif target == "/livez":
            assert r.header("Content-Type") == "application/health+json", r


def test_unknown_path_is_404(hello):
    assert hello.get("/no-such-page").status == 404


@pytest.mark.parametrize("method,target", [("DELETE", "/"), ("POST", "/"),
                                           ("POST", "/livez")])
def test_other_method_on_known_path_is_405_with_allow(hello, method, target):
    r = hello.get(target, method=method)
    assert r.status == 405, r
    allow = [m.strip() for m in (r.header("Allow") or "").split(",")]
    assert "GET" in allow, r
    assert method not in allow, r


def test_livez_answers_200_health_json(welcome):
    r = welcome.get("/livez")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/health+json", r
    json.loads(r.body)


def test_readyz_answers_200_health_json_when_ready(welcome):
    r = welcome.get("/readyz")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/health+json", r
    json.loads(r.body)


def test_version_endpoint_reports_build_and_release(start_server):
    server = start_server("welcome", env={"RELEASE_ID": "v42-abc"})
    r = server.get("/version")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("application/json"), r
    info = json.loads(r.body)
    for key in ("version", "commit", "build_time", "compiler"):
        assert isinstance(info.get(key), str) and info[key], info
    assert info["release_id"] == "v42-abc", info


def test_version_endpoint_on_hello_too(hello):
    r = hello.get("/version")
    assert r.status == 200, r
    assert "version" in json.loads(r.body)


def test_nothing_behind_a_connection_close_request_is_processed(welcome):
    """RFC 9112 9.6: a request pipelined behind one that says
    Connection: close is neither answered nor processed, even while the
    visits before it still await the store (found by fuzz/http: it was
    handed to its handler, counted, and never answered)."""
    visit = build_request("GET", "/")
    closing = build_request("GET", "/", headers=[("Connection", "close")])
    with welcome.connect() as conn:
        conn.send(visit + closing + visit)
        first, second = conn.read_responses(2)
        rest = conn.read_until_close(timeout=3)
    assert_welcome_root(first)
    assert_welcome_root(second)
    assert rest == b"", rest
    third = welcome.get("/")
    assert b"Visitor Count: 3" in third.body, third
