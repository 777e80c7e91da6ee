"""Logger server, twisted model: one Protocol per client on Twisted's reactor.

Modernises the book's listing 14-8 (a simple server using Twisted, ``SimpleLogger``).
Mechanics: ``reactor.listenTCP`` (which sets SO_REUSEADDR itself) builds a
``SimpleLogger`` per client from a ``Factory``; the reactor calls ``connectionMade``,
then ``dataReceived`` with every chunk as it arrives, then ``connectionLost`` once
(end-of-file or a reset), after closing the socket itself. The address is the
``getPeer()`` of ``connectionMade``, kept for ``connectionLost``.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP
(``reactor.listenUNIX``).
"""

from __future__ import annotations

import contextlib

from twisted.internet.protocol import Protocol, connectionDone
from twisted.python.failure import Failure

from .._common import Where, log_connection, log_data, log_disconnection, parse_args
from ._reactor import listen_and_run, peer_of


class SimpleLogger(Protocol):
    """Log the client, every chunk it sends, and its leaving."""

    address: tuple[str, int] | str  # (host, port), or a Unix path ('': the client bound none)

    def connectionMade(self) -> None:
        self.address = peer_of(self.transport)
        log_connection(self.address)

    def dataReceived(self, data: bytes) -> None:
        log_data(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        log_disconnection(self.address)


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, all on the reactor."""
    listen_and_run(SimpleLogger, where)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
