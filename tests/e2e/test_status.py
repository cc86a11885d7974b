"""The admin listener and its status page (issue 14, item 2): /status only
on ADMIN_BIND:ADMIN_PORT, never on PORT; the page's content (release,
config with secrets masked, store and health, process, live figures, the
twelve factors); and the page in headless Chromium: it renders, its
figures change after requests, no console error, no horizontal overflow at
375 px. TWELVE_STATUS_SCREENSHOT=path also writes the screenshot there
(docs/images/status.png is made that way)."""

import html
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from chromium import Chromium
from conftest import free_port, run_command
from metrics_scrape import parse, promtool_check, value

pytest_plugins = ["services"]

EX_CONFIG = 78
FACTORS = ["I Codebase", "II Dependencies", "III Config",
           "IV Backing services", "V Build, release, run", "VI Processes",
           "VII Port binding", "VIII Concurrency", "IX Disposability",
           "X Dev/prod parity", "XI Logs", "XII Admin processes"]
FIGURE_DEADLINE = 60.0  # generous: the page refreshes every 2 s


def get_admin(server, target):
    from http_client import get
    return get(server.admin_port, target)


@pytest.fixture
def start_admin(start_server):
    def start(name="welcome", env=None):
        admin_port = free_port()
        server = start_server(name, env={"ADMIN_PORT": admin_port,
                                         "RELEASE_ID": "v42", **(env or {})})
        server.admin_port = admin_port
        return server
    return start


def test_status_is_served_on_the_admin_port_only(start_admin):
    server = start_admin()
    for target in ("/status", "/status.json"):
        assert server.get(target).status == 404, target
        assert get_admin(server, target).status == 200, target
    page = get_admin(server, "/status")
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    # The admin listener serves the kit's routes, not the app's.
    assert get_admin(server, "/").status == 404
    for target in ("/livez", "/readyz", "/version", "/metrics"):
        assert get_admin(server, target).status == 200, target
    [event] = server.events("admin listening")
    assert event["port"] == server.admin_port
    assert event["address"] == "127.0.0.1"


def test_admin_metrics_are_the_services(start_admin):
    server = start_admin()
    for _ in range(3):
        assert server.get("/").status == 200
    text = get_admin(server, "/metrics").body.decode()
    promtool_check(text)
    samples = parse(text)
    assert value(samples, "http_requests_total",
                 method="GET", route="/", code="200") == 3


def test_no_admin_port_means_no_admin_listener(welcome):
    assert welcome.events("admin listening") == []
    assert welcome.get("/status").status == 404


def test_admin_port_equal_to_port_exits_78_naming_both(tmp_path):
    port = free_port()
    result = run_command("welcome", [], cwd=tmp_path, env={
        "PORT": port, "ADMIN_PORT": port,
        "DATABASE_URL": f"sqlite://{tmp_path / 'w.db'}"})
    assert result.returncode == EX_CONFIG, result
    assert "ADMIN_PORT" in result.stderr and "PORT=" in result.stderr, result


def test_bad_admin_bind_exits_78(tmp_path):
    result = run_command("hello", [], cwd=tmp_path, env={
        "PORT": free_port(), "ADMIN_PORT": free_port(),
        "ADMIN_BIND": "localhost"})
    assert result.returncode == EX_CONFIG, result
    assert "ADMIN_BIND" in result.stderr, result


def test_page_shows_release_config_store_and_factors_secrets_masked(
        start_admin, redis):
    server = start_admin(env={"REDIS_URL": redis.url, "DATABASE_URL": None})
    assert server.get("/").status == 200
    text = html.unescape(get_admin(server, "/status").body.decode())
    assert redis.password not in text
    assert "********" in text
    for factor in FACTORS:
        assert factor in text, factor
    assert "v42" in text  # RELEASE_ID
    assert re.search(r"config fingerprint</th><td><code>[0-9a-f]{16}<", text)
    assert f"<code>{os.getpid()}" not in text  # the server's pid, not ours
    assert str(server.proc.pid) in text
    assert "redis" in text and "ready: redis" in text
    assert "welcome migrate" in text  # XII: the app's tasks


def test_config_fingerprint_follows_the_config(start_admin):
    def fingerprint(server):
        text = get_admin(server, "/status").body.decode()
        return re.search(r"config fingerprint</th><td><code>([0-9a-f]{16})<",
                         text).group(1)
    a = start_admin("hello", env={"HTTP_IDLE_TIMEOUT": "60s"})
    b = start_admin("hello", env={"HTTP_IDLE_TIMEOUT": "30s"})
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint(a)


def _figure(browser, element):
    return browser.evaluate(
        f"document.getElementById('{element}').textContent")


def test_status_page_in_headless_chromium(start_admin, redis, tmp_path):
    server = start_admin(env={"REDIS_URL": redis.url, "DATABASE_URL": None})
    browser = Chromium(tmp_path).start(width=375)
    try:
        browser.navigate(f"http://127.0.0.1:{server.admin_port}/status")
        assert browser.evaluate("document.title") == "welcome status"
        rows = browser.evaluate(
            "Array.from(document.querySelectorAll('tr.factor th'))"
            ".map(e => e.textContent)")
        assert rows == FACTORS
        # Readable at 375 px: nothing wider than the viewport.
        assert browser.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"), (
            browser.evaluate("document.documentElement.scrollWidth"))
        assert browser.evaluate("window.innerWidth") == 375
        before = int(_figure(browser, "requests"))
        visits_before = int(_figure(browser, "welcome_visits_total"))
        for _ in range(5):
            assert server.get("/").status == 200
        deadline = time.monotonic() + FIGURE_DEADLINE
        while time.monotonic() < deadline:
            if (int(_figure(browser, "requests")) >= before + 5
                    and int(_figure(browser, "welcome_visits_total")) >= visits_before + 5):
                break
            time.sleep(0.5)
        assert int(_figure(browser, "requests")) >= before + 5
        assert int(_figure(browser, "welcome_visits_total")) >= visits_before + 5
        assert _figure(browser, "updated") not in ("at load", "unreachable")
        assert _figure(browser, "rps") != "-"
        shot = browser.screenshot(tmp_path / "status.png", height=1500)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        wanted = os.environ.get("TWELVE_STATUS_SCREENSHOT")
        if wanted:
            shutil.copyfile(shot, Path(wanted))
        assert redis.password not in browser.evaluate(
            "document.documentElement.outerHTML")
        assert browser.problems() == []
    finally:
        browser.stop()


def test_sigterm_drains_both_listeners_and_exits_0(start_admin):
    server = start_admin()
    from http_client import Connection
    # A browser's keep-alive connection to the status page, open at the
    # signal: it must not hold the process up.
    with Connection(server.admin_port) as browser:
        assert browser.request("GET", "/status.json").status == 200
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    [stopped] = server.events("stopped")
    assert stopped["requests_cut"] == 0
    # One event per listener, each naming the one it closed.
    closed = server.events("listener closed")
    assert sorted(event["listener"] for event in closed) == ["admin", "web"]
