"""Line logger server, uvloop model: the asyncio model's coroutines on libuv's event loop.

Modernises the book's line logger (listing 14-9, Twisted's LineReceiver) as the asyncio
model does (``reference.asyncio.line_logger_server``), and runs the very same ``serve``
coroutine: only the event loop differs. Mechanics: ``uvloop.run`` runs it on uvloop's
loop, libuv's (the event loop of Node.js) behind asyncio's interface, instead of the
standard library's selector loop; ``asyncio.start_server`` (or ``start_unix_server``)
runs ``log_client`` as a task per client: it feeds each chunk of ``reader.read()`` to a
``LineBuffer`` (LineReceiver's framing) and prints each complete line until end-of-file,
a reset or a line too long. With ``--unix PATH`` it serves a Unix stream socket instead
of TCP.
"""

from __future__ import annotations

import contextlib

import uvloop

from .._common import parse_args
from ..asyncio.line_logger_server import serve


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve(args.where))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
