"""Line logger server, gevent model: one greenlet per client, blocking calls on gevent's hub.

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) with gevent's cooperative mechanics. Mechanics: ``gevent.server.StreamServer``
accepts each client and runs ``log_client`` in a greenlet of its own; each ``recv``
switches to the hub until data comes, and every chunk goes to a ``LineBuffer``
(LineReceiver's framing), each complete line printed, until end-of-file, a reset or a
line too long (then it drops the client); then we log its leaving with the address
``accept()`` gave, shut down and close. With ``--unix PATH`` it serves a Unix stream
socket instead of TCP.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .._common import RECV_SIZE, PeerAddress, Where, hang_up, log_connection, log_lines, parse_args
from .._framing import LineBuffer
from ._server import serve_stream


def log_client(conn: Any, address: PeerAddress) -> None:
    """Log the client, every complete line it sends, and its leaving; then close the connection."""
    log_connection(address)
    lines = LineBuffer()
    with contextlib.suppress(OSError):  # ConnectionError included: the client reset
        while data := conn.recv(RECV_SIZE):
            if log_lines(lines, data):  # a line too long: drop the client
                break
    hang_up(conn, address)


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, each in a greenlet."""
    serve_stream(where, log_client)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
