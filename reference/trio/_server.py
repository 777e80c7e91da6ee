"""What every trio-model stream server does the same way: accept clients in a loop, each served
by a task of its own in one nursery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from .._common import PeerAddress, Where, announce
from .._transport import listen_stream


async def serve_stream(where: Where, handle: Callable[[trio.socket.SocketType, PeerAddress], Awaitable[None]]) -> None:
    """Run ``handle(conn, address)`` in a task of its own for every client connecting to ``where``.

    The listening socket comes from ``listen_stream`` (SO_REUSEADDR, backlog SOMAXCONN, a Unix
    path claimed and removed), wrapped as a trio socket: ``await accept()`` sleeps until a
    client comes and gives its address as ``accept()`` does (``trio.serve_listeners`` would hand
    over a stream only, whose ``getpeername()`` fails once the client has reset). A client gone
    before it was accepted (ECONNABORTED) is skipped.
    """
    with listen_stream(where) as sock:
        listener = trio.socket.from_stdlib_socket(sock)
        announce(sock.getsockname())
        async with trio.open_nursery() as nursery:
            while True:
                try:
                    conn, address = await listener.accept()
                except OSError:
                    continue
                nursery.start_soon(handle, conn, address)
