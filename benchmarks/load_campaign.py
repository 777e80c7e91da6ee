#!/usr/bin/env python3
"""Load campaign: every known-bad fixture and every book program, N rounds under load; do failed sets change?

Each round runs every known-bad fixture in the runs of ``tests/test_bad_fixtures.py`` (``_runs()``, with its options:
``-n 2`` for groups of ``PARALLEL_FROM`` or more, ``--net-timeout 2``), then every book program as
``tests/test_book_programs.py`` runs it (``python2 fixtures/book/NAME.py``, port 1234, ``-m must --net-timeout 2``, a
network namespace each), through ``tests.suite.run_suite``, and records each program's failed set (the requirements
whose ``--netconform-json`` outcome is ``failed``, and, marked ``~``, those ``blocked``) under load (``--load``):
``matrix``, another netconform run beside it (``pytest specs -n 2 -p no:randomly -q``, started again whenever it ends);
``cpu``, two busy loops; ``both``; ``none``. It reports every set that changed between rounds, every one other than
declared (``Breaks:`` and ``Blocks:``; ``Startup:``: all; the book test's), and whether the code under test (a digest of
specs/, reference/, fixtures/, tests/) changed during a round. The load's process groups are ended (``killpg``) and
reaped at exit, on Ctrl-C and SIGTERM too; any process still carrying the campaign's ``NETCONFORM_RUN`` then is reported
and killed.

Exit status: 0 no failed set changed; 1 some did; 2 the campaign was cut short (``--seconds``). For example:
    .venv/bin/python benchmarks/load_campaign.py --rounds 5 --json /tmp/load_campaign.json  # (--only one_client: one)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's tests/ package (not installed): its helpers are reused, not copied

from netconform.specs.harness.launch.capabilities import CAPABILITIES, available  # noqa: E402
from tests.suite import run_suite, suite_env  # noqa: E402
from tests.test_bad_fixtures import PARALLEL_FROM, _runs  # noqa: E402
from tests.test_book_programs import PASSING  # noqa: E402

#: The book's programs as tests/test_book_programs.py runs them: (program, role, its extra options).
BOOK = [*((p, r, ()) for p, r in PASSING), ("poll_server", "logger-server", ("--requirement", "LOG-2"))]
BOOK_FAILS = {"poll_server": ("LOG-2",)}  # what the book test expects to fail; the others pass every MUST
BUSY = 2  # busy-loop processes of the cpu load
MATRIX = [sys.executable, "-m", "pytest", "specs", "-n", "2", "-p", "no:randomly", "-q"]
MAX_MATRIX_RUNS = 200  # the matrix load's loop is bounded in count, as well as by the campaign's time
GRACE = 5.0  # seconds a stopped process group has after SIGTERM, before SIGKILL
Result = tuple[str, ...] | str  # failed IDs, then "~ID" for each not judged, sorted; or why none ("no verdict"...)


@dataclass(frozen=True)
class Program:
    """One program judged in a job: its key in the report, its target and role, what it declares failing."""
    key: str  # ROLE:NAME
    target: str
    role: str
    declared: tuple[str, ...] | None  # None: a Startup: fixture, every spec of its role fails
    blocks: tuple[str, ...] | None = None  # "~ID" for each declared not judged (Blocks:); None: not declared


@dataclass
class Job:
    """One pytest process of a round: its options and the programs it judges."""
    label: str
    args: list[str]
    programs: list[Program]
    own_network: bool = False
    timeout: float = 550  # as tests/test_bad_fixtures.py (the book's: run_suite's default, 300)
    skip: str | None = None


@dataclass
class Round:
    """One round: each program's result, its wall time, the mismatches with the declared sets."""
    index: int
    results: dict[str, Result] = field(default_factory=dict)
    walls: dict[str, float] = field(default_factory=dict)  # job label -> seconds
    wall: float = 0.0
    load_average: float = 0.0  # the 1-minute load average at the end of the round
    mismatches: list[tuple[str, Result, tuple[str, ...]]] = field(default_factory=list)
    code: tuple[str, str] = ("", "")  # code_state() at the round's start and end
    messages: dict[str, dict[str, str]] = field(default_factory=dict)  # program -> failed requirement -> summary


def code_state() -> str:
    """The commit checked out, and a digest of the code under test as it is now (``git status`` aside)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip()
    digest = hashlib.sha256()
    for path in sorted(p for d in ("specs", "reference", "fixtures", "tests") for p in (ROOT / d).rglob("*.py")):
        with contextlib.suppress(OSError):  # a file removed meanwhile
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return f"{head}+{digest.hexdigest()[:10]}"


def jobs(only: str | None) -> list[Job]:
    """Every run of a round: the known-bad fixtures' runs (tests/test_bad_fixtures.py), then the book's programs."""
    pick = re.compile(only or "")
    out = []
    for label, group in _runs():
        fixtures = [f for f in group if pick.search(f"{f.role}:{f.name}")]
        if not fixtures:
            continue
        args = [a for f in fixtures for a in ("--impl", f.impl())]
        if len(fixtures) >= PARALLEL_FROM:  # as test_known_bad_fixtures_fail_exactly_what_they_break does
            args += ["-n", "2"]
        skip = CAPABILITIES["netjail"].missing if fixtures[0].as_written and not available("netjail") else None
        out.append(Job(label, [*args, *fixtures[0].options, "--net-timeout", "2"],
                       [Program(f"{f.role}:{f.name}", f.name, f.role, None if f.startup else tuple(sorted(f.breaks)),
                                tuple(sorted(f"~{b}" for b in f.blocks))) for f in fixtures], skip=skip))
    missing = "; ".join(CAPABILITIES[c].missing for c in ("python2", "netns") if not available(c)) or None
    for program, role, extra in BOOK:
        name = f"book_{program}"
        if pick.search(f"{role}:{name}"):
            impl = f"{role}:{name}=python2 fixtures/book/{program}.py"  # as tests/test_book_programs.run_book
            out.append(Job(name, ["--impl", impl, "-m", "must", "--net-timeout", "2", *extra],
                           [Program(f"{role}:{name}", name, role, BOOK_FAILS.get(program, ()))],
                           own_network=True, timeout=300, skip=missing))
    return out


def run_job(job: Job, rnd: Round, work: Path, marker: str, deadline: float) -> None:
    """Run ``job`` once; record each of its programs' result (and mismatch) in ``rnd``."""
    left = deadline - time.monotonic()
    if job.skip or left < 30:
        why = f"skipped: {job.skip}" if job.skip else "not run: the time limit (--seconds)"
        rnd.results.update(dict.fromkeys((p.key for p in job.programs), why))
        return
    start, log = time.monotonic(), Path(tempfile.gettempdir()) / f"{marker}.log"  # kept: a run that went wrong
    try:
        run = run_suite(job.args, work, timeout=min(job.timeout, left), own_network=job.own_network,
                        env={"NETCONFORM_RUN": marker})
        results = run.results
    except subprocess.TimeoutExpired as exc:
        results, why = [], f"no verdict: the run was killed after {exc.timeout:.0f} s"
    else:
        why = f"no verdict (exit {run.returncode}, output in {log}): {(run.output.strip().splitlines() or [''])[-1]}"
        if run.returncode not in (0, 1):  # 0: all passed, 1: some failed; 2 and up: interrupted, usage, internal
            log.write_text(run.output)
    rnd.walls[job.label] = time.monotonic() - start
    for p in job.programs:
        mine = [r for r in results if r["target"] == p.target and r["role"] == p.role]
        verdicts = {str(r["requirement"]): str(r["outcome"]) for r in mine if r["outcome"] in ("failed", "blocked")}
        got: Result = tuple(sorted(r if o == "failed" else f"~{r}" for r, o in verdicts.items())) if mine else why
        declared = p.declared if p.declared is not None else tuple(sorted({str(r["requirement"]) for r in mine}))
        declared = tuple(sorted(declared + (p.blocks or tuple(g for g in got if g.startswith("~")))))
        rnd.results[p.key] = got
        rnd.messages[p.key] = {str(r["requirement"]): str(r["summary"]) for r in mine if r["outcome"] == "failed"}
        if got != declared:
            rnd.mismatches.append((p.key, got, declared))


def end_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop ``proc``'s process group (SIGTERM, then SIGKILL after GRACE) and reap ``proc``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=GRACE)
    proc.wait()


class Load:
    """The load beside the campaign: the matrix, started again whenever it ends, and busy loops."""

    def __init__(self, kind: str, marker: str, seconds: float, work: Path) -> None:
        self.kind, self.marker, self.work = kind, marker, work
        self.seconds, self.until = seconds, time.monotonic() + seconds
        self.stopping = threading.Event()
        self.procs: list[subprocess.Popen[bytes]] = []  # every process started, to be stopped and reaped
        self.finished: list[tuple[int, float]] = []  # (exit status, wall time) of each matrix run that ended
        self.thread = threading.Thread(target=self._matrix, name="matrix-load", daemon=True)

    def start(self) -> None:
        if self.kind in ("cpu", "both"):  # bounded in time too: each ends by itself after the campaign's limit
            code = f"import time\nend = time.monotonic() + {self.seconds:.0f}\nwhile time.monotonic() < end:\n  pass\n"
            self.procs += [subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
                           for _ in range(BUSY)]
        self.thread.start()  # returns at once without the matrix load

    def _matrix(self) -> None:
        for n in range(MAX_MATRIX_RUNS):
            if self.kind not in ("matrix", "both") or self.stopping.is_set() or time.monotonic() >= self.until:
                return
            (tmp := self.work / f"matrix-{n}").mkdir()
            start, env = time.monotonic(), {**suite_env(f"{self.marker}-matrix-{n}"), "TMPDIR": str(tmp)}
            proc = subprocess.Popen(MATRIX, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            self.procs.append(proc)
            while proc.poll() is None:
                if self.stopping.wait(0.5) or time.monotonic() >= self.until:
                    end_group(proc)
                    return
            self.finished.append((proc.returncode, time.monotonic() - start))

    def stop(self) -> None:
        """End the matrix loop and every process group it started; reap them all."""
        self.stopping.set()
        self.thread.join(timeout=3 * GRACE)
        for proc in self.procs:
            end_group(proc)

    def describe(self) -> str:
        parts = []
        if self.kind in ("matrix", "both"):
            exits = {s: [x for x, _w in self.finished].count(s) for s, _w in sorted(self.finished)}
            walls = sorted(w for _s, w in self.finished)
            median = f", median {walls[len(walls) // 2]:.0f} s each" if walls else ""
            parts.append(f"the matrix (`{' '.join(MATRIX[2:])}`) started again whenever it ended: "
                         f"{len(self.finished)} runs finished{median}, exit statuses {exits or 'none'}")
        if self.kind in ("cpu", "both"):
            parts.append(f"{BUSY} busy-loop processes")
        return "; ".join(parts) or "none"


def run_of(proc: psutil.Process) -> str:
    """``proc``'s NETCONFORM_RUN marker ("": none, or the process is gone)."""
    try:
        return str(proc.environ().get("NETCONFORM_RUN", "")) if proc.pid != os.getpid() else ""
    except (psutil.Error, OSError):
        return ""


def marked(prefix: str) -> list[psutil.Process]:
    """Live processes whose NETCONFORM_RUN starts with ``prefix`` (the campaign's runs, and the load's)."""
    return [proc for proc in psutil.process_iter(["cmdline"]) if run_of(proc).startswith(prefix)]


def left_behind(prefix: str) -> list[str]:
    """What is still alive a while after the campaign (its watchdogs end targets within seconds); killed."""
    deadline = time.monotonic() + 10
    while marked(prefix) and time.monotonic() < deadline:
        time.sleep(0.5)
    found = marked(prefix)
    for proc in found:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    return [f"{proc.pid} {' '.join(proc.info['cmdline'] or [])[:160]}" for proc in found]


def changed(rounds: list[Round]) -> dict[str, list[tuple[int, Result]]]:
    """Program -> (round, result) of each round that judged it, for the programs whose result was not always one."""
    out: dict[str, list[tuple[int, Result]]] = {}
    for key in dict.fromkeys(k for rnd in rounds for k in rnd.results):
        seen = [(rnd.index, rnd.results[key]) for rnd in rounds if key in rnd.results
                and not str(rnd.results[key]).startswith(("skipped", "not run"))]
        if len({r for _i, r in seen}) > 1:
            out[key] = seen
    return out


def show(result: Result) -> str:
    return result if isinstance(result, str) else "{" + ", ".join(result) + "}"


def summary(rounds: list[Round], js: list[Job], load: Load, wall: float, loads: tuple[float, float],
            left: list[str], asked: int) -> tuple[str, dict[str, list[tuple[int, Result]]]]:
    programs = [p for job in js for p in job.programs]
    book = sum(1 for job in js if job.own_network)  # the book's programs: one each
    diff = changed(rounds)
    lines = [f"Load campaign: {len(programs)} programs ({len(programs) - book} known-bad fixtures in "
             f"{len(js) - book} runs, {book} book programs in runs of their own), {len(rounds)} rounds "
             f"(of {asked} asked), wall time {wall:.0f} s ({wall / 60:.1f} min).",
             f"Load: {load.describe()}.",
             f"Machine: {platform.system()} {platform.release()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}; load average {loads[0]:.2f} at the start, {loads[1]:.2f} at the end.",
             "Rounds: " + "; ".join(f"{r.index}: {r.wall:.0f} s (load average {r.load_average:.1f})" for r in rounds)]
    states = list(dict.fromkeys(s for r in rounds for s in r.code))  # the same digest: a new commit alone is no change
    lines.append(f"Code under test: {', '.join(states)} (commit+digest), the same in every round." if len({
                 s.partition('+')[2] for s in states}) == 1 else
                 "Code under test CHANGED during the campaign (a change of failed set may be the code's): " +
                 "; ".join(f"round {r.index} {r.code[0]} -> {r.code[1]}" for r in rounds))
    skipped = sorted({f"{job.label}: {job.skip}" for job in js if job.skip})
    lines += ["Skipped: " + "; ".join(skipped)] if skipped else []
    lines += ["", f"Changed failed (and ~blocked) sets (not the same in every round): {len(diff)}"]
    lines += [f"- {key}: " + "; ".join(f"round {i} {show(r)}" for i, r in seen) for key, seen in diff.items()]
    grouped: dict[tuple[str, Result, tuple[str, ...]], list[int]] = {}
    for rnd in rounds:
        for key, got, declared in rnd.mismatches:
            grouped.setdefault((key, got, declared), []).append(rnd.index)
    lines += ["", f"Sets other than declared (Breaks:, ~Blocks:, Startup:, the book test's): {len(grouped)}"]
    lines += [f"- {key}: failed {show(got)}, declared {show(declared)} (rounds {', '.join(map(str, idx))})"
              for (key, got, declared), idx in grouped.items()]
    lines += ["", f"Left behind at the end (killed): {len(left) or 'nothing'}", *[f"- {item}" for item in left]]
    return "\n".join(lines) + "\n", diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds over every program (5)")
    parser.add_argument("--load", choices=["matrix", "cpu", "both", "none"], default="both",
                        help="what runs beside the campaign (both: the matrix with -n 2, and 2 busy loops)")
    parser.add_argument("--only", metavar="PATTERN", help="only the programs whose ROLE:NAME matches this regex")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every round's failed sets there")
    parser.add_argument("--seconds", type=float, default=3600, metavar="LIMIT",
                        help="bound on the whole campaign: no run starts, nor lasts, past it (3600)")
    args = parser.parse_args(argv)
    js = jobs(args.only)
    if not js:
        parser.error(f"no program matches {args.only!r}")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: stop the load, report the rounds that ended
    start, loads = time.monotonic(), (os.getloadavg()[0], 0.0)
    deadline = start + args.seconds
    tag = f"load-campaign-{uuid.uuid4().hex[:8]}"
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="netconform-load-") as folder:
        load = Load(args.load, tag, args.seconds + 60, Path(folder))
        try:
            load.start()
            for index in range(1, args.rounds + 1):
                if time.monotonic() > deadline - 30:
                    break
                rnd, began = Round(index, code=(code_state(), "")), time.monotonic()
                for n, job in enumerate(js):
                    run_job(job, rnd, Path(folder), f"{tag}-{index}-{n}", deadline)
                    print(f"round {index} {job.label}: {rnd.walls.get(job.label, 0):.1f} s, " + ", ".join(
                        f"{p.key} {show(rnd.results[p.key])}" for p in job.programs), flush=True)
                rnd.wall, rnd.load_average = time.monotonic() - began, os.getloadavg()[0]
                rnd.code = (rnd.code[0], code_state())
                rounds.append(rnd)
                print(f"round {index}: {rnd.wall:.0f} s, load average {rnd.load_average:.1f}, "
                      f"{len(rnd.mismatches)} failed sets other than declared", flush=True)
        except KeyboardInterrupt:
            print("interrupted (Ctrl-C or SIGTERM): the load is stopped; the rounds that ended follow", flush=True)
        finally:
            load.stop()
            left = left_behind(tag)
    wall, loads = time.monotonic() - start, (loads[0], os.getloadavg()[0])
    text, diff = summary(rounds, js, load, wall, loads, left, args.rounds)
    print(text)
    cut = len(rounds) < args.rounds or any(str(r).startswith("not run") for rnd in rounds for r in rnd.results.values())
    if args.json:
        args.json.write_text(json.dumps({
            "command": sys.argv, "load": load.describe(), "wall": wall, "load_average": loads, "cut_short": cut,
            "rounds": [asdict(r) for r in rounds],  # results: failed IDs (or why none); walls: per run
            "changed": {k: [{"round": i, "failed": r} for i, r in seen] for k, seen in diff.items()},
            "left_behind": left}, indent=1) + "\n")
    return 1 if diff else 2 if cut else 0


if __name__ == "__main__":
    sys.exit(main())
