"""Link client, regular expression: print the relative URL of a page's "About" link.

Modernises the book's section 14.1.2, which finds the link with
``re.search('<a href="([^"]+)" .*?>about</a>', text, re.IGNORECASE)``. That pattern
needs double quotes, then a space and a further attribute after ``href``; this one
takes ``href`` anywhere in the tag, quoted either way (or not at all), and whitespace
and other tags (an icon's ``<i></i>``) around the link text. Mechanics: ``urlopen``
fetches the page, decoded as UTF-8; ``re.search`` finds the first ``<a>`` whose text is
"about" in any case; the value is unescaped (``&amp;`` is ``&``) as an HTML parser would.
"""

from __future__ import annotations

import html
import re

from .._clients import fail, fetch_text, parse_url_args, url_failed

PROG = "link"

#: ``<a``, any attributes, ``href`` (after whitespace, so not ``data-href``) with a value
#: quoted "so", 'so' or not at all, any attributes, ``>``, about with whitespace and tags around it, ``</a>``.
#: The tags around it are any but ``<a>`` and ``</a>``, so a match never runs on from one link into the next.
AROUND = r"(?:\s|<(?!/?a[\s>/])[^>]*>)*"
ABOUT_LINK = re.compile(
    rf"""<a\s(?:[^>]*?\s)?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))[^>]*>{AROUND}about{AROUND}</a\s*>""",
    re.IGNORECASE,
)


def find_about_link(page: str) -> str | None:
    """The ``href`` of the first "about" link in ``page``; None if it has none.

    Realises: URL-4, URL-5, URL-6
    """
    match = ABOUT_LINK.search(page)
    if match is None:
        return None
    return html.unescape(next(value for value in match.groups() if value is not None))


def main(argv: list[str] | None = None) -> int:
    """Print the About link's URL (exit status 0), or one line on stderr (exit status 1).

    Realises: URL-7
    """
    args = parse_url_args((__doc__ or "").partition("\n")[0], argv)
    try:
        page = fetch_text(args.url)
    except Exception as error:  # HTTPError, URLError, IncompleteRead, ValueError...: one line
        return url_failed(PROG, args.url, error)
    link = find_about_link(page)
    if link is None:
        return fail(f"{PROG}: no About link found in {args.url}")
    print(link)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
