"""The chapter's protocol constants, in one place (specs, harness and fixture servers use these)."""

from __future__ import annotations

#: What the greeting server sends each client (listing 14-1): 24 ASCII bytes, no newline.
GREETING = b"Thank you for connecting"
#: The port the book's programs hard-code.
BOOK_PORT = 1234
#: Twisted's ``LineReceiver.delimiter``: only this ends a line.
DELIMITER = b"\r\n"
#: Twisted's ``LineReceiver.MAX_LENGTH``: a longer line drops the connection.
MAX_LENGTH = 16384
