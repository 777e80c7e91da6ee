"""Greeting server, asyncore model: a dispatcher per client on asyncore's select() loop.

Modernises the book's listing 14-1 (a minimal server) with the mechanics of the
chapter's ``asyncore`` ("asynchronous socket handler"), which puts a select loop like
listing 14-6's behind dispatcher objects. Mechanics: the listening socket is an
``asyncore.dispatcher``; ``handle_accepted`` logs the client and wraps its socket in a
``Greeter`` dispatcher, which is only ``writable()`` (never ``readable()``);
``handle_write`` sends what the socket takes of the greeting and, once all is sent,
shuts our side down (FIN) and closes. ``asyncore.loop`` runs select() over every
dispatcher. With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import GREETING, PeerAddress, Where, parse_args
from .._transport import listen_stream
from ._loop import asyncore, run


class Greeter(asyncore.dispatcher):
    """Send the greeting as the socket takes it, then shut our side down and close."""

    def __init__(self, conn: socket.socket, _address: PeerAddress) -> None:
        super().__init__(conn)
        self.conn = conn  # dispatcher.socket is typed optional
        self.pending = GREETING

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def handle_write(self) -> None:
        """``dispatcher.send`` returns 0 if the socket takes nothing now, or if the client has
        gone (it then closes us through ``handle_close``)."""
        self.pending = self.pending[self.send(self.pending):]
        if not self.pending:
            with contextlib.suppress(OSError):  # the client reset: nothing to shut down
                self.conn.shutdown(socket.SHUT_WR)  # FIN now: a bare close RSTs unread input
            self.close()

    def handle_close(self) -> None:
        self.close()

    def handle_error(self) -> None:
        """The client reset or went away: nothing to tell it."""
        self.close()


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, all on asyncore's loop."""
    with listen_stream(where) as listener:
        run(listener, Greeter)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
