"""Line framing specs (LINE-*): the line logger frames exactly like Twisted's LineReceiver.

Delimiter ``\\r\\n``, partial lines kept across reads, a bare ``\\n`` or ``\\r`` part of the
line, the unterminated rest never printed, lines over 16384 bytes drop the connection.
Input is delivered whole, byte by byte, and split at points Hypothesis draws (so a
failure shrinks to the smallest input and split that shows it).
"""

from __future__ import annotations

import contextlib
import select

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .harness.judge.findings import finding_of
from .harness.judge.hints import Evidence
from .harness.judge.matchers import fail
from .harness.launch import signals
from .harness.observe import forms
from .harness.observe.log_lines import connected, disconnected, expect_line, logged
from .harness.observe.ownership import Observation
from .harness.observe.printed_lines import expect_printed
from .harness.observe.server_target import ServerTarget
from .harness.wire.protocol import DELIMITER, MAX_LENGTH
from .harness.wire.streams import Client, Received, describe

#: LINE-1's lines: no bare \n or \r inside (those are LINE-2's), whitespace at the ends (LINE-3's) not judged.
SPECIAL_LINES = [b"", b" ", b"\t tabs and spaces \t", "unicod\u00e9 \u20ac \U0001f600".encode()]
LINES = st.lists(
    st.one_of(st.sampled_from(SPECIAL_LINES),
              st.text(st.characters(codec="utf-8"), max_size=30).map(str.encode))
    .filter(lambda b: b"\n" not in b and b"\r" not in b and b"('" not in b),
    max_size=8,
)
@pytest.mark.req("LINE-1")
@pytest.mark.parametrize("delivery", ["whole", "byte_by_byte", "split"])
@given(lines=LINES, data=st.data())
@example(lines=[b"split delimiter"], data=None)
def test_complete_lines_are_printed_once(line_logger_server: ServerTarget, delivery: str, lines: list[bytes],
                                         data: st.DataObject | None) -> None:
    r"""Each complete line (ended by ``\r\n``) is printed exactly once, without its delimiter, in order, however the
    bytes are split into TCP segments (whole, byte by byte, or between ``\r`` and ``\n``)."""
    sent = b"".join(line + DELIMITER for line in lines)
    if delivery == "whole":
        cuts: list[int] = []
    elif delivery == "byte_by_byte":
        cuts = list(range(1, len(sent)))
    elif data is None:  # the explicit example: cut between \r and \n
        cuts = [len(sent) - 1]
    else:
        cuts = data.draw(st.lists(st.integers(0, max(0, len(sent))), max_size=12), label="cuts")
    with line_logger_server.observations.owning("reassembled lines", "LINE-1", "lines are not reassembled "
                                                "and printed once each"):
        expect_printed(line_logger_server, sent, lines, cuts, judge="framing",
                       summary=f"the complete lines were not printed exactly once each (delivery: {delivery}); "
                       "a line split across reads must be reassembled, keeping the partial line")


@pytest.mark.req("LINE-2")
def test_only_crlf_ends_a_line(line_logger_server: ServerTarget) -> None:
    r"""Only ``\r\n`` ends a line: a bare ``\n`` or ``\r`` is part of the line."""
    expect_printed(line_logger_server, b"one\ntwo\nthree\rfour\r", [], [8], tail=b"one\ntwo\nthree\rfour\r",
                   summary="bytes ended by a bare \\n or \\r were printed as lines; only \\r\\n ends a line")
    expect_printed(line_logger_server, b"x\ny\rz\r\n", [b"x\ny\rz"], [2],
                   summary="a line containing a bare \\n and \\r was not printed whole; only \\r\\n ends a line")


@pytest.mark.req("LINE-3")
def test_lines_are_printed_as_sent(line_logger_server: ServerTarget) -> None:
    """Lines are printed as sent: empty lines, and spaces and tabs at either end, are kept."""
    lines = [b"  leading", b"trailing  ", b"", b"\tboth\t ", b" ", b""]
    expect_printed(line_logger_server, b"".join(ln + DELIMITER for ln in lines), lines, [], judge="exact",
                   summary="lines were not printed exactly as sent: do not strip() them or skip empty ones")


@pytest.mark.req("LINE-4")
@given(tail=st.binary(min_size=1, max_size=100).filter(lambda b: DELIMITER not in b and not b.endswith(b"\r")))
@example(tail=b"unterminated")
def test_unterminated_last_line_is_never_printed(line_logger_server: ServerTarget, tail: bytes) -> None:
    """An unterminated last line is never printed, not even when the client closes."""
    expect_printed(line_logger_server, b"complete\r\n" + tail, [b"complete"], [10],
                   summary="an unterminated last line was printed; bytes after the last \\r\\n are never printed")


@pytest.mark.req("LINE-5")
def test_lines_of_simultaneous_clients_are_never_mixed(line_logger_server: ServerTarget) -> None:
    """Lines from clients connected at the same time are never mixed within a line."""
    line_logger_server.require("reassembled lines")
    try:
        _three_clients_interleave(line_logger_server)
        _clients_print_at_once(line_logger_server)
    except pytest.fail.Exception as exc:
        finding = finding_of(exc)
        if finding is not None and "prints run together" in finding.hints:
            raise  # whole lines printed into each other: a lone client's lines are still printed as they are
        why = "the partial line of one client is mixed into another client's lines"  # no later line can be trusted
        line_logger_server.hide("reassembled lines", "LINE-5", why)
        line_logger_server.hide("data line", "LINE-5", why)
        raise


#: LINE-5's burst: this many clients, each sending this many lines in one segment while the server is paused (SIGSTOP),
#: so that it finds them all at once. A server whose threads print without a lock (a print() is two writes: the text,
#: then the newline) mixes some of them every time.
BURST_CLIENTS, BURST_LINES = 10, 1800  # lines of 9 bytes: 16200 bytes, under LINE-6's 16384 even in one read


def _three_clients_interleave(line_logger_server: ServerTarget) -> None:
    """Three clients' lines, sent in 7-byte segments round robin: partial lines kept per client."""
    __tracebackhide__ = True
    since = line_logger_server.mark()
    clients = [line_logger_server.client(f"client {n}") for n in (1, 2, 3)]
    sent = {c.label: [f"{c.label} line {i} ".encode() * 3 for i in (1, 2, 3, 4)] for c in clients}
    streams = {c.label: b"".join(line + DELIMITER for line in sent[c.label]) for c in clients}
    for offset in range(0, max(map(len, streams.values())), 7):  # 7-byte segments, round robin
        for client in clients:
            if offset < len(streams[client.label]):
                client.wait_taken()
                client.send(streams[client.label][offset:offset + 7])
    _expect_each_line_intact(line_logger_server, clients, sent, since)


def _clients_print_at_once(line_logger_server: ServerTarget) -> None:
    """Many clients' whole lines, all sent at the same time: the server prints them at the same time."""
    __tracebackhide__ = True
    if not line_logger_server.spec.concurrent:
        return  # it serves them one after another: no two clients' lines can be printed at the same moment
    since = line_logger_server.mark()
    clients = [line_logger_server.client(f"client {n}") for n in range(4, 4 + BURST_CLIENTS)]
    sent = {c.label: [f"<{chr(65 + n)}{i:04d}>".encode() for i in range(1, BURST_LINES + 1)]  # <>: a line's bounds
            for n, c in enumerate(clients)}
    for client in clients:  # each is being served (a thread waits for its data, say)
        connected(line_logger_server, client, since)
    with signals.paused(line_logger_server):  # resumed, it finds every client's lines waiting at once
        for client in clients:
            client.send(b"".join(line + DELIMITER for line in sent[client.label]))
    _expect_each_line_intact(line_logger_server, clients, sent, since)


def _expect_each_line_intact(line_logger_server: ServerTarget, clients: list[Client], sent: dict[str, list[bytes]],
                             since: int) -> None:
    """The clients leave; each of their lines was printed intact, once, none mixed with another."""
    __tracebackhide__ = True
    for client in clients:
        client.close()
    for client in clients:
        conn = connected(line_logger_server, client, since)
        disconnected(line_logger_server, client, conn)
    everything = {line.strip() for lines in sent.values() for line in lines}  # whitespace: LINE-3's
    printed = []  # the data lines: every line but the log lines (a line that shows an address)
    for ln in line_logger_server.output.lines(since):
        data = forms.unwrap(ln.data).strip()
        if data in everything or not (forms.addresses(ln.text)  # a line as sent shows no address: not parsed again
                                      or any(forms.names_client(ln.text, c.peer_name) for c in clients)):
            printed.append(data)
    mixed = [line for line in printed if line not in everything]
    if mixed or sorted(printed) != sorted(everything):
        shown = b"\n".join(forms.unwrap(ln.data) for ln in line_logger_server.output.lines(since))  # log lines too
        if all(line in shown for line in everything):
            fail(line_logger_server, f"lines of {len(clients)} clients connected at the same time were printed "
                 "into each other (each line intact, the newlines elsewhere)", expected=f"the {len(everything)} "
                 f"lines sent, each on its own", got=f"{len(printed)} lines; e.g. {mixed[:2]!r}",
                 evidence=Evidence(symptom="prints run together"))
        fail(line_logger_server, f"lines of {len(clients)} clients connected at the same time were mixed or lost",
             expected=f"the {len(everything)} lines sent, each intact", got=f"{len(printed)} lines; e.g. "
             f"{mixed[:2] or printed[:2]!r}", evidence=Evidence(symptom="concurrent"))


#: What LINE-6 reads in the log, when it can trust it: lines printed live (LOG-5), by a server whose log shows its
#: clients (LOG-1) and their lines (LINE-1), reassembled and unmixed (LINE-1, LINE-5).
_LOG_VIEWS: tuple[Observation, ...] = ("live output", "connection line", "data line", "reassembled lines")


#: LINE-6's longest allowed line is also sent in pieces of this many bytes, each read on its own; and this many short
#: lines at once, while the server is paused (72 KB together, each far shorter: however its reads cut them, a server
#: that limits a read instead of a line meets a read over 16386 bytes).
PIECE, SHORT_LINE, SHORT_LINES = 4096, b"short line" + DELIMITER, 6000


def _hidden(target: ServerTarget, what: Observation) -> bool:
    """Did another requirement than the current one find ``what`` unobservable on this target?"""
    hidden = target.observations.hidden.get(what)
    return hidden is not None and hidden[0] != target.requirement_id


def _closed_already(target: ServerTarget, client: Client) -> Received | None:
    """How the server ended ``client``'s connection, if it already has (an end-of-file or a reset waiting to be
    read: looked at, not waited for); None while the connection is open."""
    if not select.select([client.sock], [], [], 0)[0]:
        return None
    got = client.read(timeout=target.settings.net_timeout, settle=0.0)
    return got if got.closed else None


def _expect_read(target: ServerTarget, client: Client, data: bytes, *, summary: str, at_once: bool = False) -> None:
    """``client`` sends ``data``; the server must read all of it and keep the connection open.

    Seen on the connection itself, not in the log: the server's receive queue empties (the server
    read the bytes), and no end-of-file or reset is waiting for the client. ``at_once``: sent while
    the server is paused, so that all of it is there for its next read.
    """
    __tracebackhide__ = True
    with signals.paused(target) if at_once else contextlib.nullcontext():
        client.send(data)
    client.wait_taken(timeout=target.settings.net_timeout)
    ended = _closed_already(target, client)
    if ended is not None:  # the spec names the mistake itself: no generic hint about the greeting's exchange
        fail(target, summary, expected="the server reads the line and keeps the connection open",
             got=f"after sending {describe(data, 60)}: {ended.describe_end()}",
             evidence=Evidence(got=ended.data, end=ended.end, symptom="recognised"))
    if client.stalled:
        fail(target, summary, expected="the server reads the line and keeps the connection open",
             got=f"the server did not read {describe(data, 60)} within {target.settings.net_timeout:g}s; the "
             "connection stayed open")


@pytest.mark.req("LINE-6")
def test_overlong_line_drops_only_that_connection(line_logger_server: ServerTarget) -> None:
    """A line longer than 16384 bytes, or 16386 bytes or more still without a delimiter, makes the server drop that
    connection, and only that one, wherever the line starts in a read and however its pieces arrive; a line of exactly
    16384 bytes is accepted, whole or in pieces, and so are many short lines in one read."""
    # Judged on the connections: a dropped connection ends (end-of-file or reset) at its client; one that is not
    # dropped has what it sends read by the server and stays open. The log is read too (the longest line printed,
    # the others served) only where it can be trusted; a server that does not reassemble lines (LINE-1) has no
    # line to measure, so the spec is not judged then.
    target = line_logger_server
    framing = target.observations.hidden.get("reassembled lines")
    if framing is not None and target.observations.owns("reassembled lines", framing[0]):
        target.require("reassembled lines")  # its owner, LINE-1, failed; LINE-5's mixed lines leave lone ones whole
    log = not any(_hidden(target, what) for what in _LOG_VIEWS)
    with contextlib.ExitStack() as stack:
        bystander = None
        if target.spec.concurrent and not _hidden(target, "concurrent clients"):  # connected throughout, undisturbed
            bystander = stack.enter_context(target.client("bystander"))
        mark = target.mark()
        with target.client("client sending the longest allowed line") as client:
            accepted = f"a line of exactly {MAX_LENGTH} bytes made the server drop the connection (the limit allows it)"
            _expect_read(target, client, b"a" * MAX_LENGTH + DELIMITER, summary=accepted)
            _expect_read(target, client, b"next line" + DELIMITER, summary=accepted)
            if log:
                expect_line(target, lambda ln: len(forms.unwrap(ln.data)) == MAX_LENGTH, since=mark,
                            what=f"the {MAX_LENGTH}-byte line", observes="data line",
                            summary=f"a line of exactly {MAX_LENGTH} bytes was not printed (the limit allows it)")
            in_pieces = (f"a line of exactly {MAX_LENGTH} bytes arriving in pieces made the server drop the "
                         "connection: the limit is on a line, not on what one read brings or a smaller buffer")
            for start in range(0, MAX_LENGTH, PIECE):  # each piece read on its own: the partial line grows to
                _expect_read(target, client, b"d" * min(PIECE, MAX_LENGTH - start), summary=in_pieces)
            _expect_read(target, client, b"\r", summary=in_pieces)  # ... 16385 bytes, its \r included
            _expect_read(target, client, b"\n", summary=in_pieces)
            _expect_read(target, client, SHORT_LINE * SHORT_LINES, at_once=True,
                         summary=f"{SHORT_LINES} short lines arriving "
                         f"at once ({len(SHORT_LINE) * SHORT_LINES} bytes) made the server drop the connection: the "
                         f"limit is on each line's length, not on what one read brings")
        too_long = (("too long, after a short line in the same read", SHORT_LINE + b"b" * (MAX_LENGTH + 1) + DELIMITER),
                    ("too long, undelimited, its last byte a \\r", b"c" * (MAX_LENGTH + 1) + b"\r"),
                    ("too long, undelimited, its last piece passing 16386 bytes", b"e" * (MAX_LENGTH + 3)))
        for name, payload in too_long:
            with target.client(f"client sending {name}") as client:
                if name.endswith("16386 bytes"):  # 16384 bytes read piece by piece (allowed), then 3 more
                    for start in range(0, MAX_LENGTH, PIECE):
                        _expect_read(target, client, payload[start:start + PIECE], summary=in_pieces)
                    payload = payload[MAX_LENGTH:]
                with signals.paused(target):  # all of it there for the server's next read
                    client.send(payload)
                got = client.read(timeout=target.settings.net_timeout)
                if not got.closed:
                    fail(target, f"a line longer than {MAX_LENGTH} bytes ({name}) did not make the server drop "
                         "the connection", expected="the server closes this connection",
                         got=got.describe_end(), evidence=Evidence(got=got.data, end=got.end))
        if bystander is not None:
            mark = target.mark()
            disturbed = "dropping the over-long line's connection disturbed another client"
            _expect_read(target, bystander, b"still here" + DELIMITER, summary=disturbed)
            if log:
                logged(target, b"still here", since=mark, what="line 'still here' from the other client",
                       summary=disturbed)
    mark = target.mark()
    with target.client("next client") as client:
        next_served = "after dropping over-long lines the server did not serve the next client"
        _expect_read(target, client, b"served" + DELIMITER, summary=next_served)
        if log:
            logged(target, b"served", since=mark, what="line 'served'", summary=next_served)
