"""Helpers of the deployment tests: commands with deadlines, free ports,
HTTP over the engines' published ports, waiting for a condition.

Every command and every wait has a deadline, so a stuck engine fails a test
instead of hanging the run; every failure message says what was expected and
what was seen.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Helpers shared with tests/e2e (free_port.py).
sys.path.insert(0, str(REPO / "tests" / "support"))
from free_port import free_port as _free_port  # noqa: E402
# The images `make image` builds (scripts/image).
WELCOME_IMAGE = "welcome:latest"
REDIS_IMAGE = "twelve-redis:bookworm"
POSTGRES_IMAGE = "twelve-postgres:bookworm"
HAPROXY_IMAGE = "twelve-haproxy:bookworm"
BASE_IMAGE = os.environ.get("BASE_IMAGE", "twelve-base:bookworm")
# The one label every object a test creates carries (containers, networks,
# volumes), so that cleanup can find what a failed test left.
TEST_LABEL = "org.twelve.deploy-test"

# Debian's docker client (deps/image.txt) before any other on PATH, as in
# scripts/image.
os.environ["PATH"] = "/usr/bin:" + os.environ.get("PATH", "")


def run(args, timeout=60.0, check=True, env=None, input=None, cwd=REPO):
    """Runs a command to completion and returns the CompletedProcess (text).
    A command still running at `timeout` is killed and fails the test; with
    `check`, so does a non-zero exit, showing its output."""
    full_env = None
    if env is not None:
        full_env = dict(os.environ)
        full_env.update({k: str(v) for k, v in env.items()})
    try:
        done = subprocess.run([str(a) for a in args], env=full_env, cwd=cwd,
                              input=input, capture_output=True, text=True,
                              timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"`{' '.join(map(str, args))}` still running after {timeout}s;"
                    f" stdout={_tail(e.stdout)!r} stderr={_tail(e.stderr)!r}", pytrace=False)
    if check and done.returncode != 0:
        pytest.fail(f"`{' '.join(map(str, args))}` exited {done.returncode};\n"
                    f"stdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}",
                    pytrace=False)
    return done


def _tail(output, size=3000):
    if isinstance(output, bytes):
        output = output.decode("utf-8", "replace")
    return (output or "")[-size:]


def docker(*args, timeout=60.0, check=True, input=None):
    return run(["docker", *args], timeout=timeout, check=check, input=input)


def inspect(kind, name, template="{{json .}}"):
    """`docker <kind> inspect` of one object, parsed when it is JSON."""
    out = docker(kind, "inspect", "--format", template, name).stdout.strip()
    try:
        return json.loads(out)
    except ValueError:
        return out


def wait_until(what, predicate, timeout=60.0, interval=0.25):
    """Calls predicate() until it returns a true value, which is returned;
    fails the test with `what` and the last value or error at `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # the condition is not met yet
            last = f"{type(e).__name__}: {e}"
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; "
                        f"last: {last!r}", pytrace=False)
        time.sleep(interval)


def free_port():
    """A port nobody listens on, on every interface (the engines publish
    there), below the ephemeral range: tests/support/free_port.py."""
    return _free_port("0.0.0.0")


def http_get(port, path="/", timeout=5.0, host="127.0.0.1"):
    """One GET on a new connection: (status, body text)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


COUNT_PATTERN = re.compile(r"^Welcome to KODEKLOUD! Visitor Count: (\d+)$")


def visit(port, timeout=5.0):
    """GET / once; the visitor count it answers (fails on anything else)."""
    status, body = http_get(port, "/", timeout=timeout)
    match = COUNT_PATTERN.match(body.strip())
    if status != 200 or not match:
        pytest.fail(f"GET / on port {port}: expected 200 'Welcome to KODEKLOUD! "
                    f"Visitor Count: N', got {status} {body!r}", pytrace=False)
    return int(match.group(1))


def wait_serving(port, timeout=60.0):
    """Waits until GET /readyz on `port` answers 200."""
    wait_until(f"GET /readyz on port {port} to answer 200",
               lambda: http_get(port, "/readyz", timeout=2.0)[0] == 200,
               timeout=timeout)


def build_stamp():
    """{'TWELVE_BUILD_VERSION': ..., 'TWELVE_BUILD_COMMIT': ...} of this tree,
    as scripts/image passed them to the image build."""
    out = run([REPO / "scripts/build-stamp"]).stdout
    return dict(re.findall(r"^(TWELVE_BUILD_\w+)='([^']*)'$", out, re.M))


def image_exists(name):
    return docker("image", "inspect", name, check=False).returncode == 0


def require_images(*names):
    missing = [n for n in names if not image_exists(n)]
    if missing:
        pytest.fail(f"images {missing} not found: build them first (make image)",
                    pytrace=False)


# Figures the tests measured (sizes, timings, request counts), printed at the
# end of the run by conftest.py's pytest_terminal_summary.
FIGURES = []


def report(line):
    FIGURES.append(line)
