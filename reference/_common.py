"""What every reference server shares: the greeting, the log lines, reading and closing, the command line.

Only the concurrency mechanics differ between the modules of one role; everything
observable that is not mechanics lives here once (opening a transport, and the datagram
greeting's answer, in ``_transport.py``; what the clients share in ``_clients.py``).

``GREETING`` is the greeting's 24 bytes, ASCII and without a newline: what every greeting
server sends and every datagram reply holds.

Realises: GREET-1
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from typing import IO, NamedTuple, Protocol

from ._framing import LineBuffer

GREETING = b"Thank you for connecting"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1234  # the book's port
RECV_SIZE = 65536  # one read at most, as Twisted's ``bufferSize``: every model splits input alike


#: Where a server listens or a client connects: ``(host, port)``, or a Unix socket path.
Where = tuple[str, int] | str
#: A peer's address as ``accept()``/``recvfrom()`` give it: a tuple over IP, a path (``''``
#: for a Unix client that did not bind one), or None (a Unix datagram sender without a path).
PeerAddress = tuple[object, ...] | str | bytes | None


def peer(address: PeerAddress) -> tuple[str, int] | str | None:
    """Normalise a peer address: the book's ``(host, port)`` tuple (IPv6 extras dropped) over
    IP; the socket path as a str over Unix sockets (``''``: the client bound none); None as is.

    ``''`` is an address like any other: a client that bound no path is served as any client is.

    Realises: UNIX-1
    """
    if address is None or isinstance(address, str):
        return address
    if isinstance(address, bytes):  # an abstract-namespace or undecodable path
        return address.decode("utf-8", "surrogateescape")
    return (str(address[0]), int(str(address[1])))


def shown(address: PeerAddress) -> str:
    """An address as the book's ``print`` shows it: ``('127.0.0.1', 50000)``, a bare path, ``''``
    as nothing (``print 'Got connection from', ''`` ends with the space), None as ``None``."""
    normal = peer(address)
    return repr(normal) if isinstance(normal, tuple) else str(normal)


_log_threads = threading.Lock()  # one log line at a time from this process's threads
_log_processes: IO[bytes] | None = None  # ... and from its forked children: share_log_with_children()


def share_log_with_children() -> None:
    """Keep every log line whole while forked children log at once; call before forking.

    A line longer than PIPE_BUF (4096 bytes on Linux) reaches a pipe in pieces, so a
    child's line could be split by another child's. From now on each line is written
    holding a POSIX lock (``fcntl.lockf``) on an anonymous temporary file: such a lock
    belongs to one process, so the children exclude one another, and the kernel
    releases it if its holder dies.

    Realises: CONC-2, LINE-5
    """
    import tempfile  # here: only a forking model needs it, and every reference's start-up pays for imports

    global _log_processes
    _log_processes = tempfile.TemporaryFile()  # noqa: SIM115 (open for the life of the process)


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """Write one log line at a time: long lines written at once would interleave in a pipe.

    Realises: CONC-2, LINE-5
    """
    with _log_threads:
        if _log_processes is None:
            yield
            return
        import fcntl  # POSIX only, like fork() itself

        fcntl.lockf(_log_processes, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(_log_processes, fcntl.LOCK_UN)


def log(line: str) -> None:
    """Print one log line and flush it, so a reader on a pipe sees it at once.

    One ``write`` of the whole line (``print`` writes the text and the newline
    separately, so lines from threads or forked children could interleave); a line
    shorter than PIPE_BUF reaches a pipe atomically.

    Realises: LOG-5, CONC-2
    """
    with _exclusive():
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log_connection(address: PeerAddress) -> None:
    """``Got connection from ('127.0.0.1', 50000)``: the book's first log line (over a Unix
    socket, ``Got connection from /path/of/client.sock``: ``print`` shows a str bare).

    Realises: GREET-9, LOG-1, LOG-3
    """
    log(f"Got connection from {shown(address)}")


def log_data(data: bytes) -> None:
    """The book's ``print data``: the received chunk as text, then a newline.

    Written under the log lock: a chunk longer than PIPE_BUF is not atomic on a pipe. The
    bytes are written as they came, never decoded: invalid UTF-8 cannot stop the server.

    Realises: LOG-2, LOG-4, LOG-5
    """
    with _exclusive():
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.buffer.flush()


def log_disconnection(address: PeerAddress) -> None:
    """``('127.0.0.1', 50000) disconnected``: the book's last log line (a path over Unix sockets).

    Realises: DISC-1, LOG-3
    """
    log(f"{shown(address)} disconnected")


class Client(NamedTuple):
    """An accepted client: its socket, and the address ``accept()`` gave for it.

    Logs use this address: ``getpeername()`` fails once the client has reset. Each client
    keeps its own, so whoever leaves is logged with the address it came with.

    Realises: DISC-4
    """

    conn: socket.socket
    address: PeerAddress


def accept(listener: socket.socket, *, blocking: bool = True) -> Client | None:
    """Accept one client, make its socket (non-)blocking and log its connection; None if
    there was none to accept after all, or it was already gone."""
    try:
        conn, address = listener.accept()
    except OSError:
        return None
    conn.setblocking(blocking)
    log_connection(address)
    return Client(conn, address)


def accept_greeted(listener: socket.socket, pending: dict[socket.socket, bytes]) -> socket.socket | None:
    """Accept one client non-blocking (``accept``) and queue its greeting in ``pending``; None if none.

    The greeting is queued at once: it does not wait for the client to send anything.

    Realises: GREET-2
    """
    client = accept(listener, blocking=False)
    if client is None:
        return None
    pending[client.conn] = GREETING
    return client.conn


def flush(conn: socket.socket, pending: dict[socket.socket, bytes]) -> bool:
    """Send what ``conn`` takes of its pending output; True once it is done with.

    Once all is sent, shut our side down (FIN): a bare close would reset the connection
    if the client had sent something we did not read. A client that reset or went away
    is done with, not an error that stops the server.

    Realises: GREET-3, GREET-4, GREET-7, GREET-8
    """
    try:
        sent = conn.send(pending[conn])
        pending[conn] = pending[conn][sent:]
        if not pending[conn]:
            conn.shutdown(socket.SHUT_WR)
    except BlockingIOError:  # not writable after all: try again later
        return False
    except OSError:  # the client reset or went away: nothing to tell it
        return True
    return not pending[conn]


def log_lines(lines: LineBuffer, data: bytes) -> bool:
    """Feed a client's chunk to its line buffer and log each complete line (``print line``).

    True if a line was too long: the caller then drops that client, as LineReceiver does.
    """
    complete, exceeded = lines.feed(data)
    for line in complete:
        log_data(line)
    return exceeded


def receive(conn: socket.socket) -> bytes | None:
    """One ``recv()`` from a client: ``b""`` once it has gone (end-of-file, reset or other
    error), None if a non-blocking socket has nothing to read after all.

    Realises: DISC-3
    """
    try:
        return conn.recv(RECV_SIZE)
    except BlockingIOError:
        return None
    except OSError:  # ConnectionResetError included: the client is gone
        return b""


class Connection(Protocol):
    """What ``hang_up`` needs of a client's socket: a standard library socket, or a library's
    socket object with the same two methods (trio's and gevent's)."""

    def shutdown(self, how: int, /) -> None: ...

    def close(self) -> None: ...


def hang_up(conn: Connection, address: PeerAddress) -> None:
    """Log that the client left, then close as Twisted's ``loseConnection`` does: shut down
    both directions (FIN) and close, releasing the descriptor even after a reset.

    Realises: DISC-3, RES-2
    """
    log_disconnection(address)
    with contextlib.suppress(OSError):  # ENOTCONN: the client reset, nothing to shut down
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1) and ``--port`` (default 1234; 0 picks a free one), or
    ``--unix PATH``; ``args.where`` is then ``(host, port)`` or the path."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to bind, 0 for any free port")
    parser.add_argument("--unix", metavar="PATH", help="bind this Unix socket path instead of an IP port")
    args = parser.parse_args(argv)
    args.where = args.unix if args.unix is not None else (args.host, args.port)
    return args


def announce(address: PeerAddress) -> None:
    """Tell a human where we listen (on stderr: stdout is the log the specs read)."""
    normal = peer(address)
    where = f"{normal[0]}:{normal[1]}" if isinstance(normal, tuple) else normal
    print(f"Listening on {where}", file=sys.stderr, flush=True)


def log_datagram(data: bytes, address: PeerAddress) -> None:
    """``log_connection(address)`` then ``log_data(data)``, both under one hold of the log lock:
    a datagram's two lines stay together while threads or forked children log others.

    Realises: DGRAM-2
    """
    with _exclusive():
        sys.stdout.write(f"Got connection from {shown(address)}\n")
        sys.stdout.flush()
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.buffer.flush()
