"""Greeting datagram server, gevent model: ``gevent.server.DatagramServer`` on gevent's hub.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) with gevent's mechanics. Every datagram received
is a request (an empty one too), logged as the book logs a client, and answered with
one greeting datagram sent back to its sender. Mechanics: a ``DatagramServer`` reads
the socket ``bind_datagram`` bound when the hub finds it readable, and calls
``handle`` for each datagram; its ``do_read`` is given the same read size as every
model (gevent's own reads 8192 bytes at most, truncating larger datagrams) and skips a
failed receive (e.g. ECONNREFUSED from an ICMP error) instead of pausing the server.
The reply goes out without waiting (``reply_to``): one the sender has no room for is
dropped, as UDP drops it.
"""

from __future__ import annotations

import contextlib
import socket

from gevent.server import DatagramServer

from .._common import RECV_SIZE, PeerAddress, Where, announce, parse_args
from .._transport import answer, bind_datagram


class Greeter(DatagramServer):  # type: ignore[misc]  # gevent is untyped
    """Log each datagram's sender and content, and send the greeting back to the sender."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self.sock = sock

    def do_read(self) -> tuple[bytes, PeerAddress] | None:
        """The next datagram and its sender; None once none is left (or the receive failed)."""
        try:
            return self.sock.recvfrom(RECV_SIZE)
        except OSError:  # BlockingIOError included: none left
            return None

    def handle(self, data: bytes, address: PeerAddress) -> None:
        answer(self.sock, data, address)


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all on gevent's hub."""
    with bind_datagram(where) as sock:
        sock.setblocking(False)
        server = Greeter(sock)
        announce(sock.getsockname())
        server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
