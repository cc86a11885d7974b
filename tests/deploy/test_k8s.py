"""deploy/k8s: rendered offline with `kubectl kustomize`, validated against
the Kubernetes API's schemas (kubernetes-models, tests/deploy/k8s-validate),
checked for the restricted security context, probes and drain timing, and
run for real with `podman kube play`: its pods serve and count in one Redis.

podman 4.3 is not a cluster, and the test bridges what it lacks, no more:
- a Service: the Redis pod joins the network with the alias `redis`, the
  name the Secret's URL uses;
- a Job: its pod template runs as a Pod, and must exit 0;
- Secrets: podman reads a secretKeyRef from a podman secret holding the
  Secret's `data` as JSON (a Secret in the played file is stored in a form
  its own lookup then rejects);
- replicas: podman publishes every containerPort on the host (hostPort
  defaults to containerPort), so each pod is played from its own copy of the
  Deployment, with free loopback host ports;
- probes: podman runs an httpGet liveness probe with curl, which the image
  does not carry (and a named port becomes port 0), so the copies have none.
"""

import json
import re
import shutil
import uuid

import pytest
import yaml

import support

K8S = support.REPO / "deploy/k8s"
VALIDATOR = support.REPO / "tests/deploy/k8s-validate"
WORK = support.REPO / "build/deploy-test"
PODMAN_CONF = support.REPO / "deploy/podman/containers.conf"
SHUTDOWN_DELAY_S = 5
SHUTDOWN_TIMEOUT_S = 10


def _duration_s(text):
    match = re.fullmatch(r"(\d+)(ms|s|m)", text)
    assert match, f"expected a duration like 5s, got {text!r}"
    value, unit = int(match.group(1)), match.group(2)
    return {"ms": value / 1000, "s": value, "m": value * 60}[unit]


@pytest.fixture(scope="module")
def rendered():
    """The objects `kubectl kustomize deploy/k8s` renders, by kind/name."""
    out = support.run(["kubectl", "kustomize", K8S]).stdout
    objects = [o for o in yaml.safe_load_all(out) if o]
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in objects}


def _one(rendered, kind, prefix):
    found = [o for key, o in rendered.items() if key.startswith(f"{kind}/{prefix}")]
    assert len(found) == 1, f"expected one {kind} named {prefix}*, got {list(rendered)}"
    return found[0]


def test_kustomize_renders_every_object(rendered):
    kinds = sorted(key.split("/")[0] + "/" + key.split("/")[1].split("-store")[0]
                   for key in rendered)
    assert kinds == ["Deployment/redis", "Deployment/welcome",
                     "HorizontalPodAutoscaler/welcome", "Job/welcome-migrate",
                     "Secret/welcome", "Service/redis", "Service/welcome"], kinds


@pytest.fixture(scope="module")
def validator():
    """kubernetes-models installed (npm ci, from the committed lock file) in
    build/deploy-test/k8s-validate; returns a function validating objects."""
    work = WORK / "k8s-validate"
    work.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "validate.mjs"):
        shutil.copy(VALIDATOR / name, work / name)
    if not (work / "node_modules/kubernetes-models").is_dir():
        support.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=work, timeout=300)

    def validate(objects):
        return support.run(["node", work / "validate.mjs"], input=json.dumps(objects),
                           check=False)

    return validate


def test_manifests_pass_the_api_schemas(rendered, validator):
    result = validator(list(rendered.values()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("valid ") == len(rendered), result.stdout


def test_schema_validation_rejects_a_bad_manifest(rendered, validator):
    bad = json.loads(json.dumps(_one(rendered, "Deployment", "welcome")))
    bad["spec"]["replicas"] = "two"
    unknown = {"apiVersion": "autoscaling/v3", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "welcome"}}
    result = validator([bad, unknown])
    assert result.returncode == 1
    assert "Deployment/welcome: data/spec/replicas must be integer" in result.stdout
    assert "no schemas for apiVersion autoscaling/v3" in result.stdout


def _pod_specs(rendered):
    return [("Deployment/welcome", _one(rendered, "Deployment", "welcome")["spec"]["template"]["spec"]),
            ("Job/welcome-migrate", _one(rendered, "Job", "welcome-migrate")["spec"]["template"]["spec"]),
            ("Deployment/redis", _one(rendered, "Deployment", "redis")["spec"]["template"]["spec"])]


def test_every_pod_meets_the_restricted_pod_security_standard(rendered):
    for name, spec in _pod_specs(rendered):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert isinstance(pod["runAsUser"], int) and pod["runAsUser"] > 0, name
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            where = f"{name} container {container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in context["capabilities"], where
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert set(resources[kind]) == {"cpu", "memory"}, f"{where} {kind}"


def test_welcome_probes_drain_timing_and_store_secret(rendered):
    deployment = _one(rendered, "Deployment", "welcome")
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    delay = _duration_s(env["SHUTDOWN_DELAY"]["value"])
    timeout = _duration_s(env["SHUTDOWN_TIMEOUT"]["value"])
    assert (delay, timeout) == (SHUTDOWN_DELAY_S, SHUTDOWN_TIMEOUT_S)
    assert spec["terminationGracePeriodSeconds"] > delay + timeout
    assert container["startupProbe"]["httpGet"]["path"] == "/livez"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # The store's URL comes from the generated Secret (its hashed name).
    secret = _one(rendered, "Secret", "welcome-store")
    ref = env["REDIS_URL"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": secret["metadata"]["name"], "key": "REDIS_URL"}
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = _one(rendered, "HorizontalPodAutoscaler", "welcome")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "welcome"}
    job = _one(rendered, "Job", "welcome-migrate")["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["migrate"]
    assert job["containers"][0]["env"][0] == env["REDIS_URL"]


class Podman:
    """podman with deploy/podman/containers.conf; everything this test makes
    carries its run id, in names and the pods' labels, for cleanup."""

    def __init__(self):
        self.id = f"twelve-test-{uuid.uuid4().hex[:8]}"
        self.env = {"CONTAINERS_CONF": str(PODMAN_CONF)}
        self.files = []
        self.secrets = []
        self.network = None
        self.images = []

    def __call__(self, *args, timeout=120, check=True):
        return support.run(["podman", *args], env=self.env, timeout=timeout, check=check)

    def play(self, objects, what, network_options=""):
        path = WORK / f"{self.id}-{what}.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        self.files.append(path)
        self("kube", "play", "--network", self.network + network_options, path)

    def cleanup(self):
        for path in reversed(self.files):
            self("kube", "down", path, check=False, timeout=120)
            path.unlink(missing_ok=True)
        pods = self("pod", "ps", "--quiet", "--filter", f"label={support.TEST_LABEL}={self.id}",
                    check=False).stdout.split()
        if pods:
            self("pod", "rm", "--force", *pods, check=False)
        for secret in self.secrets:
            self("secret", "rm", secret, check=False)
        if self.network:
            self("network", "rm", "--force", self.network, check=False)
        if self.images:
            self("rmi", "--force", *self.images, check=False)


@pytest.fixture
def podman(engine):
    WORK.mkdir(parents=True, exist_ok=True)
    runner = Podman()
    try:
        yield runner
    finally:
        runner.cleanup()


def _single_pod(deployment, name, run_id, ports):
    """A copy of `deployment` running one pod named `name`, its container
    ports published on the given loopback host ports, without probes."""
    copy = json.loads(json.dumps(deployment))
    copy["metadata"]["name"] = name
    copy["spec"]["replicas"] = 1
    template = copy["spec"]["template"]
    template["metadata"]["labels"][support.TEST_LABEL] = run_id
    for container in template["spec"]["containers"]:
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            container.pop(probe, None)
        for port in container.get("ports", []):
            port["hostIP"] = "127.0.0.1"
            port["hostPort"] = ports[port["containerPort"]]
    return copy


def test_podman_kube_play_runs_the_pods_and_they_count(rendered, podman):
    support.require_images(support.WELCOME_IMAGE, support.REDIS_IMAGE)
    podman.images = [f"localhost/{support.WELCOME_IMAGE}", f"localhost/{support.REDIS_IMAGE}"]
    saved = WORK / f"{podman.id}-images.tar"
    try:
        support.docker("save", "--output", saved, support.WELCOME_IMAGE, support.REDIS_IMAGE,
                       timeout=120)
        podman("load", "--input", saved, timeout=180)
    finally:
        saved.unlink(missing_ok=True)
    podman.network = podman.id
    podman("network", "create", podman.network)

    secret = _one(rendered, "Secret", "welcome-store")
    data = WORK / f"{podman.id}-secret.json"
    data.write_text(json.dumps(secret["data"]))
    try:
        podman("secret", "create", secret["metadata"]["name"], data)
        podman.secrets.append(secret["metadata"]["name"])
    finally:
        data.unlink()

    redis = _single_pod(_one(rendered, "Deployment", "redis"), f"{podman.id}-redis",
                        podman.id, {6379: support.free_port()})
    podman.play([redis], "redis", network_options=":alias=redis")

    job = _one(rendered, "Job", "welcome-migrate")
    migrate = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": f"{podman.id}-migrate",
                            "labels": {support.TEST_LABEL: podman.id}},
               "spec": job["spec"]["template"]["spec"]}
    podman.play([migrate], "migrate")
    container = f"{podman.id}-migrate-migrate"
    support.wait_until("the migrate Job's pod to exit",
                       lambda: podman("inspect", "--format", "{{.State.Status}}",
                                      container).stdout.strip() == "exited", timeout=60)
    code = podman("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip()
    logs = podman("logs", container).stdout
    assert code == "0", f"welcome migrate in its pod exited {code}: {logs}"
    assert '"msg":"task finished","task":"migrate","exit_code":0' in logs, logs

    web = _one(rendered, "Deployment", "welcome")
    ports = [support.free_port() for _ in range(2)]
    for i, port in enumerate(ports):
        podman.play([_single_pod(web, f"{podman.id}-welcome-{i}", podman.id, {5000: port})],
                    f"welcome-{i}")
    for port in ports:
        support.wait_serving(port)
    counts = [support.visit(ports[i % 2]) for i in range(6)]
    assert counts == [1, 2, 3, 4, 5, 6], f"two pods, one count: {counts}"

    # The restricted context, as podman applied it to the running process.
    name = f"{podman.id}-welcome-0-pod-0-welcome"
    status = podman("exec", name, "cat", "/proc/1/status").stdout
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["Uid"].split()[0] == "10001", fields["Uid"]
    assert fields["CapEff"].strip() == "0000000000000000", fields["CapEff"]
    assert fields["NoNewPrivs"].strip() == "1"
    assert fields["Seccomp"].strip() == "2", "no seccomp filter"
    assert podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}",
                  name).stdout.strip() == "true"
    env = podman("exec", name, "printenv", "WEB_THREADS").stdout.strip()
    assert env == "1", f"WEB_THREADS from limits.cpu: expected 1, got {env!r}"
    support.report(f"k8s: podman kube play: migrate exit 0, 2 welcome pods counted "
                   f"{counts[-1]} visits exactly")
