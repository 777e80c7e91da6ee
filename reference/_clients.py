"""What every reference client shares: the command line, the one-line error messages, the
datagram clients' request and private path, and the URL clients' helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import tempfile
from collections.abc import Iterator
from email.message import Message

from ._common import DEFAULT_HOST, DEFAULT_PORT


def parse_client_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1) and ``--port`` (default 1234) of the server to connect to, or
    ``--unix PATH``; ``--datagram`` for UDP or Unix datagrams. ``args.where``: ``(host, port)`` or
    the path; ``args.shown``: it as ``host:port`` or the path, for messages."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=DEFAULT_HOST, help="server address (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="server port (default %(default)s)")
    parser.add_argument("--unix", metavar="PATH", help="the server's Unix socket path instead of an IP port")
    parser.add_argument("--datagram", action="store_true", help="use datagrams (UDP, or Unix datagrams)")
    args = parser.parse_args(argv)
    args.where = args.unix if args.unix is not None else (args.host, args.port)
    args.shown = args.unix if args.unix is not None else f"{args.host}:{args.port}"
    return args


def describe(error: BaseException) -> str:
    """A short lower-case phrase for ``error``: ``connection refused``, ``HTTP Error 404: Not Found``.

    An OSError with an errno is named by the errno alone (asyncio's ``Connect call failed
    (...)`` becomes ``connection refused``, as the blocking socket says); a resolver error
    by its text; anything else by its message, or its class name if it has none.
    """
    import http.client
    import os
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return str(error)  # HTTP Error 404: Not Found
    if isinstance(error, urllib.error.URLError):  # ContentTooShortError included
        reason = error.reason
        return describe(reason) if isinstance(reason, BaseException) else str(reason)
    if isinstance(error, socket.gaierror):
        text = str(error.strerror or error)
    elif isinstance(error, OSError) and isinstance(error.errno, int) and error.errno > 0:
        text = os.strerror(error.errno)
    elif isinstance(error, http.client.IncompleteRead):
        text = incomplete(len(error.partial), len(error.partial) + (error.expected or 0))
    else:
        text = str(error) or type(error).__name__
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def cannot_connect(prog: str, where: str, error: BaseException) -> str:
    """``greeting_client: cannot connect to 127.0.0.1:1234: connection refused``; ``where`` is the
    server as ``args.shown`` gives it (``host:port``, or a Unix socket path).

    Realises: CLIENT-4
    """
    return f"{prog}: cannot connect to {where}: {describe(error)}"


def connection_lost(prog: str, where: str, error: BaseException) -> str:
    """``greeting_client: connection to 127.0.0.1:1234 lost: connection reset by peer``; ``where``
    as for ``cannot_connect``."""
    return f"{prog}: connection to {where} lost: {describe(error)}"


# --- Datagram clients: one request datagram, one reply datagram, and a path of their own over Unix.

#: What a datagram client sends to ask for the greeting: a server answers the datagram's sender.
GREETING_REQUEST = b"Hello"
#: How long a datagram client waits for the reply, in seconds (a datagram may be lost: no FIN to wait for).
REPLY_TIMEOUT = 10.0


def no_reply(prog: str, where: str) -> str:
    """``greeting_client: no reply from 127.0.0.1:1234 within 10s``."""
    return f"{prog}: no reply from {where} within {REPLY_TIMEOUT:g}s"


def udp_address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[str, int]]:
    """The first address ``getaddrinfo`` gives for a UDP server, as ``(family, (ip, port))``.

    Raises ``socket.gaierror`` if ``host`` does not resolve. An IPv6 address keeps only its
    host and port (flow info and scope dropped, so ``fe80::1%eth0`` loses its scope).
    """
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    return family, (str(address[0]), int(address[1]))


@contextlib.contextmanager
def private_client_path() -> Iterator[str]:
    """A path for a Unix datagram client to bind, so that the server can answer it.

    ``<folder>/client.sock`` in a fresh private folder (``tempfile.mkdtemp``: mode 0700, so
    no other user can send to it); the socket file (if bound) and the folder are removed on
    exit, whatever happened.
    """
    import os

    folder = tempfile.mkdtemp(prefix="ncc-")
    path = os.path.join(folder, "client.sock")
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def print_greeting(data: bytes) -> None:
    """The book's ``print s.recv(1024)``: the text received (as UTF-8), then a newline.

    Written as UTF-8 whatever the locale, so the output is the greeting's bytes plus
    ``\\n`` (invalid UTF-8 becomes U+FFFD rather than a traceback).

    Realises: CLIENT-1
    """
    sys.stdout.buffer.write(data.decode("utf-8", errors="replace").encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def fail(message: str) -> int:
    """Print one readable line on stderr (no traceback) and return exit status 1.

    Realises: CLIENT-4, URL-7
    """
    print(message, file=sys.stderr, flush=True)
    return 1


def url_failed(prog: str, url: str, error: BaseException) -> int:
    """``fetch: HTTP Error 404: Not Found for http://...`` on stderr; exit status 1.

    Realises: URL-3
    """
    return fail(f"{prog}: {describe(error)} for {url}")


def incomplete(received: int, expected: int) -> str:
    """urlretrieve's words for a short body: ``retrieval incomplete: got only 5 out of 100 bytes``."""
    return f"retrieval incomplete: got only {received} out of {expected} bytes"


def check_complete(url: str, headers: Message, received: int) -> None:
    """Raise ``ContentTooShortError`` if fewer bytes came than ``Content-Length`` announced.

    ``read()`` raises ``http.client.IncompleteRead`` itself, but line iteration and
    ``readlines()`` stop quietly at a short body; this makes the ways of reading fail alike.
    """
    import urllib.error

    length = headers.get("Content-Length")
    if length is not None and length.strip().isdigit() and received < int(length):
        raise urllib.error.ContentTooShortError(incomplete(received, int(length)), (url, headers))


def parse_url_args(description: str, argv: list[str] | None = None, *, output: bool = False) -> argparse.Namespace:
    """``URL`` (http:, https: or file:), and with ``output`` the ``OUTPUT`` file to write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("url", help="the URL to fetch (http:, https: or file:)")
    if output:
        parser.add_argument("output", help="the file to save the body in")
    return parser.parse_args(argv)


def fetch_text(url: str) -> str:
    """The body at ``url`` as text: UTF-8, any invalid byte replaced by U+FFFD."""
    import urllib.request

    with urllib.request.urlopen(url) as response:
        body: bytes = response.read()
    return body.decode("utf-8", errors="replace")
