"""Finding every process a target started, wherever it went, and ending it.

A target's descendants can leave its process group and session (``os.setsid()``, a
daemon's double fork, ``Popen(start_new_session=True)``) and be orphaned: then they are
neither in its group nor below it in the process tree. Two mechanisms still find them:

- **a cgroup per target** (``cgroup2``), where one can be had: every process the target
  forks stays in it, whatever it does; ``cgroup.kill`` ends them all at once, forks in
  flight included. The harness makes one below its own cgroup (it needs write access:
  root, or a delegated cgroup);
- **a marker and the subreaper**, always: every target runs with
  ``NETCONFORM_TARGET=<its own id>`` in its environment, which its descendants inherit
  and which ``/proc/PID/environ`` shows; and the test process is a child subreaper
  (``prctl(PR_SET_CHILD_SUBREAPER)``), so orphans become its children and are reaped.
  A descendant that clears its environment *and* escapes is found only by a cgroup.

``proctree`` walks the tree and makes this process the subreaper. :func:`mechanism` says which of them
is in use.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import uuid
from pathlib import Path

import psutil

from ..portable import containment as by_marker
from ..portable.containment import MARKER, describe, live
from . import process_tree

__all__ = ["MARKER", "Containment", "cgroup_root", "degraded", "describe", "live", "mechanism"]


@functools.cache
def _cgroup2() -> tuple[Path, str] | None:
    """(the cgroup2 mount, this process's cgroup below it) if this process may make cgroups there, else None."""
    if not sys.platform.startswith("linux") or os.environ.get("NETCONFORM_NO_CGROUP"):
        return None
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
        own = next((ln[3:] for ln in Path("/proc/self/cgroup").read_text().splitlines() if ln.startswith("0::")), None)
    except OSError:
        return None
    mount = next((fields[1] for ln in mounts if len(fields := ln.split()) > 2 and fields[2] == "cgroup2"), None)
    if mount is None or own is None:
        return None
    probe = Path(mount) / own.strip("/") / f"netconform-probe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        probe.mkdir()
    except OSError:
        return None
    kill = (probe / "cgroup.kill").exists()
    probe.rmdir()
    return (Path(mount), own.strip("/")) if kill else None  # without cgroup.kill (Linux < 5.14): the marker


def cgroup_root() -> Path | None:
    """The cgroup2 folder (this process's own cgroup) in which a cgroup per target is made, else None."""
    found = _cgroup2()
    return None if found is None else found[0] / found[1]


def mechanism() -> str:
    """How escaped descendants of targets are found, in words (for the summary and the JSON)."""
    if cgroup_root() is not None:
        return (f"cgroup2 (one cgroup per target), with the environment marker ({MARKER})"
                + (" and the subreaper" if process_tree.is_subreaper() else " (no child subreaper)"))
    if process_tree.is_subreaper():
        return f"the environment marker ({MARKER}) and the subreaper (no usable cgroup2)"
    return (f"the environment marker ({MARKER}) only: no cgroup2 and no child subreaper on this system; an "
            "escaped descendant that clears its environment cannot be found")


def degraded() -> bool:
    """Neither a cgroup nor the subreaper: only the environment marker finds escaped descendants."""
    return cgroup_root() is None and not process_tree.is_subreaper()


class Containment(by_marker.Containment):
    """The processes of one target: its marker, its cgroup (if any), and how to find and end them."""

    def __init__(self) -> None:
        super().__init__()
        self.cgroup: Path | None = None
        self._cgroup_line = ""  # how /proc/PID/cgroup names it, zombies included
        found = _cgroup2()
        if found is not None:
            with contextlib.suppress(OSError):
                (found[0] / found[1] / f"netconform-{self.token}").mkdir()
                self.cgroup = found[0] / found[1] / f"netconform-{self.token}"
                self.place = str(self.cgroup)
                self._cgroup_line = f"0::/{found[1]}/netconform-{self.token}".replace("//", "/") + "\n"

    def enter(self, pid: int) -> None:
        """Put the just-started ``pid`` in this target's cgroup (its marker it has from its environment).

        What it forked before it was moved (a compiled daemon may fork at once) was born outside: the
        leader's descendants, and the marked orphans adopted by this (subreaper) process, are moved too,
        until a pass finds none (a process moved in may have forked once more before its move)."""
        if self.cgroup is None:
            return
        try:
            self._move(pid)
            for _round in range(10):
                outside = [p for p in self._born_before(pid) if not self._inside(p)]
                for other in outside:
                    self._move(other)
                if not outside:
                    break
        except OSError:
            self.close()

    def _move(self, pid: int) -> None:
        assert self.cgroup is not None
        with contextlib.suppress(ProcessLookupError):  # (gone already: nothing to contain)
            (self.cgroup / "cgroup.procs").write_text(str(pid))

    def _inside(self, pid: int) -> bool:
        try:
            return self._cgroup_line in Path(f"/proc/{pid}/cgroup").read_text()
        except OSError:
            return True  # gone

    def _born_before(self, pid: int) -> list[int]:
        """The descendants of ``pid``, and the marked orphans of this process with theirs (from the lists of
        children, not the whole process table: this runs at every start)."""
        found = process_tree.descendants(pid)
        for child in process_tree.descendants(os.getpid(), depth=1):
            with contextlib.suppress(psutil.Error):
                if child != pid and self.marked(psutil.Process(child)):
                    found += [child, *process_tree.descendants(child)]
        return found

    def marked(self, proc: psutil.Process) -> bool:
        """Does ``proc`` carry this target's marker (or sit in its cgroup)?"""
        try:
            if self._cgroup_line and self._cgroup_line in Path(f"/proc/{proc.pid}/cgroup").read_text():
                return True
        except OSError:
            return False
        return super().marked(proc)

    def members(self, known: list[psutil.Process]) -> list[psutil.Process]:
        """``known`` (the leader's tree and group), plus every process of the cgroup (without a cgroup: every
        process with the marker), plus the zombies of those seen before: live and zombie, each once.

        A process cannot leave its cgroup but by writing another cgroup's ``cgroup.procs``, and what the
        leader forked before it entered was moved in with it (``enter``): with a cgroup, the marker adds
        nothing, and looking for it (the environment of every process on the machine) costs more than
        all the rest."""
        if self.cgroup is None:
            return super().members(known)
        found = {p.pid: p for p in known}
        with contextlib.suppress(OSError, ValueError):
            for number in (self.cgroup / "cgroup.procs").read_text().split():
                with contextlib.suppress(psutil.Error):
                    found.setdefault(int(number), psutil.Process(int(number)))
        return self._with_seen(found)

    def kill_all(self) -> None:
        """SIGKILL everything in the cgroup at once (forks in flight included)."""
        if self.cgroup is not None:
            with contextlib.suppress(OSError):
                (self.cgroup / "cgroup.kill").write_text("1")

    def close(self) -> None:
        """Remove the cgroup (once no live process is in it; zombies do not count)."""
        if self.cgroup is not None:
            with contextlib.suppress(OSError):
                self.cgroup.rmdir()
            self.cgroup = None
            self.place = "-"
