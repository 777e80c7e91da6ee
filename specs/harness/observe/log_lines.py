"""Watching a logging server's stdout: one client's connection, data and disconnection.

Specs never sleep: they wait for the log line they expect, recognised in every form
real programs print it (``observe``). When it does not come, :func:`expect_line`
finds out why before failing: it sends the target Ctrl-C (SIGINT), so a Python
program flushes what it buffered and prints where it was stuck; a line that shows up
only then was block-buffered (LOG-5), a traceback in ``accept()`` is the book's
poll-server bug. What a spec merely observes belongs to another requirement: when
that one failed so that the observation cannot be made, the spec is blocked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NoReturn

from ..judge.hints import Evidence, Symptom, stuck_in
from ..judge.matchers import fail
from ..launch import signals
from ..launch.readiness import Activity
from ..wire.captured_output import Line, OutputTimeout
from ..wire.protocol import DELIMITER
from ..wire.streams import Address, Client
from . import address_forms, forms
from .address_forms import book_form
from .ownership import Observation, owner_of
from .server_target import ServerTarget


def frame(target: ServerTarget, message: bytes) -> bytes:
    """What a client sends so that ``message`` is logged: line loggers need the delimiter."""
    return message + DELIMITER if target.spec.role == "line-logger-server" else message


def address_of(client: Client) -> Address:
    """The client's own address, as the server should print it: ``(host, port)``, or its path."""
    return client.peer_name


def expect_line(target: ServerTarget, predicate: Callable[[Line], bool], *, what: str, since: int,
                observes: Observation, summary: str | None = None, symptom: Symptom = "",
                timeout: float | None = None, explain: Callable[[list[str]], str] | None = None) -> Line:
    """Wait for a stdout line satisfying ``predicate``; when it does not come, find out why and fail.

    ``observes`` names what the line is evidence of. If the requirement owning that
    already failed on this target so that it cannot be seen in any form, the spec is
    blocked (not judged) at once instead of waiting.
    """
    __tracebackhide__ = True
    target.require("live output")
    target.require(observes)
    try:
        return _wait(target, predicate, what=what, since=since, timeout=timeout or target.settings.net_timeout)
    except OutputTimeout as exc:
        error = exc
    if explain is not None:
        summary = explain([ln.text for ln in target.output.lines(since)])
    missing_line(target, predicate, what=what, since=since, summary=summary or f"no {what} was logged",
                 symptom=symptom, waited=str(error), observes=observes)


#: A program already found stuck (Ctrl-C) in an earlier spec, asleep this long with a line missing: probe it.
STUCK_AGAIN = 0.5


def _wait(target: ServerTarget, predicate: Callable[[Line], bool], *, what: str, since: int, timeout: float) -> Line:
    """Wait for the line; for a program already found stuck, only until it sleeps again with the line missing.

    Once the Ctrl-C probe has found a program stuck (say, in accept() on a client's data), a
    later spec that meets the same mistake would wait out the whole timeout again. Asleep,
    using no CPU, with the line still missing, it is not about to print it: the probe then
    tells whether it is stuck at the same place (the spec is blocked by the earlier one).
    """
    if not target.observations.stuck:
        return target.output.wait_for(predicate, what=what, since=since, timeout=timeout)
    start = time.monotonic()
    activity = Activity(idle_limit=STUCK_AGAIN)
    while True:
        try:
            return target.output.wait_for(predicate, what=what, since=since,
                                          timeout=max(0.0, min(0.1, start + timeout - time.monotonic())))
        except OutputTimeout as exc:
            if time.monotonic() >= start + timeout:
                raise
            if activity.idle_too_long(target.processes()):
                raise OutputTimeout(f"{exc} (after {time.monotonic() - start:.1f}s the program, stuck in an earlier "
                                    "spec, was asleep again with this line missing)") from None


def missing_line(target: ServerTarget, predicate: Callable[[Line], bool], *, what: str, since: int, summary: str,
                 symptom: Symptom, waited: str, observes: Observation) -> NoReturn:
    """Fail because an expected line is missing, after probing the target with Ctrl-C (SIGINT).

    The probe tells the causes apart: a line that shows up only after Ctrl-C was
    block-buffered (LOG-5's failure: the spec is blocked by it unless it is LOG-5); a
    program stuck at the same place as in an earlier failure shows the same mistake
    (blocked by that requirement); otherwise this spec fails, and if it owns the
    observation, the specs that need it later are blocked.
    """
    __tracebackhide__ = True
    if observes == "disconnection line":
        _exited_at_departure(target)
    details = waited
    live_owner = owner_of("live output", target.spec.role) or "LOG-5"
    exited = signals.ctrl_c(target)
    if not exited and target.group is not None and target.group.alive:  # it waits for its clients (threads that
        target.departures.close_all()  # are not daemons): they leave, as they would after a user's Ctrl-C
        exited = target.group.wait_exit(2.0) is not None
    if exited:
        out = target.captured
        late = [ln for ln in out.lines(since) if predicate(ln)] if out is not None else []
        if late:
            why = f"{what} appeared only when the program exited after Ctrl-C: its stdout is block-buffered"
            target.hide("live output", live_owner, why)
            target.require("live output")
            summary, symptom = why + " (not flushed)", "buffered"
        location = stuck_in(Evidence(interrupt=target.interrupt_text()))
        if location is not None:
            earlier = target.observations.stuck_before(location, target.requirement_id)
            if earlier is not None:
                target.observations.block(target.requirement_id, earlier,
                                          f"the program is stuck in {location}, as when {earlier} failed")
        details += "\n(after Ctrl-C, SIGINT, the program's output ends as shown below)"
    if target.owns(observes) and target.exited_on_its_own is None:
        target.hide(observes, target.requirement_id, f"no {observes} of a lone client appeared in any form")
    fail(target, summary, expected=what, details=details, evidence=Evidence(symptom=symptom))


def _exited_at_departure(target: ServerTarget) -> None:
    """A client left, its disconnection line never came, and the process exited: it does not survive a departure.
    DISC-1 owns that observation (the first spec whose client leaves cleanly, to be judged on it); the others are
    blocked once DISC-1 found it."""
    __tracebackhide__ = True
    if target.group is not None and target.group.output.closed:
        target.group.wait_exit(1.0)
    code = target.exited_on_its_own
    if code is None:
        return
    if target.owns("departure survived"):
        target.hide("departure survived", target.requirement_id, f"the server exits (status {code}) when a client "
                    "leaves, instead of logging the departure and serving the next client")
    target.require("departure survived")


def connected(target: ServerTarget, client: Client, since: int, *, summary: str | None = None,
              explain: Callable[[list[str]], str] | None = None) -> Line:
    """The line logging ``client``'s connection: the first that shows its address, in any form."""
    __tracebackhide__ = True
    me = address_of(client)
    named = forms.naming(me)
    return expect_line(target, lambda ln: named(ln.text), since=since,
                       what=f"line logging the connection from {book_form(me)}", observes="connection line",
                       summary=summary, explain=explain)


def disconnected(target: ServerTarget, client: Client, after: Line, *, summary: str | None = None,
                 timeout: float | None = None) -> Line:
    """The line logging that ``client`` left: the next line after ``after`` that shows its address."""
    __tracebackhide__ = True
    me = address_of(client)
    named = forms.naming(me)
    return expect_line(target, lambda ln: named(ln.text), since=after.index + 1,
                       what=f"line logging that {book_form(me)} disconnected", summary=summary, timeout=timeout,
                       observes="disconnection line")


def logged(target: ServerTarget, payload: bytes, *, since: int, what: str | None = None, summary: str | None = None,
           symptom: Symptom = "") -> Line:
    """The line logging ``payload`` (as sent or as its repr, trailing whitespace aside: see ``observe``)."""
    __tracebackhide__ = True
    return expect_line(target, lambda ln: forms.logs_data(ln.data, payload), since=since,
                       what=what or f"line {payload!r}", summary=summary, symptom=symptom, observes="data line")


def between(target: ServerTarget, first: Line, last: Line) -> list[Line]:
    """The stdout lines strictly between two log lines."""
    return [ln for ln in target.output.lines(first.index + 1) if ln.index < last.index]


def printed_stream(lines: list[Line]) -> bytes:
    """The bytes those lines were printed as (each ended by a newline)."""
    return b"".join(ln.data + b"\n" for ln in lines)


def why_address_missing(lines: list[str], me: Address) -> str:
    """Explain why no line shows ``me`` as the book's tuple (for LOG-1 and GREET-9)."""
    if any(address_forms.twisted_addresses(t) for t in lines):
        return "the peer is printed as a Twisted address object; print the book's tuple (transport.client)"
    if isinstance(me, str) and any(forms.names_client(t, me) for t in lines):
        return (f"the client's path is printed, but quoted: print the address that accept() returns as it "
                f"is, print('Got connection from', addr), which shows the path bare: {me}")
    if any(forms.names_client(t, me) for t in lines):
        return (f"the client's address is printed, but not as the book's tuple {book_form(me)}: print the address "
                "that accept() returns as it is, print('Got connection from', addr)")
    if isinstance(me, str):
        return (f"no line names the client's path {me}: log the peer's address (accept()'s addr, "
                "getpeername()), not the server's own path")
    logged = [a for text in lines for a in forms.addresses(text)]
    if logged:
        return (f"the logged address {logged[-1]!r} is not the client's {book_form(me)}: log the peer's address "
                "(accept()'s addr, getpeername()), not the server's own (getsockname())")
    if lines:
        return "no line names the client's address as the book does, ('127.0.0.1', <port>)"
    return "nothing was logged on stdout for the connection (print it, and flush stdout)"
