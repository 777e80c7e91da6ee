"""A Unix server's first start doubles as UNIX-2's scenario, and UNIX-3's run beside it.

UNIX-2 and UNIX-3 each need the server started afresh with something already at its
socket path: a stale socket file (UNIX-2: the server removes it and starts), and a
regular file, or the socket of a server still listening there (UNIX-3: it must be left
alone, so the server does not start). A correct server started over a stale socket file
serves every other spec as well as one started on a clean path, so the first start of a
Unix target with ``{path}`` goes through the scenarios and records their outcomes for the
two specs to judge when their turn comes:

1. the target starts with a stale socket file at its path (UNIX-2's): a correct server
   starts, and is kept; one that does not is started again on a clean path;
2. once it runs, UNIX-3's two scenarios start, each in a process of its own (the
   target's *twin*: the same command, in a folder of its own), both at once, in the
   background while the next specs run: a regular file at the path (a correct server
   refuses to start, and the file is intact), and a live socket there (netconform's own,
   listening: a correct server refuses to start, and the socket file is the same one
   after). A twin that starts anyway is stopped as soon as it is seen listening.
   Their outcomes are waited for when a spec first asks for one, or when the target stops.

The twins begin only once the kept process runs, so whatever else a program holds while
it runs (a fixed port, a lock) is held by the kept process first, every run alike. If the
stale socket file kept it from starting, the twins run to their end before the clean start.

The other specs never see a scenario: only the kept process serves them. A spec whose
scenario was not recorded (its target began another way) runs it itself, on a fresh start
(``ServerTarget.start_with``).
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Callable
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


def with_regular_file(target: ServerProcess) -> Opening:
    """Start ``target`` afresh with a regular file at its path (UNIX-3's first scenario)."""
    why = target.start_with(regular_file)
    return Opening(why, target.socket_path, intact(target.socket_path))


#: UNIX-3's scenarios, by the name their outcome is recorded under.
TWIN_SCENARIOS: dict[str, Callable[[ServerProcess], Opening]] = {
    "regular file": with_regular_file, "live socket": with_live_socket}


class Openings:
    """The scenarios' outcomes, by name ("stale socket", "regular file", "live socket"). UNIX-3's run in twins
    of the target, each in a thread of its own, and are waited for when one is first asked for (or at stop)."""

    def __init__(self) -> None:
        self._found: dict[str, Opening] = {}
        self._running: list[threading.Thread] = []

    def __setitem__(self, name: str, opening: Opening) -> None:
        self._found[name] = opening

    def get(self, name: str) -> Opening | None:
        """The outcome of scenario ``name`` (its twin waited for first, if it still runs); None: not recorded."""
        self.wait()
        return self._found.get(name)

    def begin(self, target: ServerProcess) -> None:
        """Start UNIX-3's scenarios, each in a twin of ``target`` (a fresh process of its command)."""
        for name, scenario in TWIN_SCENARIOS.items():
            twin = type(target)(target.spec, target.settings, target.pool)  # own processes, folder, output
            thread = threading.Thread(target=self._run, args=(name, scenario, twin, target.events), daemon=True,
                                      name=f"{target.spec.name}: {name} scenario")
            thread.start()
            self._running.append(thread)

    def _run(self, name: str, scenario: Callable[[ServerProcess], Opening], twin: ServerProcess,
             events: list[str]) -> None:
        try:
            self._found[name] = scenario(twin)
        except Exception as exc:  # not recorded: UNIX-3's spec runs the scenario itself, and the run's events say why
            events.append(f"{twin.spec.name}: UNIX-3's {name} scenario could not run in a process of its own "
                          f"({type(exc).__name__}: {exc}); UNIX-3 runs it itself")
        finally:
            twin.stop()

    def wait(self) -> None:
        """Until every scenario started has ended (each is bounded: a start within the startup timeout, a stop)."""
        while self._running:
            self._running.pop().join()


def applies(target: ServerProcess) -> bool:
    """Does ``target``'s first start go through the scenarios (a Unix server whose path netconform chooses)?"""
    return target.spec.unix and target.spec.port_policy == "assigned"


def first_start(target: ServerProcess) -> None:
    """Start ``target`` over a stale socket file (UNIX-2's scenario), recording the outcome in ``target.openings``,
    and UNIX-3's scenarios beside it (in its twins); it is left running if it started (else the caller starts it
    on a clean path, after the twins have ended)."""
    target.transcript.add("suite", "first start: with a stale socket file at its path (UNIX-2's scenario); "
                                   "UNIX-3's (a regular file, a live socket at the path) each in a process of its "
                                   "own, in a folder of its own, once this one runs")
    why = target.start_with(stale_socket)
    target.openings["stale socket"] = Opening(why)
    target.openings.begin(target)
    if why is not None:
        target.openings.wait()
