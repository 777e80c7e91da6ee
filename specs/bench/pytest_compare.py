"""The plug-in's ``--compare-models``: measure the user's servers beside every reference model.

With ``--compare-models`` no spec is collected or run, and no verdict is made: the run
measures the ``--impl`` greeting servers and line loggers (``runner.user_rows``) and then
every reference model (``runner.reference_rows``, or those of ``--compare-references``), all
in this run on this machine, and prints the table with the user's rows first. Never part of
the default run, never part of a conformance verdict. With ``--conformance-report`` the
report gets the comparison (HTML: the chart, as inline SVG), and ``--netconform-json`` its
figures (``comparison``).
"""

from __future__ import annotations

from typing import Any

import pytest

from .. import catalogue
from ..harness.glue.keys import POOL, RUN, SECTION, TARGETS
from ..harness.launch.targets import TargetSpec
from ..harness.report.document import ReportSection
from . import chart, options, render, runner
from .launch import BenchError
from .plan import PLANS

COMPARE = pytest.StashKey[options.CompareConfig]()  # what --compare-models and its companions ask for


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def _active(config: pytest.Config) -> bool:
    return COMPARE in config.stash and config.stash[COMPARE].compare and not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """The comparison's options (usage errors before anything runs: ``--compare-references`` names models)."""
    try:
        config.stash[COMPARE] = options.build(vars(config.option))
    except options.CompareOptionError as exc:
        raise pytest.UsageError(str(exc)) from None
    if _active(config):
        try:
            runner.reference_rows(catalogue.references(), config.stash[COMPARE].references or None)
        except BenchError as exc:
            raise pytest.UsageError(f"--compare-references: {exc}") from None


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    """In a comparison run, no spec is collected (none runs, none is imported)."""
    if not _active(session.config):
        return None
    session.items = []
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """Measure the user's rows, then the references' (progress printed as each repeat of a row ends)."""
    config = session.config
    if not _active(config):
        return None
    run, compare = config.stash[RUN], config.stash[COMPARE]
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def say(line: str) -> None:
        if reporter is not None:
            reporter.write_line(line)

    targets: list[TargetSpec] = config.stash[TARGETS] if run.user_mode else []
    users, ignored = runner.user_rows(targets)
    references, left_out = runner.reference_rows(catalogue.references(), compare.references or None)
    say(f"netconform: comparing {len(users)} program(s) with {len(references)} reference model(s), plan "
        f"{compare.plan!r}, all measured now on this machine (no spec runs)")
    result = runner.compare([*users, *references], PLANS[compare.plan], config.stash[POOL].settings,
                            progress=say, notes=[*ignored, *left_out])
    svg = chart.svg(result) if chart.available() else None
    config.stash[SECTION] = ReportSection("comparison", "Model comparison", result, render.html_section(result, svg),
                                          render.markdown(result))
    return True


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The table, the user's rows first; where the report went."""
    if not _active(config) or SECTION not in config.stash:
        return
    terminalreporter.section("netconform model comparison")
    for line in render.terminal(config.stash[SECTION].result):
        terminalreporter.write_line(line)
    if not chart.available() and config.getoption("conformance_report"):
        terminalreporter.write_line("(no chart in the report: pip install 'netconform[bench]' for matplotlib)")
    for option, what in (("conformance_report", "report"), ("netconform_json", "figures (JSON)")):
        if config.getoption(option):
            terminalreporter.write_line(f"comparison {what} written to {config.getoption(option)}")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Exit 0 when every user row got its figures (no spec ran: pytest would say "no tests ran", 5)."""
    config = session.config
    if not _active(config) or SECTION not in config.stash:
        return
    rows = config.stash[SECTION].result["rows"]
    unmeasured = [r for r in rows if r["origin"] == "user" and all(
        fig["median"] is None for fig in r["metrics"].values())]
    session.exitstatus = pytest.ExitCode.TESTS_FAILED if unmeasured else pytest.ExitCode.OK
