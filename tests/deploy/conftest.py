"""Fixtures of the deployment tests (tests/deploy): the Docker engine and the
images of `make image` (scripts/deploy-test provides both), and a scratch
space of containers and networks that is removed after each test, whatever
its outcome."""

import os
import uuid

import pytest

import support


@pytest.fixture(scope="session")
def engine():
    """The local Docker engine answers (scripts/docker-engine starts one)."""
    if support.docker("info", check=False, timeout=30).returncode != 0:
        pytest.fail("no Docker engine answers: run scripts/docker-engine "
                    "(or make deploy-test, which does)", pytrace=False)


class Scratch:
    """Containers and networks of one test, all labelled with its id."""

    def __init__(self):
        self.id = f"twelve-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def name(self, what):
        return f"{self.id}-{what}"

    def network(self, what="net"):
        name = self.name(what)
        support.docker("network", "create", "--label", f"{support.TEST_LABEL}={self.id}",
                       name)
        return name

    def container(self, image, *args, what, network=None, options=()):
        """Starts a detached container named after `what`; returns its name."""
        name = self.name(what)
        net = ["--network", network, "--network-alias", what] if network else []
        support.docker("run", "--detach", "--name", name,
                       "--label", f"{support.TEST_LABEL}={self.id}", *net, *options,
                       image, *args)
        return name

    def remove(self):
        label = f"label={support.TEST_LABEL}={self.id}"
        ids = support.docker("ps", "--all", "--quiet", "--filter", label,
                             check=False).stdout.split()
        if ids:
            support.docker("rm", "--force", "--volumes", *ids, check=False)
        nets = support.docker("network", "ls", "--quiet", "--filter", label,
                              check=False).stdout.split()
        if nets:
            support.docker("network", "rm", *nets, check=False)


@pytest.fixture
def scratch(engine):
    space = Scratch()
    try:
        yield space
    finally:
        space.remove()


def pytest_terminal_summary(terminalreporter):
    if support.FIGURES:
        terminalreporter.section("deploy figures")
        for line in support.FIGURES:
            terminalreporter.write_line(line)
