"""Starting a command in its own process group, and killing and reaping all of it.

Every target runs in a new session (so in its own process group, with no
controlling terminal: Ctrl-C reaches pytest, not the targets). Stopping sends
SIGTERM to the whole group, then SIGKILL after a grace period, and reaps every
member, forked children included: the test process makes itself a child
subreaper, so orphans of a target are re-parented to it and can be waited for. A
watchdog process (``reaper.py``) kills the registered groups if the test process
dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence

import psutil

from specs.harness.output import Output

PR_SET_CHILD_SUBREAPER = 36
_watchdog: subprocess.Popen[bytes] | None = None
_watchdog_lock = threading.Lock()


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so forked grandchildren can be reaped."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _tell_watchdog(message: str) -> None:
    global _watchdog
    with _watchdog_lock:
        if _watchdog is None or _watchdog.poll() is not None:
            script = os.path.join(os.path.dirname(__file__), "reaper.py")
            _watchdog = subprocess.Popen(
                [sys.executable, "-I", script], stdin=subprocess.PIPE, start_new_session=True
            )
        assert _watchdog.stdin is not None
        try:
            _watchdog.stdin.write(message.encode() + b"\n")
            _watchdog.stdin.flush()
        except OSError:
            pass


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


class ProcessGroup:
    """A command running in its own process group, with its output captured."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str], cwd: str | None) -> None:
        self.argv = list(argv)
        self.output = Output()
        self.started_at = time.monotonic()
        self._popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        self.pid = self._popen.pid
        self.pgid = self.pid
        _tell_watchdog(f"+{self.pgid}")
        assert self._popen.stdout is not None
        assert self._popen.stderr is not None
        self.output.attach("stdout", self._popen.stdout)
        self.output.attach("stderr", self._popen.stderr)
        self._stopped = False

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
        try:
            self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.output.wait_closed(0.5)
        return self._popen.returncode

    def tree(self) -> list[psutil.Process]:
        """The leader and its descendants, plus any other member of its process group."""
        found: dict[int, psutil.Process] = {}
        try:
            leader = psutil.Process(self.pid)
            found[leader.pid] = leader
            for child in leader.children(recursive=True):
                found[child.pid] = child
        except psutil.Error:
            pass
        for proc in group_members(self.pgid):
            found.setdefault(proc.pid, proc)
        return list(found.values())

    def stop(self, grace: float = 2.0) -> None:
        """SIGTERM the whole group, SIGKILL what is left after ``grace``; reap every member."""
        if self._stopped:
            return
        self._stopped = True
        members = self.tree()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(OSError):
                os.killpg(self.pgid, sig)
            for proc in members:  # members that left the group (setsid) are still ours
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(sig)
            if sig == signal.SIGTERM:
                _gone, alive = psutil.wait_procs(members, timeout=grace)
                if not alive and self._popen.poll() is not None:
                    break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=10)
        self._reap([p.pid for p in members if p.pid != self.pid])
        _tell_watchdog(f"-{self.pgid}")
        self.output.wait_closed(2.0)
        for pipe in (self._popen.stdout, self._popen.stderr):
            if pipe is not None:
                pipe.close()

    @staticmethod
    def _reap(pids: list[int], timeout: float = 5.0) -> None:
        """Wait for adopted descendants (we are their subreaper) so no zombie is left."""
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
