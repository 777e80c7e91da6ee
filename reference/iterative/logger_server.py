"""Logger server, iterative model: log each client's data until it leaves, then the next.

Modernises the book's logging servers (listings 14-6 and 14-7, print who connected,
what they sent and when they left) without their select/poll loop. Mechanics: one
blocking listening socket; ``accept()`` a client, then ``recv()`` and print every
chunk as it arrives until end-of-file or a reset, shut down, close, and loop. One
client at a time: the others wait in the listen backlog meanwhile.
With ``--unix PATH`` it serves a Unix stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib

from .._common import Where, accept, announce, hang_up, log_data, parse_args, receive
from .._transport import listen_stream


def serve(where: Where) -> None:
    """Log every client connecting to ``where``, one after another."""
    with listen_stream(where) as listener:
        announce(listener.getsockname())
        while True:
            client = accept(listener)
            if client is None:  # the client was gone before we got to it
                continue
            conn, address = client
            while data := receive(conn):
                log_data(data)
            hang_up(conn, address)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
