"""Clients that left a logger: let their departures be logged before the next client comes.

Otherwise a departed client's disconnection line may still be on its way when the next
client connects, and a server whose output lines can mix (CONC-2's failure) would mix it
into that client's lines. The wait is for the log lines (events), bounded, and never
fails a spec; a target that does not log departures (DISC-1's failure) is not waited
for again.
"""

from __future__ import annotations

import os
import re
import time

from ..wire.captured_output import Output, OutputTimeout
from ..wire.streams import Address, Client
from . import forms
from .address_forms import book_form


class _Names:
    """Which of many clients a log line names (by port, with a loopback host; or by path), without trying each
    client on each line: a logger's data lines name none, and a spec may close a hundred clients at once."""

    def __init__(self, clients: dict[Address, int]) -> None:
        self.clients = clients
        self.by_port: dict[str, list[tuple[str, int]]] = {}
        for me in clients:
            if isinstance(me, tuple):
                self.by_port.setdefault(str(me[1]), []).append(me)
        self.paths = [me for me in clients if isinstance(me, str)]
        try:  # the folder they share (the suite's own temporary folder): a line without it names none of them
            self.prefix = os.path.commonpath(self.paths) if self.paths else ""
        except ValueError:  # relative and absolute paths mixed
            self.prefix = ""

    def named(self, text: str) -> list[Address]:
        ports = [digits for digits in dict.fromkeys(_NUMBER.findall(text)) if digits in self.by_port] \
            if self.by_port else []  # a port is a whole number in the line: most lines show none of theirs
        paths = bool(self.paths) and self.prefix in text
        if not ports and not paths:
            return []
        found: list[Address] = [(h, p) for h, p in forms.addresses(text) if (h, p) in self.clients]
        if found:
            return found
        # another loopback spelling of the host, or a Unix path
        if paths:
            found += [me for me in self.paths if me in text]
        for digits in ports:
            found += [me for me in self.by_port[digits] if forms.names_client(text, me)]
        return found


_NUMBER = re.compile(r"\d+")


class Departures:
    """The connections of one target, each with the output position at its start."""

    def __init__(self) -> None:
        self.open: list[tuple[Client, int]] = []  # the current spec's connections
        self.leaving: list[tuple[Client, int]] = []  # closed, their departure not yet seen in the log
        self.logged = True  # does the target log departures at all?
        self.left = False  # has a client of the running process left?

    def add(self, client: Client, mark: int) -> None:
        self.open.append((client, mark))

    def close_all(self) -> None:
        """After a spec: reset what its clients left open."""
        for client, _mark in self.open:
            if not client.closed:
                client.abort()
        self.leaving += self.open
        self.open = []

    def forget(self) -> None:
        """A new process: none of its clients left yet (those of the last one are not waited for)."""
        self.leaving, self.left = [], False

    def note_closed(self) -> None:
        """Count the clients closed since the last look as leaving."""
        self.leaving += [(c, m) for c, m in self.open if c.closed]
        self.open = [(c, m) for c, m in self.open if not c.closed]
        self.left = self.left or bool(self.leaving)

    def wait_logged(self, output: Output, timeout: float = 1.0) -> None:
        """Wait (at most ``timeout`` in all) until every closed client's departure has been logged."""
        self.note_closed()
        leaving, self.leaving = self.leaving, []
        if not self.logged:
            return
        if not leaving:
            return
        # each client's lines from its mark on: its connection line, then its departure line. One pass
        # over the output (a client is found by its port or path), however many clients left at once.
        marks = {client.peer_name: mark for client, mark in leaving if client.known}
        seen: dict[Address, int] = {}
        deadline = time.monotonic() + timeout
        cursor = min(marks.values(), default=0)
        names = _Names(marks)
        while True:
            for line in output.lines(cursor):
                for me in names.named(line.text):
                    if line.index >= marks[me]:
                        seen[me] = seen.get(me, 0) + 1
                cursor = line.index + 1
            # a client whose connection was never logged is not waited for (that is LOG-1's business)
            waiting = [me for me, n in seen.items() if n < 2]
            if not waiting:
                return
            try:
                output.wait_for(lambda _line: True, since=cursor, what=f"the departure of {book_form(waiting[0])}",
                                timeout=max(0.0, deadline - time.monotonic()))
            except OutputTimeout:
                self.logged = output.closed  # an exit is not a program that does not log departures
                return
