"""Line logger server, forking model: one child process logs each client's lines.

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) on the mechanics of listing 14-4 (a forking server). Mechanics:
``ForkingMixIn`` forks a child per client that ``recv()``s chunks into a
``LineBuffer`` (LineReceiver's framing) and prints each complete line until
end-of-file, a reset or a line too long (then it drops the client), shuts its side
down (FIN), closes and exits; the parent only accepts, and ``serve_forever()`` reaps
the finished children between requests (``service_actions``), so none is left a
zombie. Each log line is written under a lock the children share, so their lines
never mix. With ``--unix PATH`` it serves a Unix stream socket instead of TCP (on a
``UnixStreamServer``; only the parent removes the path at exit).

Realises: RES-1
"""

from __future__ import annotations

import contextlib
import socket
import socketserver

from .._common import Where, log_connection, log_disconnection, log_lines, parse_args, receive, share_log_with_children
from .._framing import LineBuffer
from .._transport import serve_with


class Handler(socketserver.BaseRequestHandler):
    """Log the client, every complete line it sends, and its leaving; the server then closes."""

    def handle(self) -> None:
        log_connection(self.client_address)
        lines = LineBuffer()
        while data := receive(self.request):
            if log_lines(lines, data):  # a line too long: drop the client
                break
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
    """Log the lines of every client connecting to ``where``, each in a child process."""
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
