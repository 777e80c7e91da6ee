"""What every reference server shares: the greeting, the log lines, the command line.

Only the concurrency mechanics differ between the modules of one role; everything
observable that is not mechanics lives here once.
"""

from __future__ import annotations

import argparse
import sys

GREETING = b"Thank you for connecting"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1234  # the book's port


def peer(address: tuple[object, ...]) -> tuple[str, int]:
    """Normalise a socket address to the book's ``(host, port)`` tuple (drops IPv6 extras)."""
    return (str(address[0]), int(str(address[1])))


def log(line: str) -> None:
    """Print one log line and flush it, so a reader on a pipe sees it at once.

    One ``write`` of the whole line (``print`` writes the text and the newline
    separately, so lines from threads or forked children could interleave); a line
    shorter than PIPE_BUF reaches a pipe atomically.
    """
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log_connection(address: tuple[object, ...]) -> None:
    """``Got connection from ('127.0.0.1', 50000)``: the book's first log line."""
    log(f"Got connection from {peer(address)!r}")


def log_data(data: bytes) -> None:
    """The book's ``print data``: the received chunk as text, then a newline."""
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.buffer.flush()


def log_disconnection(address: tuple[object, ...]) -> None:
    """``('127.0.0.1', 50000) disconnected``: the book's last log line."""
    log(f"{peer(address)!r} disconnected")


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1) and ``--port`` (default 1234; 0 picks a free one)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to bind, 0 for any free port")
    return parser.parse_args(argv)


def announce(address: tuple[object, ...]) -> None:
    """Tell a human where we listen (on stderr: stdout is the log the specs read)."""
    host, port = peer(address)
    print(f"Listening on {host}:{port}", file=sys.stderr, flush=True)
