"""``reference._framing.LineBuffer`` frames lines exactly as Twisted's ``LineReceiver`` does.

Twisted's real ``LineReceiver`` runs in memory on a ``StringTransport``; both are fed
the same chunks, and after every chunk they must have delivered the same lines and
agree on whether the line-length limit was exceeded. The asynchat model's line logger,
which frames with asynchat's own terminator, is held to the same.
"""

from __future__ import annotations

import itertools
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.testing import StringTransport
from twisted.protocols.basic import LineReceiver

from netconform.reference._framing import DELIMITER, MAX_LENGTH, LineBuffer
from netconform.specs.harness.launch import capabilities


class Recorder(LineReceiver):
    """Twisted's LineReceiver with its default MAX_LENGTH, recording what it delivers."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.exceeded = False

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        self.exceeded = True
        super().lineLengthExceeded(line)  # loseConnection(), as in production


def twisted_frames(chunks: list[bytes]) -> list[tuple[list[bytes], bool]]:
    """What Twisted delivers after each chunk, stopping at the chunk that exceeds the limit."""
    proto = Recorder()
    transport = StringTransport()
    proto.makeConnection(transport)
    results: list[tuple[list[bytes], bool]] = []
    for chunk in chunks:
        proto.dataReceived(chunk)
        results.append((proto.lines, proto.exceeded))
        proto.lines = []
        if proto.exceeded:
            assert transport.disconnecting  # Twisted dropped the connection
            break
    return results


def buffer_frames(chunks: list[bytes]) -> list[tuple[list[bytes], bool]]:
    """What LineBuffer reports after each chunk, stopping at the chunk that exceeds the limit."""
    lines = LineBuffer()
    results: list[tuple[list[bytes], bool]] = []
    for chunk in chunks:
        results.append(lines.feed(chunk))
        if results[-1][1]:
            break
    return results


# Streams made of short text, lone and paired delimiters, runs whose length is near the
# limit, and whole lines just under, at, or just over MAX_LENGTH.
PIECES = st.one_of(
    st.sampled_from([b"\r", b"\n", b"\r\n", b"\n\r", b"\r\r\n", b""]),
    st.binary(max_size=12),
    st.integers(MAX_LENGTH - 4, MAX_LENGTH + 4).map(lambda n: b"x" * n),
    st.integers(MAX_LENGTH - 2, MAX_LENGTH + 2).map(lambda n: DELIMITER + b"z" * n + DELIMITER),
    st.integers(1, 3 * MAX_LENGTH).map(lambda n: b"y" * n),
)


@st.composite
def chunked_streams(draw: st.DrawFn) -> list[bytes]:
    """A stream of PIECES, cut at random points (including between ``\\r`` and ``\\n``)."""
    stream = b"".join(draw(st.lists(PIECES, max_size=12)))
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    bounds = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunked_streams())
def test_line_buffer_matches_twisted_line_receiver(chunks: list[bytes]) -> None:
    """After every chunk, LineBuffer has delivered the same lines as LineReceiver and
    exceeds the line-length limit at the same chunk."""
    assert buffer_frames(chunks) == twisted_frames(chunks)


def test_line_of_exactly_max_length_is_delivered() -> None:
    """A line of exactly 16384 bytes followed by CRLF is delivered, and the next line too."""
    line = b"a" * MAX_LENGTH
    assert LineBuffer().feed(line + DELIMITER + b"b\r\n") == ([line, b"b"], False)


def test_delimited_line_one_byte_too_long_is_dropped() -> None:
    """A 16385-byte line followed by CRLF exceeds the limit; lines before it in the chunk are still delivered."""
    chunk = b"ok\r\n" + b"a" * (MAX_LENGTH + 1) + DELIMITER + b"after\r\n"
    assert LineBuffer().feed(chunk) == ([b"ok"], True)
    assert buffer_frames([chunk]) == twisted_frames([chunk])


def test_undelimited_run_of_16386_bytes_is_dropped() -> None:
    """16385 bytes without a delimiter still wait for one; the 16386th byte exceeds the limit."""
    lines = LineBuffer()
    assert lines.feed(b"a" * (MAX_LENGTH + 1)) == ([], False)
    assert lines.feed(b"a") == ([], True)
    assert lines.feed(b"\r\n") == ([], True)  # once exceeded, nothing more is delivered


def test_undelimited_16386_bytes_ending_in_cr_is_dropped() -> None:
    """16385 bytes plus a lone CR exceed the limit, even though an LF might have followed."""
    chunks = [b"a" * (MAX_LENGTH + 1) + b"\r", b"\n"]
    assert buffer_frames(chunks) == twisted_frames(chunks) == [([], True)]


def test_delimiter_split_between_chunks_is_reassembled() -> None:
    """``a\\r`` then ``\\nb\\r\\n`` gives the lines ``a`` and ``b``: the CRLF may straddle two reads."""
    lines = LineBuffer()
    assert lines.feed(b"a\r") == ([], False)
    assert lines.feed(b"\nb\r\n") == ([b"a", b"b"], False)


def test_bare_cr_and_lf_stay_inside_the_line() -> None:
    """Only CRLF ends a line: ``a\\nb\\rc`` then CRLF is one line, and empty lines are kept."""
    assert LineBuffer().feed(b"a\nb\rc\r\n\r\n") == ([b"a\nb\rc", b""], False)


def test_unterminated_remainder_is_never_delivered() -> None:
    """Bytes after the last CRLF stay buffered; a later CRLF completes them, byte by byte too."""
    lines = LineBuffer()
    assert lines.feed(b"one\r\ntwo") == ([b"one"], False)
    delivered = [line for byte in b" three\r\n" for line in lines.feed(bytes([byte]))[0]]
    assert delivered == [b"two three"]


def test_whole_and_byte_by_byte_feeds_agree_with_twisted() -> None:
    """The same stream fed whole, byte by byte and in pairs frames identically in both."""
    stream = b"x\r\n\r\ny\n\rz\r\r\n" + b"q" * MAX_LENGTH + b"\r\nend\r\npartial"
    for size in (len(stream), 1, 2):
        chunks = [stream[i:i + size] for i in range(0, len(stream), size)]
        assert buffer_frames(chunks) == twisted_frames(chunks)


def asynchat_frames(chunks: list[bytes]) -> list[tuple[list[bytes], bool]]:
    """What the asynchat model's line logger (``set_terminator(b"\\r\\n")``) delivers after each
    chunk, its socket's reads replaced by the chunks; stopping at the chunk that drops the client."""
    from netconform.reference.asynchat.line_logger_server import LineLogger

    class Probe(LineLogger):
        """The line logger, recording lines and its hang-up instead of logging them."""

        lines: list[bytes]

        def line_received(self, line: bytes) -> None:
            self.lines.append(line)

        def handle_close(self) -> None:
            self.gone = True
            self.del_channel()

    feed = iter(chunks)
    mine, theirs = socket.socketpair()
    with mine, theirs:
        probe = Probe(mine, "")
        probe.lines = []
        probe.recv = lambda _size: next(feed)
        results: list[tuple[list[bytes], bool]] = []
        try:
            for _chunk in chunks:
                probe.handle_read()
                results.append((probe.lines, probe.gone))
                probe.lines = []
                if probe.gone:
                    break
        finally:
            probe.del_channel()
    return results


needs_asynchat = pytest.mark.skipif(not capabilities.available("asynchat"),
                                    reason=capabilities.CAPABILITIES["asynchat"].missing)


@needs_asynchat
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunked_streams())
def test_asynchat_terminator_frames_as_twisted_line_receiver(chunks: list[bytes]) -> None:
    """The asynchat line logger (asynchat's own CRLF terminator, with LineReceiver's MAX_LENGTH
    checks) delivers the same lines as LineReceiver after every chunk and drops the client at the
    same chunk; empty chunks (end-of-file) are left out, as recv() gives none."""
    chunks = [chunk for chunk in chunks if chunk]
    assert asynchat_frames(chunks) == twisted_frames(chunks)


@needs_asynchat
def test_asynchat_terminator_agrees_at_the_limit() -> None:
    """At the limit the asynchat line logger agrees with LineReceiver: a line of exactly MAX_LENGTH
    is delivered, one byte more drops the client (lines before it stay delivered), and 16385 bytes
    plus a CR held back for a possible LF exceed it."""
    for chunks in ([b"a" * MAX_LENGTH + DELIMITER + b"b\r\n"],
                   [b"ok\r\n" + b"a" * (MAX_LENGTH + 1) + DELIMITER + b"after\r\n"],
                   [b"a" * (MAX_LENGTH + 1) + b"\r", b"\n"],
                   [b"a" * (MAX_LENGTH + 1), b"a", b"\r\n"]):
        assert asynchat_frames(chunks) == twisted_frames(chunks), chunks
