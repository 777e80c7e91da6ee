"""Reading the book's log lines tolerantly.

Python 2 and 3 print an address tuple the same way: ``('127.0.0.1', 50000)``. Twisted's
``transport.getPeer()`` prints ``IPv4Address(type='TCP', host='127.0.0.1', port=50000)``,
which is recognised (so a message can say what to change) but is not the book's form.
"""

from __future__ import annotations

import functools
import re

_TUPLE = re.compile(r"\(\s*u?['\"](?P<host>[^'\"]+)['\"]\s*,\s*(?P<port>\d+)\s*(?:,\s*\d+\s*,\s*\d+\s*)?\)")
TWISTED = re.compile(
    r"IPv[46]Address\(\s*(?:type=)?'?TCP'?\s*,\s*(?:host=)?'(?P<host>[^']+)'\s*,\s*(?:port=)?(?P<port>\d+)"
)

CONNECTED = "Got connection from"
DISCONNECTED = "disconnected"


def tuple_addresses(text: str) -> list[tuple[str, int]]:
    """Addresses printed as the book prints them: ``('host', port)``."""
    return [(m["host"], int(m["port"])) for m in _TUPLE.finditer(text)]


def twisted_addresses(text: str) -> list[tuple[str, int]]:
    """Addresses printed as Twisted address objects (``IPv4Address(...)``)."""
    return [(m["host"], int(m["port"])) for m in TWISTED.finditer(text)]


def book_form(address: tuple[str, int] | str) -> str:
    """An address as the book's ``print`` shows it: the tuple ``('127.0.0.1', 50000)``, or a bare path."""
    return address if isinstance(address, str) else repr(address)


@functools.lru_cache(maxsize=1024)
def path_pattern(path: str, *, quoted: bool) -> re.Pattern[str]:
    """A Unix socket path as printed: bare (``print`` of a str), or also quoted (a repr, ``b'...'``).

    Cached: a spec tries every log line against each of its clients' paths, and each path is a new
    pattern (compiling it costs far more than the search; ``re``'s own cache holds too few for a run)."""
    quote = r"[bBuU]?['\"]?" if quoted else ""
    end = r"['\"]?" if quoted else ""
    return re.compile(rf"(?<![\w/.'\"-]){quote}{re.escape(path)}{end}(?![\w/.-])")


def mentions(text: str, address: tuple[str, int] | str) -> bool:
    """Does ``text`` show ``address`` as the book's tuple (over a Unix socket: the bare path, as
    ``print`` shows a str)?"""
    if isinstance(address, str):
        return bool(address) and address in text and path_pattern(address, quoted=False).search(text) is not None
    host, port = address
    return str(port) in text and any(p == port and (h == host or h in ("localhost", "::ffff:" + host))
                                     for h, p in tuple_addresses(text))
