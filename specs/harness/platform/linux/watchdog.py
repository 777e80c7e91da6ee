"""Watchdog that kills the targets of a test run if the run itself dies.

Run as a script (stdlib only) by :mod:`specs.harness.launch.process_group`; it reads lines on stdin:
``+TOKEN CGROUP`` before a target starts (TOKEN: its ``NETCONFORM_TARGET`` marker; CGROUP:
its cgroup folder, or ``-``), ``=TOKEN PGID`` once it runs, ``-TOKEN`` once it is stopped.
When stdin closes (the test process exited, however: normally, by ``os._exit`` from
pytest-timeout, or killed with SIGKILL), it sends SIGTERM to every target still
registered, then SIGKILL after a grace period: to its process group, to every process
of its cgroup, and to every process carrying its marker (descendants that left the
group with ``setsid()``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

GRACE = 1.0


def marked(tokens: set[str]) -> list[int]:
    """The processes whose environment carries one of ``tokens`` (``NETCONFORM_TARGET=token``)."""
    wanted = {f"NETCONFORM_TARGET={t}".encode() for t in tokens}
    found = []
    for name in os.listdir("/proc") if tokens and os.path.isdir("/proc") else ():
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/environ", "rb") as file:
                    if wanted & set(file.read().split(b"\0")):
                        found.append(int(name))
            except OSError:
                continue
    return found


def in_cgroup(folder: str) -> list[int]:
    """The processes of the cgroup ``folder`` (none if it is gone)."""
    try:
        with open(os.path.join(folder, "cgroup.procs")) as file:
            return [int(pid) for pid in file.read().split()]
    except (OSError, ValueError):
        return []


def signal_all(targets: dict[str, tuple[str, int]], sig: int) -> None:
    """Send ``sig`` to every target: its group, its cgroup's processes, its marked processes."""
    pids = set(marked(set(targets)))
    for cgroup, pgid in targets.values():
        if pgid > 0:
            with contextlib.suppress(OSError):
                os.killpg(pgid, sig)
        if cgroup != "-":
            pids.update(in_cgroup(cgroup))
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def main() -> int:
    """Track targets until stdin closes, then kill whatever is still registered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the test run, not for us
    targets: dict[str, tuple[str, int]] = {}  # token -> (cgroup folder or "-", process group or 0)
    for line in sys.stdin:
        fields = line.split()
        if len(fields) == 2 and fields[0].startswith("+"):
            targets[fields[0][1:]] = (fields[1], 0)
        elif len(fields) == 2 and fields[0].startswith("=") and fields[0][1:] in targets:
            targets[fields[0][1:]] = (targets[fields[0][1:]][0], int(fields[1]))
        elif fields and fields[0].startswith("-"):
            targets.pop(fields[0][1:], None)
    if targets:
        signal_all(targets, signal.SIGTERM)
        time.sleep(GRACE)
        signal_all(targets, signal.SIGKILL)
        time.sleep(0.2)
        for cgroup, _pgid in targets.values():
            if cgroup != "-":
                with contextlib.suppress(OSError):
                    os.rmdir(cgroup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
