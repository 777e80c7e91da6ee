"""When a started server is ready, and where to reach it: without connecting to it.

A probe connection would show up in a logger's output, so readiness is read from the
listening sockets of the target's process tree. The problems found on the way (a
hard-coded port, an address that is not loopback, several ports, an early exit) are
raised as :class:`StartupProblem`, worded for the student.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable

import psutil

from ..platform import process_stats, socket_tables
from ..wire.protocol import BOOK_PORT
from ..wire.streams import is_loopback
from .process_group import ProcessGroup

_PORTS = random.SystemRandom()  # not the global random: Hypothesis seeds that one, repeating our picks


class StartupProblem(Exception):
    """Why a server target is not ready, as a sentence for the student."""


def free_port() -> int:
    """A port that is free now, outside the kernel's ephemeral range (client ports)."""
    for _ in range(100):
        port = _PORTS.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port found in 20000-32000")


def connect_host(ip: str) -> str | None:
    """Where to connect to reach a socket listening on ``ip``; None if not via loopback."""
    if ip in ("0.0.0.0", ""):
        return "127.0.0.1"
    if ip == "::":
        return "::1"
    if ip.startswith("::ffff:") and is_loopback(ip):
        return ip[7:]
    return ip if is_loopback(ip) else None


def hostname_note() -> str:
    """Where ``socket.gethostname()`` resolves (the book binds it): loopback or not."""
    try:
        name = socket.gethostname()
        addrs = sorted({info[4][0] for info in socket.getaddrinfo(name, None)})
    except OSError as exc:
        return f"(socket.gethostname() could not be resolved: {exc})"
    where = "loopback" if all(is_loopback(str(a)) for a in addrs) else "NOT loopback"
    return f"socket.gethostname() is {name!r}, which resolves to {', '.join(map(str, addrs))} ({where})"


def bound(group: ProcessGroup, transport: str) -> list[tuple[str, int] | str]:
    """Where ``group`` is ready for clients over ``transport``: its listening TCP sockets, bound UDP
    sockets, or the paths of its listening Unix stream / bound Unix datagram sockets."""
    tree = group.tree()
    if transport == "tcp":
        return list(socket_tables.listening_sockets(tree))
    if transport == "udp":
        return list(socket_tables.udp_sockets(tree))
    kind = "stream" if transport == "unix" else "dgram"
    return [path for path, k, listening in socket_tables.unix_sockets(tree)
            if k == kind and (listening or kind == "dgram")]


def _shown(where: tuple[str, int] | str) -> str:
    return where if isinstance(where, str) else f"{where[0]}:{where[1]}"


#: How often a starting program's sockets are looked at: a program is seen listening this long after it began, at
#: most. A look costs about 0.5 ms of CPU on Linux; where it costs more (psutil reads every process), the looks are
#: spaced out, to take at most a fifth of a CPU from the starting program.
LOOK_EVERY = 0.005


def wait_listening(group: ProcessGroup, assigned: int | str | None, timeout: float, transport: str = "tcp",
                   ) -> tuple[list[tuple[str, int] | str], tuple[str, int] | str]:
    """Wait until ``group`` listens (on ``assigned``, a port or a path, if given); its sockets and where to
    connect. Over UDP and Unix datagrams, "listens" means a bound socket."""
    deadline = time.monotonic() + timeout
    first_seen: float | None = None
    activity = Activity(idle_limit=timeout / 2)
    noun = "path" if transport in ("unix", "unixgram") else "port"
    while True:
        look = time.thread_time()
        listening = bound(group, transport)
        ports = {w if isinstance(w, str) else w[1] for w in listening}
        if listening and first_seen is None:
            first_seen = time.monotonic()
        if (assigned is not None and assigned in ports) or (assigned is None and listening):
            break
        if assigned is not None and first_seen is not None and time.monotonic() - first_seen > 1.0:
            where = ", ".join(map(_shown, listening))
            placeholder = "{path} in its command, also in $SOCKET_PATH" if noun == "path" else \
                "{port} in its command, also in $PORT"
            raise StartupProblem(
                f"it was asked to listen on {noun} {assigned} (the {placeholder}) but listens on {where}. Read the "
                f"{noun} from the command line (sys.argv) instead of hard-coding it.")
        if not group.alive:
            raise StartupProblem(f"it exited at start with code {group.returncode}, before listening")
        if time.monotonic() > deadline:
            raise StartupProblem(f"it did not start listening within {timeout:g}s (--startup-timeout)")
        if activity.idle_too_long(group.tree()):
            raise StartupProblem(
                f"it did not start listening: it has been waiting for {activity.idle_limit:g}s (asleep, using no "
                "CPU) without listening. Call listen() before waiting for anything (a program that really needs "
                f"longer: --startup-timeout, {timeout:g}s now, of which half may be spent idle)")
        time.sleep(max(LOOK_EVERY, 4 * (time.thread_time() - look)))
    settle(group)
    if noun == "path":
        paths = sorted(p for p in ports if isinstance(p, str))
        if assigned is None and len(paths) > 1:
            raise StartupProblem(f"it listens on several paths ({paths}); give its command a {{path}} placeholder")
        return listening, str(assigned) if assigned is not None else paths[0]
    port = assigned if isinstance(assigned, int) else choose_port(sorted(p for p in ports if isinstance(p, int)))
    ips = [w for w in listening if isinstance(w, tuple)]
    hosts = [h for ip, p in ips if p == port and (h := connect_host(ip)) is not None]
    if not hosts:
        where = ", ".join(map(_shown, listening))
        raise StartupProblem(f"it listens on {where}, which is not a loopback address, and netconform only "
                             "connects to loopback. Bind to '127.0.0.1' (or '' / 'localhost'). " + hostname_note())
    return listening, (sorted(hosts, key=lambda h: ":" in h)[0], port)


#: How long a server that has just begun listening may stay busy before it counts as ready.
SETTLE_LIMIT = 0.3


def settle(group: ProcessGroup) -> None:
    """Wait until a server that has just begun listening is asleep (waiting for clients), or gone.

    A program can listen and then crash before it ever waits for a client (socketserver's
    constructor listens; a misspelled ``serve_forver()`` then raises). Seen listening in that
    instant, it would count as started, and its crash would be judged as a server that stopped
    serving. A server is ready once it sleeps in accept/select/poll; one that keeps busy (a
    polling loop) counts as ready after SETTLE_LIMIT seconds.
    """
    deadline = time.monotonic() + SETTLE_LIMIT
    while group.alive and process_stats.busy(group.tree()) and time.monotonic() < deadline:
        time.sleep(0.005)
    if not group.alive:
        raise StartupProblem(f"it exited at start with code {group.returncode}, right after it began listening "
                             "and before serving any client")


class Activity:
    """Whether a starting program is still getting somewhere: using CPU, ready to run, or in disk I/O.

    Starting (imports, Twisted's reactor) keeps a program busy; one asleep for ``idle_limit``
    seconds without listening waits for something else (a sleep, input, a peer) and will not
    listen in time: its startup fails then, without waiting out the whole startup timeout.
    "Asleep" allows what a sleeping loop's wake-ups (``time.sleep(1)`` in a loop) look like: a few
    crumbs of CPU (the kernel charges it in 10 ms ticks, one now and then), and a look that finds
    it running in the instant of a wake-up. Either restarted the idle count: a never-listening
    program failed after 5 to 10 s instead of 5. Running (or ready to run: a starting program on a
    busy machine may wait long for a CPU) counts when two looks in a row find it so.
    """

    #: CPU seconds a program may use while counting as asleep (a few of the kernel's 10 ms ticks).
    CRUMBS = 0.05

    def __init__(self, idle_limit: float) -> None:
        self.idle_limit = idle_limit
        self.cpu = -1.0
        self.busy_at = time.monotonic()
        self.was_busy = False

    def idle_too_long(self, tree: list[psutil.Process]) -> bool:
        now = time.monotonic()
        cpu = process_stats.cpu_seconds(tree)
        busy, self.was_busy = self.was_busy, process_stats.busy(tree)
        if self.cpu < 0 or cpu - self.cpu > self.CRUMBS or cpu < self.cpu or (busy and self.was_busy):
            self.cpu, self.busy_at = cpu, now  # (less than before: a process of the tree ended, the count is new)
        return now - self.busy_at > self.idle_limit


def choose_port(ports: list[int]) -> int:
    """The one port a program without ``{port}`` listens on (the book's 1234 among several)."""
    if len(ports) == 1:
        return ports[0]
    if BOOK_PORT in ports:
        return BOOK_PORT
    raise StartupProblem(f"it listens on several ports ({ports}); give its command a {{port}} placeholder")


def wait_out_time_wait(group: ProcessGroup, stderr: Callable[[], str], port: int | None,
                       limit: float = 65.0) -> float | None:
    """A fixed-port program that exited at start because only TIME_WAIT holds its port: wait those
    out; the seconds waited (None: not the case).

    The book's servers set no SO_REUSEADDR, so after a connection whose server side
    closed first they cannot bind their port for about a minute. netconform's clients
    avoid causing that, but a racy close can still leave one behind. Only its own port is
    waited for (``port``: where it listened before; not known yet, the book's 1234 if that is
    held, else every port held): a client's side in TIME_WAIT on any other port is no matter.
    """
    if group.wait_exit(0.0) is None:
        return None
    text = stderr()
    if "Address already in use" not in text and "errno 98" not in text.lower():
        return None
    start = time.monotonic()
    held = socket_tables.ports_in_time_wait()
    if held is None:  # the platform cannot list TIME_WAIT: its own port (the book's 1234 if not known yet), probed
        waiting = {BOOK_PORT if port is None else port}
        if socket_tables.port_bindable(next(iter(waiting))):
            return None
    else:
        waiting = {port} & held if port is not None else ({BOOK_PORT} & held or held)
    if not waiting:
        return None
    while _held(waiting) and time.monotonic() - start < limit:
        time.sleep(0.5)
    return time.monotonic() - start


def _held(ports: set[int]) -> bool:
    """Does TIME_WAIT (or anything: where the platform cannot tell) still hold one of ``ports``?"""
    held = socket_tables.ports_in_time_wait()
    return bool(held & ports) if held is not None else not all(socket_tables.port_bindable(p) for p in ports)
