"""Recording each spec's verdict, and naming each JUnit XML test case after its requirement.

:class:`Recorder` makes one :class:`~..judge.verdicts.Verdict` per spec from its report (on the xdist
controller: reports cross from the workers as plain data, the finding among their user properties);
:class:`JUnitNames` puts the requirement ID in front of each JUnit XML test name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ..judge import requirements
from ..judge.findings import Finding, Outcome
from ..judge.verdicts import Verdict, sorted_verdicts


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
