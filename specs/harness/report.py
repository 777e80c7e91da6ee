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

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: File suffix -> format.
FORMATS = {".html": "html", ".htm": "html", ".md": "markdown"}
LEVELS = ("MUST", "SHOULD")


# -- the model: counts per target and family -------------------------------------------------


@dataclass
class Tally:
    """Verdicts of some specs: passed / run per level, not applicable, skipped, failures."""

    passed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    na: int = 0
    blocked: int = 0  # not judged: a more basic requirement failed first
    unrun: dict[str, int] = field(default_factory=dict)  # skipped otherwise (a capability is missing)
    failures: list[Failure] = field(default_factory=list)

    def add(self, result: Mapping[str, Any], failure: Failure | None) -> None:
        level, outcome = result["level"], result["outcome"]
        if outcome == "not applicable":
            self.na += 1
            return
        if outcome == "blocked":
            self.blocked += 1
            return
        if outcome == "skipped":
            self.unrun[level] = self.unrun.get(level, 0) + 1
            return
        self.total[level] = self.total.get(level, 0) + 1
        self.passed[level] = self.passed.get(level, 0) + (outcome == "passed")
        if failure is not None:
            self.failures.append(failure)

    @property
    def skipped(self) -> int:
        return sum(self.unrun.values())

    def failed(self, level: str) -> int:
        return self.total.get(level, 0) - self.passed.get(level, 0)

    @property
    def state(self) -> str:
        """The cell's style: ``fail`` (a MUST failed), ``warn`` (a SHOULD failed), ``pass``,
        ``na`` (nothing applies), ``skip`` (nothing run), ``none`` (no spec at all)."""
        if self.failed("MUST"):
            return "fail"
        if any(self.failed(level) for level in self.total):
            return "warn"
        if any(self.total.values()):
            return "pass"
        return "na" if self.na else "skip" if self.skipped else "none"

    def counts(self) -> str:
        """``MUST 7/7 · SHOULD 5/6 · n/a 2``: only the parts that are not zero."""
        parts = [f"{level} {self.passed.get(level, 0)}/{n}" for level, n in self.total.items() if n]
        parts += [f"n/a {self.na}"] * bool(self.na) + [f"skipped {self.skipped}"] * bool(self.skipped)
        parts += [f"not judged {self.blocked}"] * bool(self.blocked)
        return " · ".join(parts) or "—"


@dataclass(frozen=True)
class Failure:
    """A failed spec and its anchor in the failure list."""

    anchor: str
    requirement: str
    level: str
    nodeid: str
    message: str
    cause: str = ""


@dataclass
class Row:
    """A target: its identity, a tally per family and overall, the events of its runs."""

    role: str
    name: str
    command: str
    origin: str
    anchor: str
    cells: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    events: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``conforms`` when every MUST spec passed; ``incomplete`` when none failed but some
        could not run here (a missing capability), or none applied."""
        if self.overall.failed("MUST"):
            return "does not conform"
        if self.overall.unrun.get("MUST") or not self.overall.total.get("MUST"):
            return "incomplete"
        return "conforms"


@dataclass
class Report:
    """What both formats show: the matrix's columns and rows, every requirement, the totals."""

    families: list[str]
    rows: list[Row]
    requirements: dict[str, Mapping[str, Any]]
    overall: Tally
    generated: str


class _Anchors:
    """Unique, sanitized fragment identifiers: ``fail-greeting-server-bad-greet-1``."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, *parts: str) -> str:
        base = "-".join(filter(None, (slug(p) for p in parts))) or "x"
        anchor, n = base, 1
        while anchor in self.used:
            n += 1
            anchor = f"{base}-{n}"
        self.used.add(anchor)
        return anchor


def slug(text: str) -> str:
    """Lower case, runs of anything but ``a-z0-9`` as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def req_anchor(req_id: str) -> str:
    """The anchor of a requirement in the Requirements section: ``req-greet-1``."""
    return f"req-{slug(req_id)}"


def family(req_id: str) -> str:
    """The requirement's family, a column of the matrix: ``GREET`` for ``GREET-1``."""
    return req_id.split("-", 1)[0]


def build(payload: Mapping[str, Any], generated: datetime | None = None) -> Report:
    """Count the payload's verdicts per target and family."""
    requirements: dict[str, Mapping[str, Any]] = dict(payload.get("requirements", {}))
    results: list[Mapping[str, Any]] = list(payload.get("results", []))
    seen = {key: i for i, key in reversed(list(enumerate((r["role"], r["target"]) for r in results)))}
    results.sort(key=lambda r: (seen[(r["role"], r["target"])], r.get("rank", 0)))  # root cause first
    for res in results:  # a requirement the payload does not describe still gets an anchor
        requirements.setdefault(res["requirement"], {"level": res["level"], "text": "(not in specs/SPEC.md)",
                                                     "section": ""})
    anchors = _Anchors()
    anchors.used.update(req_anchor(r) for r in requirements)
    rows: dict[tuple[str, str], Row] = {}
    run = {(r["role"], r["target"]) for r in results}  # targets with no verdict (deselected) get no row
    declared = [(t["role"], t["name"], t) for t in payload.get("targets", [])]
    for role, name, target in declared + [(r["role"], r["target"], {}) for r in results]:
        if (role, name) in run and (role, name) not in rows:
            rows[role, name] = Row(role, name, str(target.get("command", "")), str(target.get("origin", "")),
                                   anchors.new("target", role, name))
    order = {fam: i for i, fam in enumerate(dict.fromkeys(family(r) for r in requirements))}
    families = sorted({family(r["requirement"]) for r in results}, key=lambda f: (order.get(f, len(order)), f))
    overall = Tally()
    for res in results:
        row = rows[res["role"], res["target"]]
        failure = None
        if res["outcome"] not in ("passed", "skipped"):
            failure = Failure(anchors.new("fail", row.role, row.name, res["requirement"]), res["requirement"],
                              res["level"], res["nodeid"], str(res.get("message", "")), str(res.get("cause", "")))
        for tally in (row.cells.setdefault(family(res["requirement"]), Tally()), row.overall, overall):
            tally.add(res, failure)
        row.events += res.get("events", [])
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return Report(families, list(rows.values()), requirements, overall, when)


def _first_per_requirement(failures: Iterable[Failure]) -> list[Failure]:
    """One failure per requirement (the first): what a matrix cell links to."""
    first: dict[str, Failure] = {}
    for f in failures:
        first.setdefault(f.requirement, f)
    return list(first.values())


def by_cause(failures: list[Failure]) -> list[tuple[str, list[Failure]]]:
    """The failures grouped under their observed cause, in order of first appearance (root cause first).

    A cause shared by several failures (the same wrong bytes, the same crash) heads a group;
    a failure whose cause is its own stands alone (its cause is then "").
    """
    groups: dict[str, list[Failure]] = {}
    for f in failures:
        groups.setdefault(f.cause or f.anchor, []).append(f)
    return [(cause if len(fs) > 1 else "", fs) for cause, fs in groups.items()]


def _unrun(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Submissions (``--impl-dir``) in which no program could be found: they have no row."""
    return [s for s in payload.get("submissions", []) if s.get("problem")]


def _totals(report: Report) -> list[str]:
    o = report.overall
    conforming = sum(row.verdict == "conforms" for row in report.rows)
    run = sum(o.total.values())
    return [
        f"{len(report.rows)} targets, {conforming} conform (every MUST spec passed)",
        f"{run + o.na + o.skipped} specs: {sum(o.passed.values())} passed, {run - sum(o.passed.values())} failed, "
        f"{o.na} not applicable, {o.skipped} skipped" + (f", {o.blocked} not judged" if o.blocked else ""),
        " · ".join(f"{level} {o.passed[level]}/{o.total[level]}" for level in LEVELS),
    ]


# -- HTML --------------------------------------------------------------------------------------

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
                      for f in _first_per_requirement(tally.failures))
    failed = f'<br><span class="failed">failed: {links}</span>' if links else ""
    return f'<td class="{tally.state}"{data}>{_e(tally.counts())}{failed}</td>'


def _first_html(row: Row) -> str:
    """The root cause: the row's most basic failure (diagnosis order), linked."""
    if not row.overall.failures:
        return "—"
    f = row.overall.failures[0]
    return f'<a class="first" href="#{f.anchor}">{_e(f.requirement)}</a>'


def render_html(payload: Mapping[str, Any], generated: datetime | None = None) -> str:
    """The report as one self-contained HTML5 page."""
    report = build(payload, generated)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           "<title>netconform conformance report</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
           "<header>", "<h1>netconform conformance report</h1>",
           f'<p>Generated <time class="generated">{_e(report.generated)}</time>.</p>', '<ul class="totals">',
           *(f"<li>{_e(line)}</li>" for line in _totals(report)), "</ul>", "</header>",
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
    out += ["</tbody>", "</table>"]
    unrun = _unrun(payload)
    if unrun:
        out += ["<h2>Submissions not run</h2>", '<ul class="unrun">',
                *(f'<li{_data(submission=s["name"])}><strong>{_e(s["name"])}</strong> '
                  f'(<code>{_e(s.get("source", ""))}</code>): {_e(s["problem"])}</li>' for s in unrun), "</ul>"]
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


# -- Markdown ----------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(payload: Mapping[str, Any], generated: datetime | None = None) -> str:
    """The report as Markdown: a pipe table, failures in code blocks, requirements with anchors."""
    report = build(payload, generated)
    out = ["# netconform conformance report", "", f"Generated {report.generated}.", "",
           *(f"- {line}" for line in _totals(report)), "", "## Conformance matrix", "",
           "Each cell: specs passed / run, per level; n/a: not applicable to the target.", "",
           "| " + " | ".join(["Role", "Target", "Command", "Origin", *report.families,
                               "MUST", "SHOULD", "Verdict", "First failure", "Events"]) + " |",
           "|" + "---|" * (len(report.families) + 9)]
    for row in report.rows:
        cells = [row.role, row.name, f"`{row.command}`" if "`" not in row.command else row.command, row.origin]
        cells = [_md_cell(c) for c in cells]
        for fam in report.families:
            tally = row.cells.get(fam, Tally())
            links = ", ".join(f"[{f.requirement}](#{f.anchor})" for f in _first_per_requirement(tally.failures))
            cells.append(_md_cell(tally.counts()) + (f" — failed: {links}" if links else ""))
        cells += [f"{row.overall.passed[level]}/{row.overall.total[level]}" for level in LEVELS]
        first = row.overall.failures[0] if row.overall.failures else None
        cells += [f"**{row.verdict}**", f"[{first.requirement}](#{first.anchor})" if first else "—",
                  f"[{len(row.events)}](#events-{row.anchor})" if row.events else "0"]
        out.append("| " + " | ".join(cells) + " |")
    unrun = _unrun(payload)
    if unrun:
        out += ["", "## Submissions not run", "",
                *(f"- **{s['name']}** (`{s.get('source', '')}`): {s['problem']}" for s in unrun)]
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


def report_format(path: str | Path) -> str:
    """``html`` or ``markdown``, from ``path``'s suffix (any case); ValueError naming the
    supported suffixes otherwise. Lets a caller reject a bad path before the run."""
    suffix = Path(path).suffix
    fmt = FORMATS.get(suffix.lower())
    if fmt is None:
        raise ValueError(f"conformance report {str(path)!r}: unsupported extension {suffix or '(none)'!r};"
                         f" use one of {', '.join(FORMATS)}")
    return fmt


def write_report(payload: Mapping[str, Any], path: str | Path, *, generated: datetime | None = None) -> None:
    """Write the report of ``payload`` (the ``--netconform-json`` payload) to ``path``.

    The format follows the suffix: ``.html`` / ``.htm`` (a self-contained page) or ``.md``;
    any other suffix raises ValueError. ``generated`` is the time shown (default: now, UTC).
    """
    render = render_html if report_format(path) == "html" else render_markdown
    path = Path(path)
    path.write_text(render(payload, generated), encoding="utf-8")
