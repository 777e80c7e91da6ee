"""Recognising what a spec merely observes, in every form real programs produce it.

One mistake, one failure: each spec judges its own requirement exactly, and only that.
What it needs to *observe* on the way (that a connection was logged with the client's
address, that a client's data was logged, that a client was greeted) belongs to other
requirements, so it is recognised here tolerantly, in one place, by every spec:

- logged data: the bytes as sent, or their repr (``b'...'`` as Python 3's
  ``print(data)`` writes it, ``'...'`` as a str repr or Python 2's ``repr``), with or
  without trailing whitespace or ``\\r``;
- a client's address: the book's tuple ``('127.0.0.1', 50000)``, ``127.0.0.1:50000``,
  ``127.0.0.1 50000``, or Twisted's ``IPv4Address(type='TCP', host=..., port=...)``;
- a greeting: what a lone client receives (see ``greetings.py``).

Exactness stays with the requirement that owns it: LOG-1 (the address as the tuple),
LOG-2 (the data verbatim), LOG-3 (the wording), GREET-1 (the greeting's bytes), LINE-*.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Callable

from . import address_forms

_TRAILING = b" \t\r"
_HOST = r"(?:\d{1,3}(?:\.\d{1,3}){3}|localhost|::1|::ffff:\d{1,3}(?:\.\d{1,3}){3})"
_HOST_PORT = re.compile(rf"(?<![\w.:])\[?(?P<host>{_HOST})\]?(?::|,?\s+(?:port\s+)?)(?P<port>\d{{1,5}})(?!\d)")
_REPR = re.compile(rb"^\s*[bBuU]?(?P<q>['\"]).*(?P=q)\s*$", re.S)


def unwrap(line: bytes) -> bytes:
    """The payload a printed line shows: the value of a repr (``b'...'``), else the line itself, unchanged."""
    if _REPR.match(line):
        try:
            value = ast.literal_eval(line.decode("utf-8").strip())
        except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
            return line
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            return value.encode("utf-8", "surrogateescape")
    return line


def data_forms(line: bytes) -> set[bytes]:
    """The payloads a printed line can stand for: itself, and the value of a repr it shows."""
    forms = {line.rstrip(_TRAILING)}
    if _REPR.match(line):
        try:
            value = ast.literal_eval(line.decode("utf-8").strip())
        except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
            value = None
        if isinstance(value, bytes):
            forms.add(value.rstrip(_TRAILING))
        elif isinstance(value, str):
            forms.add(value.encode("utf-8", "surrogateescape").rstrip(_TRAILING))
            with contextlib.suppress(UnicodeEncodeError):  # Python 2's repr shows bytes as \\xNN: Latin-1
                forms.add(value.encode("latin-1").rstrip(_TRAILING))
    return forms


def logs_data(line: bytes, payload: bytes) -> bool:
    """Does the printed ``line`` log ``payload``, in any of the forms above?"""
    return payload.rstrip(_TRAILING) in data_forms(line)


def addresses(text: str) -> list[tuple[str, int]]:
    """Every address ``text`` shows, in any of the forms above."""
    found = address_forms.tuple_addresses(text) + address_forms.twisted_addresses(text)
    found += [(m["host"], int(m["port"])) for m in _HOST_PORT.finditer(text)]
    return found


def _same_host(shown: str, host: str) -> bool:
    return shown in (host, "localhost", "::ffff:" + host) or (shown == "::1" and host == "::1")


def names_client(text: str, address: tuple[str, int] | str) -> bool:
    """Does ``text`` show the client's ``address`` in any form (its port, with a loopback host; over a
    Unix socket its path, bare or quoted)?"""
    return naming(address)(text)


def naming(address: tuple[str, int] | str) -> Callable[[str], bool]:
    """:func:`names_client` for one client, made once: a spec tries it on every line of a long log."""
    if isinstance(address, str):
        pattern = address_forms.path_pattern(address, quoted=True)
        # a bare substring test first: most lines name another
        return lambda text: bool(address) and address in text and pattern.search(text) is not None
    host, port = address
    digits = str(port)  # every form shows the port's digits: most lines are told apart without parsing them
    return lambda text: digits in text and any(p == port and _same_host(h, host) for h, p in addresses(text))


def with_book_address(text: str, address: tuple[str, int] | str) -> str:
    """``text`` with the client's address, in whatever form it shows, written as the book's tuple
    (over a Unix socket: the bare path).

    For the wording requirement (LOG-3): the address's form is LOG-1's business.
    """
    if isinstance(address, str):
        return address_forms.path_pattern(address, quoted=True).sub(address, text) if address else text
    host, port = address
    book = repr((host, port))

    def book_form(match: re.Match[str]) -> str:
        return book if int(match["port"]) == port and _same_host(match["host"], host) else match[0]

    text = address_forms.TWISTED.sub(book_form, text)
    return _HOST_PORT.sub(book_form, text)
