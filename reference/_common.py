"""What every reference server shares: the greeting, the log lines, reading and closing, the command line.

Only the concurrency mechanics differ between the modules of one role; everything
observable that is not mechanics lives here once.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import socket
import socketserver
import sys
import tempfile
import threading
from collections.abc import Iterator
from email.message import Message
from typing import IO, NamedTuple

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
    IP; the socket path as a str over Unix sockets (``''``: the client bound none); None as is."""
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
    """
    global _log_processes
    _log_processes = tempfile.TemporaryFile()  # noqa: SIM115 (open for the life of the process)


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """Write one log line at a time: long lines written at once would interleave in a pipe."""
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
    """
    with _exclusive():
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log_connection(address: PeerAddress) -> None:
    """``Got connection from ('127.0.0.1', 50000)``: the book's first log line (over a Unix
    socket, ``Got connection from /path/of/client.sock``: ``print`` shows a str bare)."""
    log(f"Got connection from {shown(address)}")


def log_data(data: bytes) -> None:
    """The book's ``print data``: the received chunk as text, then a newline.

    Written under the log lock: a chunk longer than PIPE_BUF is not atomic on a pipe.
    """
    with _exclusive():
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.buffer.flush()


def log_disconnection(address: PeerAddress) -> None:
    """``('127.0.0.1', 50000) disconnected``: the book's last log line (a path over Unix sockets)."""
    log(f"{shown(address)} disconnected")


class Client(NamedTuple):
    """An accepted client: its socket, and the address ``accept()`` gave for it.

    Logs use this address: ``getpeername()`` fails once the client has reset.
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
    """Accept one client non-blocking (``accept``) and queue its greeting in ``pending``; None if none."""
    client = accept(listener, blocking=False)
    if client is None:
        return None
    pending[client.conn] = GREETING
    return client.conn


def flush(conn: socket.socket, pending: dict[socket.socket, bytes]) -> bool:
    """Send what ``conn`` takes of its pending output; True once it is done with.

    Once all is sent, shut our side down (FIN): a bare close would reset the connection
    if the client had sent something we did not read.
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
    error), None if a non-blocking socket has nothing to read after all."""
    try:
        return conn.recv(RECV_SIZE)
    except BlockingIOError:
        return None
    except OSError:  # ConnectionResetError included: the client is gone
        return b""


def hang_up(conn: socket.socket, address: PeerAddress) -> None:
    """Log that the client left, then close as Twisted's ``loseConnection`` does: shut down
    both directions (FIN) and close, releasing the descriptor even after a reset."""
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


# --- Transports: one place that opens a TCP/UDP port or a Unix socket path (stream or datagram).


def family_of(where: Where) -> socket.AddressFamily:
    """AF_UNIX for a path, AF_INET6 for an IPv6 host, AF_INET otherwise."""
    if isinstance(where, str):
        return socket.AF_UNIX
    return socket.AF_INET6 if ":" in where[0] else socket.AF_INET


def claim_path(path: str) -> None:
    """Make ``path`` free to bind: remove a stale socket file that nothing listens on any more.

    Anything else at ``path`` is not ours to delete: a regular file, a folder, or the socket of
    a server that is still running there. Then exit with a message (status 1), leaving it be.
    """
    import os
    import stat

    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise SystemExit(f"{path} exists and is not a socket: refusing to remove it (choose another path)")
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_UNIX, kind) as probe:
            try:
                probe.connect(path)
            except ConnectionRefusedError:
                continue  # nobody there with this kind of socket
            except OSError as exc:
                if exc.errno == errno.EPROTOTYPE:  # a socket of the other kind: ask again with it
                    continue
                raise
            raise SystemExit(f"{path}: another server is listening there: refusing to remove it")
    os.unlink(path)  # a stale socket file: a server that ended without removing it


@contextlib.contextmanager
def owned_path(where: Where) -> Iterator[None]:
    """For a Unix path: claim it before binding (``claim_path``) and remove it afterwards, if it is
    still the socket file this process made (forked children leave it alone); no-op for a port."""
    if not isinstance(where, str):
        yield
        return
    import os

    claim_path(where)
    owner = os.getpid()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.getpid() == owner and stat_is_socket(where):
                os.unlink(where)


def stat_is_socket(path: str) -> bool:
    """Is ``path`` a socket file?"""
    import os
    import stat

    return stat.S_ISSOCK(os.lstat(path).st_mode)


def serve_with(where: Where, handler: type[socketserver.BaseRequestHandler],
               tcp: type[socketserver.BaseServer], unix: type[socketserver.BaseServer]) -> None:
    """Serve ``handler`` with socketserver until interrupted: the ``tcp`` server class (TCP or UDP) on a
    ``(host, port)``, the ``unix`` one on a path (claimed before binding, removed after)."""
    with owned_path(where):
        server = unix(where, handler) if isinstance(where, str) else tcp(where, handler)
        with server:
            announce(server.socket.getsockname())  # type: ignore[attr-defined]
            server.serve_forever()


@contextlib.contextmanager
def listen_stream(where: Where) -> Iterator[socket.socket]:
    """A listening stream socket on ``where`` (TCP with SO_REUSEADDR, or a Unix path), backlog
    SOMAXCONN; closed (and its path removed) on exit."""
    with owned_path(where), socket.socket(family_of(where), socket.SOCK_STREAM) as listener:
        if not isinstance(where, str):
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(where)
        listener.listen(socket.SOMAXCONN)
        yield listener


@contextlib.contextmanager
def bind_datagram(where: Where) -> Iterator[socket.socket]:
    """A datagram socket bound to ``where`` (a UDP port or a Unix path); closed (and its path
    removed) on exit."""
    with owned_path(where), socket.socket(family_of(where), socket.SOCK_DGRAM) as sock:
        sock.bind(where)
        yield sock


#: The largest datagram a reply loop must take whole: the largest UDP payload over IPv4.
DATAGRAM_MAX = 65507


#: Send without waiting: absent on Windows (which has no Unix datagrams, and UDP never waits for a receiver).
_DONTWAIT: int = getattr(socket, "MSG_DONTWAIT", 0)


def reply_to(sock: socket.socket, address: PeerAddress) -> bool:
    """Send the greeting in one datagram to ``address``; False if it cannot be answered.

    A Unix datagram sender that bound no path has no address (None, or ``''``): nothing can
    reach it. A sender that has gone (its path removed: ENOENT or ECONNREFUSED) is no reason
    to stop serving the others. Nor is one that does not read its replies: the send never
    waits (MSG_DONTWAIT), so a reply to a Unix sender whose queue is full is dropped (EAGAIN),
    as UDP drops what a receiver has no room for, rather than blocking the server (or one of
    its threads or children) until that sender reads; a non-blocking model would otherwise
    have to queue it (asyncio's transport then retries it in a busy loop, holding up every
    reply after it).
    """
    if not address:
        return False
    try:
        sock.sendto(GREETING, _DONTWAIT, address)
    except OSError:
        return False
    return True


def answer(sock: socket.socket, data: bytes, address: PeerAddress) -> bool:
    """Answer one datagram received on ``sock``: log its sender and its content (an empty
    datagram is an empty line: it ends nothing), then reply with the greeting (``reply_to``);
    False if the sender could not be answered."""
    log_datagram(data, address)
    return reply_to(sock, address)


def log_datagram(data: bytes, address: PeerAddress) -> None:
    """``log_connection(address)`` then ``log_data(data)``, both under one hold of the log lock:
    a datagram's two lines stay together while threads or forked children log others."""
    with _exclusive():
        sys.stdout.write(f"Got connection from {shown(address)}\n")
        sys.stdout.flush()
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.buffer.flush()


def answer_next(sock: socket.socket) -> bool:
    """Receive one datagram on ``sock`` and answer it; False once a non-blocking socket has none
    left (a blocking one waits for the next).

    ``RECV_SIZE`` exceeds ``DATAGRAM_MAX``: no UDP datagram is truncated. A failed receive (a
    pending error, e.g. ECONNREFUSED from an ICMP error) is skipped: no reason to stop serving.
    """
    try:
        data, address = sock.recvfrom(RECV_SIZE)
    except BlockingIOError:
        return False
    except OSError:
        return True
    answer(sock, data, address)
    return True


# --- Clients: the greeting clients' command line and the one-line error messages of every client.


def parse_client_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1) and ``--port`` (default 1234) of the server to connect to, or
    ``--unix PATH``; ``--datagram`` for UDP or Unix datagrams. ``args.where``: ``(host, port)`` or
    the path; ``args.shown``: it as ``host:port`` or the path, for messages."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=DEFAULT_HOST, help="server address (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="server port (default %(default)s)")
    parser.add_argument("--unix", metavar="PATH", help="the server's Unix socket path instead of an IP port")
    parser.add_argument("--datagram", action="store_true", help="use datagrams (UDP, or Unix datagrams)")
    args = parser.parse_args(argv)
    args.where = args.unix if args.unix is not None else (args.host, args.port)
    args.shown = args.unix if args.unix is not None else f"{args.host}:{args.port}"
    return args


def describe(error: BaseException) -> str:
    """A short lower-case phrase for ``error``: ``connection refused``, ``HTTP Error 404: Not Found``.

    An OSError with an errno is named by the errno alone (asyncio's ``Connect call failed
    (...)`` becomes ``connection refused``, as the blocking socket says); a resolver error
    by its text; anything else by its message, or its class name if it has none.
    """
    import http.client
    import os
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return str(error)  # HTTP Error 404: Not Found
    if isinstance(error, urllib.error.URLError):  # ContentTooShortError included
        reason = error.reason
        return describe(reason) if isinstance(reason, BaseException) else str(reason)
    if isinstance(error, socket.gaierror):
        text = str(error.strerror or error)
    elif isinstance(error, OSError) and isinstance(error.errno, int) and error.errno > 0:
        text = os.strerror(error.errno)
    elif isinstance(error, http.client.IncompleteRead):
        text = incomplete(len(error.partial), len(error.partial) + (error.expected or 0))
    else:
        text = str(error) or type(error).__name__
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def cannot_connect(prog: str, where: str, error: BaseException) -> str:
    """``greeting_client: cannot connect to 127.0.0.1:1234: connection refused``; ``where`` is the
    server as ``args.shown`` gives it (``host:port``, or a Unix socket path)."""
    return f"{prog}: cannot connect to {where}: {describe(error)}"


def connection_lost(prog: str, where: str, error: BaseException) -> str:
    """``greeting_client: connection to 127.0.0.1:1234 lost: connection reset by peer``; ``where``
    as for ``cannot_connect``."""
    return f"{prog}: connection to {where} lost: {describe(error)}"


# --- Datagram clients: one request datagram, one reply datagram, and a path of their own over Unix.

#: What a datagram client sends to ask for the greeting: a server answers the datagram's sender.
GREETING_REQUEST = b"Hello"
#: How long a datagram client waits for the reply, in seconds (a datagram may be lost: no FIN to wait for).
REPLY_TIMEOUT = 10.0


def no_reply(prog: str, where: str) -> str:
    """``greeting_client: no reply from 127.0.0.1:1234 within 10s``."""
    return f"{prog}: no reply from {where} within {REPLY_TIMEOUT:g}s"


def udp_address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[str, int]]:
    """The first address ``getaddrinfo`` gives for a UDP server, as ``(family, (ip, port))``.

    Raises ``socket.gaierror`` if ``host`` does not resolve. An IPv6 address keeps only its
    host and port (flow info and scope dropped, so ``fe80::1%eth0`` loses its scope).
    """
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    return family, (str(address[0]), int(address[1]))


@contextlib.contextmanager
def private_client_path() -> Iterator[str]:
    """A path for a Unix datagram client to bind, so that the server can answer it.

    ``<folder>/client.sock`` in a fresh private folder (``tempfile.mkdtemp``: mode 0700, so
    no other user can send to it); the socket file (if bound) and the folder are removed on
    exit, whatever happened.
    """
    import os

    folder = tempfile.mkdtemp(prefix="ncc-")
    path = os.path.join(folder, "client.sock")
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def print_greeting(data: bytes) -> None:
    """The book's ``print s.recv(1024)``: the text received (as UTF-8), then a newline.

    Written as UTF-8 whatever the locale, so the output is the greeting's bytes plus
    ``\\n`` (invalid UTF-8 becomes U+FFFD rather than a traceback).
    """
    sys.stdout.buffer.write(data.decode("utf-8", errors="replace").encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def fail(message: str) -> int:
    """Print one readable line on stderr (no traceback) and return exit status 1."""
    print(message, file=sys.stderr, flush=True)
    return 1


def url_failed(prog: str, url: str, error: BaseException) -> int:
    """``fetch: HTTP Error 404: Not Found for http://...`` on stderr; exit status 1."""
    return fail(f"{prog}: {describe(error)} for {url}")


def incomplete(received: int, expected: int) -> str:
    """urlretrieve's words for a short body: ``retrieval incomplete: got only 5 out of 100 bytes``."""
    return f"retrieval incomplete: got only {received} out of {expected} bytes"


def check_complete(url: str, headers: Message, received: int) -> None:
    """Raise ``ContentTooShortError`` if fewer bytes came than ``Content-Length`` announced.

    ``read()`` raises ``http.client.IncompleteRead`` itself, but line iteration and
    ``readlines()`` stop quietly at a short body; this makes the ways of reading fail alike.
    """
    import urllib.error

    length = headers.get("Content-Length")
    if length is not None and length.strip().isdigit() and received < int(length):
        raise urllib.error.ContentTooShortError(incomplete(received, int(length)), (url, headers))


def parse_url_args(description: str, argv: list[str] | None = None, *, output: bool = False) -> argparse.Namespace:
    """``URL`` (http:, https: or file:), and with ``output`` the ``OUTPUT`` file to write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("url", help="the URL to fetch (http:, https: or file:)")
    if output:
        parser.add_argument("output", help="the file to save the body in")
    return parser.parse_args(argv)


def fetch_text(url: str) -> str:
    """The body at ``url`` as text: UTF-8, any invalid byte replaced by U+FFFD."""
    import urllib.request

    with urllib.request.urlopen(url) as response:
        body: bytes = response.read()
    return body.decode("utf-8", errors="replace")
