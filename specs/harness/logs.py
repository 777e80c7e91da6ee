"""Watching a logging server's stdout: one client's connection, data and disconnection.

Specs never sleep: they wait for the log line they expect. When it does not come,
:func:`expect_line` finds out why before failing: it sends the target Ctrl-C
(SIGINT), so a Python program flushes what it buffered and prints where it was
stuck; a line that shows up only then was block-buffered (LOG-5), a traceback in
``accept()`` is the book's poll-server bug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from specs.harness import logparse
from specs.harness.hints import Evidence
from specs.harness.matchers import fail
from specs.harness.output import Line, OutputTimeout
from specs.harness.server import ServerTarget
from specs.harness.wire import Client

DELIMITER = b"\r\n"


def frame(target: ServerTarget, message: bytes) -> bytes:
    """What a client sends so that ``message`` is logged: line loggers need the delimiter."""
    return message + DELIMITER if target.spec.role == "line-logger-server" else message


def address_of(client: Client) -> tuple[str, int]:
    """The client's own address, as the server should print it."""
    return (str(client.local[0]), client.port)


def expect_line(target: ServerTarget, predicate: Callable[[Line], bool], *, what: str, since: int,
                summary: str | None = None, symptom: str = "", timeout: float | None = None) -> Line:
    """Wait for a stdout line satisfying ``predicate``; on timeout diagnose and fail the spec."""
    __tracebackhide__ = True
    try:
        return target.output.wait_for(predicate, what=what, since=since,
                                      timeout=timeout or target.settings.net_timeout)
    except OutputTimeout as exc:
        error = exc
    missing_line(target, predicate, what=what, since=since, summary=summary or f"no {what} was logged",
                 symptom=symptom, waited=str(error))


def missing_line(target: ServerTarget, predicate: Callable[[Line], bool], *, what: str, since: int, summary: str,
                 symptom: str, waited: str) -> NoReturn:
    """Fail because an expected line is missing, after probing the target with SIGINT."""
    __tracebackhide__ = True
    details = waited
    if target.interrupt():
        out = target.captured
        late = [ln for ln in out.lines(since) if predicate(ln)] if out is not None else []
        if late:
            summary = (f"{what} appeared only when the program exited after Ctrl-C: its stdout is "
                       "block-buffered (not flushed)")
            symptom = "buffered"
        details += "\n(after Ctrl-C, SIGINT, the program's output ends as shown below)"
    fail(target, summary, expected=what, details=details, evidence=Evidence(symptom=symptom))


def connected(target: ServerTarget, client: Client, since: int) -> Line:
    """The line logging ``client``'s connection: the first that shows its address."""
    __tracebackhide__ = True
    me = address_of(client)
    return expect_line(target, lambda ln: logparse.mentions(ln.text, me), since=since,
                       what=f"line logging the connection from {me!r}")


def disconnected(target: ServerTarget, client: Client, after: Line, *, summary: str | None = None,
                 timeout: float | None = None) -> Line:
    """The line logging that ``client`` left: the next line after ``after`` that shows its address."""
    __tracebackhide__ = True
    me = address_of(client)
    return expect_line(target, lambda ln: logparse.mentions(ln.text, me), since=after.index + 1,
                       what=f"line logging that {me!r} disconnected", summary=summary, timeout=timeout)


def between(target: ServerTarget, first: Line, last: Line) -> list[Line]:
    """The stdout lines strictly between two log lines."""
    return [ln for ln in target.output.lines(first.index + 1) if ln.index < last.index]


def printed_stream(lines: list[Line]) -> bytes:
    """The bytes those lines were printed as (each ended by a newline)."""
    return b"".join(ln.data + b"\n" for ln in lines)


def why_address_missing(lines: list[str], me: tuple[str, int]) -> str:
    """Explain why no line shows ``me`` as the book's tuple (for LOG-1 and GREET-9)."""
    logged = [a for text in lines for a in logparse.tuple_addresses(text) + logparse.twisted_addresses(text)]
    if any(logparse.twisted_addresses(t) for t in lines):
        return "the peer is printed as a Twisted address object; print the book's tuple (transport.client)"
    if logged:
        return (f"the logged address {logged[-1]!r} is not the client's {me!r}: log the peer's address "
                "(accept()'s addr, getpeername()), not the server's own (getsockname())")
    if lines:
        return "no line names the client's address as the book does, ('127.0.0.1', <port>)"
    return "nothing was logged on stdout for the connection (print it, and flush stdout)"
