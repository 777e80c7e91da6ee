"""Fetch client, line iteration: print the body of a URL exactly, line by line.

Modernises the book's section 14.1.2 (``urlopen``: the response is iterable).
Mechanics: ``for line in response`` yields the body as lines of bytes, each with its
own line ending (the last one may have none); each is written unchanged to
``sys.stdout.buffer`` as it arrives. Iteration stops quietly at a body shorter than
its Content-Length, so the byte count is checked at the end.
"""

from __future__ import annotations

import sys
import urllib.request

from .._clients import check_complete, parse_url_args, url_failed

PROG = "fetch"


def fetch(url: str) -> None:
    """Copy the body at ``url`` to standard output, byte for byte, one line at a time.

    ``urlopen`` follows redirects, and opens ``file:`` URLs too.

    Realises: URL-1, URL-2
    """
    received = 0
    with urllib.request.urlopen(url) as response:
        for line in response:
            sys.stdout.buffer.write(line)
            received += len(line)
        check_complete(url, response.headers, received)
    sys.stdout.buffer.flush()


def main(argv: list[str] | None = None) -> int:
    """Print the body (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_url_args((__doc__ or "").partition("\n")[0], argv)
    try:
        fetch(args.url)
    except Exception as error:  # HTTPError, URLError, ContentTooShortError, ValueError...: one line
        sys.stdout.buffer.flush()  # what arrived before the failure stays printed
        return url_failed(PROG, args.url, error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
