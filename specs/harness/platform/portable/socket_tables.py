"""A target's own sockets, from psutil, and what can be asked of a port without connecting to it.

psutil lists the sockets of the user's own processes on every platform it supports
(``Process.net_connections``); the machine-wide tables (every process's TIME_WAIT
connections, accept queues) need root on macOS (psutil's ``docs/api.rst``, ``net_connections``:
"AccessDenied is always raised unless running as root"), so nothing here reads them:

- a connection's unread bytes and an accept queue are not known (None): callers keep
  segments apart by a pause, and pace connects by a fixed one (:func:`pace`);
- whether a port is free is asked by binding it (:func:`port_bindable`): ``bind()`` without
  ``SO_REUSEADDR`` fails while any socket holds the port, a connection in TIME_WAIT included
  (Linux: socket(7) and ``inet_csk_bind_conflict``; macOS: XNU ``bsd/netinet/in_pcb.c``,
  ``in_pcbbind``, whose lookup without ``SO_REUSEADDR`` matches connected PCBs too), and a probe
  that binds and closes makes no connection, so no program sees it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterable

import psutil

BOOK_BACKLOG = 5  # the book's listen(5), and socketserver's request_queue_size
MAX_BURST = 256  # the most connections a spec opens before the server must accept them (CONC-2: 200)
#: Where the accept queue cannot be seen: the pause before each connect of a burst, which a server
#: that accepts at once needs far less than (a dropped SYN would cost a 1 s retransmission instead).
PACE_PAUSE = 0.005


def unread(local_port: int, remote_port: int) -> int | None:
    """Bytes received but not yet read on a loopback connection: not known here (None)."""
    del local_port, remote_port
    return None


def receive_queue(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """Bytes the program at ``local`` has received from ``remote`` and not read: not known here (None)."""
    del local, remote
    return None


def wait_read(local_port: int, remote_port: int, timeout: float) -> None:
    """Wait until the program on ``local_port`` has read what it received: unseen here, so ``timeout`` in full."""
    del local_port, remote_port
    time.sleep(timeout)


def unix_unread(sock: socket.socket) -> int | None:
    """Bytes sent on the Unix stream socket ``sock`` that its peer has not read: not known here (None)."""
    del sock
    return None


def peer_closed(sock: socket.socket) -> bool:
    """Has the peer's FIN arrived on the TCP socket ``sock``, with nothing unread before it? (a peek that
    does not wait: a FIN behind unread bytes is not seen)"""
    timeout = sock.gettimeout()
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:  # nothing yet (BlockingIOError), or a reset
        return False
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)


def port_bindable(port: int) -> bool:
    """Could a server bind 127.0.0.1:``port`` now, without ``SO_REUSEADDR``? (a socket that binds, then closes)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listening_on(port: int) -> bool | None:
    """Does something listen on ``port`` here? False when the port is free (a bind probe); None when it is
    held, by a listener or by a connection in TIME_WAIT, which cannot be told apart here."""
    return False if port_bindable(port) else None


def tcp_states() -> list[tuple[int, str]]:
    """(local port, state) of every TCP socket on this machine: [] where that table is not the user's to read."""
    try:
        return [(c.laddr.port, c.status) for c in psutil.net_connections(kind="tcp") if c.laddr]
    except (psutil.Error, OSError):
        return []


def accept_queue(port: int) -> int | None:
    """Connections waiting in ``accept()``'s queue on ``port``: not known here (None)."""
    del port
    return None


def listen_backlog(port: int) -> int:
    """The backlog of the socket listening on ``port``: not known here, so the book's 5."""
    del port
    return BOOK_BACKLOG


def ports_in_time_wait() -> set[int] | None:
    """Local ports held by connections in TIME_WAIT: not known here (None: ask :func:`port_bindable`)."""
    return None


def _connections(procs: Iterable[psutil.Process], kind: str) -> list[psutil._common.pconn]:
    found = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            found += proc.net_connections(kind=kind)
    return found


def listening_sockets(procs: Iterable[psutil.Process]) -> list[tuple[str, int]]:
    """The (ip, port) every one of ``procs`` listens on."""
    return sorted({(c.laddr.ip, c.laddr.port) for c in _connections(procs, "tcp") if c.status == psutil.CONN_LISTEN})


def unix_sockets(procs: Iterable[psutil.Process]) -> list[tuple[str, str, bool]]:
    """The Unix sockets with a path that ``procs`` hold: (path, "stream" or "dgram", listening).

    psutil does not say which stream socket listens: one with a path and no peer is taken to. A
    path bound relative to the program's folder is made absolute with the leader's folder.
    """
    procs = list(procs)
    cwd = ""
    with contextlib.suppress(psutil.Error, IndexError):
        cwd = procs[0].cwd()
    found = set()
    for conn in _connections(procs, "unix"):
        path = conn.laddr if isinstance(conn.laddr, str) else ""
        kind = {socket.SOCK_STREAM: "stream", socket.SOCK_DGRAM: "dgram"}.get(conn.type)
        if kind is None or not path or path.startswith("@") or path.startswith("\0"):
            continue
        path = path if path.startswith("/") or not cwd else os.path.join(cwd, path)
        found.add((path, kind, kind == "stream" and not conn.raddr))
    return sorted(found)


def udp_sockets(procs: Iterable[psutil.Process]) -> list[tuple[str, int]]:
    """The (ip, port) of every UDP socket ``procs`` hold that is bound and not connected."""
    return sorted({(c.laddr.ip, c.laddr.port) for c in _connections(procs, "udp") if c.laddr and not c.raddr})


def pace(port: int, backlog: int | None, *, margin: int = 3, timeout: float = 0.2) -> int | None:
    """Before another connection: the accept queue cannot be seen here, so pause ``PACE_PAUSE``."""
    del port, margin, timeout
    time.sleep(PACE_PAUSE)
    return backlog
