"""Download client, urlcleanup: fetch a URL to a temporary file, copy it, clean up.

Modernises the book's section 14.1.2 (``urlretrieve(url)`` with no file name, then
``urlcleanup()``). Mechanics: ``urllib.request.urlretrieve`` saves the body in a
temporary file (``tempfile.gettempdir()``, so TMPDIR) and returns its name; that file
is copied to OUTPUT in binary mode; ``urlcleanup()``, in a ``finally``, removes the
temporary file even when the download failed (a ``ContentTooShortError`` leaves a
partial one). A partial OUTPUT is removed too. For a ``file:`` URL ``urlretrieve``
returns the local file's own path, which ``urlcleanup()`` leaves alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import urllib.request

from .._clients import parse_url_args, url_failed

PROG = "download"


def copy(source: str, output: str) -> None:
    """Copy ``source`` to ``output`` byte for byte; remove ``output`` if the copy fails.

    Realises: URL-8
    """
    opened = False
    try:
        with open(source, "rb") as src, open(output, "wb") as dst:
            opened = True
            shutil.copyfileobj(src, dst)
    except BaseException:
        if opened:  # OUTPUT was created (or truncated): what is in it is partial
            with contextlib.suppress(OSError):
                os.remove(output)
        raise


def main(argv: list[str] | None = None) -> int:
    """Save the body to OUTPUT (exit status 0), or one line on stderr (exit status 1).

    A short body is ``urlretrieve``'s ``ContentTooShortError``; ``urlcleanup()`` removes its temporary file.

    Realises: URL-9, URL-10
    """
    args = parse_url_args((__doc__ or "").partition("\n")[0], argv, output=True)
    try:
        filename, _headers = urllib.request.urlretrieve(args.url)
        copy(filename, args.output)
    except Exception as error:  # HTTPError, URLError, ContentTooShortError, ValueError...: one line
        return url_failed(PROG, args.url, error)
    finally:
        urllib.request.urlcleanup()  # removes urlretrieve's temporary files, whatever happened
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
