"""Logger server, asyncio model: one coroutine per client on one event loop.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) on the standard library's event loop, the
successor to the Twisted mechanics of listing 14-8. Mechanics:
``asyncio.start_server`` runs ``log_client`` as a task per client; it awaits
``reader.read()`` and prints every chunk until end-of-file or a reset, then closes.
An idle client is a suspended task: it costs nothing. With ``--unix PATH`` it
serves a Unix stream socket instead of TCP (``asyncio.start_unix_server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from .._common import RECV_SIZE, Where, announce, log_connection, log_data, log_disconnection, parse_args
from .._transport import owned_path


async def log_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Log the client, every chunk it sends, and its leaving; then close the connection."""
    address = writer.get_extra_info("peername")  # taken now: unavailable after a reset
    if address is None:  # it reset even before its transport was made: nobody to log
        writer.close()
        return
    log_connection(address)
    with contextlib.suppress(OSError):  # ConnectionError included: the client reset
        while data := await reader.read(RECV_SIZE):
            log_data(data)
    log_disconnection(address)
    writer.close()
    with contextlib.suppress(OSError):  # the reset again, reported by the closing transport
        await writer.wait_closed()


async def serve(where: Where) -> None:
    """Log every client connecting to ``where``, all on one event loop."""
    with owned_path(where):  # a Unix path: claim it before binding, remove it after
        if isinstance(where, str):
            server = await asyncio.start_unix_server(log_client, where, backlog=socket.SOMAXCONN)
        else:
            server = await asyncio.start_server(log_client, *where, reuse_address=True, backlog=socket.SOMAXCONN)
        announce(server.sockets[0].getsockname())
        async with server:
            await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.where))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
