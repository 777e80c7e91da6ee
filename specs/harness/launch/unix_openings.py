"""A Unix server's first start doubles as UNIX-3's and UNIX-2's scenarios.

UNIX-2 and UNIX-3 each need the server started afresh with something already at its
socket path: a regular file, or the socket of a server still listening there (UNIX-3: it
must be left alone, so the server does not start), and a stale socket file (UNIX-2: the
server removes it and starts). A correct server started that way serves every other spec
as well as one started on a clean path, so the first start of a Unix target with
``{path}`` goes through the scenarios and records their outcomes for the two specs to
judge when their turn comes:

1. a regular file at the path: a correct server refuses to start, and the file is
   intact. One that starts anyway (it deleted the file) is kept running;
2. otherwise a live socket at the path (netconform's own, listening): a correct server
   refuses to start, and the socket file is the same one after. One that starts anyway
   (it removed that file) is kept running;
3. otherwise a stale socket file at the path: a correct server starts, and is kept;
4. otherwise the path is left clean and the server is started as usual.

The other specs never see a scenario: only a server that is running (however it got
there) serves them. A spec whose scenario was not recorded (its target was restarted,
or began another way) runs it itself, on a fresh start (``ServerTarget.start_with``).
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .server import ServerProcess

REGULAR_CONTENT = b"a regular file that is not the server's to delete\n"


@dataclass(frozen=True)
class Opening:
    """How a start with something at the socket ``path`` went: ``why`` it did not start (None: it did),
    and whether a regular file put there was left intact."""

    why: str | None
    path: str | None = None
    intact: bool | None = None


def stale_socket(path: str) -> None:
    """What a server that was killed leaves: a socket file that nothing listens on."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as old:
        old.bind(path)


def regular_file(path: str) -> None:
    """A regular file, not the server's, where it will bind."""
    Path(path).write_bytes(REGULAR_CONTENT)


def intact(path: str | None) -> bool:
    """Is the regular file :func:`regular_file` wrote still at ``path``, as it was?"""
    if path is None:
        return False
    try:
        return stat.S_ISREG(os.lstat(path).st_mode) and Path(path).read_bytes() == REGULAR_CONTENT
    except FileNotFoundError:
        return False


class LiveSocket:
    """The socket of another server, bound (and listening, over a byte stream) at the path while the target
    starts: UNIX-3's second scenario. ``intact``: is its file still there, the same one?"""

    def __init__(self, datagram: bool) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM if datagram else socket.SOCK_STREAM)
        self.inode: int | None = None

    def __call__(self, path: str) -> None:
        self.sock.bind(path)
        if self.sock.type == socket.SOCK_STREAM:
            self.sock.listen()
        self.inode = os.lstat(path).st_ino

    def intact(self, path: str | None) -> bool:
        try:
            found = os.lstat(path) if path is not None else None
        except FileNotFoundError:
            return False
        return found is not None and stat.S_ISSOCK(found.st_mode) and found.st_ino == self.inode


def with_live_socket(target: ServerProcess) -> Opening:
    """Start ``target`` afresh with a live socket at its path (UNIX-3's second scenario); closed after."""
    live = LiveSocket(datagram=target.spec.transport == "unixgram")
    try:
        why = target.start_with(live)
        return Opening(why, target.socket_path, live.intact(target.socket_path))
    finally:
        live.sock.close()


def applies(target: ServerProcess) -> bool:
    """Does ``target``'s first start go through the scenarios (a Unix server whose path netconform chooses)?"""
    return target.spec.unix and target.spec.port_policy == "assigned"


def first_start(target: ServerProcess) -> None:
    """Start ``target`` through the scenarios, recording their outcomes in ``target.openings``; it is left
    running unless every scenario kept it from starting (the caller then starts it on a clean path)."""
    target.transcript.add("suite", "first start: with a regular file at its path (UNIX-3's scenario), then, if "
                                   "it refuses, with a live socket there (UNIX-3's), then with a stale socket file "
                                   "(UNIX-2's)")
    why = target.start_with(regular_file)
    target.openings["regular file"] = Opening(why, target.socket_path, intact(target.socket_path))
    if why is None:
        return
    target.openings["live socket"] = opening = with_live_socket(target)
    if opening.why is None:
        return
    why = target.start_with(stale_socket)
    target.openings["stale socket"] = Opening(why)
