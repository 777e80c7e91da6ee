"""Set resource limits, then become the target: ``python -I -S rlimit_exec.py CPU NPROC FSIZE_MB PLACE -- ARGV...``.

A launcher rather than ``preexec_fn`` (which is unsafe in a process with threads, like
the harness): it sets the limits in a fresh single-threaded process and execs the
target's command, so the target and everything it forks inherit them. A value of 0
leaves that limit alone. PLACE (``-``: none) is where the platform keeps the target's
processes: here nowhere; the Linux launcher (``linux/rlimit_exec.py``) enters the
target's cgroup first, then runs this one's :func:`main`. It always runs on the
harness's own interpreter. RLIMIT_CPU, RLIMIT_NPROC, RLIMIT_FSIZE and RLIMIT_CORE are
POSIX (macOS has them all; its RLIMIT_NPROC counts processes, Linux's threads too).
"""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Callable

MB = 1024 * 1024


def _set(which: int, value: int) -> None:
    if value <= 0:
        return
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard if which != resource.RLIMIT_CPU else value + 5))


def main(args: list[str], enter: Callable[[str], None] = lambda place: None) -> int:
    """Enter the place (``enter``), set the limits, exec the command."""
    cpu, nproc, fsize_mb = (int(a) for a in args[:3])
    place, argv = args[3], args[5:]
    if place != "-":
        enter(place)
    _set(resource.RLIMIT_CPU, cpu)  # SIGXCPU at the soft limit, SIGKILL 5 s later
    _set(resource.RLIMIT_NPROC, nproc)  # counts every process of this user; root is exempt
    _set(resource.RLIMIT_FSIZE, fsize_mb * MB)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file in its folder
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"netconform: cannot run {argv[0]!r}: {exc}\n")
        return 127
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
