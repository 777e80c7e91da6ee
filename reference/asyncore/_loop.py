"""What every asyncore- and asynchat-model server does the same way: import the modules quietly,
accept clients on a listening dispatcher, and run asyncore's loop.

Up to Python 3.11 ``asyncore`` and ``asynchat`` are the standard library's, and importing them
warns that they are deprecated (DeprecationWarning, shown on stderr when a server runs as
``python -m``): the import below silences that warning and no other. From Python 3.12 they
come from the PyPI packages ``pyasyncore`` and ``pyasynchat`` (the ``models`` extra), which
install top-level modules of the same names.
"""

from __future__ import annotations

import socket
import sys
import traceback
import warnings
from collections.abc import Callable

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asynchat
    import asyncore

from .._common import PeerAddress, announce, hang_up, log_connection

__all__ = ["Client", "Listener", "asynchat", "asyncore", "report", "run"]


def report() -> None:
    """Print the exception being handled on stderr (asyncore's ``compact_traceback`` goes to stdout,
    the log the specs read)."""
    print(traceback.format_exc(), file=sys.stderr, flush=True)


class Listener(asyncore.dispatcher):
    """A listening socket on the loop: log each client it accepts, and hand it to ``serve_client``.

    ``listen`` again marks the dispatcher as accepting (the socket already listens: the backlog
    stays the system's maximum), so the loop calls ``handle_accept`` when a client is waiting;
    ``dispatcher.accept`` returns None if it went away before it was accepted.
    """

    def __init__(self, listener: socket.socket, serve_client: Callable[[socket.socket, PeerAddress], object]) -> None:
        super().__init__(listener)
        self.listen(socket.SOMAXCONN)
        self.serve_client = serve_client

    def writable(self) -> bool:
        return False

    def handle_accepted(self, sock: socket.socket, addr: PeerAddress) -> None:
        log_connection(addr)
        self.serve_client(sock, addr)

    def handle_error(self) -> None:
        """An accept that failed (no descriptor left, say): report it and keep listening."""
        report()


class Client(asyncore.dispatcher):
    """A logger's client channel: its leaving is logged once (end-of-file, a reset, any other failed
    receive), with the address remembered at accept time, and its socket shut down and closed.
    Subclasses set ``conn`` and ``address``; an ``async_chat`` subclass puts this class first.

    Realises: DISC-1, DISC-3, DISC-4
    """

    conn: socket.socket  # dispatcher.socket is typed optional
    address: PeerAddress  # from accept(): getpeername() fails once the client has reset
    gone = False

    def handle_close(self) -> None:
        """End-of-file or a reset: log the leaving once, shut down and close."""
        if not self.gone:
            self.gone = True
            self.del_channel()
            hang_up(self.conn, self.address)

    def handle_error(self) -> None:
        """Any other failed receive: the client is gone all the same."""
        self.handle_close()


def run(listener: socket.socket, serve_client: Callable[[socket.socket, PeerAddress], object]) -> None:
    """Serve the clients of ``listener`` (``serve_client`` makes each one's dispatcher) until interrupted.

    ``asyncore.loop`` calls ``select()`` over every dispatcher in its map, as the book's
    listing 14-6 does by hand: ``readable()`` and ``writable()`` say what to wait for.
    """
    Listener(listener, serve_client)
    announce(listener.getsockname())
    asyncore.loop()
