"""Logger server, select model: one loop logs every client with select().

Modernises the book's listing 14-6 (a simple server using select). Mechanics:
non-blocking sockets; ``select.select`` watches the listener and every client for
readability only, so an idle client costs nothing. A readable listener has a client
to accept; a readable client has data to print, or has gone (end-of-file or a
reset): we then log its leaving with the address remembered at accept time (the
book's ``getpeername()`` fails after a reset), shut down and close.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import select
import socket

from .._common import PeerAddress, Where, accept, announce, hang_up, log_data, parse_args, receive
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, all from one select() loop."""
    with listen_stream(where) as listener:
        listener.setblocking(False)
        announce(listener.getsockname())
        addresses: dict[socket.socket, PeerAddress] = {}  # each client's, from accept()
        while True:
            readable, _, _ = select.select([listener, *addresses], [], [])
            for conn in readable:
                if conn is listener:
                    if (client := accept(listener, blocking=False)) is not None:
                        addresses[client.conn] = client.address
                elif (data := receive(conn)) is None:  # nothing to read after all
                    continue
                elif data:
                    log_data(data)
                else:  # end-of-file or a reset
                    hang_up(conn, addresses.pop(conn))


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
