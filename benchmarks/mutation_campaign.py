#!/usr/bin/env python3
"""Mutation campaign over ``reference/``: does the suite notice each small change to a reference?

Every module under ``reference/`` is mutated with cosmic-ray's operators, one change at a time
(``mutation/mutants.py``: mutants that change annotations alone are skipped). Each mutant is judged
by ``pytest specs`` on the reference targets that import the mutated module, found by the import
graph (``mutation/targets.py``), in a copy of the checkout (``mutation/trial.py``); ``-x``: the
first failure kills it. Verdicts are kept in ``mutation/results.json``, written after each one, so a
campaign stopped (Ctrl-C, ``--seconds``) goes on where it stopped, in this session or another, on
this machine or another; a verdict is judged again only when the module, what judges it, or the
specs change. Survivors are explained in ``mutation/triage.toml``; one with no entry is a gap.

Out of scope: ``reference/__init__.py``, the catalogue (data the harness reads, not a program).

    python benchmarks/mutation_campaign.py run                 # every module, 2 workers
    python benchmarks/mutation_campaign.py run reference/_framing.py --workers 2 --seconds 3600
    python benchmarks/mutation_campaign.py table               # the table, from the files
    python benchmarks/mutation_campaign.py gaps                # untriaged survivors, each with its show command
    python benchmarks/mutation_campaign.py show reference/_framing.py NumberReplacer 'if x > 1:' --nth 1

``tox -e mutation -- ARGS`` runs it with cosmic-ray installed. Exit status: 0 no gap and nothing
pending; 1 gaps or pending mutants remain; 2 the campaign could not run (a baseline failed).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.util
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's reference/ package: its catalogue (data) names the targets

from mutation import records, targets  # noqa: E402
from mutation.mutants import Mutant, MutantKey, diff, digest, mutants  # noqa: E402
from mutation.trial import Verdict, Workspace  # noqa: E402

HERE = Path(__file__).resolve().parent / "mutation"
RESULTS = HERE / "results.json"
RUNS = HERE / "runs.jsonl"  # one line per run of the campaign: when, how long, which machine and code
TRIAGE = HERE / "triage.toml"
OUT_OF_SCOPE = ("reference/__init__.py",)
TIMEOUT_FACTOR, TIMEOUT_MARGIN = 3.0, 30.0  # a trial's limit: its baseline's time x 3, + 30 s


def modules(root: Path) -> list[str]:
    """Every module under ``reference/`` with code, in scope."""
    found = sorted(p.relative_to(root).as_posix() for p in (root / "reference").rglob("*.py"))
    return [m for m in found if m not in OUT_OF_SCOPE and (root / m).read_text(encoding="utf-8").strip()]


def judges(root: Path, module: str) -> tuple[list[str], list[str]]:
    """``ROLE=NAME`` of each target that judges ``module``'s mutants, and of each that judges a survivor again."""
    from reference import REFERENCES

    first, again = targets.judging(root, targets.module_name(module), targets.all_targets(REFERENCES))
    return [t.option() for t in first], [t.option() for t in again]


def judged_with(root: Path, module: str, options: list[str], specs_digest: str) -> str:
    """The digest a verdict on ``module``'s mutants depends on: the specs, its source, its targets' modules."""
    from reference import REFERENCES

    wanted = set(options)
    used = sorted({m for t in targets.all_targets(REFERENCES) if t.option() in wanted
                   for m in targets.closure(root, t.module)})
    sources = [(root / str(targets.source_of(root, m))).read_text(encoding="utf-8") for m in used]
    return digest(specs_digest, (root / module).read_text(encoding="utf-8"), *used, *sources)


def specs_digest(root: Path) -> str:
    files = sorted([*(root / "specs").rglob("*.py"), root / "specs" / "SPEC.md", root / "conftest.py"])
    return digest(*(f.relative_to(root).as_posix() + f.read_text(encoding="utf-8") for f in files))


def run(args: argparse.Namespace) -> int:
    chosen = args.modules or modules(ROOT)
    results = records.load_results(RESULTS)
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds if args.seconds else None
    spaces = [Workspace(ROOT, Path(args.scratch) / f"worker{i}") for i in range(args.workers)]
    free = list(spaces)
    base = spaces[0].tree  # the copy as it was made: the checkout may change while the campaign runs
    current_specs = specs_digest(base)
    started, commit = time.monotonic(), _commit()
    judged = [0]  # verdicts given by this run (a mutant judged again counts too)

    stopping = threading.Event()
    killers: list[str] = []  # the target that killed the module's last killed mutant: it runs first in a trial

    def trial(mutant: Mutant, options: tuple[list[str], list[str]], limit: tuple[float, float], stamp: str) -> None:
        if stopping.is_set() or (deadline and time.monotonic() > deadline):
            return
        with lock:
            space = free.pop()
        try:
            with lock:
                first = sorted(options[0], key=lambda t: t not in killers[:1])  # the last killer first
            verdict = space.judge(mutant, first, limit[0])
            if verdict.outcome == "survived" and options[1] and not stopping.is_set():  # the other users, too
                again = space.judge(mutant, options[1], limit[1])
                verdict = Verdict(again.outcome, verdict.seconds + again.seconds, again.by)
        finally:
            with lock:
                free.append(space)
        if stopping.is_set():
            return  # ended by Ctrl-C: not a verdict
        with lock:
            if verdict.target in options[0]:
                killers[:] = [verdict.target]
            results[mutant.key] = records.Result(mutant.key, verdict.outcome, verdict.by, verdict.seconds, stamp)
            judged[0] += 1
            records.save_results(RESULTS, results.values())
        print(f"{verdict.outcome:8} {verdict.seconds:6.1f} s  {mutant.key.text()}  {verdict.by}", flush=True)

    for module in chosen:
        options = judges(base, module)
        stamp = judged_with(base, module, [*options[0], *options[1]], current_specs)
        every = list(mutants(base, module))
        if args.keep_killed:  # kills judged with older specs are kept, marked with the digest they were judged with
            for mutant in every:
                if (old := results.get(mutant.key)) and old.outcome == "killed" and old.judged_with != stamp:
                    results[mutant.key] = dataclasses.replace(old, judged_with=stamp,
                                                              kept_from=old.kept_from or old.judged_with)
            records.save_results(RESULTS, results.values())
        todo = [m for m in every if _wanted(results.get(m.key), stamp, args.keep_killed)]
        if not todo:
            continue
        killers.clear()
        baselines = [spaces[0].judge(None, chosen_targets, 1800) for chosen_targets in options if chosen_targets]
        print(f"== {module}: {len(todo)} mutants to judge on {len(options[0])} targets, survivors again on "
              f"{len(options[1])} (baselines {', '.join(f'{b.outcome} {b.seconds:.1f} s' for b in baselines)})",
              flush=True)
        if any(baseline.outcome != "survived" for baseline in baselines):
            print(f"the unmutated references do not pass ({[b.by for b in baselines]}): no verdict is possible",
                  file=sys.stderr)
            return 2
        seconds = [b.seconds * TIMEOUT_FACTOR + TIMEOUT_MARGIN for b in baselines] + [0.0]
        limit = (seconds[0], seconds[1])
        with ThreadPoolExecutor(args.workers) as pool:
            try:
                list(pool.map(trial, todo, [options] * len(todo), [limit] * len(todo), [stamp] * len(todo)))
            except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (main): end the trials running, keep every verdict so far
                stopping.set()
                for space in spaces:
                    space.end()
                print("interrupted: run again to go on where it stopped", file=sys.stderr)
                _log_run(started, args.workers, judged[0], commit)
                return 130
        if deadline and time.monotonic() > deadline:
            print(f"stopped after --seconds {args.seconds:.0f}: run again to go on", flush=True)
            break
    _log_run(started, args.workers, judged[0], commit)
    print(f"\ncampaign time: {time.monotonic() - started:.0f} s, {args.workers} workers\n")
    return table(argparse.Namespace(modules=chosen))


def _commit() -> str:
    """The checkout's commit (``-dirty``: with changes not committed), as a run starts from it."""
    return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()


def _log_run(started: float, workers: int, new: int, commit: str) -> None:
    """Append this run to ``mutation/runs.jsonl``: when, how long, on which machine, with which code."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    record = {"ended": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "seconds": round(time.monotonic() - started), "workers": workers, "verdicts": new,
              "cpu": cpu, "cpus": os.cpu_count(), "system": platform.platform(), "python": platform.python_version(),
              "commit": commit}
    with RUNS.open("a", encoding="utf-8") as runs:
        runs.write(json.dumps(record) + "\n")


def _wanted(result: records.Result | None, stamp: str, keep_killed: bool) -> bool:
    if result is None or result.outcome == "error":
        return True
    if result.judged_with == stamp:
        return False
    return not (keep_killed and result.outcome == "killed")


def _current(chosen: list[str]) -> tuple[list[MutantKey], dict[str, str]]:
    current_specs = specs_digest(ROOT)
    keys = [m.key for module in chosen for m in mutants(ROOT, module)]
    stamps = {module: judged_with(ROOT, module, [*first, *again], current_specs)
              for module in chosen for first, again in [judges(ROOT, module)]}
    return keys, stamps


def table(args: argparse.Namespace) -> int:
    keys, stamps = _current(args.modules or modules(ROOT))
    results = records.load_results(RESULTS)
    rows = records.table(keys, results, stamps, records.load_triage(TRIAGE))
    print(records.markdown(rows))
    runs = [json.loads(line) for line in RUNS.read_text(encoding="utf-8").splitlines()] if RUNS.exists() else []
    trial = sum(results[k].seconds for k in keys if k in results and results[k].judged_with == stamps[k.module])
    print(f"\ntrials of today's verdicts: {trial / 3600:.2f} h of worker time; {len(runs)} runs of the campaign "
          f"took {sum(r['seconds'] for r in runs) / 3600:.2f} h in all"
          + (f" (the last on {runs[-1]['cpus']} x {runs[-1]['cpu']}, {runs[-1]['workers']} workers)" if runs else ""))
    return 1 if any(row.gaps or row.pending for row in rows) else 0


def gaps(args: argparse.Namespace) -> int:
    keys, stamps = _current(args.modules or modules(ROOT))
    results, triage = records.load_results(RESULTS), records.load_triage(TRIAGE)
    found = [k for k in keys if (r := results.get(k)) and r.outcome == "survived" and r.judged_with == stamps[k.module]
             and records.triaged(triage, k) is None]
    for key in found:
        print(f"{key.text()}\n    {_show_command(key)}")
    print(f"{len(found)} gaps")
    return 1 if found else 0


def _show_command(key: MutantKey) -> str:
    nth = f" --nth {key.nth}" if key.nth else ""
    return f"python benchmarks/mutation_campaign.py show {key.module} {key.operator} {shlex.quote(key.line)}{nth}"


def show(args: argparse.Namespace) -> int:
    """Print the diff of the mutant named (``OPERATOR`` ``*``: of every mutant of that line)."""
    shown, results = 0, records.load_results(RESULTS)
    for mutant in mutants(ROOT, args.module):
        key = mutant.key
        if key.line == args.line.strip() and (args.operator == "*" or (key.operator, key.nth) == (args.operator,
                                                                                                 args.nth)):
            result = results.get(key)
            print(f"# {key.text()}\n# verdict: {result.outcome + ' ' + result.by if result else 'not judged'}")
            print(diff(ROOT, mutant), end="")
            shown += 1
    if not shown:
        print(f"no such mutant in {args.module} today (the line changed, or a typo)", file=sys.stderr)
    return 0 if shown else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run", help="judge every mutant not judged with today's code")
    runner.add_argument("modules", nargs="*", help="paths under reference/ (default: all in scope)")
    runner.add_argument("--workers", type=int, default=2, help="trials at once (default 2: one per core)")
    runner.add_argument("--seconds", type=float, default=None, help="stop starting trials after this long")
    runner.add_argument("--keep-killed", action="store_true",
                        help="keep the kills judged with older specs (marked kept, counted as killed): judge the "
                        "survivors and new mutants only; sound while the specs only gained checks")
    runner.add_argument("--scratch", default="/tmp/netconform-mutation", help="the workers' copies of the checkout")
    for name, helptext in (("table", "the table per module"), ("gaps", "survivors with no triage entry")):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("modules", nargs="*")
    shower = commands.add_parser("show", help="print a mutant's diff")
    shower.add_argument("module")
    shower.add_argument("operator")
    shower.add_argument("line")
    shower.add_argument("--nth", type=int, default=0)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("cosmic_ray") is None:
        print("cosmic-ray is not installed: pip install -e '.[mutation]', or run it as tox -e mutation -- ARGS",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM ends a campaign as Ctrl-C does
    return {"run": run, "table": table, "gaps": gaps, "show": show}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
