"""Loopback-only test clients that keep a transcript of what crossed the wire.

Every client refuses any address that is not loopback. Reads have timeouts and say
how the stream ended: ``eof`` (an orderly FIN), ``reset`` (RST), ``timeout`` (nothing
more within the time allowed) or ``limit``. Once the server's FIN has arrived (read or
not: the TCP state is CLOSE_WAIT) a client closes abortively (SO_LINGER 0): the server
closed first, so an orderly close would leave the server's side in TIME_WAIT and stop
the book's servers (no SO_REUSEADDR) from binding their fixed port again for a minute.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from ..platform import socket_tables
from .transcripts import Transcript as Transcript  # where it lived: `from .streams import Transcript` works

#: How long a client waits for the server to read one segment before sending the next (``wait_taken``).
SEGMENT_WAIT = 0.05
#: Between segments to a server found not reading: they are kept apart in time only.
SEGMENT_GAP = 0.002
#: Between segments where the platform cannot see the server's receive queue (the portable one):
#: a server that is off the CPU longer than this may read two segments in one read.
SEGMENT_PAUSE = 0.01

#: How a read ended: an orderly FIN, a reset (RST), nothing more in time, or its size limit.

End = Literal["eof", "reset", "timeout", "limit"]


def is_loopback(host: str) -> bool:
    """Is ``host`` a loopback IP address (127.0.0.0/8, ::1, ::ffff:127.x)?"""
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return bool(addr.is_loopback or (mapped is not None and mapped.is_loopback))


class NotLoopback(RuntimeError):
    """Raised instead of ever sending traffic to an address that is not loopback."""


def describe(data: bytes, limit: int = 120) -> str:
    """``b'Thank you...'`` (N bytes), cut to ``limit`` characters of repr."""
    text = repr(data)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({len(data)} byte{'s' if len(data) != 1 else ''})"


@dataclass
class Received:
    """What one read collected, and how it stopped."""

    data: bytes
    end: End
    elapsed: float

    @property
    def closed(self) -> bool:
        """Did the peer close the connection (orderly or not)?"""
        return self.end in ("eof", "reset")

    def describe_end(self) -> str:
        """How the read ended, in words."""
        return {
            "eof": "then the server closed the connection (orderly, FIN)",
            "reset": "then the connection was reset (RST)",
            "timeout": f"then nothing more for {self.elapsed:.1f}s; the connection stayed open",
            "limit": "then the read stopped at its size limit",
        }[self.end]


#: Where a socket is: a loopback ``(host, port)``, or a Unix socket path.
Address = tuple[str, int] | str


def shown(address: Address) -> str:
    """``127.0.0.1:50000``, or the path (``(no path)`` for an unbound Unix socket)."""
    if isinstance(address, str):
        return address or "(no path)"
    return f"{address[0]}:{address[1]}"


def check_loopback(address: Address) -> None:
    """Refuse (NotLoopback) an IP address that is not loopback; Unix paths are the caller's to check."""
    if isinstance(address, tuple) and not is_loopback(address[0]):
        raise NotLoopback(f"refusing to connect to {shown(address)}: netconform only talks to loopback")


class Client:
    """One stream connection (TCP on loopback, or a Unix socket path), recorded in a transcript.

    ``bind``: over a Unix socket, the path this client binds first, so that the server sees
    an address of its own for it (``''`` when it binds none, as most Unix clients).
    """

    def __init__(
        self, address: Address, *, timeout: float, transcript: Transcript | None = None, label: str = "client",
        bind: str | None = None,
    ) -> None:
        check_loopback(address)
        self.address = address
        self.timeout = timeout
        self.transcript = transcript or Transcript()
        self.label = label
        self.saw_eof = False
        self.closed = False
        self.stalled = False  # the server did not read a segment in time (wait_taken)
        self.tcp = isinstance(address, tuple)
        family = socket.AF_UNIX if not self.tcp else socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if self.tcp:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        elif bind is not None:
            self.sock.bind(bind)
        self.reset_at_connect = False
        try:
            self._connect(timeout)
        except ConnectionResetError:
            # accepted, and reset before connect() returned (a server that closes with RST at once):
            # a connection that ends in a reset, which the specs judge like any other
            self.reset_at_connect = True
        except OSError as exc:
            self.transcript.add(label, f"connect to {shown(address)} failed: {exc}")
            self.sock.close()
            self.closed = True
            raise
        self.local: Address
        try:
            name = self.sock.getsockname()
            self.local = name[:2] if self.tcp else str(name or "")
        except OSError:
            self.local = ("", 0) if self.tcp else ""
        self.transcript.add(label, f"connected from {shown(self.local)} to {shown(address)}")
        self.before_reset = self._queued() if self.reset_at_connect else b""
        if self.reset_at_connect:
            self.transcript.add(label, f"connection reset by the server (RST) as it was accepted, after "
                                f"{describe(self.before_reset)}")

    def _queued(self) -> bytes:
        """What the server sent before a reset that connect() reported. connect() with a timeout waits, then reads
        the socket's pending error (SO_ERROR), which clears it: on a busy machine the server may have accepted,
        sent its greeting and reset before this client's thread looked, and those bytes are still queued."""
        queued = bytearray()
        self.sock.setblocking(False)
        with contextlib.suppress(OSError):
            while chunk := self.sock.recv(65536):
                queued += chunk
        return bytes(queued)

    def _connect(self, timeout: float) -> None:
        """Connect; over a Unix socket whose accept queue is full, wait for room as a blocking
        connect() would (a socket with a timeout gets EAGAIN at once instead)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(self.address)
                return
            except BlockingIOError:
                if self.tcp or time.monotonic() > deadline:
                    raise
                time.sleep(0.002)

    @property
    def port(self) -> int:
        """This client's own (ephemeral) port (0 over a Unix socket)."""
        return int(self.local[1]) if isinstance(self.local, tuple) else 0

    @property
    def peer_name(self) -> Address:
        """What the server should log for this client: ``(host, port)``, or its path over a Unix socket."""
        return (str(self.local[0]), int(self.local[1])) if isinstance(self.local, tuple) else self.local

    @property
    def known(self) -> bool:
        """Does the server see an address of its own for this client (a port, a bound path)?"""
        return bool(self.port) if self.tcp else bool(self.local)

    def send(self, data: bytes) -> bool:
        """Send all of ``data`` (TCP_NODELAY is on, so small writes leave at once).

        Returns False, and records why, if the server had already closed or reset the
        connection: a spec decides whether that matters.
        """
        try:
            self.sock.sendall(data)
        except OSError as exc:
            self.transcript.add(self.label, f"could not send {describe(data)}: {exc}")
            return False
        self.transcript.add(self.label, f"sent {describe(data)}")
        return True

    def wait_taken(self, timeout: float = SEGMENT_WAIT) -> None:
        """Wait (at most ``timeout``) until the server has read everything this client sent, so that
        what it sends next reaches the server in a read of its own. Over TCP: the server socket's
        receive queue; over a Unix socket: ours, the bytes the peer has not taken yet (both from the
        platform; where it cannot see them, a pause of SEGMENT_PAUSE). A server that does not read costs
        ``timeout`` once: after that the segments are only kept apart in time (SEGMENT_GAP), as a
        stalled reader would see them anyway."""
        if self.stalled:
            time.sleep(SEGMENT_GAP)
            return
        deadline = time.monotonic() + timeout
        while not self.closed:
            if isinstance(self.address, tuple) and isinstance(self.local, tuple):
                left = socket_tables.receive_queue(self.address, (str(self.local[0]), int(self.local[1])))
            else:
                left = socket_tables.unix_unread(self.sock)
            if left is None:  # the platform cannot see it: the segments are kept apart in time
                time.sleep(SEGMENT_PAUSE)
                return
            if not left:
                return
            if time.monotonic() > deadline:
                self.stalled = True
                self.transcript.add(self.label, f"the server did not read what it received within {timeout:g}s")
                return
            time.sleep(0.0002)

    def peer_closed(self) -> bool:
        """Has the server's FIN arrived (TCP state CLOSE_WAIT)? (the platform's ``peer_closed``)"""
        if self.closed or not self.tcp:  # a Unix socket has no TIME_WAIT to avoid
            return False
        return socket_tables.peer_closed(self.sock)

    def half_close(self) -> bool:
        """Shut down our sending side (FIN); we can still read. False if already disconnected."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            self.transcript.add(self.label, f"could not half-close: {exc}")
            return False
        self.transcript.add(self.label, "half-closed (shutdown SHUT_WR, FIN sent)")
        return True

    def half_close_unless_closed(self) -> bool:
        """Half-close, unless the server has closed already: then reset (True: half-closed).

        A server that closed its socket no longer sees the client's FIN, which would only put
        its side in TIME_WAIT (the book's fixed-port servers then cannot restart for a minute).
        The look and the FIN are two steps: callers pause the server around them
        (``signals.paused``), or it may close in between.
        """
        if self.peer_closed():
            self.transcript.add(self.label, "the server had closed already: reset instead of half-closing")
            self.abort()
            return False
        return self.half_close()

    def read(self, *, timeout: float | None = None, limit: int = 1 << 20, settle: float | None = None,
             at_least: int | None = None) -> Received:
        """Read until end-of-file, reset, ``limit`` bytes, or ``timeout``.

        ``at_least``: return as soon as that many bytes arrived. ``settle``: once some
        data arrived, wait at most this long for more (an answer that never closes
        costs ``settle`` seconds, not the whole timeout).
        """
        if self.reset_at_connect:  # what was queued before the reset, once
            queued, self.before_reset = self.before_reset, b""
            return Received(queued, "reset", 0.0)
        timeout = self.timeout if timeout is None else timeout
        start = time.monotonic()
        deadline = start + timeout
        buf = bytearray()
        end: End = "timeout"
        while True:
            now = time.monotonic()
            wait = deadline - now
            if settle is not None and buf:
                wait = min(wait, settle)
            if wait <= 0:
                break
            self.sock.settimeout(wait)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                end = "reset"
                self.transcript.add(self.label, "connection reset by the server (RST)")
                break
            if not chunk:
                end = "eof"
                self.saw_eof = True
                self.transcript.add(self.label, "received end-of-file (orderly close, FIN)")
                break
            buf += chunk
            self.transcript.add(self.label, f"received {describe(chunk)}")
            if len(buf) >= limit or (at_least is not None and len(buf) >= at_least):
                end = "limit"
                break
        elapsed = time.monotonic() - start
        if end == "timeout":
            self.transcript.add(self.label, f"nothing more within {elapsed:.1f}s")
        return Received(bytes(buf), end, elapsed)

    def abort(self) -> None:
        """Close with SO_LINGER 0: the server gets a reset (RST) and no TIME_WAIT remains."""
        if self.closed:
            return
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()
        self.closed = True
        if self.tcp:
            self.transcript.add(self.label, "reset the connection (close with SO_LINGER 0, RST)")
        else:  # a Unix socket has no reset: the server's next read sees end-of-file, or ECONNRESET if it
            self.transcript.add(self.label, "closed abruptly (unread data discarded)")

    def close(self, *, orderly: bool = False) -> None:
        """Close: abortively if the server already closed (see the module doc), else orderly (FIN).

        An end-of-file that arrived but was not read yet counts: closing with FIN after
        the server's FIN would put the server's side in TIME_WAIT. ``orderly`` forces a
        FIN, for scenarios where a reset could make the server lose data it has not read.
        """
        if self.closed:
            return
        if not orderly and (self.saw_eof or self.peer_closed()):
            self.abort()
            return
        self.sock.close()
        self.closed = True
        self.transcript.add(self.label, "closed (FIN)")

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
