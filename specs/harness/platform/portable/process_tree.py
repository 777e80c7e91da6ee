"""A target's process tree from psutil: its leader, the leader's descendants, and the rest of its
process group (found in the whole process table).

Without a child subreaper (Linux's ``prctl``), an orphan goes to init (launchd on macOS:
XNU ``bsd/kern/kern_exit.c`` reparents orphans to ``initproc``), which reaps it: netconform
still finds it in the process table while it runs, by its group or its marker.
"""

from __future__ import annotations

import contextlib
import os
import subprocess

import psutil


def become_subreaper() -> bool:
    """Adopt orphaned descendants: not possible here (False)."""
    return False


def is_subreaper() -> bool:
    """Is this process the child subreaper? Never here."""
    return False


def tree(leader: int, pgid: int) -> list[psutil.Process]:
    """The leader (first) and its descendants, plus any other member of its process group, each once."""
    found: dict[int, psutil.Process] = {}
    try:
        first = psutil.Process(leader)
        found[first.pid] = first
        for child in first.children(recursive=True):
            found[child.pid] = child
    except psutil.Error:
        pass
    for proc in group_members(pgid):
        found.setdefault(proc.pid, proc)
    return list(found.values())


def descendants(pid: int, depth: int | None = None) -> list[int]:
    """The PIDs below ``pid`` (``depth=1``: its children only), parents before children."""
    with contextlib.suppress(psutil.Error):
        return [p.pid for p in psutil.Process(pid).children(recursive=depth != 1)]
    return []


def group_members(pgid: int) -> list[psutil.Process]:
    """Every live or zombie process whose process group is ``pgid``."""
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid:
                members.append(proc)
        except (OSError, psutil.Error):
            continue
    return members


def await_exit(child: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once ``child`` has exited (reaped or not), or ``timeout`` seconds have passed. Here at once: the
    caller then waits with ``Popen.wait(timeout)``, which looks every few ms, then every 50 ms."""
