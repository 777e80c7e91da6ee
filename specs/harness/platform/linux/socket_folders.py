"""Unix socket paths: a private temporary folder per run, removed however the run ends.

A Unix target gets ``{path}``, a fresh socket path in a folder of its own; the suite's
own Unix clients bind their paths in it too, so a server logs an address for each (a
client that binds none has the address ``''``). Everything lives under one folder per
process, ``netconform-XXXXXX``, removed when the target stops, at the end of the session,
and at exit (an interrupted run included). Datagrams are sent only to paths inside it.

Where that folder is (:func:`base`): in ``$TMPDIR`` when it is set; otherwise in a memory
file system when the machine has one (``$XDG_RUNTIME_DIR``, then ``/dev/shm``), else in
the system's temporary folder. A socket file is an inode: on a disk file system (ext4)
creating one, while many were just deleted, costs ten times what it costs in memory,
and a run creates thousands (each Unix client binds its own). A socket path holds at
most 107 bytes, so a base longer than ``MAX_BASE`` characters is passed over for ``/tmp``.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import stat
import tempfile
from pathlib import Path

MAX_BASE = 60  # characters: a socket path holds 107 bytes, and ours add about 40
_root: Path | None = None
_numbers = itertools.count(1)


SHARED_MEMORY = "/dev/shm"  # tmpfs on Linux, open to all (sticky): the private folder inside is mode 0700


def _usable(path: str) -> bool:
    return 0 < len(path) <= MAX_BASE and os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def base() -> str:
    """The folder that holds this process's private folder: ``$TMPDIR`` when set (the user's choice),
    else the first memory file system found, else the system's temporary folder (``/tmp`` when its path
    leaves no room for a socket's name)."""
    if not os.environ.get("TMPDIR"):
        for candidate in (os.environ.get("XDG_RUNTIME_DIR", ""), SHARED_MEMORY):
            if _usable(candidate):
                return candidate
    found = tempfile.gettempdir()
    return found if len(found) <= MAX_BASE or not os.path.isdir("/tmp") else "/tmp"


def root() -> Path:
    """This process's private folder for socket paths (created on first use, mode 0700)."""
    global _root
    if _root is None or not _root.is_dir():
        _root = Path(tempfile.mkdtemp(prefix="netconform-", dir=base()))
        atexit.register(remove_all)
    return _root


def folder() -> Path:
    """A fresh folder for one target (its socket and its clients' paths), inside ``root()``."""
    path = root() / f"t{next(_numbers)}"
    path.mkdir(mode=0o700)
    return path


def remove(path: Path | None) -> None:
    """Remove a target's folder and every socket file in it."""
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def remove_all() -> None:
    """Remove the private folder and everything in it (end of session, exit)."""
    global _root
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)
        _root = None


class OutsideWorkingDirectory(Exception):
    """A Unix target without ``{path}`` listens outside its working directory."""


def discovered(path: str, cwd: str | None) -> str:
    """The socket path a Unix target without ``{path}`` chose: it must be under its working directory
    (netconform removes it when the target stops, and removes nothing elsewhere)."""
    base = Path(cwd or os.getcwd()).resolve()
    try:
        Path(path).resolve().relative_to(base)
    except ValueError:
        raise OutsideWorkingDirectory(f"it listens on {path}, outside its working directory {base}: give its "
                                      "command {path} (a socket path netconform chooses), or bind a path under "
                                      "the folder it runs in") from None
    return path


def remove_socket(path: str | None) -> None:
    """Remove ``path`` if it is still a socket file (what a stopped server left behind)."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)


def inside(path: str) -> bool:
    """Is ``path`` inside this process's private folder (where datagrams may be sent)?"""
    if _root is None:
        return False
    with contextlib.suppress(ValueError):
        Path(os.path.abspath(path)).relative_to(_root)
        return True
    return False
