"""Greeting client, blocking model: fetch the greeting over TCP, a Unix socket, UDP or Unix datagrams.

Modernises the book's listing 14-2 (a minimal client). The book prints the result of
a single ``s.recv(1024)``, which holds only what has arrived so far: a stream (TCP,
or a Unix stream socket) is a byte stream, so a greeting sent in fragments may need
several reads. Mechanics: ``socket.create_connection`` connects over TCP (trying each
address of the host in turn), a plain ``AF_UNIX`` socket connects to a path (``--unix``),
and ``recv`` is called until it returns ``b""``, the server's FIN.

With ``--datagram`` there is no connection to read to its end: the client sends one
request datagram and prints the one datagram that answers it, waiting at most
``REPLY_TIMEOUT`` seconds (a socket timeout). Its socket is ``connect``-ed to the server,
so a UDP port with nobody bound reports "connection refused" (the ICMP error reaches
a connected socket only), and over Unix datagrams it first binds a path of its own
(``private_client_path``): an unbound sender cannot be answered.
"""

from __future__ import annotations

import socket

from .._clients import (
    GREETING_REQUEST,
    REPLY_TIMEOUT,
    cannot_connect,
    connection_lost,
    fail,
    no_reply,
    parse_client_args,
    print_greeting,
    private_client_path,
    udp_address,
)
from .._common import RECV_SIZE, Where

PROG = "greeting_client"


def receive_all(conn: socket.socket) -> bytes:
    """Read from ``conn`` until the server closes its side; the bytes received.

    Realises: CLIENT-3
    """
    chunks = []
    while chunk := conn.recv(RECV_SIZE):
        chunks.append(chunk)
    return b"".join(chunks)


def connect_stream(where: Where) -> socket.socket:
    """A stream socket connected to ``where``: TCP to ``(host, port)``, or a Unix socket path."""
    if not isinstance(where, str):
        return socket.create_connection(where)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(where)
    except BaseException:
        conn.close()
        raise
    return conn


def stream_greeting(where: Where, shown: str) -> bytes | str:
    """The bytes the stream server at ``where`` sent before closing, or an error message."""
    try:
        conn = connect_stream(where)
    except OSError as error:  # ConnectionRefusedError, FileNotFoundError, socket.gaierror, timeouts...
        return cannot_connect(PROG, shown, error)
    with conn:
        try:
            return receive_all(conn)
        except OSError as error:  # ConnectionResetError included
            return connection_lost(PROG, shown, error)


def ask(sock: socket.socket, server: Where) -> bytes:
    """Connect ``sock`` to ``server``, send the request, and return the one datagram replying.

    Raises TimeoutError if no reply comes within ``REPLY_TIMEOUT`` seconds, another OSError
    if the server cannot be reached (ConnectionRefusedError: nobody there).
    """
    sock.settimeout(REPLY_TIMEOUT)
    sock.connect(server)  # only the server's datagrams come in; its port's ICMP errors too
    sock.send(GREETING_REQUEST)
    return sock.recv(RECV_SIZE)


def datagram_greeting(where: Where, shown: str) -> bytes | str:
    """The datagram the server at ``where`` replied to our request with, or an error message."""
    try:
        if isinstance(where, str):
            with private_client_path() as own, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.bind(own)
                return ask(sock, where)
        family, server = udp_address(*where)
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            return ask(sock, server)
    except TimeoutError:  # socket.timeout is TimeoutError, an OSError: first
        return no_reply(PROG, shown)
    except OSError as error:  # ConnectionRefusedError, FileNotFoundError, socket.gaierror...
        return cannot_connect(PROG, shown, error)


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    fetch = datagram_greeting if args.datagram else stream_greeting
    result = fetch(args.where, args.shown)
    if isinstance(result, str):
        return fail(result)
    print_greeting(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
