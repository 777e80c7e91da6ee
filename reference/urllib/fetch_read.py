"""Fetch client, read(): print the body of a URL exactly, read in one call.

Modernises the book's section 14.1.2 (``urlopen``: ``webpage.read()``). Mechanics:
``urllib.request.urlopen`` returns a file-like response; ``read()`` returns the whole
body as bytes (raising ``http.client.IncompleteRead`` if it is shorter than its
Content-Length), written unchanged to ``sys.stdout.buffer``: no decoding, no newline.
"""

from __future__ import annotations

import sys
import urllib.request

from .._clients import check_complete, parse_url_args, url_failed

PROG = "fetch"


def fetch(url: str) -> None:
    """Copy the body at ``url`` to standard output, byte for byte.

    ``urlopen`` follows redirects, and opens ``file:`` URLs too.

    Realises: URL-1, URL-2
    """
    with urllib.request.urlopen(url) as response:
        body = response.read()
        check_complete(url, response.headers, len(body))
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def main(argv: list[str] | None = None) -> int:
    """Print the body (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_url_args((__doc__ or "").partition("\n")[0], argv)
    try:
        fetch(args.url)
    except Exception as error:  # HTTPError, URLError, IncompleteRead, ValueError...: one line
        return url_failed(PROG, args.url, error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
