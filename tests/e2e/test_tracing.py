"""Traces in the logs (W3C Trace Context level 1): a valid `traceparent`
puts trace_id, span_id (this server's span, new) and parent_span_id (the
caller's span) into the access event and every event logged for that
request; an invalid one is ignored (served as usual, request id only)."""

import re

import pytest

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
SPAN_ID = re.compile(r"^[0-9a-f]{16}$")


def _access_events(server, count, timeout=3.0):
    server.wait_for("request", timeout=timeout, count=count)
    return server.events("request")


def _assert_traced(event):
    assert event["trace_id"] == TRACE_ID, event
    assert event["parent_span_id"] == PARENT_ID, event
    assert SPAN_ID.match(event["span_id"]), event
    assert event["span_id"] not in ("0" * 16, PARENT_ID), event


def test_access_event_carries_the_trace_of_a_valid_traceparent(hello):
    response = hello.get("/", headers=[("traceparent", TRACEPARENT),
                                       ("X-Request-ID", "abc-1")])
    assert response.status == 200
    [event] = _access_events(hello, 1)
    _assert_traced(event)
    assert event["request_id"] == "abc-1"


def test_each_request_is_a_span_of_its_own(hello):
    with hello.connect() as conn:
        for _ in range(3):
            conn.request("GET", "/", headers=[("traceparent", TRACEPARENT)])
    events = _access_events(hello, 3)
    for event in events:
        _assert_traced(event)
    assert len({e["span_id"] for e in events}) == 3


def test_a_future_version_is_read_as_version_00(hello):
    hello.get("/", headers=[("traceparent",
                             f"cc-{TRACE_ID}-{PARENT_ID}-01-future-fields")])
    _assert_traced(_access_events(hello, 1)[0])


@pytest.mark.parametrize("bad", [
    f"ff-{TRACE_ID}-{PARENT_ID}-01",                   # version ff
    f"00-{TRACE_ID.upper()}-{PARENT_ID}-01",           # uppercase
    f"00-{'0' * 32}-{PARENT_ID}-01",                   # all-zero trace id
    f"00-{TRACE_ID}-{'0' * 16}-01",                    # all-zero parent id
    f"00-{TRACE_ID}-{PARENT_ID}-01-extra",             # 00 with more fields
    f"00-{TRACE_ID[:-1]}-{PARENT_ID}-01",              # short trace id
    f"00-{TRACE_ID}-{PARENT_ID}",                      # no flags
    "garbage",
])
def test_an_invalid_traceparent_is_ignored(hello, bad):
    response = hello.get("/", headers=[("traceparent", bad)])
    assert response.status == 200
    [event] = _access_events(hello, 1)
    assert "trace_id" not in event and "span_id" not in event, event
    assert event["request_id"]


def test_two_traceparent_headers_are_ignored(hello):
    other = f"00-{'1' * 32}-{PARENT_ID}-01"
    hello.get("/", headers=[("traceparent", TRACEPARENT),
                            ("traceparent", other)])
    [event] = _access_events(hello, 1)
    assert "trace_id" not in event, event


def test_a_failed_visit_logs_its_error_with_the_requests_trace(start_server,
                                                               tmp_path):
    # A store that refuses connections: the visit fails at once (503).
    from conftest import free_port
    env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}",
           "STORE_CONNECT_TIMEOUT": "200ms", "STORE_TIMEOUT": "200ms"}
    welcome = start_server("welcome", env=env, wait=False)
    welcome.wait_for("listening", timeout=10)
    response = welcome.get("/", headers=[("traceparent", TRACEPARENT),
                                         ("X-Request-ID", "visit-1")])
    assert response.status == 503
    failed = welcome.wait_for("visit not counted", timeout=5)
    [access] = [e for e in _access_events(welcome, 1)
                if e["request_id"] == "visit-1"]
    _assert_traced(access)
    _assert_traced(failed)
    assert failed["request_id"] == "visit-1"
    assert failed["span_id"] == access["span_id"], (failed, access)
    assert failed["level"] == "warn"


def test_a_pipelined_request_without_traceparent_carries_no_earlier_trace(
        welcome):
    # welcome answers "/" once its store replies, so pipelined requests wait
    # in the connection's queue, whose slots are reused: a slot that held a
    # traced request must not lend its trace to the next one.
    from http_client import build_request
    traced = build_request(headers=[("traceparent", TRACEPARENT),
                                    ("X-Request-ID", "traced")])
    plain = build_request(headers=[("X-Request-ID", "plain")])
    with welcome.connect() as conn:
        for batch in (traced * 8, plain * 8, traced * 4 + plain * 4):
            conn.send(batch)
            assert [r.status for r in conn.read_responses(8)] == [200] * 8
    events = _access_events(welcome, 24)
    assert len(events) == 24
    for event in events:
        if event["request_id"] == "traced":
            _assert_traced(event)
        else:
            assert "trace_id" not in event, event
            assert "span_id" not in event, event
