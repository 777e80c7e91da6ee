"""The conformance report (specs/harness/report/document.py): HTML and Markdown from a run's verdicts.

Payloads are built in memory (small synthetic ones) or come from a real run of the suite
on a known-bad and a reference greeting server. The HTML is read back with the stdlib's
html.parser, and compared with the payload's verdicts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from netconform.specs.harness.report.document import render_html, render_markdown, report_format, write_report
from tests.report_pages import GS, LONG, LS, NASTY, ODD, WHEN, Page, check_html, result, synthetic
from tests.suite import BAD, ROOT, suite_env


def test_html_matrix_counts_links_and_self_containment() -> None:
    """Rows, per-family MUST/SHOULD/n-a counts, failure entries and links match the payload;
    the page fetches nothing."""
    payload = synthetic()
    page = check_html(payload, render_html(payload, WHEN))
    assert (LS, "unused") not in page.rows  # declared but never run: no row
    assert page.families == ["GREET", "LOG", "CONC", "RES"]  # SPEC.md order
    assert page.rows[GS, ODD]["attrs"]["data-origin"] == "user"


def test_rows_of_same_name_in_two_roles_are_distinct() -> None:
    """Targets named alike in two roles get separate rows and separate anchors."""
    page = Page(render_html(synthetic(), WHEN))
    assert page.rows[GS, "iterative"]["attrs"]["id"] != page.rows[LS, "iterative"]["attrs"]["id"]
    assert page.rows[GS, "iterative"]["cells"]["CONC"]["attrs"]["data-na"] == "1"
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in page.ids), page.ids


def test_verdict_is_conforms_only_when_every_must_passed() -> None:
    """A failed MUST: does not conform; a failed SHOULD, a skipped SHOULD, n/a: still conforms;
    a MUST that could not run: incomplete."""
    payload = synthetic()
    page = Page(render_html(payload, WHEN))
    assert page.rows[GS, "iterative"]["verdict"] == "conforms"
    assert page.rows[LS, "iterative"]["verdict"] == "conforms"
    assert page.rows[GS, ODD]["verdict"] == "does not conform"
    payload["results"].append(result(GS, "iterative", "GREET-2", "MUST", "skipped", "twisted is not installed"))
    assert Page(render_html(payload, WHEN)).rows[GS, "iterative"]["verdict"] == "incomplete"


def test_messages_are_escaped_and_kept_whole() -> None:
    """Markup in a message is shown, not run; a long message is not truncated."""
    payload = synthetic()
    text = render_html(payload, WHEN)
    pres = [f["pre"] for f in Page(text).failures.values()]
    assert "GREET-1 (MUST) not met: " + NASTY in pres
    assert LONG in pres
    assert "<script" not in text
    assert "&lt;script&gt;" in text


def test_header_has_totals_and_the_generated_time() -> None:
    """The header shows when the report was made and the run's totals."""
    text = render_html(synthetic(), WHEN)
    assert '<time class="generated">2024-05-17 12:30:00 UTC</time>' in text
    assert "3 targets, 2 conform" in text
    assert "13 specs: 6 passed, 4 failed, 2 not applicable, 1 skipped" in text


def test_events_are_listed_per_target() -> None:
    """A target's restarts are linked from its row and listed under its name."""
    page = Page(render_html(synthetic(), WHEN))
    row_id = page.rows[GS, ODD]["attrs"]["id"]
    assert f"#events-{row_id}" in page.hrefs
    events = page.sections[f"events-{row_id}"]
    assert ODD in events
    assert "restarted for test_x" in events
    assert f"events-{page.rows[GS, 'iterative']['attrs']['id']}" not in page.ids  # no events, no section


def test_requirements_section_lists_every_requirement_and_names_spec_md() -> None:
    """Every requirement has an anchored entry with its level, text and section."""
    payload = synthetic()
    text = render_html(payload, WHEN)
    page = Page(text)
    for req_id, req in payload["requirements"].items():
        entry = page.sections[f"req-{req_id.lower()}"]
        assert req_id in entry
        assert req["level"] in entry
        assert req["text"].replace("`", "") in entry
        assert req["section"].replace("`", "") in entry
    assert "specs" in text
    assert "SPEC.md" in text


def test_markdown_has_the_matrix_failures_and_anchors() -> None:
    """The .md report: a pipe table of the same counts, fenced failures, anchored requirements."""
    payload = synthetic()
    text = render_markdown(payload, WHEN)
    assert ("| Role | Target | Command | Origin | GREET | LOG | CONC | RES | MUST | SHOULD | Verdict | First failure "
            "| Events |") in text
    rows = [line for line in text.splitlines() if line.startswith(("| greeting-server", "| logger-server"))]
    assert len(rows) == 3
    odd = next(line for line in rows if f"| {ODD} |" in line)
    assert "MUST 1/3 · SHOULD 0/1 — failed: [GREET-1](#fail-" in odd
    assert "**does not conform**" in odd
    assert "\\| tee log" in odd  # a pipe in the command does not split the row
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    assert {f"req-{r.lower()}" for r in payload["requirements"]} <= anchors
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, target
    assert f"\n````\n{payload['results'][7]['message']}\n````\n" in text  # fence longer than ``` inside
    assert LONG in text


def test_write_report_chooses_the_format_by_extension(tmp_path: Path) -> None:
    """.html, .htm (any case) write HTML; .md writes Markdown."""
    payload = synthetic()
    for name in ("r.html", "r.htm", "R.HTML"):
        write_report(payload, tmp_path / name, generated=WHEN)
        check_html(payload, (tmp_path / name).read_text(encoding="utf-8"))
    write_report(payload, str(tmp_path / "r.md"), generated=WHEN)
    assert (tmp_path / "r.md").read_text(encoding="utf-8") == render_markdown(payload, WHEN)


@pytest.mark.parametrize("name", ["report.txt", "report.json", "report", "report.html.gz"])
def test_unknown_extension_raises(tmp_path: Path, name: str) -> None:
    """Any other extension is refused with the supported ones named, and nothing is written."""
    with pytest.raises(ValueError, match=r"\.html.*\.htm.*\.md"):
        write_report(synthetic(), tmp_path / name)
    assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="unsupported extension"):
        report_format(name)  # what a caller checks before the run


def test_empty_payload_renders() -> None:
    """A run with no verdicts still gives a valid page (no rows, no failures)."""
    payload: dict[str, Any] = {"requirements": {}, "targets": [], "results": []}
    page = check_html(payload, render_html(payload, WHEN))
    assert page.rows == {}
    assert "| Role | Target |" in render_markdown(payload, WHEN)


@pytest.fixture(scope="module")
def real_payload(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The payload of a real run: GREET specs on a known-bad and on a reference greeting server."""
    out = tmp_path_factory.mktemp("report") / "verdicts.json"
    bad = (BAD / "greeting_server" / "trailing_newline.py").relative_to(ROOT)
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:cacheprovider", "--requirement", "GREET",
           "--impl", f"greeting-server:bad=python3 {bad} {{port}}",
           "--impl", f"greeting-server:good={sys.executable} -m reference.select.greeting_server --port {{port}}",
           "--netconform-json", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, env=suite_env("test-" + uuid.uuid4().hex[:10]), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # tests failed, as they should
    payload: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return payload


def test_report_of_a_real_run(real_payload: dict[str, Any], tmp_path: Path) -> None:
    """A real run's report: the reference conforms, the known-bad server fails GREET-1 and
    its cell links to the failure, which links to GREET-1's text."""
    path = tmp_path / "report.html"
    write_report(real_payload, path)
    page = check_html(real_payload, path.read_text(encoding="utf-8"))
    assert page.rows[GS, "good"]["verdict"] == "conforms"
    assert page.rows[GS, "bad"]["verdict"] == "does not conform"
    cell = page.rows[GS, "bad"]["cells"]["GREET"]
    assert int(cell["attrs"]["data-must-passed"]) < int(cell["attrs"]["data-must-total"])
    entries = [page.failures[href[1:]] for href in cell["links"]]
    greet1 = next(e for e in entries if e["attrs"]["data-requirement"] == "GREET-1")
    assert "#req-greet-1" in greet1["links"]
    assert "not met" in greet1["pre"]
    md = tmp_path / "report.md"
    write_report(real_payload, md)
    assert '<a id="req-greet-1"></a>' in md.read_text(encoding="utf-8")


def test_submissions_that_could_not_run_are_listed() -> None:
    """A submission folder with no program has no row; the report names it and says why."""
    payload: dict[str, Any] = {"requirements": {}, "targets": [], "results": [], "submissions": [
        {"name": "zoe", "source": "/class/zoe", "problem": "no netconform.toml and no program named after a role",
         "roles": []}]}
    html = render_html(payload, WHEN)
    check_html(payload, html)
    assert '<li data-submission="zoe"><strong>zoe</strong>' in html
    assert "no program named after a role" in html
    assert "- **zoe** (`/class/zoe`): no netconform.toml" in render_markdown(payload, WHEN)
