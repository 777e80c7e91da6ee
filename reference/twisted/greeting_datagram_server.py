"""Greeting datagram server, twisted model: one DatagramProtocol answers every datagram on Twisted's reactor.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) with the mechanics of listing 14-8 (a simple
server using Twisted). Every datagram received is a request (an empty one too), logged
as the book logs a client, and answered with one greeting datagram sent back to its
sender. Mechanics: ``reactor.listenUDP`` (or ``listenUNIXDatagram``) reads the socket
and calls ``datagramReceived`` for each datagram; the reply goes out on the port's
socket (``getHandle()``) without waiting (``reply_to``): ``transport.write`` raises for
a Unix sender whose path is gone, and over UDP for a full send buffer. Twisted neither
claims nor removes a Unix path (``owned_path`` does), and would make its socket file
world-writable (mode 0666): it gets the mode ``bind()`` gives the other models (``bind_mode``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from twisted.internet.protocol import DatagramProtocol

from .._common import RECV_SIZE, Where, announce, parse_args, peer
from .._transport import answer, owned_path
from ._reactor import bind_mode


class Greeter(DatagramProtocol):
    """Log each datagram's sender and content, and send the greeting back to the sender."""

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        transport: Any = self.transport  # zope interfaces: mypy types them only via mypy-zope
        answer(transport.getHandle(), datagram, peer(addr))  # a Unix sender: its path as a str, or None


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all on the reactor."""
    from twisted.internet import reactor as installed  # importing it installs it

    reactor: Any = installed  # zope interfaces: mypy types them only via mypy-zope
    with owned_path(where):  # a Unix path: claim it before binding, remove it after
        if isinstance(where, str):
            port = reactor.listenUNIXDatagram(where, Greeter(), maxPacketSize=RECV_SIZE, mode=bind_mode())
        else:
            host, number = where
            port = reactor.listenUDP(number, Greeter(), interface=host, maxPacketSize=RECV_SIZE)
        announce(port.getHandle().getsockname())
        reactor.run()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
