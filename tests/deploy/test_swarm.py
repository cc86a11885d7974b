"""deploy/swarm/stack.yaml on a one-node Swarm, under continuous load through
its haproxy front (tests/deploy/load.py: keep-alive and new-connection
clients, every outcome counted, nothing retried by the clients):

(a) a rolling update of every replica to a new image tag and RELEASE_ID,
    start-first: no request fails;
(b) scaling 3 -> 5 -> 2: no request fails;
(c) kill -9 of one replica's process: only requests in flight on it may fail
    (at most one per client).

After each, the visitor count in Redis has grown by exactly the number of
200s the clients received; in (c), by up to the number of failures more (a
request cut by the kill may or may not have been counted). The figures are
printed at the end of the run (deploy figures)."""

import os
import signal
import time
import uuid

import pytest

import load
import support

STACK_FILE = support.REPO / "deploy/swarm/stack.yaml"
SETTLE_SECONDS = 2.0  # of load after each change, before the load stops


class Stack:
    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.welcome = f"{name}_welcome"
        self.tags = []  # image tags made for the stack, removed after it

    def containers(self, service):
        return support.docker("ps", "--quiet", "--filter",
                              f"label=com.docker.swarm.service.name={self.name}_{service}"
                              ).stdout.split()

    def count(self):
        """The visitor count, read from Redis itself."""
        redis = self.containers("redis")
        assert len(redis) == 1, f"expected one Redis container, got {redis}"
        out = support.docker("exec", redis[0], "redis-cli", "GET", "visitorCount").stdout
        return int(out.strip() or 0)

    def running(self, replicas, image=None):
        """True when `replicas` tasks run (healthy), all of `image` if given,
        and nothing else is left running or starting."""
        tasks = support.docker("service", "ps", "--filter", "desired-state=running",
                               "--format", "{{.CurrentState}}|{{.Image}}",
                               self.welcome).stdout.split("\n")
        tasks = [t for t in tasks if t]
        states_ok = all(t.startswith("Running") for t in tasks)
        images_ok = image is None or all(t.endswith(f"|{image}") for t in tasks)
        healthy = [c for c in self.containers("welcome")
                   if support.inspect("container", c, "{{.State.Health.Status}}") == "healthy"]
        return len(tasks) == replicas and states_ok and images_ok and len(healthy) == replicas


@pytest.fixture(scope="module")
def swarm(engine):
    """A one-node Swarm: the engine's own if it is already a manager, else
    one made here and left at the end."""
    state = support.docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()
    made = False
    # swarm init makes the bridge of its tasks' host-side traffic; leave
    # does not remove it.
    had_bridge = support.docker("network", "inspect", "docker_gwbridge",
                                check=False).returncode == 0
    if state == "inactive":
        support.docker("swarm", "init", "--advertise-addr", "127.0.0.1")
        made = True
    elif state != "active":
        pytest.fail(f"the engine's Swarm is {state!r}; expected inactive or active",
                    pytrace=False)
    try:
        yield
    finally:
        if made:
            support.docker("swarm", "leave", "--force", check=False, timeout=120)
            if not had_bridge:
                support.docker("network", "rm", "docker_gwbridge", check=False)


@pytest.fixture(scope="module")
def stack(swarm):
    support.require_images(support.WELCOME_IMAGE, support.REDIS_IMAGE, support.HAPROXY_IMAGE)
    name = f"t12-{uuid.uuid4().hex[:6]}"
    port = support.free_port()
    env = {"FRONT_PORT": port, "WELCOME_IMAGE": support.WELCOME_IMAGE, "RELEASE_ID": "v1"}
    deployed = Stack(name, port)
    try:
        support.run(["docker", "stack", "deploy", "--resolve-image", "never",
                     "--compose-file", STACK_FILE, name], env=env, timeout=120)
        support.wait_until("3 healthy welcome replicas", lambda: deployed.running(3),
                           timeout=120, interval=0.5)
        support.wait_serving(port, timeout=60)
        yield deployed
    finally:
        support.docker("stack", "rm", name, check=False)
        for tag in deployed.tags:
            support.docker("rmi", tag, check=False)
        support.wait_until(f"the containers of stack {name} to be gone",
                           lambda: not support.docker("ps", "--all", "--quiet", "--filter",
                                                      f"label=com.docker.stack.namespace={name}"
                                                      ).stdout.strip(), timeout=120)
        support.wait_until(f"the network of stack {name} to be gone",
                           lambda: not support.docker("network", "ls", "--quiet", "--filter",
                                                      f"label=com.docker.stack.namespace={name}"
                                                      ).stdout.strip(), timeout=60)


def _under_load(stack, phase, change):
    """Runs change() under load, lets the load run SETTLE_SECONDS more, stops
    it; returns (tally, how much the count grew). Reports the figures."""
    before = stack.count()
    runner = load.Load(stack.port).start()
    started = time.monotonic()
    try:
        time.sleep(1.0)  # the load reaches the replicas before the change
        change()
        changed = time.monotonic() - started
        time.sleep(SETTLE_SECONDS)
    finally:
        tally = runner.stop()
    grown = stack.count() - before
    support.report(f"swarm {phase}: {tally.summary()}; count +{grown}; "
                   f"change took {changed - 1.0:.1f} s")
    for example in tally.examples:
        support.report(f"swarm {phase}:   {example}")
    return tally, grown


def test_a_rolling_update_start_first_loses_no_request(stack):
    # A second tag of the same image: what a new release looks like to Swarm.
    tag = f"welcome:roll-{uuid.uuid4().hex[:6]}"
    support.docker("tag", support.WELCOME_IMAGE, tag)
    stack.tags.append(tag)

    def roll():
        support.docker("service", "update", "--detach=false", "--quiet",
                       "--no-resolve-image", "--image", tag,
                       "--env-add", "RELEASE_ID=v2", stack.welcome, timeout=300)
        support.wait_until("every replica on the new image", lambda: stack.running(3, tag),
                           timeout=120, interval=0.5)

    tally, grown = _under_load(stack, "(a) rolling update", roll)
    spec = support.inspect("service", stack.welcome, "{{json .Spec.TaskTemplate.ContainerSpec}}")
    assert spec["Image"] == tag and "RELEASE_ID=v2" in spec["Env"]
    assert support.inspect("service", stack.welcome, "{{.UpdateStatus.State}}") == "completed"
    for _ in range(6):  # round robin: every replica answers, from v2
        status, body = support.http_get(stack.port, "/version")
        assert status == 200 and '"release_id":"v2"' in body, body
    assert tally.ok > 0
    assert tally.failed == 0, f"requests failed during the rolling update: {tally.summary()}"
    assert grown == tally.ok, f"count grew by {grown}, clients got {tally.ok} answers 200"


def test_b_scaling_3_to_5_to_2_loses_no_request(stack):
    def scale():
        support.docker("service", "scale", "--detach=false", f"{stack.welcome}=5", timeout=180)
        support.wait_until("5 healthy replicas", lambda: stack.running(5), timeout=120,
                           interval=0.5)
        time.sleep(1.0)  # haproxy resolves and checks the new ones under load
        support.docker("service", "scale", "--detach=false", f"{stack.welcome}=2", timeout=180)
        support.wait_until("2 replicas left", lambda: stack.running(2), timeout=120,
                           interval=0.5)

    tally, grown = _under_load(stack, "(b) scale 3->5->2", scale)
    assert tally.ok > 0
    assert tally.failed == 0, f"requests failed while scaling: {tally.summary()}"
    assert grown == tally.ok, f"count grew by {grown}, clients got {tally.ok} answers 200"


def test_c_kill_9_of_a_replica_fails_only_its_requests_in_flight(stack):
    runner_clients = load.Load(stack.port).clients

    def kill():
        victim = stack.containers("welcome")[0]
        processes = support.docker("top", victim, "-eo", "pid,args").stdout.splitlines()[1:]
        pids = [int(p.split()[0]) for p in processes if p.split()[1:] == ["welcome", "serve"]]
        assert len(pids) == 1, f"expected one `welcome serve` in {victim}: {processes}"
        os.kill(pids[0], signal.SIGKILL)
        support.wait_until(f"container {victim[:12]} to stop",
                           lambda: support.inspect("container", victim,
                                                   "{{.State.Running}}") is False, timeout=30)
        support.wait_until("Swarm to replace the killed replica", lambda: stack.running(2),
                           timeout=120, interval=0.5)

    tally, grown = _under_load(stack, "(c) kill -9 of one replica", kill)
    assert tally.ok > 0
    # Each client has one request in flight at most, on any replica.
    assert tally.failed <= runner_clients, (
        f"more failures than requests that can be in flight: {tally.summary()}")
    assert tally.ok <= grown <= tally.ok + tally.failed, (
        f"count grew by {grown}: expected the {tally.ok} answers 200 plus at most the "
        f"{tally.failed} failed requests")
