"""Greeting server, gevent model: one greenlet per client, blocking calls on gevent's hub.

Modernises the book's listing 14-1 (a minimal server) with gevent's cooperative
mechanics: the handler is written as the book's blocking code, and gevent makes its
calls yield. Mechanics: ``gevent.server.StreamServer`` accepts each client and runs
``greet`` in a greenlet of its own; ``sendall`` sends the greeting (switching to the hub
while the socket is full), then we shut our side down (FIN) and close. With
``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from .._common import GREETING, PeerAddress, Where, log_connection, parse_args
from ._server import serve_stream


def greet(conn: Any, address: PeerAddress) -> None:
    """Log the client, greet it, and close the connection once the greeting is out."""
    log_connection(address)
    with conn, contextlib.suppress(OSError):  # the client reset or went away: nothing to tell it
        conn.sendall(GREETING)
        conn.shutdown(socket.SHUT_WR)  # FIN now: a bare close RSTs unread input


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, each in a greenlet."""
    serve_stream(where, greet)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
