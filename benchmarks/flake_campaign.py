#!/usr/bin/env python3
"""Flake campaign: run the reference matrix N times and report what is not the same every time.

Each run is ``pytest specs -q -p no:randomly --netconform-json RUN.json`` in the checkout,
alternately serial (even runs) and under ``-n 2`` (odd runs), each in another order: the
plug-in ``benchmarks/shuffle_order.py`` shuffles the collected specs with the seed
``--seed + run`` (netconform's diagnosis order still holds within each target, so the
targets' order varies, and that of specs sharing a requirement). It reports

- every verdict (spec node ID) whose outcome changed between runs, with each run's outcome;
- the wall time of each run (the whole process, ``time.monotonic()`` around it);
- after each run: every process of the run still alive (its ``NETCONFORM_RUN`` marker,
  read from ``/proc/PID/environ``) with the sockets it listens on, every socket file or
  folder left in the run's own ``TMPDIR``, and the harness errors of its JSON
  (``harness.errors``: processes of targets that survived teardown).

Exit status: 0 no flaky verdict and nothing left behind; 1 otherwise; 2 a run wrote no verdicts.

    python benchmarks/flake_campaign.py --runs 20 --markdown campaign.md
    python benchmarks/flake_campaign.py --runs 2 --keep results/    # a quick check, JSONs kept
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    """One run of the matrix: how it ran, what it decided, what it left."""

    index: int
    mode: str  # "serial" or "-n 2"
    seed: int
    wall: float = 0.0
    exit_code: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # node ID -> outcome
    left: list[str] = field(default_factory=list)  # processes, sockets, files, harness errors

    def counts(self) -> str:
        tally: dict[str, int] = {}
        for outcome in self.outcomes.values():
            tally[outcome] = tally.get(outcome, 0) + 1
        return ", ".join(f"{n} {o}" for o, n in sorted(tally.items())) or "no verdicts"


def processes_of(run_id: str) -> list[str]:
    """Live processes carrying ``NETCONFORM_RUN=run_id``, each with the sockets it listens on."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if proc.environ().get("NETCONFORM_RUN") != run_id:
                continue
            listening = [f"{c.laddr}" for c in proc.net_connections("all")
                         if c.status == psutil.CONN_LISTEN or (c.type == socket.SOCK_DGRAM and c.laddr)]
            text = f"process {proc.pid}: {' '.join(proc.info['cmdline'] or [])[:160]}"
            found.append(text + (f" (listening on {', '.join(listening)})" if listening else ""))
        except (psutil.Error, OSError):
            continue
    return found


def files_in(folder: Path) -> list[str]:
    """What a run left in its TMPDIR (sockets, private folders), pytest's own temp folders aside."""
    return sorted(f"file {p.relative_to(folder)}" for p in folder.rglob("*")
                  if not p.relative_to(folder).parts[0].startswith("pytest-of-"))


def run_once(run: Run, args: argparse.Namespace, work: Path) -> None:
    """Run the matrix once; fill in ``run``."""
    run_id = f"campaign-{uuid.uuid4().hex[:8]}-{run.index}"
    out = work / f"run-{run.index:02d}.json"
    tmp = work / f"tmp-{run.index:02d}"
    tmp.mkdir()
    cmd = [args.python, "-m", "pytest", "specs", "-q", "-p", "no:randomly", "-p", "shuffle_order",
           "--netconform-json", str(out), *(["-n", "2"] if run.mode == "-n 2" else [])]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NETCONFORM_"))}
    env.update(NETCONFORM_RUN=run_id, NETCONFORM_PROFILE=args.profile, NETCONFORM_SHUFFLE_SEED=str(run.seed),
               TMPDIR=str(tmp), PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "benchmarks"),
                                                                         env.get("PYTHONPATH", "")])))
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=args.repo, env=env, capture_output=True, text=True, timeout=args.timeout,
                              check=False)
        run.exit_code, log = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:  # killed: what it left is what this campaign is about
        out = exc.stdout or b""
        run.exit_code, log = -9, out.decode(errors="replace") if isinstance(out, bytes) else out
        run.left.append(f"the run did not end within {args.timeout:g} s (killed)")
    run.wall = time.monotonic() - start
    (work / f"run-{run.index:02d}.log").write_text(log)
    if out.exists():
        payload = json.loads(out.read_text())
        run.outcomes = {r["nodeid"]: r["outcome"] for r in payload["results"]}
        run.left += [f"harness error: {e}" for e in payload.get("harness", {}).get("errors", [])]
    deadline = time.monotonic() + 5  # the watchdog of a run ends stragglers within about a second
    while processes_of(run_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    run.left += processes_of(run_id) + files_in(tmp)


def flaky(runs: list[Run]) -> dict[str, list[str]]:
    """Node ID -> each run's outcome ("-" where not run), for the verdicts that were not the same every run."""
    nodeids = sorted({n for run in runs for n in run.outcomes})
    table = {n: [run.outcomes.get(n, "-") for run in runs] for n in nodeids}
    return {n: outcomes for n, outcomes in table.items() if len(set(outcomes)) > 1}


def report(runs: list[Run], changed: dict[str, list[str]], args: argparse.Namespace) -> str:
    """The campaign as Markdown: the set-up, one row per run, the flaky verdicts, the leftovers."""
    cpu = os.cpu_count()
    lines = [f"Flake campaign: {len(runs)} runs of `pytest specs` ({args.repo}), profile {args.profile}, "
             f"seeds {args.seed}..{args.seed + len(runs) - 1}; {platform.system()} {platform.release()}, "
             f"{cpu} CPUs, Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at the end.",
             "", "| run | mode | seed | wall | exit | verdicts | left behind |", "|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append(f"| {run.index} | {run.mode} | {run.seed} | {run.wall:.1f} s | {run.exit_code} | "
                     f"{run.counts()} | {len(run.left) or 'nothing'} |")
    walls = sorted(run.wall for run in runs)
    if walls:
        lines += ["", f"Wall time: min {walls[0]:.1f} s, median {walls[len(walls) // 2]:.1f} s, "
                      f"max {walls[-1]:.1f} s."]
    lines += ["", f"Flaky verdicts (outcome not the same in every run): {len(changed)}"]
    lines += [f"- `{n}`: {' / '.join(o)}" for n, o in changed.items()]
    left = [(run.index, item) for run in runs for item in run.left]
    lines += ["", f"Left behind after a run: {len(left)}"]
    lines += [f"- run {i}: {item}" for i, item in left]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of the matrix (20)")
    parser.add_argument("--seed", type=int, default=1, help="the first run's shuffle seed; run i uses seed+i (1)")
    parser.add_argument("--profile", default="ci", help="Hypothesis profile, NETCONFORM_PROFILE (ci: derandomized)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout to run (this one)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with netconform installed")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed (900)")
    parser.add_argument("--markdown", type=Path, help="also write the report there")
    parser.add_argument("--keep", type=Path, help="keep each run's JSON, log and TMPDIR in this folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="netconform-campaign-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    runs = [Run(i, "serial" if i % 2 == 0 else "-n 2", args.seed + i) for i in range(args.runs)]
    try:
        for run in runs:
            run_once(run, args, work)
            print(f"run {run.index} ({run.mode}, seed {run.seed}): {run.wall:.1f} s, exit {run.exit_code}, "
                  f"{run.counts()}; left behind: {run.left or 'nothing'}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    changed = flaky(runs)
    text = report(runs, changed, args)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if any(not run.outcomes for run in runs):
        return 2
    return 1 if changed or any(run.left for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
