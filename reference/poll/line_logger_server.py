"""Line logger server, poll model: one loop logs every client's lines with poll().

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) on the mechanics of listing 14-7 (a simple server using poll). Mechanics:
non-blocking sockets; ``select.poll`` has the listener and every client registered
for POLLIN only (the default mask includes POLLOUT, which a connected socket always
has, so the book's ``p.register(c)`` makes the loop spin). A readable listener has a
client to accept; a readable client has data for its ``LineBuffer`` (LineReceiver's
framing), each complete line printed, or has gone (end-of-file or a reset). When it
has gone or sent a line too long, we unregister it, log its leaving with the address
remembered at accept time, shut down and close. With ``--unix PATH`` it serves a
Unix stream socket instead of TCP.

Realises: RES-3
"""

from __future__ import annotations

import contextlib
import select

from .._common import Client, Where, accept, announce, hang_up, log_lines, parse_args, receive
from .._framing import LineBuffer
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, all from one poll() loop."""
    with listen_stream(where) as listener:
        listener.setblocking(False)
        announce(listener.getsockname())
        clients: dict[int, Client] = {}  # poll() reports file descriptors
        lines: dict[int, LineBuffer] = {}  # each client's partial line
        poller = select.poll()
        poller.register(listener, select.POLLIN)
        while True:
            for fd, _event in poller.poll():
                if fd == listener.fileno():
                    if (client := accept(listener, blocking=False)) is not None:
                        clients[client.conn.fileno()] = client
                        lines[client.conn.fileno()] = LineBuffer()
                        poller.register(client.conn, select.POLLIN)
                elif (data := receive(clients[fd].conn)) is None:  # nothing to read after all
                    continue
                elif not data or log_lines(lines[fd], data):  # gone, or a line too long: drop it
                    conn, address = clients.pop(fd)
                    del lines[fd]
                    poller.unregister(conn)
                    hang_up(conn, address)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
