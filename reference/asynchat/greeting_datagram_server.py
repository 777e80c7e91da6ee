"""Greeting datagram server, asynchat model: asyncore's datagram dispatcher, since asynchat frames streams.

Modernises the book's listing 14-1 (a minimal server) over datagrams (UDP, or a Unix
datagram socket with ``--unix PATH``). Every datagram received is a request (an empty
one too), logged as the book logs a client, and answered with one greeting datagram
sent back to its sender. Mechanics: ``asynchat`` adds to ``asyncore`` only the framing
and output queue of a byte stream (``async_chat`` sends with ``send()``, which an
unconnected datagram socket cannot do), so datagrams are served as in the asyncore
model, by the same ``Greeter`` dispatcher on asyncore's select() loop: when the socket
is readable it receives and answers every datagram waiting. A reply is never waited
for: one the sender has no room for is dropped, as UDP drops it.
"""

from __future__ import annotations

import contextlib

from .._common import Where, announce, parse_args
from .._transport import bind_datagram
from ..asyncore._loop import asyncore
from ..asyncore.greeting_datagram_server import Greeter


def serve(where: Where) -> None:
    """Answer every datagram sent to ``where``, all on asyncore's loop."""
    with bind_datagram(where) as sock:
        Greeter(sock)  # in asyncore's map until the process ends
        announce(sock.getsockname())
        asyncore.loop()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
