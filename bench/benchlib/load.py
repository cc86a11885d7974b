"""The load: wrk runs in each shape, with the server's RSS and CPU time and
the machine's CPU read around them; and many idle keep-alive connections
held open from this process."""

import json
import os
import resource
import selectors
import shutil
import socket
import subprocess
import time

from benchlib import procs, round_trips as rt
from benchlib.servers import LOOPBACK, BenchError

WRK_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "wrk")
WRK_TIMEOUT = "2s"  # wrk's default, stated: a slower answer is an error


class Shape:
    def __init__(self, name, label, short, connections, script):
        self.name, self.label, self.short = name, label, short
        self.connections, self.script = connections, script


SHAPES = [
    Shape("c50", "50 keep-alive connections", "50 keep-alive", 50,
          "keepalive.lua"),
    Shape("c200", "200 keep-alive connections", "200 keep-alive", 200,
          "keepalive.lua"),
    Shape("pipe16", "pipelined, depth 16, 50 connections", "pipelined ×16",
          50, "pipeline.lua"),
    Shape("close", "new connection per request, 50 at a time",
          "new connection each", 50, "close.lua"),
]


def wrk_version():
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk not found (Debian: wrk)")
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    return (out.stdout + out.stderr).split("Copyright")[0].strip()


def run_wrk(shape, running, store_pids, duration, wrk_cpus,
            round_trips=None, sample_every=0.1):
    """One wrk run of `duration` seconds against `running`. Returns wrk's
    figures plus the server's max RSS during the run, its CPU time (and the
    store's; the server's also by thread role, user and system), wrk's own CPU time, the machine's busy CPU, the bytes its
    log grew by, and the store's round trips (a round_trips counter's
    delta; None without one)."""
    url = f"http://{LOOPBACK}:{running.port}/"
    cmd = ["wrk", "-t1", f"-c{shape.connections}", f"-d{duration}s",
           "--latency", f"--timeout={WRK_TIMEOUT}",
           "-s", os.path.join(WRK_DIR, shape.script), url]
    if wrk_cpus is not None:
        cmd = ["taskset", "-c", ",".join(map(str, sorted(wrk_cpus))), *cmd]
    server_pids = running.pids()
    log_before = running.log_bytes()
    cpu_before = procs.cpu_seconds(server_pids)
    threads_before = procs.thread_cpu(server_pids)
    store_before = procs.cpu_seconds(store_pids)
    sys_before = procs.system_cpu()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    trips_before = round_trips.read() if round_trips else None
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    rss_max = 0
    while proc.poll() is None:
        rss_max = max(rss_max, procs.rss_kib(server_pids))
        time.sleep(sample_every)
    elapsed = time.monotonic() - started
    out, err = proc.communicate()
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys_after = procs.system_cpu()
    server_pids = running.pids()  # gunicorn may have replaced a worker
    cpu = procs.cpu_delta(cpu_before, procs.cpu_seconds(server_pids))
    threads = procs.thread_cpu_delta(threads_before,
                                     procs.thread_cpu(server_pids))
    store_cpu = procs.cpu_delta(store_before, procs.cpu_seconds(store_pids))
    log_bytes = running.log_bytes() - log_before
    trips = (rt.delta(trips_before, round_trips.read(), round_trips)
             if round_trips else None)
    report = None
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("BENCH_JSON "):
            report = json.loads(line[len("BENCH_JSON "):])
    if proc.returncode != 0 or report is None:
        raise BenchError(f"wrk failed ({proc.returncode}) against "
                         f"{running.server.name}: {err.decode().strip()}")
    clock = os.sysconf("SC_CLK_TCK")
    busy = {name: (sys_after[name][0] - sys_before[name][0]) / clock
            for name in sys_after}
    seconds = report["duration_us"] / 1e6
    return {
        "requests": report["requests"],
        # Every 200 on / is a visit (welcome, counter.py).
        "visits": report["requests"] - report["errors"]["status"],
        "round_trips": trips,
        "rps": report["requests"] / seconds if seconds else 0.0,
        "latency_us": report["latency_us"],
        "errors": report["errors"],
        "error_total": sum(report["errors"].values()),
        "rss_load_kib": rss_max,
        "server_cpu_s": cpu,
        # The same CPU by kind (user, system) and thread role (the kit's
        # "web", "log-flush", ..., "main").
        "server_threads": threads,
        "store_cpu_s": store_cpu,
        "wrk_cpu_s": (wrk_after.ru_utime - wrk_before.ru_utime
                      + wrk_after.ru_stime - wrk_before.ru_stime),
        "machine_busy_s": busy,
        "elapsed_s": elapsed,
        "wrk_duration_s": seconds,
        "log_bytes": log_bytes,
    }


def _read_response(sock):
    """Reads one response with a Content-Length body; False if the server
    closed or sent something else."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        body += chunk
    return head.startswith(b"HTTP/1.1 200")


def idle_connections(running, count, settle=0.5):
    """Opens `count` keep-alive connections to `running`, sends one request
    on each and reads its answer, then leaves them idle. Returns the
    server's RSS before, with them open, and after closing them (KiB), and
    how many were still open when measured."""
    procs.raise_fd_limit(count + 1024)
    pids = running.pids()
    time.sleep(settle)
    rss_idle = procs.rss_kib(pids)
    request = (f"GET / HTTP/1.1\r\nHost: {LOOPBACK}:{running.port}\r\n\r\n"
               .encode())
    socks, failed = [], 0
    started = time.monotonic()
    try:
        for _ in range(count):
            s = socket.create_connection((LOOPBACK, running.port), timeout=10)
            socks.append(s)
            s.sendall(request)
            if not _read_response(s):
                failed += 1
        opened_s = time.monotonic() - started
        time.sleep(settle)
        rss_open = procs.rss_kib(pids)
        # A connection the server closed reads as ready (EOF) at once.
        closed = 0
        with selectors.DefaultSelector() as sel:
            for s in socks:
                s.setblocking(False)
                sel.register(s, selectors.EVENT_READ)
            closed = len(sel.select(timeout=0))
    finally:
        for s in socks:
            s.close()
    time.sleep(settle)
    rss_after = procs.rss_kib(pids)
    return {
        "connections": count,
        "failed_requests": failed,
        "closed_by_server": closed,
        "open_s": opened_s,
        "rss_idle_kib": rss_idle,
        "rss_open_kib": rss_open,
        "rss_after_close_kib": rss_after,
        "cost_kib": rss_open - rss_idle,
    }
