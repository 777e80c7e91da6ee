"""Signals to a target: the Ctrl-C probe, and a pause.

Ctrl-C: when an expected log line never came, netconform sends the target SIGINT, as a
user would press Ctrl-C. A Python program then prints where it was stuck (a
KeyboardInterrupt traceback) and flushes its buffered output on the way out, which tells
a blocked server from a block-buffered one.

Pause: SIGSTOP to the whole process group, SIGCONT after. While it is stopped the kernel
still completes and queues connections, so clients can connect and leave while the
server is busy elsewhere, every time, not only when a race happens to go that way. A
signal takes effect when its process next runs, so the pause begins once every process
of the target is seen stopped (``STOP_WAIT`` at most).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

from ..platform import process_stats
from .server import ServerProcess

#: How long a pause waits for every process of the target to be stopped indeed (SIGSTOP is asynchronous).
STOP_WAIT = 1.0


@contextlib.contextmanager
def paused(target: ServerProcess) -> Iterator[None]:
    """The target's processes stopped for the block (none: a ``tcp://`` target, which is not ours)."""
    group = target.group
    if group is None or not group.alive:
        yield
        return
    with contextlib.suppress(OSError):
        os.killpg(group.pgid, signal.SIGSTOP)
    deadline = time.monotonic() + STOP_WAIT  # delivered when each process next runs: on a busy machine, later
    while not process_stats.all_stopped(group.tree()) and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.killpg(group.pgid, signal.SIGCONT)


def ctrl_c(target: ServerProcess) -> bool:
    """Send the target's leader SIGINT and wait for it to exit; True if it did (False: not running)."""
    group = target.group
    if group is None:
        return False
    if group.output.closed:  # its pipes closed: it is exiting by itself, not stuck
        group.wait_exit(1.0)
    if not group.alive:
        return False
    target.interrupted(group.output.mark())
    group.interrupt()
    return group.wait_exit(2.0) is not None
