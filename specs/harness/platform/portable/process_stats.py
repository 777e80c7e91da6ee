"""What a target's processes hold: zombie children, open file descriptors, CPU time, memory (psutil).

On macOS psutil reports every process as running (its ``status()``: psutil issues #1754 and
#2675), so :func:`busy` and :func:`runnable` are always true there: waits on a process going
idle last their whole limit, and RES-3/RES-4 judge by the CPU rate alone. ``cpu_times()``'s
``children_user`` and ``children_system`` are always 0 on macOS (psutil's ``docs/api.rst``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psutil


def zombies(procs: Iterable[psutil.Process]) -> list[psutil.Process]:
    """The zombies among ``procs`` (exited children nobody waited for)."""
    found = []
    for proc in procs:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def fd_count(procs: Iterable[psutil.Process]) -> int:
    """Open file descriptors summed over the live ones of ``procs``."""
    total = 0
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                total += proc.num_fds()
        except psutil.Error:
            continue
    return total


def cpu_seconds(procs: Iterable[psutil.Process]) -> float:
    """CPU time (user + system) used so far by ``procs``."""
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def runnable(procs: Iterable[psutil.Process]) -> int:
    """How many of ``procs`` are running or ready to run (a busy loop always is; a waiting server sleeps)."""
    count = 0
    for proc in procs:
        try:
            count += proc.status() == psutil.STATUS_RUNNING
        except psutil.Error:
            continue
    return count


def all_stopped(procs: Iterable[psutil.Process]) -> bool:
    """Are all of ``procs`` stopped (SIGSTOP: state T) or exited? A signal is delivered when its process next runs."""
    for proc in procs:
        try:
            if proc.status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
                return False
        except psutil.NoSuchProcess:
            continue
        except psutil.Error:
            return False
    return True


def busy(procs: Iterable[psutil.Process]) -> bool:
    """Is any of ``procs`` running, ready to run, or waiting for the disk (not asleep, not waiting for an event)?"""
    for proc in procs:
        try:
            if proc.status() in (psutil.STATUS_RUNNING, psutil.STATUS_DISK_SLEEP):
                return True
        except psutil.Error:
            continue
    return False


def cpu_ns(procs: Iterable[psutil.Process]) -> int | None:
    """CPU time used so far by every thread of ``procs``, in nanoseconds: not kept here (None; the
    callers measure in clock ticks, ``cpu_seconds``)."""
    del procs
    return None


@dataclass(frozen=True)
class Memory:
    """The memory of some processes, summed, in bytes: resident (RSS), unique (USS: pages no other
    process maps; None where it cannot be read) and proportional (PSS: a shared page divided among its
    sharers; None where the kernel does not say)."""

    rss: int
    uss: int | None
    pss: int | None


def memory(procs: Iterable[psutil.Process], *, unique: bool = False) -> Memory:
    """The memory ``procs`` use together (``unique``: read USS too, which costs more)."""
    rss, uss = 0, 0 if unique else None
    for proc in procs:
        try:
            rss += proc.memory_info().rss
            if uss is not None:
                uss += proc.memory_full_info().uss
        except psutil.Error:
            continue
    return Memory(rss, uss, None)
