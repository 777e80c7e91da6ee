"""verdict_times' rows: what each row runs, its goal, and the runs that measure it.

:func:`measure` measures one row and returns its lines of the table (and, for ``broken``, one
entry per fixture run). The correct programs of the ``greeting``, ``logger`` and ``line-logger``
rows live in ``fixtures/good/`` of this script's own checkout (so an older commit measured with
``--repo`` runs the same programs); the transport rows' programs come from the measured checkout.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
from dataclasses import dataclass
from pathlib import Path

from verdict_runs import HEAVY_TIMEOUT, Config, Line, Run, expect, student_runs, timed
from verdict_setup import find_python2, has_netns

#: This script's own checkout's fixtures (the measured one, ``--repo``, may be an older commit).
OWN_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: The student's port: the measured checkout's, else (an older commit has none) this script's own checkout's.
OWN_STUDENT_PORT = OWN_FIXTURES / "ports" / "select_logger_py3.py"

ROWS = (
    "greeting",
    "slow-greeting",
    "unix-greeting",
    "udp-greeting",
    "logger",
    "line-logger",
    "fixed-port",
    "broken",
    "student-port",
    "never-listens",
    "matrix",
    "full",
)
HEAVY = frozenset({"broken", "matrix", "full"})
DEFAULT_ROWS = tuple(row for row in ROWS if row != "full")
BOOK_FIXED_PORT = ("socketserver_server.py", "minimal_server.py")
BAD_ROLES = ("greeting_server", "logger_server", "line_logger_server")
STUDENT_PORT_BREAKS = frozenset({"LOG-2", "DISC-3"})


@dataclass(frozen=True)
class Program:
    """A correct program under ``fixtures/good/``: all specs of its role must pass."""

    role: str
    files: tuple[str, ...]  # the program first, then the modules it imports from its folder
    placeholder: str = "{port}"
    limit: float = 2.0  # the goal: median <= limit seconds
    own: bool = True  # from this script's checkout; False: from the measured one (skipped if it has none)


PROGRAMS = {
    "greeting": Program("greeting-server", ("threaded_greeting_server.py",)),
    # correct, but 100 ms to greet each client: the verdict must not be its latency times a fixed count
    "slow-greeting": Program("greeting-server", ("slow_greeting_server.py",), limit=10.0),
    "unix-greeting": Program("greeting-server/unix", ("unix_greeting_server.py",), "{path}", own=False),
    "udp-greeting": Program("greeting-server/udp", ("udp_greeting_server.py",), own=False),
    "logger": Program("logger-server", ("select_logger_server.py", "select_logger_common.py"), limit=6.0),
    "line-logger": Program(
        "line-logger-server", ("select_line_logger_server.py", "select_logger_common.py"), limit=6.0
    ),
}


def measure(cfg: Config, row: str, runs: int) -> tuple[list[Line], list[tuple[Path, str, Run]]]:
    """One row's lines of the table, and (``broken`` only) each fixture's runs."""
    if row in PROGRAMS:
        return measure_program(cfg, row, runs), []
    if row == "fixed-port":
        return measure_fixed_port(cfg, runs), []
    if row == "broken":
        return measure_broken(cfg, runs)
    if row in ("student-port", "never-listens"):
        return measure_fixture(cfg, row, runs), []
    return measure_in_repo(cfg, row, runs), []


def measure_program(cfg: Config, row: str, runs: int) -> list[Line]:
    """greeting, unix-greeting, udp-greeting, logger, line-logger: a correct program; all specs pass.

    Its files are copied into each run's fresh folder and run from there, as a student's would.
    """
    program = PROGRAMS[row]
    folder = (OWN_FIXTURES if program.own else cfg.repo / "fixtures") / "good"
    goal = f"median <= {program.limit:g} s"
    for name in program.files:
        if not (folder / name).exists():
            why = "" if program.own else " (no transports in that checkout)"
            return [Line(row, [], goal, skipped=f"skipped: no {folder / name}{why}")]
    files = {name: (folder / name).read_text() for name in program.files}
    command = f"python3 {program.files[0]} {program.placeholder}"
    done = student_runs(cfg, row, program.role, command, files, runs)
    expect(done, 0)
    return [Line(row, done, goal, program.limit)]


def measure_fixed_port(cfg: Config, runs: int) -> list[Line]:
    """The book's fixed-port servers under python2, without and with {port}, each in its own netns."""
    python2 = find_python2()
    if python2 is None:
        return [Line("fixed-port", [], "<= 2x {port}", skipped="skipped: no python2")]
    netns = has_netns()
    where = (
        "each run in its own network namespace (unshare --net, lo up): port 1234 and TIME_WAIT not shared"
        if netns
        else "NOT isolated (no unshare/ip or no permission): repeated runs may meet TIME_WAIT on port 1234"
    )
    lines = []
    for name in BOOK_FIXED_PORT:
        path = cfg.repo / "fixtures" / "book" / name
        if not path.exists():
            lines.append(Line(f"fixed-port {name}", [], skipped=f"skipped: no {path}"))
            continue
        source = path.read_text()
        if source.count("1234") != 1:
            lines.append(Line(f"fixed-port {name}", [], skipped="skipped: cannot find its one port 1234"))
            continue
        variant = name.replace(".py", "_port.py")
        files = {variant: source.replace("1234", "int(__import__('sys').argv[1])")}
        given = student_runs(
            cfg, f"{name} {{port}}", "greeting-server", f"python2 {variant} {{port}}", files, runs, netns=netns
        )
        fixed = student_runs(cfg, f"{name} fixed", "greeting-server", f"python2 {path}", {}, runs, netns=netns)
        baseline = statistics.median(run.seconds for run in given)
        if {run.counts for run in fixed} != {run.counts for run in given}:
            for run in fixed:
                run.problem = f"verdict {run.counts!r} differs from the {{port}} variant's"
        note = "" if lines else f"python2 {python2}; {where}"
        lines.append(Line(f"fixed-port {name} + {{port}}", given, "(baseline)", note=note))
        lines.append(Line(f"fixed-port {name} (1234)", fixed, f"median <= 2 x {baseline:.2f} s", 2 * baseline))
    return lines


def measure_broken(cfg: Config, runs: int) -> tuple[list[Line], list[tuple[Path, str, Run]]]:
    """Every known-bad server fixture, all specs of its role; the lines and each fixture's runs."""
    details: list[tuple[Path, str, Run]] = []
    roles = os.environ.get("VERDICT_TIMES_BAD_ROLES", ",".join(BAD_ROLES)).split(",")  # e.g. only the loggers
    for folder in (r for r in BAD_ROLES if r in roles):
        for path in sorted((cfg.repo / "fixtures" / "bad" / folder).glob("*.py")):
            role = folder.replace("_", "-")
            text = path.read_text(errors="replace")
            breaks = re.search(r"^Breaks: (.+)$", text, re.MULTILINE)
            wanted = frozenset(x.strip() for x in breaks.group(1).split(",")) if breaks else None
            options = re.search(r"^Options: (.+)$", text, re.MULTILINE)  # the limits its mistake is judged under
            transport = re.search(r"^Transport: (\w+)$", text, re.MULTILINE)  # unix, udp, unixgram; else TCP
            placeholder = "{path}" if transport and transport.group(1).startswith("unix") else "{port}"
            if transport:
                role = f"{role}/{transport.group(1)}"
            done = student_runs(cfg, f"{folder}/{path.name}", role, f"python3 {path} {placeholder}", {}, runs,
                                options=options.group(1).split() if options else ())
            expect(done, 1, wanted, subset=True)
            details += [(path, ", ".join(sorted(wanted)) if wanted else "(startup)", run) for run in done]
    every = [run for _, _, run in details]
    loggers = [run for path, _, run in details if path.parent.name != "greeting_server"]
    return [
        Line("broken (all)", every, "max <= 30 s", 30.0, statistic="max"),
        Line("broken (loggers)", loggers, "(reported: one mistake, one failure)", statistic="max"),
    ], details


def measure_fixture(cfg: Config, row: str, runs: int) -> list[Line]:
    """student-port and never-listens: a known-bad program, all specs of its role."""
    if row == "student-port":
        path = cfg.repo / "fixtures" / "ports" / "select_logger_py3.py"
        files = {} if path.exists() else {"select_logger_py3.py": OWN_STUDENT_PORT.read_text()}
        program = str(path) if path.exists() else "select_logger_py3.py"
        done = student_runs(cfg, row, "logger-server", f"python3 {program} {{port}}", files, runs)
        expect(done, 1, STUDENT_PORT_BREAKS)
        note = "" if path.exists() else f"program: {OWN_STUDENT_PORT} (the measured checkout has none)"
        return [Line(row, done, "median < 15 s", 15.0, strict=True, note=note)]
    path = cfg.repo / "fixtures" / "bad" / "greeting_server" / "never_listens.py"
    if not path.exists():
        return [Line(row, [], skipped=f"skipped: no {path}")]
    done = student_runs(cfg, row, "greeting-server", f"python3 {path} {{port}}", {}, runs)
    expect(done, 1)
    return [Line(row, done, "median <= 10 s", 10.0)]


def measure_in_repo(cfg: Config, row: str, runs: int) -> list[Line]:
    """matrix and full: pytest run in the checkout itself."""
    pytest = str(cfg.venv / "bin" / "pytest")
    argv, limit = ([pytest, "specs", "-n", "2", "-p", "no:randomly", "-q"], 45.0)
    if row == "full":
        argv, limit = ([pytest, "-n", "2"], 180.0)
    done = [timed(f"{row} run {n}/{runs}", argv, cfg.repo, cfg, HEAVY_TIMEOUT[row]) for n in range(1, runs + 1)]
    expect(done, 0)
    return [Line(row, done, f"median <= {limit:g} s", limit, note=f"in {cfg.repo}: {shlex.join(argv[1:])}")]

