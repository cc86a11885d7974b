"""Round trips to a store (commits, for SQL stores), counted by the store
itself: the figures behind "visits per round trip" and "round trips/s".

Each counter reads a running total; a run's figure is the difference of a
reading before and one after it (a store counts whatever reaches it, so
the bench also measures what an idle server adds: see Suite).

- Redis: the calls of the command the server sends per round trip, from
  INFO commandstats (welcome sends one INCRBY per batch of visits,
  counter.py one INCRBY 1 per visit: redis-py's incr()).
- PostgreSQL: the transaction ids it handed out, from the snapshot's xmax
  (the first id not yet assigned, once nothing is in flight): only a
  transaction that writes takes one, so this counts welcome's batches (an
  INSERT ... ON CONFLICT DO UPDATE each, its own transaction), and neither
  reads nor this query. Not pg_stat_database.xact_commit: a backend
  reports its counts at most once a second, and what is left when it goes
  idle 10 s later (PostgreSQL 15's PGSTAT_IDLE_INTERVAL), so the count
  after a run lags it (a 1 s run read 1 commit for 9,043 visits).
- SQLite: no server to ask, and welcome (which counts its own batches, and
  logs them when it stops) runs through every shape. SQLite's file format
  keeps a count in the wal-index header, the first bytes of the "-shm"
  file beside the database: iChange, "incremented with each transaction"
  (https://www.sqlite.org/fileformat2.html, "WAL-Index Format"): one per
  commit of any connection, in the machine's byte order.
"""

import os
import socket
import struct
import subprocess

from benchlib.servers import LOOPBACK, BenchError


class RedisCommandCalls:
    def __init__(self, port, command):
        self.port, self.command = port, command.lower()
        self.label = command.upper()

    def read(self):
        with socket.create_connection((LOOPBACK, self.port), timeout=5) as s:
            s.sendall(b"INFO commandstats\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, _, rest = data.partition(b"\r\n")
                if head.startswith(b"$") and len(rest) >= int(head[1:]):
                    break
        prefix = f"cmdstat_{self.command}:"
        for line in data.decode(errors="replace").splitlines():
            if line.startswith(prefix):
                fields = dict(kv.split("=", 1)
                              for kv in line[len(prefix):].split(","))
                return int(fields["calls"])
        return 0  # not called yet


class PostgresCommits:
    label = "commit"

    def __init__(self, postgres):
        bindir = os.path.dirname(postgres.binary)
        self.cmd = [f"{bindir}/psql", "-X", "-q", "-A", "-t", "-h", LOOPBACK,
                    "-p", str(postgres.port), "-U", "postgres",
                    "-d", "template1", "-c",
                    "SELECT pg_snapshot_xmax(pg_current_snapshot())"]

    def read(self):
        result = subprocess.run(self.cmd, capture_output=True, text=True,
                                timeout=30, env={"PATH": "/usr/bin:/bin"})
        if result.returncode != 0 or not result.stdout.strip():
            raise BenchError(f"reading PostgreSQL's next transaction id "
                             f"failed: {result.stderr.strip()}")
        return int(result.stdout.strip())


class SqliteCommits:
    label = "commit"

    def __init__(self, database):
        self.shm = database + "-shm"

    def read(self):
        try:
            with open(self.shm, "rb") as f:
                header = f.read(12)
        except OSError as e:
            raise BenchError(f"reading SQLite's wal-index failed: {e}")
        if len(header) < 12:
            raise BenchError(f"{self.shm}: no wal-index header")
        return struct.unpack("=I", header[8:12])[0]


def delta(before, after, counter):
    """after - before; SQLite's iChange is 32 bits and wraps."""
    if isinstance(counter, SqliteCommits):
        return (after - before) % (1 << 32)
    return after - before


def for_server(server, redis, postgres):
    """The counter of `server`'s round trips, or None (no store)."""
    if server.store == "redis" and redis:
        # welcome batches visits into INCRBY; counter.py's redis-py sends
        # its incr() as INCRBY 1, one per visit.
        return RedisCommandCalls(redis.port, "incrby")
    if server.store == "postgres" and postgres:
        return PostgresCommits(postgres)
    if server.store == "sqlite":
        return SqliteCommits(server.env["DATABASE_URL"][len("sqlite://"):])
    return None
