"""Watchdog that kills the targets of a test run if the run itself dies.

Run as a script by :mod:`specs.harness.launch.process_group`; it reads lines on stdin:
``+TOKEN PLACE`` before a target starts (TOKEN: its ``NETCONFORM_TARGET`` marker; PLACE:
where else the platform keeps its processes, or ``-``), ``=TOKEN PGID`` once it runs,
``-TOKEN`` once it is stopped. When stdin closes (the test process exited, however:
normally, by ``os._exit`` from pytest-timeout, or killed with SIGKILL), it sends SIGTERM
to every target still registered, then SIGKILL after a grace period: to its process group,
and to every process carrying its marker (descendants that left the group with ``setsid()``),
found with psutil. The Linux watchdog (``linux/watchdog.py``) runs this one's :func:`main`
with its own ways of finding them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable

GRACE = 1.0


def marked(tokens: set[str]) -> list[int]:
    """The processes whose environment carries one of ``tokens`` (``NETCONFORM_TARGET=token``)."""
    import psutil

    found = []
    for proc in psutil.process_iter() if tokens else ():
        with contextlib.suppress(psutil.Error, OSError):
            if proc.pid != os.getpid() and proc.environ().get("NETCONFORM_TARGET") in tokens:
                found.append(proc.pid)
    return found


def signal_all(targets: dict[str, tuple[str, int]], sig: int, find_marked: Callable[[set[str]], list[int]],
               in_place: Callable[[str], list[int]]) -> None:
    """Send ``sig`` to every target: its group, its place's processes, its marked processes."""
    pids = set(find_marked(set(targets)))
    for place, pgid in targets.values():
        if pgid > 0:
            with contextlib.suppress(OSError):
                os.killpg(pgid, sig)
        if place != "-":
            pids.update(in_place(place))
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def main(find_marked: Callable[[set[str]], list[int]] = marked,
         in_place: Callable[[str], list[int]] = lambda place: [],
         remove_place: Callable[[str], None] = lambda place: None) -> int:
    """Track targets until stdin closes, then kill whatever is still registered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the test run, not for us
    targets: dict[str, tuple[str, int]] = {}  # token -> (place or "-", process group or 0)
    for line in sys.stdin:
        fields = line.split()
        if len(fields) == 2 and fields[0].startswith("+"):
            targets[fields[0][1:]] = (fields[1], 0)
        elif len(fields) == 2 and fields[0].startswith("=") and fields[0][1:] in targets:
            targets[fields[0][1:]] = (targets[fields[0][1:]][0], int(fields[1]))
        elif fields and fields[0].startswith("-"):
            targets.pop(fields[0][1:], None)
    if targets:
        signal_all(targets, signal.SIGTERM, find_marked, in_place)
        time.sleep(GRACE)
        signal_all(targets, signal.SIGKILL, find_marked, in_place)
        time.sleep(0.2)
        for place, _pgid in targets.values():
            if place != "-":
                remove_place(place)
    return 0


if __name__ == "__main__":
    sys.exit(main())
