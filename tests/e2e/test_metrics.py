"""/metrics (issue 14): the Prometheus text format, checked by promtool on a
real scrape, figures that follow the requests, bounded labels, METRICS=off,
and a real Prometheus server that scrapes welcome and answers PromQL."""

import socket
import time

import pytest

from http_client import build_request
from metrics_scrape import parse, promtool_check, total, value
from prometheus_server import PrometheusServer

PROMQL_DEADLINE = 120.0  # generous: the machine is shared and noisy


def scrape(server):
    r = server.get("/metrics")
    assert r.status == 200, r
    assert r.header("Content-Type") == (
        "text/plain; version=0.0.4; charset=utf-8"), r
    return r.body.decode()


def test_scrape_passes_promtool_and_counts_what_was_served(welcome):
    for _ in range(5):
        assert welcome.get("/").status == 200
    assert welcome.get("/livez").status == 200
    assert welcome.get("/no/such/page/42").status == 404
    assert welcome.get("/", method="DELETE").status == 405
    text = scrape(welcome)
    promtool_check(text)
    samples = parse(text)
    assert value(samples, "http_requests_total",
                 method="GET", route="/", code="200") == 5
    assert value(samples, "http_requests_total",
                 method="GET", route="/livez", code="200") == 1
    assert value(samples, "http_requests_total",
                 method="DELETE", route="/", code="405") == 1
    # The raw path of a 404 never becomes a label.
    assert value(samples, "http_requests_total",
                 method="GET", route="unmatched", code="404") == 1
    assert "/no/such/page/42" not in text
    # Durations are by route: the five GETs and the DELETE.
    assert value(samples, "http_request_duration_seconds_count",
                 route="/") == 6
    assert value(samples, "http_request_duration_seconds_bucket",
                 route="/", le="+Inf") == 6
    # welcome's own metrics (AppMetrics), named with its prefix.
    assert value(samples, "welcome_visits_total") == 5
    assert value(samples, "welcome_batches_total") >= 1
    assert value(samples, "store_operations_total", store="sqlite") >= 1
    assert value(samples, "store_errors_total", store="sqlite") == 0
    assert value(samples, "store_reconnects_total", store="sqlite") == 0
    assert value(samples, "store_round_trip_seconds_count",
                 store="sqlite") >= 1
    assert value(samples, "welcome_batch_size_sum") == 5
    assert value(samples, "welcome_batch_size_bucket", le="+Inf") >= 1
    assert "store_visits_total" not in text  # the kit knows no visits
    assert value(samples, "http_open_connections") >= 1  # this scrape's
    assert value(samples, "process_resident_memory_bytes") > 0
    assert value(samples, "process_open_fds") > 0
    assert value(samples, "process_max_fds") > 0
    start = value(samples, "process_start_time_seconds")
    assert abs(start - time.time()) < 3600, start
    builds = [ls for (n, ls) in samples if n == "build_info"]
    assert len(builds) == 1
    labels = dict(builds[0])
    assert set(labels) == {"version", "commit", "release_id"}


def test_build_info_carries_the_release_id(start_server):
    server = start_server("hello", env={"RELEASE_ID": "v42"})
    samples = parse(scrape(server))
    (labels,) = [dict(ls) for (n, ls) in samples if n == "build_info"]
    assert labels["release_id"] == "v42"


def test_rejections_are_counted_by_reason(start_server):
    server = start_server("hello", env={"HTTP_MAX_HEADER_BYTES": "4KiB",
                                        "HTTP_HEADER_TIMEOUT": "300ms"})
    with server.connect() as conn:
        conn.send(build_request("GET", "/", headers=[("X-Big", "a" * 8000)]))
        assert conn.read_response().status == 431
    with server.connect() as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        assert conn.read_response().status == 400
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")  # never finished
        raw.settimeout(10)
        assert raw.recv(100) == b""  # closed at the header timeout
    samples = parse(scrape(server))
    assert value(samples, "http_requests_rejected_total", reason="limit") == 1
    assert value(samples, "http_requests_rejected_total",
                 reason="framing") == 1
    assert value(samples, "http_requests_rejected_total",
                 reason="timeout") == 1
    assert total(samples, "http_requests_total", route="rejected") == 2


def test_figures_follow_later_requests(hello):
    before = parse(scrape(hello))
    for _ in range(3):
        hello.get("/")
    after = parse(scrape(hello))
    get_root = dict(method="GET", route="/", code="200")
    assert (value(after, "http_requests_total", **get_root) or 0) == (
        value(before, "http_requests_total", **get_root) or 0) + 3


def test_metrics_off_serves_and_counts_nothing(start_server):
    server = start_server("hello", env={"METRICS": "off"})
    assert server.get("/").status == 200
    assert server.get("/metrics").status == 404


def test_a_real_prometheus_scrapes_welcome(welcome, tmp_path):
    prometheus = PrometheusServer(
        tmp_path, [f"127.0.0.1:{welcome.port}"]).start()
    try:
        served = 0
        deadline = time.monotonic() + PROMQL_DEADLINE
        count = rate = None
        while time.monotonic() < deadline:
            for _ in range(10):
                assert welcome.get("/").status == 200
                served += 1
            count = prometheus.query(
                'sum(http_requests_total{route="/",code="200"})')
            rate = prometheus.query(
                'sum(rate(http_requests_total{route="/",code="200"}[5s]))')
            if count and rate and count[0][1] > 0 and rate[0][1] > 0:
                break
            time.sleep(0.5)
        assert count and count[0][1] > 0, (count, prometheus.log.read_text())
        assert rate and rate[0][1] > 0, (rate, prometheus.log.read_text())
        # Prometheus saw no more than was served, and the target is up.
        assert count[0][1] <= served
        up = prometheus.query('up{job="welcome"}')
        assert up and up[0][1] == 1, up
    finally:
        prometheus.stop()
