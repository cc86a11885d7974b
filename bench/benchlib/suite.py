"""One bench run: the stores and servers it starts, the starts it times,
the idle connections it holds, the rounds of wrk runs, and the result
(everything measured, before any formatting)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import load, machine, procs, report, round_trips, servers
from benchlib.servers import BenchError

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)

# Pinned: the server (with its store) on the first CPU this process may
# use, wrk on the second (CPU 0 and CPU 1 on the bench machine). With one
# CPU, both share it.
_CPUS = sorted(procs.ALL_CPUS)
SERVER_CPUS = frozenset(_CPUS[:1])
WRK_CPUS = frozenset(_CPUS[1:2] or _CPUS[:1])
SETTLE = 0.2  # seconds after ready before idle RSS is read


STARTED_AT = time.monotonic()


def log(msg):
    elapsed = time.monotonic() - STARTED_AT
    print(f"bench [{elapsed:6.1f}s]: {msg}", file=sys.stderr, flush=True)


def build_ceiling():
    """Compiles bench/ceiling/ceiling.c into build/bench/ when it changed."""
    src = os.path.join(BENCH, "ceiling", "ceiling.c")
    out_dir = os.path.join(REPO, "build", "bench")
    binary = os.path.join(out_dir, "ceiling")
    if (os.path.exists(binary)
            and os.path.getmtime(binary) >= os.path.getmtime(src)):
        return binary
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise BenchError("no C compiler (cc) to build the ceiling")
    os.makedirs(out_dir, exist_ok=True)
    result = subprocess.run([cc, "-O2", "-Wall", "-o", binary + ".tmp", src],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(f"building the ceiling failed:\n{result.stderr}")
    os.replace(binary + ".tmp", binary)
    return binary


def check_binaries(bin_dir, selected):
    needed = {"hello"} if "hello" in selected else set()
    if any(n.startswith("welcome") for n in selected):
        needed.add("welcome")
    for name in sorted(needed):
        if not os.access(os.path.join(bin_dir, name), os.X_OK):
            raise BenchError(f"{bin_dir}/{name} not found: build it first "
                             "(make build)")


def idle_rss(running):
    time.sleep(SETTLE)
    return procs.rss_kib(running.pids())


def start_samples(server, rundir, count):
    """Starts and stops `server` `count` times (pinned): exec -> first 200
    and idle RSS of each start."""
    starts, rss = [], []
    for i in range(count):
        running = servers.Running(server, rundir, SERVER_CPUS,
                                  tag=f".start{i}")
        starts.append(running.ready_s * 1000)
        rss.append(idle_rss(running))
        running.stop(kill_peer=True)
        os.remove(running.log)
    return starts, rss


def store_totals(log_path):
    """welcome's own count of its visits and store round trips over its
    life, from the "counter store totals" event it logs when it stops (the
    log holds what followed the last run), or None."""
    try:
        with open(log_path, "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if '"counter store totals"' in line:
            try:
                event = json.loads(line)
                return {"visits": event["visits"],
                        "batches": event["batches"]}
            except (ValueError, KeyError):
                return None
    return None


class Suite:
    """One run: stores, servers, rounds; then the results."""

    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.bin_dir = os.path.abspath(os.path.join(
            REPO, os.environ.get("TWELVE_BIN_DIR") or "build/release"))
        self.rundir = tempfile.mkdtemp(prefix="twelve-bench-")
        self.redis = self.postgres = None
        self.servers = []
        self.running = {}
        self.samples = []
        self.per_server = {}
        self.idle = None
        self.failures = {}
        self.counters = {}  # server name -> its store's round-trip counter

    def store_pids(self, server):
        if server.store == "redis" and self.redis:
            return self.redis.pids()
        if server.store == "postgres" and self.postgres:
            return self.postgres.pids()
        return []

    def fail(self, name, why):
        """Records why `name` (a server, or a step) could not be measured;
        a server that fails is dropped from what follows, its samples too.
        The run goes on and exits 1."""
        log(f"FAILED {name}: {why}")
        self.failures[name] = str(why)
        self.servers = [s for s in self.servers if s.name != name]
        self.samples = [s for s in self.samples if s["server"] != name]
        running = self.running.pop(name, None)
        if running:
            procs.stop(running.proc, timeout=5)

    def setup(self):
        selected = self.args.servers
        check_binaries(self.bin_dir, selected)
        self.machine = machine.describe(REPO, self.bin_dir,
                                        load.wrk_version())
        ceiling = build_ceiling() if "ceiling" in selected else None
        users = {"redis": ("welcome-redis", "flask-counter",
                           "gunicorn-counter"),
                 "postgres": ("welcome-postgres",)}
        store_errors = {}
        for store, cls in (("redis", servers.Redis),
                           ("postgres", servers.Postgres)):
            if not set(users[store]) & set(selected):
                continue
            log(f"starting {store}")
            try:
                setattr(self, store, cls(self.rundir, SERVER_CPUS))
            except BenchError as e:
                store_errors[store] = f"its store did not start: {e}"
        catalog = servers.catalog(self.bin_dir, ceiling,
                                  os.path.join(BENCH, "peers"), self.rundir,
                                  self.redis, self.postgres)
        self.servers = [s for s in catalog if s.name in selected]
        self.counters = {s.name: round_trips.for_server(s, self.redis,
                                                        self.postgres)
                         for s in self.servers}
        for server in list(self.servers):
            if server.store in store_errors:
                self.fail(server.name, store_errors[server.store])
            elif server.migrate:
                result = subprocess.run(
                    server.migrate, env=servers.base_env(**server.env),
                    cwd=self.rundir, capture_output=True, text=True,
                    timeout=60)
                if result.returncode != 0:
                    self.fail(server.name, f"`welcome migrate` exited "
                              f"{result.returncode}: "
                              f"{(result.stdout + result.stderr).strip()}")

    def measure_starts(self):
        for server in list(self.servers):
            log(f"start to ready: {server.name} ×{self.mode['starts']}")
            try:
                starts, rss = start_samples(server, self.rundir,
                                            self.mode["starts"])
            except BenchError as e:
                self.fail(server.name, e)
                continue
            self.per_server[server.name] = {
                "start_ms_all": starts, "idle_rss_kib_all": rss}

    def measure_idle_connections(self):
        hello = next((s for s in self.servers if s.name == "hello"), None)
        if hello is None:
            return
        n = self.mode["idle_connections"]
        log(f"{n:,} idle keep-alive connections to hello")
        procs.raise_fd_limit(n + 1024)
        try:
            running = servers.Running(
                hello, self.rundir, SERVER_CPUS, tag=".idle",
                extra_env={"HTTP_MAX_CONNECTIONS": n + 100})
            try:
                self.idle = load.idle_connections(running, n)
            finally:
                running.stop()
            os.remove(running.log)
        except (BenchError, OSError) as e:
            self.failures["idle connections"] = str(e)
            log(f"FAILED idle connections: {e}")

    def start_all(self):
        for server in list(self.servers):
            try:
                running = servers.Running(server, self.rundir, SERVER_CPUS)
            except BenchError as e:
                self.fail(server.name, e)
                continue
            self.running[server.name] = running
            f = self.per_server[server.name]
            f["start_ms_all"].append(running.ready_s * 1000)
            f["idle_rss_kib_all"].append(idle_rss(running))
        self.measure_idle_round_trips()

    def measure_idle_round_trips(self):
        """What the stores count while every server idles (reconnects,
        health checks...), per second: subtracted from each run's round
        trips, and reported."""
        counting = {n: c for n, c in self.counters.items()
                    if c and n in self.running}
        if not counting:
            return
        seconds = max(1, self.mode["duration"])
        log(f"round trips of idle servers over {seconds} s")
        try:
            before = {n: c.read() for n, c in counting.items()}
            started = time.monotonic()
            time.sleep(seconds)
            for name, c in counting.items():
                trips = round_trips.delta(before[name], c.read(), c)
                self.per_server[name]["idle_round_trips_per_s"] = (
                    trips / (time.monotonic() - started))
        except (BenchError, OSError) as e:
            self.failures["idle round trips"] = str(e)
            log(f"FAILED idle round trips: {e}")

    def place(self, config):
        """Puts servers and stores on their CPUs for `config`; returns wrk's
        CPUs (None: unpinned)."""
        cpus = SERVER_CPUS if config == "pinned" else procs.ALL_CPUS
        pids = [p for r in self.running.values() for p in r.pids()]
        for store in (self.redis, self.postgres):
            if store:
                pids += store.pids()
        procs.set_affinity(pids, cpus)
        # This driver samples /proc during runs: keep it off the server's CPU.
        os.sched_setaffinity(0, WRK_CPUS if config == "pinned"
                             else procs.ALL_CPUS)
        return WRK_CPUS if config == "pinned" else None

    def shapes(self, config):
        only = self.mode["unpinned_shapes"] if config == "unpinned" else None
        return [s for s in self.args.shapes if only is None or s.name in only]

    def run_rounds(self):
        configs = ["pinned", "unpinned"]
        total = (self.mode["rounds"] * len(self.servers)
                 * sum(len(self.shapes(c)) for c in configs))
        done = 0
        for rnd in range(self.mode["rounds"]):
            # Alternate which configuration goes first, and rotate servers,
            # so slow drifts of the machine do not favour one of them.
            for config in configs if rnd % 2 == 0 else configs[::-1]:
                wrk_cpus = self.place(config)
                for shape in self.shapes(config):
                    order = [s.name for s in self.servers]
                    k = (rnd + done) % max(1, len(order))
                    for name in order[k:] + order[:k]:
                        self.run_one(rnd, config, shape, name, wrk_cpus)
                        done += 1
                        log(f"[{done}/{total}] round {rnd + 1} {config} "
                            f"{shape.name} {name}: " + (
                                f"{self.samples[-1]['rps']:,.0f} req/s, "
                                f"errors {self.samples[-1]['error_total']}"
                                if name in self.running else "failed"))
        os.sched_setaffinity(0, procs.ALL_CPUS)

    def run_one(self, rnd, config, shape, name, wrk_cpus):
        running = self.running.get(name)
        if running is None:
            return  # failed earlier in this round
        try:
            figures = load.run_wrk(shape, running,
                                   self.store_pids(running.server),
                                   self.mode["duration"], wrk_cpus,
                                   self.counters.get(name))
        except (BenchError, OSError) as e:
            self.fail(name, e)
            return
        running.truncate_log()
        if figures["round_trips"] is not None:
            idle = self.per_server[name].get("idle_round_trips_per_s", 0)
            figures["round_trips_raw"] = figures["round_trips"]
            figures["round_trips"] = max(0, figures["round_trips"] - round(
                idle * figures["elapsed_s"]))
        if not procs.alive(running.proc):
            self.fail(name, f"exited during the load ({config} "
                      f"{shape.name}); its log ends: {running.log_tail()}")
            os.environ["BENCH_KEEP"] = "1"
            return
        self.samples.append(dict(figures, config=config, round=rnd + 1,
                                 shape=shape.name, server=name))

    def stop_all(self):
        for name, running in self.running.items():
            self.per_server[name]["rss_after_load_kib"] = idle_rss(running)
        for name, running in list(self.running.items()):
            try:
                running.stop(kill_peer=True)
            except BenchError as e:
                # Its figures stand; the failed stop is reported with them.
                self.failures[name] = str(e)
                log(f"FAILED {name}: {e}")
            totals = store_totals(running.log)
            if totals:
                self.per_server[name]["app_totals"] = totals
        self.running = {}

    def teardown(self):
        for running in self.running.values():
            procs.stop(running.proc, timeout=5)
        for store in (self.redis, self.postgres):
            if store:
                store.stop()
        procs.stop_all()
        if os.environ.get("BENCH_KEEP") == "1":
            log(f"kept the run directory {self.rundir}")
        else:
            shutil.rmtree(self.rundir, ignore_errors=True)

    def result(self):
        for f in self.per_server.values():
            f["start_ms"] = report.median(f["start_ms_all"])
            f["idle_rss_kib"] = report.median(f["idle_rss_kib_all"])
        summary = report.summarize(self.samples)
        return {
            "machine": dict(self.machine, loadavg_at_end=open(
                "/proc/loadavg").read().split()[:3]),
            "postgres_version": machine.postgres_version(self.postgres.binary)
            if self.postgres else "–",
            "mode": {"name": self.mode["name"], "rounds": self.mode["rounds"],
                     "duration_s": self.mode["duration"],
                     "starts": self.mode["starts"],
                     "unpinned_shapes": self.mode["unpinned_shapes"]},
            "cpus": {"server": sorted(SERVER_CPUS), "wrk": sorted(WRK_CPUS)},
            "server_order": [s.name for s in self.servers],
            "labels": {s.name: s.label for s in self.servers},
            "groups": {s.name: s.group for s in self.servers},
            "roles": {s.name: s.role for s in self.servers},
            "stores": {s.name: s.store for s in self.servers},
            "round_trip_labels": {n: c.label for n, c in self.counters.items()
                                  if c},
            "shapes": {s.name: {"label": s.label, "connections":
                                s.connections, "script": s.script}
                       for s in self.args.shapes},
            "summary": summary,
            "per_server": {n: f for n, f in self.per_server.items()
                           if n in {s.name for s in self.servers}},
            "failures": self.failures,
            "idle_connections": self.idle,
            "targets": report.targets(summary, self.per_server, self.idle),
            "background_load_pct": report.background_load(self.samples),
            "samples": self.samples,
        }
