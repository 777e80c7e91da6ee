"""What a target's processes hold, with what Linux adds to psutil's view: CPU time in nanoseconds
(the scheduler's own accounting) and proportional memory (PSS), both from ``/proc``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import psutil

from ..portable import process_stats as from_psutil
from ..portable.process_stats import Memory, all_stopped, busy, cpu_seconds, fd_count, runnable, zombies

__all__ = ["Memory", "all_stopped", "busy", "cpu_ns", "cpu_seconds", "fd_count", "memory", "runnable", "zombies"]


def cpu_ns(procs: Iterable[psutil.Process]) -> int | None:
    """CPU time used so far by every thread of ``procs``, in nanoseconds (the scheduler's own
    accounting, ``/proc/PID/task/TID/schedstat``); None where the kernel does not keep it."""
    total = 0
    for proc in procs:
        try:
            tasks = os.listdir(f"/proc/{proc.pid}/task")
        except FileNotFoundError:
            continue  # it has exited
        except OSError:
            return None
        for task in tasks:
            try:
                with open(f"/proc/{proc.pid}/task/{task}/schedstat") as stat:
                    total += int(stat.read().split()[0])
            except FileNotFoundError:
                continue  # that thread has ended
            except (OSError, ValueError, IndexError):
                return None
    return total


def memory(procs: Iterable[psutil.Process], *, unique: bool = False) -> Memory:
    """The memory ``procs`` use together (``unique``: read USS too, which costs more); PSS from
    ``/proc/PID/smaps_rollup`` (None if the kernel does not say for one of them)."""
    procs = list(procs)
    found = from_psutil.memory(procs, unique=unique)
    pss: int | None = 0
    for proc in procs:
        try:
            text = Path(f"/proc/{proc.pid}/smaps_rollup").read_text()
            pss = None if pss is None else pss + next(int(line.split()[1]) * 1024 for line in text.splitlines()
                                                      if line.startswith("Pss:"))
        except FileNotFoundError:
            continue  # it has exited
        except (OSError, ValueError, StopIteration):
            pss = None
    return Memory(found.rss, found.uss, pss)
