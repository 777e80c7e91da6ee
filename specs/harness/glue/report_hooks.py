"""What a run leaves behind: the conformance matrix in the terminal, the JSON verdicts, the
HTML/Markdown report and Gradescope's results, all from one payload of typed verdicts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .. import platform
from ..judge import requirements
from ..judge.verdicts import sorted_verdicts
from ..platform import containment
from ..report import document, gradescope
from ..report.matrix import write_matrix
from . import leaks
from .keys import RECORDER, RUN, SECTION, SUBMISSIONS, TARGETS


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or RECORDER not in config.stash:
        return
    verdicts = config.stash[RECORDER].verdicts
    problems = [(sub.name, sub.problem) for sub in config.stash.get(SUBMISSIONS, []) if sub.problem]
    notes = leaks.summary_lines(config)
    if not (verdicts or problems or notes):
        return
    write_matrix(terminalreporter, sorted_verdicts(verdicts), problems)
    for line, error in notes:
        terminalreporter.write_line(line, red=error, yellow=not error)
    for option, what in (("netconform_json", "verdicts"), ("conformance_report", "conformance report"),
                         ("gradescope", "Gradescope results")):
        if config.getoption(option):
            terminalreporter.write_line(f"{what} written to {config.getoption(option)}")


def _payload(config: pytest.Config) -> dict[str, Any]:
    """Every verdict of the run, with the requirements and targets they refer to."""
    section = config.stash.get(SECTION, None)
    return {
        **({section.key: section.result} if section else {}),
        "requirements": {r.id: {"level": r.level, "text": r.text, "section": r.section}
                         for r in requirements.registry().values()},
        "targets": [{"role": t.role, "name": t.name, "command": t.command_line, "origin": t.origin,
                     "model": t.model, "concurrent": t.concurrent} for t in config.stash[TARGETS]],
        "results": config.stash[RECORDER].results,
        "submissions": [{"name": sub.name, "source": str(sub.source), "problem": sub.problem,
                         "roles": [t.role for t in sub.targets]} for sub in config.stash.get(SUBMISSIONS, [])],
        "harness": {"platform": platform.NAME, "platform_limitations": list(platform.limitations()),
                    "descendants_found_by": containment.mechanism(), "errors": leaks.harness_errors(config)},
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the JSON verdicts and the conformance report (also when specs failed or timed out)."""
    config = session.config
    if hasattr(config, "workerinput") or RECORDER not in config.stash:
        return
    if any(sub.problem for sub in config.stash.get(SUBMISSIONS, [])) and exitstatus in (0, 5):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a submission that could not run is not a pass
    if leaks.harness_errors(config) and exitstatus in (0, 5):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a run that leaves a process behind is not clean
    run = config.stash[RUN]
    payload = _payload(config)  # built once: the JSON, the report and Gradescope's results all read it
    if run.json_path:
        Path(run.json_path).write_text(json.dumps(payload, indent=2), encoding="utf-8")
    if run.report_path:
        document.write_report(payload, run.report_path, extra=config.stash.get(SECTION, None))
    if run.gradescope_path:
        gradescope.write_results(run.gradescope_path, payload, run.gradescope_points)
