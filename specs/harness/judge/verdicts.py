"""The run's verdicts: recorded per spec, named in JUnit XML, summed up in the terminal.

- :class:`Verdict` is one spec's typed verdict; :class:`Recorder` keeps one per spec (on the
  xdist controller), the source of the JSON, the HTML/Markdown report, Gradescope's
  results and the terminal matrix, which all read these records (never message text);
- :class:`JUnitNames` puts the requirement ID in each JUnit XML test name;
- :func:`write_matrix` prints the conformance matrix at the end of the run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from . import requirements
from .findings import Finding, Outcome


class JUnitNames:
    """Put the requirement ID in each JUnit XML test name: ``GREET-1 test_greeting_is_exact[select]``.

    pytest's ``--junitxml`` names a test case after its node ID, and CI systems show that
    name, so the requirement goes first. The name is set on the test case's reporter when
    its setup is reported, before anything about it is written.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        requirement = dict(report.user_properties).get("requirement")
        if report.when != "setup" or not requirement:
            return
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # a pytest without it: names stay plain node IDs
            return
        xml = self.config.stash.get(xml_key, None)
        if xml is not None:
            leaf = report.nodeid.rsplit("::", 1)[-1]
            xml.node_reporter(report).add_attribute("name", f"{requirement} {leaf}")


@dataclass(frozen=True)
class Verdict:
    """One spec's verdict on one target: the record every output reads (matrix, JSON, reports, Gradescope)."""

    nodeid: str
    target: str
    role: str
    submission: str
    requirement: str
    level: str
    outcome: Outcome
    summary: str  # one line: why it failed, or why it was not judged / not applicable
    cause: str  # the observed cause: failures of one target with the same cause are grouped
    hints: tuple[str, ...]
    blocked_by: str  # for ``blocked``: the requirement to fix first
    message: str  # the whole message a student reads
    events: tuple[str, ...]
    duration: float
    rank: int  # the requirement's place in its role's diagnosis order (SPEC.md)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["hints"], data["events"] = list(self.hints), list(self.events)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["hints"], values["events"] = tuple(data.get("hints", ())), tuple(data.get("events", ()))
        return cls(**values)


def finding_property(finding: Finding) -> tuple[str, dict[str, Any]]:
    """A finding as a report's user property (it crosses from xdist workers as plain data)."""
    return ("finding", dataclasses.asdict(finding))


class Recorder:
    """Collects one verdict per spec (on the controller, when running under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.verdicts: list[Verdict] = []

    @property
    def results(self) -> list[dict[str, Any]]:
        """The verdicts as JSON-ready records, root causes first within each target."""
        return [v.to_json() for v in sorted_verdicts(self.verdicts)]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props: dict[str, Any] = dict((k, v) for k, v in report.user_properties if k != "event")
        if "target" not in props:
            return
        if not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        finding = Finding(**props["finding"]) if "finding" in props else None
        outcome: Outcome = "passed" if report.passed else "failed" if report.failed else "skipped"
        message = str(report.longrepr) if report.failed else ""
        summary = ""
        if finding is not None and not report.passed:
            outcome = finding.outcome if report.skipped else "failed"
            summary = finding.summary
        elif report.skipped and isinstance(report.longrepr, tuple):
            summary = str(report.longrepr[2]).removeprefix("Skipped: ")
        elif report.failed:
            summary = _exception_line(report)
        if report.skipped:
            message = summary
        self.verdicts.append(Verdict(
            nodeid=report.nodeid, target=props["target"], role=props["role"],
            submission=props.get("submission", ""), requirement=props["requirement"], level=props["level"],
            outcome=outcome, summary=summary,
            cause=(finding.cause if finding else summary) if outcome != "passed" else "",
            hints=finding.hints if finding else (), blocked_by=finding.blocked_by if finding else "",
            message=message, events=tuple(str(v) for k, v in report.user_properties if k == "event"),
            duration=round(report.duration, 3), rank=requirements.rank(props["role"], props["requirement"]),
        ))


def _exception_line(report: pytest.TestReport) -> str:
    """For a spec that failed without a finding (it crashed, or timed out): the exception's own first line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(getattr(crash, "message", "") or report.longrepr)
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "the spec failed")[:200]


def sorted_verdicts(verdicts: list[Verdict]) -> list[Verdict]:
    """Per target (in order of appearance), by diagnosis order: the root cause comes first."""
    first_seen = {key: i for i, key in reversed(list(enumerate((v.role, v.target) for v in verdicts)))}
    return sorted(verdicts, key=lambda v: (first_seen[(v.role, v.target)], v.rank, v.nodeid))


def first_failure(verdicts: list[Verdict]) -> Verdict | None:
    """The most basic failure (diagnosis order) among one target's verdicts."""
    failed = [v for v in verdicts if v.outcome == "failed"]
    return min(failed, key=lambda v: v.rank) if failed else None


def write_matrix(tr: Any, verdicts: list[Verdict], problems: list[tuple[str, str]]) -> None:
    """Per target: MUST x/y, SHOULD x/y, n/a, the first failure (root cause); then submissions not run."""
    tr.section("netconform conformance")
    by_target: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in verdicts:
        by_target.setdefault((verdict.role, verdict.target), []).append(verdict)
    width = max([len("target"), *(len(t) for _, t in by_target), *(len(name) for name, _ in problems)]) + 2
    tr.write_line(f"{'target':<{width}}{'role':<20}{'MUST':>8}{'SHOULD':>9}{'n/a':>5}  first failure")
    for (role, target), mine in sorted(by_target.items()):
        counts = {level: [0, 0] for level in ("MUST", "SHOULD")}
        for v in mine:
            if v.outcome in ("passed", "failed"):
                counts[v.level][1] += 1
                counts[v.level][0] += v.outcome == "passed"
        na = sum(v.outcome == "not applicable" for v in mine) or "-"
        blocked = [v for v in mine if v.outcome == "blocked"]
        skipped = [v for v in mine if v.outcome == "skipped"]
        first = first_failure(mine)
        must, should = counts["MUST"], counts["SHOULD"]
        if first is not None:
            reason = f"{first.requirement}: {first.summary}"[:130]
        elif must[1] + should[1] == 0 and skipped:
            reason = f"skipped: {skipped[0].summary}"[:90]
        else:
            reason = "-"
        line = f"{target:<{width}}{role:<20}{must[0]:>4}/{must[1]:<3}{should[0]:>5}/{should[1]:<3}{na:>4}  {reason}"
        red = first is not None and any(v.outcome == "failed" and v.level == "MUST" for v in mine)
        green = first is None and must[1] + should[1] > 0
        tr.write_line(line, red=red, green=green, yellow=first is not None and not red)
        if blocked:
            names = ", ".join(sorted({v.requirement for v in blocked}, key=lambda r: requirements.rank(role, r)))
            tr.write_line(f"{'':<{width}}not judged until {blocked[0].blocked_by} passes: {names}")
        for event in dict.fromkeys(e for v in mine for e in v.events):
            tr.write_line(f"{'':<{width}}note: {event}")
    for name, problem in problems:
        tr.write_line(f"{name:<{width}}{'(none)':<20}{'-':>8}{'-':>9}{'-':>5}  no program run: {problem}", red=True)
