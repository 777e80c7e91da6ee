"""Concurrency specs (CONC-*), for the models that claim to serve clients at once.

``iterative`` and ``socketserver`` serve one client at a time by design, as does any
``--impl`` target declared ``--serial``: for them these specs are not applicable.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import pytest

from .harness.judge.hints import Evidence
from .harness.judge.matchers import fail
from .harness.observe import forms
from .harness.observe.address_forms import book_form
from .harness.observe.log_lines import address_of, connected, expect_line, frame, logged
from .harness.observe.server_target import ServerTarget
from .harness.wire.captured_output import Line
from .harness.wire.streams import describe

CLIENTS = 200
DEADLINE = 60.0

pytestmark = pytest.mark.concurrency


@pytest.mark.req("CONC-1")
def test_idle_client_does_not_block_others(logging_server: ServerTarget) -> None:
    """While one client stays connected and idle, another client's connection and data are logged promptly."""
    with logging_server.observations.owning("concurrent clients", "CONC-1", "a second client is not served while "
                                            "a first one stays connected"):
        _second_client_is_served(logging_server)


def _second_client_is_served(logging_server: ServerTarget) -> None:
    __tracebackhide__ = True
    since = logging_server.mark()
    with logging_server.client("idle client") as idle:
        connected(logging_server, idle, since)
        since = logging_server.mark()
        with logging_server.client("busy client") as busy:
            me = address_of(busy)
            conn = expect_line(
                logging_server, lambda ln: forms.names_client(ln.text, me), since=since, symptom="serial",
                observes="connection line", what=f"line logging the connection of the second client {book_form(me)}",
                summary="while one client stayed connected and idle, a second client's connection was not logged")
            busy.send(frame(logging_server, b"not blocked"))
            logged(logging_server, b"not blocked", since=conn.index + 1, symptom="serial", what="line 'not blocked'",
                   summary="while one client stayed connected and idle, a second client's data was not logged")


@pytest.mark.req("CONC-2")
def test_many_simultaneous_clients_are_all_logged_intact(logging_server: ServerTarget) -> None:
    """200 clients connected at the same time each get all their data logged intact."""
    logging_server.require("live output")
    logging_server.require("concurrent clients")
    since = logging_server.mark()
    start = time.monotonic()
    clients = []
    try:
        for n in range(1, CLIENTS + 1):
            logging_server.pace()  # the book's listen(5) must not overflow: a dropped SYN waits 1 s
            clients.append(logging_server.client(f"client {n}"))
        messages = {f"client-{n} says hello".encode() for n in range(1, CLIENTS + 1)}
        for n, client in enumerate(clients, 1):
            client.send(frame(logging_server, f"client-{n} says hello".encode()))
        remaining = set(messages)
        logging_server.require("data line")
        found = _found_in_lines if logging_server.spec.role == "line-logger-server" else _printed_as_lines
        cursor = since  # the lines before it matched none of the remaining messages: they never will
        try:
            while remaining:  # event-driven, and bounded: give up when no progress for net_timeout
                left = DEADLINE - (time.monotonic() - start)
                line = logging_server.output.wait_for(
                    functools.partial(_shows_one_of, found, frozenset(remaining)), since=cursor,
                    what=f"the data of {len(remaining)} more clients",
                    timeout=max(0.1, min(left, logging_server.settings.net_timeout)))
                remaining -= found(frozenset(remaining), line)
                cursor = line.index + 1
        except AssertionError as exc:
            waited = str(exc)
        else:
            waited = ""
    finally:
        for client in clients:
            client.close()
    printed = [ln.data for ln in logging_server.output.lines(since) if b"client-" in ln.data]
    mixed = [data for data in printed if not found(frozenset(messages), data)]
    if mixed or remaining:
        summary = (f"of {CLIENTS} clients connected at the same time, {len(remaining)} never had their data printed "
                   f"as a line of its own; {len(mixed)} printed lines mixed data of several clients")
        if not printed:  # nothing to tell what the clients share: only that their data never came
            summary = f"of {CLIENTS} clients connected at the same time, none had its data printed"
        fail(logging_server, summary, expected=f"{CLIENTS} lines like b'client-7 says hello', each intact",
             got=f"e.g. {describe(mixed[0], 200)}" if mixed else f"e.g. missing {sorted(remaining)[:3]!r}",
             details=waited or None, evidence=Evidence(symptom="concurrent" if printed else ""))


def _shows_one_of(found: Callable[[frozenset[bytes], Line | bytes], set[bytes]], messages: frozenset[bytes],
                  line: Line) -> bool:
    return bool(found(messages, line))


def _printed_as_lines(messages: frozenset[bytes], printed: Line | bytes) -> set[bytes]:
    """The messages a printed line logs, each as a line of its own (a logger's data, intact: CONC-2's)."""
    return forms.data_forms(printed.data if isinstance(printed, Line) else printed) & messages


def _found_in_lines(messages: frozenset[bytes], printed: Line | bytes) -> set[bytes]:
    """The messages a printed line shows, mixed with others or not (a line logger's lines mixed are LINE-5's)."""
    data = printed.data if isinstance(printed, Line) else printed
    return {m for m in messages if m in data} if b"client-" in data else set()
