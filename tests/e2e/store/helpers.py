"""What the store tests share: web processes attached to a store (the `web`
fixture), visitors that load them from many threads on keep-alive
connections, and the admin tasks run as one-off processes.

Fixtures; a test module registers this module as a plugin:

    pytest_plugins = ["services", "store.helpers"]
"""

import json
import re
import signal
import threading
import time
from dataclasses import dataclass
from typing import Optional

import pytest

import http_client
from conftest import Server, run_command
from expectations import HTML
from http_client import ConnectionClosed, build_request

EX_OK = 0
EX_UNAVAILABLE = 69
EX_CONFIG = 78
GREETING = re.compile(r"^Welcome to KODEKLOUD! Visitor Count: (\d+)$")
TASK_TIMEOUT = 30.0  # a task stuck this long fails its test
CLIENT_TIMEOUT = 10.0  # no answer this long: the visit is unanswered


def greeting(count):
    return f"Welcome to KODEKLOUD! Visitor Count: {count}".encode()


def count_in(response):
    """N from a 200 `Welcome to KODEKLOUD! Visitor Count: N` answer; fails
    the test on any other answer."""
    assert response.status == 200, response
    assert response.header("Content-Type") == HTML, response
    match = GREETING.match(response.body.decode("latin-1"))
    assert match, response
    return int(match.group(1))


def visit(server):
    """One GET / on a fresh connection; returns the count it answered."""
    return count_in(server.get("/"))


# --- Admin tasks ------------------------------------------------------------


def events_in(stdout):
    """The JSON events of a task's stdout (every line must be one)."""
    out = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            pytest.fail(f"stdout line is not JSON: {line!r}")
        assert isinstance(event, dict), line
        out.append(event)
    return out


def describe(result):
    """A finished command, in full, for an assertion message."""
    command = " ".join(map(str, result.args))
    return (f"`{command}` exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}"
            f"--- stderr ---\n{result.stderr}")


def run_task(task, env, cwd, timeout=TASK_TIMEOUT):
    """`welcome <task>` with `env` (a store's env, plus any extra), to
    completion. A task still running at `timeout` fails the test."""
    return run_command("welcome", [task], env=env, cwd=cwd, timeout=timeout)


def migrate(store, cwd):
    """`welcome migrate` against `store`; fails the test unless it exits 0."""
    result = run_task("migrate", store.env, cwd)
    assert result.returncode == EX_OK, describe(result)
    return result


def logged_count(result):
    """The count a finished `welcome count` logged (its "visitor count"
    event); fails the test when it did not succeed."""
    assert result.returncode == EX_OK, describe(result)
    found = [e for e in events_in(result.stdout)
             if e.get("msg") == "visitor count"]
    assert len(found) == 1, describe(result)
    return found[0]["count"]


def count_task(store, cwd):
    return logged_count(run_task("count", store.env, cwd))


# --- Web processes --------------------------------------------------------


class WebProcesses:
    """Web processes attached to a store, each on its own free port and in
    its own empty directory, with WEB_THREADS=2 (conftest's Server)."""

    def __init__(self, make_dir):
        self._make_dir = make_dir
        self.servers = []

    def start(self, store_env, processes=1, env=None, wait=True):
        """Starts `processes` processes attached by `store_env` (plus
        `env`) and, by default, waits for each one's "ready" event."""
        started = []
        for _ in range(processes):
            # None unsets: the store is the one given, whatever store
            # conftest attaches to welcome by default.
            merged = {"REDIS_URL": None, "DATABASE_URL": None}
            merged.update(store_env)
            merged.update(env or {})
            server = Server("welcome", self._make_dir(), env=merged)
            self.servers.append(server)
            started.append(server.start())
        if wait:
            for server in started:
                server.wait_ready()
        return started

    def stop_all(self):
        """SIGTERM to each process still running, which must then exit 0;
        every stdout line of each must have been a JSON event, except that
        a process killed with SIGKILL may have had its last line cut. Fails
        the test otherwise."""
        problems = []
        for server in self.servers:
            killed = (not server.running()
                      and server.proc.returncode == -signal.SIGKILL)
            code = server.stop()
            if code != 0 and not killed:
                problems.append(f"port {server.port}: exit code {code} after "
                                f"SIGTERM\n{server.output()[-4000:]}")
            for problem in server.log_problems():
                if killed and problem.startswith("unterminated stdout line"):
                    continue
                problems.append(f"port {server.port}: {problem}")
        if problems:
            pytest.fail("\n".join(problems[:20]), pytrace=False)


@pytest.fixture
def web(tmp_path_factory):
    """web(store_env, processes=1, env=None, wait=True) -> [Server]: see
    WebProcesses.start; every process is stopped and checked at teardown
    (WebProcesses.stop_all)."""
    processes = WebProcesses(lambda: tmp_path_factory.mktemp("web"))
    yield processes.start
    processes.stop_all()


def events_after(server, msg, since):
    """The events with this msg that `server` logged at or after `since`
    (time.monotonic(), when the test read the line)."""
    with server.cond:
        return [line.event for line in server.lines
                if line.event is not None and line.event.get("msg") == msg
                and line.at >= since]


def poll(predicate, timeout, interval=0.05):
    """Calls `predicate` until it returns something truthy (returned) or
    `timeout` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def status_of(server, target, timeout=2.0):
    """The status `server` answers for GET `target`, or None."""
    response = http_client.try_get(server.port, target, timeout=timeout)
    return None if response is None else response.status


# --- Visitors ---------------------------------------------------------------


@dataclass
class Visit:
    port: int
    sent: float  # time.monotonic() before the request was written
    done: float  # when the answer (or the failure) came
    status: Optional[int]  # None: no answer (connection broke, timed out)
    count: Optional[int]  # the count a 200 answered
    retry_after: Optional[str]
    error: Optional[str]  # why there was no answer, or why a 200 was bad

    @property
    def seconds(self):
        return self.done - self.sent


class Visitors:
    """`clients` threads visiting GET / on `ports`, each on a keep-alive
    connection of its own, client i starting on ports[i % len(ports)].

    With `total`, the threads make exactly that many visits between them
    and end; without, they visit until stop(). A client whose connection
    fails (refused, reset, closed without an answer) records the visit it
    had sent as unanswered and moves on to the next port; after any answer
    but 200 it pauses `pause` seconds, so a store outage does not turn into
    a busy loop. Every visit is recorded in `visits`."""

    def __init__(self, ports, clients=8, total=None, pause=0.02,
                 timeout=CLIENT_TIMEOUT):
        self.ports = list(ports)
        self.clients = clients
        self.pause = pause
        self.timeout = timeout
        self._left = total
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._visits = []
        self._threads = [threading.Thread(target=self._run, args=(i,),
                                          daemon=True)
                         for i in range(clients)]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout=2 * CLIENT_TIMEOUT):
        """Ends the visits (each client finishes the one it is making)."""
        self._stop.set()
        self.join(timeout)

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = sum(t.is_alive() for t in self._threads)
        if alive:
            self._stop.set()
            pytest.fail(f"{alive} visitor thread(s) still running after "
                        f"{timeout}s; {len(self.visits)} visits made")

    @property
    def visits(self):
        with self._lock:
            return list(self._visits)

    def answered(self, status=200, since=0.0):
        return [v for v in self.visits
                if v.status == status and v.sent >= since]

    def unanswered(self):
        return [v for v in self.visits if v.status is None]

    def wait_for(self, predicate, timeout, what):
        """Waits until predicate(visits) holds; fails the test at timeout."""
        if poll(lambda: predicate(self.visits), timeout) is None:
            self.stop()
            visits = self.visits
            statuses = {}
            for v in visits:
                statuses[v.status] = statuses.get(v.status, 0) + 1
            pytest.fail(f"not within {timeout}s: {what}; {len(visits)} visits "
                        f"so far, by status {statuses}")

    def _take(self):
        with self._lock:
            if self._left is None:
                return True
            if self._left == 0:
                return False
            self._left -= 1
            return True

    def _give_back(self):
        with self._lock:
            if self._left is not None:
                self._left += 1

    def _record(self, visit):
        with self._lock:
            self._visits.append(visit)

    def _run(self, index):
        at = index % len(self.ports)
        conn = None
        request = build_request("GET", "/")
        while not self._stop.is_set() and self._take():
            port = self.ports[at]
            if conn is None:
                try:
                    conn = http_client.Connection(port, timeout=self.timeout)
                except OSError:
                    self._give_back()  # nothing was sent
                    at = (at + 1) % len(self.ports)
                    time.sleep(self.pause)
                    continue
            sent = time.monotonic()
            try:
                conn.send(request)
                response = conn.read_response(timeout=self.timeout)
            except (OSError, ConnectionClosed, TimeoutError) as e:
                self._record(Visit(port, sent, time.monotonic(), None, None,
                                   None, repr(e)))
                conn.close()
                conn = None
                at = (at + 1) % len(self.ports)
                time.sleep(self.pause)
                continue
            done = time.monotonic()
            count = error = None
            if response.status == 200:
                try:
                    count = count_in(response)
                except AssertionError as e:
                    error = str(e)
            self._record(Visit(port, sent, done, response.status, count,
                               response.header("Retry-After"), error))
            if response.has_token("Connection", "close"):
                conn.close()
                conn = None
            if response.status != 200:
                time.sleep(self.pause)
        if conn is not None:
            conn.close()
