"""Greeting server, forking model: one child process greets each client.

Modernises the book's listing 14-4 (a forking server). Mechanics: ``ForkingMixIn``
forks a child per client that runs the ``StreamRequestHandler``, shuts its side down
(FIN), closes and exits; the parent only accepts, and ``serve_forever()`` reaps the
finished children between requests (``service_actions``), so none is left a zombie.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP (on a
``UnixStreamServer``; only the parent removes the path at exit).

Realises: RES-1
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


class Server(socketserver.ForkingMixIn, socketserver.TCPServer):
    """A forking TCP server that rebinds a port in TIME_WAIT and keeps a full backlog."""

    allow_reuse_address = True
    request_queue_size = socket.SOMAXCONN


class UnixServer(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    """A forking Unix stream server that keeps a full backlog (a path has no TIME_WAIT to rebind through)."""

    request_queue_size = socket.SOMAXCONN


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, each in a child process."""
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
