"""Download client, reporthook: save a URL's body to a file, showing progress on stderr.

Modernises the book's section 14.1.2 (``urlretrieve(url, filename, reporthook)``).
Mechanics: ``urllib.request.urlretrieve`` opens OUTPUT in binary mode and copies the
body in blocks of 8192 bytes, calling the hook with ``(blocks so far, 8192, size)``
before the first block and after each one; ``size`` is the Content-Length, -1 if
unknown. A body shorter than that raises ``ContentTooShortError`` once the file is
written; then, or on any failure after OUTPUT was opened, the partial file is removed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import urllib.request

from .._clients import parse_url_args, url_failed

PROG = "download"


class Progress:
    """The reporthook: a line per call on stderr, ``downloaded 8192 of 20000 bytes``."""

    def __init__(self) -> None:
        self.started = False  # urlretrieve calls the hook first just after opening OUTPUT

    def __call__(self, blocks: int, block_size: int, size: int) -> None:
        self.started = True
        if size >= 0:  # the last block is usually short: never claim more than size
            print(f"downloaded {min(blocks * block_size, size)} of {size} bytes", file=sys.stderr, flush=True)
        else:  # no Content-Length: only whole blocks are known, not how full the last is
            print(f"downloaded {blocks} blocks of {block_size} bytes (size unknown)", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Save the body to OUTPUT (exit status 0), or one line on stderr (exit status 1).

    ``urlretrieve`` writes OUTPUT in binary mode, and raises ``ContentTooShortError`` for a short body.

    Realises: URL-8, URL-9
    """
    args = parse_url_args((__doc__ or "").partition("\n")[0], argv, output=True)
    progress = Progress()
    try:
        urllib.request.urlretrieve(args.url, args.output, reporthook=progress)
    except Exception as error:  # HTTPError, URLError, ContentTooShortError, ValueError...: one line
        if progress.started:  # OUTPUT was opened (so truncated): what is in it is partial
            with contextlib.suppress(OSError):
                os.remove(args.output)
        return url_failed(PROG, args.url, error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
