"""Greeting client, twisted model: a Protocol gathers the greeting until the server closes.

Modernises the book's listing 14-2 (a minimal client) with the mechanics of listing
14-8 (Twisted). Mechanics: ``reactor.connectTCP`` asks a ``ClientFactory`` for a
``GreetingReader``, whose ``dataReceived`` collects each fragment; ``connectionLost``
with ``ConnectionDone`` (a clean FIN) means the greeting is whole. A failed connection
reaches ``clientConnectionFailed``. Either way the reactor stops, and ``main`` reports.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost
from twisted.internet.protocol import ClientFactory, Protocol, connectionDone
from twisted.python.failure import Failure

from .._common import cannot_connect, connection_lost, fail, parse_client_args, print_greeting

PROG = "greeting_client"


def as_os_error(reason: Failure) -> BaseException:
    """The OSError behind a Twisted connection failure, so all models word it alike.

    Twisted's ``ConnectError`` keeps the errno in ``osError``; its own message
    (``Connection was refused by other side: 111: ...``) is not the socket's. A failed
    read is always ``ConnectionLost``, errno dropped; on a connected TCP socket that
    is almost always a reset, which is what the other models report.
    """
    error = reason.value
    if isinstance(error, ConnectError) and isinstance(error.osError, int):
        return OSError(error.osError, os.strerror(error.osError))
    if isinstance(error, ConnectionLost):
        return ConnectionResetError(errno.ECONNRESET, os.strerror(errno.ECONNRESET))
    return error or ConnectionError("connection failed")


class GreetingReader(Protocol):
    """Collect what the server sends; on a clean close it is the greeting."""

    def __init__(self, factory: GreetingFactory) -> None:
        self.factory = factory
        self.chunks: list[bytes] = []

    def dataReceived(self, data: bytes) -> None:
        self.chunks.append(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if isinstance(reason.value, ConnectionDone):
            self.factory.finish(b"".join(self.chunks))
        else:
            self.factory.finish(connection_lost(PROG, self.factory.host, self.factory.port, as_os_error(reason)))


class GreetingFactory(ClientFactory):
    """Build the ``GreetingReader`` and hold the outcome: the greeting, or an error message."""

    def __init__(self, reactor: Any, host: str, port: int) -> None:
        self.reactor = reactor
        self.host = host
        self.port = port
        self.result: bytes | str = f"{PROG}: the connection to {host}:{port} ended without a result"

    def buildProtocol(self, addr: object) -> GreetingReader:
        return GreetingReader(self)

    def clientConnectionFailed(self, connector: object, reason: Failure) -> None:
        self.finish(cannot_connect(PROG, self.host, self.port, as_os_error(reason)))

    def finish(self, result: bytes | str) -> None:
        """Keep the outcome and stop the reactor."""
        self.result = result
        if self.reactor.running:
            self.reactor.stop()


def fetch_greeting(host: str, port: int) -> bytes | str:
    """The bytes the server at ``(host, port)`` sent before closing, or an error message."""
    from twisted.internet import reactor as installed  # importing it installs it

    reactor: Any = installed  # zope interfaces: mypy types them only via mypy-zope
    factory = GreetingFactory(reactor, host, port)
    reactor.connectTCP(host, port, factory)
    reactor.run()
    return factory.result


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    result = fetch_greeting(args.host, args.port)
    if isinstance(result, str):
        return fail(result)
    print_greeting(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
