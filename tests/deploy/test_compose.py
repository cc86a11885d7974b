"""compose.yaml (Redis, the course's set-up) and compose.postgres.yaml
(PostgreSQL, `welcome migrate` as the release step), run with the commands of
docs/operations.md on a free port instead of 5000."""

import os
import secrets

import pytest

import support


class Compose:
    """One docker-compose project of this test; `down -v` removes it all."""

    def __init__(self, files, env):
        self.project = f"twelve-test-{os.getpid()}-{secrets.token_hex(3)}"
        self.files = [a for f in files for a in ("-f", f)]
        self.env = env

    def __call__(self, *args, timeout=180, check=True):
        return support.run(["docker-compose", "--project-name", self.project,
                            *self.files, *args], env=self.env, timeout=timeout,
                           check=check)

    def container(self, service):
        return self("ps", "--quiet", service).stdout.strip()


@pytest.fixture
def compose(engine):
    made = []

    def make(files, **env):
        project = Compose(files, {k: str(v) for k, v in env.items()})
        made.append(project)
        return project

    try:
        yield make
    finally:
        for project in made:
            project("down", "--volumes", "--remove-orphans", "--timeout", "10",
                    check=False)


def test_up_serves_the_counter_from_redis(compose):
    support.require_images(support.WELCOME_IMAGE, support.REDIS_IMAGE)
    port = support.free_port()
    project = compose(["compose.yaml"], WELCOME_PORT=port)
    project("up", "--detach")
    support.wait_serving(port)
    assert [support.visit(port) for _ in range(3)] == [1, 2, 3]
    welcome = project.container("welcome")
    assert support.inspect("container", welcome, "{{.HostConfig.ReadonlyRootfs}}") is True
    # The count lives in Redis, not in the process (factor VI).
    project("restart", "welcome")
    support.wait_serving(port)
    assert support.visit(port) == 4


def test_postgres_file_migrates_first_then_serves(compose):
    support.require_images(support.WELCOME_IMAGE, support.POSTGRES_IMAGE)
    port = support.free_port()
    project = compose(["compose.yaml", "compose.postgres.yaml"], WELCOME_PORT=port,
                      POSTGRES_PASSWORD=secrets.token_hex(12))
    project("up", "--detach")
    support.wait_serving(port)
    assert [support.visit(port) for _ in range(2)] == [1, 2]
    # The release step ran once, to completion, before welcome started.
    migrate = support.run(["docker", "ps", "--all", "--quiet", "--filter",
                           f"label=com.docker.compose.project={project.project}",
                           "--filter", "label=com.docker.compose.service=migrate"]
                          ).stdout.split()
    assert len(migrate) == 1, f"expected one migrate container, got {migrate}"
    assert support.inspect("container", migrate[0], "{{.State.ExitCode}}") == 0
    # Redis is not part of this set-up.
    assert project.container("redis") == ""
    # Again, by hand (a later release): the schema is up to date, exit 0.
    again = project("run", "--rm", "migrate")
    assert '"msg":"schema up to date"' in again.stdout, again.stdout
    assert support.visit(port) == 3


def test_postgres_file_refuses_to_start_without_a_password(compose):
    project = compose(["compose.yaml", "compose.postgres.yaml"],
                      WELCOME_PORT=support.free_port(), POSTGRES_PASSWORD="")
    config = project("config", check=False)
    assert config.returncode != 0
    assert "set POSTGRES_PASSWORD" in config.stderr, config.stderr
