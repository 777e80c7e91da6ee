#!/usr/bin/env python3
"""Blocked counts: for every known-bad fixture, which requirements a harness leaves not judged (``blocked``).

Runs every known-bad fixture under ``fixtures/bad/<role>/`` in the runs of ``tests/test_bad_fixtures.py`` (through
``load_campaign.jobs()``: at most ``PER_RUN`` fixtures per pytest process, ``-n 2`` from ``PARALLEL_FROM``, each
fixture's ``Options:``, ``--net-timeout 2``), judged by the harness of ``--checkout`` (``pytest specs`` there, by its
``.venv/bin/python`` if it has one, else this interpreter). The fixtures are this checkout's (``tests.suite``'s
parsing, their docstring format being the current one), or ``--fixtures``; each is named by its absolute path, so an
older checkout judges the current fixtures. A requirement is blocked for a fixture if any of its results for that
target is ``blocked``; failed likewise. Prints how many fixtures have any blocked requirement, the median and maximum
count per fixture, and each fixture's failed and blocked sets. A run that gives some fixtures no verdict (an option or
transport the harness does not know fails the whole pytest process) is split until each such fixture runs alone:
those reported as "cannot run" have no verdict on their own, and are left out of the distribution.

    .venv/bin/python benchmarks/blocked_counts.py --json /tmp/blocked_after.json
    .venv/bin/python benchmarks/blocked_counts.py --checkout /tmp/old --fixtures fixtures/bad --json /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's tests/ and benchmarks/ (not installed): their helpers are reused

from benchmarks import load_campaign  # noqa: E402
from benchmarks.load_campaign import Job, Program, end_group, left_behind  # noqa: E402
from tests import suite, test_bad_fixtures  # noqa: E402
from tests.suite import BadFixture, bad_fixtures, suite_env  # noqa: E402


@dataclass(frozen=True)
class Judged(BadFixture):
    """A fixture as another checkout runs it: by its absolute path (the harness runs from that checkout's folder),
    with that checkout's Python (as ``BadFixture.impl`` runs it with the suite's own)."""
    python: str = sys.executable

    def impl(self) -> str:
        with mock.patch.object(suite, "ROOT", self.path.parent):  # impl()'s path relative to the root: the name alone
            head, command = super().impl().split("=", 1)
        if command == self.path.name:  # a module target (quote-module): its file
            return f"{head}={self.path}"
        ours = f"{sys.executable} {self.path.name}"
        if not command.startswith(ours):
            raise ValueError(f"unexpected --impl form for {self.path}: {head}={command}")
        return f"{head}={self.python} {self.path}{command[len(ours):]}"


@dataclass
class Outcome:
    """One fixture's verdicts: the requirements failed and blocked (with what blocks each), or why it has none."""
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    blocked_by: dict[str, list[str]] = field(default_factory=dict)
    problem: str = ""  # "cannot run: ...", "skipped: ...", "no verdict: ..."; "" when judged


@dataclass
class Campaign:
    """Where and how the runs go, and what they found."""
    checkout: Path
    python: str
    work: Path
    tag: str
    impls: dict[str, str]  # ROLE:NAME -> its --impl value
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    walls: list[tuple[str, int, float, int | None]] = field(default_factory=list)  # label, fixtures, s, exit
    count: int = 0


def plan(fixtures_dir: Path, python: str, only: str | None) -> tuple[list[Job], dict[str, str]]:
    """The known-bad fixtures' runs (the book's programs left out), and each fixture's ``--impl``."""
    with mock.patch.object(suite, "BAD", fixtures_dir):
        found = [Judged(**{f.name: getattr(x, f.name) for f in fields(x)}, python=python) for x in bad_fixtures()]
    impls = {f"{f.role}:{f.name}": f.impl() for f in found}
    with mock.patch.object(test_bad_fixtures, "FIXTURES", found):
        js = [j for j in load_campaign.jobs(re.escape(only) if only else None) if not j.own_network]  # --only: text
    return js, impls


def narrowed(args: list[str], keep: set[str]) -> list[str]:
    """``args`` without the ``--impl`` options whose value is not in ``keep``."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if (arg == "--impl" and args[i + 1] not in keep) or (i and args[i - 1] == "--impl" and arg not in keep):
            continue
        out.append(arg)
    return out


def run_pytest(c: Campaign, args: list[str], timeout: float) -> tuple[int | None, list[dict[str, Any]], Path]:
    """``pytest specs ARGS`` in the checkout: exit status (None: killed at ``timeout``), results, output file."""
    c.count += 1
    run_id = f"{c.tag}-{c.count}"
    out, log = c.work / f"{run_id}.json", c.work / f"{run_id}.log"
    cmd = [c.python, "-m", "pytest", "specs", "-q", "-p", "no:randomly", "--netconform-json", str(out), *args]
    env = {**suite_env(run_id), "HYPOTHESIS_STORAGE_DIRECTORY": str(c.checkout / ".hypothesis")}
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=c.checkout, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            status: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            end_group(proc)
            status = None
    results = json.loads(out.read_text())["results"] if out.exists() else []
    return status, results, log


def order(requirement: str) -> tuple[str, int]:
    """GREET-2 before GREET-10."""
    family, _, number = requirement.rpartition("-")
    return (family, int(number)) if number.isdigit() else (requirement, 0)


def measure(c: Campaign, label: str, programs: list[Program], args: list[str], timeout: float) -> None:
    """Run ``programs`` in one pytest process; those without a verdict again, in halves, until each runs alone."""
    start = time.monotonic()
    status, results, log = run_pytest(c, args, timeout)
    c.walls.append((label, len(programs), time.monotonic() - start, status))
    print(f"{label}: {len(programs)} fixtures, {c.walls[-1][2]:.1f} s, exit {status}", flush=True)
    missing = []
    for p in programs:
        mine = [r for r in results if r["target"] == p.target and r["role"] == p.role]
        if not mine:
            missing.append(p)
            continue
        blocked_by: dict[str, set[str]] = {}
        for r in mine:
            if r["outcome"] == "blocked":
                blocked_by.setdefault(str(r["requirement"]), set()).add(str(r.get("blocked_by") or "?"))
        failed = {str(r["requirement"]) for r in mine if r["outcome"] == "failed"}
        c.outcomes[p.key] = Outcome(sorted(failed, key=order), sorted(blocked_by, key=order),
                                    {k: sorted(blocked_by[k], key=order) for k in sorted(blocked_by, key=order)})
    if not missing:
        return
    if status is None or len(programs) == 1:  # killed (halves would be killed too), or alone: no verdict
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
        last = [line for line in lines if "error" in line.lower()][-1:] or lines[-1:] or [""]  # pytest's usage error
        kept = Path(shutil.copy(log, tempfile.gettempdir()))  # the run's folder goes at the end: its output stays
        why = f"killed after {timeout:.0f} s" if status is None else f"exit {status}: {last[0][:200]} (output {kept})"
        for p in missing:
            c.outcomes[p.key] = Outcome(problem=("no verdict: " if status is None else "cannot run: ") + why)
        return
    halves = [missing] if len(missing) < len(programs) else [missing[: len(missing) // 2], missing[len(missing) // 2:]]
    for n, part in enumerate(halves, 1):
        if part:
            measure(c, f"{label}.{n}", part, narrowed(args, {c.impls[p.key] for p in part}), timeout)


def distribution(outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """The judged fixtures' blocked counts: how many fixtures, how many with any blocked, median and max."""
    counts = [len(o.blocked) for o in outcomes.values() if not o.problem]
    return {"fixtures": len(counts), "with_blocked": sum(1 for n in counts if n),
            "median": statistics.median(counts) if counts else 0, "max": max(counts, default=0),
            "total_blocked": sum(counts)}


def report(c: Campaign, wall: float, left: list[str], code: tuple[dict[str, str], dict[str, str]]) -> str:
    d = distribution(c.outcomes)
    lines = [f"Blocked counts: harness of {c.checkout} ({c.python}), {len(c.outcomes)} known-bad fixtures in "
             f"{len(c.walls)} pytest runs, wall time {wall:.0f} s.",
             "Code (commit+digest): " + "; ".join(f"{k} {v}" + (f" CHANGED to {code[1][k]} during the runs"
                                                               if code[1][k] != v else "") for k, v in code[0].items()),
             f"Judged: {d['fixtures']} fixtures; with any blocked requirement: {d['with_blocked']}; blocked per "
             f"fixture: median {d['median']:g}, max {d['max']}, total {d['total_blocked']}."]
    problems = {k: o.problem for k, o in c.outcomes.items() if o.problem}
    if problems:
        lines += [f"Not in the distribution: {len(problems)}", *[f"- {k}: {why}" for k, why in problems.items()]]
    lines += ["", f"{'fixture':<52} {'#blk':>4}  failed | blocked (by)"]
    for key, o in sorted(c.outcomes.items(), key=lambda kv: (-len(kv[1].blocked), kv[0])):
        if not o.problem:
            by = ", ".join(f"{r} ({'/'.join(b)})" for r, b in o.blocked_by.items())
            lines.append(f"{key:<52} {len(o.blocked):>4}  {{{', '.join(o.failed)}}} | {{{by}}}")
    if left:
        lines += ["", f"Left behind at the end (killed): {len(left)}", *[f"- {item}" for item in left]]
    return "\n".join(lines) + "\n"


def states(checkout: Path) -> dict[str, str]:
    """The judging checkout's and this one's (the fixtures') commit and code digest (``load_campaign.code_state``)."""
    out = {}
    for root in dict.fromkeys((checkout, ROOT)):
        with mock.patch.object(load_campaign, "ROOT", root):
            out[str(root)] = load_campaign.code_state()
    return out


def interpreter(checkout: Path) -> str:
    """The checkout's own venv Python if it has one, else this one (warned when its netconform is elsewhere)."""
    own = checkout / ".venv" / "bin" / "python"
    if own.exists():
        return str(own)
    where = subprocess.run([sys.executable, "-c", "import netconform; print(list(netconform.__path__)[0])"],
                           capture_output=True, text=True, check=False).stdout.strip()
    if where and Path(where).resolve() != checkout:
        print(f"warning: {checkout} has no .venv; this interpreter's netconform is {where}", file=sys.stderr)
    return sys.executable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the netconform checkout whose harness judges")
    parser.add_argument("--fixtures", type=Path, default=suite.BAD, help="the known-bad fixtures (this checkout's)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write each fixture's failed and blocked sets there")
    parser.add_argument("--only", metavar="SUBSTRING", help="only the fixtures whose ROLE:NAME contains this")
    args = parser.parse_args(argv)
    checkout, fixtures_dir = args.checkout.resolve(), args.fixtures.resolve()
    python = interpreter(checkout)
    js, impls = plan(fixtures_dir, python, args.only)
    if not js:
        parser.error(f"no known-bad fixture under {fixtures_dir} matches {args.only!r}")
    start, tag, before = time.monotonic(), f"blocked-counts-{uuid.uuid4().hex[:8]}", states(checkout)
    with tempfile.TemporaryDirectory(prefix="netconform-blocked-") as folder:
        c = Campaign(checkout, python, Path(folder), tag, impls)
        try:
            for job in js:
                if job.skip:
                    c.outcomes.update({p.key: Outcome(problem=f"skipped: {job.skip}") for p in job.programs})
                else:
                    measure(c, job.label, job.programs, job.args, job.timeout)
        finally:
            left = left_behind(tag)
    wall, code = time.monotonic() - start, (before, states(checkout))
    print(report(c, wall, left, code))
    if args.json:
        args.json.write_text(json.dumps({
            "command": sys.argv, "checkout": str(checkout), "python": python, "fixtures": str(fixtures_dir),
            "wall": wall, "code": code, "distribution": distribution(c.outcomes),
            "runs": [{"label": label, "fixtures": n, "wall": w, "exit": s} for label, n, w, s in c.walls],
            "results": {k: vars(o) for k, o in sorted(c.outcomes.items())}, "left_behind": left}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
