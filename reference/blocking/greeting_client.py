"""Greeting client, blocking model: connect, read to end-of-file, print the greeting.

Modernises the book's listing 14-2 (a minimal client). The book prints the result of
a single ``s.recv(1024)``, which holds only what has arrived so far: TCP is a byte
stream, so a greeting sent in fragments may need several reads. Mechanics:
``socket.create_connection`` connects (trying each address of the host in turn), and
``recv`` is called until it returns ``b""``, the server's FIN.
"""

from __future__ import annotations

import socket

from .._common import (
    RECV_SIZE,
    cannot_connect,
    connection_lost,
    fail,
    parse_client_args,
    print_greeting,
)

PROG = "greeting_client"


def receive_all(conn: socket.socket) -> bytes:
    """Read from ``conn`` until the server closes its side; the bytes received."""
    chunks = []
    while chunk := conn.recv(RECV_SIZE):
        chunks.append(chunk)
    return b"".join(chunks)


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    try:
        conn = socket.create_connection((args.host, args.port))
    except OSError as error:  # ConnectionRefusedError, socket.gaierror, timeouts...
        return fail(cannot_connect(PROG, args.host, args.port, error))
    with conn:
        try:
            greeting = receive_all(conn)
        except OSError as error:  # ConnectionResetError included
            return fail(connection_lost(PROG, args.host, args.port, error))
    print_greeting(greeting)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
