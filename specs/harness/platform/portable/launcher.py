"""The command that starts a target under its resource limits: a launcher that sets them, enters the target's
place (``-``: none), then execs the target's command, so that the target and all it forks inherit them.

Here the launcher is ``rlimit_exec.py`` on the harness's own interpreter (``-I -S``: about 20 ms of CPU a start),
which every POSIX system can run.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

#: ``python -I -S rlimit_exec.py CPU NPROC FSIZE_MB PLACE -- ARGV...``: limits set, then it execs ARGV.
RLIMIT_EXEC = str(Path(__file__).resolve().with_name("rlimit_exec.py"))


def command(argv: Sequence[str], *, cpu_seconds: int, processes: int, file_mb: int, place: str = "-") -> list[str]:
    """``argv`` wrapped in the launcher: RLIMIT_CPU ``cpu_seconds``, RLIMIT_NPROC ``processes``, RLIMIT_FSIZE
    ``file_mb`` (0: that limit left alone), no core files; ``place`` entered first."""
    return script_command(RLIMIT_EXEC, argv, cpu_seconds=cpu_seconds, processes=processes, file_mb=file_mb,
                          place=place)


def script_command(script: str, argv: Sequence[str], *, cpu_seconds: int, processes: int, file_mb: int,
                   place: str) -> list[str]:
    """``argv`` wrapped in the launcher ``script`` (this one, or the Linux one, which enters a cgroup first)."""
    return [sys.executable, "-I", "-S", script, str(cpu_seconds), str(processes), str(file_mb), place, "--", *argv]
