"""Attaching a store by URL (factors III, IV): a bad URL stops every command
with exit 78 naming its variable, no URL at all names both ways to attach
one, and a task whose store cannot be reached exits 69 within its
timeouts rather than hanging."""

import time

import pytest

from conftest import check_json_line, free_port, run_command
from store.helpers import EX_CONFIG, EX_UNAVAILABLE, describe

pytest_plugins = ["services", "store.helpers"]  # fixtures: redis

COMMANDS = ["serve", "config", "migrate", "reset-counter", "count"]
TASKS = ["migrate", "reset-counter", "count"]
BAD_URLS = [
    ("REDIS_URL", "http://127.0.0.1:6379"),
    ("REDIS_URL", "redis://127.0.0.1:99999"),
    ("REDIS_URL", "redis://127.0.0.1:port"),
    ("REDIS_URL", "redis://127.0.0.1:6379/zero"),
    ("REDIS_URL", "postgres://app:pw@127.0.0.1/app"),
    ("DATABASE_URL", "mysql://app:pw@127.0.0.1/app"),
    ("DATABASE_URL", "postgres://app:pw@127.0.0.1:0/app"),
    ("DATABASE_URL", "sqlite://relative/welcome.db"),
    ("DATABASE_URL", "redis://127.0.0.1:6379"),
]


def _env(**extra):
    env = {"PORT": free_port(), "BIND": "127.0.0.1"}
    env.update(extra)
    return env


def _assert_json_stdout(result):
    problems = [p for line in result.stdout.splitlines()
                for p in check_json_line(line)]
    assert problems == [], describe(result)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name,url", BAD_URLS,
                         ids=[f"{n}={u}" for n, u in BAD_URLS])
def test_bad_url_exits_78_naming_the_variable(tmp_path, command, name, url):
    result = run_command("welcome", [command], env=_env(**{name: url}),
                         cwd=tmp_path)
    assert result.returncode == EX_CONFIG, describe(result)
    assert name in result.stdout + result.stderr, describe(result)
    _assert_json_stdout(result)


@pytest.mark.parametrize("command", ["serve", *TASKS])
def test_no_store_attached_exits_78_naming_both_variables(tmp_path, command):
    result = run_command("welcome", [command], env=_env(), cwd=tmp_path)
    assert result.returncode == EX_CONFIG, describe(result)
    for name in ("REDIS_URL", "DATABASE_URL"):
        assert name in result.stdout + result.stderr, describe(result)
    _assert_json_stdout(result)


def _refused_redis(request):
    return f"redis://:pw@127.0.0.1:{free_port()}/0"


def _refused_postgres(request):
    return f"postgres://postgres:pw@127.0.0.1:{free_port()}/welcome"


def _hung_redis(request):
    redis = request.getfixturevalue("redis")
    redis.freeze()  # thawed and killed at teardown
    return redis.url


def _unopenable_sqlite(request):
    return "sqlite:///proc/no-such-dir/welcome.db"


UNREACHABLE = {"refused-redis": ("REDIS_URL", _refused_redis),
               "refused-postgres": ("DATABASE_URL", _refused_postgres),
               "hung-redis": ("REDIS_URL", _hung_redis),
               "unopenable-sqlite": ("DATABASE_URL", _unopenable_sqlite)}
# `migrate` is a no-op for Redis, which the binary runs without connecting
# at all, so it succeeds whether Redis answers or not.
UNREACHABLE_CASES = [(where, task) for where in UNREACHABLE for task in TASKS
                     if not (where.endswith("redis") and task == "migrate")]


@pytest.mark.parametrize("where,task", UNREACHABLE_CASES,
                         ids=[f"{w}-{t}" for w, t in UNREACHABLE_CASES])
def test_task_against_an_unreachable_store_exits_69(request, tmp_path, where,
                                                    task):
    name, make_url = UNREACHABLE[where]
    env = _env(**{name: make_url(request)})
    started = time.monotonic()
    result = run_command("welcome", [task], env=env, cwd=tmp_path, timeout=20)
    took = time.monotonic() - started
    assert result.returncode == EX_UNAVAILABLE, describe(result)
    # STORE_CONNECT_TIMEOUT and STORE_TIMEOUT default to 1 s each.
    assert took < 10, took
    _assert_json_stdout(result)


def test_postgres_url_parameters_reach_the_connection(tmp_path, postgres,
                                                     start_server):
    url = postgres.url + "?sslmode=disable&application_name=welcome-e2e"
    migrated = run_command("welcome", ["migrate"],
                           env=_env(DATABASE_URL=url), cwd=tmp_path)
    assert migrated.returncode == 0, describe(migrated)
    server = start_server("welcome", env={"DATABASE_URL": url})
    assert server.get("/").status == 200
    # The server sees the web process's sessions under the name the URL
    # gave: the parameters reach the connection instead of being dropped.
    seen = postgres.query(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = 'welcome-e2e'")
    assert int(seen) >= 1, seen


def test_postgres_url_with_unknown_parameter_exits_78(tmp_path, postgres):
    env = _env(DATABASE_URL=postgres.url + "?host=elsewhere")
    result = run_command("welcome", ["count"], env=env, cwd=tmp_path)
    assert result.returncode == EX_CONFIG, describe(result)
    assert "DATABASE_URL" in result.stdout + result.stderr, describe(result)
    assert "unknown parameter" in result.stdout + result.stderr
