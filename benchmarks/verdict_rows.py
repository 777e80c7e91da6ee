"""verdict_times' rows: what each row runs, its goal, and the runs that measure it.

:func:`measure` measures one row and returns its lines of the table (and, for ``broken``, one
entry per fixture run). The correct programs of the ``greeting``, ``logger`` and ``line-logger``
rows live in ``fixtures/good/`` of this script's own checkout (so an older commit measured with
``--repo`` runs the same programs); the transport rows' programs come from the measured checkout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import statistics
from dataclasses import dataclass
from pathlib import Path

from verdict_runs import HEAVY_TIMEOUT, Config, Line, Run, expect, shared_netns, student_run, student_runs, timed
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
    "fixed-port-rerun",
    "broken",
    "student-port",
    "never-listens",
    "matrix",
    "full",
)
HEAVY = frozenset({"broken", "matrix", "full"})
DEFAULT_ROWS = tuple(row for row in ROWS if row != "full")
BOOK_FIXED_PORT = ("socketserver_server.py", "minimal_server.py")
#: fixed-port-rerun: (the program run first on port 1234, its role), then the greeting server timed on 1234 after it.
BOOK_RERUN = (("select_server.py", "logger-server"), "minimal_server.py")
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
    if row == "fixed-port-rerun":
        return measure_fixed_port_rerun(cfg, runs), []
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


def book_setting() -> tuple[str | None, bool, str]:
    """The fixed-port rows' python2 (None: none found), whether runs get network namespaces, and a note saying so."""
    netns = has_netns()
    where = (
        "each run in its own network namespace (unshare --net, lo up): port 1234 and TIME_WAIT not shared"
        if netns
        else "NOT isolated (no unshare/ip or no permission): repeated runs may meet TIME_WAIT on port 1234"
    )
    return find_python2(), netns, where


def book_program(cfg: Config, name: str) -> tuple[Path, str, dict[str, str]] | str:
    """A book program of ``fixtures/book/`` (port 1234) and its ``{port}`` twin's file name and files (a copy
    taking its port from ``argv[1]``); or, if there is none, the table's skip reason."""
    path = cfg.repo / "fixtures" / "book" / name
    if not path.exists():
        return f"skipped: no {path}"
    source = path.read_text()
    if source.count("1234") != 1:
        return "skipped: cannot find its one port 1234"
    variant = name.replace(".py", "_port.py")
    return path, variant, {variant: source.replace("1234", "int(__import__('sys').argv[1])")}


def expect_like(runs: list[Run], twins: list[Run]) -> None:
    """Mark the runs of a book program on port 1234 unless their verdicts are its ``{port}`` twin's."""
    if {run.counts for run in runs} != {run.counts for run in twins}:
        for run in runs:
            run.problem = f"verdict {run.counts!r} differs from the {{port}} variant's"


def measure_fixed_port(cfg: Config, runs: int) -> list[Line]:
    """The book's fixed-port servers under python2, without and with {port}, each in its own netns."""
    python2, netns, where = book_setting()
    if python2 is None:
        return [Line("fixed-port", [], "<= 2x {port}", skipped="skipped: no python2")]
    lines = []
    for name in BOOK_FIXED_PORT:
        program = book_program(cfg, name)
        if isinstance(program, str):
            lines.append(Line(f"fixed-port {name}", [], skipped=program))
            continue
        path, variant, files = program
        given = student_runs(
            cfg, f"{name} {{port}}", "greeting-server", f"python2 {variant} {{port}}", files, runs, netns=netns
        )
        fixed = student_runs(cfg, f"{name} fixed", "greeting-server", f"python2 {path}", {}, runs, netns=netns)
        baseline = statistics.median(run.seconds for run in given)
        expect_like(fixed, given)
        note = "" if lines else f"python2 {python2}; {where}"
        lines.append(Line(f"fixed-port {name} + {{port}}", given, "(baseline)", note=note))
        lines.append(Line(f"fixed-port {name} (1234)", fixed, f"median <= 2 x {baseline:.2f} s", 2 * baseline))
    return lines


def measure_fixed_port_rerun(cfg: Config, runs: int) -> list[Line]:
    """The book's greeting server on port 1234 started right after a whole run of its select logger on 1234,
    both in one network namespace (a fresh one per measurement), against its {port} twin (as fixed-port's).

    The issue: the greeting server's run took 63 s while the harness waited out TIME_WAIT on port 1234.
    """
    row, goal = "fixed-port-rerun", "<= 2x {port}"
    python2, netns, _ = book_setting()
    if python2 is None:
        return [Line(row, [], goal, skipped="skipped: no python2")]
    shared = netns and has_netns(shared=True)
    where = (
        "each logger run and the greeting server's run after it share a fresh network namespace (unshare --net, "
        "lo up; nsenter); the {port} twin's runs each have their own"
        if shared
        else "NOT isolated (no unshare/ip/nsenter or no permission): both runs in this machine's network, with "
        "whatever earlier rows left in TIME_WAIT"
    )
    (logger_name, logger_role), greeter_name = BOOK_RERUN
    logger_program, greeter_program = book_program(cfg, logger_name), book_program(cfg, greeter_name)
    if isinstance(logger_program, str) or isinstance(greeter_program, str):
        why = logger_program if isinstance(logger_program, str) else greeter_program
        return [Line(row, [], goal, skipped=str(why))]
    logger, (greeter, variant, files) = logger_program[0], greeter_program
    given = student_runs(
        cfg, f"{row} {greeter_name} {{port}}", "greeting-server", f"python2 {variant} {{port}}", files, runs,
        netns=netns,
    )
    before: list[Run] = []
    after: list[Run] = []
    for n in range(1, runs + 1):
        with shared_netns() if shared else contextlib.nullcontext(()) as enter:
            before.append(student_run(cfg, f"{row} {logger_name} run {n}/{runs}", logger_role,
                                      f"python2 {logger}", {}, wrapper=enter))
            after.append(student_run(cfg, f"{row} {greeter_name} run {n}/{runs}", "greeting-server",
                                     f"python2 {greeter}", {}, wrapper=enter))
    for run in before:  # a complete run: a verdict (passed or failed specs), not a start-up failure or a kill
        if run.returncode not in (0, 1) or run.counts in ("no summary line", "killed (timeout)"):
            run.problem = f"the logger's run did not complete: {run.verdict}"
    expect_like(after, given)
    baseline = statistics.median(run.seconds for run in given)
    ratio = statistics.median(run.seconds for run in after) / baseline
    return [
        Line(f"{row} {greeter_name} + {{port}}", given, "(baseline)", note=f"python2 {python2}; {where}"),
        Line(f"{row} {logger_name} (1234, first)", before, "(reported: the run before)"),
        Line(f"{row} {greeter_name} (1234, after it)", after, f"median <= 2 x {baseline:.2f} s", 2 * baseline,
             note=f"median {ratio:.2f}x the {{port}} twin's"),
    ]


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

