"""free_port(): a TCP port nobody listens on now, for the servers the Python
tests start (tests/e2e, tests/deploy), as free_port.hpp is for the C++ ones.

Taken below the kernel's ephemeral range: a port the kernel picks (bind to
port 0) comes from the range that outgoing connections use, so one of the
tests' own client sockets could take it before the server binds it; below
that range only listeners compete. Each port is handed out once per
process, so two servers of one run never race for the same one.
"""

import random
import socket

# Ports handed out in this process: each goes to one server only.
_given_ports = set()


def _ephemeral_low():
    """The first port of the kernel's ephemeral range (32768 by default)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host="127.0.0.1"):
    """A port free on `host` (the address the server will bind: 127.0.0.1
    for a local process, 0.0.0.0 for a port an engine publishes). When the
    ephemeral range leaves no room below it, the kernel picks one."""
    low = _ephemeral_low()
    for _ in range(1000):
        port = random.randrange(10000, low) if low > 11000 else 0
        if port in _given_ports:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            port = s.getsockname()[1]
        _given_ports.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")
