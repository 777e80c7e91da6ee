"""Line framing exactly as ``twisted.protocols.basic.LineReceiver`` does it.

Theory of operation (Twisted's ``LineReceiver.dataReceived``, line mode, unpaused):
the received bytes are appended to a buffer, then lines are cut off its front, each
at the *first* ``\\r\\n``:

* a delimited line longer than ``MAX_LENGTH`` (16384) bytes exceeds the limit; one of
  exactly ``MAX_LENGTH`` bytes is delivered;
* once no delimiter is left, a remainder of ``MAX_LENGTH + len(delimiter)`` (16386)
  bytes or more exceeds the limit; a shorter one waits for the next chunk;
* a bare ``\\n`` or ``\\r`` is part of the line, and the unterminated remainder is never
  delivered, not even when the connection closes.

On exceeding the limit Twisted discards the buffer and calls ``lineLengthExceeded``,
whose default closes the connection (``loseConnection``); lines delivered earlier
from the same chunk stay delivered. ``LineBuffer.feed`` reports both, and the caller
drops the connection. Unlike Twisted, the buffer is a ``bytearray`` searched only
where a delimiter can newly appear, so a line arriving byte by byte costs linear time.
"""

from __future__ import annotations

DELIMITER = b"\r\n"
MAX_LENGTH = 16384


class LineBuffer:
    """Cut a connection's byte stream into ``\\r\\n``-delimited lines, as LineReceiver does.

    Each line comes out exactly as it was sent: an empty line too, and whitespace at its ends.

    Realises: LINE-1, LINE-2, LINE-3, LINE-4, LINE-6
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._searched = 0  # no delimiter starts before this offset of the buffer
        self.exceeded = False  # a line was too long: the connection must be dropped

    def feed(self, data: bytes) -> tuple[list[bytes], bool]:
        """Add one received chunk: the complete lines (in order, without delimiters) and
        whether a line exceeded ``MAX_LENGTH`` (then drop the connection; feed no more)."""
        if self.exceeded:
            return [], True
        buffer = self._buffer
        buffer += data
        lines: list[bytes] = []
        start = 0
        while (end := buffer.find(DELIMITER, max(start, self._searched))) >= 0:
            if end - start > MAX_LENGTH:  # a delimited line that is too long
                return self._overflow(lines)
            lines.append(bytes(buffer[start:end]))
            start = end + len(DELIMITER)
        del buffer[:start]
        if len(buffer) >= MAX_LENGTH + len(DELIMITER):  # too long, and still no delimiter
            return self._overflow(lines)
        self._searched = max(0, len(buffer) - len(DELIMITER) + 1)
        return lines, False

    def _overflow(self, lines: list[bytes]) -> tuple[list[bytes], bool]:
        """Discard the buffer, as Twisted does before ``lineLengthExceeded``."""
        self._buffer.clear()
        self._searched = 0
        self.exceeded = True
        return lines, True
