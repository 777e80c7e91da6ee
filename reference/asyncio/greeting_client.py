"""Greeting client, asyncio model: fetch the greeting over TCP, a Unix socket, UDP or Unix datagrams.

Modernises the book's listing 14-2 (a minimal client) on the standard library's
event loop. Mechanics: ``asyncio.open_connection`` (TCP) or ``asyncio.open_unix_connection``
(``--unix``) connects and returns a stream pair; ``reader.read()`` (no size) gathers every
fragment until the server's FIN.

With ``--datagram``, ``loop.create_datagram_endpoint`` makes a socket connected to the
server (``remote_addr``), over Unix datagrams also bound to a path of its own
(``local_addr``, from ``private_client_path``) so that the server can answer. The client
sends one request datagram; a ``ReplyCatcher`` protocol resolves a future with the reply,
or with the error the socket reports (a UDP port with nobody bound: connection refused),
awaited at most ``REPLY_TIMEOUT`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from .._clients import (
    GREETING_REQUEST,
    REPLY_TIMEOUT,
    cannot_connect,
    connection_lost,
    fail,
    no_reply,
    parse_client_args,
    print_greeting,
    private_client_path,
)
from .._common import Where

PROG = "greeting_client"


async def stream_greeting(where: Where, shown: str) -> bytes | str:
    """The bytes the stream server at ``where`` sent before closing, or an error message.

    Realises: CLIENT-3
    """
    try:
        if isinstance(where, str):
            reader, writer = await asyncio.open_unix_connection(where)
        else:
            reader, writer = await asyncio.open_connection(*where)
    except OSError as error:  # ConnectionRefusedError, FileNotFoundError, socket.gaierror, timeouts...
        return cannot_connect(PROG, shown, error)
    try:
        return await reader.read()  # to end-of-file, however many fragments it takes
    except OSError as error:  # ConnectionResetError included
        return connection_lost(PROG, shown, error)
    finally:
        writer.close()
        with contextlib.suppress(OSError):  # the server may have reset: nothing left to close
            await writer.wait_closed()


class ReplyCatcher(asyncio.DatagramProtocol):
    """Resolve ``reply`` with the first datagram received, or with the socket's error."""

    def __init__(self, reply: asyncio.Future[bytes]) -> None:
        self.reply = reply

    def datagram_received(self, data: bytes, addr: object) -> None:
        if not self.reply.done():
            self.reply.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.reply.done():  # ConnectionRefusedError: the ICMP answer to our request
            self.reply.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.reply.done():
            self.reply.set_exception(exc or ConnectionError("the socket closed before a reply came"))


async def ask(where: Where, own: str | None) -> bytes:
    """Send the request to the datagram server at ``where`` and return its reply datagram.

    Over Unix datagrams, ``own`` is the path to bind first. Raises TimeoutError (also
    ``asyncio.TimeoutError``, distinct from it before Python 3.11) if no reply comes within
    ``REPLY_TIMEOUT`` seconds, another OSError if the server cannot be reached.
    """
    loop = asyncio.get_running_loop()
    reply: asyncio.Future[bytes] = loop.create_future()
    if isinstance(where, str):
        transport, _ = await loop.create_datagram_endpoint(
            lambda: ReplyCatcher(reply), family=socket.AF_UNIX, local_addr=own, remote_addr=where)
    else:
        transport, _ = await loop.create_datagram_endpoint(lambda: ReplyCatcher(reply), remote_addr=where)
    try:
        transport.sendto(GREETING_REQUEST)
        return await asyncio.wait_for(reply, REPLY_TIMEOUT)
    finally:
        transport.close()


async def datagram_greeting(where: Where, shown: str) -> bytes | str:
    """The datagram the server at ``where`` replied to our request with, or an error message."""
    try:
        if isinstance(where, str):
            with private_client_path() as own:
                return await ask(where, own)
        return await ask(where, None)
    except (asyncio.TimeoutError, TimeoutError):  # before OSError (TimeoutError is one); distinct before 3.11
        return no_reply(PROG, shown)
    except OSError as error:  # ConnectionRefusedError, FileNotFoundError, socket.gaierror...
        return cannot_connect(PROG, shown, error)


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    fetch = datagram_greeting if args.datagram else stream_greeting
    result = asyncio.run(fetch(args.where, args.shown))
    if isinstance(result, str):
        return fail(result)
    print_greeting(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
