#!/usr/bin/env python3
"""How long does netconform take to validate one correct greeting server?

The script writes a small, correct, standalone greeting server (Python 3, threaded,
127.0.0.1 only) into a temporary folder and runs, from that folder, the command a
student runs::

    python -m pytest --pyargs specs --impl 'greeting-server=python3 server.py {port}' \
        -q -p no:cacheprovider --netconform-profile dev

``--runs`` times (default 5), timing each run's whole process with
``time.perf_counter()`` around ``subprocess.run``: interpreter start-up, imports,
collection, starting the server under test (through ``python3`` on ``PATH``), every
greeting-server spec, and tear-down. An untimed run first checks that the command
really runs the specs: pytest is tried without ``--pyargs specs`` first (the
plug-in is loaded through its ``pytest11`` entry point, but nothing tells pytest
where the specs are, so from a folder of its own it finds no test), and the script
falls back to ``--pyargs specs`` and says which form it timed.

Exit status: 0 if the median wall time is under ``--budget`` seconds, 1 if not, 2 if
a run did not pass (then the numbers mean nothing).

    python benchmarks/validate_greeting_server.py --runs 5 --budget 5

``--backlog`` sets the generated server's ``listen()`` backlog: 5 by default, as in
the book's ``listen(5)`` and socketserver's default ``request_queue_size``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

SERVER_SOURCE = '''\
"""A correct greeting server: greets each client, closes, keeps serving (one thread per client)."""

import socket
import sys
import threading

BACKLOG = {backlog}


def greet(conn: socket.socket, address: tuple[str, int]) -> None:
    with conn:
        print("Got connection from", address, flush=True)
        conn.sendall(b"Thank you for connecting")


def main() -> None:
    port = int(sys.argv[1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(BACKLOG)
        while True:
            conn, address = server.accept()
            threading.Thread(target=greet, args=(conn, address), daemon=True).start()


if __name__ == "__main__":
    main()
'''

IMPL = "greeting-server=python3 server.py {port}"
RUN_TIMEOUT = 300.0  # seconds: a run that takes longer is killed and counts as failed
VERSIONS_OF = ("netconform", "pytest", "hypothesis", "psutil", "pytest-xdist", "pytest-timeout")


@dataclass
class Run:
    """One pytest process: its wall time and what it printed."""

    seconds: float
    returncode: int
    output: str

    @property
    def passed(self) -> bool:
        """The run exited 0 after passing at least one spec."""
        return self.returncode == 0 and re.search(r"\b\d+ passed\b", self.output) is not None

    @property
    def session_seconds(self) -> float | None:
        """The session time pytest itself reports ("13 passed in 9.24s"), if any."""
        found = re.findall(r"\bin (\d+(?:\.\d+)?)s\b", self.output)
        return float(found[-1]) if found else None

    def summary_line(self) -> str:
        """pytest's closing line, or the last line printed."""
        lines = [line.strip("= ") for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else f"(no output, exit {self.returncode})"


def pytest_command(pyargs: bool, profile: str, durations: int, quiet: bool = True) -> list[str]:
    """The command timed (without ``--pyargs specs`` when ``pyargs`` is false)."""
    command = [sys.executable, "-m", "pytest"]
    if pyargs:
        command += ["--pyargs", "specs"]
    command += ["--impl", IMPL]
    if quiet:
        command.append("-q")
    command += ["-p", "no:cacheprovider", "--netconform-profile", profile]
    if durations:
        command.append(f"--durations={durations}")
    return command


def run_once(command: list[str], folder: Path) -> Run:
    """Run ``command`` in ``folder`` and time the whole process."""
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout if isinstance(timeout.stdout, str) else (timeout.stdout or b"").decode(errors="replace")
        return Run(time.perf_counter() - start, -1, output + f"\n(killed after {RUN_TIMEOUT:g}s)")
    return Run(time.perf_counter() - start, done.returncode, done.stdout + done.stderr)


def header_value(output: str, key: str) -> str:
    """A value from pytest's header (``rootdir: ...``, ``configfile: ...``)."""
    found = re.search(rf"^{key}: ([^,\n]+)", output, re.MULTILINE)
    return found.group(1).strip() if found else "(none)"


def version_of(distribution: str) -> str:
    """The installed version of ``distribution``, or ``not installed``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_facts() -> list[tuple[str, str]]:
    """What the numbers depend on."""
    cpu_model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu_model = found.group(1) if found else cpu_model
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    target_python = shutil.which("python3")
    target_version = "not found"
    if target_python:
        probe = subprocess.run([target_python, "--version"], capture_output=True, text=True, check=False)
        target_version = (probe.stdout or probe.stderr).strip()
    facts = [
        ("CPUs", f"{os.cpu_count()} (usable by this process: {usable}), {cpu_model}"),
        ("platform", platform.platform()),
        ("python (pytest)", f"{platform.python_version()} ({sys.executable})"),
        ("python3 (target)", f"{target_version} ({target_python})"),
    ]
    if hasattr(os, "getloadavg"):
        facts.append(("load average", " ".join(f"{load:.2f}" for load in os.getloadavg())))
    facts += [(name, version_of(name)) for name in VERSIONS_OF]
    return facts


def find_working_command(folder: Path, profile: str) -> tuple[bool | None, list[str]]:
    """Whether ``--pyargs specs`` is needed (None: neither form passed), and what was learnt.

    These runs are untimed; they also warm the page cache for the timed ones.
    """
    notes = []
    for pyargs in (False, True):
        command = pytest_command(pyargs, profile, durations=0, quiet=False)
        run = run_once(command, folder)
        form = "with --pyargs specs" if pyargs else "without --pyargs specs"
        notes.append(
            f"{form}: exit {run.returncode}, {run.summary_line()!r} "
            f"(rootdir: {header_value(run.output, 'rootdir')}, "
            f"configfile: {header_value(run.output, 'configfile')}; untimed, {run.seconds:.2f}s)"
        )
        if run.passed:
            return pyargs, notes
        if run.returncode != 5:  # tests ran and failed, or pytest broke: --pyargs would not help
            notes.append(run.output[-3000:])
            break
    return None, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument(
        "--budget", type=float, default=5.0, help="seconds the median run may take for exit status 0 (default 5.0)"
    )
    parser.add_argument(
        "--profile",
        choices=("dev", "ci", "thorough"),
        default="dev",
        help="Hypothesis profile, passed as --netconform-profile (default dev)",
    )
    parser.add_argument(
        "--backlog",
        type=int,
        default=5,
        help="listen() backlog of the generated server (default 5, the book's listen(5))",
    )
    parser.add_argument(
        "--durations",
        type=int,
        default=0,
        metavar="N",
        help="also pass --durations=N and print the last run's slowest specs",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="netconform-bench-") as tmp:
        folder = Path(tmp)
        (folder / "server.py").write_text(SERVER_SOURCE.format(backlog=args.backlog))
        pyargs, notes = find_working_command(folder, args.profile)
        if pyargs is None:
            print("\n".join(["netconform did not validate the generated server:", *notes]), file=sys.stderr)
            return 2
        command = pytest_command(pyargs, args.profile, args.durations)
        runs = [run_once(command, folder) for _ in range(args.runs)]

    times = [run.seconds for run in runs]
    median = statistics.median(times)
    print("method")
    print(f"  command     {shlex.join(command)}")
    print(f"  folder      a temporary folder holding only server.py (threaded, 127.0.0.1, listen({args.backlog}))")
    print("  does it run the specs?")
    for note in notes:
        print(f"    {note}")
    print(f"  runs        {args.runs} timed, after the untimed run(s) above")
    print("  timed       wall time of the whole pytest process (time.perf_counter around subprocess.run):")
    print("              interpreter start-up, imports, collection, target start-up, specs, tear-down")
    print("machine")
    for name, value in machine_facts():
        print(f"  {name:<17} {value}")
    print("runs")
    for n, run in enumerate(runs, 1):
        session = run.session_seconds
        reported = f"pytest reports {session:.2f}s" if session is not None else "no session time"
        print(f"  {n}: {run.seconds:6.2f}s wall  ({reported}; exit {run.returncode}: {run.summary_line()})")
    print(f"wall time     min {min(times):.2f}s  median {median:.2f}s  max {max(times):.2f}s")
    if args.durations:
        print("slowest (last run)")
        for line in runs[-1].output.splitlines():
            if re.match(r"\d+\.\d+s (setup|call|teardown) ", line):
                print(f"  {line}")
    failed = [n for n, run in enumerate(runs, 1) if not run.passed]
    if failed:
        print(f"FAILED: run(s) {failed} did not pass; the times are not a measurement of validation.")
        print(runs[failed[0] - 1].output[-3000:])
        return 2
    verdict = "under" if median < args.budget else "OVER"
    print(f"budget        median {median:.2f}s is {verdict} the budget of {args.budget:g}s")
    return 0 if median < args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
