"""What a target's processes hold: zombie children, open file descriptors, CPU time (psutil)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

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


def pss_bytes(proc: psutil.Process) -> int:
    """``proc``'s proportional set size: its resident pages, a shared page divided among its sharers
    (``/proc/PID/smaps_rollup``). OSError, ValueError or StopIteration where the kernel does not say."""
    text = Path(f"/proc/{proc.pid}/smaps_rollup").read_text()
    return next(int(line.split()[1]) * 1024 for line in text.splitlines() if line.startswith("Pss:"))
