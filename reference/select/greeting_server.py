"""Greeting server, select model: one loop greets every client with select().

Modernises the book's listing 14-1 (a minimal server) with the mechanics of listing
14-6 (a simple server using select). Mechanics: non-blocking sockets; ``select.select``
watches the listener for readability and, for writability, only the clients that
still have output pending. Accepting a client queues its greeting; when the client is
writable we send what it takes, and once all is sent shut our side down (FIN), close.
"""

from __future__ import annotations

import contextlib
import select
import socket

from reference._common import GREETING, announce, log_connection, parse_args


def accept(listener: socket.socket, pending: dict[socket.socket, bytes]) -> socket.socket | None:
    """Accept one client, log it and queue its greeting; None if there was none."""
    try:
        conn, address = listener.accept()
    except OSError:  # nothing to accept after all, or the client was already gone
        return None
    conn.setblocking(False)
    log_connection(address)
    pending[conn] = GREETING
    return conn


def flush(conn: socket.socket, pending: dict[socket.socket, bytes]) -> bool:
    """Send what ``conn`` takes of its pending output; True once it is done with."""
    try:
        sent = conn.send(pending[conn])
        pending[conn] = pending[conn][sent:]
        if not pending[conn]:
            conn.shutdown(socket.SHUT_WR)  # FIN now: a bare close RSTs unread input
    except BlockingIOError:  # not writable after all: try again later
        return False
    except OSError:  # the client reset or went away: nothing to tell it
        return True
    return not pending[conn]


def serve(host: str, port: int) -> None:
    """Greet every client connecting to ``(host, port)``, all from one select() loop."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
        listener.setblocking(False)
        announce(listener.getsockname())
        pending: dict[socket.socket, bytes] = {}  # each client's output not yet sent
        while True:
            readable, writable, _ = select.select([listener], list(pending), [])
            if readable:
                accept(listener, pending)
            for conn in writable:
                if flush(conn, pending):
                    del pending[conn]
                    conn.close()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
