"""Watchdog that kills the process groups of a test run if the run itself dies.

Run as a script (stdlib only) by :mod:`specs.harness.process`; it reads lines
``+PGID`` / ``-PGID`` on stdin. When stdin closes (the test process exited,
however: normally, by ``os._exit`` from pytest-timeout, or killed with SIGKILL), it
sends SIGTERM to every group still registered, then SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import signal
import sys
import time

GRACE = 1.0


def signal_all(groups: set[int], sig: int) -> None:
    """Send ``sig`` to every group; forget the groups that no longer exist."""
    for pgid in list(groups):
        try:
            os.killpg(pgid, sig)
        except OSError:
            groups.discard(pgid)


def main() -> int:
    """Track groups until stdin closes, then kill whatever is still registered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the test run, not for us
    groups: set[int] = set()
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("+"):
            groups.add(int(line[1:]))
        elif line.startswith("-"):
            groups.discard(int(line[1:]))
    if groups:
        signal_all(groups, signal.SIGTERM)
        time.sleep(GRACE)
        signal_all(groups, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
