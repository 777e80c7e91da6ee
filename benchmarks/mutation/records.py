"""The campaign's two files, and the table made from them.

``results.json`` holds every verdict: per module, per mutant (its key), the outcome, what killed
it, the seconds it took, and ``judged_with``: a digest of what the verdict depended on (the specs,
the module, the modules of its targets). A verdict whose digest is no longer today's is stale and
is judged again; so a module is rerun when it, what judges it, or the specs change, and only then.

``triage.toml`` explains every survivor, by key, under its module's table (``"*"``: any module)::

    ["reference/select/logger_server.py"]
    equivalent = [{ operator = "...", line = "...", nth = 0, why = "..." }]
    outside_spec = [{ operator = "...", line = "...", why = "..." }]

``equivalent``: no program could tell the mutant from the original. ``outside_spec``: it behaves
differently in a way the chapter does not ask about (``why`` says what and why). ``operator = "*"``
covers every mutant of the line (``nth`` then does not apply). A survivor with no entry is a **gap**.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project's Python 3.10 has tomli (pyproject.toml)
    import tomli as tomllib

KINDS = ("equivalent", "outside_spec")


@dataclass(frozen=True, order=True)
class MutantKey:
    """What names a mutant across edits: module (a path from the checkout), operator, line text, nth."""

    module: str
    operator: str  # cosmic-ray's name without "core/": "ReplaceComparisonOperator_Gt_GtE"
    line: str  # the changed source line, stripped
    nth: int = 0

    def text(self) -> str:
        """One line, as the table and ``show`` print it."""
        return f"{self.module} {self.operator} #{self.nth}: {self.line}"


@dataclass(frozen=True)
class Result:
    """One mutant's verdict."""

    key: MutantKey
    outcome: str  # killed, survived, error
    by: str
    seconds: float
    judged_with: str
    kept_from: str = ""  # a kill kept through a change of the specs (``run --keep-killed``): what judged it


@dataclass(frozen=True)
class Triage:
    """Why a survivor is not a gap."""

    kind: str  # equivalent, outside_spec
    why: str


def load_results(path: Path) -> dict[MutantKey, Result]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    results = {}
    for module, entries in data["modules"].items():
        for entry in entries:
            key = MutantKey(module, entry["operator"], entry["line"], entry.get("nth", 0))
            results[key] = Result(key, entry["outcome"], entry.get("by", ""), entry["seconds"], entry["judged_with"],
                                  entry.get("kept_from", ""))
    return results


def save_results(path: Path, results: Iterable[Result]) -> None:
    """Write every result, sorted by key, one per line (so a diff shows each verdict that changed)."""
    modules: dict[str, list[str]] = {}
    for result in sorted(results, key=lambda r: r.key):
        entry = {k: v for k, v in asdict(result.key).items() if k != "module" and not (k == "nth" and v == 0)}
        entry.update(outcome=result.outcome, by=result.by, seconds=round(result.seconds, 1),
                     judged_with=result.judged_with)
        if result.kept_from:
            entry.update(kept_from=result.kept_from)
        modules.setdefault(result.key.module, []).append(json.dumps(entry, ensure_ascii=False))
    lines = ['{"format": 1, "modules": {']
    for index, (module, entries) in enumerate(modules.items()):
        lines.append(f" {json.dumps(module)}: [")
        lines.extend(f"  {entry}{',' if i < len(entries) - 1 else ''}" for i, entry in enumerate(entries))
        lines.append(" ]" + ("," if index < len(modules) - 1 else ""))
    lines.append("}}")
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)


def load_triage(path: Path) -> dict[tuple[str, str, str, int], Triage]:
    """The triage, keyed by (module or "*", operator, line, nth)."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    triage = {}
    for module, kinds in data.items():
        for kind, entries in kinds.items():
            if kind not in KINDS:
                raise ValueError(f"{path}: [{module}] has {kind!r}: the kinds are {', '.join(KINDS)}")
            for entry in entries:
                if not entry.get("why", "").strip():
                    raise ValueError(f"{path}: [{module}] {entry}: every entry needs its one-line why")
                triage[(module, entry["operator"], entry["line"], entry.get("nth", 0))] = Triage(kind, entry["why"])
    return triage


def triaged(triage: dict[tuple[str, str, str, int], Triage], key: MutantKey) -> Triage | None:
    """The triage entry of ``key``: its module's, or one written for any module; for its operator, or for every
    mutant of its line (``operator = "*"``, written where the whole line only words a message, say)."""
    for module in (key.module, "*"):
        found = triage.get((module, key.operator, key.line, key.nth)) or triage.get((module, "*", key.line, 0))
        if found is not None:
            return found
    return None


@dataclass
class Row:
    """A module's line of the table."""

    module: str
    mutants: int = 0
    killed: int = 0
    kept: int = 0  # of the killed: verdicts kept through a change of the specs (``run --keep-killed``)
    survived: int = 0
    equivalent: int = 0
    outside_spec: int = 0
    gaps: int = 0
    pending: int = 0  # not judged yet, judged with older code, or an error of the campaign

    @property
    def score(self) -> float | None:
        """killed / (mutants - equivalent - outside SPEC), over what has been judged."""
        judged = self.killed + self.gaps
        return self.killed / judged if judged else None


def table(keys: Iterable[MutantKey], results: dict[MutantKey, Result], current: dict[str, str],
          triage: dict[tuple[str, str, str, int], Triage]) -> list[Row]:
    """One row per module: ``current`` maps each module to today's ``judged_with`` digest."""
    rows: dict[str, Row] = {}
    for key in keys:
        row = rows.setdefault(key.module, Row(key.module))
        row.mutants += 1
        result = results.get(key)
        if result is None or result.judged_with != current[key.module] or result.outcome == "error":
            row.pending += 1
        elif result.outcome == "killed":
            row.killed += 1
            row.kept += bool(result.kept_from)
        else:
            row.survived += 1
            entry = triaged(triage, key)
            if entry is None:
                row.gaps += 1
            elif entry.kind == "equivalent":
                row.equivalent += 1
            else:
                row.outside_spec += 1
    return sorted(rows.values(), key=lambda r: r.module)


def markdown(rows: list[Row]) -> str:
    """The table as Markdown, with a total."""
    total = Row("total")
    for row in rows:
        for name in ("mutants", "killed", "kept", "survived", "equivalent", "outside_spec", "gaps", "pending"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    out = ["| module | mutants | killed | of them kept | survived | equivalent | outside SPEC | gaps | pending "
           "| score |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in [*rows, total]:
        score = "–" if row.score is None else f"{100 * row.score:.1f} %"
        name = f"**{row.module}**" if row is total else f"`{row.module}`"
        out.append(f"| {name} | {row.mutants} | {row.killed} | {row.kept} | {row.survived} | {row.equivalent} | "
                   f"{row.outside_spec} | {row.gaps} | {row.pending} | {score} |")
    return "\n".join(out)
