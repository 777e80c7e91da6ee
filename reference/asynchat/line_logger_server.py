"""Line logger server, asynchat model: an async_chat channel per client, framed by its terminator.

Modernises the book's line logger (listing 14-9, Twisted's ``LineReceiver`` printing
each line) with the mechanics of the chapter's ``asynchat`` ("an enhanced asyncore"),
whose ``set_terminator(b"\\r\\n")`` frames lines itself. Mechanics: the listening socket
is an ``asyncore.dispatcher``; ``handle_accepted`` logs the client and wraps its socket
in a ``LineLogger`` channel. ``async_chat.handle_read`` reads one chunk and, for each
``\\r\\n`` in it, passes the bytes before it to ``collect_incoming_data`` and then calls
``found_terminator``, which prints the line gathered; a chunk ending in ``\\r`` keeps
that ``\\r`` back (``ac_in_buffer``) until the next. As with LineReceiver, only
``\\r\\n`` ends a line (a bare ``\\n`` or ``\\r`` is part of it), a line of more than
``MAX_LENGTH`` (16384) bytes, or a chunk leaving ``MAX_LENGTH + 2`` bytes or more
undelimited, drops the client (lines before it in the same chunk stay printed, none
after), and the unterminated last line is never printed. At end-of-file, on a reset or
after a line too long, the leaving is logged once with the address remembered at
accept time, and the socket shut down and closed. With ``--unix PATH`` it serves a Unix
stream socket instead of TCP.
"""

from __future__ import annotations

import contextlib
import socket

from .._common import RECV_SIZE, PeerAddress, Where, log_data, parse_args
from .._framing import DELIMITER, MAX_LENGTH
from .._transport import listen_stream
from ..asyncore._loop import Client, asynchat, run


class LineLogger(Client, asynchat.async_chat):
    """Log every complete line the client sends, and its leaving; drop a client whose line is too long.

    The lines are framed by asynchat's terminator, not by ``LineBuffer``.

    Realises: LINE-1, LINE-2, LINE-3, LINE-4, LINE-6
    """

    ac_in_buffer_size = RECV_SIZE  # one read at most, as every model reads

    def __init__(self, conn: socket.socket, address: PeerAddress) -> None:
        super().__init__(conn)
        self.conn = conn  # dispatcher.socket is typed optional
        self.address = address  # from accept(): getpeername() fails once the client has reset
        self.line = bytearray()  # the current line, gathered so far
        self.set_terminator(DELIMITER)

    def writable(self) -> bool:
        return False  # async_chat's is true for a channel not connected: a busy loop after a reset

    def collect_incoming_data(self, data: bytes) -> None:
        self.line += data

    def found_terminator(self) -> None:
        """A complete line: print it, or drop the client if it is longer than ``MAX_LENGTH``."""
        line = bytes(self.line)
        self.line.clear()
        if len(line) > MAX_LENGTH:
            self.too_long()
        else:
            self.line_received(line)

    def line_received(self, line: bytes) -> None:
        """Print the line (``lineReceived``, in Twisted's words)."""
        log_data(line)

    def handle_read(self) -> None:
        """Read and frame one chunk; then drop the client if what is left undelimited (the line
        gathered, and a ``\\r`` kept back) reaches ``MAX_LENGTH + 2`` bytes, as LineReceiver does."""
        super().handle_read()
        if not self.gone and len(self.line) + len(self.ac_in_buffer) >= MAX_LENGTH + len(DELIMITER):
            self.too_long()

    def too_long(self) -> None:
        """Discard the rest of the chunk (no line after this one is printed) and drop the client."""
        self.ac_in_buffer = b""  # async_chat's loop over the chunk stops here
        self.line.clear()
        self.handle_close()


def serve(where: Where) -> None:
    """Log the lines of every client connecting to ``where``, all on asyncore's loop."""
    with listen_stream(where) as listener:
        run(listener, LineLogger)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted (exit status 0 on Ctrl-C)."""
    args = parse_args((__doc__ or "").partition("\n")[0], argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
