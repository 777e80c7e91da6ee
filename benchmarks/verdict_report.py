"""verdict_times' report: the table of rows (plain or Markdown), its notes, and the known-bad fixtures' runs.

Both tables name the platform implementation measured (``linux`` or ``portable``: ``--platform``) in a column
of their own, so the lines of two runs can be put side by side."""

from __future__ import annotations

import collections
import statistics
from pathlib import Path

from verdict_runs import Line, Run


def summarise_verdicts(runs: list[Run]) -> str:
    """The runs' verdicts: one if all agree, else each with its count (or the exit codes if many)."""
    if not runs:
        return "-"
    verdicts = collections.Counter(run.verdict for run in runs)
    if len(verdicts) > 3:
        verdicts = collections.Counter(f"exit {run.returncode}" for run in runs)
    if len(verdicts) == 1:
        return next(iter(verdicts))
    return "; ".join(f"{n}x {verdict}" for verdict, n in verdicts.most_common())


def table(lines: list[Line], platform: str) -> tuple[list[str], list[list[str]]]:
    """The header and the cells of the table (``platform``: the implementation measured)."""
    header = ["row", "platform", "runs", "min", "median", "max", "goal", "met?", "verdict"]
    cells = []
    for line in lines:
        if line.skipped:
            cells.append([line.row, platform, "0", "-", "-", "-", line.goal, "-", line.skipped])
            continue
        times = line.times()
        met = line.met()
        mark = ("-" if met is None else ("yes" if met else "NO")) + (" (!)" if line.problems() else "")
        verdict = summarise_verdicts(line.runs) + (" (!)" if line.problems() else "")
        cells.append(
            [
                line.row,
                platform,
                str(len(times)),
                f"{min(times):.2f} s",
                f"{statistics.median(times):.2f} s",
                f"{max(times):.2f} s",
                line.goal,
                mark,
                verdict,
            ]
        )
    return header, cells


def notes_of(lines: list[Line]) -> list[str]:
    """The notes and unexpected verdicts under the table."""
    notes = []
    for line in lines:
        if line.note:
            notes.append(f"{line.row}: {line.note}")
        notes += [f"(!) {problem}" for problem in line.problems()]
    return list(dict.fromkeys(notes))


def broken_details(
    details: list[tuple[Path, str, Run]], repo: Path, platform: str
) -> tuple[list[str], list[list[str]]]:
    """One row per known-bad fixture run: its platform, time, verdict, what it breaks and what failed."""
    header = ["fixture", "platform", "seconds", "verdict", "breaks", "failed requirements"]
    cells = [
        [
            str(path.relative_to(repo / "fixtures" / "bad")),
            platform,
            f"{run.seconds:.2f}",
            run.verdict + (" (!)" if run.problem else ""),
            breaks,
            ", ".join(run.failed_requirements) or "-",
        ]
        for path, breaks, run in details
    ]
    return header, cells


def plain(header: list[str], cells: list[list[str]]) -> str:
    """A table in fixed-width columns."""
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *cells]
    )


def markdown(header: list[str], cells: list[list[str]]) -> str:
    """A table in Markdown."""

    def row(values: list[str]) -> str:
        return "| " + " | ".join(value.replace("|", "\\|") for value in values) + " |"

    return "\n".join([row(header), row(["---"] * len(header)), *(row(values) for values in cells)])


def report(
    facts: list[tuple[str, str]],
    lines: list[Line],
    details: list[tuple[Path, str, Run]],
    repo: Path,
    *,
    as_markdown: bool,
    platform: str,
) -> str:
    """The whole report, as plain text or Markdown; ``platform``: the implementation measured (its own column)."""
    render = markdown if as_markdown else plain
    method = (
        "wall time of each whole process (time.monotonic around it); user-program rows run from a "
        "fresh temporary folder outside the checkout"
    )
    out = []
    if as_markdown:
        out += [f"- {name}: {value}" for name, value in [("method", method), *facts]]
    else:
        out += ["setup", *(f"  {name + ':':<22} {value}" for name, value in [("method", method), *facts])]
    out += ["", render(*table(lines, platform))]
    notes = notes_of(lines)
    if notes:
        out += ["", *(f"- {note}" if as_markdown else note for note in notes)]
    if details:
        out += ["", "known-bad fixtures (broken), one line per run:", ""]
        out += [render(*broken_details(details, repo, platform))]
    return "\n".join(out) + "\n"

