"""Real backing services for the store tests (factor X: the same stores as in
production, never mocks), each started on a free loopback port in a temp dir
with a password set, and torn down after.

Fixtures; a test module registers this module as a plugin (once per
session, so the session's PostgreSQL server is started once):

    pytest_plugins = ["services"]

  redis       a fresh redis-server per test (it starts in milliseconds)
  postgres    a fresh database per test on one PostgreSQL server per session
              (initdb takes seconds)
  sqlite_url  sqlite:///<temp dir>/welcome.db, a fresh file per test
  store       parametrized over the three: a Store with the env that
              attaches it, the counter it holds, and (Redis, PostgreSQL)
              stop() / start() on the same port, freeze() / thaw()
  server_store  the same, over Redis and PostgreSQL only

Every store can be read and written directly, without the binary under
test: Redis over RESP on a plain socket, PostgreSQL with `psql` over its
Unix socket, SQLite with Python's own sqlite3 module. Standard library only.
"""

import contextlib
import ctypes
import itertools
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import free_port

COUNTER_KEY = "visitorCount"  # the course's key, in every store
SERVICE_START_TIMEOUT = 30.0  # generous: two cores, sanitizer builds beside
SERVICE_STOP_TIMEOUT = 20.0
COMMAND_TIMEOUT = 15.0
POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                           reverse=True)


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child is killed when the test run dies, so no
    service outlives a run the watchdog ended."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def new_password():
    """A password no output could contain by accident."""
    return "pw-" + uuid.uuid4().hex[:16]


def _tail(path, lines=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace")
                         .splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"


class ServerStore:
    """A Store kept by a server process (`self.server`): stopping, starting,
    freezing and thawing the store is doing it to that server."""

    def stop(self):
        self.server.stop()

    def start(self):
        self.server.start()

    def freeze(self):
        self.server.freeze()

    def thaw(self):
        self.server.thaw()


# --- Redis ----------------------------------------------------------------


class RespError(Exception):
    """Redis answered an error reply ("-ERR ...", "-WRONGPASS ...")."""


class Resp:
    """A blocking RESP2 client over one socket, enough to inspect a store:
    commands out as arrays of bulk strings, replies parsed back to Python
    values (bytes, int, list, None; errors raise RespError)."""

    def __init__(self, port, password=None, db=0, host="127.0.0.1",
                 timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        if password is not None:
            self.command("AUTH", password)
        if db:
            self.command("SELECT", db)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def command(self, *args):
        out = b"*%d\r\n" % len(args)
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self._exact(int(rest))
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise AssertionError(f"not RESP: {line!r}")


class RedisServer:
    """redis-server on 127.0.0.1:port, data in `workdir`, requirepass set.
    No save points and no AOF, as the brief's command line says; stop()
    saves explicitly (SHUTDOWN SAVE), so the count survives a restart just
    as it would on a persistent production Redis."""

    kind = "redis"

    def __init__(self, workdir, password=None, port=None):
        self.dir = Path(workdir)
        self.password = password or new_password()
        self.port = port or free_port()
        self.log_path = self.dir / "redis.log"
        self.proc = None

    @property
    def url(self):
        return self.url_for(0)

    def url_for(self, db=0, password=None):
        pw = self.password if password is None else password
        return f"redis://:{pw}@127.0.0.1:{self.port}/{db}"

    def start(self, timeout=SERVICE_START_TIMEOUT):
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server not found: install the redis-server "
                        "package (deps/test.txt)", pytrace=False)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [exe, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--dir", str(self.dir), "--save", "", "--appendonly", "no",
                 "--requirepass", self.password, "--daemonize", "no",
                 "--logfile", ""],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with self.client(timeout=1.0) as client:
                    if client.command("PING") == b"PONG":
                        return self
            except (OSError, ConnectionError, RespError):
                time.sleep(0.02)
        self.kill()
        pytest.fail(f"redis-server on port {self.port} not up within "
                    f"{timeout}s\n{_tail(self.log_path)}", pytrace=False)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=SERVICE_STOP_TIMEOUT):
        """A clean shutdown that keeps the data (SHUTDOWN SAVE)."""
        if not self.running():
            return
        try:
            with self.client(timeout=2.0) as client:
                client.command("SHUTDOWN", "SAVE")
        except (OSError, ConnectionError, RespError):
            pass  # the normal outcome: the server closes without a reply
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"redis-server still running {timeout}s after "
                        f"SHUTDOWN\n{_tail(self.log_path)}", pytrace=False)

    def kill(self):
        if self.running():
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()

    def freeze(self):
        """SIGSTOP: the port still accepts connections (the kernel does
        that) but nothing answers, as when a store hangs."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def client(self, db=0, timeout=5.0):
        return Resp(self.port, self.password, db=db, timeout=timeout)

    def command(self, *args, db=0):
        with self.client(db=db) as client:
            return client.command(*args)


class RedisStore(ServerStore):
    """The counter in a RedisServer, database `db` (a Store; see below)."""

    kind = "redis"
    needs_migrate = False

    def __init__(self, server, db=0):
        self.server = server
        self.db = db
        self.password = server.password
        self.url = server.url_for(db)
        self.env = {"REDIS_URL": self.url}

    def url_with_password(self, password):
        return self.server.url_for(self.db, password)

    def count(self):
        """The counter's value in the store; None when absent."""
        value = self.server.command("GET", COUNTER_KEY, db=self.db)
        return None if value is None else int(value)

    def set_count(self, value):
        self.server.command("SET", COUNTER_KEY, value, db=self.db)


# --- PostgreSQL -----------------------------------------------------------


def _postgres_tool(name):
    for directory in POSTGRES_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: install the postgresql package "
                    "(deps/test.txt)", pytrace=False)
    return found


class PostgresServer:
    """A PostgreSQL cluster in a temp dir, listening on 127.0.0.1:port.

    The same commands as tests/support/postgres_server.cpp: initdb with a
    SCRAM password for TCP (what the binary under test uses) and trust on
    the Unix socket in the temp dir (only root and postgres reach it; the
    tests administer through it). PostgreSQL refuses to run as root, so as
    root every server command runs as the `postgres` system user. The
    postmaster runs in the foreground as a child of this process, switched
    to that user in the child itself rather than through `runuser`, so that
    signals reach it directly and it dies with the test run (PDEATHSIG)
    instead of outliving a killed run."""

    kind = "postgres"

    def __init__(self, password=None):
        self.password = password or new_password()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="twelve-e2e-postgres-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self.proc = None
        self._user = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("no `postgres` user: install the postgresql "
                            "package (deps/test.txt)", pytrace=False)
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        os.chmod(self.dir, 0o700)

    def _preexec(self):
        if self._user is not None:
            os.setgroups([])
            os.setgid(self._user.pw_gid)
            os.setuid(self._user.pw_uid)
        _die_with_parent()  # after setuid, which clears it

    def _run_as_owner(self, args, timeout=120.0):
        with open(self.log_path, "ab") as log:
            result = subprocess.run(
                args, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, timeout=timeout,
                preexec_fn=self._preexec)
        if result.returncode != 0:
            pytest.fail(f"`{' '.join(args)}` exited {result.returncode}\n"
                        f"{_tail(self.log_path)}", pytrace=False)

    def init(self):
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._user is not None:
            os.chown(pwfile, self._user.pw_uid, self._user.pw_gid)
        self._run_as_owner([
            _postgres_tool("initdb"), "-D", str(self.data),
            "--username=postgres", f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256", "--auth-local=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"])
        pwfile.unlink()
        return self

    def url(self, database, password=None):
        pw = self.password if password is None else password
        return f"postgres://postgres:{pw}@127.0.0.1:{self.port}/{database}"

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=SERVICE_START_TIMEOUT):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [_postgres_tool("postgres"), "-D", str(self.data),
                 "-p", str(self.port), "-k", str(self.dir),
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=100"],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=self._preexec)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._answers():
                return self
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"postgres on port {self.port} not up within {timeout}s"
                    f"\n{_tail(self.log_path)}", pytrace=False)

    def _answers(self):
        """True when a client gets through TCP and the password."""
        try:
            return self.psql("SELECT 1", tcp=True, timeout=5.0) == "1"
        except AssertionError:
            return False

    def stop(self, timeout=SERVICE_STOP_TIMEOUT):
        """A fast shutdown (SIGINT): sessions are ended, data kept."""
        if not self.running():
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"postgres still running {timeout}s after SIGINT\n"
                        f"{_tail(self.log_path)}", pytrace=False)

    def _backends(self):
        """Pids of the postmaster's children (backends, background workers),
        from the parent pid in /proc/<pid>/stat."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def freeze(self):
        """SIGSTOP the postmaster, then every backend: connections are
        still accepted by the kernel but nothing answers."""
        self.proc.send_signal(signal.SIGSTOP)
        for pid in self._backends():
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass

    def thaw(self):
        for pid in self._backends():
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        if self.running():
            self.thaw()
            self.proc.send_signal(signal.SIGQUIT)  # immediate shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def psql(self, sql, database="postgres", tcp=False,
             timeout=COMMAND_TIMEOUT):
        """Runs `sql`; returns its output, unaligned, without headers. TCP
        uses the password; otherwise the trusted Unix socket."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "PGCONNECT_TIMEOUT": "3"}
        if tcp:
            host = "127.0.0.1"
            env["PGPASSWORD"] = self.password
        else:
            host = str(self.dir)
        try:
            result = subprocess.run(
                [_postgres_tool("psql"), "-X", "-q", "-A", "-t",
                 "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(self.port),
                 "-U", "postgres", "-d", database, "-c", sql],
                env=env, stdin=subprocess.DEVNULL, capture_output=True,
                text=True, timeout=timeout, preexec_fn=_die_with_parent)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"psql {sql!r} still running after "
                                 f"{timeout}s") from None
        if result.returncode != 0:
            raise AssertionError(f"psql {sql!r} exited {result.returncode}: "
                                 f"{result.stderr.strip()}")
        return result.stdout.strip()

    def remove(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresStore(ServerStore):
    """The counter in one database of a PostgreSQL server (a Store)."""

    kind = "postgres"
    needs_migrate = True

    def __init__(self, server, database):
        self.server = server
        self.database = database
        self.password = server.password
        self.url = server.url(database)
        self.env = {"DATABASE_URL": self.url}

    def url_with_password(self, password):
        return self.server.url(self.database, password)

    def query(self, sql):
        return self.server.psql(sql, database=self.database)

    def count(self):
        out = self.query("SELECT value FROM counters "
                         f"WHERE name = '{COUNTER_KEY}'")
        return int(out) if out else None


# --- SQLite ---------------------------------------------------------------


class SqliteStore:
    """The counter in a SQLite file (a Store). Nothing to start or stop:
    the file is the service."""

    kind = "sqlite"
    needs_migrate = True
    password = None

    def __init__(self, path):
        self.path = Path(path)
        self.url = f"sqlite://{self.path}"  # sqlite:// + /abs/path
        self.env = {"DATABASE_URL": self.url}

    def count(self):
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                             timeout=5.0)
        try:
            row = db.execute("SELECT value FROM counters WHERE name = ?",
                             (COUNTER_KEY,)).fetchone()
        finally:
            db.close()
        return None if row is None else int(row[0])


# --- Fixtures -------------------------------------------------------------


@contextlib.contextmanager
def running_redis(directory):
    """A RedisServer in `directory`, started; killed on exit."""
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


_database_ids = itertools.count(1)


@contextlib.contextmanager
def fresh_database(server):
    """A PostgresStore on a new, empty database of `server`. On exit the
    server is running again (the user may have stopped or frozen it) and
    the database is dropped."""
    name = f"welcome_{next(_database_ids)}"
    if not server.running():
        server.start()
    server.psql(f"CREATE DATABASE {name}")
    try:
        yield PostgresStore(server, name)
    finally:
        if server.running():
            server.thaw()
        else:
            server.start()
        server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis(tmp_path_factory):
    """A RedisServer of this test's own (url, url_for(db, password),
    command(...), stop(), start(), freeze(), thaw())."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the session (initdb takes seconds)."""
    server = PostgresServer().init()
    server.start()
    yield server
    server.stop()
    server.remove()


@pytest.fixture
def postgres(postgres_server):
    """A PostgresStore on a fresh, empty database of the session's server
    (url, count(), query(sql), stop(), start(), freeze(), thaw())."""
    with fresh_database(postgres_server) as database:
        yield database


@pytest.fixture
def sqlite_url(tmp_path_factory):
    """sqlite:///<fresh temp dir>/welcome.db (the file does not exist yet)."""
    return SqliteStore(tmp_path_factory.mktemp("sqlite") / "welcome.db").url


@pytest.fixture(params=["redis", "postgres", "sqlite"])
def store(request):
    """Each store in turn, as a Store: kind, env (the variable that attaches
    it), url, password, needs_migrate, count() (what the store holds, None
    when the counter is absent) and, for Redis and PostgreSQL, stop(),
    start(), freeze() and thaw() on the same port."""
    if request.param == "redis":
        return RedisStore(request.getfixturevalue("redis"))
    if request.param == "postgres":
        return request.getfixturevalue("postgres")
    url = request.getfixturevalue("sqlite_url")
    return SqliteStore(url[len("sqlite://"):])


@pytest.fixture(params=["redis", "postgres"])
def server_store(request):
    """Like `store`, for the stores that run as servers."""
    if request.param == "redis":
        return RedisStore(request.getfixturevalue("redis"))
    return request.getfixturevalue("postgres")
