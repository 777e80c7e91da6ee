"""One tally: the terminal matrix, the JSON, the HTML and Markdown report, JUnit XML and Gradescope's
results of one run all count its verdicts alike.

The run is mixed: a reference greeting server (every spec passes), a known-bad one (GREET-1 fails), a
block-buffered logger (LOG-5 fails, the specs it hides are not judged) and a logger declared
``--serial`` (the concurrency specs are not applicable).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from netconform.specs.harness.report.document import render_markdown
from tests.report_pages import check_html
from tests.suite import BAD, ROOT, suite_env


@dataclass(frozen=True)
class MixedRun:
    stdout: str
    payload: dict[str, Any]
    html: str
    junit: ET.Element
    gradescope: dict[str, Any]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> MixedRun:
    where = tmp_path_factory.mktemp("mixed")
    python = sys.executable
    cmd = [python, "-m", "pytest", "specs", "-p", "no:randomly", "-n", "2",
           "--impl", f"greeting-server:good={python} -m netconform.reference.select.greeting_server --port {{port}}",
           "--impl", f"greeting-server:bad={python} {BAD / 'greeting_server' / 'trailing_newline.py'} {{port}}",
           "--impl", f"logger-server:buffered={python} {BAD / 'logger_server' / 'block_buffered.py'} {{port}}",
           "--impl", f"logger-server:serial={python} -m netconform.reference.iterative.logger_server --port {{port}}",
           "--serial", "serial", "--netconform-json", str(where / "v.json"), "--junitxml", str(where / "j.xml"),
           "--conformance-report", str(where / "r.html"), "--gradescope", str(where / "g.json")]
    proc = subprocess.run(cmd, cwd=ROOT, env=suite_env("test-" + uuid.uuid4().hex[:10]), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    return MixedRun(proc.stdout, json.loads((where / "v.json").read_text()), (where / "r.html").read_text(),
                    ET.parse(where / "j.xml").getroot(), json.loads((where / "g.json").read_text()))


def _counted(results: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Per target, counted here from the JSON's outcomes: passed/run per level, and the rest."""
    out: dict[str, Counter[str]] = {}
    for r in results:
        c = out.setdefault(r["target"], Counter())
        if r["outcome"] in ("passed", "failed"):
            c[f"{r['level']} run"] += 1
            c[f"{r['level']} passed"] += r["outcome"] == "passed"
        else:
            c[r["outcome"]] += 1
    return out


def test_the_run_is_mixed(mixed: MixedRun) -> None:
    """The run has every outcome the outputs must agree on (no capability is missing here: none skipped)."""
    assert {r["outcome"] for r in mixed.payload["results"]} == {"passed", "failed", "not applicable", "blocked"}


def matrix_disagreements(stdout: str, results: list[dict[str, Any]]) -> list[str]:
    """Where the terminal matrix's counts (MUST, SHOULD, n/a per target) differ from the JSON's."""
    counted = _counted(results)
    rows = re.findall(r"^(\w+)\s+[\w-]+\s+(\d+)/(\d+)\s+(\d+)/(\d+)\s+(\d+|-)\s", stdout, re.M)
    problems = [] if {row[0] for row in rows} == set(counted) else [f"rows {[r[0] for r in rows]}"]
    for target, must_p, must_n, should_p, should_n, na in rows:
        c = counted.get(target, Counter())
        shown = (int(must_p), int(must_n), int(should_p), int(should_n), 0 if na == "-" else int(na))
        if shown != (c["MUST passed"], c["MUST run"], c["SHOULD passed"], c["SHOULD run"], c["not applicable"]):
            problems.append(f"{target}: the matrix shows {shown}")
    return problems


def markdown_disagreements(markdown: str, results: list[dict[str, Any]]) -> list[str]:
    """Where the Markdown report's MUST and SHOULD columns differ from the JSON's counts."""
    problems = []
    for target, c in _counted(results).items():
        row = next(line for line in markdown.splitlines() if line.startswith("| ") and f"| {target} |" in line)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for level in ("MUST", "SHOULD"):
            if f"{c[level + ' passed']}/{c[level + ' run']}" not in cells:
                problems.append(f"{target}: {level} not {c[level + ' passed']}/{c[level + ' run']} in {row}")
    return problems


def junit_disagreements(junit: ET.Element, results: list[dict[str, Any]]) -> list[str]:
    """Where JUnit XML's passed, failed and skipped test cases per target differ from the JSON's outcomes."""
    by_target: dict[str, Counter[str]] = {}
    for case in junit.iter("testcase"):
        target = next(p.get("value") for p in case.iter("property") if p.get("name") == "target")
        kind = "failed" if case.find("failure") is not None else "skipped" if case.find("skipped") is not None \
            else "passed"
        by_target.setdefault(str(target), Counter())[kind] += 1
    problems = []
    for target, c in _counted(results).items():
        passed = c["MUST passed"] + c["SHOULD passed"]
        expected = {"passed": passed, "failed": c["MUST run"] + c["SHOULD run"] - passed,
                    "skipped": c["not applicable"] + c["blocked"] + c["skipped"]}
        if {k: by_target.get(target, Counter())[k] for k in expected} != expected:
            problems.append(f"{target}: JUnit counts {dict(by_target.get(target, {}))}, the JSON {expected}")
    return problems


def gradescope_disagreements(results_json: dict[str, Any], results: list[dict[str, Any]]) -> list[str]:
    """Where Gradescope's score, possible points, tests and MUST count differ from the JSON's (2 points a
    MUST, 1 a SHOULD, scored when passed; every spec that applies worth its points, a blocked one too, which
    scores 0 and says what to fix first; not applicable left out)."""
    worth = {"MUST": 2, "SHOULD": 1}
    applies = [r for r in results if r["outcome"] != "not applicable"]
    score = sum(worth[r["level"]] for r in applies if r["outcome"] == "passed")
    possible = sum(worth[r["level"]] for r in applies)
    problems = []
    if results_json["score"] != score:
        problems.append(f"score {results_json['score']}")
    if sum(t["max_score"] for t in results_json["tests"]) != possible:
        problems.append("possible points")
    if len(results_json["tests"]) != len(applies):
        problems.append(f"{len(results_json['tests'])} tests")
    unjudged = [t for t in results_json["tests"] if t["output"].startswith("not judged yet: fix ")]
    blocked = [r for r in applies if r["outcome"] == "blocked"]
    if sorted((t["number"], t["score"], t["max_score"]) for t in unjudged) != \
            sorted((r["requirement"], 0, worth[r["level"]]) for r in blocked):
        problems.append(f"{len(unjudged)} tests not judged yet")
    musts = [r for r in applies if r["level"] == "MUST"]
    met = sum(r["outcome"] == "passed" for r in musts)
    if f"{score}/{possible} points; MUST {met}/{len(musts)} met" not in results_json["output"]:
        problems.append(f"output {results_json['output']!r}")
    return problems


def test_every_output_counts_as_the_json(mixed: MixedRun) -> None:
    """The terminal matrix, both reports, JUnit XML and Gradescope agree with the JSON, verdict for verdict."""
    results = mixed.payload["results"]
    check_html(mixed.payload, mixed.html)  # every cell's counts, failure and link, against the JSON
    assert matrix_disagreements(mixed.stdout, results) == []
    assert markdown_disagreements(render_markdown(mixed.payload), results) == []
    assert junit_disagreements(mixed.junit, results) == []
    assert gradescope_disagreements(mixed.gradescope, results) == []


def test_each_check_sees_a_planted_disagreement(mixed: MixedRun) -> None:
    """A verdict changed in the JSON alone (a pass made a failure) is a disagreement for every check."""
    results = [dict(r) for r in mixed.payload["results"]]
    planted = next(r for r in results if r["target"] == "good" and r["level"] == "MUST")
    planted["outcome"] = "failed"
    assert [p.split(":")[0] for p in matrix_disagreements(mixed.stdout, results)] == ["good"]
    assert len(markdown_disagreements(render_markdown(mixed.payload), results)) == 1
    assert len(junit_disagreements(mixed.junit, results)) == 1
    assert gradescope_disagreements(mixed.gradescope, results)[0] == f"score {mixed.gradescope['score']}"
    with pytest.raises(AssertionError):
        check_html({**mixed.payload, "results": results}, mixed.html)
