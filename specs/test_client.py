"""Greeting client specs (CLIENT-*): print what the server says, whole, then exit.

The suite plays the server (``fixture_servers.GreetingFixture``) on 127.0.0.1: on a
free port for a command with ``{port}``, on the book's 1234 for one without; over a
Unix transport at ``{path}``, a socket path in netconform's private folder. Over
datagrams it answers each datagram with the greeting in one datagram.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .harness.judge import findings, shrink_budget
from .harness.judge.hints import Evidence
from .harness.judge.matchers import fail
from .harness.launch.client_runs import ClientRun
from .harness.observe import forms
from .harness.observe.client_target import ClientTarget
from .harness.wire.protocol import BOOK_PORT, GREETING
from .harness.wire.streams import describe
from .harness.wire.suite_servers import GreetingFixture, refused_path, refused_port

GREETING_LINE = GREETING + b"\n"


@contextmanager
def greeting_fixture(target: ClientTarget, pieces: list[bytes], pause: float = 0.0) -> Iterator[GreetingFixture]:
    """The fixture server for one scenario, over the target's transport, where its command expects it."""
    transport = target.spec.transport
    if target.spec.port_policy == "fixed":
        with target.pool.fixed_port(), GreetingFixture(pieces, pause=pause, port=BOOK_PORT, transport=transport,
                                                       transcript=target.transcript) as server:
            yield server
    else:
        with GreetingFixture(pieces, pause=pause, transcript=target.transcript, transport=transport) as server:
            yield server


@dataclass(frozen=True)
class WholeGreetingRun:
    """The client's run against a server that sends the greeting whole, and what that server saw."""

    run: ClientRun
    events: list[tuple[float, str, str]]  # its transcript
    senders: list[object]  # over datagrams: the address each of the client's datagrams came from


_WHOLE: weakref.WeakKeyDictionary[ClientTarget, WholeGreetingRun] = weakref.WeakKeyDictionary()


def whole_greeting_run(target: ClientTarget) -> WholeGreetingRun:
    """The client's run against a server that sends the greeting whole: made once per target, and
    judged by CLIENT-1 (what it printed), CLIENT-2 (how it exited) and CLIENT-5 (where it sent from);
    its transcript comes along."""
    known = _WHOLE.get(target)
    if known is not None:
        target.transcript.events[:0] = known.events
        target.last = known.run
        return known
    with greeting_fixture(target, [GREETING]) as server:
        run = target.run(port=server.port or None, path=server.path)
    _WHOLE[target] = made = WholeGreetingRun(run, list(target.transcript.events), list(server.senders))
    return made


def printed_greeting(run: ClientRun, *, exact: bool) -> bool:
    """Did the client print the greeting (one trailing newline allowed)? Not ``exact``: also as a repr."""
    printed = run.stdout.removesuffix(b"\n").removesuffix(b"\r")
    return printed == GREETING or (not exact and forms.unwrap(printed) == GREETING)


def expect_greeting_printed(target: ClientTarget, run: ClientRun, *, how: str, exact: bool = False) -> None:
    """The greeting must be printed; ``exact``: as text (CLIENT-1), else in any form (a repr is CLIENT-1's)."""
    __tracebackhide__ = True
    if not printed_greeting(run, exact=exact):
        fail(target, f"the client did not print the greeting it received ({how})",
             expected=f"{describe(GREETING_LINE)} on stdout", got=f"{describe(run.stdout)}; {run.describe_exit()}",
             evidence=Evidence(expected=GREETING, got=run.stdout.rstrip(b"\r\n"), end="eof", symptom="client"))


@pytest.mark.req("CLIENT-1")
def test_prints_the_greeting(greeting_client: ClientTarget) -> None:
    """The client prints the greeting it receives, ``Thank you for connecting``, as text (one trailing newline
    allowed), not as a bytes repr and not cut short."""
    run = whole_greeting_run(greeting_client).run
    printed = forms.unwrap(run.stdout.strip())
    if printed and GREETING.startswith(printed) and printed != GREETING:  # cut short: the fragments' spec can't judge
        greeting_client.observations.hide("whole greeting", "CLIENT-1", "the client prints only the start of the "
                                          "greeting even when it arrives whole")
    if not (printed and GREETING.startswith(printed)):  # none of it, in any form (it never came, or the client died
        # first): how the client ends after printing it (CLIENT-2), or prints it in fragments (CLIENT-3), is unseen
        greeting_client.observations.hide("printed greeting", "CLIENT-1", "the client printed none of the greeting it "
                                          "was sent whole, in any form, so what it does once it has printed it is "
                                          "unseen")
    expect_greeting_printed(greeting_client, run, how="sent whole", exact=True)


@pytest.mark.req("CLIENT-2")
def test_exits_with_status_zero(greeting_client: ClientTarget) -> None:
    """The client exits with status 0 after printing the greeting."""
    run = whole_greeting_run(greeting_client).run
    if run.returncode != 0:
        # A client that never printed the greeting (it never arrived: a Unix datagram client that bound no path
        # gets no reply and waits for ever) never reached the exit this spec judges: CLIENT-1's failure. One that
        # exits 0 anyway is judged on its exit status alone, which that failure does not hide.
        greeting_client.observations.require("printed greeting", "CLIENT-2")
        fail(greeting_client, "the client did not exit with status 0", expected="exit status 0",
             got=run.describe_exit())


@pytest.mark.req("CLIENT-3")
@pytest.mark.byte_stream
@shrink_budget.program_runs()  # each example runs the client: a few drawn cuts besides the explicit ones
@given(cuts=st.lists(st.integers(1, len(GREETING) - 1), min_size=1, max_size=4, unique=True))
@example(cuts=[10])
@example(cuts=[1, 2, 3])
def test_prints_a_fragmented_greeting_whole(greeting_client: ClientTarget, cuts: list[int]) -> None:
    """The client prints the whole greeting even when it arrives in fragments, with pauses between them: it reads
    until the server closes."""
    greeting_client.observations.require("printed greeting", "CLIENT-3")
    greeting_client.observations.require("whole greeting", "CLIENT-3")
    bounds = [0, *sorted(cuts), len(GREETING)]
    pieces = [GREETING[a:b] for a, b in itertools.pairwise(bounds)]
    with greeting_fixture(greeting_client, pieces, pause=0.2) as server:  # each read apart (fixture_servers)
        run = greeting_client.run(port=server.port or None, path=server.path)
    expect_greeting_printed(greeting_client, run, how=f"sent in {len(pieces)} fragments {pieces!r}, each read apart")


@pytest.mark.req("CLIENT-4")
def test_refused_connection_is_reported(greeting_client: ClientTarget) -> None:
    """When the connection is refused, the client exits with a non-zero status and a readable message, not a
    traceback."""
    if greeting_client.spec.unix:
        run = greeting_client.run(path=refused_path())
    elif greeting_client.spec.port_policy == "fixed":
        with greeting_client.pool.fixed_port():
            run = greeting_client.run(port=BOOK_PORT)
    else:
        run = greeting_client.run(port=refused_port())
    if run.returncode in (0, None) or b"Traceback" in run.stderr or not (run.stderr or run.stdout).strip():
        fail(greeting_client, "a refused connection was not reported as it should be",
             expected="a non-zero exit status and a one-line message such as 'cannot connect: connection refused'",
             got=f"{run.describe_exit()}; stderr {describe(run.stderr, 200)}",
             evidence=Evidence(symptom="refused"))


PRIVILEGED_PORTS = 1024  # ports below it need root (CAP_NET_BIND_SERVICE) to bind


@pytest.mark.req("CLIENT-5")
def test_sends_from_a_port_any_user_may_bind(udp_client: ClientTarget) -> None:
    """(``udp``) The client sends from a port the system chose (it binds none, or binds port 0), never from a
    privileged port below 1024, which only root may bind."""
    udp_client.observations.require("printed greeting", "CLIENT-5")  # it sent its datagram, and got the reply
    senders = whole_greeting_run(udp_client).senders
    ports = sorted({int(addr[1]) for addr in senders if isinstance(addr, tuple)})
    if not ports:
        findings.block("CLIENT-1", "the suite's server received no datagram from the client")
    privileged = [port for port in ports if port < PRIVILEGED_PORTS]
    if privileged:
        fail(udp_client, "the client sent from a privileged port",
             expected=f"a port the system chose (at least {PRIVILEGED_PORTS})",
             got=f"port {privileged[0]}: only root may bind it, so for every ordinary user the client fails to "
             "start with 'Permission denied' (root, as graders often run, binds it)",
             details="let the system choose the client's port: send with sendto() on a socket you did not bind "
             "(or bind(('127.0.0.1', 0))); a fixed port also lets only one client run at a time")
