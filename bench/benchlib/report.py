"""From samples to results: medians, ratios, the issue's targets and the
markdown tables."""

import statistics

from benchlib.load import SHAPES, WRK_TIMEOUT

CONFIGS = ("pinned", "unpinned")


def config_title(result, config):
    if config == "unpinned":
        return "Unpinned: the same processes free on every CPU"
    cpus = result.get("cpus", {"server": [0], "wrk": [1]})
    return (f"Pinned: server (and its store) on CPU {cpus['server'][0]}, "
            f"wrk on CPU {cpus['wrk'][0]}")


# --- aggregation ---------------------------------------------------------

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _timed(run, percentile):
    """A latency percentile of a run, or None when wrk has none to give:
    it times a pipelined batch only once all its answers came, which never
    happens against a server that closes the connection after one; and its
    coordinated-omission correction, which takes each pipelined answer for
    a request sent alone, can leave a percentile at 0."""
    latency = run["latency_us"]
    value = latency[percentile]
    return value if latency.get("distinct", 1) and value > 0 else None


def _per_s(run, key):
    seconds = run.get("wrk_duration_s") or run["elapsed_s"]
    return run[key] / seconds if seconds else None


def _busy(run, key):
    seconds = run.get("wrk_duration_s") or run["elapsed_s"]
    return run[key] / seconds * 100 if seconds else None


def summarize(samples):
    """{config: {shape: {server: figures}}}: medians over rounds of req/s and
    latency; errors and requests summed; the largest RSS under load; CPU
    time per request as total CPU time over total requests."""
    groups = {}
    for s in samples:
        key = (s["config"], s["shape"], s["server"])
        groups.setdefault(key, []).append(s)
    out = {}
    for (config, shape, server), runs in groups.items():
        requests = sum(r["requests"] for r in runs)
        errors = {}
        for r in runs:
            for kind, n in r["errors"].items():
                errors[kind] = errors.get(kind, 0) + n
        cpu = sum(r["server_cpu_s"] for r in runs)
        store = sum(r["store_cpu_s"] for r in runs)
        counted = [r for r in runs if r.get("round_trips") is not None]
        visits = sum(r["visits"] for r in counted)
        trips = sum(r["round_trips"] for r in counted)
        out.setdefault(config, {}).setdefault(shape, {})[server] = {
            "rounds": len(runs),
            "rps": median([r["rps"] for r in runs]),
            "rps_all": [round(r["rps"], 1) for r in runs],
            # None when wrk timed nothing (see _timed).
            "p50_us": median([_timed(r, "p50") for r in runs]),
            "p99_us": median([_timed(r, "p99") for r in runs]),
            "requests": requests,
            "errors": errors,
            "error_total": sum(errors.values()),
            "rss_load_kib": max(r["rss_load_kib"] for r in runs),
            "cpu_us_per_request": cpu / requests * 1e6 if requests else None,
            "store_cpu_us_per_request":
                store / requests * 1e6 if requests and store else None,
            # Share of one CPU the server (all its processes) and wrk kept
            # busy: near 100 %, that side is the bound.
            "server_busy_pct": median([_busy(r, "server_cpu_s")
                                       for r in runs]),
            "wrk_busy_pct": median([_busy(r, "wrk_cpu_s") for r in runs]),
            # The store's round trips (commits for SQL stores), counted by
            # the store: None for servers without one.
            "visits_per_s": median([_per_s(r, "visits") for r in counted]),
            "round_trips": trips if counted else None,
            "round_trips_per_s":
                median([_per_s(r, "round_trips") for r in counted]),
            "visits_per_round_trip":
                visits / trips if counted and trips else None,
            "store_cpu_us_per_visit":
                store / visits * 1e6 if counted and visits and store
                else None,
            "log_bytes_per_request":
                sum(r["log_bytes"] for r in runs) / requests
                if requests else None,
            **_cpu_split(runs, requests),
        }
    return out


def _cpu_split(runs, requests):
    """The server's CPU per request in ns by kind and thread role, over the
    runs (as CPU/request: their total over their requests): cpu_user_ns,
    cpu_system_ns and cpu_ns_by_thread {role: {"user", "system"}}."""
    by_role = {}
    for r in runs:
        for role, t in (r.get("server_threads") or {}).items():
            user, system = by_role.get(role, (0.0, 0.0))
            by_role[role] = (user + t["user_s"], system + t["system_s"])
    if not requests or not by_role:
        return {"cpu_user_ns": None, "cpu_system_ns": None,
                "cpu_ns_by_thread": {}}
    per = 1e9 / requests
    return {
        "cpu_user_ns": sum(u for u, _ in by_role.values()) * per,
        "cpu_system_ns": sum(s for _, s in by_role.values()) * per,
        "cpu_ns_by_thread": {role: {"user": u * per, "system": s * per}
                             for role, (u, s) in sorted(by_role.items())},
    }


def background_load(samples):
    """Median CPU time other processes used during the runs, in % of one
    core: the machine's busy time minus the server's, the store's and
    wrk's."""
    shares = []
    for s in samples:
        others = (s["machine_busy_s"]["cpu"] - s["server_cpu_s"]
                  - s["store_cpu_s"] - s["wrk_cpu_s"])
        if s["elapsed_s"] > 0:
            shares.append(max(0.0, others) / s["elapsed_s"] * 100)
    return median(shares)


def _rps(summary, config, shape, server):
    try:
        return summary[config][shape][server]["rps"]
    except KeyError:
        return None


def _ratio(a, b):
    return a / b if a is not None and b else None


def _figure(summary, config, shape, server, key):
    try:
        return summary[config][shape][server][key]
    except KeyError:
        return None


def cpu_x_ceiling(summary, config, shape, server):
    """CPU per request over the ceiling's, same shape and configuration."""
    return _ratio(_figure(summary, config, shape, server,
                          "cpu_us_per_request"),
                  _figure(summary, config, shape, "ceiling",
                          "cpu_us_per_request"))


PEERS = {"hello": ("flask-hello", "gunicorn-hello"),
         "counter": ("flask-counter", "gunicorn-counter")}


def targets(summary, per_server, idle):
    """The issue's targets, measured: [(target, measured text, met)] with
    met None when not measured."""
    out = []

    def ratio_target(text, shape, server, versus, floor):
        r = _ratio(_rps(summary, "pinned", shape, server),
                   _rps(summary, "pinned", shape, versus))
        out.append((text, f"{r:.2f}×" if r is not None else "not measured",
                    None if r is None else r >= floor))

    ratio_target("hello ≥ 0.9× the ceiling, 50 connections",
                 "c50", "hello", "ceiling", 0.9)
    ratio_target("hello ≥ 0.85× the ceiling, pipelined depth 16",
                 "pipe16", "hello", "ceiling", 0.85)
    ratio_target("hello ≥ 50× Flask's own server, 50 connections",
                 "c50", "hello", "flask-hello", 50)
    ratio_target("hello ≥ 20× gunicorn (2 workers), 50 connections",
                 "c50", "hello", "gunicorn-hello", 20)
    ratio_target("welcome on Redis ≥ 0.5× hello, 50 connections",
                 "c50", "welcome-redis", "hello", 0.5)
    ratio_target("welcome on Redis ≥ 0.8× hello, pipelined depth 16",
                 "pipe16", "welcome-redis", "hello", 0.8)
    ratio_target("welcome on SQLite ≥ 0.8× hello, pipelined depth 16",
                 "pipe16", "welcome-sqlite", "hello", 0.8)
    ratio_target("welcome on PostgreSQL ≥ 0.5× hello, 50 connections",
                 "c50", "welcome-postgres", "hello", 0.5)
    ratio_target("welcome on PostgreSQL ≥ 0.3× hello, pipelined depth 16",
                 "pipe16", "welcome-postgres", "hello", 0.3)
    per_commit = _figure(summary, "pinned", "c50", "welcome-postgres",
                         "visits_per_round_trip")
    out.append(("PostgreSQL (fsync on) ≥ 20 visits per commit, 50 "
                "connections, WEB_THREADS=1",
                f"{per_commit:.1f}" if per_commit else "not measured",
                None if per_commit is None else per_commit >= 20))
    for shape, text, ceiling in (("c50", "50 connections", 1.1),
                                 ("pipe16", "pipelined depth 16", 1.25)):
        r = cpu_x_ceiling(summary, "pinned", shape, "hello")
        out.append((f"hello's CPU/request ≤ {ceiling}× the ceiling's, "
                    f"{text}", _x(r) if r is not None else "not measured",
                    None if r is None else r <= ceiling))
    for name in ("welcome-redis", "welcome-postgres", "welcome-sqlite"):
        figures = per_server.get(name)
        store = name.split("-")[1]
        rss = figures and figures["idle_rss_kib"]
        out.append((f"welcome ({store}) idle RSS < 8 MiB",
                    _mib(rss) if rss else "not measured",
                    None if not rss else rss < 8 * 1024))
        start = figures and figures["start_ms"]
        out.append((f"welcome ({store}) start to ready < 20 ms",
                    _ms(start) if start else "not measured",
                    None if not start else start < 20))
    cost = idle and idle["cost_kib"]
    n = idle["connections"] if idle else 10000
    out.append((f"{n:,} idle keep-alive connections cost < 40 MiB over "
                "idle RSS (hello)",
                _mib(cost) if cost is not None else "not measured",
                None if cost is None else
                cost < 40 * 1024 and idle["closed_by_server"] == 0))
    return out


# --- formatting ----------------------------------------------------------

def _mib(kib):
    return f"{kib / 1024:.1f} MiB" if kib is not None else "–"


def _ms(ms):
    return f"{ms:.1f} ms" if ms is not None else "–"


def _us(us):
    if us is None:
        return "–"
    if us < 10:
        return f"{us:.1f} µs"
    return f"{us:.0f} µs" if us < 1000 else f"{us / 1000:.1f} ms"


def _x(r):
    if r is None:
        return "–"
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def _num(v, digits=0):
    return "–" if v is None else f"{v:,.{digits}f}"


def _pct(v):
    return "–" if v is None else f"{v:.0f}%"


def _verdict(met):
    return {True: "**met**", False: "**not met**", None: "not measured"}[met]


def markdown(result, chart_name):
    m, mode = result["machine"], result["mode"]
    summary, per_server = result["summary"], result["per_server"]
    labels = result["labels"]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run` ({mode['name']} run: {mode['rounds']} "
        f"round(s) per configuration, {mode['duration_s']} s per run"
        + (", the unpinned configuration at "
           f"{', '.join(mode['unpinned_shapes'])} only"
           if mode.get("unpinned_shapes") else "")
        + "; rounds alternate configurations and rotate the server order; "
        "figures are medians over rounds). Do not edit: re-run "
        f"`make bench{' QUICK=1' if mode['name'] == 'quick' else ''}`.",
        "",
        "| machine | |",
        "|---|---|",
        f"| date | {m['date']} |",
        f"| CPU | {m['cpu_model']}, {m['cpus']} logical CPUs, "
        f"{m['memory_gib']} GiB |",
        f"| OS, kernel | {m['os']}, Linux {m['kernel']} |",
        f"| source | git {m['git_commit']}; binaries built from "
        f"{m['binaries_commit']} ({m['binaries_build_type']}, "
        f"{m['compiler']}) |",
        f"| tools | {m['wrk']}; {m['python']}, Flask {m['flask']}, "
        f"gunicorn {m['gunicorn']}; redis-server {m['redis_server']}; "
        f"PostgreSQL {result.get('postgres_version', '–')} |",
        f"| load from other processes | load average "
        f"{' '.join(m['loadavg_at_start'])} at start, "
        f"{' '.join(m.get('loadavg_at_end', ['–']))} at the end; during "
        "runs, other "
        f"processes used a median {_num(result['background_load_pct'])}% "
        "of a core |",
        "",
        f"![requests per second]({chart_name})",
        "",
        "## Targets (issues 4 and 12: pinned configuration, medians)",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    for text, measured, met in result["targets"]:
        lines.append(f"| {text} | {measured} | {_verdict(met)} |")
    if result.get("failures"):
        lines += ["", "## Failed: not measured in this run", ""]
        for name, why in result["failures"].items():
            why = " ".join(why.split())
            lines.append(f"- **{name}**: {why[:600]}")
    for config in CONFIGS:
        if config not in summary:
            continue
        lines += ["", f"## {config_title(result, config)}", ""]
        for shape in SHAPES:
            rows = summary[config].get(shape.name)
            if not rows:
                continue
            lines += [f"### {shape.label}", "",
                      "| server | req/s | × ceiling | × hello | × Flask "
                      "server | × gunicorn | p50 | p99 | errors | RSS under "
                      "load | CPU/request | CPU/request × ceiling | CPU "
                      "busy: server / wrk |",
                      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
            rps = {name: f["rps"] for name, f in rows.items()}
            for name in result["server_order"]:
                f = rows.get(name)
                if f is None:
                    continue
                group = result["groups"][name]
                flask, gunicorn = PEERS[group]
                lines.append(
                    f"| {labels[name]} | {_num(f['rps'])} "
                    f"| {_x(_ratio(f['rps'], rps.get('ceiling')))} "
                    f"| {_x(_ratio(f['rps'], rps.get('hello')))} "
                    f"| {_x(_ratio(f['rps'], rps.get(flask)))} "
                    f"| {_x(_ratio(f['rps'], rps.get(gunicorn)))} "
                    f"| {_us(f['p50_us'])} | {_us(f['p99_us'])} "
                    f"| {_errors(f)} | {_mib(f['rss_load_kib'])} "
                    f"| {_us(f['cpu_us_per_request'])} "
                    f"| {_x(cpu_x_ceiling(summary, config, shape.name, name))}"
                    " "
                    f"| {_pct(f['server_busy_pct'])} / "
                    f"{_pct(f['wrk_busy_pct'])} |")
            lines.append("")
            lines += _stores_table(result, rows)
    lines += _cpu_split_tables(result)
    lines += ["## Per server: memory and start", "",
              "| server | idle RSS | idle RSS after the load | exec → first "
              "200 (median) | starts | log bytes/request (pinned, 50 conn.) "
              "| its own count: visits / batches (per batch) | store round "
              "trips/s when idle |",
              "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for name in result["server_order"]:
        f = per_server.get(name)
        if f is None:
            continue
        try:
            log = summary["pinned"]["c50"][name]["log_bytes_per_request"]
        except KeyError:
            log = None
        lines.append(
            f"| {labels[name]} | {_mib(f['idle_rss_kib'])} "
            f"| {_mib(f.get('rss_after_load_kib'))} | {_ms(f['start_ms'])} "
            f"| {len(f['start_ms_all'])} | {_num(log)} "
            f"| {_app_totals(f.get('app_totals'))} "
            f"| {_num(f.get('idle_round_trips_per_s'), 1)} |")
    idle = result.get("idle_connections")
    if idle:
        per_conn = idle["cost_kib"] * 1024 / idle["connections"]
        lines += ["", f"## {idle['connections']:,} idle keep-alive "
                  "connections (hello)", "",
                  "| idle RSS | RSS with them open | cost | per connection | "
                  "closed by the server | failed requests | RSS after "
                  "closing them |",
                  "|--:|--:|--:|--:|--:|--:|--:|",
                  f"| {_mib(idle['rss_idle_kib'])} "
                  f"| {_mib(idle['rss_open_kib'])} "
                  f"| {_mib(idle['cost_kib'])} | {per_conn:,.0f} B "
                  f"| {idle['closed_by_server']} | {idle['failed_requests']} "
                  f"| {_mib(idle['rss_after_close_kib'])} |"]
    lines += ["", "## Notes", "",
              "- Ratios are req/s over req/s in the same table. × Flask "
              "server and × gunicorn compare with the peer running the same "
              "app: hello.py for the ceiling and hello, counter.py for "
              "welcome.",
              "- Errors: wrk's non-2xx answers and socket errors (connect, "
              f"read, write, timeout after {WRK_TIMEOUT}), summed over "
              "rounds.",
              "- Flask's own server (Werkzeug) and gunicorn's sync workers "
              "answer one request per connection and close it: in the "
              "keep-alive shapes wrk reconnects; pipelined, only the first "
              "request of each batch is answered (req/s counts answers).",
              "- Latency is wrk's (`--latency`), with its "
              "coordinated-omission "
              "correction. Pipelined, wrk times a batch from its write to "
              "its last answer and corrects as if each answer were a "
              "request sent alone: read those percentiles as indicative; – "
              "where wrk gives none (a batch never completed, or a "
              "percentile of 0).",
              "- RSS: VmRSS summed over the server's processes (gunicorn: "
              "master and workers), the largest sample (every 100 ms) under "
              "load. CPU/request: utime+stime of those processes over the "
              "runs, divided by the requests answered; × ceiling is that "
              "over the ceiling's in the same table. "
              "CPU busy: that CPU time over the run's length, in % of one "
              "CPU, for the server and for wrk: the side near 100% bounds "
              "the figure (pinned, each has one CPU).",
              "- Stores (after each shape's table): visits are the 200s "
              "answered; a round trip is what the store counted: Redis's "
              "INFO commandstats calls of INCRBY (welcome: one per batch; "
              "counter.py: one per visit, redis-py's incr()); PostgreSQL's "
              "pg_stat_database.xact_commit; SQLite's wal-index change "
              "counter (one per commit), less what the idle server made "
              "them count. Store CPU/visit: redis-server's or PostgreSQL's "
              "utime+stime over the visits; SQLite runs inside welcome "
              "(in-process: its CPU is in welcome's CPU/request). Its own "
              "count: welcome's \"counter store totals\" event at exit.",
              "- Every server logs as users run it: the kit's access events "
              "on (ACCESS_LOG=on, JSON lines), Flask's request lines, "
              "gunicorn's access log; stdout to a file.",
              "- The kit runs with WEB_THREADS=1. See docs/performance.md "
              "for the method and what bounds each figure.", ""]
    return "\n".join(lines)


# The kit's thread roles (twelve names its threads), in table order; the
# ceiling serves on its one thread, "main".
THREAD_COLUMNS = ("web", "log-flush", "sqlite", "main")


def _cpu_split_tables(result):
    """Where the ceiling's and the kit's CPU goes, pinned: user and system
    time per request, by thread."""
    pinned = result["summary"].get("pinned", {})
    roles = result.get("roles", {})
    tables = []
    for shape in SHAPES:
        rows = pinned.get(shape.name)
        if rows and "ceiling" in rows:
            tables += _cpu_split_table(result, shape, rows, roles)
    if not tables:
        return []
    return ["## Where the CPU goes (pinned): time per request by thread",
            "",
            "User + system CPU of each thread role over the requests "
            "answered, in ns: `web` the web workers, `log-flush` the log's "
            "writer, `sqlite` the SQLite store's thread, `main` the first "
            "thread (the ceiling's only one; the kit's signals and timers); "
            "other threads (the admin listener's) in `others`. × ceiling: "
            "over the ceiling's user or system time in the same shape.",
            "", *tables]


def _cpu_split_table(result, shape, rows, roles):
    """One shape's table of _cpu_split_tables()."""
    ceiling = rows["ceiling"]
    lines = [f"### {shape.label}", "",
             "| server | CPU/request | user | system | user × ceiling "
             "| system × ceiling | "
             + " | ".join(THREAD_COLUMNS) + " | others |",
             "|---|--:|--:|--:|--:|--:|"
             + "--:|" * (len(THREAD_COLUMNS) + 1)]
    for name in result["server_order"]:
        f = rows.get(name)
        if (f is None or roles.get(name) == "peer"
                or f.get("cpu_user_ns") is None):
            continue
        threads = f["cpu_ns_by_thread"]
        others = [t for role, t in threads.items()
                  if role not in THREAD_COLUMNS]
        cells = [_user_system(threads.get(role))
                 for role in THREAD_COLUMNS]
        cells.append(_user_system({
            "user": sum(t["user"] for t in others),
            "system": sum(t["system"] for t in others)}
            if others else None))
        user, system = f["cpu_user_ns"], f["cpu_system_ns"]
        user_x = _ratio(user, ceiling.get("cpu_user_ns"))
        system_x = _ratio(system, ceiling.get("cpu_system_ns"))
        lines.append(
            f"| {result['labels'][name]} | {_num(user + system)} ns "
            f"| {_num(user)} | {_num(system)} | {_x(user_x)} "
            f"| {_x(system_x)} | {' | '.join(cells)} |")
    lines.append("")
    return lines


def _user_system(t):
    """'user + system' ns of one thread role, – if it has none."""
    if not t or t["user"] + t["system"] < 0.5:
        return "–"
    return f"{_num(t['user'])} + {_num(t['system'])}"


def _app_totals(totals):
    if not totals:
        return "–"
    per = _ratio(totals["visits"], totals["batches"])
    return (f"{totals['visits']:,} / {totals['batches']:,} "
            f"({_num(per, 1)})")


def _stores_table(result, rows):
    """What bounds each store in one shape: how many visits share a round
    trip (a commit, for SQL stores), how many round trips a second, and
    the store's CPU per visit."""
    names = [n for n in result["server_order"]
             if n in rows and result.get("stores", {}).get(n)]
    if not names:
        return []
    out = ["| store | visits/s | visits per round trip | round trips/s | "
           "round trip | store CPU/visit |", "|---|--:|--:|--:|---|--:|"]
    for name in names:
        f = rows[name]
        store = result["stores"][name]
        cpu = ("in-process" if store == "sqlite"
               else _us(f.get("store_cpu_us_per_visit")))
        out.append(
            f"| {result['labels'][name]} | {_num(f.get('visits_per_s'))} "
            f"| {_num(f.get('visits_per_round_trip'), 1)} "
            f"| {_num(f.get('round_trips_per_s'))} "
            f"| {result.get('round_trip_labels', {}).get(name, '–')} "
            f"| {cpu} |")
    return out + [""]


def _errors(f):
    if not f["error_total"]:
        return "0"
    kinds = ", ".join(f"{k} {n:,}" for k, n in f["errors"].items() if n)
    return f"{f['error_total']:,} ({kinds})"


DOCS_BEGIN = ("<!-- bench:results begin: written by bench/run after a full "
              "run; do not edit by hand -->")
DOCS_END = "<!-- bench:results end -->"


def update_docs(path, result, chart_path):
    """Replaces what lies between DOCS_BEGIN and DOCS_END in `path` (docs/
    performance.md) with the tables of `result`, headings demoted to sit
    under a level-2 section and the chart linked as `chart_path`. Returns
    False, changing nothing, when the markers are missing."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return False
    begin, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if begin < 0 or end < begin:
        return False
    tables = "\n".join("##" + line if line.startswith("#") else line
                       for line in markdown(result, chart_path).splitlines())
    text = (text[:begin + len(DOCS_BEGIN)] + "\n\n" + tables.strip()
            + "\n\n" + text[end:])
    with open(path, "w") as f:
        f.write(text)
    return True
