"""Logger server, poll model: one loop logs every client with poll().

Modernises the book's listing 14-7 (a simple server using poll). Mechanics:
non-blocking sockets; ``select.poll`` has the listener and every client registered
for POLLIN only (the default mask includes POLLOUT, which a connected socket always
has, so the book's ``p.register(c)`` makes the loop spin). A readable listener has a
client to accept; a readable client has data to print, or has gone (end-of-file or
a reset): we then unregister it, log its leaving with the address remembered at
accept time (the book's ``getpeername()`` fails after a reset), shut down and close.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.

Realises: RES-3
"""

from __future__ import annotations

import contextlib
import select

from .._common import Client, Where, accept, announce, hang_up, log_data, parse_args, receive
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, all from one poll() loop."""
    with listen_stream(where) as listener:
        listener.setblocking(False)
        announce(listener.getsockname())
        clients: dict[int, Client] = {}  # poll() reports file descriptors
        poller = select.poll()
        poller.register(listener, select.POLLIN)
        while True:
            for fd, _event in poller.poll():
                if fd == listener.fileno():
                    if (client := accept(listener, blocking=False)) is not None:
                        clients[client.conn.fileno()] = client
                        poller.register(client.conn, select.POLLIN)
                elif (data := receive(clients[fd].conn)) is None:  # nothing to read after all
                    continue
                elif data:
                    log_data(data)
                else:  # end-of-file or a reset
                    conn, address = clients.pop(fd)
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
