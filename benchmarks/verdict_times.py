#!/usr/bin/env python3
"""Time to a verdict: how long netconform takes to judge a program, timed from outside.

Every number is the wall time of one whole process (``time.monotonic()`` around the
process, from start to exit): interpreter start-up, imports, plug-in, collection,
starting the program under test, every spec of its role, tear-down. Each run of a
user-program row starts in a fresh temporary folder outside the checkout, as a
student's would, and runs the command a student runs (see ``student_command``)::

    <venv>/bin/pytest --pyargs specs --impl 'ROLE=COMMAND' -p no:randomly -q

Rows (goals from the issue tracker):

  greeting       one correct greeting server (written by this script), all specs: median <= 2 s
  unix-greeting  fixtures/good/unix_greeting_server.py over a Unix stream socket ({path}): median <= 2 s
  udp-greeting   fixtures/good/udp_greeting_server.py over UDP: median <= 2 s
  logger         one correct select logger server (written by this script): median <= 6 s
  line-logger    one correct select line-logger server (written by this script): median <= 6 s
  fixed-port     the book's fixed-port servers (fixtures/book/socketserver_server.py,
                 minimal_server.py) under python2 without {port}, each in its own network
                 namespace, against the same program given {port}: median <= 2x the {port} median
  broken         every known-bad server under fixtures/bad/{greeting,logger,line_logger}_server/,
                 all specs of its role: max <= 30 s; the loggers' median and max also reported
                 (VERDICT_TIMES_BAD_ROLES=logger_server,line_logger_server: only those folders)
  student-port   the book's select logger ported to Python 3 with two mistakes
                 (fixtures/ports/select_logger_py3.py; this script's own if the checkout has none): median < 15 s
  never-listens  fixtures/bad/greeting_server/never_listens.py: median <= 10 s
  matrix         ``pytest specs -n 2 -p no:randomly -q`` in the checkout: median <= 45 s
  full           ``pytest -n 2`` in the checkout (the README's full suite): median <= 180 s;
                 only with --rows full

Default rows: all but ``full``. ``--runs`` defaults to 3, and to 1 for the heavy rows
(broken, matrix, full); a given ``--runs`` applies to every row (broken: per fixture).
``--repo PATH`` measures another checkout (say an older commit in a git worktree) with
``--venv`` (default ``PATH/.venv``); if that venv imports ``specs`` from elsewhere,
the checkout is put first on ``PYTHONPATH`` and the header says so.

Targets run with the ``python3`` on ``PATH``; ``--activate`` puts ``VENV/bin`` first
(as an activated venv does), so Twisted programs find Twisted.

Exit status: 0 every goal met; 1 a goal missed; 2 a verdict was not the expected one
(then that row's time measures something else) or the set-up is broken.

    python benchmarks/verdict_times.py --rows greeting,logger --runs 5
    python benchmarks/verdict_times.py --markdown times.md --save-output outputs/
    python benchmarks/verdict_times.py --repo ../netconform-old --venv .venv --rows greeting
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import glob
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# --- The programs under test that this script writes itself (self-contained, Python 3).

GREETING_SERVER = '''\
"""A correct greeting server: greets each client, closes, keeps serving (one thread per client)."""

import socket
import sys
import threading

GREETING = b"Thank you for connecting"


def greet(conn, address):
    try:
        print("Got connection from", (address[0], address[1]), flush=True)
        conn.sendall(GREETING)
        conn.shutdown(socket.SHUT_WR)  # FIN now, like asyncio's write_eof()
    except OSError:  # the client reset or went away
        pass
    finally:
        conn.close()


def main():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", int(sys.argv[1])))
        server.listen(socket.SOMAXCONN)
        while True:
            try:
                conn, address = server.accept()
            except OSError:
                continue
            threading.Thread(target=greet, args=(conn, address), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
'''

# What the select logger and the select line logger share: accept, receive, log, hang up.
_SELECT_COMMON = '''\
import select
import socket
import sys

RECV_SIZE = 65536


def log(text):
    print(text, flush=True)


def log_data(data):
    sys.stdout.buffer.write(data + b"\\n")
    sys.stdout.buffer.flush()


def accept(listener):
    try:
        conn, address = listener.accept()
    except OSError:
        return None, None
    conn.setblocking(False)
    address = (address[0], address[1])
    log(f"Got connection from {address!r}")
    return conn, address


def receive(conn):
    """b"" once the client has gone (end-of-file or reset), None if nothing to read after all."""
    try:
        return conn.recv(RECV_SIZE)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def hang_up(conn, address):
    log(f"{address!r} disconnected")  # the address from accept(): getpeername() fails after a reset
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()


def listen(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(socket.SOMAXCONN)
    listener.setblocking(False)
    return listener
'''

LOGGER_SERVER = (
    '"""A correct logger server: one select() loop prints every client\'s data as it comes."""\n\n'
    + _SELECT_COMMON
    + """

def main():
    listener = listen(int(sys.argv[1]))
    addresses = {}
    while True:
        readable, _, _ = select.select([listener, *addresses], [], [])
        for conn in readable:
            if conn is listener:
                client, address = accept(listener)
                if client is not None:
                    addresses[client] = address
                continue
            data = receive(conn)
            if data is None:
                continue
            if data:
                log_data(data)
            else:
                hang_up(conn, addresses.pop(conn))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
"""
)

LINE_LOGGER_SERVER = (
    '"""A correct line logger: one select() loop prints each client\'s \\\\r\\\\n lines (LineReceiver)."""\n\n'
    + _SELECT_COMMON
    + '''
DELIMITER = b"\\r\\n"
MAX_LENGTH = 16384


class LineBuffer:
    """Twisted's LineReceiver framing: lines cut at the first \\\\r\\\\n; too long: drop the client."""

    def __init__(self):
        self.buffer = bytearray()
        self.searched = 0
        self.exceeded = False

    def feed(self, data):
        if self.exceeded:
            return [], True
        buffer = self.buffer
        buffer += data
        lines = []
        start = 0
        while True:
            end = buffer.find(DELIMITER, max(start, self.searched))
            if end < 0:
                break
            if end - start > MAX_LENGTH:
                return self.overflow(lines)
            lines.append(bytes(buffer[start:end]))
            start = end + len(DELIMITER)
        del buffer[:start]
        if len(buffer) >= MAX_LENGTH + len(DELIMITER):
            return self.overflow(lines)
        self.searched = max(0, len(buffer) - len(DELIMITER) + 1)
        return lines, False

    def overflow(self, lines):
        self.buffer.clear()
        self.searched = 0
        self.exceeded = True
        return lines, True


def main():
    listener = listen(int(sys.argv[1]))
    addresses = {}
    buffers = {}
    while True:
        readable, _, _ = select.select([listener, *addresses], [], [])
        for conn in readable:
            if conn is listener:
                client, address = accept(listener)
                if client is not None:
                    addresses[client] = address
                    buffers[client] = LineBuffer()
                continue
            data = receive(conn)
            if data is None:
                continue
            exceeded = False
            if data:
                lines, exceeded = buffers[conn].feed(data)
                for line in lines:
                    log_data(line)
            if not data or exceeded:
                del buffers[conn]
                hang_up(conn, addresses.pop(conn))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
'''
)

#: The student's port: the measured checkout's, else (an older commit has none) this script's own checkout's.
OWN_STUDENT_PORT = Path(__file__).resolve().parents[1] / "fixtures" / "ports" / "select_logger_py3.py"

# --- Rows and goals.

ROWS = (
    "greeting",
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
#: Rows of a correct program over another transport (fixtures/good/): role, file, placeholder.
TRANSPORT_ROWS = {
    "unix-greeting": ("greeting-server/unix", "unix_greeting_server.py", "{path}"),
    "udp-greeting": ("greeting-server/udp", "udp_greeting_server.py", "{port}"),
}
DEFAULT_ROWS = tuple(row for row in ROWS if row != "full")
BOOK_FIXED_PORT = ("socketserver_server.py", "minimal_server.py")
BAD_ROLES = ("greeting_server", "logger_server", "line_logger_server")
VERDICTS = "verdicts.json"  # each student run writes its verdicts here (--netconform-json), in its own folder
STUDENT_PORT_BREAKS = frozenset({"LOG-2", "DISC-3"})
NETNS_WRAPPER = ("unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh")

LIGHT_TIMEOUT = 600.0  # seconds before a run is killed (and counted as exit -9)
HEAVY_TIMEOUT = {"matrix": 1200.0, "full": 3600.0}


class SetupError(Exception):
    """The measurement cannot be made as asked (exit status 2)."""


@dataclass(frozen=True)
class Config:
    """What to measure and how."""

    repo: Path
    venv: Path
    pyargs: bool
    env: dict[str, str]
    timeout: float | None  # seconds before a run is killed; None: LIGHT_TIMEOUT, or HEAVY_TIMEOUT's
    save_output: Path | None = None  # a folder to keep each run's output in


@dataclass
class Run:
    """One timed process: its wall time, exit status and output."""

    label: str
    seconds: float
    returncode: int
    output: str
    problem: str | None = None  # set when the verdict is not the expected one
    failed: tuple[str, ...] = ()  # the failed requirements, read from the run's --netconform-json

    @property
    def counts(self) -> str:
        """pytest's closing counts ("8 failed, 7 passed, 47 deselected"), without the time."""
        for line in reversed(self.output.splitlines()):
            text = line.strip().strip("=").strip()
            if re.search(r"\b\d+ (passed|failed|error|errors|skipped|deselected|xfailed|xpassed)\b", text) or (
                "no tests ran" in text
            ):
                return re.sub(r"\s+in [\d.]+s\b.*$", "", text)
        if self.returncode == -signal.SIGKILL:
            return "killed (timeout)"
        return "no summary line"

    @property
    def verdict(self) -> str:
        """``exit 0: 13 passed``, or ``exit 1: 3 failed, 12 passed; not met: LOG-2, DISC-3``."""
        failed = self.failed_requirements
        if not failed:
            return f"exit {self.returncode}: {self.counts}"
        named = ", ".join(failed) if len(failed) <= 4 else f"{', '.join(failed[:3])} and {len(failed) - 3} more"
        return f"exit {self.returncode}: {self.counts}; not met: {named}"

    @property
    def failed_requirements(self) -> list[str]:
        """The requirements that failed, in the order of the run's verdicts (never read from message text)."""
        return list(self.failed)


@dataclass
class Line:
    """One line of the table: some runs, their statistic and its goal."""

    row: str
    runs: list[Run]
    goal: str = "-"
    limit: float | None = None
    statistic: str = "median"  # which statistic the goal is about: "median" or "max"
    strict: bool = False  # goal is "< limit" rather than "<= limit"
    note: str = ""
    skipped: str | None = None

    def times(self) -> list[float]:
        """The wall times of the runs."""
        return [run.seconds for run in self.runs]

    def value(self) -> float | None:
        """The statistic the goal is about."""
        times = self.times()
        if not times:
            return None
        return max(times) if self.statistic == "max" else statistics.median(times)

    def met(self) -> bool | None:
        """Whether the goal is met (None: no goal, or nothing measured)."""
        value = self.value()
        if self.limit is None or value is None:
            return None
        return value < self.limit if self.strict else value <= self.limit

    def problems(self) -> list[str]:
        """What was unexpected about the runs' verdicts."""
        return [f"{run.label}: {run.problem}" for run in self.runs if run.problem]


# --- Running and timing.


def student_command(venv: Path, role: str, command: str, *, pyargs: bool = True) -> list[str]:
    """The command a student runs to validate ``command`` in role ``role``.

    ``pytest --pyargs specs --impl 'ROLE=COMMAND' -p no:randomly -q``; without
    ``pyargs`` (``--no-pyargs``), plain ``pytest --impl ...``, the form the suite is
    about to support from any folder.
    """
    argv = [str(venv / "bin" / "pytest")]
    if pyargs:
        argv += ["--pyargs", "specs"]
    return [*argv, "--impl", f"{role}={command}", "-p", "no:randomly", "-q", "--netconform-json", VERDICTS]


def timed(label: str, argv: Sequence[str], cwd: Path, cfg: Config, timeout: float | None = None) -> Run:
    """Run ``argv`` in ``cwd`` and time the whole process (its own process group, killed on timeout)."""
    limit = cfg.timeout or timeout or LIGHT_TIMEOUT
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=cfg.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        raw, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raw, _ = proc.communicate()
        raw += f"\n(killed after {limit:g} s)\n".encode()
    except BaseException:  # Ctrl-C: take the run's process group down with us
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    seconds = time.monotonic() - start
    run = Run(label, seconds, proc.returncode, raw.decode(errors="replace"), failed=_failed(cwd / VERDICTS))
    if cfg.save_output is not None:
        cfg.save_output.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")
        (cfg.save_output / f"{name}.txt").write_text(f"$ {shlex.join(argv)}\n# in {cwd}\n{run.output}")
    print(f"  {label}: {seconds:7.2f} s  {run.verdict}", file=sys.stderr, flush=True)
    return run


def _failed(path: Path) -> tuple[str, ...]:
    """The failed requirements in a ``--netconform-json`` file (none if there is no such file)."""
    try:
        results = json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return ()
    return tuple(dict.fromkeys(r["requirement"] for r in results if r.get("outcome") == "failed"))


@contextlib.contextmanager
def fresh_folder(cfg: Config, files: dict[str, str] | None = None) -> Iterator[Path]:
    """A new temporary folder outside the checkout, holding ``files``; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="netconform-verdict-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp).resolve()
        if folder.is_relative_to(cfg.repo):
            raise SetupError(f"the temporary folder {folder} is inside the checkout {cfg.repo}: set TMPDIR elsewhere")
        for name, text in (files or {}).items():
            (folder / name).write_text(text)
        yield folder


def student_runs(
    cfg: Config, row: str, role: str, command: str, files: dict[str, str], runs: int, *, netns: bool = False,
    options: Sequence[str] = (),
) -> list[Run]:
    """``runs`` timed runs of the student command (plus ``options``), each from a fresh folder holding ``files``."""
    done = []
    for n in range(1, runs + 1):
        with fresh_folder(cfg, files) as folder:
            argv = [*student_command(cfg.venv, role, command, pyargs=cfg.pyargs), *options]
            if netns:
                argv = [*NETNS_WRAPPER, *argv]
            done.append(timed(f"{row} run {n}/{runs}", argv, folder, cfg))
    return done


def expect(runs: list[Run], returncode: int, failed: frozenset[str] | None = None, *, subset: bool = False) -> None:
    """Mark the runs whose verdict is not ``returncode`` (and, if given, the ``failed`` requirements)."""
    for run in runs:
        problems = []
        if run.returncode != returncode:
            problems.append(f"exit {run.returncode}, expected {returncode}")
        if failed is not None:
            got = set(run.failed_requirements)
            if subset and not failed <= got:
                problems.append(f"did not fail {', '.join(sorted(failed - got))}")
            if not subset and got != failed:
                problems.append(
                    f"failed {', '.join(run.failed_requirements) or 'nothing'}, expected {', '.join(sorted(failed))}"
                )
        if problems and "No module named 'twisted'" in run.output:
            problems.append("the python3 on PATH has no Twisted (try --activate)")
        run.problem = "; ".join(problems) or None


# --- Environment.


def find_python2() -> str | None:
    """A working Python 2: ``python2`` on PATH, else pyenv's versions (as netconform looks)."""

    def works(path: str) -> bool:
        try:
            probe = subprocess.run(
                [path, "-c", "import sys; print(sys.version_info[0])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return False
        return probe.returncode == 0 and probe.stdout.strip() == "2"

    found = shutil.which("python2")
    if found and works(found):
        return found
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in sorted(glob.glob(os.path.join(root, "versions", "2*", "bin", "python")), reverse=True):
        if works(candidate):
            return candidate
    return None


def has_netns() -> bool:
    """Can we run a command in a fresh network namespace with its own loopback?"""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    try:
        return subprocess.run([*NETNS_WRAPPER, "true"], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def output_of(argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """The first line of a short command's stdout (else stderr), or ``unavailable`` if it fails."""
    try:
        done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    if done.returncode != 0:
        return "unavailable"
    return (done.stdout.strip() or done.stderr.strip() or "unavailable").splitlines()[0]


def sandbox_note() -> str:
    """gVisor, Firecracker or another hypervisor, as ``uname -a`` and ``dmesg`` tell (else empty)."""
    text = " ".join(platform.uname())
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        text += subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10, check=False).stdout
    lowered = text.lower()
    if "gvisor" in lowered:
        return "gVisor sandbox"
    if "firecracker" in lowered:
        return "Firecracker microVM (not gVisor)"
    found = re.search(r"Hypervisor detected: (\S+)", text)
    return f"virtual machine ({found.group(1)}; not gVisor)" if found else ""


def specs_origin(cfg: Config) -> str:
    """Where the venv's Python imports ``specs`` from, run from a folder outside the checkout."""
    with fresh_folder(cfg) as folder:
        return output_of(
            [str(cfg.venv / "bin" / "python"), "-c", "import specs; print(specs.__file__)"], cwd=folder, env=cfg.env
        )


def prepare(cfg: Config) -> tuple[Config, list[tuple[str, str]]]:
    """Check that the venv runs the checkout's specs (else put the checkout on PYTHONPATH); the facts."""
    if not (cfg.venv / "bin" / "pytest").exists():
        raise SetupError(f"no pytest in the venv {cfg.venv}: give --venv")
    origin = specs_origin(cfg)
    note = ""
    if not Path(origin).resolve().is_relative_to(cfg.repo):
        env = dict(cfg.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(cfg.repo), env.get("PYTHONPATH"))))
        cfg = Config(cfg.repo, cfg.venv, cfg.pyargs, env, cfg.timeout, cfg.save_output)
        note = f" (the venv alone imports {origin}: PYTHONPATH={cfg.repo} added)"
        origin = specs_origin(cfg)
        if not Path(origin).resolve().is_relative_to(cfg.repo):
            raise SetupError(f"cannot make {cfg.venv} import specs from {cfg.repo} (it imports {origin})")
    commit = output_of(["git", "-C", str(cfg.repo), "log", "-1", "--format=%h %cs %s"])
    commit = "(not a git checkout)" if commit == "unavailable" else commit[:90] + ("..." if len(commit) > 90 else "")
    changed = output_of(["sh", "-c", f"git -C {shlex.quote(str(cfg.repo))} status --porcelain | wc -l"])
    python3 = shutil.which("python3", path=cfg.env.get("PATH"))
    probe = "import twisted; print('Twisted ' + twisted.__version__)"
    twisted = output_of(["python3", "-c", probe], env=cfg.env)
    twisted = twisted if twisted.startswith("Twisted ") else "no Twisted"
    if cfg.env.get("VIRTUAL_ENV") == str(cfg.venv):
        twisted += "; the venv is activated: its bin/ leads PATH"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = [
        ("checkout", f"{cfg.repo} at {commit}" + (f", {changed} changed files" if changed not in ("0", "") else "")),
        ("venv", f"{cfg.venv} ({output_of([str(cfg.venv / 'bin' / 'pytest'), '--version'])})"),
        ("specs imported from", origin + note),
        ("command form", "pytest --pyargs specs --impl ..." if cfg.pyargs else "pytest --impl ... (--no-pyargs)"),
        ("python3 (targets)", f"{python3} ({output_of(['python3', '--version'], env=cfg.env)}, {twisted})"),
        ("CPUs", f"{os.cpu_count()} (nproc: {usable})"),
        ("CPU speed", cpu_speed()),
        ("platform", " ".join(platform.uname()[:3]) + (f"; {sandbox}" if (sandbox := sandbox_note()) else "")),
    ]
    if hasattr(os, "getloadavg"):
        facts.append(("load average (start)", " ".join(f"{load:.2f}" for load in os.getloadavg())))
    for name in ("NETCONFORM_PROFILE", "CI", "PYTEST_ADDOPTS"):
        if cfg.env.get(name):
            facts.append((f"${name}", cfg.env[name]))
    return cfg, facts


def cpu_speed() -> str:
    """How fast one core runs Python here: the best of 3 runs of a fixed loop, in the python3 that runs the
    benchmark. The same goals take longer on a slower machine: compare figures from two machines by this."""
    best = min(timed_loop() for _ in range(3))
    return f"{best:.2f} s for sum(range(30_000_000)) (best of 3; smaller is faster)"


def timed_loop() -> float:
    start = time.perf_counter()
    sum(range(30_000_000))
    return time.perf_counter() - start


# --- The rows.


def measure_program(cfg: Config, row: str, runs: int) -> list[Line]:
    """greeting, logger, line-logger: a correct program written by this script; all specs pass."""
    if row in TRANSPORT_ROWS:
        role, name, placeholder = TRANSPORT_ROWS[row]
        path = cfg.repo / "fixtures" / "good" / name
        if not path.exists():
            return [Line(row, [], "median <= 2 s", skipped=f"skipped: no {path} (no transports in that checkout)")]
        source, limit = path.read_text(), 2.0
    else:
        role, name, source, limit = {
            "greeting": ("greeting-server", "greeting_server.py", GREETING_SERVER, 2.0),
            "logger": ("logger-server", "logger_server.py", LOGGER_SERVER, 6.0),
            "line-logger": ("line-logger-server", "line_logger_server.py", LINE_LOGGER_SERVER, 6.0),
        }[row]
        placeholder = "{port}"
    done = student_runs(cfg, row, role, f"python3 {name} {placeholder}", {name: source}, runs)
    expect(done, 0)
    return [Line(row, done, f"median <= {limit:g} s", limit)]


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


# --- Output.


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


def table(lines: list[Line]) -> tuple[list[str], list[list[str]]]:
    """The header and the cells of the table."""
    header = ["row", "runs", "min", "median", "max", "goal", "met?", "verdict"]
    cells = []
    for line in lines:
        if line.skipped:
            cells.append([line.row, "0", "-", "-", "-", line.goal, "-", line.skipped])
            continue
        times = line.times()
        met = line.met()
        mark = ("-" if met is None else ("yes" if met else "NO")) + (" (!)" if line.problems() else "")
        verdict = summarise_verdicts(line.runs) + (" (!)" if line.problems() else "")
        cells.append(
            [
                line.row,
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


def broken_details(details: list[tuple[Path, str, Run]], repo: Path) -> tuple[list[str], list[list[str]]]:
    """One row per known-bad fixture run: its time, verdict, what it breaks and what failed."""
    header = ["fixture", "seconds", "verdict", "breaks", "failed requirements"]
    cells = [
        [
            str(path.relative_to(repo / "fixtures" / "bad")),
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
) -> str:
    """The whole report, as plain text or Markdown."""
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
    out += ["", render(*table(lines))]
    notes = notes_of(lines)
    if notes:
        out += ["", *(f"- {note}" if as_markdown else note for note in notes)]
    if details:
        out += ["", "known-bad fixtures (broken), one line per run:", "", render(*broken_details(details, repo))]
    return "\n".join(out) + "\n"


# --- Command line.


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
    try:
        cfg, facts = prepare(Config(repo, venv, not args.no_pyargs, env, args.timeout, save))
    except SetupError as error:
        print(f"verdict_times: {error}", file=sys.stderr)
        return 2
    lines: list[Line] = []
    details: list[tuple[Path, str, Run]] = []
    for row in args.rows:
        runs = args.runs or (1 if row in HEAVY else 3)
        print(
            f"{row} ({runs} run{'s' if runs > 1 else ''}{' per fixture' if row == 'broken' else ''})", file=sys.stderr
        )
        if row in ("greeting", "logger", "line-logger", *TRANSPORT_ROWS):
            lines += measure_program(cfg, row, runs)
        elif row == "fixed-port":
            lines += measure_fixed_port(cfg, runs)
        elif row == "broken":
            found, details = measure_broken(cfg, runs)
            lines += found
        elif row in ("student-port", "never-listens"):
            lines += measure_fixture(cfg, row, runs)
        else:
            lines += measure_in_repo(cfg, row, runs)
    if hasattr(os, "getloadavg"):
        facts.append(("load average (end)", " ".join(f"{load:.2f}" for load in os.getloadavg())))
    print(report(facts, lines, details, repo, as_markdown=args.markdown == "-"), end="")
    if args.markdown not in (None, "-"):
        Path(args.markdown).write_text(report(facts, lines, details, repo, as_markdown=True))
        print(f"Markdown written to {args.markdown}")
    if any(line.problems() for line in lines):
        return 2
    return 1 if any(line.met() is False for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
