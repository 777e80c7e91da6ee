"""What every twisted-model server does the same way: listen with a protocol, announce, run."""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet.protocol import Factory, Protocol

from .._common import announce


def listen_and_run(protocol: type[Protocol], host: str, port: int) -> None:
    """Serve ``protocol`` (one instance per client) on ``(host, port)`` until the reactor stops.

    ``reactor.listenTCP`` sets SO_REUSEADDR itself; the backlog is the system's maximum.
    """
    from twisted.internet import reactor as installed  # importing it installs it

    reactor: Any = installed  # zope interfaces: mypy types them only via mypy-zope
    listening = reactor.listenTCP(port, Factory.forProtocol(protocol), backlog=socket.SOMAXCONN, interface=host)
    address = listening.getHost()
    announce((address.host, address.port))
    reactor.run()
