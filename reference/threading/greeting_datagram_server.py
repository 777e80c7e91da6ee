"""Greeting datagram server, threading model: one thread answers each datagram.

Modernises the book's listing 14-5 (a threading server) over datagrams: UDP, or a Unix
datagram socket with ``--unix PATH``. Every datagram received is a request (an empty
one too), logged as the book logs a client, and answered with one greeting datagram
sent back to its sender. Mechanics: ``ThreadingMixIn`` (``ThreadingUDPServer``, or
``ThreadingUnixDatagramServer``) starts a daemon thread per datagram that runs the
``BaseRequestHandler``; ``self.request`` is the datagram and the server's socket, which
every thread sends its reply on. The main thread only receives.
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


class Server(socketserver.ThreadingUDPServer):
    """A threading UDP server that takes any datagram whole (the default 8192 bytes would truncate it).

    Realises: DGRAM-4
    """

    daemon_threads = True  # a stuck reply never holds up exit
    max_packet_size = RECV_SIZE


class UnixServer(socketserver.ThreadingUnixDatagramServer):
    """A threading Unix datagram server, as ``Server``.

    Realises: DGRAM-4
    """

    daemon_threads = True  # a stuck reply never holds up exit
    max_packet_size = RECV_SIZE


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, each in its own thread."""
    serve_with(where, Handler, Server, UnixServer)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
