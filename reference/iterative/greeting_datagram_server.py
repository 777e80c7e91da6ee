"""Greeting datagram server, iterative model: answer each datagram, then wait for the next.

Modernises the book's listing 14-1 (a minimal server) over datagrams: UDP, or a Unix
datagram socket with ``--unix PATH``. There is no connection: every datagram received
is a request (an empty one too), logged as the book logs a client, and answered with
one greeting datagram sent back to its sender. Mechanics: one blocking socket;
``recvfrom()`` a datagram, ``sendto()`` the reply, loop. A sender that cannot be
answered (a Unix sender that bound no path, or whose path is gone) is skipped.
"""

from __future__ import annotations

import contextlib

from .._common import Where, announce, parse_args
from .._transport import answer_next, bind_datagram


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, one after another."""
    with bind_datagram(where) as sock:
        announce(sock.getsockname())
        while True:
            answer_next(sock)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
