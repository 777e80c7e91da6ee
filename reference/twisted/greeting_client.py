"""Greeting client, twisted model: fetch the greeting over TCP, a Unix socket, UDP or Unix datagrams.

Modernises the book's listing 14-2 (a minimal client) with the mechanics of listing
14-8 (Twisted). Mechanics: ``reactor.connectTCP`` (or ``connectUNIX`` for ``--unix``) asks
a ``ClientFactory`` for a ``GreetingReader``, whose ``dataReceived`` collects each fragment;
``connectionLost`` with ``ConnectionDone`` (a clean FIN) means the greeting is whole. A
failed connection reaches ``clientConnectionFailed``.

With ``--datagram``, a ``ReplyCatcher`` (a ``DatagramProtocol``) listens on a port of its
own (``listenUDP(0, ...)``), or on a Unix path of its own (``listenUNIXDatagram``, the path
from ``private_client_path``) so that the server can answer. Once the reactor runs it sends
one request datagram: over UDP after ``transport.connect`` (so a port with nobody bound
reaches ``connectionRefused``), over Unix with ``write(data, path)``, which raises at once if
nobody is bound there. ``datagramReceived`` takes the reply; a ``callLater`` gives up after
``REPLY_TIMEOUT`` seconds. Either way the reactor stops, and ``main`` reports.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from twisted.internet.error import CannotListenError, ConnectError, ConnectionDone, ConnectionLost
from twisted.internet.protocol import ClientFactory, DatagramProtocol, Protocol, connectionDone
from twisted.python.failure import Failure

from .._clients import (
    GREETING_REQUEST,
    REPLY_TIMEOUT,
    cannot_connect,
    connection_lost,
    fail,
    no_reply,
    parse_client_args,
    print_greeting,
    private_client_path,
    udp_address,
)
from .._common import RECV_SIZE, Where

PROG = "greeting_client"


def as_os_error(reason: Failure) -> BaseException:
    """The OSError behind a Twisted connection failure, so all models word it alike.

    Twisted's ``ConnectError`` keeps the errno in ``osError``; its own message
    (``Connection was refused by other side: 111: ...``) is not the socket's. A failed
    read is always ``ConnectionLost``, errno dropped; on a connected stream socket that
    is almost always a reset, which is what the other models report.
    """
    error = reason.value
    if isinstance(error, ConnectError) and isinstance(error.osError, int):
        return OSError(error.osError, os.strerror(error.osError))
    if isinstance(error, ConnectionLost):
        return ConnectionResetError(errno.ECONNRESET, os.strerror(errno.ECONNRESET))
    return error or ConnectionError("connection failed")


class Outcome:
    """The fetch's outcome, the greeting or an error message, and the reactor to stop once it is known."""

    def __init__(self, reactor: Any, shown: str) -> None:
        self.reactor = reactor
        self.shown = shown
        self.result: bytes | str = f"{PROG}: the exchange with {shown} ended without a result"
        self.known = False

    def finish(self, result: bytes | str) -> None:
        """Keep the first outcome and stop the reactor."""
        if self.known:
            return
        self.known = True
        self.result = result
        if self.reactor.running:
            self.reactor.stop()


class GreetingReader(Protocol):
    """Collect what the server sends; on a clean close it is the greeting.

    Realises: CLIENT-3
    """

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.chunks: list[bytes] = []

    def dataReceived(self, data: bytes) -> None:
        self.chunks.append(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if isinstance(reason.value, ConnectionDone):
            self.outcome.finish(b"".join(self.chunks))
        else:
            self.outcome.finish(connection_lost(PROG, self.outcome.shown, as_os_error(reason)))


class GreetingFactory(ClientFactory):
    """Build the ``GreetingReader``; a failed connection is the outcome."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def buildProtocol(self, addr: object) -> GreetingReader:
        return GreetingReader(self.outcome)

    def clientConnectionFailed(self, connector: object, reason: Failure) -> None:
        self.outcome.finish(cannot_connect(PROG, self.outcome.shown, as_os_error(reason)))


class ReplyCatcher(DatagramProtocol):
    """Send the request to ``server`` (``ask``), and take the first datagram received as the reply."""

    def __init__(self, outcome: Outcome, server: Where) -> None:
        self.outcome = outcome
        self.server = server
        self.port: Any = None  # the listening port: ``doStop`` forgets ``transport`` before ``stopProtocol``

    def startProtocol(self) -> None:
        self.port = self.transport

    def ask(self) -> None:
        """Send the request datagram; a server that cannot be reached is the outcome."""
        transport: Any = self.transport  # zope interfaces: mypy types them only via mypy-zope
        try:
            if isinstance(self.server, str):
                transport.write(GREETING_REQUEST, self.server)  # ENOENT, ECONNREFUSED: raised here
            else:
                transport.connect(*self.server)
                transport.write(GREETING_REQUEST)  # a refusal comes later, to connectionRefused
        except OSError as error:
            self.outcome.finish(cannot_connect(PROG, self.outcome.shown, error))

    def datagramReceived(self, datagram: bytes, addr: object) -> None:
        self.outcome.finish(datagram)

    def connectionRefused(self) -> None:
        refused = ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))
        self.outcome.finish(cannot_connect(PROG, self.outcome.shown, refused))

    def stopProtocol(self) -> None:
        """The port closed before an outcome: take the error pending on its socket as the outcome.

        Poll-like reactors (epoll, Linux's default) never call ``connectionRefused``: the ICMP
        error on a connected UDP socket wakes them without input, which they take for the end
        of the port (Twisted issues #5377 and #6467; the select reactor does call it). The socket
        is still open here, and ``SO_ERROR`` still holds the error (ECONNREFUSED).
        """
        if self.outcome.known or self.port is None:
            return
        pending = self.port.getHandle().getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if pending:  # none: the reactor is stopping (Ctrl-C), the outcome stays "without a result"
            self.outcome.finish(cannot_connect(PROG, self.outcome.shown, OSError(pending, os.strerror(pending))))


def installed_reactor() -> Any:
    """The global reactor, installing the default one (importing it installs it)."""
    from twisted.internet import reactor

    return reactor  # zope interfaces: mypy types them only via mypy-zope


def stream_greeting(where: Where, shown: str) -> bytes | str:
    """The bytes the stream server at ``where`` sent before closing, or an error message."""
    reactor = installed_reactor()
    outcome = Outcome(reactor, shown)
    if isinstance(where, str):
        reactor.connectUNIX(where, GreetingFactory(outcome))
    else:
        reactor.connectTCP(*where, GreetingFactory(outcome))
    reactor.run()
    return outcome.result


def exchange(where: Where, shown: str, own: str | None) -> bytes | str:
    """Listen (on ``own`` over Unix datagrams, else on a free UDP port), ask, and wait for the reply."""
    reactor = installed_reactor()
    outcome = Outcome(reactor, shown)
    try:
        if isinstance(where, str):
            catcher = ReplyCatcher(outcome, where)
            reactor.listenUNIXDatagram(own, catcher, maxPacketSize=RECV_SIZE)
        else:
            family, server = udp_address(*where)  # transport.connect takes IP addresses only
            catcher = ReplyCatcher(outcome, server)
            interface = "::" if family == socket.AF_INET6 else ""
            reactor.listenUDP(0, catcher, interface=interface, maxPacketSize=RECV_SIZE)
    except CannotListenError as error:
        return cannot_connect(PROG, shown, error.socketError)
    except OSError as error:  # socket.gaierror
        return cannot_connect(PROG, shown, error)
    reactor.callWhenRunning(catcher.ask)
    reactor.callLater(REPLY_TIMEOUT, outcome.finish, no_reply(PROG, shown))
    reactor.run()
    return outcome.result


def datagram_greeting(where: Where, shown: str) -> bytes | str:
    """The datagram the server at ``where`` replied to our request with, or an error message."""
    if not isinstance(where, str):
        return exchange(where, shown, None)
    with private_client_path() as own:
        return exchange(where, shown, own)


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    fetch = datagram_greeting if args.datagram else stream_greeting
    result = fetch(args.where, args.shown)
    if isinstance(result, str):
        return fail(result)
    print_greeting(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
