"""Greeting datagram server, uvloop model: the asyncio model's coroutines on libuv's event loop.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) as the asyncio model does
(``reference.asyncio.greeting_datagram_server``), and runs the very same ``serve``
coroutine: only the event loop differs. Mechanics: ``uvloop.run`` runs it on uvloop's
loop, libuv's (the event loop of Node.js) behind asyncio's interface, instead of the
standard library's selector loop; ``loop.create_datagram_endpoint`` is given the socket
``bind_datagram`` bound, and its ``Greeter`` protocol logs each datagram and sends the
greeting back without waiting.
"""

from __future__ import annotations

import contextlib

import uvloop

from .._common import parse_args
from ..asyncio.greeting_datagram_server import serve


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve(args.where))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
