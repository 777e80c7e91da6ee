"""A line logger's printed lines: one client's delivery in segments, and what was printed between its
connection and its departure, as each LINE requirement judges it.

Each segment is sent once the server has read the one before, so every segment reaches it in a
read of its own. The end of a client's lines is its disconnection line; for a server that does
not log departures (DISC-1's failure) another observation ends them (see
:func:`_printed_while_connected`), so that LINE-1 is judged on its own evidence.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Literal

from ..judge.hints import Evidence, Symptom, diagnose
from ..judge.matchers import fail, first_difference
from ..wire.captured_output import Line, OutputTimeout
from ..wire.streams import Client, describe
from . import forms
from .log_lines import between, connected, disconnected, printed_stream
from .server_target import ServerTarget

Judge = Literal["framing", "content", "exact"]


def send_in_segments(client: Client, data: bytes, cuts: list[int]) -> None:
    """Send ``data`` cut at the given offsets, each segment once the server has read the one before:
    every segment reaches it in a read of its own (TCP_NODELAY is on)."""
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(data))), len(data)]
    for start, end in itertools.pairwise(bounds):
        client.wait_taken()
        client.send(data[start:end])


def _as_judged(stream: bytes, judge: Judge) -> bytes:
    """A printed stream as a requirement judges it.

    ``exact``: as printed (LINE-3: printed as sent, no repr, whitespace kept); ``content``:
    a line printed as a repr (``b'...'``) counts as its value (LINE-2, LINE-4); ``framing``:
    also whitespace at either end (what a program's ``strip()`` removes: spaces, tabs, form
    feeds, Unicode spaces; but not ``\r``) and empty lines do not count (LINE-1: which lines, once each, in
    order; the rest is LINE-3's).
    """
    if judge == "exact":
        return stream
    lines = [forms.unwrap(line) for line in stream.split(b"\n")[:-1]]
    if judge == "framing":
        lines = [stripped for line in lines if (stripped := _stripped(line))]
    return b"".join(line + b"\n" for line in lines)


#: What ``str.strip()`` removes, but ``\r`` and ``\n``: a ``\r`` left at a line's end is a framing mistake
#: (splitting on ``\n`` alone), LINE-1's; the rest at either end is LINE-3's.
_END_SPACE = ("\t\x0b\x0c\x1c\x1d\x1e\x1f \x85\xa0\u1680"
              "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _stripped(line: bytes) -> bytes:
    """``line`` without the whitespace at its ends that ``strip()`` removes, ``\r`` aside."""
    return line.decode("utf-8", "surrogateescape").strip(_END_SPACE).encode("utf-8", "surrogateescape")


def expect_printed(target: ServerTarget, sent: bytes, lines: list[bytes], cuts: list[int], *, summary: str,
                   symptom: Symptom = "framing", judge: Judge = "content", tail: bytes = b"") -> None:
    """One client sends ``sent`` in segments and closes; exactly ``lines`` must be printed in between.

    ``judge``: how much of the printed form counts (see :func:`_as_judged`). ``tail``: an
    unterminated rest of ``sent``; printing it at the close is LINE-4's failure, not judged here.
    """
    __tracebackhide__ = True
    if judge != "framing":  # the other LINE specs need a server that reassembles lines (LINE-1)
        target.require("reassembled lines")
    since = target.mark()
    client = target.client()
    conn = connected(target, client, since)
    send_in_segments(client, sent, cuts)
    expected = _as_judged(b"".join(line + b"\n" for line in lines), judge)
    if target.logs_departures:
        client.close()
        gone = disconnected(target, client, conn)
        printed = _as_judged(printed_stream(between(target, conn, gone)), judge)
    else:
        printed = _as_judged(printed_stream(_printed_while_connected(target, client, conn, expected, judge,
                                                                     closing=bool(tail))), judge)
    if printed != expected and not (tail and printed == expected + _as_judged(tail + b"\n", judge)):
        evidence = Evidence(symptom=symptom)
        as_repr = Evidence(expected=expected, got=printed, symptom=symptom)
        shown, visible = [ln for ln in printed.split(b"\n") if ln], [line for line in lines if line.strip()]
        if (target.owns("data line") and not cuts and visible  # sent whole, yet none printed in any form
                and not any(forms.logs_data(ln, line) for line in visible for ln in shown)):
            target.hide("data line", target.requirement_id, "no line a client sent is printed in any recognisable "
                        "form (as sent, or as its repr)")
        if ("bytes repr" in {hint.name for hint in diagnose(as_repr)}  # the lines are right, their printing is not
                and _as_judged(printed, "content") == _as_judged(expected, "content")):
            summary = "lines were not printed as sent: each was printed as the repr of a bytes object, b'...'"
            evidence = as_repr
        fail(target, summary, expected=f"the lines {lines!r}, each followed by a newline",
             got=f"printed {describe(printed, 300)}",
             details=f"sent {describe(sent, 300)} in segments cut at {sorted(set(cuts))}\n"
             + first_difference(expected, printed), evidence=evidence)


def _printed_while_connected(target: ServerTarget, client: Client, conn: Line, expected: bytes,
                             judge: Judge, *, closing: bool) -> list[Line]:
    """What the server printed of ``client``'s lines, for a server that does not log departures (DISC-1's
    failure): the lines after its connection line until the last expected line has been printed as many times
    as expected (or, none expected, until a witness that connects once the server has read everything is logged;
    or, never printed, the lines there are after ``--net-timeout``). The client closes after that.

    ``closing``: what is printed when the client leaves counts too (LINE-4's unterminated rest): the client
    half-closes and reads until the server closes its side, its handling of the departure done."""
    __tracebackhide__ = True
    if closing:
        client.half_close()
        client.read(limit=1)
        client.close()
        return list(target.output.lines(conn.index + 1))
    last = expected.split(b"\n")[-2] if expected else None
    if last is None:
        client.wait_taken()
        mark = target.mark()
        with target.client("witness") as witness:
            end = connected(target, witness, mark)
        client.close()
        return between(target, conn, end)
    wanted = expected.split(b"\n").count(last)

    def done(_line: Line) -> bool:
        printed = [_as_judged(ln.data + b"\n", judge) for ln in target.output.lines(conn.index + 1)]
        return printed.count(last + b"\n") >= wanted

    with contextlib.suppress(OutputTimeout):
        target.output.wait_for(done, what=f"line {last!r}", since=conn.index + 1,
                               timeout=target.settings.net_timeout)
    client.close()
    return list(target.output.lines(conn.index + 1))
