"""The visitor counter (factors IV, VI, VIII): the same binary counts every
visit exactly once in Redis, PostgreSQL or SQLite, chosen by the environment
alone, across several processes of several threads; a kill -9 loses no
acknowledged visit; HEAD does not count."""

import signal
import time

from store.helpers import (Visitors, count_in, count_task, greeting,
                           migrate, visit)

pytest_plugins = ["services", "store.helpers"]  # fixtures: store, web

VISITS = 600
PROCESSES = 3
CLIENTS = 12


def test_counts_every_visit_exactly_once_across_processes(store, web,
                                                          tmp_path):
    migrate(store, tmp_path)
    migrate(store, tmp_path)  # idempotent: a second release phase is fine
    servers = web(store.env, processes=PROCESSES)
    visitors = Visitors([s.port for s in servers], clients=CLIENTS,
                        total=VISITS).start()
    visitors.join(timeout=60)
    visits = visitors.visits
    bad = [v for v in visits if v.status != 200 or v.error]
    assert bad == [], bad[:5]
    assert len(visits) == VISITS
    assert {v.port for v in visits} == {s.port for s in servers}
    assert sorted(v.count for v in visits) == list(range(1, VISITS + 1))
    assert count_task(store, tmp_path) == VISITS
    assert store.count() == VISITS


def test_kill_9_of_one_process_loses_no_acknowledged_visit(store, web,
                                                           tmp_path):
    migrate(store, tmp_path)  # the release phase; a no-op for Redis
    servers = web(store.env, processes=PROCESSES)
    victim, survivors = servers[0], servers[1:]
    visitors = Visitors([s.port for s in servers], clients=9).start()
    visitors.wait_for(
        lambda vs: sum(v.port == victim.port and v.status == 200
                       for v in vs) >= 50,
        timeout=30, what="50 visits answered by the process to be killed")
    killed_at = time.monotonic()
    victim.signal(signal.SIGKILL)
    victim.wait()
    visitors.wait_for(
        lambda vs: all(sum(v.port == s.port and v.status == 200
                           and v.sent > killed_at for v in vs) >= 100
                       for s in survivors),
        timeout=30, what="100 visits answered by each survivor since")
    visitors.stop()
    visits = visitors.visits
    acknowledged = [v.count for v in visits if v.status == 200]
    in_flight = [v for v in visits if v.status is None]
    final = count_task(store, tmp_path)

    answered = [v for v in visits if v.status is not None]
    assert [v for v in answered if v.status != 200 or v.error] == []
    assert {v.port for v in in_flight} <= {victim.port}, in_flight
    assert all(s.running() for s in survivors)
    assert len(set(acknowledged)) == len(acknowledged), "a count twice"
    assert len(acknowledged) <= final <= len(acknowledged) + len(in_flight), (
        len(acknowledged), final, len(in_flight))
    assert max(acknowledged) <= final
    assert store.count() == final
    print(f"{len(acknowledged)} acknowledged, {len(in_flight)} in flight at "
          f"the kill, final count {final}")


def test_head_answers_like_get_without_counting(store, web, tmp_path):
    migrate(store, tmp_path)  # the release phase; a no-op for Redis
    [server] = web(store.env)
    assert visit(server) == 1
    with server.connect() as conn:
        heads = [conn.request("HEAD", "/") for _ in range(5)]
        get = conn.request("GET", "/")
    assert count_in(get) == 2
    for head in heads:
        assert head.status == 200, head
        assert head.body == b"", head
        assert head.header("Content-Type") == get.header("Content-Type"), head
        assert head.header("Content-Length") == str(len(greeting(1))), head
        assert ({k.lower() for k, _ in head.headers}
                == {k.lower() for k, _ in get.headers}), (head, get)
    assert store.count() == 2


def test_counts_continue_from_what_the_store_holds(store, web, tmp_path):
    migrate(store, tmp_path)  # the release phase; a no-op for Redis
    [first] = web(store.env)
    assert [visit(first) for _ in range(3)] == [1, 2, 3]
    first.stop()
    [second] = web(store.env)  # a new process: state lives in the store only
    assert visit(second) == 4
    assert store.count() == 4
