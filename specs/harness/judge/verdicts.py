"""A spec's verdict: the one typed record every output of a run reads.

:class:`Verdict` is one spec's verdict on one target. The plug-in records one per spec
(``glue/recording.py``); the terminal matrix, the JSON, the HTML/Markdown report and Gradescope's
results are all made from these records (``report/``), never from message text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .findings import Outcome


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """One spec's verdict on one target: the record every output reads (matrix, JSON, reports, Gradescope)."""

    nodeid: str = ""
    target: str
    role: str
    submission: str = ""
    requirement: str
    level: str
    outcome: Outcome
    summary: str = ""  # one line: why it failed, or why it was not judged / not applicable
    cause: str = ""  # the observed cause: failures of one target with the same cause are grouped
    hints: tuple[str, ...] = ()
    blocked_by: str = ""  # for ``blocked``: the requirement to fix first
    message: str = ""  # the whole message a student reads
    events: tuple[str, ...] = ()
    duration: float = 0.0
    rank: int = 0  # the requirement's place in its role's diagnosis order (SPEC.md)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["hints"], data["events"] = list(self.hints), list(self.events)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Verdict:
        """The verdict of a JSON record (``--netconform-json``'s ``results``); fields it lacks take their defaults."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["hints"], values["events"] = tuple(data.get("hints", ())), tuple(data.get("events", ()))
        return cls(**values)


def sorted_verdicts(verdicts: list[Verdict]) -> list[Verdict]:
    """Per target (in order of appearance), by diagnosis order: the root cause comes first."""
    first_seen = {key: i for i, key in reversed(list(enumerate((v.role, v.target) for v in verdicts)))}
    return sorted(verdicts, key=lambda v: (first_seen[(v.role, v.target)], v.rank, v.nodeid))


def first_failure(verdicts: list[Verdict]) -> Verdict | None:
    """The most basic failure (diagnosis order) among one target's verdicts."""
    failed = [v for v in verdicts if v.outcome == "failed"]
    return min(failed, key=lambda v: v.rank) if failed else None
