"""Greeting server, asynchat model: an async_chat channel per client on asyncore's select() loop.

Modernises the book's listing 14-1 (a minimal server) with the mechanics of the
chapter's ``asynchat`` ("an enhanced asyncore"). Mechanics: the listening socket is an
``asyncore.dispatcher``; ``handle_accepted`` logs the client and wraps its socket in a
``Greeter`` channel, which ``push``-es the greeting onto its output queue and then
``close_when_done()``: once the queue is sent, the channel calls ``handle_close``, which
shuts our side down (FIN) and closes. The channel never reads. ``asyncore.loop`` runs
select() over every channel. With ``--unix PATH`` it serves a Unix stream socket
instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import GREETING, PeerAddress, Where, parse_args
from .._transport import listen_stream
from ..asyncore._loop import asynchat, run


class Greeter(asynchat.async_chat):
    """Queue the greeting and the close; once both are done, the client has its greeting."""

    def __init__(self, conn: socket.socket, _address: PeerAddress) -> None:
        super().__init__(conn)
        self.conn = conn  # dispatcher.socket is typed optional
        if not self.connected:  # it reset before we took it: the queue would never be sent
            self.close()
            return
        self.push(GREETING)
        self.close_when_done()

    def readable(self) -> bool:
        return False

    def handle_close(self) -> None:
        """All is sent (or the client has gone): FIN, then close."""
        with contextlib.suppress(OSError):  # the client reset: nothing to shut down
            self.conn.shutdown(socket.SHUT_WR)  # FIN now: a bare close RSTs unread input
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
