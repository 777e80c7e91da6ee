"""Clients that left a logger: let their departures be logged before the next client comes.

Otherwise a departed client's disconnection line may still be on its way when the next
client connects, and a server whose output lines can mix (CONC-2's failure) would mix it
into that client's lines. The wait is for the log lines (events), bounded, and never
fails a spec; a target that does not log departures (DISC-1's failure) is not waited
for again.
"""

from __future__ import annotations

import functools
import time

from . import observe
from .logparse import book_form
from .output import Line, Output, OutputTimeout
from .wire import Address, Client


def _names(address: Address, line: Line) -> bool:
    return observe.names_client(line.text, address)


class Departures:
    """The connections of one target, each with the output position at its start."""

    def __init__(self) -> None:
        self.open: list[tuple[Client, int]] = []  # the current spec's connections
        self.leaving: list[tuple[Client, int]] = []  # closed, their departure not yet seen in the log
        self.logged = True  # does the target log departures at all?

    def add(self, client: Client, mark: int) -> None:
        self.open.append((client, mark))

    def close_all(self) -> None:
        """After a spec: reset what its clients left open."""
        for client, _mark in self.open:
            if not client.closed:
                client.abort()
        self.leaving += self.open
        self.open = []

    def wait_logged(self, output: Output, timeout: float = 1.0) -> None:
        """Wait (at most ``timeout`` in all) until every closed client's departure has been logged."""
        self.leaving += [(c, m) for c, m in self.open if c.closed]
        self.open = [(c, m) for c, m in self.open if not c.closed]
        leaving, self.leaving = self.leaving, []
        if not self.logged:
            return
        deadline = time.monotonic() + timeout
        for client, mark in leaving:
            me = client.peer_name
            first = next((ln.index for ln in output.lines(mark) if observe.names_client(ln.text, me)), None)
            if first is None:
                continue
            try:
                output.wait_for(functools.partial(_names, me), since=first + 1,
                                what=f"the departure of {book_form(me)}",
                                timeout=max(0.0, deadline - time.monotonic()))
            except OutputTimeout:
                self.logged = False
                return
