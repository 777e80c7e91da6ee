"""Set resource limits, then become the target: ``python -I -S rlimit_exec.py CPU NPROC FSIZE_MB CGROUP -- ARGV...``.

A launcher rather than ``preexec_fn`` (which is unsafe in a process with threads, like
the harness): it sets the limits in a fresh single-threaded process and execs the
target's command, so the target and everything it forks inherit them. A value of 0
leaves that limit alone. CGROUP (``-``: none) is the target's cgroup folder: the
launcher enters it first, so that nothing the target forks can be outside it (the
harness also moves the process there, but only once it has started). It always runs on
the harness's own interpreter.
"""

from __future__ import annotations

import os
import resource
import sys

MB = 1024 * 1024


def _set(which: int, value: int) -> None:
    if value <= 0:
        return
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard if which != resource.RLIMIT_CPU else value + 5))


def main(args: list[str]) -> int:
    cpu, nproc, fsize_mb = (int(a) for a in args[:3])
    cgroup, argv = args[3], args[5:]
    if cgroup != "-":
        try:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as procs:
                procs.write(str(os.getpid()))
        except OSError:
            pass  # the harness moves it, and finds its descendants by their marker
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
