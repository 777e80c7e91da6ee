"""Logger server, asyncore model: a dispatcher per client on asyncore's select() loop.

Modernises the book's listing 14-6 (a simple server using select) with the mechanics of
the chapter's ``asyncore`` ("asynchronous socket handler"), which wraps that loop.
Mechanics: the listening socket is an ``asyncore.dispatcher``; ``handle_accepted`` logs
the client and wraps its socket in a ``Logger`` dispatcher, which is only
``readable()``, so an idle client costs nothing. ``handle_read`` prints each chunk;
``dispatcher.recv`` returns ``b""`` at end-of-file or on a reset, after calling
``handle_close``, which logs the leaving (once) with the address remembered at accept
time, shuts down and closes. With ``--unix PATH`` it serves a Unix stream socket
instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import RECV_SIZE, PeerAddress, Where, log_data, parse_args
from .._transport import listen_stream
from ._loop import Client, run


class Logger(Client):
    """Log every chunk the client sends, and its leaving."""

    def __init__(self, conn: socket.socket, address: PeerAddress) -> None:
        super().__init__(conn)
        self.conn = conn  # dispatcher.socket is typed optional
        self.address = address  # from accept(): getpeername() fails once the client has reset

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        if data := self.recv(RECV_SIZE):  # b"": gone, and handle_close has run
            log_data(data)


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
