"""Line logger server, iterative model: log each client's lines until it leaves, then the next.

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) without the reactor. Mechanics: one blocking listening socket; ``accept()``
a client, then ``recv()`` chunks into a ``LineBuffer`` (LineReceiver's framing) and
print each complete line, until end-of-file, a reset or a line too long (then drop
the client), shut down, close, and loop. One client at a time: the others wait in the
listen backlog meanwhile. With ``--unix PATH`` it serves a Unix stream socket instead
of TCP.
"""

from __future__ import annotations

import contextlib

from .._common import Where, accept, announce, hang_up, log_lines, parse_args, receive
from .._framing import LineBuffer
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, one after another."""
    with listen_stream(where) as listener:
        announce(listener.getsockname())
        while True:
            client = accept(listener)
            if client is None:  # the client was gone before we got to it
                continue
            conn, address = client
            lines = LineBuffer()
            while data := receive(conn):
                if log_lines(lines, data):  # a line too long: drop the client
                    break
            hang_up(conn, address)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
