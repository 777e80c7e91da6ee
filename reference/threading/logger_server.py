"""Logger server, threading model: one thread logs each client.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) on the mechanics of listing 14-5 (a threading
server). Mechanics: ``ThreadingMixIn`` starts a daemon thread per client that
``recv()``s and prints every chunk until end-of-file or a reset, then shuts our side
down (FIN) and closes; the main thread only accepts. Each log line is written under a
lock, so lines from different threads never mix. With ``--unix PATH`` it serves a
Unix stream socket instead of TCP (on a ``UnixStreamServer``).
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


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A threading TCP server that rebinds a port in TIME_WAIT and keeps a full backlog."""

    allow_reuse_address = True
    daemon_threads = True  # a stuck client never holds up exit
    request_queue_size = socket.SOMAXCONN


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """A threading Unix stream server that keeps a full backlog (a path has no TIME_WAIT to rebind through)."""

    daemon_threads = True  # a stuck client never holds up exit
    request_queue_size = socket.SOMAXCONN


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, each in its own thread."""
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
