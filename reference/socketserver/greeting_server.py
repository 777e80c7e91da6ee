"""Greeting server, socketserver model: greet each client, close, serve the next.

Modernises the book's listing 14-3 (a SocketServer-based minimal server). Mechanics:
``socketserver.TCPServer`` runs a ``StreamRequestHandler`` for each client in turn,
in the serving thread; ``shutdown_request()`` then shuts our side down (FIN) and
closes. One client at a time: the others wait in the listen backlog meanwhile. With
``--unix PATH`` it serves a Unix stream socket instead of TCP
(``UnixStreamServer``).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver

from .._common import GREETING, Where, log_connection, parse_args
from .._transport import serve_with


class Handler(socketserver.StreamRequestHandler):
    """Log the client and greet it; the server closes the connection afterwards."""

    def handle(self) -> None:
        log_connection(self.client_address)
        with contextlib.suppress(OSError):  # the client reset or went away: nothing to tell it
            self.wfile.write(GREETING)


class Server(socketserver.TCPServer):
    """A TCP server that rebinds a port in TIME_WAIT and keeps a full backlog."""

    allow_reuse_address = True
    request_queue_size = socket.SOMAXCONN


class UnixServer(socketserver.UnixStreamServer):
    """A Unix stream server that keeps a full backlog (a path has no TIME_WAIT to rebind through)."""

    request_queue_size = socket.SOMAXCONN


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, one after another."""
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
