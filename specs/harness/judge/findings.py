"""What a spec found, as a typed record, handed from the failing spec to the verdict.

A spec that fails calls :func:`specs.harness.judge.matchers.fail` (or a target cannot start);
besides the message a student reads, that leaves a :class:`Finding` here: the one-line
summary, the observed cause (failures with the same cause are grouped in reports) and
the names of the hints given. The plug-in takes it when the spec ends and records the
verdict from it, so nothing ever parses a message to recover a verdict.

A spec that cannot judge its requirement because a more basic one already failed on
the same target (the observation it needs is not there in any form) is *blocked*:
:class:`Blocked` carries which requirement to fix first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NoReturn

import pytest

#: A spec's outcome. ``not applicable``: the requirement does not apply to the target
#: (``--serial``, a ``tcp://`` target); ``blocked``: not judged, because the requirement
#: named in the verdict's cause failed first; ``skipped``: could not run here (a capability).
Outcome = Literal["passed", "failed", "not applicable", "blocked", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "not applicable", "blocked", "skipped")


@dataclass(frozen=True)
class Finding:
    """Why a spec failed (or was not judged): summary, observed cause, hints given."""

    summary: str
    cause: str = ""
    hints: tuple[str, ...] = ()
    outcome: Outcome = "failed"
    blocked_by: str = ""  # for ``blocked``: the requirement that must pass first


_last: Finding | None = None


def record(finding: Finding) -> None:
    """Leave ``finding`` for the plug-in (one spec runs at a time in a process)."""
    global _last
    _last = finding


def take() -> Finding | None:
    """The finding of the spec that just ended, if any (and forget it)."""
    global _last
    finding, _last = _last, None
    return finding


class Blocked(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """Raised by a spec that cannot judge its requirement until ``requirement`` passes."""


def block(requirement: str, why: str) -> None:
    """Stop the current spec as not judged: ``requirement`` failed first and hides what it needs."""
    __tracebackhide__ = True
    summary = f"not judged: {why}; fix {requirement} first"
    record(Finding(summary, cause=why, outcome="blocked", blocked_by=requirement))
    raise Blocked(summary)


def not_applicable(why: str) -> NoReturn:
    """Skip the spec as not applicable to the target (a typed verdict, ``not applicable``)."""
    __tracebackhide__ = True
    summary = f"not applicable: {why}"
    record(Finding(summary, cause=why, outcome="not applicable"))
    pytest.skip(summary)
