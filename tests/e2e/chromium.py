"""Headless Chromium (Debian's chromium) driven over the DevTools protocol
with python3-websocket: a temp profile, a free debugging port, and the
page's console errors and exceptions collected as they come."""

import base64
import json
import shutil
import subprocess
import time
import urllib.request

import websocket

from conftest import _die_with_parent, free_port

START_TIMEOUT = 60.0


class Chromium:
    def __init__(self, workdir):
        self.dir = workdir
        self.port = free_port()
        self.proc = None
        self.ws = None
        self.next_id = 0
        self.events = []
        self.log = workdir / "chromium.log"

    def start(self, width=375, height=800):
        binary = shutil.which("chromium")
        assert binary, "chromium missing: apt-get install chromium"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                 "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking",
                 "--remote-allow-origins=*",
                 f"--remote-debugging-port={self.port}",
                 f"--user-data-dir={self.dir / 'profile'}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.ws = websocket.create_connection(self._page_socket(), timeout=30)
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width,
                  height=height, deviceScaleFactor=2, mobile=True)
        return self

    def _page_socket(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/json/list",
                        timeout=2) as r:
                    targets = json.load(r)
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("chromium never listened: " +
                             self.log.read_text()[-3000:])

    def call(self, method, **params):
        self.next_id += 1
        wanted = self.next_id
        self.ws.send(json.dumps({"id": wanted, "method": method,
                                 "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == wanted:
                assert "error" not in message, (method, message)
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_event(self, method, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event["method"] == method:
                    self.events.remove(event)
                    return event
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        raise AssertionError(f"no {method} within {timeout}s")

    def navigate(self, url):
        self.events = [e for e in self.events
                       if e["method"] != "Page.loadEventFired"]
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression,
                           returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def drain_events(self):
        """Collects the events that came while nothing was called."""
        self.ws.settimeout(0.2)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        self.ws.settimeout(30)

    def problems(self):
        """Console errors, uncaught exceptions and failed loads seen so far."""
        self.drain_events()
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text"))
            elif (method == "Runtime.consoleAPICalled"
                  and params.get("type") in ("error", "assert")):
                found.append(params.get("args"))
            elif (method == "Log.entryAdded"
                  and params["entry"].get("level") == "error"):
                found.append(params["entry"].get("text"))
        return found

    def screenshot(self, path, height=None):
        """A PNG of the page: the viewport, `height` CSS pixels tall when
        given (the whole page with height="page")."""
        if height == "page":
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            height = int(size["height"]) + 1
        if height:
            self.call("Emulation.setDeviceMetricsOverride", width=375,
                      height=height, deviceScaleFactor=2, mobile=True)
        shot = self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def stop(self):
        if self.ws:
            try:
                self.ws.close()
            except OSError:
                pass
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
