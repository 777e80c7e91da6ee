"""Logger server, socketserver model: log each client's data until it leaves, then the next.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) on the mechanics of listing 14-3 (a
SocketServer-based server). Mechanics: ``socketserver.TCPServer`` runs a request
handler for each client in turn, in the serving thread; it ``recv()``s and prints
every chunk until end-of-file or a reset, then ``shutdown_request()`` shuts our side
down (FIN) and closes. One client at a time: the others wait in the listen backlog.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP
(``UnixStreamServer``).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver

from .._common import Where, log_connection, log_data, log_disconnection, parse_args, receive
from .._transport import serve_with


class Handler(socketserver.BaseRequestHandler):
    """Log the client, every chunk it sends, and its leaving; the server then closes."""

    def handle(self) -> None:
        log_connection(self.client_address)
        while data := receive(self.request):
            log_data(data)
        log_disconnection(self.client_address)


class Server(socketserver.TCPServer):
    """A TCP server that rebinds a port in TIME_WAIT and keeps a full backlog."""

    allow_reuse_address = True
    request_queue_size = socket.SOMAXCONN


class UnixServer(socketserver.UnixStreamServer):
    """A Unix stream server that keeps a full backlog (a path has no TIME_WAIT to rebind through)."""

    request_queue_size = socket.SOMAXCONN


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, one after another."""
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
