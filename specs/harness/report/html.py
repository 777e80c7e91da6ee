"""The conformance report as one self-contained HTML page: inline style, no script, nothing fetched."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..judge.requirements import LEVELS
from .tally import Row, Tally, build, by_cause, first_per_requirement, req_anchor, slug, totals, unrun

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.pass { background: #dff3df; } td.fail { background: #f8d7d7; } td.warn { background: #fcf1cc; }
td.na, td.skip, td.none { background: #f2f2f2; color: #777; }
td.verdict.conforms { color: #176117; font-weight: bold; }
td.verdict.does-not-conform { color: #a11; font-weight: bold; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: .5em; white-space: pre-wrap; }
code { font-size: 90%; }
.failures li { margin-bottom: 1em; }
"""


def _e(text: object) -> str:
    """HTML-escape ``text``; also write ``//`` and ``=`` as character references, so even a
    quoted URL or ``src=`` in a message is not one in the file (it reads the same)."""
    return html.escape(str(text)).replace("//", "/&#47;").replace("=", "&#61;")


def _code_spans(text: str) -> str:
    """Escape a SPEC.md sentence, rendering its ```code``` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _data(**attrs: object) -> str:
    return "".join(f' data-{k.replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())


def _html_cell(fam: str, tally: Tally) -> str:
    data = _data(family=fam, must_passed=tally.passed["MUST"], must_total=tally.total["MUST"],
                 should_passed=tally.passed["SHOULD"], should_total=tally.total["SHOULD"],
                 na=tally.na, skipped=tally.skipped)
    links = ", ".join(f'<a href="#{f.anchor}">{_e(f.requirement)}</a>'
                      for f in first_per_requirement(tally.failures))
    failed = f'<br><span class="failed">failed: {links}</span>' if links else ""
    return f'<td class="{tally.state}"{data}>{_e(tally.counts())}{failed}</td>'


def _first_html(row: Row) -> str:
    """The root cause: the row's most basic failure (diagnosis order), linked."""
    if not row.overall.failures:
        return "—"
    f = row.overall.failures[0]
    return f'<a class="first" href="#{f.anchor}">{_e(f.requirement)}</a>'


def render_html(payload: Mapping[str, Any], generated: datetime | None = None, extra: str = "") -> str:
    """The report as one self-contained HTML5 page; ``extra`` (HTML made by the suite, e.g. the model
    comparison with its inline SVG chart) goes after the matrix as it is."""
    report = build(payload, generated)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           "<title>netconform conformance report</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
           "<header>", "<h1>netconform conformance report</h1>",
           f'<p>Generated <time class="generated">{_e(report.generated)}</time>.</p>', '<ul class="totals">',
           *(f"<li>{_e(line)}</li>" for line in totals(report)), "</ul>", "</header>",
           "<h2>Conformance matrix</h2>",
           "<p>Each cell: specs passed / run, per level; <em>n/a</em>: not applicable to the target "
           "(e.g. concurrency specs for a server that serves one client at a time by design).</p>",
           '<table class="matrix">', "<thead><tr><th>Role</th><th>Target</th><th>Command</th><th>Origin</th>",
           *(f'<th data-family="{_e(fam)}">{_e(fam)}</th>' for fam in report.families),
           "<th>MUST</th><th>SHOULD</th><th>Verdict</th><th>First failure</th><th>Events</th></tr></thead>",
           "<tbody>"]
    for row in report.rows:
        o = row.overall
        events = f'<a href="#events-{row.anchor}">{len(row.events)}</a>' if row.events else "0"
        out += [f'<tr id="{row.anchor}"{_data(target=row.name, role=row.role, origin=row.origin)}>',
                f"<td>{_e(row.role)}</td><th>{_e(row.name)}</th><td><code>{_e(row.command)}</code></td>"
                f"<td>{_e(row.origin)}</td>",
                *(_html_cell(fam, row.cells.get(fam, Tally())) for fam in report.families),
                *(f'<td class="total">{o.passed[level]}/{o.total[level]}</td>' for level in LEVELS),
                f'<td class="verdict {slug(row.verdict)}"{_data(verdict=row.verdict)}>{_e(row.verdict)}</td>',
                f"<td>{_first_html(row)}</td>", f"<td>{events}</td>", "</tr>"]
    out += ["</tbody>", "</table>", *([extra] if extra else [])]
    not_run = unrun(payload)
    if not_run:
        out += ["<h2>Submissions not run</h2>", '<ul class="unrun">',
                *(f'<li{_data(submission=s["name"])}><strong>{_e(s["name"])}</strong> '
                  f'(<code>{_e(s.get("source", ""))}</code>): {_e(s["problem"])}</li>' for s in not_run), "</ul>"]
    out += ["<h2>Failures</h2>"]
    failing = [row for row in report.rows if row.overall.failures]
    out += [] if failing else ["<p>None.</p>"]
    for row in failing:
        out += [f"<h3>{_e(row.role)} / {_e(row.name)}</h3>"]
        for cause, group in by_cause(row.overall.failures):
            if cause:
                out.append(f'<p class="cause">{len(group)} failures with one cause: {_e(cause)}</p>')
            out.append('<ol class="failures">')
            for f in group:
                out += [f'<li id="{f.anchor}"{_data(requirement=f.requirement, level=f.level)}>'
                        f'<a href="#{req_anchor(f.requirement)}">{_e(f.requirement)}</a> ({_e(f.level)}) '
                        f"<code>{_e(f.nodeid)}</code>", f"<pre>{_e(f.message)}</pre>", "</li>"]
            out.append("</ol>")
    out.append("<h2>Events</h2>")
    with_events = [row for row in report.rows if row.events]
    out += [] if with_events else ["<p>None: no target was restarted.</p>"]
    for row in with_events:
        out += [f'<section id="events-{row.anchor}">', f"<h3>{_e(row.role)} / {_e(row.name)}</h3>", "<ul>",
                *(f"<li>{_e(event)}</li>" for event in row.events), "</ul>", "</section>"]
    out += ['<h2 id="requirements">Requirements</h2>',
            "<p>From <code>specs&#47;SPEC.md</code>, the single registry of requirements.</p>",
            '<table class="requirements">', "<thead><tr><th>ID</th><th>Level</th><th>Requirement</th>"
            "<th>Section</th></tr></thead>", "<tbody>"]
    for req_id, req in report.requirements.items():
        out.append(f'<tr id="{req_anchor(req_id)}"><th>{_e(req_id)}</th><td>{_e(req.get("level", ""))}</td>'
                   f'<td>{_code_spans(str(req.get("text", "")))}</td>'
                   f'<td>{_code_spans(str(req.get("section", "")))}</td></tr>')
    out += ["</tbody>", "</table>", "</body>", "</html>", ""]
    return "\n".join(out)


