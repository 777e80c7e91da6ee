"""Greeting server, selectors model: one loop greets every client with a selector.

Modernises the book's listing 14-1 (a minimal server) with the standard library's
successor to the select/poll mechanics of listings 14-6 and 14-7. Mechanics:
non-blocking sockets; a ``selectors.DefaultSelector`` (epoll on Linux) has the
listener registered for EVENT_READ and each client for EVENT_WRITE only while it
still has output pending. Accepting a client queues its greeting; when the client is
writable we send what it takes, and once all is sent shut our side down (FIN), close.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import selectors
import socket

from .._common import Where, accept_greeted, announce, flush, parse_args
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, all from one selector loop."""
    with listen_stream(where) as listener, selectors.DefaultSelector() as selector:
        listener.setblocking(False)
        announce(listener.getsockname())
        pending: dict[socket.socket, bytes] = {}  # each client's output not yet sent
        selector.register(listener, selectors.EVENT_READ)
        while True:
            for key, _events in selector.select():
                if key.fileobj is listener:
                    conn = accept_greeted(listener, pending)
                    if conn is not None:
                        selector.register(conn, selectors.EVENT_WRITE, data=conn)
                elif flush(key.data, pending):
                    conn = key.data
                    selector.unregister(conn)
                    del pending[conn]
                    conn.close()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
