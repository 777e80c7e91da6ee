"""URL quoting written out by hand: the five ``urllib.parse`` functions of the book's chapter.

``quote``, ``quote_plus``, ``unquote``, ``unquote_plus`` and ``urlencode`` behave exactly
like Python 3.7+'s ``urllib.parse`` (checked on 3.10-3.13) for str and bytes inputs,
including the corner cases: malformed escapes pass through, invalid UTF-8 becomes U+FFFD,
non-ASCII characters in ``safe`` are ignored, bytes refuse ``encoding``/``errors``.
It imports nothing from ``urllib``: it is the second reference the specs compare with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["quote", "quote_plus", "unquote", "unquote_plus", "urlencode"]

# RFC 3986, section 2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
# These bytes are never escaped. Python 3.7 added "~" (RFC 2396 had it as "unwise").
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

# RFC 3986, section 2.1: pct-encoded = "%" HEXDIG HEXDIG; producers SHOULD use upper-case
# hex digits, consumers accept either case. Anything else after "%" is left alone.
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")

# unquote() decodes each run of ASCII characters separately and keeps any literal
# non-ASCII character as it is (escapes belong in the ASCII part of a URL).
_ASCII_RUN = re.compile("([\x00-\x7f]+)")

_NOT_A_QUERY = "not a valid non-string sequence or mapping object"


def _safe_bytes(safe: str | bytes) -> frozenset[int]:
    """The byte values ``safe`` keeps literal: its ASCII characters only (others are ignored)."""
    if isinstance(safe, str):
        return frozenset(safe.encode("ascii", "ignore"))
    return frozenset(c for c in safe if c < 128)


def _quote_bytes(data: bytes | bytearray, safe: str | bytes) -> str:
    """Escape every byte that is neither unreserved nor in ``safe`` as ``%XX`` (upper-case hex).

    Realises: QUOTE-1, QUOTE-6
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("quote_from_bytes() expected bytes")
    keep = UNRESERVED | _safe_bytes(safe)
    return "".join(chr(byte) if byte in keep else f"%{byte:02X}" for byte in data)


def quote(string: str | bytes, safe: str | bytes = "/", encoding: str | None = None,
          errors: str | None = None) -> str:
    """``quote('abc def/é') == 'abc%20def/%C3%A9'``: escape a URL component.

    A str is first encoded with ``encoding`` (default UTF-8) and ``errors`` (default
    ``'strict'``); bytes are escaped as they are and accept neither argument.

    Realises: QUOTE-1
    """
    if isinstance(string, str):
        if not string:
            return string
        data = string.encode("utf-8" if encoding is None else encoding,
                             "strict" if errors is None else errors)
    else:
        if encoding is not None:
            raise TypeError("quote() doesn't support 'encoding' for bytes")
        if errors is not None:
            raise TypeError("quote() doesn't support 'errors' for bytes")
        data = string
    return _quote_bytes(data, safe)


def quote_plus(string: str | bytes, safe: str | bytes = "", encoding: str | None = None,
               errors: str | None = None) -> str:
    """Like :func:`quote` for HTML form values: a space becomes ``+`` and ``/`` is escaped.

    A literal ``+`` is escaped (``%2B``) unless ``safe`` holds it.

    Realises: QUOTE-2
    """
    space_free = ((isinstance(string, str) and " " not in string)
                  or (isinstance(string, bytes) and b" " not in string))
    if space_free:
        return quote(string, safe, encoding, errors)
    # Keep spaces literal while quoting, then turn them into "+".
    with_space: str | bytes = safe + " " if isinstance(safe, str) else safe + b" "
    return quote(string, with_space, encoding, errors).replace(" ", "+")


def _unquote_to_bytes(data: bytes) -> bytes:
    """Replace each valid ``%XX`` by its byte; a ``%`` not followed by two hex digits stays.

    Realises: QUOTE-3
    """
    return _ESCAPE.sub(lambda match: bytes.fromhex(match[1].decode("ascii")), data)


def _decode(data: bytes, encoding: str | None, errors: str | None) -> str:
    if encoding is None or errors is None:  # as bytes.decode(None, ...) would
        raise TypeError("decode() argument 'encoding' and 'errors' must be str, not None")
    return data.decode(encoding, errors)


def unquote(string: str | bytes, encoding: str | None = "utf-8", errors: str | None = "replace") -> str:
    """``unquote('a%20b%zz') == 'a b%zz'``: undo ``%XX`` escapes and decode the bytes.

    Malformed escapes pass through unchanged. The bytes are decoded with ``encoding`` and
    ``errors``; the default ``'replace'`` turns invalid UTF-8 into U+FFFD.

    Realises: QUOTE-3, QUOTE-6
    """
    if isinstance(string, bytes):
        return _decode(_unquote_to_bytes(string), encoding, errors)
    if "%" not in string:
        return string
    encoding = "utf-8" if encoding is None else encoding
    errors = "replace" if errors is None else errors
    parts = _ASCII_RUN.split(string)  # odd indices are the ASCII runs
    for i in range(1, len(parts), 2):
        parts[i] = _decode(_unquote_to_bytes(parts[i].encode("ascii")), encoding, errors)
    return "".join(parts)


def unquote_plus(string: str, encoding: str | None = "utf-8", errors: str | None = "replace") -> str:
    """Like :func:`unquote`, but ``+`` means a space first (HTML form values). str only.

    Realises: QUOTE-4
    """
    if isinstance(string, bytes):  # as urllib.parse, whose bytes.replace('+', ' ') fails
        raise TypeError("a bytes-like object is required, not 'str'")
    return unquote(string.replace("+", " "), encoding, errors)


def _pairs(query: Any) -> Iterable[tuple[Any, Any]]:
    """The ``(key, value)`` pairs of a mapping, or of a sequence of 2-tuples."""
    if hasattr(query, "items"):
        items: Iterable[tuple[Any, Any]] = query.items()
        return items
    try:
        # A non-empty str fails here (its first element is not a tuple); so do non-sequences.
        if len(query) and not isinstance(query[0], tuple):
            raise TypeError(_NOT_A_QUERY)
    except TypeError as err:
        raise TypeError(_NOT_A_QUERY) from err
    pairs: Iterable[tuple[Any, Any]] = query
    return pairs


def urlencode(query: Mapping[Any, Any] | Sequence[tuple[Any, Any]], doseq: bool = False,
              safe: str | bytes = "", encoding: str | None = None, errors: str | None = None,
              quote_via: Callable[..., str] = quote_plus) -> str:
    """``urlencode({'q': 'a b', 'n': [1, 2]}, doseq=True) == 'q=a+b&n=1&n=2'``.

    Keys and values are quoted with ``quote_via``: bytes as they are, anything else as
    ``str(x)``. With ``doseq``, a value that has a length (list, tuple...) and is not str
    or bytes gives one ``key=element`` per element; an empty one gives nothing.

    Realises: QUOTE-5
    """

    def component(x: object) -> str:
        if isinstance(x, bytes):
            return quote_via(x, safe)
        return quote_via(str(x), safe, encoding, errors)

    fields: list[str] = []
    for key, value in _pairs(query):
        name = component(key)
        values: Iterable[object] = [value]
        if doseq and not isinstance(value, (str, bytes)):
            try:
                len(value)
            except TypeError:
                pass  # not a sequence: a single value, str()-ed
            else:
                values = value
        fields.extend(f"{name}={component(element)}" for element in values)
    return "&".join(fields)
