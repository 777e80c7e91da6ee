"""Line logger server, asyncore model: a dispatcher per client on asyncore's select() loop.

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) with the mechanics of the chapter's ``asyncore`` ("asynchronous socket
handler"). Mechanics: the listening socket is an ``asyncore.dispatcher``;
``handle_accepted`` logs the client and wraps its socket in a ``LineLogger``
dispatcher, which is only ``readable()``. ``handle_read`` feeds each chunk to a
``LineBuffer`` (LineReceiver's framing), each complete line printed; at end-of-file, on
a reset (``dispatcher.recv`` then calls ``handle_close``) or after a line too long, the
leaving is logged once with the address remembered at accept time, and the socket
shut down and closed. (The asynchat model frames lines with asynchat's own
terminator instead.) With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import RECV_SIZE, PeerAddress, Where, log_lines, parse_args
from .._framing import LineBuffer
from .._transport import listen_stream
from ._loop import Client, run


class LineLogger(Client):
    """Log every complete line the client sends, and its leaving."""

    def __init__(self, conn: socket.socket, address: PeerAddress) -> None:
        super().__init__(conn)
        self.conn = conn  # dispatcher.socket is typed optional
        self.address = address  # from accept(): getpeername() fails once the client has reset
        self.lines = LineBuffer()

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        data = self.recv(RECV_SIZE)  # b"": gone, and handle_close has run
        if data and log_lines(self.lines, data):  # a line too long: drop the client
            self.handle_close()


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, all on asyncore's loop."""
    with listen_stream(where) as listener:
        run(listener, LineLogger)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
