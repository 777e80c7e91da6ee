"""Greeting server, twisted model: one Protocol per client on Twisted's reactor.

Modernises the book's listing 14-1 (a minimal server) with the mechanics of listing
14-8 (a simple server using Twisted). Mechanics: ``reactor.listenTCP`` (which sets
SO_REUSEADDR itself) builds a ``Greeter`` per client from a ``Factory``; on
``connectionMade`` it writes the greeting and calls ``loseConnection()``, which
closes in order (shutdown, then close) once the greeting is out.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP
(``reactor.listenUNIX``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from twisted.internet.protocol import Protocol

from .._common import GREETING, Where, log_connection, parse_args
from ._reactor import listen_and_run, peer_of


class Greeter(Protocol):
    """Log the client, greet it, and close the connection once the greeting is out."""

    def connectionMade(self) -> None:
        transport: Any = self.transport  # zope interfaces: mypy types them only via mypy-zope
        log_connection(peer_of(transport))
        transport.write(GREETING)
        transport.loseConnection()


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, all on the reactor."""
    listen_and_run(Greeter, where)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
