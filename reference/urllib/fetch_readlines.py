"""Fetch client, readlines(): print the body of a URL exactly, read as a list of lines.

Modernises the book's section 14.1.2 (``urlopen``: ``webpage.readlines()``).
Mechanics: ``readlines()`` returns every line of the body as bytes, each with its own
line ending (the last one may have none); joined, they are the body, written
unchanged to ``sys.stdout.buffer``. Like iteration, ``readlines()`` stops quietly at a
body shorter than its Content-Length, so the byte count is checked.
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
        lines = response.readlines()
        check_complete(url, response.headers, sum(map(len, lines)))
    sys.stdout.buffer.writelines(lines)
    sys.stdout.buffer.flush()


def main(argv: list[str] | None = None) -> int:
    """Print the body (exit status 0), or one line on stderr (exit status 1)."""
    args = parse_url_args((__doc__ or "").partition("\n")[0], argv)
    try:
        fetch(args.url)
    except Exception as error:  # HTTPError, URLError, ContentTooShortError, ValueError...: one line
        return url_failed(PROG, args.url, error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
