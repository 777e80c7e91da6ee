"""The run's verdicts: recorded per spec, named in JUnit XML, summed up in the terminal.

- :class:`Recorder` keeps one verdict per spec (on the xdist controller), the source of
  the JSON, the HTML/Markdown report, Gradescope's results and the terminal matrix;
- :class:`JUnitNames` puts the requirement ID in each JUnit XML test name;
- :func:`write_matrix` prints the conformance matrix at the end of the run.
"""

from __future__ import annotations

import re
from typing import Any

import pytest


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


class Recorder:
    """Collects one verdict per spec (on the controller, when running under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict((k, v) for k, v in report.user_properties if k != "event")
        if "target" not in props:
            return
        if not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        message = ""
        if report.failed:
            message = str(report.longrepr)
        elif report.skipped and isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2]).removeprefix("Skipped: ")
        self.results.append({
            "nodeid": report.nodeid, "target": props["target"], "role": props["role"],
            "submission": props.get("submission", ""),
            "requirement": props["requirement"], "level": props["level"],
            "outcome": report.outcome, "message": message,
            "events": [v for k, v in report.user_properties if k == "event"],
            "duration": round(report.duration, 3),
        })


def first_line(message: str) -> str:
    """The failure's one-line reason: the first line of its message (``E`` lines of a traceback)."""
    lines = message.splitlines()
    errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    if errors:
        lines = [re.sub(r"^[\w.]+(Error|Unavailable|Exception): ", "", errors[0]), *errors[1:]]
    for line in lines:
        line = re.sub(r"^[A-Z]+-\d+ \((MUST|SHOULD)\) not met: ", "", line.strip())
        if line and not line.startswith(("Failed:", "[XPASS", "_ ")):
            return line[:110]
    return ""


def write_matrix(tr: Any, results: list[dict[str, Any]], problems: list[tuple[str, str]]) -> None:
    """Per target: MUST x/y, SHOULD x/y, n/a, the first failure; then the submissions not run."""
    tr.section("netconform conformance")
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for res in results:
        row = rows.setdefault((res["role"], res["target"]), {"MUST": [0, 0], "SHOULD": [0, 0], "first": None,
                                                              "skipped": 0, "na": 0, "events": []})
        if res["outcome"] == "skipped" and res["message"].startswith("not applicable"):
            row["na"] += 1
            continue
        if res["outcome"] == "skipped":
            row["skipped"] += 1
            row["skip_reason"] = res["message"]
            continue
        row[res["level"]][1] += 1
        row[res["level"]][0] += res["outcome"] == "passed"
        row["events"] += res["events"]
        worse = row["first"] is None or (res["level"] == "MUST" and row["first"][1] != "MUST")
        if res["outcome"] == "failed" and worse:
            row["first"] = (res["requirement"], res["level"], first_line(res["message"]))
    width = max([len("target"), *(len(t) for _, t in rows), *(len(name) for name, _ in problems)]) + 2
    tr.write_line(f"{'target':<{width}}{'role':<20}{'MUST':>8}{'SHOULD':>9}{'n/a':>5}  first failure")
    for (role, target), row in sorted(rows.items()):
        must, should = row["MUST"], row["SHOULD"]
        if must[1] + should[1] == 0:
            verdict = f"skipped: {row.get('skip_reason', '')}"[:90]
        elif row["first"]:
            verdict = f"{row['first'][0]}: {row['first'][2]}"
        else:
            verdict = "-"
        na = row["na"] or "-"
        line = f"{target:<{width}}{role:<20}{must[0]:>4}/{must[1]:<3}{should[0]:>5}/{should[1]:<3}{na:>4}  {verdict}"
        red = bool(row["first"]) and row["first"][1] == "MUST"
        green = not row["first"] and must[1] + should[1] > 0
        tr.write_line(line, red=red, green=green, yellow=bool(row["first"]) and not red)
        for event in row["events"]:
            tr.write_line(f"{'':<{width}}note: {event}")
    for name, problem in problems:
        tr.write_line(f"{name:<{width}}{'(none)':<20}{'-':>8}{'-':>9}{'-':>5}  no program run: {problem}", red=True)
