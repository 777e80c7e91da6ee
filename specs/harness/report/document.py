"""The conformance report: a run's verdicts as one static HTML page, or as Markdown.

:func:`write_report` takes the payload the plug-in writes with ``--netconform-json``
(``requirements``, ``targets``, ``results``) and renders a conformance matrix: one row
per target that has verdicts, one column per requirement family (``GREET``, ``LOG``...),
each cell counting passed specs out of those run, split MUST / SHOULD, plus the ones
not applicable to the target. Below it: each target's failures (requirement, spec,
whole message), the events (restarts) seen per target, and every requirement of
``specs/SPEC.md``, which all requirement IDs in the report link to.

The HTML page is self-contained: inline style, no script, nothing fetched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..judge.requirements import LEVELS
from .html import render_html
from .tally import (
    Failure,
    Tally,
    build,
    by_cause,
    first_per_requirement,
    report_format,
    req_anchor,
    totals,
    unrun,
)

__all__ = ["render_html", "render_markdown", "report_format", "write_report"]



def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(payload: Mapping[str, Any], generated: datetime | None = None, extra: str = "",
                    extra_title: str = "Model comparison") -> str:
    """The report as Markdown: a pipe table, failures in code blocks, requirements with anchors; ``extra``
    (a section, e.g. the model comparison, under ``extra_title``) after the matrix."""
    report = build(payload, generated)
    out = ["# netconform conformance report", "", f"Generated {report.generated}.", "",
           *(f"- {line}" for line in totals(report)), "", "## Conformance matrix", "",
           "Each cell: specs passed / run, per level; n/a: not applicable to the target.", "",
           "| " + " | ".join(["Role", "Target", "Command", "Origin", *report.families,
                               "MUST", "SHOULD", "Verdict", "First failure", "Events"]) + " |",
           "|" + "---|" * (len(report.families) + 9)]
    for row in report.rows:
        cells = [row.role, row.name, f"`{row.command}`" if "`" not in row.command else row.command, row.origin]
        cells = [_md_cell(c) for c in cells]
        for fam in report.families:
            tally = row.cells.get(fam, Tally())
            links = ", ".join(f"[{f.requirement}](#{f.anchor})" for f in first_per_requirement(tally.failures))
            cells.append(_md_cell(tally.counts()) + (f" — failed: {links}" if links else ""))
        cells += [f"{row.overall.passed[level]}/{row.overall.total[level]}" for level in LEVELS]
        first = row.overall.failures[0] if row.overall.failures else None
        cells += [f"**{row.verdict}**", f"[{first.requirement}](#{first.anchor})" if first else "—",
                  f"[{len(row.events)}](#events-{row.anchor})" if row.events else "0"]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"## {extra_title}", "", extra] if extra else []
    not_run = unrun(payload)
    if not_run:
        out += ["", "## Submissions not run", "",
                *(f"- **{s['name']}** (`{s.get('source', '')}`): {s['problem']}" for s in not_run)]
    out += ["", "## Failures", ""]
    failing = [row for row in report.rows if row.overall.failures]
    out += [] if failing else ["None.", ""]
    for row in failing:
        out += [f"### {row.role} / {row.name}", ""]
        for cause, group in by_cause(row.overall.failures):
            if cause:
                out += [f"{len(group)} failures with one cause: {cause}", ""]
            out += _md_failures(group)
    out += ["## Events", ""]

    with_events = [row for row in report.rows if row.events]
    out += [] if with_events else ["None: no target was restarted.", ""]
    for row in with_events:
        out += [f'<a id="events-{row.anchor}"></a>', "", f"### {row.role} / {row.name}", "",
                *(f"- {event}" for event in row.events), ""]
    out += ['<a id="requirements"></a>', "", "## Requirements", "",
            "From `specs/SPEC.md`, the single registry of requirements.", ""]
    for req_id, req in report.requirements.items():
        section = f" _({req['section']})_" if req.get("section") else ""
        out.append(f'- <a id="{req_anchor(req_id)}"></a>**{req_id}** {req.get("level", "")}: '
                   f'{req.get("text", "")}{section}')
    out.append("")
    return "\n".join(out)


def _md_failures(failures: list[Failure]) -> list[str]:
    out = []
    for f in failures:
        fence = _fence(f.message)
        out += [f'<a id="{f.anchor}"></a>', "",
                f"#### [{f.requirement}](#{req_anchor(f.requirement)}) ({f.level}) `{f.nodeid}`", "",
                fence, f.message, fence, ""]
    return out


@dataclass(frozen=True)
class ReportSection:
    """A section that a room beside the harness adds after the matrix (the model comparison of ``--compare-models``):
    ``key`` names its ``result`` in the JSON payload; ``html`` and ``markdown`` are the section, made by that room."""

    key: str
    title: str
    result: Mapping[str, Any]
    html: str
    markdown: str


def write_report(payload: Mapping[str, Any], path: str | Path, *, generated: datetime | None = None,
                 extra: ReportSection | None = None) -> None:
    """Write the report of ``payload`` (the ``--netconform-json`` payload) to ``path``.

    The format follows the suffix: ``.html`` / ``.htm`` (a self-contained page) or ``.md``;
    any other suffix raises ValueError. ``generated`` is the time shown (default: now, UTC).
    ``extra``, a section rendered ahead in both formats, is placed after the matrix.
    """
    if report_format(path) == "html":
        text = render_html(payload, generated, extra.html if extra else "")
    else:
        text = render_markdown(payload, generated, extra.markdown if extra else "", extra.title if extra else "")
    Path(path).write_text(text, encoding="utf-8")
