"""Logger server, forking model: one child process logs each client.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) on the mechanics of listing 14-4 (a forking
server). Mechanics: ``ForkingMixIn`` forks a child per client that ``recv()``s and
prints every chunk until end-of-file or a reset, shuts its side down (FIN), closes
and exits; the parent only accepts, and ``serve_forever()`` reaps the finished
children between requests (``service_actions``), so none is left a zombie. Each
log line is written under a lock the children share, so their lines never mix. With
``--unix PATH`` it serves a Unix stream socket instead of TCP (on a
``UnixStreamServer``; only the parent removes the path at exit).

Realises: RES-1
"""

from __future__ import annotations

import contextlib
import socket
import socketserver

from .._common import Where, log_connection, log_data, log_disconnection, parse_args, receive, share_log_with_children
from .._transport import serve_with


class Handler(socketserver.BaseRequestHandler):
    """Log the client, every chunk it sends, and its leaving; the server then closes."""

    def handle(self) -> None:
        log_connection(self.client_address)
        while data := receive(self.request):
            log_data(data)
        log_disconnection(self.client_address)


class Server(socketserver.ForkingMixIn, socketserver.TCPServer):
    """A forking TCP server that rebinds a port in TIME_WAIT and keeps a full backlog."""

    allow_reuse_address = True
    max_children = 1024  # the default 40 holds the 41st client back until one of 40 connected ones leaves
    request_queue_size = socket.SOMAXCONN


class UnixServer(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    """A forking Unix stream server that keeps a full backlog (a path has no TIME_WAIT to rebind through)."""

    max_children = 1024  # the default 40 holds the 41st client back until one of 40 connected ones leaves
    request_queue_size = socket.SOMAXCONN


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, each in a child process."""
    share_log_with_children()  # long lines that children print at once stay whole
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
