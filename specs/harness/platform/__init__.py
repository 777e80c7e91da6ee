"""Stage 1, the platform: the operating system's facilities, behind this one door.

Everything the harness needs of the operating system goes through the names below; the stages
above import nothing else of it (no ``/proc``, netlink, ``prctl``, cgroups or ``unshare`` of their
own: ``tests/test_structure.py`` checks that nothing outside this package imports an implementation).
Imports: nothing of the harness.

Two implementations provide the same modules with the same functions:

- ``portable``: what macOS has as well as Linux (POSIX process groups and signals, psutil, ``$TMPDIR``);
  ``portable.LIMITATIONS`` says what it does instead of what only Linux offers;
- ``linux``: the portable one, with what Linux adds (``/proc``, sock_diag over netlink, the child
  subreaper, a cgroup per target, network namespaces).

:data:`NAME` is chosen by the platform (``linux`` on Linux, ``portable`` elsewhere), or by
``NETCONFORM_PLATFORM`` (``portable`` on Linux checks the portable implementation). Windows is
refused at start (:func:`unsupported`). The facilities:

- ``process_tree``: a target's processes (leader, descendants, its group's orphans), the subreaper;
- ``containment``: every process a target started, wherever it went (a cgroup, a marker), and ending it;
- ``process_stats``: what processes hold: zombie children, descriptors, CPU, memory;
- ``socket_tables``: the sockets of targets and of the machine (listening, queues, TIME_WAIT, unread bytes);
- ``socket_folders``: private folders for Unix socket paths, removed however a run ends;
- ``netns``: a network namespace of its own for a URL client run as written;
- ``launcher``: the command that starts a target under its resource limits (a launcher sets them, enters
  the target's place, then becomes the target);
- ``WATCHDOG``: the script run as a process of its own that ends a dead run's targets.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .portable import LIMITATIONS as PORTABLE_LIMITATIONS

__all__ = ["CHOICE", "NAME", "WATCHDOG", "containment", "host", "launcher", "limitations", "netns",
           "process_stats", "process_tree", "seal", "socket_folders", "socket_tables", "unsupported"]

#: The environment variable that chooses the implementation (``linux`` or ``portable``).
CHOICE = "NETCONFORM_PLATFORM"
IMPLEMENTATIONS = ("linux", "portable")


def chosen(environ: dict[str, str] | os._Environ[str], system: str) -> str:
    """The implementation for ``system`` (``sys.platform``), unless ``environ`` chooses one."""
    wanted = environ.get(CHOICE, "")
    if wanted:
        if wanted not in IMPLEMENTATIONS:
            raise SystemExit(f"netconform: {CHOICE}={wanted!r} is not one of {', '.join(IMPLEMENTATIONS)}")
        if wanted == "linux" and not system.startswith("linux"):
            raise SystemExit(f"netconform: {CHOICE}=linux needs Linux, and this is {system}")
        return wanted
    return "linux" if system.startswith("linux") else "portable"


#: Set to a ``sys.platform`` value (``win32``) to see what a user there sees: for testing, nothing else.
SIMULATE_SYSTEM = "NETCONFORM_SIMULATE_SYSTEM"


def host() -> str:
    """The system netconform runs on (``sys.platform``, or the one simulated)."""
    return os.environ.get(SIMULATE_SYSTEM) or sys.platform


def unsupported(system: str) -> str | None:
    """Why netconform cannot run on ``system`` (``sys.platform``), or None where it can."""
    if system in ("win32", "cygwin"):
        return ("netconform needs a POSIX system (Linux or macOS): its targets run in process groups it signals "
                "(SIGSTOP, SIGTERM, os.killpg), Unix sockets are half its transports, and socketserver's "
                "ForkingMixIn needs os.fork, none of which Windows has. On Windows, run it inside WSL 2 "
                "(wsl --install; then, in the Linux shell, pip install and pytest as the README says): "
                "there it is the Linux platform, checked in CI")
    return None


def seal() -> None:
    """Under the portable implementation on Linux, make any direct use of ``/proc``, netlink or a Linux-only
    command an error in this process (psutil may read ``/proc``): the portable run is then honest."""
    if NAME == "portable" and sys.platform.startswith("linux"):
        importlib.import_module(".linux", __name__).forbid_linux_facilities()


def limitations() -> tuple[str, ...]:
    """What the implementation in use does instead of what Linux offers (none for ``linux``)."""
    return PORTABLE_LIMITATIONS if NAME == "portable" else ()


#: The implementation in use.
NAME = chosen(os.environ, sys.platform)
if TYPE_CHECKING:  # both provide the same names (tests/test_platform.py): mypy checks callers against one
    from .linux import containment, launcher, netns, process_stats, process_tree, socket_folders, socket_tables
else:
    containment, launcher, netns, process_stats, process_tree, socket_folders, socket_tables = (
        importlib.import_module(f".{NAME}.{facility}", __name__)
        for facility in ("containment", "launcher", "netns", "process_stats", "process_tree", "socket_folders",
                         "socket_tables"))
_HERE = Path(__file__).resolve().parent / NAME
#: ``python -I watchdog.py``: reads the run's targets on stdin; ends them when the run dies.
WATCHDOG = str(_HERE / "watchdog.py")
