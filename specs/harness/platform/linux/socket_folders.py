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

import os
import tempfile

from ..portable.socket_folders import MAX_BASE, Folders, OutsideWorkingDirectory, discovered, remove, remove_socket

__all__ = ["MAX_BASE", "OutsideWorkingDirectory", "base", "discovered", "folder", "inside", "remove", "remove_all",
           "remove_socket", "root"]


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


_folders = Folders(base)
root, folder, remove_all, inside = _folders.root, _folders.folder, _folders.remove_all, _folders.inside
