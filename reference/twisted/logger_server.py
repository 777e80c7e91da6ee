"""Logger server, twisted model: one Protocol per client on Twisted's reactor.

Modernises the book's listing 14-8 (a simple server using Twisted, ``SimpleLogger``).
Mechanics: ``reactor.listenTCP`` (which sets SO_REUSEADDR itself) builds a
``SimpleLogger`` per client from a ``Factory``; the reactor calls ``connectionMade``,
then ``dataReceived`` with every chunk as it arrives, then ``connectionLost`` once
(end-of-file or a reset), after closing the socket itself. The address is the
``getPeer()`` of ``connectionMade``, kept for ``connectionLost``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from twisted.internet.protocol import Protocol, connectionDone
from twisted.python.failure import Failure

from .._common import log_connection, log_data, log_disconnection, parse_args
from ._reactor import listen_and_run


class SimpleLogger(Protocol):
    """Log the client, every chunk it sends, and its leaving."""

    address: tuple[str, int]

    def connectionMade(self) -> None:
        transport: Any = self.transport  # zope interfaces: mypy types them only via mypy-zope
        peer = transport.getPeer()
        self.address = (peer.host, peer.port)
        log_connection(self.address)

    def dataReceived(self, data: bytes) -> None:
        log_data(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        log_disconnection(self.address)


def serve(host: str, port: int) -> None:
    """Log every client connecting to ``(host, port)``, all on the reactor."""
    listen_and_run(SimpleLogger, host, port)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
