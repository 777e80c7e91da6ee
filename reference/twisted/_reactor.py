"""What every twisted-model server does the same way: listen with a protocol, announce, run;
and the client's address as the other models log it."""

from __future__ import annotations

import os
import socket
from typing import Any

from twisted.internet.address import UNIXAddress
from twisted.internet.protocol import Factory, Protocol

from .._common import Where, announce
from .._transport import owned_path


def address_of(address: Any) -> tuple[str, int] | str:
    """A Twisted address as ``accept()`` gives it: ``(host, port)`` over TCP; over a Unix socket
    the path as a str, ``''`` for a client that bound none (``UNIXAddress.name`` is then None;
    otherwise it is the path in bytes).

    Realises: UNIX-1
    """
    if isinstance(address, UNIXAddress):
        return "" if address.name is None else os.fsdecode(address.name)
    return (address.host, address.port)


def peer_of(transport: Any) -> tuple[str, int] | str:
    """The client's address on ``transport`` (``getPeer()``), as the other models log it."""
    return address_of(transport.getPeer())


def bind_mode() -> int:
    """The mode ``bind()`` gives a new socket file, 0777 less the umask, as the other models' files get:
    Twisted's ``listenUNIX`` and ``listenUNIXDatagram`` would make it 0666, writable (so connectable) by
    every user.

    Realises: UNIX-5
    """
    umask = os.umask(0o077)  # read it by setting it (os.umask has no getter), then restore it
    os.umask(umask)
    return 0o777 & ~umask


def listen_and_run(protocol: type[Protocol], where: Where) -> None:
    """Serve ``protocol`` (one instance per client) on ``where`` until the reactor stops.

    ``reactor.listenTCP`` sets SO_REUSEADDR itself; ``reactor.listenUNIX`` cannot bind over an
    existing file (so ``owned_path`` claims a stale one first), gives its file the mode ``bind()``
    would (``bind_mode``) and unlinks its path on stopping. The backlog is the system's maximum.
    """
    from twisted.internet import reactor as installed  # importing it installs it

    reactor: Any = installed  # zope interfaces: mypy types them only via mypy-zope
    factory = Factory.forProtocol(protocol)
    with owned_path(where):
        if isinstance(where, str):
            listening = reactor.listenUNIX(where, factory, backlog=socket.SOMAXCONN, mode=bind_mode())
        else:
            host, port = where
            listening = reactor.listenTCP(port, factory, backlog=socket.SOMAXCONN, interface=host)
        announce(address_of(listening.getHost()))
        reactor.run()
