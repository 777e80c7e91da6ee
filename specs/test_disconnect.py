"""Disconnect specs (DISC-*): every client that leaves is logged once, whatever way it leaves."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from .harness.judge.hints import Evidence
from .harness.judge.matchers import fail
from .harness.observe import forms
from .harness.observe.address_forms import book_form
from .harness.observe.log_lines import address_of, connected, disconnected, expect_line, frame, logged
from .harness.observe.server_target import ServerTarget
from .harness.wire.captured_output import Line
from .harness.wire.streams import Address

LEAVING_AT_ONCE = 20


def expect_exactly_once(target: ServerTarget, me: Address, since: int) -> None:
    """Exactly two lines show ``me`` (its connection and its disconnection) by the time a later client is logged."""
    __tracebackhide__ = True
    mark = target.mark()
    with target.client("witness") as witness:
        seen = connected(target, witness, mark)
    disconnected(target, witness, seen)
    named = forms.naming(me)
    shown = [ln.text for ln in target.output.lines(since) if named(ln.text)]
    if len(shown) != 2:
        if len(shown) > 2:
            target.hide("one disconnection line", target.requirement_id, "a client that leaves is logged as gone "
                        "more than once")
        fail(target, f"{book_form(me)} appears in {len(shown)} log lines, not 2 (connected once, disconnected once)",
             expected="one connection line and one disconnection line", got="\n    ".join(shown[:10]),
             evidence=Evidence(symptom="repeated" if len(shown) > 2 else ""))


@pytest.mark.req("DISC-1")
def test_clean_close_is_logged_once(logging_server: ServerTarget) -> None:
    """When a client closes cleanly (FIN), the server logs exactly one disconnection line with that client's
    address."""
    since = logging_server.mark()
    client = logging_server.client()
    me = address_of(client)
    conn = connected(logging_server, client, since)
    client.close()
    disconnected(logging_server, client, conn,
                 summary=f"no disconnect line: nothing logged that {book_form(me)} left after it closed the connection")
    expect_exactly_once(logging_server, me, since)


@pytest.mark.req("DISC-2")
def test_data_before_half_close_is_logged_before_disconnection(logging_server: ServerTarget) -> None:
    """When a client sends data and then half-closes, the data is logged first, then the disconnection."""
    since = logging_server.mark()
    client = logging_server.client()
    conn = connected(logging_server, client, since)
    client.send(frame(logging_server, b"last words"))
    client.half_close()
    data = logged(logging_server, b"last words", since=conn.index + 1, what="line 'last words'")
    gone = disconnected(logging_server, client, conn)
    client.close()
    if gone.index < data.index:
        fail(logging_server, "wrong order: the disconnection was logged before the client's data",
             expected="'last words', then the disconnection", got=f"{gone.text!r}, then {data.text!r}")


@pytest.mark.req("DISC-3")
@pytest.mark.parametrize("when", ["mid-stream", "mid-line"])
def test_reset_is_survived_and_logged(logging_server: ServerTarget, when: str) -> None:
    """A client that resets its connection (SO_LINGER 0), mid-stream or mid-line, does not stop the server: it logs
    the disconnection and keeps serving others."""
    since = logging_server.mark()
    rude = logging_server.client(f"client resetting {when}")
    conn = connected(logging_server, rude, since)
    rude.send(frame(logging_server, b"some data") if when == "mid-stream" else b"half a li")
    rude.abort()
    disconnected(logging_server, rude, conn,
                 summary=f"after a client's connection reset ({when}), its disconnection was not logged")
    since = logging_server.mark()
    with logging_server.client("next client") as client:
        nxt = connected(logging_server, client, since)
        client.send(frame(logging_server, b"after the reset"))
        logged(logging_server, b"after the reset", since=nxt.index + 1, what="line 'after the reset'",
               summary="after a client's reset, the next client was not served")


@pytest.mark.req("DISC-4")
def test_many_clients_leaving_at_once_are_each_logged_once(logging_server: ServerTarget) -> None:
    """When many clients leave at once, each is logged as disconnected exactly once, with its own address."""
    logging_server.require("connection line")  # clients are told apart by the addresses logged
    logging_server.require("one disconnection line")
    since = logging_server.mark()
    clients = []
    for n in range(1, LEAVING_AT_ONCE + 1):
        logging_server.pace()  # the book's listen(5) must not overflow: a dropped SYN waits 1 s
        clients.append(logging_server.client(f"client {n}"))
    for client in clients:
        client.close()
    deadline = time.monotonic() + 2 * logging_server.settings.net_timeout  # for the 20 departures together
    for client in clients:
        me = address_of(client)
        expect_line(logging_server, _second_mention(logging_server, me, since),
                    since=since, what=f"line logging that {book_form(me)} disconnected", observes="disconnection line",
                    timeout=max(0.1, deadline - time.monotonic()),
                    summary=f"{client.label} of {LEAVING_AT_ONCE} leaving at once was not logged as gone with "
                    "its own address")
    counts = {address_of(c): 0 for c in clients}
    naming = {addr: forms.naming(addr) for addr in counts}
    for line in logging_server.output.lines(since):
        for addr, named in naming.items():
            counts[addr] += named(line.text)
    wrong = {a: n for a, n in counts.items() if n != 2}
    if wrong:
        repeated = any(n > 2 for n in wrong.values())
        fail(logging_server, "some clients leaving at once were not logged exactly once each with their own address",
             expected="2 lines per client (connected, disconnected)", got=repr(wrong),
             evidence=Evidence(symptom="repeated" if repeated else "concurrent"))


def _second_mention(target: ServerTarget, me: Address, since: int) -> Callable[[Line], bool]:
    """A predicate: a line showing ``me`` that comes after the first line showing it."""

    named = forms.naming(me)

    def predicate(line: Line) -> bool:
        if not named(line.text):
            return False
        first = next((ln.index for ln in target.output.lines(since) if named(ln.text)), line.index)
        return line.index > first

    return predicate
