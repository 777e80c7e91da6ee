"""Greeting server, trio model: one task per client in a nursery, on trio's event loop.

Modernises the book's listing 14-1 (a minimal server) with trio's structured
concurrency: the handler reads as the book's blocking code, with ``await`` at each call
that waits. Mechanics: an accept loop runs ``greet`` as a task per client in one
nursery; ``await conn.send`` sends what the socket takes of the greeting until all is
sent, then we shut our side down (FIN) and close. With ``--unix PATH`` it serves a Unix
stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

import trio

from .._common import GREETING, PeerAddress, Where, log_connection, parse_args
from ._server import serve_stream


async def greet(conn: trio.socket.SocketType, address: PeerAddress) -> None:
    """Log the client, greet it, and close the connection once the greeting is out."""
    log_connection(address)
    with conn, contextlib.suppress(OSError):  # the client reset or went away: nothing to tell it
        pending = GREETING
        while pending:
            pending = pending[await conn.send(pending):]
        conn.shutdown(socket.SHUT_WR)  # FIN now: a bare close RSTs unread input


async def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, each in a task."""
    await serve_stream(where, greet)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        trio.run(serve, args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
