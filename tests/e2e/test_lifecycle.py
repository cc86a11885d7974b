"""Disposability (factor IX) and port binding (factor VII): fast start, ordered
drain on SIGTERM/SIGINT, SHUTDOWN_DELAY and SHUTDOWN_TIMEOUT, the port in
use, and no files written."""

import datetime
import json
import os
import re
import signal
import socket
import threading
import time

import pytest

import http_client
from conftest import Server, free_port, run_command
from expectations import assert_hello_root, assert_welcome_root
from http_client import ConnectionClosed, build_request


def _ready_200(port, host="127.0.0.1"):
    r = http_client.try_get(port, "/readyz", host=host, timeout=0.5)
    return r is not None and r.status == 200


def test_ready_within_milliseconds_of_exec(tmp_path):
    server = Server("welcome", tmp_path)
    server.start()
    try:
        while not _ready_200(server.port):
            assert server.running(), server.output()
            assert time.monotonic() - server.started_at < 2.0, server.output()
            time.sleep(0.002)
        elapsed = time.monotonic() - server.started_at
        print(f"exec -> first 200 on /readyz: {elapsed * 1000:.1f} ms")
    finally:
        assert server.stop() == 0, server.output()
    assert elapsed < 2.0


def test_server_listens_on_port_from_env(start_server):
    port = free_port()
    server = start_server("welcome", env={"PORT": port}, port=port)
    assert server.port == port
    assert_welcome_root(http_client.get(port, "/"))


def test_bind_limits_the_listen_address(start_server):
    port = free_port("127.0.0.2")
    server = start_server("hello", port=port, host="127.0.0.2")
    assert_hello_root(http_client.get(port, "/", host="127.0.0.2"))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert server.running()


def test_port_in_use_exits_69_naming_the_port(start_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start_server("welcome", port=port, wait=False)
        code = server.wait(timeout=5)
        assert time.monotonic() - server.started_at < 5
    # EX_UNAVAILABLE, as `doctor` reports the port in use.
    assert code == 69, server.output()
    assert str(port) in server.output(), server.output()


def test_sigterm_when_idle_exits_zero_after_draining(welcome):
    welcome.signal(signal.SIGTERM)
    assert welcome.wait(timeout=5) == 0, welcome.output()
    welcome.wait_for("draining", timeout=1)
    welcome.wait_for("stopped", timeout=1)


def test_sigint_behaves_like_sigterm(welcome):
    with welcome.connect() as conn:
        assert_welcome_root(conn.request("GET", "/"))
        welcome.signal(signal.SIGINT)
        conn.wait_closed(timeout=5)
    assert welcome.wait(timeout=5) == 0, welcome.output()
    welcome.wait_for("draining", timeout=1)
    welcome.wait_for("stopped", timeout=1)


def test_sigterm_lets_an_in_flight_request_finish_with_connection_close(
        welcome):
    with welcome.connect() as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n")  # in flight from byte 1
        time.sleep(0.1)
        welcome.signal(signal.SIGTERM)
        time.sleep(0.2)
        conn.send(b"\r\n")
        r = conn.read_response()
        rest = conn.read_until_close(timeout=5)
    assert_welcome_root(r)
    assert r.has_token("Connection", "close"), r
    assert rest == b""
    assert welcome.wait(timeout=5) == 0, welcome.output()
    welcome.wait_for("draining", timeout=1)
    stopped = welcome.wait_for("stopped", timeout=1)
    assert stopped["requests_cut"] == 0, stopped


def test_sigterm_closes_idle_keep_alive_connections(welcome):
    with welcome.connect() as conn:
        assert_welcome_root(conn.request("GET", "/"))
        welcome.signal(signal.SIGTERM)
        elapsed, data = conn.wait_closed(timeout=5)
    assert data == b"", data
    assert welcome.wait(timeout=5) == 0, welcome.output()
    print(f"idle keep-alive closed {elapsed * 1000:.1f} ms after SIGTERM")


def test_readyz_503_during_shutdown_delay_while_root_still_200(start_server):
    server = start_server("welcome", env={"SHUTDOWN_DELAY": "2s"})
    server.signal(signal.SIGTERM)
    time.sleep(0.2)
    ready = server.get("/readyz")
    root = server.get("/")
    assert ready.status == 503, ready
    assert ready.header("Content-Type") == "application/health+json", ready
    assert_welcome_root(root)
    assert server.wait(timeout=6) == 0, server.output()


def test_shutdown_delay_holds_the_listener_open_then_exits_zero(start_server):
    server = start_server("welcome", env={"SHUTDOWN_DELAY": "1s"})
    signalled = time.monotonic()
    server.signal(signal.SIGTERM)
    time.sleep(0.5)
    assert_welcome_root(server.get("/"))  # still accepting at 0.5 s
    assert server.wait(timeout=6) == 0, server.output()
    took = time.monotonic() - signalled
    assert 0.9 <= took < 5, took


def test_second_signal_during_shutdown_delay_exits_at_once(start_server):
    server = start_server("welcome", env={"SHUTDOWN_DELAY": "5s"})
    server.signal(signal.SIGTERM)
    server.wait_for("draining", timeout=2)
    time.sleep(0.2)
    second = time.monotonic()
    server.signal(signal.SIGTERM)
    code = server.wait(timeout=3)
    took = time.monotonic() - second
    print(f"second SIGTERM: exit code {code} after {took * 1000:.1f} ms")
    assert took < 1.5, took


def test_shutdown_timeout_cuts_an_unfinished_request(start_server):
    server = start_server("welcome", env={"SHUTDOWN_TIMEOUT": "500ms",
                                          "HTTP_HEADER_TIMEOUT": "30s"})
    with server.connect() as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
        time.sleep(0.1)
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        code = server.wait(timeout=6)
        took = time.monotonic() - signalled
    assert code != 0, server.output()
    assert 0.4 <= took < 3, took
    stopped = server.wait_for("stopped", timeout=1)
    assert stopped["requests_cut"] == 1, stopped


def test_nothing_is_written_to_the_working_directory(start_server):
    server = start_server("welcome", env={"ACCESS_LOG": "on"})
    with server.connect() as conn:
        for target in ("/", "/livez", "/readyz", "/version", "/missing"):
            conn.request("GET", target)
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    assert os.listdir(server.cwd) == []


def test_stop_logs_draining_then_stopped_after_ready(welcome):
    assert_welcome_root(welcome.get("/"))
    welcome.signal(signal.SIGTERM)
    assert welcome.wait() == 0
    msgs = [e["msg"] for e in welcome.events()]
    order = [msgs.index(m) for m in ("starting", "listening", "ready",
                                     "draining", "stopped")]
    assert order == sorted(order), msgs
    assert msgs[-1] == "stopped", msgs


def test_listener_closed_once_draining_without_delay(start_server):
    server = start_server("welcome", env={"SHUTDOWN_TIMEOUT": "5s",
                                          "HTTP_HEADER_TIMEOUT": "30s"})
    # Keep the process alive with an unfinished request, then check that
    # the listener is gone while it drains.
    with server.connect() as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.1)  # accepted and read before the signal
        server.signal(signal.SIGTERM)
        server.wait_for("draining", timeout=2)
        time.sleep(0.2)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        conn.send(b"\r\n")
        assert_welcome_root(conn.read_response())
    assert server.wait() == 0, server.output()


def test_pipelined_requests_in_flight_at_sigterm_all_answered(welcome):
    with welcome.connect() as conn:
        batch = b"".join(build_request("GET", "/") for _ in range(5))
        conn.send(batch[:-2])  # the last request is incomplete
        time.sleep(0.1)
        welcome.signal(signal.SIGTERM)
        time.sleep(0.2)
        conn.send(batch[-2:])
        responses = []
        while len(responses) < 5:
            responses.append(conn.read_response())
        rest = conn.read_until_close(timeout=5)
    for r in responses:
        assert_welcome_root(r)
    assert responses[-1].has_token("Connection", "close"), responses[-1]
    assert rest == b""
    assert welcome.wait() == 0, welcome.output()


# --- SIGTERM under keep-alive load ------------------------------------------

LOAD_CLIENTS = 100
GREETING = re.compile(rb"^Welcome to KODEKLOUD! Visitor Count: (\d+)$")


class KeepAliveLoop:
    """`clients` threads looping GET / on keep-alive connections until the
    server refuses them after its SIGTERM. A client told Connection: close
    reconnects; a request whose connection closed (or reset) before its
    whole answer is recorded as cut, with the wall-clock time it was sent."""

    def __init__(self, server, clients):
        self.server = server
        self.signalled = threading.Event()
        self.lock = threading.Lock()
        self.answers = []  # (sent_monotonic, status, says_close, count)
        self.cuts = []  # (sent_wall, what happened)
        self.early_refusals = []
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(clients)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), (
            "clients still running: the server never refused them")

    def _run(self):
        request = build_request("GET", "/")
        conn = None
        while True:
            if conn is None:
                try:
                    conn = self.server.connect(timeout=10)
                except ConnectionRefusedError:
                    if not self.signalled.is_set():
                        with self.lock:
                            self.early_refusals.append(time.monotonic())
                    return  # the listener is closed
            sent, sent_wall = time.monotonic(), time.time()
            try:
                conn.send(request)
                r = conn.read_response(timeout=10)
            except (OSError, ConnectionClosed) as e:
                with self.lock:
                    self.cuts.append((sent_wall, repr(e)))
                conn.close()
                conn = None
                continue
            match = GREETING.match(r.body)
            with self.lock:
                self.answers.append((sent, r.status,
                                     r.has_token("Connection", "close"),
                                     int(match.group(1)) if match else None))
            if r.has_token("Connection", "close"):
                conn.close()
                conn = None


def _wall_time(ts):
    """A log event's `ts` (RFC 3339 UTC, microseconds) as time.time()."""
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


@pytest.mark.parametrize("delay", ["1s", "0s"])
def test_sigterm_under_keep_alive_load_cuts_no_request(start_server, delay):
    server = start_server("welcome", env={"SHUTDOWN_DELAY": delay,
                                          "SHUTDOWN_TIMEOUT": "10s",
                                          "ACCESS_LOG": "off"})
    load = KeepAliveLoop(server, LOAD_CLIENTS)
    load.start()
    time.sleep(0.5)  # every client is looping
    load.signalled.set()
    server.signal(signal.SIGTERM)
    server.wait_for("draining", timeout=5)
    draining_seen = server.event_time("draining")
    load.join(timeout=30)
    code = server.wait(timeout=15)

    answers, cuts = load.answers, load.cuts
    after = [a for a in answers if a[0] > draining_seen]
    kept_alive = [a for a in after if not a[2]]
    print(f"{len(answers)} answers, {len(after)} to requests sent after the "
          f"signal was logged, {len(kept_alive)} of those kept alive; "
          f"{len(cuts)} requests cut")
    assert load.early_refusals == []
    assert after or delay == "0s", "no request was sent during SHUTDOWN_DELAY"
    assert kept_alive == [], (
        f"{len(kept_alive)} of {len(after)} answers after the signal did not "
        "say Connection: close")
    # A request sent after the listener closed may meet a closed
    # connection (its client was idle through the delay); none sent before.
    closed_at = _wall_time(server.wait_for("listener closed", timeout=1)["ts"])
    cut_before_close = [c for c in cuts if c[0] < closed_at]
    assert cut_before_close == [], cut_before_close[:5]
    assert all(a[1] == 200 for a in answers), [a for a in answers
                                              if a[1] != 200][:5]
    assert code == 0, server.output()
    stopped = server.wait_for("stopped", timeout=1)
    assert stopped["requests_cut"] == 0, stopped
    # Each visit the store counted was answered: the counts seen are exactly
    # 1..N, and N is what the store holds.
    ok = [a for a in answers if a[1] == 200]
    counts = sorted(a[3] for a in ok)
    assert counts == list(range(1, len(ok) + 1)), (
        f"{len(ok)} answers, counts seen {counts[:3]}...{counts[-3:]}")
    result = run_command("welcome", ["count"],
                         env={"DATABASE_URL": server.env["DATABASE_URL"]})
    logged = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["count"] for e in logged if e["msg"] == "visitor count"] == [
        len(ok)], result.stdout + result.stderr


def _thread_names(pid):
    """Each thread's id and name (what top -H shows)."""
    tasks = f"/proc/{pid}/task"
    return {tid: open(f"{tasks}/{tid}/comm").read().strip()
            for tid in os.listdir(tasks)}


def test_threads_are_named_for_operators_tools(start_server):
    """top -H, ps -L, perf and gdb show what each thread is: the web workers,
    the admin listener's, the log's flusher and the SQLite store's."""
    free = free_port()
    server = start_server("welcome", env={"WEB_THREADS": 2,
                                          "ADMIN_PORT": free})
    names = sorted(_thread_names(server.proc.pid).values())
    assert names == sorted(["welcome", "web-0", "web-1", "admin", "admin-0",
                            "log-flush", "sqlite"]), names


def _voluntary_switches(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/status") as status:
        for line in status:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError("no voluntary_ctxt_switches")


def test_new_connections_do_not_wake_the_main_thread(start_server):
    """The workers accept; the first thread (signals, drain, the readiness
    check) must not wake for each connection, as it did while the listening
    socket stayed in its epoll set (~10 us of CPU each)."""
    server = start_server("hello", env={"WEB_THREADS": 1})
    pid = server.proc.pid
    connections = 400
    before = _voluntary_switches(pid, pid)
    started = time.monotonic()
    for _ in range(connections):
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n"
                      b"Connection: close\r\n\r\n")
            while s.recv(4096):
                pass
    elapsed = time.monotonic() - started
    woken = _voluntary_switches(pid, pid) - before
    ticks = elapsed / 0.005 + 2  # readiness is checked every 5 ms at most
    assert woken < ticks + connections / 4, (woken, round(ticks))


def test_an_idle_process_sleeps(start_server):
    """Idle, a process wakes ten times a second, for its readiness check:
    that check slows from every 5 ms to every 100 ms once ready, a worker
    sweeps for timeouts only while it has connections, and the admin
    listener's first thread has nothing to check. Before, each first thread
    woke ~200 times a second and each worker 10."""
    server = start_server("welcome", env={"WEB_THREADS": 2,
                                          "ADMIN_PORT": free_port()})
    pid = server.proc.pid
    time.sleep(0.5)  # the readiness probe's connection is swept away
    names = _thread_names(pid)
    before = {tid: _voluntary_switches(pid, tid) for tid in names}
    idle = 2.0
    time.sleep(idle)
    woken = {name: _voluntary_switches(pid, tid) - before[tid]
             for tid, name in names.items()}
    assert woken.pop("welcome") <= idle / 0.1 + 3, woken
    assert all(count <= 2 for count in woken.values()), woken
