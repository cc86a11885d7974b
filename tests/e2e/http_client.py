"""Raw-socket HTTP/1.x helpers for the black-box tests.

Deliberately not http.client: the tests must see exactly the bytes the server
sends (framing, pipelined answers, when it closes), and send bytes no polite
client would. Every read has a deadline, so a hung server fails a test instead
of hanging the suite.
"""

import re
import socket
import time

DEFAULT_TIMEOUT = 5.0
CRLF = b"\r\n"

# RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d\d:\d\d:\d\d GMT$")


class ConnectionClosed(Exception):
    """The peer closed (or reset) the connection before a whole response."""


class Response:
    def __init__(self, version, status, reason, headers, body, raw_head):
        self.version = version  # "HTTP/1.1"
        self.status = status  # 200
        self.reason = reason  # "OK"
        self.headers = headers  # [(name, value)] in wire order
        self.body = body  # bytes
        self.raw_head = raw_head  # bytes, status line and headers

    def header(self, name):
        """The first value of header `name` (case-insensitive), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has_token(self, name, token):
        """True when the comma-separated header `name` holds `token`."""
        for value in self.headers_named(name):
            for part in value.split(","):
                if part.strip().lower() == token.lower():
                    return True
        return False

    def __repr__(self):
        return (f"<Response {self.version} {self.status} {self.reason} "
                f"headers={self.headers} body={self.body[:200]!r}>")


def build_request(method="GET", target="/", headers=None, body=b"",
                  version="HTTP/1.1", host="localhost"):
    """Bytes of one request. `headers` is a list of (name, value); Host is
    added unless `host` is None or a Host header is given; Content-Length is
    added for a non-empty body unless a framing header is given."""
    headers = list(headers or [])
    names = {k.lower() for k, _ in headers}
    if host is not None and "host" not in names:
        headers.insert(0, ("Host", host))
    if body and not names & {"content-length", "transfer-encoding"}:
        headers.append(("Content-Length", str(len(body))))
    if isinstance(body, str):
        body = body.encode()
    head = f"{method} {target} {version}\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    return head.encode("latin-1") + CRLF + body


class Connection:
    """One client connection with its own read buffer."""

    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT,
                 receive_buffer=None):
        """`receive_buffer`: SO_RCVBUF in bytes, set before connecting (so
        that the window it implies is the one announced)."""
        if receive_buffer is None:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                 receive_buffer)
            self.sock.settimeout(timeout)
            self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False  # the close was an RST rather than a FIN

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def request(self, *args, timeout=DEFAULT_TIMEOUT, **kwargs):
        """Sends build_request(*args, **kwargs) and reads its response."""
        self.send(build_request(*args, **kwargs))
        head = (args[0] if args else kwargs.get("method", "GET")) == "HEAD"
        return self.read_response(timeout=timeout, head=head)

    def _fill(self, deadline):
        """Reads more bytes into the buffer. Returns False on EOF; raises
        TimeoutError when the deadline passes."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the server before the deadline")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError(
                "no data from the server before the deadline") from None
        except ConnectionResetError:
            self.eof = self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ConnectionClosed(
                    f"closed after {len(self.buf)} of {n} body bytes")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_line(self, deadline):
        while CRLF not in self.buf:
            if not self._fill(deadline):
                raise ConnectionClosed("closed in the middle of a line")
        line, self.buf = self.buf.split(CRLF, 1)
        return line

    def read_response(self, timeout=DEFAULT_TIMEOUT, head=False):
        """Reads exactly one response. `head`: the request was HEAD, so the
        response has no body whatever its Content-Length says."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise ConnectionClosed(
                    f"closed before a complete response head; got {self.buf!r}")
        raw_head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw_head.decode("latin-1").split("\r\n")
        match = re.match(r"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not match:
            raise AssertionError(f"bad status line {lines[0]!r}")
        version, status, reason = match.group(1), int(match.group(2)), match.group(3) or ""
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or name != name.strip():
                raise AssertionError(f"bad header line {line!r}")
            headers.append((name, value.strip()))
        response = Response(version, status, reason, headers, b"", raw_head)
        if head or status < 200 or status in (204, 304):
            return response
        if response.has_token("Transfer-Encoding", "chunked"):
            response.body = self._read_chunked(deadline)
        elif response.header("Content-Length") is not None:
            response.body = self._read_exact(
                int(response.header("Content-Length")), deadline)
        else:  # delimited by close
            while self._fill(deadline):
                pass
            response.body, self.buf = self.buf, b""
        return response

    def _read_chunked(self, deadline):
        body = b""
        while True:
            size = int(self._read_line(deadline).split(b";")[0], 16)
            if size == 0:
                while self._read_line(deadline):  # trailers
                    pass
                return body
            body += self._read_exact(size, deadline)
            self._read_exact(2, deadline)

    def read_responses(self, count, timeout=DEFAULT_TIMEOUT, head=False):
        return [self.read_response(timeout=timeout, head=head)
                for _ in range(count)]

    def read_until_close(self, timeout=DEFAULT_TIMEOUT):
        """Everything left until the server closes. Raises TimeoutError when
        the connection is still open at the deadline."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        data, self.buf = self.buf, b""
        return data

    def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        """Seconds until the server closed the connection, and the bytes it
        sent meanwhile. Raises TimeoutError when it is still open."""
        start = time.monotonic()
        data = self.read_until_close(timeout)
        return time.monotonic() - start, data

    def is_open(self, wait=0.2):
        """True when the server has not closed the connection within `wait`
        seconds (and sent nothing unexpected)."""
        try:
            self.read_until_close(wait)
        except TimeoutError:
            return True
        return False


def get(port, target="/", host="127.0.0.1", timeout=DEFAULT_TIMEOUT,
        method="GET", headers=None, **kwargs):
    """One request on a fresh connection; returns the Response."""
    with Connection(port, host=host, timeout=timeout) as conn:
        return conn.request(method, target, headers=headers, timeout=timeout,
                            **kwargs)


def try_get(port, target="/", host="127.0.0.1", timeout=1.0):
    """Like get(), but None instead of an exception when the server cannot be
    reached or answers nothing."""
    try:
        return get(port, target, host=host, timeout=timeout)
    except (OSError, ConnectionClosed, TimeoutError):
        return None
