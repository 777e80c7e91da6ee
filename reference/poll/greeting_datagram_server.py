"""Greeting datagram server, poll model: one loop answers every datagram with poll().

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``) with the mechanics of listing 14-7 (a simple
server using poll). Every datagram received is a request (an empty one too), logged
as the book logs a client, and answered with one greeting datagram sent back to its
sender. Mechanics: one non-blocking socket registered with ``select.poll`` for POLLIN;
once it is readable we ``recvfrom()`` and answer every datagram waiting, until none is
left (BlockingIOError). A reply is never waited for: one the sender has no room for is
dropped, as UDP drops it.
"""

from __future__ import annotations

import contextlib
import select

from .._common import Where, announce, parse_args
from .._transport import answer_next, bind_datagram


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all from one poll() loop."""
    with bind_datagram(where) as sock:
        sock.setblocking(False)
        announce(sock.getsockname())
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        while True:
            if poller.poll():
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
