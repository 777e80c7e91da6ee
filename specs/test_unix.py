"""Unix socket specs (UNIX-*): clients without a path, and the socket file a server owns.

Every byte-stream spec runs over ``unix`` too (parametrized over the transport); these
check only what a Unix socket path adds. UNIX-1 runs against every server role over a
Unix stream socket; UNIX-2, UNIX-3 and UNIX-5 also over Unix datagrams; UNIX-4 over a Unix stream socket, on a
server that has served clients one after another.
"""

from __future__ import annotations

import os
import stat

import pytest

from .harness.glue.collection import not_applicable
from .harness.judge import findings
from .harness.judge.hints import TRANSPORT_HINTS, Evidence
from .harness.judge.matchers import fail, fail_with
from .harness.launch import unix_openings
from .harness.launch.process_group import TARGET_UMASK
from .harness.observe.greetings import Greeter
from .harness.observe.log_lines import connected, frame, logged
from .harness.observe.ownership import Observation, owner_of
from .harness.observe.server_target import ServerTarget
from .harness.wire.streams import describe


@pytest.mark.req("UNIX-1")
def test_clients_without_a_path_are_served(unix_stream_server: ServerTarget) -> None:
    """(``unix``) A client that bound no path (its address is ``''``) is served like any other, and the server keeps
    serving: a greeting server greets it, a logger logs its data."""
    target = unix_stream_server
    if target.spec.role == "greeting-server":
        greeter = Greeter(target)
        with target.client("client without a path", bound=False) as anonymous:
            got = greeter.read(anonymous)
        if not greeter.greeted(got):
            target.settle_output(suspicious=True)
            fail_with(target, "a client that bound no path was not greeted", _hint("empty address taken for an error"),
                      expected=f"what a lone client receives, {describe(greeter.exchange.reply)}",
                      got=f"{describe(got.data)}, {got.describe_end()}", evidence=Evidence(symptom="recognised"))
        with greeter.connect("next client") as client:
            greeter.expect(greeter.read(client), "what the next client received, after a client without a path")
        return
    since = target.mark()
    with target.client("client without a path", bound=False) as anonymous:
        anonymous.send(frame(target, b"from a client without a path"))
    logged(target, b"from a client without a path", since=since, summary="the data of a client that bound no path "
           "(accept() gives it the address '') was not logged: an empty address is not an error; log it as it is")
    since = target.mark()
    with target.client("next client") as client:
        connected(target, client, since, summary="after a client that bound no path, the next client's connection "
                  "was not logged: the server stopped serving")


def _hint(name: str) -> dict[str, str]:
    return {name: TRANSPORT_HINTS[name]}


@pytest.mark.req("UNIX-2")
def test_starts_over_a_stale_socket_file(unix_server: ServerTarget) -> None:
    """(``unix``, ``unixgram``) The server starts even when a stale socket file, which nothing listens on any more,
    is at its path: it removes that file before binding."""
    if unix_server.spec.port_policy != "assigned":
        not_applicable("its command has no {path}, so netconform cannot choose the path it binds")
    opening = unix_server.openings.get("stale socket")  # its first start, if it began this way (unix_openings.py)
    why = opening.why if opening is not None else unix_server.start_with(unix_openings.stale_socket)
    if why is not None:
        fail(unix_server, "it did not start where a stale socket file was left at its path",
             expected="it removes the stale socket file (nothing listens on it) and binds its path",
             got=why, evidence=Evidence(phase="startup"),  # that start's failure, not the running process's output
             details="a Unix socket file outlives the server that bound it, and bind() then fails with "
             "'Address already in use'. Before binding: if the path is a socket and connecting to it is "
             "refused, os.unlink() it; when the server exits, remove it too")


@pytest.mark.req("UNIX-3")
def test_never_deletes_a_path_it_does_not_own(unix_server: ServerTarget) -> None:
    """(``unix``, ``unixgram``) The server never deletes a path it does not own: when a regular file, or the socket of
    a server still listening there, is at its path, it is left as it was."""
    if unix_server.spec.port_policy != "assigned":
        not_applicable("its command has no {path}, so netconform cannot choose the path it binds")
    opening = unix_server.openings.get("regular file")  # its first start (unix_openings.py)
    if opening is None:
        unix_server.start_with(unix_openings.regular_file)
        try:
            path = unix_server.socket_path
            opening = unix_openings.Opening(None, path, unix_openings.intact(path))
        finally:
            unix_server.stop()
    if not opening.intact:
        fail(unix_server, "it deleted (or replaced) a regular file at its socket path",
             expected=f"the regular file at {opening.path} left as it was (and the server refusing to start there)",
             got="the file was gone, or replaced by a socket",
             details="remove a path before binding only if it is a socket nobody listens on (a stale one): "
             "os.stat(path) and stat.S_ISSOCK(mode), then a connect() that is refused. An unconditional "
             "os.remove(path) deletes whatever file happens to be there")
    live = unix_server.openings.get("live socket")
    if live is None and opening.why is not None:  # not recorded at its first start (restarted since): run it now
        try:
            live = unix_openings.with_live_socket(unix_server)
        finally:
            unix_server.stop()
    if live is not None and not live.intact:
        fail(unix_server, "it removed the socket of a server still listening at its socket path",
             expected=f"the socket file at {live.path}, where another server listens, left as it was (and the "
             "server refusing to start there)", got="that socket file was gone, or replaced by the server's own",
             details="a socket file at the path is stale only if connecting to it is refused: try a connect() "
             "first (of the same socket type), and remove the file only on ConnectionRefusedError. Removing any "
             "socket file takes the path from a server that is still running, whose clients can no longer reach it")


@pytest.mark.req("UNIX-4")
@pytest.mark.observes_process
def test_socket_file_stays_while_serving(unix_stream_server: ServerTarget) -> None:
    """(``unix``) The socket file stays at its path while the server runs: serving clients, and the processes it
    forks for them ending, never remove it."""
    target = unix_stream_server
    target.require("socket path kept")
    target.endpoint()  # running, its path bound
    path = target.socket_path
    assert path is not None
    before = target.live_children()
    try:
        bound: int | None = os.lstat(path).st_ino
    except FileNotFoundError:  # an earlier spec's clients were served by this process
        bound = None
    for n in range(0 if bound is None else 1, VISITS + 1):
        if n:
            _visit(target, n)
            # the processes forked for the client have ended, and whatever they ran as they ended with them
            target.children_ended(before, target.settings.net_timeout)
        gone = _gone(path, bound)
        if gone is not None:
            if target.group is None or not target.group.alive:  # it exited: its path is its own to remove
                what: Observation = "serving" if target.spec.role == "greeting-server" else "departure survived"
                target.require(what)
                findings.block(owner_of(what, target.spec.role) or "", f"the server exited after client {n}, so "
                               "whether its socket file stays while it runs cannot be seen")
            after = f"client {n}" if n else "an earlier spec's clients"
            target.hide("socket path kept", "UNIX-4", f"the socket file was {gone} while the server ran ({after} "
                        "served)")
            fail_with(target, f"the socket file at its path was {gone} after {after} had been served, while the "
                      "server still ran", _hint("a child removes the socket file"),
                      expected=f"the socket file at {path}, the one the server bound, as long as the server runs",
                      got=f"{gone}: every later client gets 'No such file or directory'",
                      evidence=Evidence(symptom="recognised"))
    target.stop()  # the next spec starts afresh: this one's clients may still be being logged as gone


@pytest.mark.req("UNIX-5")
def test_socket_file_write_permission_is_as_bound(unix_server: ServerTarget) -> None:
    """(``unix``, ``unixgram``) Write permission on the socket file, which a client needs to connect, is as
    ``bind()`` gives it: its owner has it, and group and others only as far as the umask allows (netconform
    starts every server with umask 022: the owner alone)."""
    target = unix_server
    target.endpoint()  # running, its path bound
    path = target.socket_path
    assert path is not None
    try:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
    except FileNotFoundError:
        findings.block("UNIX-4", "the socket file was gone, so its mode cannot be seen")
    wanted = 0o222 & ~TARGET_UMASK  # connect() needs write permission; read and execute bits do not count
    if mode & 0o222 == wanted:
        return
    extra, missing = mode & 0o222 & ~wanted, wanted & ~mode
    got = f"mode {mode:04o}: " + "; ".join(
        [*(["group or others can write it, so every local user can connect"] if extra else []),
         *(["its owner cannot write it, so every client an ordinary user runs gets 'Permission denied' (root "
            "connects whatever the mode)"] if missing else [])])
    fail(target, "the socket file's write permission is not what bind() gives it",
         expected=f"write permission for the owner alone, as bind() gives under umask {TARGET_UMASK:03o} "
         f"(mode {0o777 & ~TARGET_UMASK:04o})", got=got,
         details="bind() creates the file with 0777 less the umask: leave it so. os.chmod(path, 0o777), a common "
         "answer to 'Permission denied', lets every user on the machine connect; Twisted's listenUNIX and "
         "listenUNIXDatagram chmod the file to 0666 unless given mode= (pass mode=0o777 & ~umask)")


VISITS = 3  # clients served one after another, each whole


def _visit(target: ServerTarget, n: int) -> None:
    if target.spec.role == "greeting-server":
        greeter = Greeter(target)
        with greeter.connect(f"client {n}") as client:
            greeter.read(client)
        return
    with target.client(f"client {n}"):
        pass  # a logger's client comes and goes: only its departure is logged (no data lines to be waited for)


def _gone(path: str, bound: int | None) -> str | None:
    """How the socket file at ``path`` (inode ``bound``; None: not seen) is no longer the server's: None while it is."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return "removed"
    return None if stat.S_ISSOCK(found.st_mode) and found.st_ino == bound else "replaced by another file"

