"""The course's Redis key (factor IV): the count lives under `visitorCount`
in the database REDIS_URL names, so the course's own scripts (GET, SET
visitorCount 0) work on it. The store is read and written over RESP here,
never through the binary."""

from store.helpers import visit

pytest_plugins = ["services", "store.helpers"]  # fixtures: redis, web

KEY = "visitorCount"


def test_visits_are_counted_under_the_course_key(redis, web):
    [server] = web({"REDIS_URL": redis.url})
    assert [visit(server) for _ in range(3)] == [1, 2, 3]
    assert redis.command("GET", KEY) == b"3"
    assert redis.command("KEYS", "*") == [KEY.encode()]


def test_setting_the_key_to_0_restarts_the_count(redis, web):
    # The course's reset script: SET visitorCount 0, straight into Redis.
    [server] = web({"REDIS_URL": redis.url})
    for _ in range(5):
        visit(server)
    assert redis.command("SET", KEY, 0) == b"OK"
    assert visit(server) == 1


def test_count_continues_from_a_value_set_in_redis(redis, web):
    redis.command("SET", KEY, 41)
    [server] = web({"REDIS_URL": redis.url})
    assert visit(server) == 42


def test_counter_lives_in_the_database_the_url_names(redis, web):
    [server] = web({"REDIS_URL": redis.url_for(db=5)})
    assert visit(server) == 1
    assert redis.command("GET", KEY, db=5) == b"1"
    assert redis.command("GET", KEY, db=0) is None
