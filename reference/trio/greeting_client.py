"""Greeting client, trio model: fetch the greeting over TCP, a Unix socket, UDP or Unix datagrams.

Modernises the book's listing 14-2 (a minimal client) on trio's event loop. Mechanics:
``trio.open_tcp_stream`` connects over TCP (trying each address of the host, "happy
eyeballs"), ``trio.open_unix_socket`` to a path (``--unix``); ``receive_some`` is awaited
until it returns ``b""``, the server's FIN, gathering every fragment. When every
attempt to connect fails, trio raises one OSError whose cause groups the attempts'
errors: the first of them is the one reported, as ``socket.create_connection`` reports.

With ``--datagram``, a trio socket ``connect``-ed to the server (over Unix datagrams
first bound to a path of its own, from ``private_client_path``, so that the server can
answer) sends one request datagram and awaits the one datagram that answers it, at
most ``REPLY_TIMEOUT`` seconds (``trio.fail_after``); a UDP port with nobody bound
reports "connection refused".
"""

from __future__ import annotations

import socket

import trio

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


def first_attempt(error: OSError) -> BaseException:
    """The error of the first connection attempt, when trio grouped them (``__cause__``), else ``error``."""
    attempts = getattr(error.__cause__, "exceptions", ())
    return attempts[0] if attempts else error


async def stream_greeting(where: Where, shown: str) -> bytes | str:
    """The bytes the stream server at ``where`` sent before closing, or an error message.

    Realises: CLIENT-3
    """
    try:
        if isinstance(where, str):
            stream: trio.SocketStream = await trio.open_unix_socket(where)
        else:
            stream = await trio.open_tcp_stream(*where)
    except OSError as error:  # ConnectionRefusedError, FileNotFoundError, socket.gaierror...
        return cannot_connect(PROG, shown, first_attempt(error))
    chunks = []
    async with stream:
        try:
            while chunk := await stream.receive_some(RECV_SIZE):
                chunks.append(chunk)
        except trio.BrokenResourceError as error:  # its cause: ConnectionResetError, say
            return connection_lost(PROG, shown, error.__cause__ or error)
    return b"".join(chunks)


async def ask(sock: trio.socket.SocketType, server: Where) -> bytes:
    """Connect ``sock`` to ``server``, send the request, and return the one datagram replying.

    Raises ``trio.TooSlowError`` if no reply comes within ``REPLY_TIMEOUT`` seconds, an OSError
    if the server cannot be reached (ConnectionRefusedError: nobody there).
    """
    await sock.connect(server)  # only the server's datagrams come in; its port's ICMP errors too
    await sock.send(GREETING_REQUEST)
    with trio.fail_after(REPLY_TIMEOUT):
        return await sock.recv(RECV_SIZE)


async def datagram_greeting(where: Where, shown: str) -> bytes | str:
    """The datagram the server at ``where`` replied to our request with, or an error message."""
    try:
        if isinstance(where, str):
            with private_client_path() as own, trio.socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                await sock.bind(own)
                return await ask(sock, where)
        family, server = udp_address(*where)
        with trio.socket.socket(family, socket.SOCK_DGRAM) as sock:
            return await ask(sock, server)
    except trio.TooSlowError:
        return no_reply(PROG, shown)
    except OSError as error:  # ConnectionRefusedError, FileNotFoundError, socket.gaierror...
        return cannot_connect(PROG, shown, error)


def main(argv: list[str] | None = None) -> int:
    """Print the server's greeting (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_client_args((__doc__ or "").partition("\n")[0], argv)
    fetch = datagram_greeting if args.datagram else stream_greeting
    result = trio.run(fetch, args.where, args.shown)
    if isinstance(result, str):
        return fail(result)
    print_greeting(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
