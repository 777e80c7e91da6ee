"""What specs observe on the way to judging their own requirement, and who owns each observation.

When the requirement that owns an observation fails so that it cannot be made in any
form (a log that is block-buffered, data never printed, a server that stops after one
client), the other specs that need it are blocked (not judged) instead of failing the
same way again: one mistake, one failure. Each target keeps an :class:`Observations`.

A blocked spec passes its block on: what it owns and makes from the missing observation
(``MADE_FROM``) is not observed either, so the specs that need that are blocked by the
same failure, and only those (a log that shows no connection blocks LINE-1, and with it
the data lines CONC-2 needs; a block for another reason hides nothing more).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal

import pytest

from ..judge import findings

Observation = Literal[
    "live output",  # log lines appear as they happen
    "connection line",  # a client's connection is logged with its address
    "data line",  # a client's data is logged
    "disconnection line",  # a client's departure is logged with its address
    "one disconnection line",  # a client's departure is logged exactly once
    "reassembled lines",  # a line split across reads is printed whole
    "closing",  # the server closes a client's connection after the greeting
    "serving",  # the server serves client after client
    "departure survived",  # a logger keeps running when a client leaves
    "simultaneous clients",  # clients connected at the same time are all greeted
    "misbehaving clients",  # the server survives clients that send first, half-close or close early
    "resets survived",  # the server survives clients that reset
    "concurrent clients",  # a second client is served while a first stays connected
    "whole greeting",  # a greeting client prints all of the greeting it receives
    "printed greeting",  # a greeting client prints the greeting it receives (some of it, in some form)
    "answered",  # a datagram server answers datagrams
    "socket path kept",  # a Unix server's socket file stays at its path while it runs
]

#: The requirement that owns each observation, per role.
OWNERS: dict[Observation, dict[str, str]] = {
    "live output": {"logger-server": "LOG-5", "line-logger-server": "LOG-5"},
    "connection line": {"logger-server": "LOG-1", "line-logger-server": "LOG-1"},
    "data line": {"logger-server": "LOG-2", "line-logger-server": "LINE-1"},
    "disconnection line": {"logger-server": "DISC-1", "line-logger-server": "DISC-1"},
    "one disconnection line": {"logger-server": "DISC-1", "line-logger-server": "DISC-1"},
    "reassembled lines": {"line-logger-server": "LINE-1"},
    "closing": {"greeting-server": "GREET-3"},
    "serving": {"greeting-server": "GREET-5"},
    "departure survived": {"logger-server": "DISC-1", "line-logger-server": "DISC-1"},
    "simultaneous clients": {"greeting-server": "GREET-6"},
    "misbehaving clients": {"greeting-server": "GREET-7"},
    "resets survived": {"greeting-server": "GREET-8"},
    "concurrent clients": {"logger-server": "CONC-1", "line-logger-server": "CONC-1"},
    "whole greeting": {"greeting-client": "CLIENT-1"},
    "printed greeting": {"greeting-client": "CLIENT-1"},
    "answered": {"greeting-server": "DGRAM-1"},
    "socket path kept": {"greeting-server": "UNIX-4", "logger-server": "UNIX-4", "line-logger-server": "UNIX-4"},
}


#: What each observation of a logger is made from: when the spec that owns it is blocked because one of these
#: is hidden, it is hidden too (by the same failure); when it is blocked for another reason, it is not.
MADE_FROM: dict[Observation, tuple[Observation, ...]] = {
    "live output": ("connection line",),  # LOG-5 is blocked by it only when the data lines are hidden too
    "data line": (),  # LOG-2 finds the data after the client connected, without its connection line
    "reassembled lines": ("connection line", "data line"),
    "disconnection line": ("connection line",),
    "one disconnection line": ("connection line", "disconnection line"),
    "departure survived": ("connection line",),
    "concurrent clients": ("data line",),  # a second client served: its data logged (CONC-2's evidence too)
}


def made_from(what: Observation) -> set[Observation]:
    """Every observation ``what`` is made from, directly or not."""
    found: set[Observation] = set()
    todo = list(MADE_FROM.get(what, ()))
    while todo:
        part = todo.pop()
        if part not in found:
            found.add(part)
            todo += MADE_FROM.get(part, ())
    return found


def owner_of(what: Observation, role: str) -> str | None:
    """The requirement that owns observation ``what`` for ``role`` (None: no requirement does)."""
    return OWNERS[what].get(role)


class Observations:
    """One target's unobservable things: observation -> (the requirement that failed, why)."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.hidden: dict[Observation, tuple[str, str]] = {}
        self.stuck: dict[str, str] = {}  # where Ctrl-C found the program stuck -> the requirement that saw it

    def stuck_before(self, location: str, current: str) -> str | None:
        """The requirement whose failure already showed the program stuck at ``location`` (one mistake)."""
        owner = self.stuck.setdefault(location, current)
        return owner if owner != current else None

    def hide(self, what: Observation, requirement: str, why: str) -> None:
        """``requirement`` failed in a way that leaves ``what`` unobservable on this target."""
        self.hidden.setdefault(what, (requirement, why))

    def require(self, what: Observation, current: str) -> None:
        """Block the current spec (requirement ``current``) if another requirement hid ``what``."""
        __tracebackhide__ = True
        hidden = self.hidden.get(what)
        if hidden is not None and hidden[0] != current:
            self.block(current, *hidden, missing=what)

    def block(self, current: str, requirement: str, why: str, *, missing: Observation | None = None) -> None:
        """Block the current spec (requirement ``current``): ``requirement``'s failure (``why``) removed its
        evidence, observation ``missing`` (None: the program is stuck, nothing can be observed). What ``current``
        owns and makes from that is then not observed either: the specs that need it are blocked by the same
        failure (a log that shows no connection blocks LINE-1, and with it the data lines CONC-2 needs)."""
        __tracebackhide__ = True
        for what, owners in OWNERS.items():
            if owners.get(self.role) == current and (missing is None or missing in made_from(what)):
                self.hide(what, requirement, why)
        findings.block(requirement, why)

    def owns(self, what: Observation, current: str) -> bool:
        """Does requirement ``current`` own ``what`` for this role?"""
        return owner_of(what, self.role) == current

    @contextlib.contextmanager
    def owning(self, what: Observation, current: str, why: str) -> Iterator[None]:
        """If the spec in this block fails, ``what`` is unobservable: the specs that need it are blocked."""
        try:
            yield
        except pytest.fail.Exception:
            self.hide(what, current, why)
            raise
