"""Logger server, asynchat model: an async_chat channel per client on asyncore's select() loop.

Modernises the book's listing 14-6 (a simple server using select) with the mechanics of
the chapter's ``asynchat`` ("an enhanced asyncore"). Mechanics: the listening socket is
an ``asyncore.dispatcher``; ``handle_accepted`` logs the client and wraps its socket in
a ``Logger`` channel whose terminator is None: ``async_chat.handle_read`` then hands
each chunk received whole to ``collect_incoming_data``, which prints it. The channel
never writes, so an idle client costs nothing. At end-of-file or on a reset
(``dispatcher.recv`` calls ``handle_close``) the leaving is logged once with the address
remembered at accept time, and the socket shut down and closed. With ``--unix PATH`` it
serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import RECV_SIZE, PeerAddress, Where, log_data, parse_args
from .._transport import listen_stream
from ..asyncore._loop import Client, asynchat, run


class Logger(Client, asynchat.async_chat):
    """Log every chunk the client sends, and its leaving."""

    ac_in_buffer_size = RECV_SIZE  # one read at most, as every model reads

    def __init__(self, conn: socket.socket, address: PeerAddress) -> None:
        super().__init__(conn)
        self.conn = conn  # dispatcher.socket is typed optional
        self.address = address  # from accept(): getpeername() fails once the client has reset
        self.set_terminator(None)  # no framing: every chunk as it comes

    def writable(self) -> bool:
        return False  # async_chat's is true for a channel not connected: a busy loop after a reset

    def collect_incoming_data(self, data: bytes) -> None:
        log_data(data)

    def found_terminator(self) -> None:
        """Never called: there is no terminator."""


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, all on asyncore's loop."""
    with listen_stream(where) as listener:
        run(listener, Logger)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
