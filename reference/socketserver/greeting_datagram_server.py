"""Greeting datagram server, socketserver model: answer each datagram, then serve the next.

Modernises the book's listing 14-3 (a SocketServer-based minimal server) over datagrams:
UDP, or a Unix datagram socket with ``--unix PATH``. Every datagram received is a
request (an empty one too), logged as the book logs a client, and answered with one
greeting datagram sent back to its sender. Mechanics: ``socketserver.UDPServer`` (or
``UnixDatagramServer``) receives each datagram and runs a ``BaseRequestHandler`` for it
in the serving thread; ``self.request`` is the datagram and the server's socket. Not
``DatagramRequestHandler``: it would send to a Unix sender that bound no path, and
print a traceback for it; such a sender is skipped here.
"""

from __future__ import annotations

import contextlib
import socketserver

from .._common import RECV_SIZE, Where, parse_args
from .._transport import answer, serve_with


class Handler(socketserver.BaseRequestHandler):
    """Log the datagram's sender and content, and send the greeting back to the sender."""

    def handle(self) -> None:
        data, sock = self.request
        answer(sock, data, self.client_address)


class Server(socketserver.UDPServer):
    """A UDP server that takes any datagram whole (the default 8192 bytes would truncate it).

    Realises: DGRAM-4
    """

    max_packet_size = RECV_SIZE


class UnixServer(socketserver.UnixDatagramServer):
    """A Unix datagram server that takes any datagram whole, as ``Server``.

    Realises: DGRAM-4
    """

    max_packet_size = RECV_SIZE


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, one after another."""
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
