"""The model comparison (``specs/bench``): its option wiring, its figures and tables, and the student's
command, ``pytest --impl ... --compare-models``, run from a folder outside the checkout with tiny counts."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from netconform.specs.bench import chart, load, plan, render, runner
from netconform.specs.bench import options as compare_options
from netconform.specs.catalogue import references
from netconform.specs.harness.glue import options
from netconform.specs.harness.report import document
from tests.suite import ROOT, processes_of_run, suite_env


def test_the_default_run_compares_nothing() -> None:
    """Without --compare-models no comparison runs: the conformance run is unchanged."""
    assert not compare_options.build({}).compare
    assert not compare_options.build({"impl": ["greeting-server=python3 s.py {port}"]}).compare


def test_compare_models_options_make_the_comparisons_configuration() -> None:
    config = compare_options.build({"impl": ["greeting-server=python3 s.py {port}"], "compare_models": True,
                                    "compare_references": ["selectors, asyncio", "twisted"], "compare_plan": "tiny"})
    assert config == compare_options.CompareConfig(True, ("selectors", "asyncio", "twisted"), "tiny")


@pytest.mark.parametrize(("values", "message"), [
    ({"compare_models": True, "numprocesses": 2}, "run it without -n"),
    ({"compare_references": ["selectors"]}, "goes with --compare-models"),
])
def test_compare_options_that_cannot_go_together_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(compare_options.CompareOptionError, match=message):
        compare_options.build(values)


def test_the_harness_knows_nothing_of_the_comparison(tmp_path: Path) -> None:
    """The comparison is a room beside the harness: its options are its own, not the run configuration's."""
    run = options.build({"impl": ["greeting-server=python3 s.py {port}"]}, tmp_path, {})
    assert not any("compare" in field.name for field in dataclasses.fields(run))


def test_reference_rows_come_from_the_reference_table() -> None:
    """Every reference model with a TCP greeting server and line logger is a row (none hard-coded)."""
    from netconform.reference import SERVER_MODELS

    rows, left_out = runner.reference_rows(references())
    assert {r.name for r in rows} | {n.split(":")[0] for n in left_out} == set(SERVER_MODELS)
    assert all(set(r.targets) == set(runner.ROLES) for r in rows)
    with pytest.raises(runner.BenchError, match="no reference model named nosuch"):
        runner.reference_rows(references(), ["nosuch"])


def test_user_rows_join_a_programs_roles_by_name(tmp_path: Path) -> None:
    impls = ["greeting-server:mine=python3 s.py {port}", "line-logger-server:mine=python3 l.py {port}",
             "greeting-server/udp=python3 u.py {port}", "fetch-client=python3 f.py {url}"]
    run = options.build({"impl": impls}, tmp_path, {})
    rows, ignored = runner.user_rows(run.impls)
    assert [(r.name, sorted(r.targets)) for r in rows] == [("mine", ["greeting-server", "line-logger-server"])]
    assert len(ignored) == 2
    assert all("not compared" in note for note in ignored)


def test_a_low_open_file_limit_lowers_the_client_counts() -> None:
    fitted, notes = plan.PLANS["standard"].fit(564)
    assert fitted.concurrency == (100, 500)
    assert fitted.line_clients == (1, 100, 500)
    assert fitted.idle_clients == 500
    assert notes == ["1000 clients lowered to 500: the open-file limit (ulimit -n) is 564"]


def test_percentiles_and_ratios() -> None:
    assert plan.percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0
    assert plan.percentile(list(map(float, range(1, 101))), 0.99) == 99.0
    assert plan.percentile([], 0.5) is None
    assert plan.summary([2.0, None, 1.0, 3.0]) == {"values": [2.0, None, 1.0, 3.0], "min": 1.0, "median": 2.0,
                                                   "max": 3.0}
    assert plan.ratio(5.0, 10.0) == 0.5
    assert plan.ratio(5.0, 0.0) is None
    assert plan.ratio(-1.0, 2.0) is None
    assert plan.ratio(None, 2.0) is None


def test_the_load_generator_refuses_addresses_other_than_loopback() -> None:
    with pytest.raises(SystemExit, match="only connects to loopback"):
        load.main(['{"scenario": "greet", "host": "192.0.2.1", "port": 1, "clients": 1, "count": 1, '
                   '"seconds": 0.1, "timeout": 0.1}'])


def _result() -> dict[str, Any]:
    """A stored-style result: the baseline and a user's row."""
    the_plan = plan.PLANS["tiny"]

    def fig(median: float | None, ratio: float | None) -> dict[str, Any]:
        return {"values": [median], "min": median, "median": median, "max": median, "ratio": ratio, "errors": [0],
                "server_cpu": [0.5], "load_cpu": [[0.25, 0.2]]}

    metrics = {m.key: fig(1000.0, 1.0) for m in the_plan.metrics()}
    mine = {**{m.key: fig(500.0, 0.5) for m in the_plan.metrics()}, "lines_1": fig(None, None)}
    return {"baseline": "selectors", "started": "2026-12-02T00:00:00+00:00", "seconds": 3.0,
            "machine": runner.machine(), "plan": dataclasses.asdict(the_plan),
            "metrics": [dataclasses.asdict(m) for m in the_plan.metrics()], "notes": ["a note"],
            "rows": [{"name": "mine", "origin": "user", "concurrent": True, "commands": {}, "metrics": mine,
                      "notes": []},
                     {"name": "selectors", "origin": "reference", "concurrent": True, "commands": {},
                      "metrics": metrics, "notes": []}]}


def test_the_tables_show_medians_ratios_and_the_users_row_first() -> None:
    text = render.markdown(_result())
    assert "| mine (yours) | 500 ×0.50 | 500 ×0.50 | — |" in text
    assert "| selectors (baseline) | 1,000 ×1.00 |" in text
    assert "| selectors (baseline) | 50/25 |" in text  # CPU: server / busiest worker
    lines = render.terminal(_result())
    assert lines[1].startswith("mine (yours)")
    assert lines[2].startswith("selectors (baseline)")


def test_the_html_report_holds_the_comparison_and_still_fetches_nothing(tmp_path: Path) -> None:
    """The comparison's section (inline SVG chart) keeps the report one file that names no URL."""
    result = _result()
    svg = chart.svg(result) if chart.available() else None
    section = render.html_section(result, svg)
    path = tmp_path / "r.html"
    extra = document.ReportSection("comparison", "Model comparison", result, section, render.markdown(result))
    document.write_report({"requirements": {}, "targets": [], "results": []}, path, extra=extra)
    text = path.read_text()
    assert '<section id="model-comparison">' in text
    assert "mine (yours)" in text
    assert ("<svg" in text) == chart.available()
    for needle in ("http://", "https://", "//", "<script", "<img", "src="):
        assert needle not in text.lower(), needle
    md = tmp_path / "r.md"
    extra = dataclasses.replace(extra, markdown="TABLE")
    document.write_report({"requirements": {}, "targets": [], "results": []}, md, extra=extra)
    assert "## Model comparison\n\nTABLE" in md.read_text()


def test_a_student_compares_their_server_with_the_references_from_their_own_folder(tmp_path: Path) -> None:
    """README: ``pytest --impl 'greeting-server=python3 server.py {port}' --compare-models`` (tiny counts)."""
    shutil.copy(ROOT / "fixtures" / "class" / "alice" / "greeting_server.py", tmp_path / "server.py")
    run_id = "test-" + uuid.uuid4().hex[:10]
    cmd = [sys.executable, "-m", "pytest", "--impl", f"greeting-server={sys.executable} server.py {{port}}",
           "--compare-models", "--compare-references", "selectors", "--compare-plan", "tiny",
           "--conformance-report", "report.html", "--netconform-json", "figures.json"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=suite_env(run_id), capture_output=True, text=True, timeout=120,
                          check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "netconform model comparison" in out
    table = out[out.index("netconform model comparison"):]
    assert table.index("server (yours)") < table.index("selectors (baseline)")
    assert "GREET-1" not in out  # no spec ran
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert figures["results"] == []
    rows = {r["name"]: r for r in figures["comparison"]["rows"]}
    assert set(rows) == {"server", "selectors"}
    assert rows["server"]["metrics"]["greet_seq"]["median"] > 0
    assert rows["server"]["metrics"]["lines_1"]["median"] is None  # no line logger given
    assert rows["selectors"]["metrics"]["lines_1"]["median"] > 0
    html = (tmp_path / "report.html").read_text()
    assert '<section id="model-comparison">' in html
    assert ("<svg" in html) == chart.available()
    assert processes_of_run(run_id) == []


def test_a_program_that_cannot_be_measured_fails_the_comparison_run(tmp_path: Path) -> None:
    """A server that exits at start gets no figures: the run says why and exits 1 (the references are still shown)."""
    (tmp_path / "server.py").write_text("raise SystemExit('no server here')\n")
    run_id = "test-" + uuid.uuid4().hex[:10]
    cmd = [sys.executable, "-m", "pytest", "--impl", f"greeting-server={sys.executable} server.py {{port}}",
           "--compare-models", "--compare-references", "selectors", "--compare-plan", "tiny"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=suite_env(run_id), capture_output=True, text=True, timeout=120,
                          check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "server: server (" in out
    assert "did not start: it exited at start with code 1" in out
    assert "selectors (baseline)" in out
    assert processes_of_run(run_id) == []
