"""Logger server, gevent model: one greenlet per client, blocking calls on gevent's hub.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) with gevent's cooperative mechanics: the handler
is the book's blocking loop, and gevent makes its calls yield. Mechanics:
``gevent.server.StreamServer`` accepts each client and runs ``log_client`` in a
greenlet of its own; each ``recv`` switches to the hub until data comes, and every
chunk is printed until end-of-file or a reset; then we log its leaving with the
address ``accept()`` gave, shut down and close. An idle client is a suspended
greenlet: it costs a little memory, no CPU. With ``--unix PATH`` it serves a Unix
stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .._common import RECV_SIZE, PeerAddress, Where, hang_up, log_connection, log_data, parse_args
from ._server import serve_stream


def log_client(conn: Any, address: PeerAddress) -> None:
    """Log the client, every chunk it sends, and its leaving; then close the connection."""
    log_connection(address)
    with contextlib.suppress(OSError):  # ConnectionError included: the client reset
        while data := conn.recv(RECV_SIZE):
            log_data(data)
    hang_up(conn, address)


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, each in a greenlet."""
    serve_stream(where, log_client)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
