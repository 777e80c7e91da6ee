#!/usr/bin/env python3
"""Time to a verdict: how long netconform takes to judge a program, timed from outside.

Every number is the wall time of one whole process (``time.monotonic()`` around the
process, from start to exit): interpreter start-up, imports, plug-in, collection,
starting the program under test, every spec of its role, tear-down. Each run of a
user-program row starts in a fresh temporary folder outside the checkout, as a
student's would, and runs the command a student runs (see ``verdict_runs.student_command``)::

    <venv>/bin/pytest --pyargs specs --impl 'ROLE=COMMAND' -p no:randomly -q

Rows (goals from the issue tracker):

  greeting       fixtures/good/threaded_greeting_server.py (a thread per client), all specs: median <= 2 s
  slow-greeting  fixtures/good/slow_greeting_server.py (a thread per client, 100 ms before each greeting):
                 median <= 10 s
  unix-greeting  fixtures/good/unix_greeting_server.py over a Unix stream socket ({path}): median <= 2 s
  udp-greeting   fixtures/good/udp_greeting_server.py over UDP: median <= 2 s
  logger         fixtures/good/select_logger_server.py (one select() loop): median <= 6 s
  line-logger    fixtures/good/select_line_logger_server.py (one select() loop, CR LF lines): median <= 6 s
  fixed-port     the book's fixed-port servers (fixtures/book/socketserver_server.py,
                 minimal_server.py) under python2 without {port}, each in its own network
                 namespace, against the same program given {port}: median <= 2x the {port} median
  fixed-port-rerun
                 the book's minimal_server.py on port 1234 right after a whole run of its select logger
                 (select_server.py, logger-server) on 1234, in the same network namespace (a fresh one per
                 measurement): median <= 2x its {port} twin's median (measured as fixed-port's)
  broken         every known-bad server under fixtures/bad/{greeting,logger,line_logger}_server/,
                 all specs of its role: max <= 30 s; the loggers' median and max also reported
                 (VERDICT_TIMES_BAD_ROLES=logger_server,line_logger_server: only those folders)
  student-port   the book's select logger ported to Python 3 with two mistakes
                 (fixtures/ports/select_logger_py3.py; this script's own if the checkout has none): median < 15 s
  never-listens  fixtures/bad/greeting_server/never_listens.py: median <= 10 s
  matrix         ``pytest specs -n 2 -p no:randomly -q`` in the checkout: median <= 45 s
  full           ``pytest -n 2`` in the checkout (the README's full suite): median <= 180 s;
                 only with --rows full

The correct programs of greeting, slow-greeting, logger and line-logger are this script's checkout's (the
same programs whatever ``--repo`` measures), copied into each run's folder with
fixtures/good/select_logger_common.py, which the two loggers import.

Default rows: all but ``full``. ``--runs`` defaults to 3, and to 1 for the heavy rows
(broken, matrix, full); a given ``--runs`` applies to every row (broken: per fixture).
``--repo PATH`` measures another checkout (say an older commit in a git worktree) with
``--venv`` (default ``PATH/.venv``); if that venv imports ``specs`` from elsewhere,
the checkout is put first on ``PYTHONPATH`` and the header says so.

Targets run with the ``python3`` on ``PATH``; ``--activate`` puts ``VENV/bin`` first
(as an activated venv does), so Twisted programs find Twisted.

``--platform linux`` or ``--platform portable`` sets ``NETCONFORM_PLATFORM`` in every timed
run's environment (netconform's platform layer, specs/harness/platform); without it the
environment is left as it is and netconform chooses. Either way the header
(``netconform platform``) and a ``platform`` column of each table name the implementation
measured, so two runs can be put side by side.

Exit status: 0 every goal met; 1 a goal missed; 2 a verdict was not the expected one
(then that row's time measures something else) or the set-up is broken.

    python benchmarks/verdict_times.py --rows greeting,logger --runs 5
    python benchmarks/verdict_times.py --markdown times.md --save-output outputs/
    python benchmarks/verdict_times.py --repo ../netconform-old --venv .venv --rows greeting
    python benchmarks/verdict_times.py --platform portable --markdown portable.md
"""

# The entry point. The rest is in this folder's modules (imported from it, as a script's folder is
# first on sys.path): verdict_rows (what each row runs, its goal), verdict_runs (one timed process,
# its verdict, the table's lines), verdict_setup (the venv and machine checked and described),
# verdict_report (the table, plain or Markdown).

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from verdict_report import report
from verdict_rows import DEFAULT_ROWS, HEAVY, ROWS, measure
from verdict_runs import HEAVY_TIMEOUT, LIGHT_TIMEOUT, PLATFORM_CHOICE, PLATFORMS, Config, Line, Run, SetupError
from verdict_setup import prepare


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.epilog = "\n\n".join((__doc__ or "").split("\n\n")[1:])
    parser.add_argument(
        "--rows",
        default=",".join(DEFAULT_ROWS),
        help=f"comma-separated rows, of: {', '.join(ROWS)} (default: all but full)",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per row (default 3; heavy rows broken, matrix, full: 1)"
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the checkout to measure (default: the one holding this script)",
    )
    parser.add_argument("--venv", type=Path, default=None, help="the venv whose pytest runs (default: REPO/.venv)")
    parser.add_argument(
        "--activate",
        action="store_true",
        help="put VENV/bin first on PATH, as 'source VENV/bin/activate' does: targets' python3 is the venv's",
    )
    parser.add_argument(
        "--no-pyargs", action="store_true",
        help="run 'pytest --impl ...' without '--pyargs specs' (the current form; the default, the old one, also "
        "measures older commits)",
    )
    parser.add_argument(
        "--platform",
        choices=PLATFORMS,
        default=None,
        help=f"netconform's platform layer to time: {PLATFORM_CHOICE}=PLATFORM in every run's environment "
        "(default: the environment as it is, netconform choosing; the report names the one measured)",
    )
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="-",
        default=None,
        metavar="PATH",
        help="write the report as Markdown to PATH (no PATH: print Markdown instead of the plain table)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help=f"seconds before a run is killed (default {LIGHT_TIMEOUT:g}; matrix "
        f"{HEAVY_TIMEOUT['matrix']:g}, full {HEAVY_TIMEOUT['full']:g})",
    )
    parser.add_argument(
        "--save-output", type=Path, default=None, metavar="DIR", help="keep each run's output in DIR/<run>.txt"
    )
    args = parser.parse_args(argv)
    rows = [row.strip() for row in args.rows.split(",") if row.strip()]
    unknown = [row for row in rows if row not in ROWS]
    if unknown or not rows:
        parser.error(f"unknown rows {unknown}; rows are: {', '.join(ROWS)}")
    args.rows = [row for row in ROWS if row in rows]  # the table's order
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure the rows asked for and print (or write) the table; exit 0, 1 or 2 (see above)."""
    args = parse_args(argv)
    repo = args.repo.resolve()
    venv = (args.venv or repo / ".venv").absolute()
    save = args.save_output.absolute() if args.save_output else None
    env = dict(os.environ)
    if args.activate:
        env.update(VIRTUAL_ENV=str(venv), PATH=os.pathsep.join(filter(None, (str(venv / "bin"), env.get("PATH")))))
        env.pop("PYTHONHOME", None)
    if args.platform:
        env[PLATFORM_CHOICE] = args.platform
    try:
        cfg, facts = prepare(Config(repo, venv, not args.no_pyargs, env, args.timeout, save))
    except SetupError as error:
        print(f"verdict_times: {error}", file=sys.stderr)
        return 2
    print(f"netconform platform: {dict(facts)['netconform platform']}", file=sys.stderr)
    lines: list[Line] = []
    details: list[tuple[Path, str, Run]] = []
    for row in args.rows:
        runs = args.runs or (1 if row in HEAVY else 3)
        print(
            f"{row} ({runs} run{'s' if runs > 1 else ''}{' per fixture' if row == 'broken' else ''})", file=sys.stderr
        )
        found, fixture_runs = measure(cfg, row, runs)
        lines += found
        details += fixture_runs
    if hasattr(os, "getloadavg"):
        facts.append(("load average (end)", " ".join(f"{load:.2f}" for load in os.getloadavg())))
    print(report(facts, lines, details, repo, as_markdown=args.markdown == "-", platform=cfg.platform), end="")
    if args.markdown not in (None, "-"):
        Path(args.markdown).write_text(report(facts, lines, details, repo, as_markdown=True, platform=cfg.platform))
        print(f"Markdown written to {args.markdown}")
    if any(line.problems() for line in lines):
        return 2
    return 1 if any(line.met() is False for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
