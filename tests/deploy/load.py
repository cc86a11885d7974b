"""A small load generator for the deployment tests: client threads that GET /
through one address without pause between answers, and count the outcome of
every request.

Two kinds of clients: keep-alive ones (one connection for as long as it
lasts; a new one after the server closes it or after a failure) and ones
that open a new connection for each request. A request is a success only
when it is answered 200 with the visitor count; anything else (another
status, a reset, a timeout, a connection closed before the answer) is a
failure, counted by kind. Nothing is retried: each request counts once.

The load is bounded in time and in requests, and stops by itself at either
bound (the tests stop it sooner).
"""

import collections
import http.client
import threading
import time

import support

MAX_SECONDS = 300.0
MAX_REQUESTS = 2_000_000
REQUEST_TIMEOUT = 15.0


class Tally:
    """The outcome of every request sent between start() and stop()."""

    def __init__(self):
        self.ok = 0
        self.failures = collections.Counter()  # kind -> count
        self.examples = []  # the first few failures, for the report
        self.seconds = 0.0
        self.max_count = 0  # the highest visitor count answered

    @property
    def failed(self):
        return sum(self.failures.values())

    @property
    def sent(self):
        return self.ok + self.failed

    def add(self, other):
        self.ok += other.ok
        self.failures.update(other.failures)
        self.examples.extend(other.examples[: 5 - len(self.examples)])
        self.max_count = max(self.max_count, other.max_count)

    def summary(self):
        rate = self.sent / self.seconds if self.seconds else 0.0
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.failures.items())) or "none"
        return (f"{self.sent} requests in {self.seconds:.1f} s ({rate:.0f}/s): "
                f"{self.ok} answered 200, {self.failed} failed ({kinds})")


class Load:
    def __init__(self, port, keepalive_clients=4, fresh_clients=2, host="127.0.0.1"):
        self.host = host
        self.port = port
        self.clients = keepalive_clients + fresh_clients
        self._kinds = [True] * keepalive_clients + [False] * fresh_clients
        self._stop = threading.Event()
        self._threads = []
        self._tallies = []
        self._sent = 0
        self._lock = threading.Lock()
        self._started = 0.0

    def start(self):
        self._stop.clear()
        self._started = time.monotonic()
        self._tallies = [Tally() for _ in self._kinds]
        self._threads = [threading.Thread(target=self._client, args=(keepalive, tally),
                                          daemon=True)
                         for keepalive, tally in zip(self._kinds, self._tallies)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self):
        """Stops the clients once their requests in flight are answered (or
        fail) and returns the tally of the whole run."""
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)
        total = Tally()
        for tally in self._tallies:
            total.add(tally)
        total.seconds = time.monotonic() - self._started
        return total

    def _bounded(self):
        with self._lock:
            self._sent += 1
            return self._sent <= MAX_REQUESTS

    def _client(self, keepalive, tally):
        conn = None
        deadline = self._started + MAX_SECONDS
        headers = {} if keepalive else {"Connection": "close"}
        while not self._stop.is_set() and time.monotonic() < deadline and self._bounded():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port,
                                                      timeout=REQUEST_TIMEOUT)
                conn.request("GET", "/", headers=headers)
                response = conn.getresponse()
                body = response.read().decode("utf-8", "replace")
                match = support.COUNT_PATTERN.match(body.strip())
                if response.status == 200 and match:
                    tally.ok += 1
                    tally.max_count = max(tally.max_count, int(match.group(1)))
                else:
                    self._fail(tally, f"status {response.status}", body[:100])
                if not keepalive or response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                self._fail(tally, type(e).__name__, str(e))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    @staticmethod
    def _fail(tally, kind, detail):
        tally.failures[kind] += 1
        if len(tally.examples) < 5:
            tally.examples.append(f"{time.strftime('%H:%M:%S')} {kind}: {detail}")
