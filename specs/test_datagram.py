"""Datagram greeting specs (DGRAM-*): the book's greeting handler ported to UDPServer and
UnixDatagramServer answers every datagram with the greeting, to its sender.

Each spec checks one requirement of ``specs/SPEC.md`` against every ``greeting-server``
target over ``udp`` or ``unixgram``. They need a server that answers at all: when
DGRAM-1 finds no reply, the others are not judged (observation ``answered``).
"""

from __future__ import annotations

import functools
import string
import time

import pytest

from .harness.glue.collection import not_applicable
from .harness.judge.hints import TRANSPORT_HINTS, Evidence
from .harness.judge.matchers import fail, fail_with
from .harness.launch import signals
from .harness.observe import address_forms
from .harness.observe.address_forms import book_form
from .harness.observe.server_target import ServerTarget
from .harness.wire.captured_output import Line, OutputTimeout
from .harness.wire.datagrams import LARGEST, DatagramClient
from .harness.wire.protocol import GREETING
from .harness.wire.streams import describe, shown

SEQUENTIAL_CLIENTS = 3
SIMULTANEOUS_CLIENTS = 50
GONE_CLIENTS = 3
SIZES = (0, 1, 1024, 1025, 8192, 8193, 65507)  # around the buffers students pick (1024, 8192), and the largest
PRINTED_SIZES = (100, 1025, 8193, LARGEST)
PRINTS_DATA_WINDOW = 1.0  # seconds: how long DGRAM-4 waits to see whether datagrams are printed at all
TRACEBACK_POLL = 0.05  # seconds: how often a wait for a reply looks for a traceback on the server's stderr
AFTER_TRACEBACK = 0.2  # seconds a reply still has to arrive once the server printed a traceback

_RECOGNISED = Evidence(phase="run", symptom="recognised")  # the spec names the mistake: no generic hints


def _shows(head: bytes, line: Line) -> bool:
    return head in line.data


def _hint(name: str) -> dict[str, str]:
    return {name: TRANSPORT_HINTS[name]}


def _answer(target: ServerTarget, client: DatagramClient, payload: bytes, *, what: str) -> bytes:
    """Send ``payload`` and wait for the reply; fail (DGRAM-1's way) when none comes."""
    __tracebackhide__ = True
    since = target.mark()
    client.send(payload)
    reply, waited = _reply_or_traceback(target, client, since)
    if reply is not None:
        return reply
    target.settle_output(suspicious=True)
    stderr = target.stderr_text()
    stream_handler = "has no attribute 'makefile'" in stderr or "has no attribute 'getpeername'" in stderr
    mistake = "stream handler on a datagram server" if stream_handler else "reply not sent to the sender"
    fail_with(target, f"no reply to {what}", _hint(mistake),
              expected=f"one datagram {describe(GREETING)}, sent to {shown(client.peer_name)}",
              got=f"nothing within {waited}",
              evidence=Evidence(expected=GREETING, got=b"", end="timeout", symptom="recognised"))


def _reply_or_traceback(target: ServerTarget, client: DatagramClient, since: int) -> tuple[bytes | None, str]:
    """The reply to what ``client`` just sent, and how long it was waited for: ``--net-timeout``, or
    less when the server printed a traceback meanwhile (the handler failed: no reply is coming;
    a reply already on its way still has AFTER_TRACEBACK seconds to arrive)."""
    deadline = time.monotonic() + client.timeout
    failed_at: float | None = None
    while (now := time.monotonic()) < deadline:
        reply = client.receive(min(TRACEBACK_POLL, deadline - now), quiet=True)
        if reply is not None:
            return reply, ""
        if failed_at is None and any("Traceback" in ln.text for ln in target.output.lines(since, "stderr")):
            failed_at = time.monotonic()
        if failed_at is not None and time.monotonic() - failed_at >= AFTER_TRACEBACK:
            waited = f"{time.monotonic() - deadline + client.timeout:.1f}s (the server printed a traceback)"
            client.transcript.add(client.label, f"no datagram within {waited}")
            return None, waited
    client.transcript.add(client.label, f"no datagram within {client.timeout:.1f}s")
    return None, f"{client.timeout:g}s"


@pytest.mark.req("DGRAM-1")
def test_each_datagram_is_answered_to_its_sender(datagram_server: ServerTarget) -> None:
    """Each datagram a client sends is answered with one datagram, exactly ``Thank you for connecting``, sent to
    that client's own address."""
    with datagram_server.observations.owning("answered", "DGRAM-1", "the server answers no datagram"):
        for n in range(1, SEQUENTIAL_CLIENTS + 1):
            with datagram_server.datagram_client() as client:
                reply = _answer(datagram_server, client, b"Hello", what=f"client {n}'s datagram"
                                + (" (an earlier client was answered)" if n > 1 else ""))
            if reply != GREETING:
                fail(datagram_server, "the reply is not the expected datagram", expected=describe(GREETING),
                     got=describe(reply), evidence=Evidence(expected=GREETING, got=reply, end="eof"))


@pytest.mark.req("DGRAM-2")
def test_each_datagram_is_logged_with_its_sender(datagram_server: ServerTarget) -> None:
    """Each datagram is logged on stdout as ``Got connection from ('127.0.0.1', <port>)``, with its sender's
    address (over ``unixgram``: the sender's path, printed bare)."""
    datagram_server.require("answered")
    since = datagram_server.mark()
    with datagram_server.datagram_client() as client:
        _answer(datagram_server, client, b"Hello", what="the datagram")
        me = client.peer_name
    try:
        datagram_server.output.wait_for(
            lambda line: address_forms.CONNECTED in line.text and address_forms.mentions(line.text, me),
            what=f"a line 'Got connection from {shown(me)}'", since=since, timeout=datagram_server.settings.net_timeout)
    except OutputTimeout:
        lines = [ln.text for ln in datagram_server.output.lines(since)]
        fail(datagram_server, "the datagram was not logged with its sender's address",
             expected=f"a line 'Got connection from {book_form(me)}'",
             got=repr(lines[-5:]) if lines else "nothing on stdout", evidence=_RECOGNISED,
             details="log the address recvfrom() returned (socketserver: self.client_address) with "
                     "print('Got connection from', addr), and flush stdout")


@pytest.mark.req("DGRAM-3")
def test_empty_and_largest_datagrams_are_answered(datagram_server: ServerTarget) -> None:
    """An empty datagram, and datagrams of every size up to 65507 bytes (the largest UDP payload over IPv4), are
    each answered: an empty datagram is not an end-of-file."""
    datagram_server.require("answered")
    with datagram_server.datagram_client() as client:
        for size in SIZES:
            client.send((b"0123456789" * (size // 10 + 1))[:size])
            if client.receive() is None:
                datagram_server.settle_output(suspicious=True)
                exited = datagram_server.exited_on_its_own
                fail_with(datagram_server, f"a datagram of {size} bytes was not answered",
                          _hint("empty datagram taken for end-of-file") if size == 0 else {},
                          expected=f"one reply to each datagram of sizes {', '.join(map(str, SIZES))} bytes",
                          got=f"no reply to the one of {size} bytes"
                          + (f"; the server exited with code {exited}" if exited is not None else ""),
                          evidence=Evidence(phase="run", got=b"", end="timeout", symptom="recognised"))


@pytest.mark.req("DGRAM-4")
def test_datagrams_are_printed_whole(datagram_server: ServerTarget) -> None:
    """A server that prints the datagrams it receives prints each one whole, up to 65507 bytes: its receive buffer
    does not cut them short."""
    datagram_server.require("answered")
    with datagram_server.datagram_client() as client:
        for n, size in enumerate(PRINTED_SIZES):
            payload = (f"datagram-{n}-".encode() + string.ascii_lowercase.encode() * (size // 26 + 1))[:size]
            since = datagram_server.mark()
            _answer(datagram_server, client, payload, what=f"a datagram of {size} bytes")
            head = payload[:10]
            window = PRINTS_DATA_WINDOW if n == 0 else datagram_server.settings.net_timeout
            try:
                line = datagram_server.output.wait_for(functools.partial(_shows, head), what="the datagram printed",
                                                       since=since, timeout=window)
            except OutputTimeout:
                if n == 0:
                    not_applicable("it does not print the datagrams it receives")
                fail(datagram_server, f"a datagram of {size} bytes was not printed", expected="it printed",
                     got="no line shows its first bytes", evidence=_RECOGNISED)
            if payload not in line.data:
                cut = len(line.data) - line.data.index(head)
                fail_with(datagram_server, f"a datagram of {size} bytes was printed cut short, after {cut} bytes",
                          _hint("receive buffer too small"), expected=f"a line with all {size} bytes",
                          got=f"{describe(line.data)}", evidence=_RECOGNISED)


@pytest.mark.req("DGRAM-5")
def test_simultaneous_clients_each_get_their_own_reply(datagram_server: ServerTarget) -> None:
    """Many clients sending at the same time each get exactly one reply, their own."""
    datagram_server.require("answered")
    clients = [datagram_server.datagram_client() for _ in range(SIMULTANEOUS_CLIENTS)]
    try:
        for n, client in enumerate(clients):
            client.send(f"client {n}".encode())
        deadline = time.monotonic() + datagram_server.settings.net_timeout
        missing = [n for n, c in enumerate(clients) if c.receive(max(0.05, deadline - time.monotonic())) is None]
        extra = [n for n, c in enumerate(clients) if c.pending()]
    finally:
        for client in clients:
            client.close()
    if missing or extra:
        fail_with(datagram_server, f"of {SIMULTANEOUS_CLIENTS} clients sending at once, {len(missing)} got no reply "
                  f"and {len(extra)} got more than one",
                  _hint("shared reply address"),
                  expected="one reply each", got=f"clients without a reply: {missing[:10]}; with several: {extra[:10]}",
                  evidence=_RECOGNISED)


@pytest.mark.req("DGRAM-6")
def test_clients_gone_before_their_reply_do_not_stop_the_server(datagram_server: ServerTarget) -> None:
    """A client that went away before its reply (its UDP port closed, its Unix path removed) does not stop the
    server: it keeps answering the next clients."""
    datagram_server.require("answered")
    with datagram_server.datagram_client("next client") as client:  # made first: the server may die meanwhile
        gone = [datagram_server.datagram_client(f"gone client {n}") for n in range(1, GONE_CLIENTS + 1)]
        with signals.paused(datagram_server):  # the replies can only come once their clients have gone
            for departing in gone:
                departing.send(b"Hello")
                departing.close(vanish=True)
        client.send(b"Hello")
        if client.receive() is None:
            datagram_server.settle_output(suspicious=True)
            fail_with(datagram_server, "after clients that went away, the next client got no reply",
                      _hint("send error to a departed client"),
                      expected="a reply to the next client", got="none",
                      evidence=Evidence(phase="run", got=b"", end="timeout", symptom="recognised"))


@pytest.mark.req("DGRAM-7")
def test_clients_without_a_path_do_not_stop_the_server(unixgram_server: ServerTarget) -> None:
    """(``unixgram``) A client that bound no path cannot be answered; the server survives it and keeps answering the
    next clients."""
    unixgram_server.require("answered")
    with unixgram_server.datagram_client("next client") as client:  # made first: the server may die meanwhile
        with unixgram_server.datagram_client("client without a path", bound=False) as anonymous:
            anonymous.send(b"Hello")
        client.send(b"Hello")
        if client.receive() is None:
            unixgram_server.settle_output(suspicious=True)
            fail_with(unixgram_server, "after a client that bound no path, the next client got no reply",
                      _hint("reply to a client without an address"),
                      expected="a reply to the next client", got="none",
                      evidence=Evidence(phase="run", got=b"", end="timeout", symptom="recognised"))
