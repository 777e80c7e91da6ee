"""Starting a command in its own process group, and killing and reaping all of it.

Every target runs in a new session (so in its own process group, with no
controlling terminal: Ctrl-C reaches pytest, not the targets). Stopping sends
SIGTERM to every process of the target, then SIGKILL after a grace period, and
reaps them all. "Every process" includes descendants that left its group and
session and were orphaned: the platform's ``containment`` finds them (by an environment
marker, and more where the platform offers more). Stopping is bounded: it never waits
for end-of-file on a pipe an escaped process may hold, and a process that survives
SIGKILL is reported as a leftover (PID and command), not waited for. A watchdog process
(the platform's ``WATCHDOG``) kills the registered targets if the test process dies
without cleaning up.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psutil

from .. import platform
from ..platform import containment, process_stats, process_tree
from ..wire.captured_output import Output

KILL_WAIT = 3.0  #: after SIGKILL, how long teardown keeps killing (new forks) and waits for the processes to go
REAP_WAIT = 2.0  #: how long teardown waits for the killed processes to be reaped (zombies of ours)
#: Every target starts with this umask, whoever runs the suite: a new socket file's mode is then 0755 (UNIX-5).
TARGET_UMASK = 0o022
#: Processes that survived their target's teardown: "PID n: its command" (the summary's and the JSON's).
LEFTOVERS: list[str] = []
_UNENDED: list[subprocess.Popen[bytes]] = []
_watchdog: subprocess.Popen[bytes] | None = None
_watchdog_lock = threading.Lock()


def inherit_ctrl_c() -> None:
    """Let the targets we start receive Ctrl-C (SIGINT) as programs normally do.

    A command started in the background by a non-interactive shell (``pytest ... &``,
    some CI runners, ``nohup``) has SIGINT ignored, and an ignored signal stays ignored
    across fork and exec: the targets would then ignore netconform's Ctrl-C probe, and a
    Python target would never raise KeyboardInterrupt. A handled signal is reset to its
    default on exec, so handling it here gives every target the default again.
    """
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _tell_watchdog(message: str) -> None:
    global _watchdog
    with _watchdog_lock:
        if _watchdog is None or _watchdog.poll() is not None:
            _watchdog = subprocess.Popen(
                [sys.executable, "-I", platform.WATCHDOG], stdin=subprocess.PIPE, start_new_session=True
            )
            atexit.register(_end_watchdog, _watchdog)
        assert _watchdog.stdin is not None
        try:
            _watchdog.stdin.write(message.encode() + b"\n")
            _watchdog.stdin.flush()
        except OSError:
            pass


def _end_watchdog(watchdog: subprocess.Popen[bytes]) -> None:
    """At exit: close the watchdog's stdin and reap it. With every target stopped it exits at once; if the
    exit skipped a teardown, it first ends what is still registered (a few seconds, then it is left to it)."""
    with contextlib.suppress(OSError):
        assert watchdog.stdin is not None
        watchdog.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        watchdog.wait(timeout=5)


_READING: list[tuple[subprocess.Popen[bytes], Output]] = []  # stopped targets whose readers were still at work
_reading_lock = threading.Lock()


def _close_pipes(popen: subprocess.Popen[bytes] | None, output: Output | None) -> None:
    """Close a stopped target's pipes once its readers are done with them (closing under a reader would hand
    its descriptor to the next file opened). Until then they stay referenced here, closed by a later stop or
    at exit: a pipe collected unclosed warns in whichever spec runs then, and fails it."""
    with _reading_lock:
        if popen is not None and output is not None:
            _READING.append((popen, output))
        for pending, reader in list(_READING):
            if reader.closed or popen is None:  # (at exit: whatever is left)
                for pipe in (pending.stdout, pending.stderr):
                    if pipe is not None:
                        pipe.close()
                _READING.remove((pending, reader))


atexit.register(_close_pipes, None, None)


def watchdog_pid() -> int | None:
    """The watchdog's PID (None before the first target started)."""
    return None if _watchdog is None else _watchdog.pid


@dataclass(frozen=True)
class Limits:
    """Resource limits for a target (0: no limit), in force from before it starts.

    - ``cpu_seconds``: RLIMIT_CPU of each process (SIGXCPU when used up);
    - ``memory_mb``: the resident memory of the whole process tree; a watcher kills the
      group past it (an address-space rlimit would also count the untouched stacks and
      malloc arenas of a threaded server's 200 threads);
    - ``processes``: the size of the process tree, enforced by the same watcher, and by
      RLIMIT_NPROC, set to the user's current task count plus the limit (it counts every
      task of the user, and does not bind root);
    - ``file_mb``: RLIMIT_FSIZE, the largest file a process may write.

    The rlimits are set by the platform's launcher (``platform/*/launcher.py``), which then execs the target's
    command.
    """

    cpu_seconds: int = 120
    memory_mb: int = 1024
    processes: int = 300  # CONC-2 connects 200 clients at once: a forking server runs 200 children
    file_mb: int = 256

    def launcher(self, argv: Sequence[str], place: str = "-") -> list[str]:
        """``argv`` wrapped in the launcher that sets the rlimits (and first enters the containment's ``place``,
        if not "-")."""
        nproc = 0
        if self.processes and os.getuid() != 0:
            uid = os.getuid()
            tasks = sum(p.info["num_threads"] or 1 for p in psutil.process_iter(["uids", "num_threads"])
                        if p.info["uids"] and p.info["uids"].real == uid)
            nproc = tasks + self.processes
        return platform.launcher.command(argv, cpu_seconds=self.cpu_seconds, processes=nproc, file_mb=self.file_mb,
                                         place=place)


def _memory(procs: list[psutil.Process], limit_mb: int) -> int:
    """The memory ``procs`` use together if over ``limit_mb``, else 0.

    Resident sizes are summed first (cheap); only past the limit is each process's unique
    memory (USS) read and summed instead: forked children share their parent's pages, which
    a sum of resident sizes counts once per child.
    """
    limit = limit_mb * 1024 * 1024
    if process_stats.memory(procs).rss <= limit:
        return 0
    uss = process_stats.memory(procs, unique=True).uss or 0
    return uss if uss > limit else 0


def _processes(pids: list[int]) -> list[psutil.Process]:
    """The processes of ``pids`` still there."""
    found = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            found.append(psutil.Process(pid))
    return found


def _running(pids: list[int]) -> int:
    """How many of ``pids`` are not zombies."""
    count = 0
    for proc in _processes(pids):
        with contextlib.suppress(psutil.Error):
            count += proc.status() != psutil.STATUS_ZOMBIE
    return count


class ProcessGroup:
    """A command running in its own process group, with its output captured."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str], cwd: str | None,
                 limits: Limits | None = None, output: Output | None = None) -> None:
        self.argv = list(argv)
        self.output = output if output is not None else Output()  # the benchmark's counts lines instead
        self.started_at = time.monotonic()
        self.limits = limits
        self.killed_because: str | None = None
        self.containment = containment.Containment()
        self.leftovers: list[str] = []
        self._stopped = self._stop_done = False
        token = self.containment.token
        _tell_watchdog(f"+{token} {self.containment.place}")  # before it exists: a Ctrl-C may come any time
        self._popen = subprocess.Popen(
            limits.launcher(self.argv, self.containment.place) if limits else self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**env, containment.MARKER: token},
            cwd=cwd,
            start_new_session=True,
            umask=TARGET_UMASK,
        )
        self.pid = self._popen.pid
        self.pgid = self.pid
        try:
            _tell_watchdog(f"={token} {self.pgid}")
            self.containment.enter(self.pid)  # (the launcher entered it already, before the target could fork)
            assert self._popen.stdout is not None
            assert self._popen.stderr is not None
            self.output.attach("stdout", self._popen.stdout)
            self.output.attach("stderr", self._popen.stderr)
            if limits and (limits.processes or limits.memory_mb):
                threading.Thread(target=self._watch, args=(limits,), daemon=True, name=f"limits-{self.pid}").start()
        except BaseException:  # Ctrl-C while starting: nobody will hold this group to stop it later
            self.stop(grace=0.0)
            raise

    def _watch(self, limits: Limits, every: float = 0.05) -> None:
        """Kill the group when its process tree grows past the limits (processes; memory, 5 times less often)."""
        rounds = 0
        while not self._stopped and self._popen.poll() is None:
            pids = [self.pid, *process_tree.descendants(self.pid)]  # (the platform's: cheaper than psutil's)
            why = ""
            if limits.processes and len(pids) > limits.processes and _running(pids) > limits.processes:
                # zombies are not counted: they hold no resources but a PID, and reaping them is RES-1's business
                why = f"its process tree grew past {limits.processes} processes (--limit-processes)"
            elif limits.memory_mb and rounds % 5 == 0 and (used := _memory(_processes(pids), limits.memory_mb)):
                why = f"its processes used {used // 2**20} MB of memory, over {limits.memory_mb} MB (--limit-memory)"
            if why:
                self.killed_because = f"netconform killed it: {why}"
                self.output.note(self.killed_because)
                for _ in range(3):  # members forked while we kill are caught by the next round
                    with contextlib.suppress(OSError):
                        os.killpg(self.pgid, signal.SIGKILL)
                    time.sleep(every)
                return
            rounds += 1
            time.sleep(every)

    @property
    def returncode(self) -> int | None:
        """The leader's exit status (negative: killed by that signal), None while running."""
        return self._popen.poll()

    @property
    def alive(self) -> bool:
        """Is the leader process still running?"""
        return self._popen.poll() is None

    def interrupt(self) -> None:
        """Send SIGINT (Ctrl-C) to the leader only."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGINT)

    def wait_exit(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` for the leader to exit (and its output to close); its status."""
        deadline = time.monotonic() + timeout
        process_tree.await_exit(self._popen, timeout)  # (the platform's: at once where it can tell)
        try:
            self._popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None
        self.output.wait_closed(0.5)
        return self._popen.returncode

    def tree(self) -> list[psutil.Process]:
        """The leader and its descendants, plus any other member of its process group."""
        return process_tree.tree(self.pid, self.pgid)

    def everything(self) -> list[psutil.Process]:
        """Every process of the target: its tree and group, and those that escaped both (``containment``)."""
        return self.containment.members(self.tree())

    def stop(self, grace: float = 2.0) -> None:
        """SIGTERM every process of the target, SIGKILL what is left after ``grace``; reap them all.

        Bounded whatever the target does: ``grace`` + ``KILL_WAIT`` + ``REAP_WAIT`` + 1 s at most
        (plus the time to list the processes). What survives is named in ``leftovers`` (and
        ``LEFTOVERS``), and stays registered with the watchdog.
        """
        if self._stop_done:  # (not merely begun: a Ctrl-C during a teardown leaves the next call to finish it)
            return
        self._stopped = True
        start = time.monotonic()
        members = self.everything()
        _signal(self.pgid, members, signal.SIGTERM)
        others = [p for p in members if p.pid != self.pid]  # the leader is Popen's to wait for
        process_tree.await_exit(self._popen, grace)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=max(0.0, start + grace - time.monotonic()))
        _gone, alive = psutil.wait_procs(others, timeout=max(0.0, start + grace - time.monotonic()))
        deadline = time.monotonic() + KILL_WAIT
        while alive or self._popen.poll() is None:
            self.containment.kill_all()
            members = self.everything()  # forks made meanwhile, orphans adopted meanwhile
            _signal(self.pgid, members, signal.SIGKILL)
            alive = containment.live([p for p in members if p.pid != self.pid])
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout=0.1)
            if time.monotonic() > deadline:
                break
            _gone, alive = psutil.wait_procs(alive, timeout=0.1)
        self._reap([p.pid for p in self.everything() if p.pid != self.pid], REAP_WAIT)
        self._check_left()
        self.output.stop_reading(1.0)
        _close_pipes(self._popen, self.output)
        self._stop_done = True

    def _check_left(self) -> None:
        """After teardown: is any process of the target still alive? Name it (a harness error), else forget it."""
        left = [p for p in containment.live(self.everything()) if p.pid != self.pid or self._popen.poll() is None]
        if not left:
            self.containment.close()
            _tell_watchdog(f"-{self.containment.token}")
            return
        command = " ".join(self.argv)
        described = [containment.describe(p) for p in left]
        self.leftovers = [d + ("" if command in d else f" (a process of `{command}`)") for d in described]
        LEFTOVERS.extend(self.leftovers)
        _UNENDED.append(self._popen)  # still running: kept, so that it is not collected (and warned about)
        self.output.note(f"netconform could not end {len(left)} process(es) of this target: "
                         + "; ".join(described))

    @staticmethod
    def _reap(pids: list[int], timeout: float = REAP_WAIT) -> None:
        """Wait for adopted descendants (where the platform made us their reaper) so no zombie is left."""
        deadline = time.monotonic() + timeout
        pending = set(pids)
        while pending and time.monotonic() < deadline:
            for pid in list(pending):
                try:
                    done, _status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # not (yet) our child: its dying parent may hand it to us
                    if not psutil.pid_exists(pid):
                        pending.discard(pid)
                    continue
                if done:
                    pending.discard(pid)
            if pending:
                time.sleep(0.01)


def _signal(pgid: int, members: list[psutil.Process], sig: int) -> None:
    """Send ``sig`` to the process group and to each of ``members`` (those that left it are still ours)."""
    with contextlib.suppress(OSError):
        os.killpg(pgid, sig)
    for proc in members:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(sig)
