"""Greeting server, asyncio model: one coroutine per client on one event loop.

Modernises the book's listing 14-1 (a minimal server) on the standard library's
event loop, the successor to the Twisted mechanics of listing 14-8. Mechanics:
``asyncio.start_server`` runs ``greet`` as a task per client; it writes the
greeting, sends EOF (FIN), waits for the output to drain, then closes. With
``--unix PATH`` it serves a Unix stream socket instead of TCP
(``asyncio.start_unix_server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from .._common import GREETING, Where, announce, log_connection, parse_args
from .._transport import owned_path


async def greet(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Log the client, greet it, and close the connection once the greeting is out."""
    log_connection(writer.get_extra_info("peername"))
    try:
        writer.write(GREETING)
        writer.write_eof()  # FIN now: a bare close RSTs unread input
        await writer.drain()
        writer.close()
        await writer.wait_closed()
    except OSError:  # ConnectionError included: the client reset or went away
        writer.close()  # a no-op if already closed; never leak the socket


async def serve(where: Where) -> None:
    """Greet every client connecting to ``where``, all on one event loop."""
    with owned_path(where):  # a Unix path: claim it before binding, remove it after
        if isinstance(where, str):
            server = await asyncio.start_unix_server(greet, where, backlog=socket.SOMAXCONN)
        else:
            server = await asyncio.start_server(greet, *where, reuse_address=True, backlog=socket.SOMAXCONN)
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
