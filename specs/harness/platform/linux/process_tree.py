"""A target's process tree: its leader, the leader's descendants, and the rest of its process group.

Every spec that looks at a target's processes (zombies, file descriptors, CPU) and every
teardown reads it, so it is read from each process's own list of children
(``/proc/PID/task/TID/children``, zombies included), not from the whole process table. The
other members of the group are orphans this process adopted as the child subreaper
(:func:`become_subreaper`). Where the kernel keeps no such lists, or this process is no
subreaper (orphans then go to init), the whole process table is read instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import subprocess
import sys

import psutil

from ..portable import process_tree as from_table
from ..portable.process_tree import group_members

__all__ = ["await_exit", "become_subreaper", "children", "descendants", "group_members", "is_subreaper", "tree",
           "tree_pids"]

_HAS_CHILDREN_FILES = os.path.exists(f"/proc/self/task/{os.getpid()}/children")
PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so escaped grandchildren can be found and reaped."""
    global _subreaper
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = _subreaper or libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        pass
    return _subreaper


def is_subreaper() -> bool:
    """Is this process the child subreaper (``become_subreaper`` succeeded)?"""
    return _subreaper


def tree(leader: int, pgid: int) -> list[psutil.Process]:
    """The leader (first) and its descendants, plus any other member of its process group, each once."""
    pids = tree_pids(leader, pgid)
    if pids is None:
        return _tree_from_table(leader, pgid)
    found = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            found.append(psutil.Process(pid))
    return found


def tree_pids(leader: int, pgid: int) -> list[int] | None:
    """The PIDs of ``tree``, from the lists of children; None where they cannot be used."""
    if not _HAS_CHILDREN_FILES or not _subreaper:
        return None
    adopted = []
    for pid in children(os.getpid()):
        with contextlib.suppress(OSError):
            if pid != leader and os.getpgid(pid) == pgid:
                adopted.append(pid)
    found = dict.fromkeys([leader, *descendants(leader)])
    for pid in adopted:
        if pid not in found:
            found.update(dict.fromkeys([pid, *descendants(pid)]))
    return list(found)


def descendants(pid: int, depth: int | None = None) -> list[int]:
    """The PIDs below ``pid``, zombies included (``depth=1``: its children only), parents before children."""
    if not _HAS_CHILDREN_FILES:
        return from_table.descendants(pid, depth)
    found: dict[int, None] = {}
    level, deep = children(pid), 1
    while level and (depth is None or deep <= depth):
        found.update((child, None) for child in level)
        level, deep = [c for child in level for c in children(child) if c not in found], deep + 1
    return list(found)


def children(pid: int) -> list[int]:
    """The children of ``pid``, zombies included (none if it is gone)."""
    found: list[int] = []
    with contextlib.suppress(OSError, ValueError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/children") as listing:
                found += [int(n) for n in listing.read().split()]
    return found


def await_exit(child: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once ``child`` has exited (reaped or not), or ``timeout`` seconds have passed: the moment it exits,
    from a pidfd (Linux 5.3), where ``Popen.wait(timeout)`` would look every 50 ms."""
    try:
        pidfd = os.pidfd_open(child.pid)
    except (OSError, AttributeError):  # reaped already, or an older kernel: the caller's own wait looks
        return
    try:
        if child.poll() is None:  # not reaped, so the pidfd is this child's (its PID cannot have been reused)
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            poller.poll(max(0.0, timeout) * 1000)
    finally:
        os.close(pidfd)


def _tree_from_table(leader: int, pgid: int) -> list[psutil.Process]:
    return from_table.tree(leader, pgid)
