"""Unix socket paths: a private temporary folder per run, removed however the run ends.

A Unix target gets ``{path}``, a fresh socket path in a folder of its own; the suite's
own Unix clients bind their paths in it too, so a server logs an address for each (a
client that binds none has the address ``''``). Everything lives under one folder per
process, ``netconform-XXXXXX``, removed when the target stops, at the end of the session,
and at exit (an interrupted run included). Datagrams are sent only to paths inside it.

Where that folder is (:func:`base`): in ``$TMPDIR`` when it is set, else in the system's
temporary folder (``tempfile.gettempdir()``). A socket path holds at most 104 bytes on macOS
(``sun_path`` in XNU's ``bsd/sys/un.h``; 108 on Linux, ``include/uapi/linux/un.h``, with its
NUL; CPython refuses a longer one, "AF_UNIX path too long"), so a base longer than
``MAX_BASE`` characters is passed over for ``/tmp``: macOS's ``$TMPDIR``
(``/var/folders/xx/.../T/``, 48 characters on GitHub's macOS runners: CPython PR #109290) fits.
That folder is reached through a symbolic link (``/var`` is ``/private/var``, as ``/tmp`` is
``/private/tmp``), but ``getsockname()`` and ``recvfrom()`` give a path as it was bound (XNU
``unp_bind`` stores the caller's address unchanged), so paths compare as given.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

MAX_BASE = 60  # characters: a socket path holds 103 bytes (macOS; 107 on Linux), and ours add about 40


def base() -> str:
    """The folder that holds this process's private folder: ``$TMPDIR`` when set (the user's choice), else
    the system's temporary folder (``/tmp`` when its path leaves no room for a socket's name)."""
    found = tempfile.gettempdir()
    return found if len(found) <= MAX_BASE or not os.path.isdir("/tmp") else "/tmp"


class Folders:
    """This process's private folder (under ``base()``) and the folders made in it."""

    def __init__(self, base: Callable[[], str]) -> None:
        self._base = base
        self._root: Path | None = None
        self._numbers = itertools.count(1)

    def root(self) -> Path:
        """This process's private folder for socket paths (created on first use, mode 0700)."""
        if self._root is None or not self._root.is_dir():
            self._root = Path(tempfile.mkdtemp(prefix="netconform-", dir=self._base()))
            atexit.register(self.remove_all)
        return self._root

    def folder(self) -> Path:
        """A fresh folder for one target (its socket and its clients' paths), inside ``root()``."""
        path = self.root() / f"t{next(self._numbers)}"
        path.mkdir(mode=0o700)
        return path

    def remove_all(self) -> None:
        """Remove the private folder and everything in it (end of session, exit)."""
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def inside(self, path: str) -> bool:
        """Is ``path`` inside this process's private folder (where datagrams may be sent)?"""
        if self._root is None:
            return False
        with contextlib.suppress(ValueError):
            Path(os.path.abspath(path)).relative_to(self._root)
            return True
        return False


_folders = Folders(base)
root, folder, remove_all, inside = _folders.root, _folders.folder, _folders.remove_all, _folders.inside


def remove(path: Path | None) -> None:
    """Remove a target's folder and every socket file in it."""
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


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
