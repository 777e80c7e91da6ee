"""Greeting datagram server, forking model: one child process answers each datagram.

Modernises the book's listing 14-4 (a forking server) over datagrams: UDP, or a Unix
datagram socket with ``--unix PATH``. Every datagram received is a request (an empty
one too), logged as the book logs a client, and answered with one greeting datagram
sent back to its sender. Mechanics: ``ForkingMixIn`` forks a child per datagram that
runs the ``BaseRequestHandler`` (``self.request`` is the datagram and the server's
socket, which the child inherits and replies on) and exits; the parent only receives,
and ``serve_forever()`` reaps the finished children between requests
(``service_actions``), so none is left a zombie. Each log line is written under a lock
the children share, so their lines never mix. Only the parent removes the path at exit.

Realises: RES-1
"""

from __future__ import annotations

import contextlib
import socketserver

from .._common import RECV_SIZE, Where, parse_args, share_log_with_children
from .._transport import answer, serve_with


class Handler(socketserver.BaseRequestHandler):
    """Log the datagram's sender and content, and send the greeting back to the sender."""

    def handle(self) -> None:
        data, sock = self.request
        answer(sock, data, self.client_address)


class Server(socketserver.ForkingMixIn, socketserver.UDPServer):
    """A forking UDP server that takes any datagram whole (the default 8192 bytes would truncate it).

    Realises: DGRAM-4
    """

    max_children = 1024  # the default 40 holds the 41st datagram back until one of 40 children is reaped
    max_packet_size = RECV_SIZE


class UnixServer(socketserver.ForkingMixIn, socketserver.UnixDatagramServer):
    """A forking Unix datagram server, as ``Server`` (``ForkingUnixDatagramServer`` is Python 3.12+).

    Realises: DGRAM-4
    """

    max_children = 1024  # the default 40 holds the 41st datagram back until one of 40 children is reaped
    max_packet_size = RECV_SIZE


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, each in a child process."""
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
