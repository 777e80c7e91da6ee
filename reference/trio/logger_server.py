"""Logger server, trio model: one task per client in a nursery, on trio's event loop.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) with trio's structured concurrency. Mechanics: an
accept loop runs ``log_client`` as a task per client in one nursery; it awaits
``conn.recv`` and prints every chunk until end-of-file or a reset, then logs the
leaving with the address ``accept()`` gave, shuts down and closes. An idle client is
a sleeping task: it costs nothing. With ``--unix PATH`` it serves a Unix stream
socket instead of TCP.
"""

from __future__ import annotations

import contextlib

import trio

from .._common import RECV_SIZE, PeerAddress, Where, hang_up, log_connection, log_data, parse_args
from ._server import serve_stream


async def log_client(conn: trio.socket.SocketType, address: PeerAddress) -> None:
    """Log the client, every chunk it sends, and its leaving; then close the connection."""
    log_connection(address)
    with contextlib.suppress(OSError):  # ConnectionError included: the client reset
        while data := await conn.recv(RECV_SIZE):
            log_data(data)
    hang_up(conn, address)


async def serve(where: Where) -> None:
    """Log every client connecting to ``where``, each in a task."""
    await serve_stream(where, log_client)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        trio.run(serve, args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
