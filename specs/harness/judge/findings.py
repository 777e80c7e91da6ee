"""What a spec found, as a typed record, carried by the exception that ends the spec to its verdict.

A spec that fails calls :func:`specs.harness.judge.matchers.fail`; besides the message a student
reads, the exception it raises (:class:`SpecFailed`) carries a :class:`Finding`: the one-line
summary, the observed cause (failures with the same cause are grouped in reports) and the names of
the hints given. A target that cannot start raises :class:`Unavailable`, which carries one too. The
plug-in reads it from the exception when the spec ends (:func:`finding_of`) and records the verdict
from it, so nothing ever parses a message to recover a verdict, and no finding waits in a global.

A spec that cannot judge its requirement because a more basic one already failed on
the same target (the observation it needs is not there in any form) is *blocked*:
:class:`Blocked` carries which requirement to fix first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NoReturn

import pytest

from ..launch.settings import TargetUnavailable

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


class SpecFailed(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """A spec's failure: pytest's own (``pytest.fail``), carrying its :class:`Finding`.

    These exceptions are named as pytest's own (``Failed``, ``Skipped``, in ``builtins``, as pytest
    names them) so that a report shows a failure or a skip exactly as ``pytest.fail``/``pytest.skip``'s.
    """

    __module__, __qualname__ = "builtins", "Failed"

    def __init__(self, message: str, finding: Finding) -> None:
        super().__init__(message, pytrace=False)
        self.finding = finding


class Unavailable(TargetUnavailable):
    """A target that could not be started, with the finding every spec of it reports."""

    def __init__(self, message: str, finding: Finding | None = None) -> None:
        finding = finding or Finding(message)
        super().__init__(message, finding.summary)
        self.finding = finding


class Blocked(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """Raised by a spec that cannot judge its requirement until another one passes."""

    __module__, __qualname__ = "builtins", "Skipped"

    def __init__(self, message: str, finding: Finding) -> None:
        super().__init__(message)
        self.finding = finding


class NotApplicable(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """Raised by a spec whose requirement does not apply to the target."""

    __module__, __qualname__ = "builtins", "Skipped"

    def __init__(self, message: str, finding: Finding) -> None:
        super().__init__(message)
        self.finding = finding


def fail(message: str, finding: Finding) -> NoReturn:
    """End the current spec as failed: ``message`` for the student, ``finding`` for the verdict."""
    __tracebackhide__ = True
    raise SpecFailed(message, finding)


def block(requirement: str, why: str) -> NoReturn:
    """Stop the current spec as not judged: ``requirement`` failed first and hides what it needs."""
    __tracebackhide__ = True
    summary = f"not judged: {why}; fix {requirement} first"
    raise Blocked(summary, Finding(summary, cause=why, outcome="blocked", blocked_by=requirement))


def not_applicable(why: str) -> NoReturn:
    """Skip the spec as not applicable to the target (a typed verdict, ``not applicable``)."""
    __tracebackhide__ = True
    summary = f"not applicable: {why}"
    raise NotApplicable(summary, Finding(summary, cause=why, outcome="not applicable"))


def finding_of(error: BaseException | None) -> Finding | None:
    """The finding ``error`` carries (looked for in an exception group too), if any."""
    if isinstance(error, SpecFailed | Unavailable | Blocked | NotApplicable):
        return error.finding
    group = getattr(error, "exceptions", None)  # an exception group (Hypothesis, several bugs)
    if isinstance(group, tuple | list):
        for inner in group:
            found = finding_of(inner)
            if found is not None:
                return found
    return None
