"""Passwords in store URLs are never printed (factor III): not by the web
process, `welcome config` or any task, in logs or errors, nor served by
/version; URLs are shown with the password masked."""

import json
import time

import pytest

import http_client
from conftest import run_command
from services import new_password
from store.helpers import EX_OK, describe, migrate

# fixtures: store, server_store, web
pytest_plugins = ["services", "store.helpers"]

MASK = "********"
COMMANDS = ["config", "migrate", "count", "reset-counter"]
PATHS = ["/", "/version", "/livez", "/readyz", "/metrics", "/missing"]


def _run_commands(env, cwd):
    """`welcome config` and each task, with `env`: {command: result}."""
    return {command: run_command("welcome", [command], env=env, cwd=cwd,
                                 timeout=20)
            for command in COMMANDS}


def _outputs_of(results):
    return [(command, r.stdout + r.stderr) for command, r in results.items()]


def _outputs_of_serving(web, env, reachable=True):
    """What a web process with `env` prints and answers: its stdout and
    stderr from start to stop, and the bodies and headers it serves."""
    [server] = web(env, wait=False)
    server.wait_for("listening", timeout=10)
    if reachable:
        server.wait_ready()
    else:
        time.sleep(0.5)  # a few connection attempts, each refused
    answers = []
    for path in PATHS:
        r = http_client.try_get(server.port, path, timeout=5)
        if r is not None:
            answers.append((path, r.raw_head.decode("latin-1")
                            + r.body.decode("latin-1")))
    assert server.stop() == 0, server.output()
    return [("serve", server.output())] + answers, server


def _tasks_that_connect(store):
    # `migrate` is a no-op for Redis, which the binary runs without
    # connecting at all.
    tasks = ["count", "reset-counter"]
    return tasks if store.kind == "redis" else ["migrate", *tasks]


def _leaks(outputs, secrets):
    return [(where, secret) for where, text in outputs for secret in secrets
            if secret in text]


def test_no_password_in_any_output(server_store, web, tmp_path):
    env = dict(server_store.env)
    other = new_password()
    if server_store.kind == "redis":
        # Set but unused (REDIS_URL wins): masked all the same.
        env["DATABASE_URL"] = f"postgres://app:{other}@127.0.0.1:1/app"
    results = _run_commands(env, tmp_path)
    served, server = _outputs_of_serving(web, env)
    assert _leaks(_outputs_of(results) + served,
                  [server_store.password, other]) == []
    assert {c: r.returncode for c, r in results.items()} == dict.fromkeys(
        COMMANDS, EX_OK)
    starting = json.dumps(server.wait_for("starting", timeout=1))
    assert MASK in starting, starting


def test_no_password_in_any_output_when_it_is_wrong(server_store, web,
                                                    tmp_path):
    migrate(server_store, tmp_path)
    wrong = new_password()
    env = {k: server_store.url_with_password(wrong) for k in server_store.env}
    results = _run_commands(env, tmp_path)
    served, _ = _outputs_of_serving(web, env, reachable=False)
    assert _leaks(_outputs_of(results) + served,
                  [wrong, server_store.password]) == []
    for task in _tasks_that_connect(server_store):
        assert results[task].returncode != EX_OK, describe(results[task])
    assert dict(served).get("/", "").startswith("HTTP/1.1 503"), served


@pytest.mark.parametrize("use", ["serve", "config"])
def test_store_url_is_shown_masked(store, web, tmp_path, use):
    expected = store.url
    if store.password:
        expected = store.url.replace(store.password, MASK)
        assert expected != store.url
    migrate(store, tmp_path)
    if use == "serve":
        [server] = web(store.env)
        attached = server.wait_for("store attached", timeout=1)
        assert attached["url"] == expected, attached
        assert attached["store"] == store.kind, attached
        return
    result = run_command("welcome", ["config"], env=store.env, cwd=tmp_path)
    assert result.returncode == EX_OK, describe(result)
    assert expected in result.stdout, describe(result)

