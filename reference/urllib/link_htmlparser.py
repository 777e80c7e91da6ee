"""Link client, HTML parser: print the relative URL of a page's "About" link.

Modernises the book's section 14.1.2, which finds the link with a regular expression
(and mentions parsing HTML properly, the subject of chapter 15). Mechanics: ``urlopen``
fetches the page, decoded as UTF-8; an ``html.parser.HTMLParser`` subclass notes the
``href`` of each ``<a>`` start tag, gathers the text up to its end tag, and keeps the
first link whose text, stripped of whitespace, is "about" in any case. The parser
takes care of quoting, attribute order, case and entities.
"""

from __future__ import annotations

from html.parser import HTMLParser

from .._clients import fail, fetch_text, parse_url_args, url_failed

PROG = "link"


class AboutLinkFinder(HTMLParser):
    """Feed it a page; ``found`` is then the ``href`` of its first "about" link, or None.

    Realises: URL-4, URL-5, URL-6
    """

    def __init__(self) -> None:
        super().__init__()  # convert_charrefs: text arrives with entities resolved
        self.found: str | None = None
        self.href: str | None = None  # of the <a> being read
        self.text: list[str] | None = None  # its text so far; None outside an <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.href = next((value for name, value in attrs if name == "href"), None)
            self.text = []

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.text is not None:
            if self.found is None and self.href is not None and "".join(self.text).strip().lower() == "about":
                self.found = self.href
            self.text = None


def find_about_link(page: str) -> str | None:
    """The ``href`` of the first "about" link in ``page``; None if it has none."""
    finder = AboutLinkFinder()
    finder.feed(page)
    finder.close()
    return finder.found


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
