"""What the bench serves: the backing stores (redis-server, PostgreSQL in a
temporary data directory), the catalog of servers under test, and starting
one until its first 200."""

import dataclasses
import glob
import os
import shutil
import signal
import socket
import subprocess
import time

from benchlib import procs

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0  # exec -> first 200; the Python peers take ~1 s


class BenchError(Exception):
    """A step of the bench failed (a server would not start, a tool is
    missing...): the run stops with this message."""


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def base_env(**extra):
    """A clean environment: the developer's PORT or LOG_LEVEL must not leak
    into a server under test."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def http_status(port, path, timeout=START_TIMEOUT):
    """Status code of one GET on a new connection ("Connection: close")."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("closed before a status line")
            head += chunk
    return int(head.split(b" ", 2)[1])


def wait_until(proc, started_at, probe, what, timeout=START_TIMEOUT):
    """Calls probe() every 0.5 ms until it returns True; returns the seconds
    from `started_at`. Fails if the process exits or `timeout` passes."""
    deadline = started_at + timeout
    while True:
        if proc is not None and not procs.alive(proc):
            raise BenchError(f"{what} exited before it was ready")
        try:
            if probe():
                return time.monotonic() - started_at
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.0005)


# --- backing stores -----------------------------------------------------

class Redis:
    """A redis-server on a free port, no persistence; db 0 for welcome, db 1
    for the Flask counter."""

    def __init__(self, rundir, cpus):
        binary = shutil.which("redis-server")
        if binary is None:
            raise BenchError("redis-server not found (Debian: redis-server)")
        self.port = free_port()
        self.log = os.path.join(rundir, "redis.log")
        self.proc, started = procs.spawn(
            [binary, "--port", str(self.port), "--bind", LOOPBACK,
             "--save", "", "--appendonly", "no", "--dir", rundir,
             "--logfile", ""], cpus, self.log, base_env())
        wait_until(self.proc, started, self._pong, "redis-server")

    def _pong(self):
        with socket.create_connection((LOOPBACK, self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")

    def url(self, db):
        return f"redis://{LOOPBACK}:{self.port}/{db}"

    def pids(self):
        return procs.tree(self.proc.pid)

    def stop(self):
        procs.stop(self.proc)


class Postgres:
    """A PostgreSQL cluster in a temporary directory (initdb, trust auth on
    loopback), run as the postgres user when the bench runs as root. Server
    settings are Debian's defaults (fsync and synchronous_commit on)."""

    def __init__(self, rundir, cpus):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                       key=lambda p: int(p.split("/")[4]))
        if not found:
            raise BenchError("PostgreSQL server binaries not found "
                             "(Debian: postgresql)")
        self.binary = found[-1]
        bindir = os.path.dirname(self.binary)
        as_user = (["runuser", "-u", "postgres", "--"]
                   if os.geteuid() == 0 else [])
        self.dir = os.path.join(rundir, "postgres")
        os.makedirs(self.dir)
        if as_user:
            os.chmod(rundir, 0o755)  # postgres must reach its directory
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self.log = os.path.join(rundir, "postgres.log")
        with open(self.log, "ab") as log:
            result = subprocess.run(
                [*as_user, f"{bindir}/initdb", "-D", data, "-A", "trust",
                 "-U", "postgres", "-E", "UTF8", "--no-sync"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=base_env(), cwd=self.dir)
        if result.returncode != 0:
            raise BenchError(f"initdb failed: see {self.log}")
        self.port = free_port()
        self.pid_file = os.path.join(data, "postmaster.pid")
        self.proc, started = procs.spawn(
            [*as_user, f"{bindir}/postgres", "-D", data, "-p", str(self.port),
             "-k", self.dir, "-c", f"listen_addresses={LOOPBACK}"],
            cpus, self.log, base_env(), cwd=self.dir)
        isready = [f"{bindir}/pg_isready", "-q", "-h", LOOPBACK,
                   "-p", str(self.port)]
        wait_until(self.proc, started,
                   lambda: subprocess.run(isready).returncode == 0,
                   "postgres")

    def url(self):
        # Trust authentication: the password is there for the URL's form.
        return f"postgres://postgres:bench@{LOOPBACK}:{self.port}/postgres"

    def postmaster(self):
        try:
            with open(self.pid_file) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def pids(self):
        pm = self.postmaster()
        return procs.tree(pm) if pm else []

    def stop(self):
        pm = self.postmaster()
        if pm and procs.alive(self.proc):
            os.kill(pm, signal.SIGINT)  # fast shutdown: clients are gone
        procs.stop(self.proc, timeout=20.0)


# --- servers under test -------------------------------------------------

@dataclasses.dataclass
class Server:
    name: str  # key in the results: "hello", "gunicorn-counter", ...
    label: str  # as the tables show it
    role: str  # "ceiling", "kit" or "peer"
    group: str  # "hello" or "counter": the peers it is compared with
    cmd: list  # with "{port}" where the port goes
    env: dict
    ready_path: str  # the path whose first 200 means ready
    cwd: str = None
    store: str = None  # "redis", "postgres", "sqlite" or None
    migrate: list = None  # command run once before the first start
    # gunicorn's SIGTERM waits up to a second for idle workers; its SIGINT
    # is the quick shutdown. The kit and the rest stop on SIGTERM.
    stop_signal: int = signal.SIGTERM


KIT_ENV = {"BIND": LOOPBACK, "WEB_THREADS": 1, "LOG_LEVEL": "info",
           "LOG_FORMAT": "json", "ACCESS_LOG": "on"}
SERVER_NAMES = ["ceiling", "hello", "hello-nometrics", "hello-noaccesslog",
                "flask-hello",
                "gunicorn-hello",
                "welcome-redis", "welcome-postgres", "welcome-sqlite",
                "flask-counter", "gunicorn-counter"]


def catalog(bin_dir, ceiling, peers_dir, rundir, redis, postgres):
    """Every server of the suite, in SERVER_NAMES order; `redis`/`postgres`
    may be None when no selected server needs them."""
    python = "/usr/bin/python3"
    gunicorn = [python, "-m", "gunicorn", "--workers", "2",
                "--bind", LOOPBACK + ":{port}", "--access-logfile", "-",
                "--chdir", peers_dir]
    welcome = os.path.join(bin_dir, "welcome")
    sqlite_url = "sqlite:///" + os.path.join(rundir, "welcome.db")
    pg_url = postgres.url() if postgres else None
    redis_kit = redis.url(0) if redis else None
    redis_peer = redis.url(1) if redis else None
    servers = [
        Server("ceiling", "ceiling (C, epoll)", "ceiling", "hello",
               [ceiling, "{port}"], {"BIND": LOOPBACK}, "/"),
        Server("hello", "hello (kit)", "kit", "hello",
               [os.path.join(bin_dir, "hello")], KIT_ENV, "/readyz"),
        # What counting for /metrics costs: hello against this (issue 14).
        Server("hello-nometrics", "hello (kit), METRICS=off", "kit", "hello",
               [os.path.join(bin_dir, "hello")],
               {**KIT_ENV, "METRICS": "off"}, "/readyz"),
        # What the access log costs, the line and its write (issue 12's
        # CPU targets are "as shipped": with it).
        Server("hello-noaccesslog", "hello (kit), ACCESS_LOG=off", "kit",
               "hello", [os.path.join(bin_dir, "hello")],
               {**KIT_ENV, "ACCESS_LOG": "off"}, "/readyz"),
        Server("flask-hello", "hello.py, Flask server", "peer", "hello",
               [python, "hello.py", "{port}"], {}, "/", cwd=peers_dir),
        Server("gunicorn-hello", "hello.py, gunicorn ×2", "peer", "hello",
               [*gunicorn, "hello:app"], {}, "/",
               stop_signal=signal.SIGINT),
        Server("welcome-redis", "welcome, Redis", "kit", "counter",
               [welcome, "serve"], {**KIT_ENV, "REDIS_URL": redis_kit},
               "/readyz", store="redis"),
        Server("welcome-postgres", "welcome, PostgreSQL", "kit", "counter",
               [welcome, "serve"], {**KIT_ENV, "DATABASE_URL": pg_url},
               "/readyz", store="postgres",
               migrate=[welcome, "migrate"]),
        Server("welcome-sqlite", "welcome, SQLite", "kit", "counter",
               [welcome, "serve"], {**KIT_ENV, "DATABASE_URL": sqlite_url},
               "/readyz", store="sqlite", migrate=[welcome, "migrate"]),
        Server("flask-counter", "counter.py, Flask server", "peer", "counter",
               [python, "counter.py", "{port}"], {"REDIS_URL": redis_peer},
               "/", cwd=peers_dir, store="redis"),
        Server("gunicorn-counter", "counter.py, gunicorn ×2", "peer",
               "counter", [*gunicorn, "counter:app"],
               {"REDIS_URL": redis_peer}, "/", store="redis",
               stop_signal=signal.SIGINT),
    ]
    return servers


class Running:
    """One started server: its process, port, log and start figures."""

    def __init__(self, server, rundir, cpus, extra_env=None, tag=""):
        self.server = server
        self.port = free_port()
        env = {**server.env, **(extra_env or {})}
        if server.role != "peer":
            env["PORT"] = self.port
        self.log = os.path.join(rundir, f"{server.name}{tag}.log")
        cmd = [a.replace("{port}", str(self.port)) for a in server.cmd]
        self.proc, started = procs.spawn(
            cmd, cpus, self.log, base_env(**env), cwd=server.cwd or rundir)
        try:
            self.ready_s = wait_until(
                self.proc, started,
                lambda: http_status(self.port, server.ready_path) == 200,
                server.name)
        except BenchError as e:
            procs.stop(self.proc, timeout=2)
            raise BenchError(f"{e}; its log ends: {self.log_tail()}") from e

    def log_tail(self, size=600):
        try:
            with open(self.log, "rb") as f:
                f.seek(max(0, os.path.getsize(self.log) - size))
                return f.read().decode(errors="replace").strip()
        except OSError:
            return "(no log)"

    def pids(self):
        return procs.tree(self.proc.pid)

    def log_bytes(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def truncate_log(self):
        """Frees the disk a run's access log took; the server appends."""
        os.truncate(self.log, 0)

    def stop(self, kill_peer=False):
        """Stops the server; a kit server must exit 0. `kill_peer` kills a
        peer at once instead: for starts that only measure the start."""
        if kill_peer and self.server.role == "peer":
            return procs.stop(self.proc, timeout=0, sig=signal.SIGKILL)
        code = procs.stop(self.proc, sig=self.server.stop_signal)
        if code != 0 and self.server.role == "kit":
            raise BenchError(f"{self.server.name} exited with {code} on "
                             f"SIGTERM; its log ends: {self.log_tail()}")
        return code
