"""Logging specs (LOG-*): who connected and what they sent, on stdout, as it happens.

The book's listings 14-6 to 14-9 print ``Got connection from ('127.0.0.1', <port>)``,
every piece of data (``print data``), and ``('127.0.0.1', <port>) disconnected``.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .harness.judge.hints import Evidence
from .harness.judge.matchers import fail, first_difference
from .harness.observe import address_forms, forms
from .harness.observe.address_forms import book_form
from .harness.observe.log_lines import address_of, connected, disconnected, frame, logged, why_address_missing
from .harness.observe.server_target import ServerTarget
from .harness.wire.streams import describe

#: Printable messages without newlines (a printed message must be one line), never looking like an address.
PRINTABLE = st.characters(codec="utf-8").filter(lambda c: unicodedata.category(c)[0] != "C" and c not in "\u2028\u2029")
MESSAGES = (
    st.text(PRINTABLE, min_size=1, max_size=200)
    .map(str.encode)
    .filter(lambda b: b"('" not in b)
)


@pytest.mark.req("LOG-1")
def test_connection_is_logged_with_client_address(logging_server: ServerTarget) -> None:
    """Each connection is logged on stdout with the client's own address, printed as the tuple ``('127.0.0.1',
    <port>)``."""
    since = logging_server.mark()
    with logging_server.client() as client:
        me = address_of(client)
        line = connected(logging_server, client, since, explain=lambda lines: why_address_missing(lines, me))
    if not address_forms.mentions(line.text, me):
        fail(logging_server, why_address_missing([line.text], me), expected=f"Got connection from {book_form(me)}",
             got=repr(line.text))


@pytest.mark.req("LOG-2")
@given(message=MESSAGES)
@example(message=b"Hello, world!")
@example(message=b"  spaces and\ttabs  ")
@example(message="d\u00e9j\u00e0 vu \u20ac".encode())
def test_data_is_printed_verbatim(logger_server: ServerTarget, message: bytes) -> None:
    """(``logger-server``) Each piece of data a client sends is printed on stdout as text, verbatim, followed by a
    newline (Python 2's ``print data``)."""
    since = logger_server.mark()
    with logger_server.client() as client:
        if "connection line" not in logger_server.observations.hidden:  # (else LOG-1's failure: data after the mark)
            since = connected(logger_server, client, since).index + 1
        client.send(message)
        line = logged(logger_server, message, since=since, what=f"line {message!r} (the data the client sent)",
                      summary="the data the client sent was never printed")
    if line.data != message:
        fail(logger_server, "the data was not printed verbatim", expected=describe(message),
             got=describe(line.data), details=first_difference(message, line.data),
             evidence=Evidence(expected=message, got=line.data))


@pytest.mark.req("LOG-3")
def test_log_uses_the_books_wording(logging_server: ServerTarget) -> None:
    """Connections and disconnections use the book's wording: ``Got connection from ('127.0.0.1', <port>)`` and
    ``('127.0.0.1', <port>) disconnected``."""
    since = logging_server.mark()
    client = logging_server.client()
    me = address_of(client)
    conn = connected(logging_server, client, since)
    client.close()
    gone = disconnected(logging_server, client, conn)
    for line, want in ((conn, f"Got connection from {book_form(me)}"), (gone, f"{book_form(me)} disconnected")):
        if forms.with_book_address(line.text, me).strip() != want:
            fail(logging_server, "the log line's wording differs from the book's", expected=repr(want),
                 got=repr(line.text), details="only the wording is judged here (a SHOULD); how the address is "
                 "printed is LOG-1's business")


@pytest.mark.req("LOG-4")
@given(garbage=st.binary(min_size=1, max_size=64).filter(lambda b: not _is_utf8(b)))
@example(garbage=b"\xff\xfe\xfd")
@example(garbage=b"caf\xe9")
def test_invalid_utf8_does_not_stop_the_server(logging_server: ServerTarget, garbage: bytes) -> None:
    """Bytes that are not valid UTF-8 do not stop the server: it keeps serving and logging."""
    since = logging_server.mark()
    with logging_server.client("client sending invalid UTF-8") as rude:
        conn = connected(logging_server, rude, since)
        rude.send(frame(logging_server, garbage))
        if not logging_server.logs_departures:  # (DISC-1's failure) then the server's close tells it is done
            rude.half_close()
            rude.read(limit=1)
    if logging_server.logs_departures:
        disconnected(logging_server, rude, conn, summary="after a client sent invalid UTF-8 and left, its "
                     "disconnection was not logged: the server stopped serving")
    since = logging_server.mark()
    with logging_server.client("next client") as client:
        conn = connected(logging_server, client, since)
        client.send(frame(logging_server, b"still serving"))
        logged(logging_server, b"still serving", since=conn.index + 1, what="line 'still serving' from the next client",
               summary="after a client sent invalid UTF-8, the next client's data was not logged")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.req("LOG-5")
def test_log_lines_appear_as_they_happen(logging_server: ServerTarget) -> None:
    """Log lines appear on stdout as they happen (stdout is flushed after each line), not when a buffer fills or the
    program exits."""
    since = logging_server.mark()
    hidden = logging_server.observations.hidden
    with logging_server.client() as client:
        if "connection line" not in hidden or "data line" in hidden:  # the one or the other is judged on
            since = connected(logging_server, client, since,
                              summary="the connection was not logged while the client was connected").index + 1
        if "data line" in hidden:
            return  # data is not printed in a form to recognise (LOG-2's or LINE-1's failure): the connection line
        client.send(frame(logging_server, b"live"))
        logged(logging_server, b"live", since=since, what="line 'live'",
               summary="the data was not logged while the client was connected")
