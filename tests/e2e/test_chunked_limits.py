"""Every line of a chunked body is bounded: a chunk-size line, a chunk
extension or a trailer line that never ends is answered 400 as soon as it
passes 8 KiB, and the server does not hold it in memory.

The header timeout is set far beyond the deadline of the read: an answer
within that deadline comes from the bound, not from the timeout.
"""

import threading

import pytest

MIB = 1024 * 1024
# How much of the endless line the client sends.
SENT_BYTES = 64 * MIB
PIECE = 64 * 1024
# Peak and current resident memory after the endless line, over before it.
MAX_GROWTH = 1.5

HEAD = (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
# The start of each endless line, then the byte that repeats forever.
ENDLESS = {
    "chunk-size": (b"1", b"0", "chunk line too long"),
    "chunk-extension": (b"1;ext=", b"e", "chunk line too long"),
    "quoted-extension": (b'1;ext="', b"q", "chunk line too long"),
    "trailer": (b"5\r\nhello\r\n0\r\nX-Trailer: ", b"a", "trailer line too long"),
}


def memory_kib(pid):
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def send_endless_line(sock, start, filler, sent):
    """Sends HEAD, `start`, then `filler` up to SENT_BYTES, counting in
    sent[0]; stops quietly when the server closes."""
    piece = filler * PIECE
    try:
        sock.sendall(HEAD + start)
        while sent[0] < SENT_BYTES:
            sock.sendall(piece)
            sent[0] += len(piece)
    except OSError:
        pass


@pytest.mark.parametrize("app", ["hello", "welcome"])
@pytest.mark.parametrize("kind", sorted(ENDLESS))
def test_endless_chunked_line_is_400_at_the_bound_and_not_buffered(
        start_server, app, kind):
    server = start_server(app, env={"HTTP_HEADER_TIMEOUT": "30s",
                                    "HTTP_BODY_TIMEOUT": "30s"})
    pid = server.proc.pid
    assert server.get("/livez").status == 200  # the first request's buffers
    before = memory_kib(pid)
    start, filler, reason = ENDLESS[kind]
    sent = [0]
    with server.connect() as conn:
        # A duplicate socket with its own timeout sends while this one reads.
        sock = conn.sock.dup()
        sock.settimeout(30)
        sender = threading.Thread(target=send_endless_line,
                                  args=(sock, start, filler, sent), daemon=True)
        sender.start()
        try:
            r = conn.read_response(timeout=5)
            rest = conn.read_until_close(timeout=5)
        except TimeoutError:
            r = rest = None  # asserted below, after the memory
        finally:
            sender.join(30)
            sock.close()
    after = memory_kib(pid)
    print(f"{app} {kind}: sent {sent[0] / MIB:.1f} MiB; memory before "
          f"{before}, after {after} (KiB)")
    assert after["VmHWM"] <= MAX_GROWTH * before["VmHWM"], (before, after)
    assert after["VmRSS"] <= MAX_GROWTH * before["VmRSS"], (before, after)
    assert r is not None, "no answer within 5s (the header timeout is 30s)"
    assert r.status == 400, r
    assert r.body == reason.encode() + b"\n", r
    assert rest == b"", rest
    server.wait_for("rejected request",
                    where=lambda e: e.get("reason") == reason
                    and e.get("status") == 400)
    assert server.get("/livez").status == 200
