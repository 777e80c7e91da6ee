"""Greeting datagram server, asyncore model: one dispatcher answers every datagram on asyncore's loop.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) with the mechanics of the chapter's ``asyncore``
("asynchronous socket handler"). Every datagram received is a request (an empty one
too), logged as the book logs a client, and answered with one greeting datagram sent
back to its sender. Mechanics: the bound socket is a ``Greeter`` dispatcher, only
``readable()``; when select() finds it readable, ``handle_read`` receives and answers
every datagram waiting, until none is left. A reply is never waited for: one the
sender has no room for is dropped, as UDP drops it.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import Where, announce, parse_args
from .._transport import answer_next, bind_datagram
from ._loop import asyncore


class Greeter(asyncore.dispatcher):
    """Log each datagram's sender and content, and send the greeting back to the sender."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)  # makes it non-blocking
        self.sock = sock  # dispatcher.socket is typed optional

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        while answer_next(self.sock):
            pass


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all on asyncore's loop."""
    with bind_datagram(where) as sock:
        Greeter(sock)  # in asyncore's map until the process ends
        announce(sock.getsockname())
        asyncore.loop()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
