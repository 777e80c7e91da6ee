"""URL client specs (URL-*): urlopen prints pages, finds the About link; urlretrieve saves files.

The suite's HTTP server (``fixture_servers.HttpFixture``) serves ``fixtures/http`` on
127.0.0.1, plus errors, a redirect, chunked encoding and a body shorter than announced.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness.judge.hints import Evidence
from .harness.judge.matchers import fail, first_difference
from .harness.launch.client_runs import ClientRun
from .harness.observe import forms
from .harness.observe.client_target import ClientTarget
from .harness.wire.streams import describe
from .harness.wire.suite_servers import HTTP_ROOT, HttpFixture, file_url

ABOUT = b"/about/"
ABOUT_LINE = ABOUT + b"\n"


def shows_page(stdout: bytes, body: bytes) -> bool:
    """Did the client print ``body``, in any form: all of it or its start, as text or as a repr?

    For URL-2, whose business is which page is printed; printing it byte for byte is URL-1's.
    """
    printed = forms.unwrap(stdout.rstrip(b"\r\n")).strip()
    return bool(printed) and body.strip().startswith(printed)


def printed_exactly(stdout: bytes, body: bytes) -> bool:
    """Is ``stdout`` ``body`` byte for byte (one trailing newline allowed)?"""
    return stdout in (body, body + b"\n", body + b"\r\n")


def misdecoded(stdout: bytes, body: bytes) -> str | None:
    """The 8-bit encoding the UTF-8 ``body`` was decoded with and then printed as UTF-8, if ``stdout`` shows that."""
    for encoding in ("Latin-1", "cp1252"):
        try:
            wrong = body.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            continue
        if wrong != body and printed_exactly(stdout, wrong):
            return encoding
    return None


def expect_exit_zero(target: ClientTarget, run: ClientRun, what: str) -> None:
    """Having printed the body, the client must exit with status 0 (URL-1): a non-zero status says it failed."""
    __tracebackhide__ = True
    if run.returncode == 0:
        return
    if run.returncode is None:
        mistake = ("it printed the whole body, then never ended: close the response (with urlopen(url) as\n"
                   "resp:) and let the program end once the body is printed")
    else:
        mistake = (f"the fetch went well, yet exit status {run.returncode} tells whoever runs the client (a shell's "
                   "&&, a\nscript checking the status) that it failed. sys.exit('a message') prints the message "
                   "and exits\nwith status 1: after printing the body just let the program end (or sys.exit(0)); "
                   "exit non-zero\nonly on an error (URL-3)")
    fail(target, f"the body of {what} was printed, but the client did not exit with status 0",
         expected="exit status 0 after printing the body",
         got=f"{run.describe_exit()}; stderr {describe(run.stderr, 200)}", details=f"likely mistake: {mistake}")


def expect_body_printed(target: ClientTarget, run: ClientRun, body: bytes, what: str) -> None:
    """``body`` must be printed byte for byte, and the client then exit with status 0 (URL-1)."""
    __tracebackhide__ = True
    if printed_exactly(run.stdout, body):
        expect_exit_zero(target, run, what)
        return
    details = first_difference(body, run.stdout)
    encoding = misdecoded(run.stdout, body)
    if encoding is not None:
        details += (f"\nthe body was decoded as {encoding} and printed as UTF-8: each non-ASCII character of the "
                    "UTF-8 page became two or three ('\u00e9' printed as '\u00c3\u00a9').\nPrint the bytes as "
                    "served (sys.stdout.buffer.write(body)), or decode them with the charset the response "
                    "declares (resp.headers.get_content_charset(), UTF-8 here)")
    fail(target, f"the body of {what} was not printed byte for byte", expected=describe(body, 200),
         got=f"{describe(run.stdout, 200)}; {run.describe_exit()}", details=details,
         evidence=Evidence(expected=body, got=run.stdout, symptom="fetch"))


@pytest.mark.req("URL-1")
@pytest.mark.parametrize("path", ["index.html", "utf8.html", "crlf.txt", "chunked/utf8.html"])
def test_body_is_printed_as_served(fetch_client: ClientTarget, http_fixture_server: HttpFixture, path: str) -> None:
    """(``fetch-client``) The body is printed byte for byte as served, non-ASCII UTF-8 and chunked responses
    included (one trailing newline allowed), and the client then exits with status 0."""
    run = fetch_client.run(url=http_fixture_server.url(path))
    expect_body_printed(fetch_client, run, http_fixture_server.body(path.removeprefix("chunked/")), path)


#: URL-2's pages, each with another page whose output its own must differ from.
_OTHER_PAGE = {"index.html": "utf8.html", "utf8.html": "index.html"}


class DirectFetches:
    """What the client prints for URL-2's pages fetched directly at their http:// URLs (each run once, when needed).

    How the client prints a page (byte for byte, as a repr, decoded in some encoding) is URL-1's; URL-2 asks only
    which page it printed. A page printed in neither form of :func:`shows_page` is still the right one when the
    client printed exactly what it prints for that page fetched directly, and not what it prints for another:
    one mistake in how pages are printed (decoding them as Latin-1, say) fails URL-1 alone.
    """

    def __init__(self, target: ClientTarget, server: HttpFixture) -> None:
        self.target = target
        self.server = server
        self.runs: dict[str, ClientRun] = {}

    def run(self, page: str) -> ClientRun:
        if page not in self.runs:
            self.runs[page] = self.target.run(url=self.server.url(page))
        return self.runs[page]

    def prints_as(self, run: ClientRun, page: str) -> bool:
        """Did ``run`` print what the client prints for ``page`` fetched directly (and not for another page)?"""
        if run.returncode != 0 or not run.stdout.strip():
            return False
        direct = self.run(page)
        if direct.returncode != 0 or direct.stdout != run.stdout:
            return False
        return self.run(_OTHER_PAGE[page]).stdout != run.stdout  # it prints pages, not always the same thing


def expect_page_printed(direct: DirectFetches, run: ClientRun, page: str, what: str) -> None:
    """URL-2: the page must be printed: byte for byte, in any form of :func:`shows_page`, or as the client prints
    it when fetched directly (:class:`DirectFetches`)."""
    __tracebackhide__ = True
    body = direct.server.body(page)
    if printed_exactly(run.stdout, body) or (run.returncode == 0 and shows_page(run.stdout, body)):
        return
    if direct.prints_as(run, page):
        return
    details = first_difference(body, run.stdout)
    if page in direct.runs:
        shown = direct.runs[page]
        details += f"\nfor {page} at its http:// URL it printed {describe(shown.stdout, 80)}; {shown.describe_exit()}"
    fail(direct.target, f"the page of {what} was not printed",
         expected=f"{describe(body, 200)} (or what the client prints for {page} at its http:// URL)",
         got=f"{describe(run.stdout, 200)}; {run.describe_exit()}", details=details,
         evidence=Evidence(expected=body, got=run.stdout, symptom="fetch"))


@pytest.mark.req("URL-2")
def test_redirect_and_file_urls(fetch_client: ClientTarget, http_fixture_server: HttpFixture) -> None:
    """(``fetch-client``) A redirect is followed and the final page printed; a ``file:`` URL is printed as well."""
    direct = DirectFetches(fetch_client, http_fixture_server)
    run = fetch_client.run(url=http_fixture_server.url("redirect"))
    expect_page_printed(direct, run, "index.html", "a redirect to /index.html")
    run = fetch_client.run(url=file_url(HTTP_ROOT / "utf8.html"))
    expect_page_printed(direct, run, "utf8.html", "a file: URL")


@pytest.mark.req("URL-3")
@pytest.mark.parametrize("status", [404, 500])
def test_http_error_gives_nonzero_exit(url_client: ClientTarget, http_fixture_server: HttpFixture, status: int,
                                       tmp_path: Path) -> None:
    """An HTTP error status (404, 500) makes the client exit with a non-zero status."""
    run = url_client.run(url=http_fixture_server.url(f"status/{status}"), output=str(tmp_path / "saved"))
    if run.returncode in (0, None):
        fail(url_client, f"an HTTP {status} response did not give a non-zero exit status",
             expected="a non-zero exit status (and a message)", got=run.describe_exit())


def expect_link(target: ClientTarget, server: HttpFixture, page: str, form: str, *, exact: bool = False) -> None:
    """The About link must be found: printed as ``/about/`` (``exact``: URL-4's form), or else as any URL of it."""
    __tracebackhide__ = True
    run = target.run(url=server.url(page))
    printed = run.stdout.strip() if exact else forms.unwrap(run.stdout.strip()).strip()
    found = printed == ABOUT or (not exact and printed.endswith(ABOUT) and b"\n" not in printed)
    if not found or run.returncode != 0:
        link = next((ln.strip() for ln in server.body(page).splitlines() if b"/about/" in ln), b"")
        fail(target, f"the About link ({form}) was not found", expected=f"{describe(ABOUT_LINE)}, exit status 0",
             got=f"{describe(run.stdout)}; {run.describe_exit()}", details=f"the link in the page: {link!r}",
             evidence=Evidence(expected=ABOUT, got=run.stdout.strip(), symptom="link"))


@pytest.mark.req("URL-4")
def test_finds_the_about_link(link_client: ClientTarget, http_fixture_server: HttpFixture) -> None:
    """(``link-client``) The relative URL of the About link is printed, for python.org's form of it: ``<a
    href="/about/" title="" class="">About</a>``."""
    expect_link(link_client, http_fixture_server, "index.html", "as python.org writes it", exact=True)


@pytest.mark.req("URL-5")
@pytest.mark.parametrize("page", ["about/upper-case.html", "about/lower-case.html"])
def test_about_matches_in_any_letter_case(link_client: ClientTarget, http_fixture_server: HttpFixture,
                                          page: str) -> None:
    """(``link-client``) The link text matches ``about`` case-insensitively (``About``, ``ABOUT``, ``about``), as
    the book's ``re.IGNORECASE`` does."""
    expect_link(link_client, http_fixture_server, page, f"in other letter case, {page}")


@pytest.mark.req("URL-6")
@pytest.mark.parametrize("page", ["about/single-quotes.html", "about/no-other-attribute.html",
                                  "about/attribute-first.html", "about/markup-inside.html"])
def test_about_link_in_other_forms(link_client: ClientTarget, http_fixture_server: HttpFixture, page: str) -> None:
    """(``link-client``) The link is also found with single quotes, with no other attribute, and with attributes
    before ``href``, forms the book's regex misses, and with markup inside it: ``<a href="/about/" class=""><i
    class="icon"></i>about</a>``."""
    expect_link(link_client, http_fixture_server, page, f"written differently, {page}")


@pytest.mark.req("URL-7")
def test_page_without_about_link(link_client: ClientTarget, http_fixture_server: HttpFixture) -> None:
    """(``link-client``) A page without an About link gives a non-zero exit status and a readable message, not a
    traceback."""
    run = link_client.run(url=http_fixture_server.url("about/none.html"))
    if run.returncode in (0, None) or b"Traceback" in run.stderr:
        fail(link_client, "a page without an About link was not reported as such",
             expected="a non-zero exit status and a one-line message",
             got=f"{run.describe_exit()}; stderr {describe(run.stderr, 200)}")


@pytest.mark.req("URL-8")
@pytest.mark.parametrize("path", ["crlf.txt", "binary.bin", "large.bin"])
def test_download_is_byte_identical(download_client: ClientTarget, http_fixture_server: HttpFixture, path: str,
                                    tmp_path: Path) -> None:
    """(``download-client``) The saved file is byte for byte what was served: text with CR/LF, binary (every byte
    value), and a 3 MiB file."""
    output = tmp_path / f"saved-{path}"
    run = download_client.run(url=http_fixture_server.url(path), output=str(output), timeout=60)
    body = http_fixture_server.body(path)
    saved = output.read_bytes() if output.exists() else None
    if saved != body or run.returncode != 0:
        fail(download_client, f"{path} was not saved byte for byte", expected=f"{describe(body, 80)} in {output}",
             got=("no file" if saved is None else describe(saved, 80)) + f"; {run.describe_exit()}",
             details=first_difference(body, saved) if saved is not None else None,
             evidence=Evidence(symptom="download" if saved is not None else ""))


@pytest.mark.req("URL-9")
def test_short_body_is_an_error(download_client: ClientTarget, http_fixture_server: HttpFixture,
                                tmp_path: Path) -> None:
    """(``download-client``) A response shorter than its Content-Length gives a non-zero exit status (urlretrieve's
    ``ContentTooShortError``)."""
    run = download_client.run(url=http_fixture_server.url("short/binary.bin"), output=str(tmp_path / "saved"))
    if run.returncode in (0, None):
        fail(download_client, "a body 100 bytes shorter than its Content-Length was accepted",
             expected="a non-zero exit status (urlretrieve raises ContentTooShortError)", got=run.describe_exit())


@pytest.mark.req("URL-10")
def test_no_temporary_file_is_left(download_client: ClientTarget, http_fixture_server: HttpFixture,
                                   tmp_path: Path) -> None:
    """(``download-client``) No temporary file is left behind (``urlcleanup``)."""
    run = download_client.run(url=http_fixture_server.url("binary.bin"), output=str(tmp_path / "saved"))
    if run.leftovers:
        fail(download_client, f"{len(run.leftovers)} temporary file(s) were left behind",
             expected="an empty TMPDIR after the client exits (call urllib.request.urlcleanup())",
             got=", ".join(run.leftovers), evidence=Evidence(symptom="tempfile"))
