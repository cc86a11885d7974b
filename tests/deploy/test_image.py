"""The welcome image (deploy/Dockerfile, built by `make image`): its size,
labels and stamp, user, entrypoint, health check, and that it serves with a
read-only root filesystem."""

import json

import support

MAX_IMAGE_MB = 100.0


def test_runtime_image_is_at_most_100_mb(engine):
    support.require_images(support.WELCOME_IMAGE, support.BASE_IMAGE)
    size = support.inspect("image", support.WELCOME_IMAGE, "{{.Size}}") / 1e6
    base = support.inspect("image", support.BASE_IMAGE, "{{.Size}}") / 1e6
    support.report(f"image: {support.WELCOME_IMAGE} {size:.1f} MB "
                   f"(base {support.BASE_IMAGE} {base:.1f} MB)")
    assert size <= MAX_IMAGE_MB, (
        f"{support.WELCOME_IMAGE} is {size:.1f} MB, expected at most {MAX_IMAGE_MB} MB")


def test_labels_and_binary_carry_the_version_and_commit_of_the_tree(engine):
    support.require_images(support.WELCOME_IMAGE)
    stamp = support.build_stamp()
    labels = support.inspect("image", support.WELCOME_IMAGE, "{{json .Config.Labels}}")
    assert labels.get("org.opencontainers.image.version") == stamp["TWELVE_BUILD_VERSION"]
    assert labels.get("org.opencontainers.image.revision") == stamp["TWELVE_BUILD_COMMIT"]
    version = support.docker("run", "--rm", "--read-only", support.WELCOME_IMAGE,
                             "version").stdout
    expected = (f"welcome {stamp['TWELVE_BUILD_VERSION']} "
                f"(commit {stamp['TWELVE_BUILD_COMMIT']},")
    assert version.startswith(expected), (
        f"`welcome version` in the image: expected {expected!r}..., got {version!r}")
    tagged = support.inspect("image", f"welcome:{stamp['TWELVE_BUILD_VERSION']}", "{{.Id}}")
    assert tagged == support.inspect("image", support.WELCOME_IMAGE, "{{.Id}}"), (
        "welcome:<version> and welcome:latest are not the same image")


def test_runs_as_a_non_root_user_with_exec_form_entrypoint(engine):
    support.require_images(support.WELCOME_IMAGE)
    config = support.inspect("image", support.WELCOME_IMAGE, "{{json .Config}}")
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["welcome"] and config["Cmd"] == ["serve"]
    assert config["Healthcheck"]["Test"] == ["CMD", "welcome", "healthcheck"]
    ids = support.docker("run", "--rm", "--entrypoint", "id", support.WELCOME_IMAGE).stdout
    assert ids.startswith("uid=10001(welcome) gid=10001(welcome)"), ids


def test_runtime_stage_holds_no_toolchain(engine):
    support.require_images(support.WELCOME_IMAGE)
    found = support.docker(
        "run", "--rm", "--entrypoint", "sh", support.WELCOME_IMAGE, "-c",
        "for t in g++ c++ cmake ninja make; do command -v $t; done; "
        "ls /usr/include 2>/dev/null | head -3; true").stdout.split()
    assert found == [], f"the runtime image holds build tools or headers: {found}"


def test_serves_read_only_turns_healthy_and_stops_cleanly_on_sigterm(scratch):
    support.require_images(support.WELCOME_IMAGE, support.REDIS_IMAGE)
    net = scratch.network()
    scratch.container(support.REDIS_IMAGE, what="redis", network=net)
    port = support.free_port()
    welcome = scratch.container(
        support.WELCOME_IMAGE, what="welcome", network=net,
        options=["--read-only", "--env", "REDIS_URL=redis://redis:6379",
                 "--publish", f"127.0.0.1:{port}:5000"])
    support.wait_serving(port)
    assert support.visit(port) == 1
    assert support.visit(port) == 2
    support.wait_until(
        "the image's HEALTHCHECK (welcome healthcheck) to report healthy",
        lambda: support.inspect("container", welcome, "{{.State.Health.Status}}") == "healthy",
        timeout=30)
    assert support.inspect("container", welcome, "{{.HostConfig.ReadonlyRootfs}}") is True
    # Exec form: welcome is PID 1 and gets docker stop's SIGTERM itself (a
    # shell in between would swallow it until the 10 s kill).
    support.docker("stop", "--time", "30", welcome, timeout=60)
    state = support.inspect("container", welcome, "{{json .State}}")
    assert state["ExitCode"] == 0, f"welcome exited {state['ExitCode']} on SIGTERM"
    logs = support.docker("logs", welcome).stdout.splitlines()
    events = [json.loads(line) for line in logs if line.startswith("{")]
    assert any(e.get("msg") == "stopped" for e in events), logs[-5:]
