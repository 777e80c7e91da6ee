"""Line logger server, selectors model: one loop logs every client's lines with a selector.

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) with the standard library's successor to the select/poll mechanics of
listings 14-6 and 14-7. Mechanics: non-blocking sockets; a
``selectors.DefaultSelector`` (epoll on Linux) has the listener and every client
registered for EVENT_READ only, so an idle client costs nothing. A readable listener
has a client to accept; a readable client has data for its ``LineBuffer``
(LineReceiver's framing), each complete line printed, or has gone (end-of-file or a
reset). When it has gone or sent a line too long, we unregister it, log its leaving
with the address remembered at accept time, shut down and close.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import selectors
import socket

from .._common import Client, Where, accept, announce, hang_up, log_lines, parse_args, receive
from .._framing import LineBuffer
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, all from one selector loop."""
    with listen_stream(where) as listener, selectors.DefaultSelector() as selector:
        listener.setblocking(False)
        announce(listener.getsockname())
        lines: dict[socket.socket, LineBuffer] = {}  # each client's partial line
        selector.register(listener, selectors.EVENT_READ)
        while True:
            for key, _events in selector.select():
                client: Client | None = key.data  # None for the listener
                if client is None:
                    if (client := accept(listener, blocking=False)) is not None:
                        lines[client.conn] = LineBuffer()
                        selector.register(client.conn, selectors.EVENT_READ, data=client)
                elif (data := receive(client.conn)) is None:  # nothing to read after all
                    continue
                elif not data or log_lines(lines[client.conn], data):  # gone, or a line too long: drop it
                    del lines[client.conn]
                    selector.unregister(client.conn)
                    hang_up(client.conn, client.address)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
