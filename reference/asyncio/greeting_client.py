"""Greeting client, asyncio model: connect, read to end-of-file, print the greeting.

Modernises the book's listing 14-2 (a minimal client) on the standard library's
event loop. Mechanics: ``asyncio.open_connection`` connects and returns a stream
pair; ``reader.read()`` (no size) gathers every fragment until the server's FIN.
"""

from __future__ import annotations

import asyncio
import contextlib

from .._common import cannot_connect, connection_lost, fail, parse_client_args, print_greeting

PROG = "greeting_client"


async def fetch_greeting(host: str, port: int) -> bytes | str:
    """The bytes the server at ``(host, port)`` sent before closing, or an error message."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as error:  # ConnectionRefusedError, socket.gaierror, timeouts...
        return cannot_connect(PROG, host, port, error)
    try:
        return await reader.read()  # to end-of-file, however many fragments it takes
    except OSError as error:  # ConnectionResetError included
        return connection_lost(PROG, host, port, error)
    finally:
        writer.close()
        with contextlib.suppress(OSError):  # the server may have reset: nothing left to close
            await writer.wait_closed()


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    result = asyncio.run(fetch_greeting(args.host, args.port))
    if isinstance(result, str):
        return fail(result)
    print_greeting(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
