"""examples/notes, the kit's second app: a JSON API on sql::Client, run as
the real binary on a real socket against a real PostgreSQL and a real SQLite
file, chosen by DATABASE_URL alone. Every route and every error, on both."""

import json

import pytest

from conftest import run_command

pytest_plugins = ["services"]  # fixtures: postgres, sqlite_url

JSON = [("Content-Type", "application/json")]


@pytest.fixture(params=["postgres", "sqlite"])
def database_url(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres").url
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def notes(database_url, start_server, tmp_path):
    """A notes server on a freshly migrated database."""
    env = {"DATABASE_URL": database_url}
    migrated = run_command("notes", ["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return start_server("notes", env=env)


def call(server, method, target, body=None, headers=None):
    """One request on a fresh connection; the answer with its JSON parsed
    (`.json`, None for an empty body)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    with server.connect() as conn:
        response = conn.request(method, target,
                                headers=JSON if headers is None else headers,
                                body=body or b"")
    response.json = json.loads(response.body) if response.body else None
    return response


def post(server, text):
    response = call(server, "POST", "/notes", {"text": text})
    assert response.status == 201, response
    return response.json


def assert_error(response, status, *words):
    assert response.status == status, response
    assert response.header("Content-Type").startswith("application/json")
    message = response.json["error"]
    for word in words:
        assert word in message, (word, message)


def test_migrate_logs_the_schema_and_is_idempotent(database_url, tmp_path):
    env = {"DATABASE_URL": database_url}
    first = run_command("notes", ["migrate"], env=env, cwd=tmp_path)
    second = run_command("notes", ["migrate"], env=env, cwd=tmp_path)
    for result in (first, second):
        assert result.returncode == 0, result.stdout + result.stderr
        events = [json.loads(line) for line in result.stdout.splitlines()]
        assert "schema up to date" in [e["msg"] for e in events]
    applied = [json.loads(line)["msg"] for line in first.stdout.splitlines()]
    again = [json.loads(line)["msg"] for line in second.stdout.splitlines()]
    assert applied.count("migration applied") == 1
    assert again.count("migration applied") == 0


def test_migrate_without_the_database_exits_69(tmp_path):
    env = {"DATABASE_URL": "postgres://u:p@127.0.0.1:9/db",
           "STORE_CONNECT_TIMEOUT": "200ms"}
    result = run_command("notes", ["migrate"], env=env, cwd=tmp_path)
    assert result.returncode == 69, result.stdout + result.stderr


def test_serve_without_database_url_exits_78(start_server):
    server = start_server("notes", env={}, wait=False)
    assert server.wait() == 78
    assert "DATABASE_URL" in server.output()


def test_create_read_list_delete(notes):
    created = post(notes, "first note")
    assert created["text"] == "first note"
    assert isinstance(created["id"], int) and created["id"] >= 1
    assert created["created_at"].endswith("Z")

    got = call(notes, "GET", f"/notes/{created['id']}")
    assert got.status == 200, got
    assert got.header("Content-Type").startswith("application/json")
    assert got.json == created

    listed = call(notes, "GET", "/notes")
    assert listed.status == 200, listed
    assert listed.json == {"notes": [created]}

    deleted = call(notes, "DELETE", f"/notes/{created['id']}")
    assert deleted.status == 204, deleted
    assert deleted.body == b""
    assert deleted.header("Content-Length") is None  # RFC 9110, 8.6
    assert_error(call(notes, "GET", f"/notes/{created['id']}"), 404,
                 str(created["id"]))
    assert_error(call(notes, "DELETE", f"/notes/{created['id']}"), 404)
    assert call(notes, "GET", "/notes").json == {"notes": []}


def test_text_counts_characters_not_bytes(notes):
    # 1000 two-byte and four-byte characters: 2000 and 4000 bytes.
    for text in ("é" * 1000, "😀" * 1000, "x"):
        assert post(notes, text)["text"] == text
    assert_error(call(notes, "POST", "/notes", {"text": "😀" * 1001}), 400,
                 "text", "1 to 1000 characters", "1001")


@pytest.mark.parametrize("body,words", [
    ({}, ["text", "1 to 1000 characters"]),
    ({"text": ""}, ["text", "1 to 1000 characters", "got 0"]),
    ({"text": "x" * 1001}, ["text", "1 to 1000 characters", "1001"]),
    ({"text": 5}, ["text", "string"]),
    ({"text": None}, ["text", "string"]),
    ({"text": ["a"]}, ["text", "string"]),
    (["text"], ["body", "object"]),
    ("{\"text\": ", []),
    ("not json", []),
    ("", []),
])
def test_post_refuses_what_is_not_a_note(notes, body, words):
    assert_error(call(notes, "POST", "/notes", body), 400, *words)
    assert call(notes, "GET", "/notes").json == {"notes": []}


@pytest.mark.parametrize("headers", [
    [],
    [("Content-Type", "text/plain")],
    [("Content-Type", "application/x-www-form-urlencoded")],
])
def test_post_refuses_a_body_that_is_not_json(notes, headers):
    response = call(notes, "POST", "/notes", {"text": "hi"}, headers=headers)
    assert_error(response, 400, "Content-Type")


@pytest.mark.parametrize("id_", ["abc", "0", "-1", "+1", "1.5",
                                 "9223372036854775808", "99999999999999999999"])
def test_ids_that_name_no_note_are_404(notes, id_):
    assert_error(call(notes, "GET", f"/notes/{id_}"), 404, "positive integer")
    assert_error(call(notes, "DELETE", f"/notes/{id_}"), 404,
                 "positive integer")


def test_missing_note_is_404(notes):
    assert_error(call(notes, "GET", "/notes/9223372036854775807"), 404)
    assert_error(call(notes, "DELETE", "/notes/42"), 404, "42")


def test_list_is_newest_first_and_bounded(notes):
    ids = [post(notes, f"note {i}")["id"] for i in range(25)]
    newest = list(reversed(ids))
    default = call(notes, "GET", "/notes")
    assert [n["id"] for n in default.json["notes"]] == newest[:20]
    five = call(notes, "GET", "/notes?limit=5")
    assert [n["id"] for n in five.json["notes"]] == newest[:5]
    assert [n["text"] for n in five.json["notes"]] == [
        f"note {i}" for i in range(24, 19, -1)]
    every = call(notes, "GET", "/notes?limit=100")
    assert [n["id"] for n in every.json["notes"]] == newest


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "", "1.5",
                                   "99999999999999999999"])
def test_bad_limit_is_400_naming_the_range(notes, limit):
    assert_error(call(notes, "GET", f"/notes?limit={limit}"), 400, "limit",
                 "1 to 100")


def test_metrics_label_requests_with_the_route_pattern(notes):
    # /notes/{id} is one series however many ids are asked for: the label is
    # the pattern the app registered, never the path the client sent.
    from metrics_scrape import parse, value
    note = post(notes, "counted")
    for target in (f"/notes/{note['id']}", "/notes/987654", "/notes/x%20y"):
        call(notes, "GET", target)
    samples = parse(notes.get("/metrics").body.decode())
    assert value(samples, "http_requests_total", method="GET",
                 route="/notes/{id}", code="200") == 1
    assert value(samples, "http_requests_total", method="GET",
                 route="/notes/{id}", code="404") == 2
    assert value(samples, "http_requests_total", method="POST",
                 route="/notes", code="201") == 1
    routes = {dict(labels).get("route") for (name, labels) in samples
              if name == "http_requests_total"}
    assert routes <= {"/notes", "/notes/{id}", "/metrics"}, routes
