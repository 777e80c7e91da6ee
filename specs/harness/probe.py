"""The Ctrl-C probe: when an expected log line never came, ask the program where it was.

netconform sends the target SIGINT, as a user would press Ctrl-C. A Python program then
prints where it was stuck (a KeyboardInterrupt traceback) and flushes its buffered
output on the way out, which tells a blocked server from a block-buffered one.
"""

from __future__ import annotations

from .server import ServerTarget


def ctrl_c(target: ServerTarget) -> bool:
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
