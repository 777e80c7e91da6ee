"""Greeting server, poll model: one loop greets every client with poll().

Modernises the book's listing 14-1 (a minimal server) with the mechanics of listing
14-7 (a simple server using poll). Mechanics: non-blocking sockets; ``select.poll``
has the listener registered for POLLIN and each client for POLLOUT only while it
still has output pending. Accepting a client queues its greeting; when the client is
writable we send what it takes, and once all is sent shut our side down (FIN), close.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import select
import socket

from .._common import Where, accept_greeted, announce, flush, parse_args
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, all from one poll() loop."""
    with listen_stream(where) as listener:
        listener.setblocking(False)
        announce(listener.getsockname())
        pending: dict[socket.socket, bytes] = {}  # each client's output not yet sent
        clients: dict[int, socket.socket] = {}  # poll() reports file descriptors
        poller = select.poll()
        poller.register(listener, select.POLLIN)
        while True:
            for fd, _event in poller.poll():
                if fd == listener.fileno():
                    conn = accept_greeted(listener, pending)
                    if conn is not None:
                        clients[conn.fileno()] = conn
                        poller.register(conn, select.POLLOUT)
                elif flush(clients[fd], pending):
                    conn = clients.pop(fd)
                    poller.unregister(conn)
                    del pending[conn]
                    conn.close()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
