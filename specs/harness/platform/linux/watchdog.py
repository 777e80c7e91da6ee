"""Watchdog that kills the targets of a test run if the run itself dies: the portable one
(``portable/watchdog.py``, its protocol and main loop), finding marked processes through
``/proc/PID/environ`` (no import: it starts fast) and a target's place, its cgroup, through
the cgroup's ``cgroup.procs``; the cgroups are removed at the end.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path


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


def remove_cgroup(folder: str) -> None:
    """Remove the cgroup ``folder`` (once its processes are gone)."""
    with contextlib.suppress(OSError):
        os.rmdir(folder)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portable"))  # run as a script, with -I
    sys.exit(importlib.import_module("watchdog").main(marked, in_cgroup, remove_cgroup))  # portable/watchdog.py
