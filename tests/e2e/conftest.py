"""Fixtures for the black-box tests: the real binaries, free ports, and a
Server helper that runs one process in an empty temporary directory and
collects its stdout log lines.

Binaries come from $TWELVE_BIN_DIR (relative paths are taken from the
repository root), by default build/release.
"""

import ctypes
import faulthandler
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Helpers shared with tests/deploy (free_port.py).
sys.path.insert(0, str(REPO / "tests" / "support"))

import http_client  # noqa: E402
from free_port import free_port  # noqa: E402,F401 (tests import it from here)
# A test that runs longer than this kills the whole run (with tracebacks on
# stderr) rather than hanging it; child servers die with it (PDEATHSIG).
TEST_WATCHDOG_SECONDS = 90
START_TIMEOUT = 10.0  # exec -> "ready"; generous for sanitizer builds
STOP_TIMEOUT = 10.0  # SIGTERM -> exit

TS_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
LEVELS = {"debug", "info", "warn", "error"}
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "WARNING: ThreadSanitizer", "runtime error:")
# Variables a test process may inherit; everything else is set explicitly so
# the developer's shell (PORT=..., LOG_LEVEL=...) cannot change a result.
# Extra environment every served app gets, by binary name: the one place to
# attach what an app needs to serve (welcome's backing store, once its
# visitor counter lands).
APP_ENV = {"hello": {}, "welcome": {}, "notes": {}}
PASSTHROUGH_ENV = ("PATH", "LD_LIBRARY_PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                   "LSAN_OPTIONS", "TSAN_OPTIONS")


def bin_dir():
    path = Path(os.environ.get("TWELVE_BIN_DIR") or "build/release")
    return path if path.is_absolute() else REPO / path


def binary(name):
    path = bin_dir() / name
    if not os.access(path, os.X_OK):
        pytest.fail(f"binary {path} not found: build it first (make build), or "
                    "point TWELVE_BIN_DIR at a build directory", pytrace=False)
    return path


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_env(env=None):
    out = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
    out.update({k: str(v) for k, v in (env or {}).items()})
    return out


def run_command(name, args, env=None, cwd=None, timeout=10.0):
    """Runs a one-off command (welcome version, welcome config, ...) to
    completion. A command still running at `timeout` is killed and fails the
    test."""
    try:
        return subprocess.run([str(binary(name)), *args], env=child_env(env),
                              cwd=cwd, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"`{name} {' '.join(args)}` still running after "
                    f"{timeout}s; stdout={e.stdout!r} stderr={e.stderr!r}")


def check_json_line(text):
    """Problems with one stdout line, as a list of strings (empty: fine)."""
    try:
        event = json.loads(text)
    except ValueError as e:
        return [f"not JSON ({e}): {text!r}"]
    if not isinstance(event, dict):
        return [f"not a JSON object: {text!r}"]
    problems = [f"missing key {key!r}: {text!r}"
                for key in ("ts", "level", "msg") if key not in event]
    if "ts" in event and not TS_PATTERN.match(str(event["ts"])):
        problems.append(f"ts is not RFC 3339 UTC with microseconds: {text!r}")
    if "level" in event and event["level"] not in LEVELS:
        problems.append(f"unknown level: {text!r}")
    return problems


class Line:
    def __init__(self, raw, at):
        self.raw = raw  # bytes, newline included when there was one
        self.at = at  # time.monotonic() when it was read
        try:
            self.text = raw.decode("utf-8").rstrip("\n")
        except UnicodeDecodeError:
            self.text = raw.decode("latin-1").rstrip("\n")
            self.event = None
            return
        try:
            event = json.loads(self.text)
        except ValueError:
            event = None
        self.event = event if isinstance(event, dict) else None


class Server:
    """One server process: env, a free port, an empty temporary cwd, and a
    reader thread collecting stdout lines as they come."""

    def __init__(self, name, cwd, env=None, args=(), port=None,
                 host="127.0.0.1"):
        self.name = name
        self.cwd = Path(cwd)
        self.host = host
        self.port = port or free_port(host)
        self.env = {"PORT": self.port, "BIND": host, "WEB_THREADS": 2,
                    "SHUTDOWN_TIMEOUT": "5s"}
        self.env.update(APP_ENV.get(name, {}))
        if name == "welcome":
            env = with_default_store(env, self.cwd.parent / f"{self.cwd.name}-store")
        self.env.update(env or {})
        self.env = {k: v for k, v in self.env.items() if v is not None}
        self.args = list(args)
        self.json_logs = str(self.env.get("LOG_FORMAT", "json")) != "text"
        self.lines = []
        self.stderr = b""
        self.stdout_closed = False
        self.cond = threading.Condition()
        self.proc = None
        self.started_at = None
        self.exited_at = None

    # --- process --------------------------------------------------------
    def start(self):
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [str(binary(self.name)), *self.args], cwd=self.cwd,
            env=child_env(self.env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent)
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._threads:
            t.start()
        return self

    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = Line(raw, time.monotonic())
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.stdout_closed = True
            self.cond.notify_all()

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            with self.cond:
                self.stderr += raw

    def running(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=STOP_TIMEOUT):
        """The exit code; the test fails when the process is still running
        at `timeout` (it is then killed)."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"{self.name} still running {timeout}s later\n"
                        + self.output())
        if self.exited_at is None:
            self.exited_at = time.monotonic()
        for t in self._threads:
            t.join(5)
        return code

    def stop(self):
        """SIGTERM (if still running) and wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.running():
            self.signal(signal.SIGTERM)
        return self.wait()

    # --- logs -----------------------------------------------------------
    def events(self, msg=None):
        with self.cond:
            return [l.event for l in self.lines
                    if l.event is not None and (msg is None or l.event.get("msg") == msg)]

    def texts(self):
        with self.cond:
            return [l.text for l in self.lines]

    def wait_for(self, msg, timeout=5.0, where=None, count=1):
        """Waits until `count` events with this msg (and matching `where`, a
        predicate) are on stdout; returns the last of them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [l.event for l in self.lines
                         if l.event is not None and l.event.get("msg") == msg
                         and (where is None or where(l.event))]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.stdout_closed:
                    break
                self.cond.wait(remaining)
        pytest.fail(f"no {count} {msg!r} event(s) from {self.name} within "
                    f"{timeout}s (got {len(found)})\n" + self.output())

    def event_time(self, msg):
        """When the first event with this msg was read, or None."""
        with self.cond:
            for l in self.lines:
                if l.event is not None and l.event.get("msg") == msg:
                    return l.at
        return None

    def wait_ready(self, timeout=START_TIMEOUT):
        if self.json_logs:
            self.wait_for("ready", timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = http_client.try_get(self.port, "/readyz", host=self.host)
            if r is not None and r.status == 200:
                return
            if not self.running():
                break
            time.sleep(0.01)
        pytest.fail(f"{self.name} not ready within {timeout}s\n" + self.output())

    def output(self):
        with self.cond:
            out = "".join(l.raw.decode("utf-8", "replace") for l in self.lines)
            err = self.stderr.decode("utf-8", "replace")
        return f"--- stdout ---\n{out}--- stderr ---\n{err}"

    def log_problems(self):
        """Every stdout line must be a JSON event (in json format), and no
        sanitizer may have reported anything."""
        problems = []
        with self.cond:
            lines = list(self.lines)
            stderr = self.stderr.decode("utf-8", "replace")
        if self.json_logs:
            for line in lines:
                if not line.raw.endswith(b"\n"):
                    problems.append(f"unterminated stdout line {line.raw!r}")
                problems += check_json_line(line.text)
        for marker in SANITIZER_MARKERS:
            if marker in stderr:
                problems.append(f"sanitizer report on stderr ({marker})")
        return problems

    # --- HTTP -------------------------------------------------------------
    def connect(self, timeout=http_client.DEFAULT_TIMEOUT, receive_buffer=None):
        return http_client.Connection(self.port, host=self.host, timeout=timeout,
                                      receive_buffer=receive_buffer)

    def get(self, target="/", **kwargs):
        return http_client.get(self.port, target, host=self.host, **kwargs)


@pytest.fixture(autouse=True)
def _watchdog():
    faulthandler.dump_traceback_later(TEST_WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def with_default_store(env, store_dir):
    """welcome serves its visitor counter from a backing store: unless a test
    attaches one (or unsets both URLs with None), attach a fresh SQLite file in
    `store_dir` (never the server's cwd), its schema applied by `welcome
    migrate`."""
    env = dict(env or {})
    if "REDIS_URL" in env or "DATABASE_URL" in env:
        return env
    store_dir.mkdir(parents=True, exist_ok=True)
    env["DATABASE_URL"] = f"sqlite://{store_dir / 'welcome.db'}"
    migrated = run_command("welcome", ["migrate"],
                           env={"DATABASE_URL": env["DATABASE_URL"]})
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return env


@pytest.fixture
def start_server(tmp_path_factory):
    """start_server(name="welcome", env=None, args=(), wait=True, ...) runs a
    server and (by default) waits for its "ready" event. At teardown every
    server still running gets SIGTERM, and every stdout line of every server
    must have been a JSON event."""
    servers = []

    def start(name="welcome", env=None, args=(), wait=True, port=None,
              host="127.0.0.1"):
        server = Server(name, tmp_path_factory.mktemp("cwd"), env=env,
                        args=args, port=port, host=host)
        servers.append(server)
        server.start()
        if wait:
            server.wait_ready()
        return server

    yield start
    problems = []
    for server in servers:
        server.stop()
        problems += [f"{server.name}: {p}" for p in server.log_problems()]
    if problems:
        pytest.fail("\n".join(problems[:20]), pytrace=False)


@pytest.fixture
def welcome(start_server):
    return start_server("welcome")


@pytest.fixture
def hello(start_server):
    return start_server("hello")
