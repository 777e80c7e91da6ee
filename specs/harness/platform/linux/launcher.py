"""The command that starts a target under its resource limits: the portable launcher's, made cheaper.

util-linux's ``prlimit`` sets the limits and execs the target's command, and a ``/bin/sh`` line first enters
the target's cgroup (``echo $$ > cgroup.procs``), so that nothing the target forks is born outside it: about
2 ms of CPU a start, where the portable launcher (a Python interpreter, ``rlimit_exec.py``) takes 20, and a
suite starts hundreds of targets. Where ``prlimit`` is missing, the Linux ``rlimit_exec.py`` does the same.

The limits are those of ``portable/rlimit_exec.py``, worked out here from the harness's own (which the
launcher inherits): a soft limit never above the hard one, RLIMIT_CPU's hard limit 5 s above its soft one
(SIGXCPU, then SIGKILL), the other hard limits kept, no core files.
"""

from __future__ import annotations

import functools
import resource
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..portable import launcher as portable

MB = 1024 * 1024

#: ``python -I -S rlimit_exec.py CPU NPROC FSIZE_MB CGROUP -- ARGV...``: where ``prlimit`` is missing.
RLIMIT_EXEC = str(Path(__file__).resolve().with_name("rlimit_exec.py"))

#: ``sh -c ENTER sh CGROUP COMMAND...``: join the cgroup (else the harness moves the process once it runs), then
#: become COMMAND.
ENTER = '{ echo $$ > "$1/cgroup.procs"; } 2>/dev/null; shift; exec "$@"'


@functools.cache
def prlimit() -> str | None:
    """util-linux's ``prlimit``, if this system has it."""
    return shutil.which("prlimit")


def _soft(which: int, value: int) -> int:
    hard = resource.getrlimit(which)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def command(argv: Sequence[str], *, cpu_seconds: int, processes: int, file_mb: int, place: str = "-") -> list[str]:
    """``argv`` wrapped in the launcher: RLIMIT_CPU ``cpu_seconds``, RLIMIT_NPROC ``processes``, RLIMIT_FSIZE
    ``file_mb`` (0: that limit left alone), no core files; the cgroup ``place`` (``-``: none) entered first."""
    found = prlimit()
    if found is None:
        return portable.script_command(RLIMIT_EXEC, argv, cpu_seconds=cpu_seconds, processes=processes,
                                       file_mb=file_mb, place=place)
    limits = []
    if cpu_seconds > 0:
        cpu = _soft(resource.RLIMIT_CPU, cpu_seconds)
        limits.append(f"--cpu={cpu}:{cpu + 5}")
    if processes > 0:
        limits.append(f"--nproc={_soft(resource.RLIMIT_NPROC, processes)}:")
    if file_mb > 0:
        limits.append(f"--fsize={_soft(resource.RLIMIT_FSIZE, file_mb * MB)}:")
    launched = [found, *limits, "--core=0:0", "--", *argv]
    return launched if place == "-" else ["/bin/sh", "-c", ENTER, "sh", place, *launched]
