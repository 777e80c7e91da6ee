"""Servers the suite plays when the target is a client: greeting and HTTP, in-process, loopback only.

Both bind 127.0.0.1, record what they did in the spec's transcript, and stop in a
``finally``. The greeting server can send the greeting whole, in fragments with
pauses, or byte by byte; the HTTP server serves ``fixtures/http`` plus generated
responses (errors, a redirect, chunked encoding, a body shorter than announced).
"""

from __future__ import annotations

import hashlib
import http.server
import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from .. import PROJECT_ROOT
from ..platform import socket_folders, socket_tables
from .streams import Transcript, describe, shown

HTTP_ROOT = PROJECT_ROOT / "fixtures" / "http"
LARGE_SIZE = 3 * 1024 * 1024


def large_body() -> bytes:
    """3 MiB of deterministic pseudo-random bytes (every byte value occurs)."""
    blocks = [hashlib.sha256(b"netconform %d" % i).digest() for i in range(LARGE_SIZE // 32)]
    return b"".join(blocks)


#: After a client has read a fragment, the pause before the next one: it then arrives in a read of its own.
GAP = 0.02


class GreetingFixture:
    """A greeting server that sends ``pieces`` to each client, then closes.

    With a ``pause``, each fragment after the first waits until the client has read the
    one before (its socket's receive queue is empty; ``pause`` seconds at most), then
    :data:`GAP` seconds more: the fragments reach the client's reads apart, as if they
    were ``pause`` seconds apart, without the client waiting that long.
    """

    def __init__(self, pieces: list[bytes], *, pause: float = 0.0, port: int = 0,
                 transcript: Transcript | None = None, transport: str = "tcp") -> None:
        self.pieces = pieces
        self.pause = pause
        self.transcript = transcript or Transcript()
        self.folder = socket_folders.folder() if transport in ("unix", "unixgram") else None
        datagram = transport in ("udp", "unixgram")
        kind = socket.SOCK_DGRAM if datagram else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_UNIX if self.folder else socket.AF_INET, kind)
        self.path: str | None
        if self.folder is not None:
            self.path = str(self.folder / "server.sock")
            self.sock.bind(self.path)
            self.port = 0
        else:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", port))
            self.port = int(self.sock.getsockname()[1])
            self.path = None
        if not datagram:
            self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.served = 0
        self.senders: list[object] = []  # each datagram's sender address, as recvfrom() gave it
        self._stop = threading.Event()
        self._wake = os.pipe()
        self._thread = threading.Thread(target=self._answer if datagram else self._serve, daemon=True,
                                        name="greeting-fixture")
        self._thread.start()

    def _ready(self) -> bool:
        """Wait until a client (or datagram) comes: True, or until :meth:`close`: False."""
        while not self._stop.is_set():
            readable, _, _ = select.select([self.sock.fileno(), self._wake[0]], [], [], 1.0)
            if self._wake[0] in readable:
                return False
            if readable:
                return True
        return False

    def _answer(self) -> None:
        """Datagrams: answer each with the greeting in one datagram (it cannot travel in fragments)."""
        while self._ready():
            try:
                data, addr = self.sock.recvfrom(65536)
            except (TimeoutError, OSError):
                continue
            self.senders.append(addr)
            self.transcript.add("server", f"received a datagram of {describe(data)} from "
                                          f"{shown(addr) if addr else '(no address)'}")
            if not addr:
                self.transcript.add("server", "cannot answer: the client bound no path (it has no address)")
            elif isinstance(addr, str) and not socket_folders.inside(addr):
                self.transcript.add("server", f"not answered: {addr} is outside netconform's folder (bind a path "
                                              "under $TMPDIR)")
            else:
                try:
                    self.sock.sendto(b"".join(self.pieces), addr)
                    self.transcript.add("server", f"sent {describe(b''.join(self.pieces))} to {shown(addr)}")
                except OSError as exc:
                    self.transcript.add("server", f"sending failed: {exc}")
            self.served += 1

    def _serve(self) -> None:
        while self._ready():
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.transcript.add("server", f"accepted {shown(addr) if isinstance(addr, tuple) else 'a Unix client'}")
            with conn:
                try:
                    for n, piece in enumerate(self.pieces):
                        if n and self.pause:  # the scenario: fragments travel apart, each read on its own
                            if self.port:
                                socket_tables.wait_read(addr[1], self.port, timeout=self.pause)  # the last one was read
                            else:  # a Unix socket's unread bytes: its send queue (SIOCOUTQ)
                                _wait_drained(conn, self.pause)
                            time.sleep(GAP)
                        conn.sendall(piece)
                        self.transcript.add("server", f"sent {describe(piece)}")
                    conn.shutdown(socket.SHUT_WR)
                    self.transcript.add("server", "closed (FIN)")
                except OSError as exc:
                    self.transcript.add("server", f"sending failed: {exc}")
            self.served += 1

    def close(self) -> None:
        self._stop.set()
        os.write(self._wake[1], b"x")  # the thread returns at once, not at its next timeout
        self._thread.join(5)
        for fd in self._wake:
            os.close(fd)
        self.sock.close()
        socket_folders.remove(self.folder)

    def __enter__(self) -> GreetingFixture:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _wait_drained(conn: socket.socket, timeout: float) -> None:
    """Wait until the peer has read everything sent on ``conn`` (a Unix stream socket), at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = socket_tables.unix_unread(conn)
        if left is None:  # the platform cannot see it: as far apart as the scenario says
            time.sleep(max(0.0, deadline - time.monotonic()))
        elif not left:
            return
        time.sleep(0.002)


def refused_path() -> str:
    """A Unix socket path nothing is bound to, inside netconform's folder."""
    return str(socket_folders.root() / "nobody-here.sock")


def refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed, without listening)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: HttpFixture._Server

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, directory=str(HTTP_ROOT), **kwargs)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:
        self.server.log.append(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

    def _send(self, status: int, body: bytes, *, length: int | None = None, chunked: bool = False,
              content_type: str = "application/octet-stream") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        if chunked:
            for start in range(0, len(body), 100):
                part = body[start:start + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)
        self.close_connection = True

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/large.bin":
            self._send(200, self.server.large)
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._send(code, f"<h1>{code}</h1>".encode(), content_type="text/html")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/index.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path.startswith(("/chunked/", "/short/")):
            kind, name = path[1:].split("/", 1)
            body = (HTTP_ROOT / name).read_bytes()
            if kind == "chunked":
                self._send(200, body, chunked=True)
            else:
                self._send(200, body, length=len(body) + 100)
        else:
            super().do_GET()


class HttpFixture:
    """The HTTP fixture server, on 127.0.0.1 with a free port, in a thread."""

    class _Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True
        log: list[str]
        large: bytes

    def __init__(self) -> None:
        self.server = self._Server(("127.0.0.1", 0), _Handler)
        self.server.log = []
        self.server.large = large_body()
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name="http-fixture")
        self._thread.start()

    def url(self, path: str) -> str:
        """``http://127.0.0.1:PORT/path``."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def body(self, path: str) -> bytes:
        """What the server sends as the body of ``path`` (a file under fixtures/http, or large.bin)."""
        if path.lstrip("/") == "large.bin":
            return self.server.large
        return (HTTP_ROOT / path.lstrip("/")).read_bytes()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@contextmanager
def http_fixture() -> Iterator[HttpFixture]:
    """Run the HTTP fixture server for the duration of the ``with`` block."""
    server = HttpFixture()
    try:
        yield server
    finally:
        server.close()


def file_url(path: Path) -> str:
    """A ``file:`` URL for a local path."""
    return path.resolve().as_uri()
