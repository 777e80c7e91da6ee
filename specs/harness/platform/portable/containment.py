"""Finding every process a target started, wherever it went, and ending it: by a marker.

A target's descendants can leave its process group and session (``os.setsid()``, a
daemon's double fork, ``Popen(start_new_session=True)``) and be orphaned: then they are
neither in its group nor below it in the process tree. Every target runs with
``NETCONFORM_TARGET=<its own id>`` in its environment, which its descendants inherit and
which psutil's ``environ()`` shows: the whole process table is searched for it. A
descendant that clears its environment *and* escapes is not found here.

On macOS, ``environ()`` of another process returns its environment only for the same user,
and only if that process is not code-signed as restricted (psutil's documentation of
``Process.environ``: "something meaningful only for the current process or in other specific
circumstances"; XNU ``bsd/kern/kern_sysctl.c``, ``sysctl_procargsx``): a restricted program's
escaped descendants are not found either. Not run on macOS here.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import psutil

MARKER = "NETCONFORM_TARGET"


def mechanism() -> str:
    """How escaped descendants of targets are found, in words (for the summary and the JSON)."""
    return (f"the environment marker ({MARKER}) only (the portable platform): an escaped descendant that clears "
            "its environment cannot be found")


def degraded() -> bool:
    """Only the environment marker finds escaped descendants (always, here)."""
    return True


class Containment:
    """The processes of one target: its marker, and how to find and end them."""

    def __init__(self) -> None:
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        #: Where the launcher and the watchdog find the target's processes besides its group and marker
        #: ("-": nowhere else).
        self.place = "-"
        self._seen: dict[int, psutil.Process] = {}  # every member found so far (a zombie shows no environ)

    def enter(self, pid: int) -> None:
        """The just-started ``pid`` carries its marker in its environment already: nothing to do."""
        del pid

    def marked(self, proc: psutil.Process) -> bool:
        """Does ``proc`` carry this target's marker?"""
        try:
            return bool(proc.environ().get(MARKER) == self.token)
        except (OSError, psutil.Error):
            return False

    def members(self, known: list[psutil.Process]) -> list[psutil.Process]:
        """``known`` (the leader's tree and group), plus every process with the marker, plus the zombies of
        those seen before: live and zombie, each once."""
        found = {p.pid: p for p in known}
        for proc in psutil.process_iter():
            if proc.pid not in found and proc.pid != os.getpid() and self.marked(proc):
                found[proc.pid] = proc
        return self._with_seen(found)

    def _with_seen(self, found: dict[int, psutil.Process]) -> list[psutil.Process]:
        for pid, proc in list(self._seen.items()):
            with contextlib.suppress(psutil.Error):
                if pid not in found and proc.is_running():  # same process (psutil checks its start time)
                    found[pid] = proc
        self._seen.update(found)
        return list(found.values())

    def kill_all(self) -> None:
        """End every process of the target at once: nothing does that here (each is killed by its PID)."""

    def close(self) -> None:
        """Nothing to remove."""


def live(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``procs`` still running (not zombies, not gone)."""
    alive = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
    return alive


def describe(proc: psutil.Process) -> str:
    """``PID command line`` of a process, for the summary."""
    try:
        return f"PID {proc.pid}: {' '.join(proc.cmdline()) or proc.name()}"
    except psutil.Error:
        return f"PID {proc.pid}"
