"""The conformance matrix at the end of a run, in the terminal: a line per target, from its tally."""

from __future__ import annotations

from typing import Any

from ..judge.requirements import rank
from ..judge.verdicts import Verdict, first_failure
from .tally import Tally


def write_matrix(tr: Any, verdicts: list[Verdict], problems: list[tuple[str, str]]) -> None:
    """Per target: MUST x/y, SHOULD x/y, n/a, the first failure (root cause); then submissions not run."""
    tr.section("netconform conformance")
    by_target: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in verdicts:
        by_target.setdefault((verdict.role, verdict.target), []).append(verdict)
    width = max([len("target"), *(len(t) for _, t in by_target), *(len(name) for name, _ in problems)]) + 2
    tr.write_line(f"{'target':<{width}}{'role':<20}{'MUST':>8}{'SHOULD':>9}{'n/a':>5}  first failure")
    for (role, target), mine in sorted(by_target.items()):
        tally = Tally.of(mine)
        must = (tally.passed["MUST"], tally.total["MUST"])
        should = (tally.passed["SHOULD"], tally.total["SHOULD"])
        na = tally.na or "-"
        blocked = [v for v in mine if v.outcome == "blocked"]
        skipped = [v for v in mine if v.outcome == "skipped"]
        first = first_failure(mine)
        if first is not None:
            reason = f"{first.requirement}: {first.summary}"[:130]
        elif must[1] + should[1] == 0 and skipped:
            reason = f"skipped: {skipped[0].summary}"[:90]
        else:
            reason = "-"
        line = f"{target:<{width}}{role:<20}{must[0]:>4}/{must[1]:<3}{should[0]:>5}/{should[1]:<3}{na:>4}  {reason}"
        red = bool(tally.failed("MUST"))
        green = first is None and must[1] + should[1] > 0
        tr.write_line(line, red=red, green=green, yellow=first is not None and not red)
        if blocked:
            names = ", ".join(sorted({v.requirement for v in blocked}, key=lambda r: rank(role, r)))
            tr.write_line(f"{'':<{width}}not judged until {blocked[0].blocked_by} passes: {names}")
        for event in dict.fromkeys(e for v in mine for e in v.events):
            tr.write_line(f"{'':<{width}}note: {event}")
    for name, problem in problems:
        tr.write_line(f"{name:<{width}}{'(none)':<20}{'-':>8}{'-':>9}{'-':>5}  no program run: {problem}", red=True)
