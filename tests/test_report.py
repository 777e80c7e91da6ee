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
from collections import Counter
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from netconform.specs.harness.report.document import render_html, render_markdown, report_format, write_report
from tests.suite import BAD, ROOT, suite_env

WHEN = datetime(2024, 5, 17, 12, 30, 0, tzinfo=timezone.utc)
NASTY = '<script>alert("x")</script> & http://example.com/a //b <img src="x.png"> <link href="y">'
LONG = "".join(f"line {i}: expected b'Thank you for connecting'\n" for i in range(2000))


def _req(level: str, text: str, section: str = "Greeting server (`greeting-server`)") -> dict[str, str]:
    return {"level": level, "text": text, "section": section}


def _res(role: str, target: str, req: str, level: str, outcome: str, message: str = "",
         events: list[str] | None = None, test: str = "test_x") -> dict[str, Any]:
    return {"nodeid": f"specs/test_{req.split('-')[0].lower()}.py::{test}[{target}]", "target": target, "role": role,
            "requirement": req, "level": level, "outcome": outcome, "message": message, "events": events or [],
            "duration": 0.01}


NA = "not applicable: iterative serves one client at a time by design (model iterative)"
GS, LS = "greeting-server", "logger-server"
ODD = "my server/v2"  # a name that needs sanitizing in anchors


def synthetic() -> dict[str, Any]:
    """Two targets named alike in two roles, one oddly named failing target, one never run."""
    return {
        "requirements": {
            "GREET-1": _req("MUST", "Each client receives exactly `Thank you for connecting`."),
            "GREET-2": _req("MUST", "The greeting is sent as soon as the client connects."),
            "GREET-8": _req("SHOULD", "A client that resets does not stop the server."),
            "LOG-1": _req("MUST", "Each connection is logged.", "Logging servers"),
            "LOG-3": _req("SHOULD", "The book's wording is used.", "Logging servers"),
            "CONC-1": _req("MUST", "Clients are served at once.", "Concurrency"),
            "RES-1": _req("SHOULD", "No zombie children are left.", "Resources"),
        },
        "targets": [
            {"role": GS, "name": "iterative", "command": "python -m reference.iterative.greeting_server --port 0",
             "origin": "reference", "model": "iterative", "concurrent": False},
            {"role": GS, "name": ODD, "command": "python3 'my server.py' {port} | tee log",
             "origin": "user", "model": "unknown", "concurrent": True},
            {"role": LS, "name": "iterative", "command": "python -m reference.iterative.logger_server --port 0",
             "origin": "reference", "model": "iterative", "concurrent": False},
            {"role": LS, "name": "unused", "command": "python3 unused.py {port}", "origin": "user",
             "model": "unknown", "concurrent": True},
        ],
        "results": [
            _res(GS, "iterative", "GREET-1", "MUST", "passed"),
            _res(GS, "iterative", "GREET-2", "MUST", "passed"),
            _res(GS, "iterative", "GREET-8", "SHOULD", "passed"),
            _res(GS, "iterative", "CONC-1", "MUST", "not applicable", NA),
            _res(GS, ODD, "GREET-1", "MUST", "failed", "GREET-1 (MUST) not met: " + NASTY,
                 events=[f"{ODD}: restarted for test_x: the previous process had exited with code 0"]),
            _res(GS, ODD, "GREET-1", "MUST", "failed", LONG, test="test_y"),
            _res(GS, ODD, "GREET-2", "MUST", "passed"),
            _res(GS, ODD, "GREET-8", "SHOULD", "failed", "```\nfenced ``` inside\n```"),
            _res(GS, ODD, "RES-1", "SHOULD", "passed"),
            _res(LS, "iterative", "LOG-1", "MUST", "passed"),
            _res(LS, "iterative", "LOG-3", "SHOULD", "failed", "wording differs: 'Got connection from'"),
            _res(LS, "iterative", "CONC-1", "MUST", "not applicable", NA),
            _res(LS, "iterative", "RES-1", "SHOULD", "skipped", "python2 is not installed"),
        ],
    }


class Page(HTMLParser):
    """What the tests read from a report: ids, links, matrix rows and cells, failure entries."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.families: list[str] = []
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.failures: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, str] = {}  # element id -> its text (events headings, requirement rows)
        self._table: str | None = None
        self._row: dict[str, Any] | None = None
        self._cell: dict[str, Any] | None = None
        self._failure: dict[str, Any] | None = None
        self._pre = False
        self._open: list[tuple[str, str]] = []  # (tag, id) of the open elements that have an id
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
            self._open.append((tag, a["id"]))
            self.sections[a["id"]] = ""
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            for holder in (self._cell, self._failure):
                if holder is not None:
                    holder["links"].append(a["href"])
        if tag == "table":
            self._table = a.get("class")
        elif tag == "th" and self._table == "matrix" and "data-family" in a:
            self.families.append(a["data-family"])
        elif tag == "tr" and self._table == "matrix" and "data-target" in a:
            self._row = {"attrs": a, "cells": {}, "verdict": None}
            self.rows[a["data-role"], a["data-target"]] = self._row
        elif tag == "td" and self._row is not None and "data-family" in a:
            self._cell = {"attrs": a, "links": []}
            self._row["cells"][a["data-family"]] = self._cell
        elif tag == "td" and self._row is not None and "data-verdict" in a:
            self._row["verdict"] = a["data-verdict"]
        elif tag == "li" and a.get("id", "").startswith("fail-"):
            self._failure = {"attrs": a, "links": [], "text": "", "pre": ""}
            self.failures[a["id"]] = self._failure
        elif tag == "pre":
            self._pre = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag == "td":
            self._cell = None
        elif tag == "li":
            self._failure = None
        elif tag == "pre":
            self._pre = False
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._failure is not None:
            self._failure["pre" if self._pre else "text"] += data
        for _, open_id in self._open:
            self.sections[open_id] += data


def expected_counts(payload: dict[str, Any]) -> dict[tuple[str, str], dict[str, Counter[str]]]:
    """(role, target) -> family -> the counts a cell shows, computed straight from the results."""
    out: dict[tuple[str, str], dict[str, Counter[str]]] = {}
    for r in payload["results"]:
        c = out.setdefault((r["role"], r["target"]), {}).setdefault(r["requirement"].split("-")[0], Counter())
        if r["outcome"] == "not applicable":
            c["na"] += 1
        elif r["outcome"] == "skipped":
            c["skipped"] += 1
        elif r["outcome"] == "blocked":  # not judged: counted apart, not in a level's total
            c["blocked"] += 1
        else:
            c[f"{r['level'].lower()}-total"] += 1
            c[f"{r['level'].lower()}-passed"] += r["outcome"] == "passed"
    return out


KEYS = ("must-passed", "must-total", "should-passed", "should-total", "na", "skipped")


def check_html(payload: dict[str, Any], text: str) -> Page:
    """Everything a report must satisfy for any payload; returns the parsed page."""
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>")
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    for href in page.hrefs:
        assert href.startswith("#"), href
        assert href[1:] in page.ids, f"{href} points to no id"
    for needle in ("http://", "https://", "//", "<script", "<link", "src="):
        assert needle not in text.lower(), needle
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(page.tags)
    expected = expected_counts(payload)
    assert set(page.rows) == set(expected)
    families = {fam for cells in expected.values() for fam in cells}
    assert set(page.families) == families
    for key, row in page.rows.items():
        assert set(row["cells"]) == families
        for fam, cell in row["cells"].items():
            got = {k: int(cell["attrs"][f"data-{k}"]) for k in KEYS}
            assert got == {k: expected[key].get(fam, Counter())[k] for k in KEYS}, (key, fam)
    # every failed spec has an entry: its requirement linked, its node id, its whole message
    failed = [r for r in payload["results"] if r["outcome"] == "failed"]
    entries = list(page.failures.values())
    assert len(entries) == len(failed)
    unmatched = list(entries)
    for res in failed:  # in the report's order, not necessarily the payload's (workers finish in any order)
        entry = next((e for e in unmatched if res["nodeid"] in e["text"] and e["pre"] == res["message"]
                      and e["attrs"]["data-requirement"] == res["requirement"]), None)
        assert entry is not None, f"no entry for {res['nodeid']} ({res['requirement']})"
        unmatched.remove(entry)
        assert f"#req-{res['requirement'].lower()}" in entry["links"]
        assert res["nodeid"] in entry["text"]
        assert entry["pre"] == res["message"]
    # every failing (target, requirement) is linked from its cell to an entry of that requirement
    for res in failed:
        cell = page.rows[res["role"], res["target"]]["cells"][res["requirement"].split("-")[0]]
        linked = {page.failures[href[1:]]["attrs"]["data-requirement"] for href in cell["links"]}
        assert res["requirement"] in linked
    # the Requirements section lists every requirement
    for req_id, req in payload["requirements"].items():
        assert req["level"] in page.sections[f"req-{req_id.lower()}"]
    return page


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
    payload["results"].append(_res(GS, "iterative", "GREET-2", "MUST", "skipped", "twisted is not installed"))
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
