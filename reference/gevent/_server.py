"""What every gevent-model stream server does the same way: serve a listening socket with
``gevent.server.StreamServer``, announce it, and run until interrupted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gevent.server import StreamServer

from .._common import Where, announce
from .._transport import listen_stream


def serve_stream(where: Where, handle: Callable[[Any, Any], object]) -> None:
    """Run ``handle(conn, address)`` in a greenlet of its own for every client connecting to ``where``.

    The listening socket comes from ``listen_stream`` (SO_REUSEADDR, backlog SOMAXCONN, a Unix
    path claimed and removed), non-blocking: ``StreamServer`` accepts from it when gevent's hub
    (a libev or libuv loop) finds it readable, and hands each client over as a gevent socket,
    whose blocking calls switch to the hub instead of blocking the process.
    """
    with listen_stream(where) as listener:
        listener.setblocking(False)
        server = StreamServer(listener, handle)
        announce(listener.getsockname())
        server.serve_forever()
