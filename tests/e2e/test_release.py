"""Factor V: `make release` packs an immutable artifact; the artifact plus
the environment is a release, and it runs outside the source tree."""
import hashlib
import http.client
import re
import subprocess
import tarfile
import time

from conftest import REPO, free_port


def make_release():
    result = subprocess.run(["make", "--no-print-directory", "release"],
                            cwd=REPO, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"^release: (dist/\S+\.tar\.gz)$", result.stdout, re.M)
    assert match, result.stdout
    return REPO / match.group(1)


def test_release_artifact_runs_outside_the_source_tree(tmp_path):
    artifact = make_release()
    with tarfile.open(artifact) as tar:
        tar.extractall(tmp_path / "app")
    app = tmp_path / "app"
    manifest = (app / "RELEASE").read_text()
    for binary in ("welcome", "hello"):
        digest = hashlib.sha256((app / "bin" / binary).read_bytes()).hexdigest()
        assert f"bin/{binary}: {digest}" in manifest, manifest
    assert (app / "Procfile").read_text().startswith("web: welcome serve")
    # What the machine that runs it must have, said in the artifact itself.
    packages = re.search(r"^runtime_packages: (.+)$", manifest, re.M)
    assert packages, manifest
    assert {"libc6", "libnettle8", "libssl3"} <= set(packages.group(1).split()), manifest
    assert "libssl3" in (app / "runtime-packages.txt").read_text()

    version = subprocess.run([str(app / "bin/welcome"), "version"],
                             cwd=tmp_path, env={}, capture_output=True,
                             text=True, timeout=10)
    assert version.returncode == 0, version.stderr
    commit = re.search(r"^commit: (\S+)$", manifest, re.M).group(1)
    assert commit in version.stdout, (version.stdout, manifest)

    port = free_port()
    server = subprocess.Popen([str(app / "bin/hello")], cwd=tmp_path,
                              env={"PORT": str(port), "BIND": "127.0.0.1"},
                              stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port,
                                                        timeout=5)
                connection.request("GET", "/")
                response = connection.getresponse()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "hello never listened"
                time.sleep(0.02)
        assert response.status == 200
        assert response.read() == b"Welcome to KODEKLOUD!"
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0
