"""The one tally of a run's verdicts, and the report's model built on it.

:class:`Tally` is where verdicts are counted, the only place: specs passed out of those run, per
level (MUST / SHOULD), plus the ones not applicable, not judged (blocked) or not run (skipped). The
terminal matrix (``matrix.py``), the HTML and Markdown report (``html.py``, ``document.py``) and
Gradescope's scores (``gradescope.py``) all read tallies of the same typed verdicts.

:func:`build` takes the payload the plug-in writes with ``--netconform-json`` (``requirements``,
``targets``, ``results``), reads its results as :class:`~..judge.verdicts.Verdict` records and
tallies them per target and family (``GREET``, ``LOG``...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..judge.requirements import LEVELS, family_of
from ..judge.verdicts import Verdict

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown"}

@dataclass
class Tally:
    """Verdicts of some specs: passed / run per level, not applicable, not judged and skipped (per level),
    failures."""

    passed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    na: int = 0
    unjudged: dict[str, int] = field(default_factory=dict)  # blocked: a more basic requirement failed first
    unrun: dict[str, int] = field(default_factory=dict)  # skipped otherwise (a capability is missing)
    failures: list[Failure] = field(default_factory=list)

    @classmethod
    def of(cls, verdicts: Iterable[Verdict]) -> Tally:
        """The tally of ``verdicts``."""
        tally = cls()
        for verdict in verdicts:
            tally.add(verdict)
        return tally

    def add(self, verdict: Verdict, failure: Failure | None = None) -> None:
        """Count ``verdict`` (``failure``: where a report lists it, if it failed)."""
        level, outcome = verdict.level, verdict.outcome
        if outcome == "not applicable":
            self.na += 1
            return
        if outcome == "blocked":
            self.unjudged[level] = self.unjudged.get(level, 0) + 1
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

    @property
    def blocked(self) -> int:
        """Specs not judged (of any level): a more basic requirement failed first."""
        return sum(self.unjudged.values())

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


def build(payload: Mapping[str, Any], generated: datetime | None = None) -> Report:
    """Count the payload's verdicts per target and family."""
    requirements: dict[str, Mapping[str, Any]] = dict(payload.get("requirements", {}))
    results = [Verdict.from_json(r) for r in payload.get("results", [])]
    seen = {key: i for i, key in reversed(list(enumerate((r.role, r.target) for r in results)))}
    results.sort(key=lambda r: (seen[(r.role, r.target)], r.rank))  # root cause first
    for res in results:  # a requirement the payload does not describe still gets an anchor
        requirements.setdefault(res.requirement, {"level": res.level, "text": "(not in specs/SPEC.md)",
                                                  "section": ""})
    anchors = _Anchors()
    anchors.used.update(req_anchor(r) for r in requirements)
    rows: dict[tuple[str, str], Row] = {}
    run = {(r.role, r.target) for r in results}  # targets with no verdict (deselected) get no row
    declared = [(t["role"], t["name"], t) for t in payload.get("targets", [])]
    for role, name, target in declared + [(r.role, r.target, {}) for r in results]:
        if (role, name) in run and (role, name) not in rows:
            rows[role, name] = Row(role, name, str(target.get("command", "")), str(target.get("origin", "")),
                                   anchors.new("target", role, name))
    order = {fam: i for i, fam in enumerate(dict.fromkeys(family_of(r) for r in requirements))}
    families = sorted({family_of(r.requirement) for r in results}, key=lambda f: (order.get(f, len(order)), f))
    overall = Tally()
    for res in results:
        row = rows[res.role, res.target]
        failure = None
        if res.outcome not in ("passed", "skipped"):
            failure = Failure(anchors.new("fail", row.role, row.name, res.requirement), res.requirement,
                              res.level, res.nodeid, res.message, res.cause)
        for tally in (row.cells.setdefault(family_of(res.requirement), Tally()), row.overall, overall):
            tally.add(res, failure)
        row.events += res.events
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return Report(families, list(rows.values()), requirements, overall, when)


def first_per_requirement(failures: Iterable[Failure]) -> list[Failure]:
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


def unrun(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Submissions (``--impl-dir``) in which no program could be found: they have no row."""
    return [s for s in payload.get("submissions", []) if s.get("problem")]


def totals(report: Report) -> list[str]:
    o = report.overall
    conforming = sum(row.verdict == "conforms" for row in report.rows)
    run = sum(o.total.values())
    return [
        f"{len(report.rows)} targets, {conforming} conform (every MUST spec passed)",
        f"{run + o.na + o.skipped} specs: {sum(o.passed.values())} passed, {run - sum(o.passed.values())} failed, "
        f"{o.na} not applicable, {o.skipped} skipped" + (f", {o.blocked} not judged" if o.blocked else ""),
        " · ".join(f"{level} {o.passed[level]}/{o.total[level]}" for level in LEVELS),
    ]



def report_format(path: str | Path) -> str:
    """``html`` or ``markdown``, from ``path``'s suffix (any case); ValueError naming the
    supported suffixes otherwise. Lets a caller reject a bad path before the run."""
    suffix = Path(path).suffix
    fmt = FORMATS.get(suffix.lower())
    if fmt is None:
        raise ValueError(f"conformance report {str(path)!r}: unsupported extension {suffix or '(none)'!r};"
                         f" use one of {', '.join(FORMATS)}")
    return fmt
