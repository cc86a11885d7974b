"""Admin tasks (factor XII): `welcome migrate`, `welcome reset-counter` and
`welcome count` are one-off processes of the same binary with the same env,
safe to run while web processes serve."""

import sqlite3

from store.helpers import (EX_OK, Visitors, count_task, describe, events_in,
                           migrate, run_task, visit)

pytest_plugins = ["services", "store.helpers"]  # fixtures: store, web


def _applied_versions(store):
    """The schema versions the store records as applied."""
    sql = "SELECT version FROM schema_migrations ORDER BY version"
    if store.kind == "postgres":
        return [int(v) for v in store.query(sql).split()]
    db = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=5)
    try:
        return [row[0] for row in db.execute(sql)]
    finally:
        db.close()


def test_migrate_is_idempotent_and_records_its_versions(store, tmp_path):
    first = migrate(store, tmp_path)
    second = migrate(store, tmp_path)
    for result in (first, second):
        msgs = [e["msg"] for e in events_in(result.stdout)]
        assert "schema up to date" in msgs, describe(result)
    if store.needs_migrate:
        applied = [e for e in events_in(first.stdout)
                   if e["msg"] == "migration applied"]
        assert applied, first
        assert [e for e in events_in(second.stdout)
                if e["msg"] == "migration applied"] == [], second
        versions = _applied_versions(store)
        assert versions and versions == sorted(set(versions)), versions
    else:
        assert store.server.command("KEYS", "*") == []  # a no-op for Redis


def test_count_reports_0_on_a_fresh_store(store, tmp_path):
    migrate(store, tmp_path)
    assert count_task(store, tmp_path) == 0


def test_reset_counter_while_serving_makes_the_next_visit_1(store, web,
                                                            tmp_path):
    migrate(store, tmp_path)
    first, second = web(store.env, processes=2)
    with first.connect() as a, second.connect() as b:
        for _ in range(3):
            assert a.request("GET", "/").status == 200
            assert b.request("GET", "/").status == 200
        result = run_task("reset-counter", store.env, tmp_path)
        assert result.returncode == EX_OK, describe(result)
        msgs = [e["msg"] for e in events_in(result.stdout)]
        assert "visitor count reset" in msgs, describe(result)
        assert count_task(store, tmp_path) == 0
        # The same keep-alive connections: nothing was cached in the processes.
        assert a.request("GET", "/").body.endswith(b"Visitor Count: 1")
        assert b.request("GET", "/").body.endswith(b"Visitor Count: 2")
    assert count_task(store, tmp_path) == 2
    assert store.count() == 2


def test_count_while_serving_matches_the_visits_answered(store, web, tmp_path):
    migrate(store, tmp_path)
    servers = web(store.env, processes=2)
    for i in range(1, 8):
        assert visit(servers[i % 2]) == i
        assert count_task(store, tmp_path) == i


def test_migrate_while_serving_loses_or_repeats_no_visit(store, web, tmp_path):
    migrate(store, tmp_path)
    servers = web(store.env, processes=2)
    visitors = Visitors([s.port for s in servers], clients=6).start()
    try:
        visitors.wait_for(lambda vs: len(vs) >= 50, timeout=30,
                          what="50 visits before migrating")
        for _ in range(2):
            result = run_task("migrate", store.env, tmp_path)
            assert result.returncode == EX_OK, describe(result)
        done = len(visitors.visits)
        visitors.wait_for(lambda vs: len(vs) >= done + 50, timeout=30,
                          what="50 visits after migrating")
    finally:
        visitors.stop()
    visits = visitors.visits
    assert [v for v in visits if v.status != 200 or v.error] == []
    assert sorted(v.count for v in visits) == list(range(1, len(visits) + 1))
    assert store.count() == len(visits)
