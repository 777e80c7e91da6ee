"""What every reference server does to open its transport: a TCP or UDP port, or a Unix socket
path (stream or datagram) that it claims before binding and removes after, never deleting what
is not its own; and the datagram greeting's answer, shared by every model.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import socketserver
from collections.abc import Iterator

from ._common import GREETING, RECV_SIZE, PeerAddress, Where, announce, log_datagram


def family_of(where: Where) -> socket.AddressFamily:
    """AF_UNIX for a path, AF_INET6 for an IPv6 host, AF_INET otherwise."""
    if isinstance(where, str):
        return socket.AF_UNIX
    return socket.AF_INET6 if ":" in where[0] else socket.AF_INET


def claim_path(path: str) -> None:
    """Make ``path`` free to bind: remove a stale socket file that nothing listens on any more.

    Anything else at ``path`` is not ours to delete: a regular file, a folder, or the socket of
    a server that is still running there. Then exit with a message (status 1), leaving it be.

    Realises: UNIX-2, UNIX-3
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

    Realises: DGRAM-1, DGRAM-5, DGRAM-6, DGRAM-7
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
    False if the sender could not be answered.

    Realises: DGRAM-3
    """
    log_datagram(data, address)
    return reply_to(sock, address)


def answer_next(sock: socket.socket) -> bool:
    """Receive one datagram on ``sock`` and answer it; False once a non-blocking socket has none
    left (a blocking one waits for the next).

    ``RECV_SIZE`` exceeds ``DATAGRAM_MAX``: no UDP datagram is truncated. A failed receive (a
    pending error, e.g. ECONNREFUSED from an ICMP error) is skipped: no reason to stop serving.

    Realises: DGRAM-4, DGRAM-6
    """
    try:
        data, address = sock.recvfrom(RECV_SIZE)
    except BlockingIOError:
        return False
    except OSError:
        return True
    answer(sock, data, address)
    return True
