"""The Debian package (`make deb`, cmake/Packaging.cmake): installed with
dpkg -i in a container of the base image, its dependencies resolved from its
Depends, and its systemd unit run for real by systemd as the container's
PID 1: it serves, runs as a dynamic user, restarts after a crash, does not
restart on a configuration error, and stops cleanly."""

import glob
import tempfile
import shutil
import uuid
from pathlib import Path

import pytest

import support

UNIT = "/usr/lib/systemd/system/welcome.service"


def _package():
    found = sorted(glob.glob(str(support.REPO / "dist/welcome_*.deb")))
    if not found:
        pytest.fail("no dist/welcome_*.deb: build it first (make deb)", pytrace=False)
    return Path(found[-1])


@pytest.fixture(scope="module")
def installed(engine):
    """An image of the base with the package installed by dpkg -i (its
    output kept in /dpkg.log, its exit code in /dpkg.rc), what dpkg left
    unconfigured completed by apt-get -f install, and systemd added."""
    support.require_images(support.BASE_IMAGE)
    deb = _package()
    image = f"twelve-test-deb:{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as context:
        shutil.copy(deb, context)
        dockerfile = f"""FROM {support.BASE_IMAGE}
COPY {deb.name} /tmp/
RUN dpkg -i /tmp/{deb.name} >/dpkg.log 2>&1; echo $? >/dpkg.rc; \\
    apt-get update -qq && apt-get -f install -y -qq && \\
    apt-get install -y -qq systemd && rm -rf /var/lib/apt/lists/*
"""
        support.docker("build", "--quiet", "--force-rm", "--label", f"{support.TEST_LABEL}=deb",
                       "--tag", image, "--file", "-", context,
                       input=dockerfile, timeout=300)
    try:
        yield image
    finally:
        support.docker("image", "rm", "--force", image, check=False)


def test_dpkg_installs_it_and_apt_resolves_its_depends(installed):
    out = support.docker("run", "--rm", "--entrypoint", "bash", installed, "-c",
                         "cat /dpkg.rc /dpkg.log; echo ---; welcome version; "
                         "dpkg-query -W -f='${Status}|${Depends}|${Conffiles}\\n' welcome; "
                         "dpkg -L welcome").stdout
    rc, rest = out.split("\n", 1)
    log, after = rest.split("---\n", 1)
    # The base image lacks the runtime libraries: dpkg names them from the
    # package's Depends (deps/runtime.txt) and leaves it unconfigured.
    assert rc == "1", f"dpkg -i on the bare base image: expected exit 1, got {rc}: {log}"
    for missing in ("libhiredis0.14", "libsqlite3-0", "libssl3"):
        assert f"welcome depends on {missing}" in log, log
    lines = after.splitlines()
    host_version = support.run([support.REPO / "build/release/welcome", "version"]).stdout
    assert lines[0] == host_version.strip(), (
        f"welcome version in the package: {lines[0]!r}, build/release: {host_version!r}")
    status, depends, conffiles = lines[1].split("|")
    assert status == "install ok installed"
    runtime = [line.split("#")[0].strip()
               for line in (support.REPO / "deps/runtime.txt").read_text().splitlines()]
    assert depends == ", ".join(p for p in runtime if p)
    assert conffiles.split()[0] == "/etc/default/welcome"
    for path in ("/usr/bin/welcome", UNIT, "/etc/default/welcome"):
        assert path in lines, f"{path} not in the package: {lines}"


def test_systemd_analyze_finds_nothing_to_say(installed):
    verify = support.docker("run", "--rm", "--entrypoint", "systemd-analyze", installed,
                            "verify", UNIT, check=False)
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    security = support.docker("run", "--rm", "--entrypoint", "systemd-analyze", installed,
                              "security", "--offline=true", "--no-pager", UNIT).stdout
    support.report("deb: systemd-analyze security welcome.service: "
                   + security.strip().splitlines()[-1].strip())


class Machine:
    """A container whose PID 1 is systemd, with the package installed."""

    def __init__(self, name):
        self.name = name

    def sh(self, script, check=True):
        return support.docker("exec", self.name, "bash", "-c", script, check=check,
                              timeout=60).stdout.strip()

    def show(self, prop):
        return self.sh(f"systemctl show welcome --property {prop} --value")

    def main_uid(self):
        pid = self.show("MainPID")
        return int(self.sh(f"awk '/^Uid:/ {{ print $2 }}' /proc/{pid}/status"))


def test_the_unit_serves_restarts_on_crash_and_stops_cleanly(installed, scratch):
    net = scratch.network()
    scratch.container(support.REDIS_IMAGE, what="redis", network=net)
    port = support.free_port()
    # systemd needs its own /run and the cgroup tree, and CAP_SYS_ADMIN to
    # give the service its mount namespace (ProtectSystem=, PrivateTmp=...).
    machine = Machine(scratch.container(
        installed, "/lib/systemd/systemd", what="systemd", network=net,
        options=["--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
                 "--security-opt", "apparmor=unconfined", "--tmpfs", "/run",
                 "--tmpfs", "/run/lock", "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
                 "--publish", f"127.0.0.1:{port}:5000"]))
    support.wait_until("systemd to finish booting",
                       lambda: machine.sh("systemctl is-system-running", check=False)
                       in ("running", "degraded"), timeout=60)
    machine.sh("echo REDIS_URL=redis://redis:6379 >>/etc/default/welcome && "
               "systemctl start welcome")
    support.wait_serving(port)
    assert [support.visit(port) for _ in range(2)] == [1, 2]
    uid = machine.main_uid()
    assert 61184 <= uid <= 65519, f"expected a DynamicUser= uid, got {uid}"

    # A crash (kill -9) restarts it (Restart=on-failure); the count is in Redis.
    machine.sh(f"kill -9 {machine.show('MainPID')}")
    support.wait_until("systemd to restart welcome after kill -9",
                       lambda: machine.show("NRestarts") == "1", timeout=30)
    support.wait_serving(port)
    assert support.visit(port) == 3

    # SIGTERM (systemctl stop) drains and exits 0.
    machine.sh("systemctl stop welcome")
    assert machine.show("Result") == "success"
    assert machine.show("ExecMainStatus") == "0"

    # A configuration error exits 78 and is not restarted: a restart cannot
    # fix it (RestartPreventExitStatus=78).
    machine.sh("echo PORT=not-a-port >>/etc/default/welcome && "
               "systemctl start welcome", check=False)
    support.wait_until("welcome to fail with exit 78",
                       lambda: machine.show("ExecMainStatus") == "78", timeout=30)
    assert machine.show("ActiveState") == "failed"
    assert machine.show("NRestarts") == "0"
    journal = machine.sh("journalctl -u welcome --no-pager -o cat | tail -n 5")
    assert "PORT" in journal, journal
