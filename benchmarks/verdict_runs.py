"""verdict_times' runs: one ``pytest`` process timed from outside, its verdict, and the table's lines.

What every row is made of: the student command (:func:`student_command`), a fresh folder outside
the checkout for each run (:func:`fresh_folder`), the timed process (:func:`timed`) and the check
that its verdict is the expected one (:func:`expect`). Imports nothing from netconform, so the
script can measure any commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

VERDICTS = "verdicts.json"  # each student run writes its verdicts here (--netconform-json), in its own folder
NETNS_WRAPPER = ("unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh")
#: A network namespace's holder (its pid is the namespace's: unshare and sh exec), for commands run in it by nsenter.
NETNS_HOLDER = ("unshare", "--net", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep 86400")

#: The environment variable that chooses netconform's platform layer (``specs/harness/platform``), and its values.
PLATFORM_CHOICE = "NETCONFORM_PLATFORM"
PLATFORMS = ("linux", "portable")

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
    platform: str = "-"  # the platform implementation the runs use (verdict_setup.prepare finds it)


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
        chosen = f"{PLATFORM_CHOICE}={cfg.env[PLATFORM_CHOICE]} " if cfg.env.get(PLATFORM_CHOICE) else ""
        (cfg.save_output / f"{name}.txt").write_text(f"$ {chosen}{shlex.join(argv)}\n# in {cwd}\n{run.output}")
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


def student_run(
    cfg: Config, label: str, role: str, command: str, files: dict[str, str], *, wrapper: Sequence[str] = (),
    options: Sequence[str] = (),
) -> Run:
    """One timed run of the student command (plus ``options``) from a fresh folder holding ``files``, behind
    ``wrapper`` (a network namespace's: ``NETNS_WRAPPER``, or :func:`shared_netns`'s)."""
    with fresh_folder(cfg, files) as folder:
        argv = [*wrapper, *student_command(cfg.venv, role, command, pyargs=cfg.pyargs), *options]
        return timed(label, argv, folder, cfg)


def student_runs(
    cfg: Config, row: str, role: str, command: str, files: dict[str, str], runs: int, *, netns: bool = False,
    options: Sequence[str] = (),
) -> list[Run]:
    """``runs`` timed runs of the student command (plus ``options``), each from a fresh folder holding ``files``
    (``netns``: each in a fresh network namespace of its own)."""
    wrapper = NETNS_WRAPPER if netns else ()
    return [
        student_run(cfg, f"{row} run {n}/{runs}", role, command, files, wrapper=wrapper, options=options)
        for n in range(1, runs + 1)
    ]


@contextlib.contextmanager
def shared_netns() -> Iterator[tuple[str, ...]]:
    """A fresh network namespace (lo up) that outlives the commands run in it, for runs that must meet what an
    earlier run left there (TIME_WAIT): yields the prefix that runs a command in it. A holder process keeps it;
    the namespace, and every connection in it, goes with the holder at the end."""
    holder = subprocess.Popen(
        NETNS_HOLDER, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stderr is not None
        if holder.stdout.readline().strip() != "up":
            holder.wait(timeout=20)
            raise SetupError(f"no network namespace: {shlex.join(NETNS_HOLDER)}: {holder.stderr.read().strip()}")
        yield ("nsenter", f"--net=/proc/{holder.pid}/ns/net", "--")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(holder.pid, signal.SIGKILL)
        holder.communicate()


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

