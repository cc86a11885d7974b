"""A real Prometheus server for a test: a temp dir for its data, a free
port, a config file that scrapes the given targets every second."""

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

from conftest import _die_with_parent, free_port

START_TIMEOUT = 60.0


class PrometheusServer:
    def __init__(self, workdir, targets, metrics_path="/metrics"):
        self.dir = workdir
        self.port = free_port()
        self.config = workdir / "prometheus.yml"
        targets_yaml = ", ".join(f'"{t}"' for t in targets)
        self.config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: welcome\n"
            f"    metrics_path: {metrics_path}\n"
            "    static_configs:\n"
            f"      - targets: [{targets_yaml}]\n")
        self.proc = None
        self.log = workdir / "prometheus.log"

    def start(self):
        binary = shutil.which("prometheus")
        assert binary, "prometheus missing: apt-get install prometheus"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [binary, f"--config.file={self.config}",
                 f"--storage.tsdb.path={self.dir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("prometheus not ready: " +
                             self.log.read_text()[-3000:])

    def query(self, promql):
        """The result vector of an instant query, as [(labels, value)]."""
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?" +
               urllib.parse.urlencode({"query": promql}))
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return [(s["metric"], float(s["value"][1]))
                for s in body["data"]["result"]]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
