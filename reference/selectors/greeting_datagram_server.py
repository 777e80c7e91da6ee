"""Greeting datagram server, selectors model: one loop answers every datagram with a selector.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) with the standard library's successor to the
select/poll mechanics of listings 14-6 and 14-7. Every datagram received is a request
(an empty one too), logged as the book logs a client, and answered with one greeting
datagram sent back to its sender. Mechanics: one non-blocking socket registered with a
``selectors.DefaultSelector`` (epoll on Linux) for EVENT_READ; once it is readable we
``recvfrom()`` and answer every datagram waiting, until none is left (BlockingIOError).
A reply is never waited for: one the sender has no room for is dropped, as UDP drops it.
"""

from __future__ import annotations

import contextlib
import selectors

from .._common import Where, announce, parse_args
from .._transport import answer_next, bind_datagram


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all from one selector loop."""
    with bind_datagram(where) as sock, selectors.DefaultSelector() as selector:
        sock.setblocking(False)
        announce(sock.getsockname())
        selector.register(sock, selectors.EVENT_READ)
        while True:
            if selector.select():
                while answer_next(sock):
                    pass


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
