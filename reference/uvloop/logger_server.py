"""Logger server, uvloop model: the asyncio model's coroutines on libuv's event loop.

Modernises the book's logging servers (listings 14-6 and 14-7) as the asyncio model does
(``reference.asyncio.logger_server``), and runs the very same ``serve`` coroutine: only
the event loop differs. Mechanics: ``uvloop.run`` runs it on uvloop's loop, libuv's (the
event loop of Node.js) behind asyncio's interface, instead of the standard library's
selector loop; ``asyncio.start_server`` (or ``start_unix_server``) runs ``log_client``
as a task per client: it awaits ``reader.read()`` and prints every chunk until
end-of-file or a reset, then closes. With ``--unix PATH`` it serves a Unix stream socket
instead of TCP.
"""

from __future__ import annotations

import contextlib

import uvloop

from .._common import parse_args
from ..asyncio.logger_server import serve


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve(args.where))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
