"""Greeting datagram server, asyncio model: one DatagramProtocol answers every datagram on one event loop.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) on the standard library's event loop, the
successor to the Twisted mechanics of listing 14-8. Every datagram received is a
request (an empty one too), logged as the book logs a client, and answered with one
greeting datagram sent back to its sender. Mechanics: ``loop.create_datagram_endpoint``
is given the socket ``bind_datagram`` bound (``sock=``: asyncio's own binding of a Unix
path would delete any socket file there, a running server's included); its transport
reads the socket and calls ``datagram_received`` for each datagram. The reply goes out
on that socket without waiting (``reply_to``), not through ``transport.sendto``: the
transport queues a reply the sender has no room for and, since an unconnected Unix
datagram socket always polls writable, retries it in a busy loop that holds up every
reply after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from .._common import PeerAddress, Where, announce, parse_args
from .._transport import answer, bind_datagram


class Greeter(asyncio.DatagramProtocol):
    """Log each datagram's sender and content, and send the greeting back to the sender."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def datagram_received(self, data: bytes, addr: PeerAddress) -> None:
        answer(self.sock, data, addr)

    def error_received(self, exc: Exception) -> None:
        """A failed receive (e.g. ECONNREFUSED) is no reason to stop serving: the transport goes on.

        Realises: DGRAM-6
        """


async def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all on one event loop."""
    loop = asyncio.get_running_loop()
    with bind_datagram(where) as sock:
        transport, _ = await loop.create_datagram_endpoint(lambda: Greeter(sock), sock=sock)
        try:
            announce(sock.getsockname())
            await loop.create_future()  # serve until cancelled (Ctrl-C)
        finally:
            transport.close()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.where))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
