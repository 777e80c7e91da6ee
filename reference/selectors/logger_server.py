"""Logger server, selectors model: one loop logs every client with a selector.

Modernises the book's logging servers (listings 14-6 and 14-7) with the standard
library's successor to their select/poll mechanics. Mechanics: non-blocking sockets;
a ``selectors.DefaultSelector`` (epoll on Linux) has the listener and every client
registered for EVENT_READ only, so an idle client costs nothing. A readable listener
has a client to accept; a readable client has data to print, or has gone
(end-of-file or a reset): we then unregister it, log its leaving with the address
remembered at accept time (``getpeername()`` fails after a reset), shut down and close.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import selectors

from .._common import Client, Where, accept, announce, hang_up, log_data, parse_args, receive
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, all from one selector loop."""
    with listen_stream(where) as listener, selectors.DefaultSelector() as selector:
        listener.setblocking(False)
        announce(listener.getsockname())
        selector.register(listener, selectors.EVENT_READ)
        while True:
            for key, _events in selector.select():
                client: Client | None = key.data  # None for the listener
                if client is None:
                    if (client := accept(listener, blocking=False)) is not None:
                        selector.register(client.conn, selectors.EVENT_READ, data=client)
                elif (data := receive(client.conn)) is None:  # nothing to read after all
                    continue
                elif data:
                    log_data(data)
                else:  # end-of-file or a reset
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
