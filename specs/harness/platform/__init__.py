"""Stage 1, the platform: the operating system's facilities, behind this one door.

Everything the harness needs of the operating system goes through the names below; the stages
above import nothing else of it (no ``/proc``, netlink, ``prctl``, cgroups or ``unshare`` of their
own: ``tests/test_structure.py`` checks that nothing outside this package imports ``platform.linux``).
Imports: nothing of the harness.

The facilities, each a module of the implementation in use (today ``linux``; a second
implementation provides the same modules with the same functions):

- ``process_tree``: a target's processes (leader, descendants, its group's orphans), the subreaper;
- ``containment``: every process a target started, wherever it went (a cgroup, a marker), and ending it;
- ``process_stats``: what processes hold: zombie children, descriptors, CPU, memory;
- ``socket_tables``: the machine's sockets (listening, queues, TIME_WAIT, unread bytes), read not probed;
- ``sock_diag``: TCP sockets of one state, asked of the kernel (what ``socket_tables`` builds on);
- ``socket_folders``: private folders for Unix socket paths, removed however a run ends;
- ``netns``: a network namespace of its own for a URL client run as written;
- ``WATCHDOG`` and ``RLIMIT_EXEC``: the scripts run as processes of their own (the watchdog that
  ends a dead run's targets; the launcher that sets resource limits, then becomes the target).
"""

from __future__ import annotations

from pathlib import Path

from .linux import containment, netns, process_stats, process_tree, sock_diag, socket_folders, socket_tables

__all__ = ["NAME", "RLIMIT_EXEC", "WATCHDOG", "containment", "netns", "process_stats", "process_tree", "sock_diag",
           "socket_folders", "socket_tables"]

#: The implementation in use.
NAME = "linux"
_HERE = Path(__file__).resolve().parent / NAME
#: ``python -I watchdog.py``: reads the run's targets on stdin; ends them when the run dies.
WATCHDOG = str(_HERE / "watchdog.py")
#: ``python -I -S rlimit_exec.py CPU NPROC FSIZE_MB CGROUP -- ARGV...``: limits set, then it execs ARGV.
RLIMIT_EXEC = str(_HERE / "rlimit_exec.py")
