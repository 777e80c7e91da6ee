"""Greeting server, iterative model: greet each client, close, serve the next.

Modernises the book's listing 14-1 (a minimal server). Mechanics: one blocking
listening socket; ``accept()`` a client, ``sendall()`` the greeting, shut our side
down (FIN) and close, then loop. One client at a time: the others wait in the
listen backlog meanwhile. With ``--unix PATH`` it serves a Unix stream socket
instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import GREETING, Where, announce, log_connection, parse_args
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, one after another."""
    with listen_stream(where) as listener:
        announce(listener.getsockname())
        while True:
            try:
                conn, address = listener.accept()
            except OSError:  # the client was gone before we got to it
                continue
            with conn:
                log_connection(address)
                with contextlib.suppress(OSError):  # the client reset or went away: nothing to tell it
                    conn.sendall(GREETING)
                    conn.shutdown(socket.SHUT_WR)  # FIN now: a bare close RSTs unread input


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
