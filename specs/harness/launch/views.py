"""What a running server target shows: its output during the current spec, and its processes.

The read-only half of :class:`~.server.ServerProcess` (failure messages, hints and the
resource specs read these), apart from the lifecycle that changes it.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil

from ..platform import process_stats
from ..wire.captured_output import Line
from .process_group import ProcessGroup
from .settings import TargetUnavailable
from .targets import TargetSpec


class TargetViews:
    """Views of a server target's process and output (mixed into ``ServerProcess``)."""

    spec: TargetSpec
    group: ProcessGroup | None
    folder: Path | None
    _test_mark: int
    _interrupt_mark: int | None

    def ensure_running(self) -> None:
        raise NotImplementedError

    @property
    def socket_path(self) -> str | None:
        """A Unix target's ``{path}`` (None for other targets)."""
        return None if self.folder is None else str(self.folder / "server.sock")

    def _own_lines(self, stream: str | None) -> list[Line]:
        """This spec's lines of the current process, up to netconform's Ctrl-C if it sent one."""
        if self.group is None:
            return []
        lines = self.group.output.lines(self._test_mark, stream)
        if self._interrupt_mark is not None:
            lines = [ln for ln in lines if ln.index < self._interrupt_mark]
        return lines

    def stderr_text(self, n: int = 30) -> str:
        """The last ``n`` lines the program wrote to stderr during this spec (for hints)."""
        lines = [ln for ln in self._own_lines(None) if ln.stream != "stdout"]  # and netconform's notes
        return "\n".join(ln.text for ln in lines[-n:])

    def stdout_text(self, n: int = 30) -> str:
        """The last ``n`` lines the program wrote to stdout during this spec (for hints)."""
        return "\n".join(ln.text for ln in self._own_lines("stdout")[-n:])

    def interrupt_text(self) -> str:
        """What the program wrote after netconform's Ctrl-C probe (where it was: a traceback)."""
        if self.group is None or self._interrupt_mark is None:
            return ""
        return "\n".join(ln.text for ln in self.group.output.lines(self._interrupt_mark, None)
                         if ln.stream != "stdout")

    @property
    def exited_on_its_own(self) -> int | None:
        """The exit status if the process exited by itself (not after netconform's Ctrl-C or kill)."""
        if self.group is None or self._interrupt_mark is not None:
            return None
        return self.group.returncode

    def output_tail(self) -> str:
        """Both streams' last lines, for failure messages."""
        return "    (not started)" if self.group is None else self.group.output.tail(15)

    def processes(self) -> list[psutil.Process]:
        """The target's live process tree (leader, forked children, zombies)."""
        self.ensure_running()
        if self.spec.port_policy == "external":
            raise TargetUnavailable(f"{self.spec.name} is a tcp:// target: netconform did not start it and cannot "
                                    "see its processes (a spec that needs them must carry @observes_process)")
        assert self.group is not None
        return self.group.tree()

    def zombies(self) -> list[psutil.Process]:
        """Zombie processes in the target's tree (exited children nobody waited for)."""
        return process_stats.zombies(self.processes())

    def live_children(self) -> frozenset[int]:
        """The PIDs of the target's processes other than its leader that have not exited (zombies aside)."""
        procs = self.processes()
        leader = self.group.pid if self.group is not None else -1
        zombies = {p.pid for p in process_stats.zombies(procs)}
        return frozenset(p.pid for p in procs if p.pid != leader and p.pid not in zombies)

    def children_ended(self, before: frozenset[int], timeout: float, every: float = 0.005) -> bool:
        """Wait until every child process alive now but not in ``before`` has exited; False if one outlives
        ``timeout`` seconds (or the target exited)."""
        deadline = time.monotonic() + timeout
        while self.group is not None and self.group.alive:
            if not self.live_children() - before:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(every)
        return False

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the target's live processes."""
        return process_stats.cpu_seconds(self.processes())

    def cpu_ns(self) -> int | None:
        """CPU time used so far by every thread of the target's processes, in nanoseconds (None: not kept)."""
        return process_stats.cpu_ns(self.processes())

    def runnable(self) -> int:
        """How many of the target's processes are running or ready to run right now (not asleep)."""
        return process_stats.runnable(self.processes())

    def fd_count(self) -> int:
        """Open file descriptors summed over the target's live processes."""
        return process_stats.fd_count(self.processes())

