"""Line logger server, twisted model: one LineReceiver per client on Twisted's reactor.

Modernises the book's listing 14-9 (a server using Twisted's ``LineReceiver``,
``SimpleLogger``). Mechanics: ``reactor.listenTCP`` (which sets SO_REUSEADDR itself)
builds a ``SimpleLogger`` per client from a ``Factory``; ``LineReceiver`` frames the
chunks itself (delimiter ``\\r\\n``, ``MAX_LENGTH`` 16384; a line too long makes it
``loseConnection()``, an orderly close) and calls ``lineReceived`` with each complete
line; ``connectionLost`` comes once (end-of-file, a reset or a line too long), after
the socket is closed. The address is the ``getPeer()`` of ``connectionMade``. With
``--unix PATH`` it serves a Unix stream socket instead of TCP
(``reactor.listenUNIX``).
"""

from __future__ import annotations

import contextlib

from twisted.internet.protocol import connectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure

from .._common import Where, log_connection, log_data, log_disconnection, parse_args
from ._reactor import listen_and_run, peer_of


class SimpleLogger(LineReceiver):
    """Log the client, every complete line it sends, and its leaving."""

    address: tuple[str, int] | str  # (host, port), or a Unix path ('': the client bound none)

    def connectionMade(self) -> None:
        self.address = peer_of(self.transport)
        log_connection(self.address)

    def lineReceived(self, line: bytes) -> None:
        log_data(line)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        log_disconnection(self.address)


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, all on the reactor."""
    listen_and_run(SimpleLogger, where)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
