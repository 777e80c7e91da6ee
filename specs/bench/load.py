"""The load generator: one worker process, many loopback clients, one scenario, one JSON result.

The runner starts several of these (``python -m netconform.specs.bench.load JSON``), so the
clients do not share one interpreter's lock. Each worker prints ``ready``, waits for
SIGUSR1 (all workers of a measurement start together), runs its scenario on one
``selectors`` loop of non-blocking sockets, and prints one JSON line:

- ``greet``: keep ``clients`` connections in flight; each reads the greeting to the
  server's close; ``done`` counts exact greetings, ``latencies`` the seconds from
  ``connect()`` to the first byte;
- ``lines``: ``clients`` connections each send CRLF lines (in chunks) until their share
  of ``count`` or the time is up, then shut down writing; a client is done when the
  server closes: it has read (and logged) every line before it;
- ``idle``: connect ``clients`` connections, print ``{"connected": N}``, hold them until
  the next SIGUSR1, close.

Every loop stops at ``count`` and at ``seconds`` (new work), and at ``seconds + timeout``
(work in flight, then counted in ``errors``). Addresses other than loopback are refused.
Clients close abortively (SO_LINGER 0) once the server has closed, leaving no TIME_WAIT.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from ..harness.wire.protocol import DELIMITER, GREETING

#: The line every ``lines`` client sends: printable, well under MAX_LENGTH.
LINE = b"netconform benchmark line" + DELIMITER
#: Lines written per send() at most: a client takes turns with the others.
CHUNK_LINES = 64
#: A ``lines`` client's send buffer: little is in flight when the time is up, so what the server
#: still has to read then (and the wait for it) stays small.
SNDBUF = 32768
_GO = {signal.SIGUSR1}


@dataclass
class _Conn:
    """One client connection's progress."""

    started: float
    first: float = 0.0
    data: bytearray = field(default_factory=bytearray)
    pending: memoryview = field(default_factory=lambda: memoryview(b""))
    sent: int = 0  # lines handed to the kernel
    shut: bool = False  # SHUT_WR done: only the server's close is awaited


def _loopback(host: str) -> str:
    mapped = ipaddress.ip_address(host)
    if not mapped.is_loopback:
        raise SystemExit(f"refusing {host}: the load generator only connects to loopback")
    return host


def _connect(address: tuple[str, int], sndbuf: int = 0) -> socket.socket:
    """A non-blocking TCP connection to ``address``, under way (``sndbuf``: a small send buffer)."""
    sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if sndbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    err = sock.connect_ex(address)
    if err not in (0, errno.EINPROGRESS):
        sock.close()
        raise OSError(err, f"connect: {errno.errorcode.get(err, err)}")
    return sock


def _abort(sock: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0): the server closed first, so no TIME_WAIT is left anywhere."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def greet(address: tuple[str, int], clients: int, count: int, seconds: float, timeout: float) -> dict[str, Any]:
    """Greeting connections, ``clients`` at a time, until ``count`` or ``seconds``."""
    sel = selectors.DefaultSelector()
    conns: dict[socket.socket, _Conn] = {}
    started = done = errors = 0
    latencies: list[float] = []
    t0 = last = time.monotonic()
    deadline, hard = t0 + seconds, t0 + seconds + timeout
    while True:
        now = time.monotonic()
        while len(conns) < clients and started < count and now < deadline:
            started += 1
            try:
                sock = _connect(address)
            except OSError:
                errors += 1
                continue
            conns[sock] = _Conn(now)
            sel.register(sock, selectors.EVENT_READ)
        if not conns or now > hard:
            break
        for key, _ in sel.select(timeout=min(0.1, hard - now)):
            sock = key.fileobj  # type: ignore[assignment]
            conn = conns[sock]
            try:
                chunk: bytes | None = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = None  # refused, reset
            if chunk:
                conn.first = conn.first or time.monotonic()
                conn.data += chunk
                if len(conn.data) <= 4 * len(GREETING):
                    continue
            sel.unregister(sock)
            del conns[sock]
            _abort(sock)
            last = time.monotonic()
            if chunk == b"" and conn.data == GREETING:
                done += 1
                latencies.append(round(conn.first - conn.started, 7))
            else:
                errors += 1
    errors += len(conns)
    for sock in conns:
        _abort(sock)
    return {"done": done, "errors": errors, "elapsed": last - t0, "latencies": latencies}


def lines(address: tuple[str, int], clients: int, count: int, seconds: float, timeout: float) -> dict[str, Any]:
    """``clients`` connections sending lines (``count`` in all) until the time is up, each then closed."""
    sel = selectors.DefaultSelector()
    conns: dict[socket.socket, _Conn] = {}
    share = -(-count // clients)
    done = errors = finished = 0
    t0 = last = time.monotonic()
    deadline, hard = t0 + seconds, t0 + seconds + timeout
    for _ in range(clients):
        try:
            sock = _connect(address, SNDBUF)
        except OSError:
            errors += 1
            continue
        conns[sock] = _Conn(t0)
        sel.register(sock, selectors.EVENT_WRITE)
    while conns and time.monotonic() < hard:
        for key, events in sel.select(timeout=0.1):
            sock = key.fileobj  # type: ignore[assignment]
            conn = conns[sock]
            try:
                if events & selectors.EVENT_WRITE:
                    if not conn.pending and conn.sent < share and time.monotonic() < deadline:
                        n = min(CHUNK_LINES, share - conn.sent)
                        conn.pending, conn.sent = memoryview(LINE * n), conn.sent + n
                    if conn.pending:
                        conn.pending = conn.pending[sock.send(conn.pending):]
                        continue
                    sock.shutdown(socket.SHUT_WR)
                    conn.shut = True
                    sel.modify(sock, selectors.EVENT_READ)
                    continue
                chunk: bytes | None = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = None
            if chunk:
                continue  # a line logger says nothing; whatever it says is ignored
            sel.unregister(sock)
            del conns[sock]
            _abort(sock)
            last = time.monotonic()
            if chunk == b"" and conn.shut:
                done += conn.sent
                finished += 1
            else:
                errors += 1
    errors += len(conns)
    for sock in conns:
        _abort(sock)
    return {"done": done, "errors": errors, "elapsed": last - t0, "clients_finished": finished}


def idle(address: tuple[str, int], clients: int, timeout: float) -> dict[str, Any]:
    """Connect ``clients`` clients that send nothing; report, hold them until told, close them."""
    sel = selectors.DefaultSelector()
    pending: list[socket.socket] = []
    errors = 0
    for _ in range(clients):
        try:
            sock = _connect(address)
        except OSError:
            errors += 1
            continue
        pending.append(sock)
        sel.register(sock, selectors.EVENT_WRITE)
    connected: list[socket.socket] = []
    deadline = time.monotonic() + timeout
    while len(connected) + errors < clients and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.1):
            sock = key.fileobj  # type: ignore[assignment]
            sel.unregister(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                errors += 1
                sock.close()
            else:
                connected.append(sock)
    _say({"connected": len(connected), "errors": clients - len(connected)})
    signal.sigtimedwait(_GO, timeout + 60.0)  # the runner has measured the server (bounded: never forever)
    for sock in pending:  # the connected ones and any still connecting
        sock.close()
    return {"done": len(connected), "errors": errors, "elapsed": 0.0}


def _say(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """Run the scenario described by the JSON in ``argv[0]``; print its result as one JSON line."""
    job = json.loads(argv[0])
    address = (_loopback(job["host"]), int(job["port"]))
    signal.pthread_sigmask(signal.SIG_BLOCK, _GO)
    print("ready", flush=True)
    if signal.sigtimedwait(_GO, float(job["timeout"]) + 30.0) is None:
        _say({"error": "no start signal came"})
        return 1
    clients, timeout = int(job["clients"]), float(job["timeout"])
    cpu = time.process_time()
    if job["scenario"] == "greet":
        result = greet(address, clients, int(job["count"]), float(job["seconds"]), timeout)
    elif job["scenario"] == "lines":
        result = lines(address, clients, int(job["count"]), float(job["seconds"]), timeout)
    else:
        result = idle(address, clients, timeout)
    _say({**result, "cpu": time.process_time() - cpu})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
