"""Line logger server, select model: one loop logs every client's lines with select().

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) on the mechanics of listing 14-6 (a simple server using select).
Mechanics: non-blocking sockets; ``select.select`` watches the listener and every
client for readability only, so an idle client costs nothing. A readable listener
has a client to accept; a readable client has data for its ``LineBuffer``
(LineReceiver's framing), each complete line printed, or has gone (end-of-file or a
reset). When it has gone or sent a line too long, we log its leaving with the
address remembered at accept time, shut down and close. With ``--unix PATH`` it
serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import select
import socket

from .._common import PeerAddress, Where, accept, announce, hang_up, log_lines, parse_args, receive
from .._framing import LineBuffer
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, all from one select() loop."""
    with listen_stream(where) as listener:
        listener.setblocking(False)
        announce(listener.getsockname())
        addresses: dict[socket.socket, PeerAddress] = {}  # each client's, from accept()
        lines: dict[socket.socket, LineBuffer] = {}  # each client's partial line
        while True:
            readable, _, _ = select.select([listener, *addresses], [], [])
            for conn in readable:
                if conn is listener:
                    if (client := accept(listener, blocking=False)) is not None:
                        addresses[client.conn] = client.address
                        lines[client.conn] = LineBuffer()
                elif (data := receive(conn)) is None:  # nothing to read after all
                    continue
                elif not data or log_lines(lines[conn], data):  # gone, or a line too long: drop it
                    del lines[conn]
                    hang_up(conn, addresses.pop(conn))


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
