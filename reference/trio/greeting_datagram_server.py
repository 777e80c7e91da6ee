"""Greeting datagram server, trio model: one task answers every datagram, on trio's event loop.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) with trio's mechanics. Every datagram received
is a request (an empty one too), logged as the book logs a client, and answered with
one greeting datagram sent back to its sender. Mechanics: the socket ``bind_datagram``
bound, wrapped as a trio socket; ``await recvfrom`` sleeps until a datagram comes. A
failed receive (e.g. ECONNREFUSED from an ICMP error) is skipped. The reply goes out
without waiting (``reply_to``): one the sender has no room for is dropped, as UDP drops
it.
"""

from __future__ import annotations

import contextlib

import trio

from .._common import RECV_SIZE, Where, announce, parse_args
from .._transport import answer, bind_datagram


async def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, one after another."""
    with bind_datagram(where) as sock:
        receiver = trio.socket.from_stdlib_socket(sock)  # the same socket, non-blocking now
        announce(sock.getsockname())
        while True:
            try:
                data, address = await receiver.recvfrom(RECV_SIZE)
            except OSError:
                continue
            answer(sock, data, address)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        trio.run(serve, args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
