"""The machine's sockets, read from sock_diag (``sock_diag.py``), ``/proc/net/{tcp,udp,unix}*``
and psutil: no connection is made.

Readiness (a listening socket), TIME_WAIT on a fixed port, the accept queue and backlog
of a listening socket (for pacing connects) and a connection's unread bytes are read here:
the portable implementation's questions, answered from the kernel's own tables.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator

import psutil

from ..portable.socket_tables import BOOK_BACKLOG, MAX_BURST, port_bindable
from . import sock_diag

__all__ = ["BOOK_BACKLOG", "MAX_BURST", "accept_queue", "listen_backlog", "listening_on", "listening_sockets",
           "pace", "peer_closed", "port_bindable", "ports_in_time_wait", "receive_queue", "tcp_states",
           "udp_sockets", "unix_sockets", "unix_unread", "unread", "wait_read"]

TCP_CLOSE_WAIT = 8  # Linux's tcpi_state for CLOSE_WAIT (include/net/tcp_states.h)


def _rows(*, listening_only: bool = False) -> Iterator[list[str]]:
    """The fields of each socket's row of ``/proc/net/tcp`` and ``tcp6`` (Linux).

    ``listening_only``: stop at the first socket that is not listening: the kernel lists
    the listening ones first, so the read then costs the same however many connections
    (TIME_WAIT ones too) the machine holds.
    """
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f, None)
                for row in f:
                    fields = row.split()
                    if listening_only and fields[3] != "0A":
                        break
                    yield fields
        except OSError:
            continue


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def _proc_tcp() -> Iterator[tuple[int, str, int]]:
    """(local port, state code, receive queue) of every TCP socket here.

    For a LISTEN socket the receive queue is the number of connections waiting in accept().
    """
    for fields in _rows():
        yield _port(fields[1]), fields[3], int(fields[4].split(":")[1], 16)


def unread(local_port: int, remote_port: int) -> int | None:
    """Bytes received but not yet read by the program on the loopback connection ``local_port`` -> ``remote_port``."""
    exact = sock_diag.receive_queue(("127.0.0.1", local_port), ("127.0.0.1", remote_port))  # IPv4: microseconds
    if exact is not None:
        return exact
    established = sock_diag.sockets(sock_diag.ESTABLISHED)
    if established is not None:
        return next((s.receive_queue for s in established if (s.local_port, s.remote_port) == (local_port,
                                                                                               remote_port)), None)
    for fields in _rows():
        if (_port(fields[1]), _port(fields[2])) == (local_port, remote_port):
            return int(fields[4].split(":")[1], 16)
    return None


def wait_read(local_port: int, remote_port: int, timeout: float) -> None:
    """Wait (at most ``timeout``) until the program on ``local_port`` has read all it received from ``remote_port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and unread(local_port, remote_port):
        time.sleep(0.0005)


def unix_unread(sock: socket.socket) -> int | None:
    """Bytes sent on the Unix stream socket ``sock`` that its peer has not read yet (SIOCOUTQ);
    None if that cannot be asked."""
    import fcntl
    import struct
    import termios

    try:
        return int(struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0])
    except OSError:
        return None


def receive_queue(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """Bytes the program at ``local`` has received from ``remote`` and not read (an exact sock_diag
    lookup, microseconds); None if the kernel does not say."""
    return sock_diag.receive_queue(local, remote)


def peer_closed(sock: socket.socket) -> bool:
    """Has the peer's FIN arrived on the TCP socket ``sock`` (state CLOSE_WAIT), read or not, data pending or not?"""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)
    except OSError:
        return False
    return info[0] == TCP_CLOSE_WAIT


def listening_on(port: int) -> bool | None:
    """Does something listen on ``port`` here? None if the socket table cannot be read."""
    if accept_queue(port) is not None:
        return True
    return False if any(True for _ in _proc_tcp()) else None


def tcp_states() -> list[tuple[int, str]]:
    """(local port, state) of every TCP socket on this machine."""
    names = {"06": "TIME_WAIT", "0A": "LISTEN"}
    return [(port, names.get(code, code)) for port, code, _ in _proc_tcp()]


def accept_queue(port: int) -> int | None:
    """Connections waiting in ``accept()``'s queue of the socket listening on ``port``."""
    listening = sock_diag.sockets(sock_diag.LISTEN)
    if listening is not None:
        return next((s.receive_queue for s in listening if s.local_port == port), None)
    return next((int(f[4].split(":")[1], 16) for f in _rows(listening_only=True) if _port(f[1]) == port), None)


def listen_backlog(port: int) -> int:
    """The backlog of the socket listening on ``port`` (``listen(N)``, capped by somaxconn).

    /proc does not show it; sock_diag does (``ss`` shows it as a LISTEN socket's Send-Q).
    Without either, the book's 5 is assumed, which paces as if the queue were that short.
    """
    listening = sock_diag.sockets(sock_diag.LISTEN)
    backlogs = [s.send_queue for s in listening or () if s.local_port == port]
    if backlogs:
        return min(backlogs)
    try:
        out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, timeout=5,
                             check=True).stdout
        return min(int(line.split()[2]) for line in out.splitlines() if line.strip())
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return BOOK_BACKLOG


def ports_in_time_wait() -> set[int] | None:
    """Local ports with connections in TIME_WAIT and no listener: a server can't rebind them yet."""
    states = tcp_states()
    listening = {port for port, state in states if state == "LISTEN"}
    return {port for port, state in states if state == "TIME_WAIT"} - listening


def _socket_inodes(procs: Iterable[psutil.Process]) -> set[int] | None:
    """The inodes of the sockets ``procs`` hold open (None: some process's descriptors cannot be read)."""
    inodes: set[int] = set()
    for proc in procs:
        try:
            links = [os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{proc.pid}/fd")]
        except FileNotFoundError:
            continue  # it has exited
        except OSError:
            return None
        inodes |= {int(link[8:-1]) for link in links if link.startswith("socket:[")}
    return inodes


def listening_sockets(procs: Iterable[psutil.Process]) -> list[tuple[str, int]]:
    """The (ip, port) every one of ``procs`` listens on."""
    procs = list(procs)
    listening = sock_diag.sockets(sock_diag.LISTEN)
    inodes = _socket_inodes(procs) if listening is not None else None
    if listening is not None and inodes is not None:
        return sorted({(s.local_ip, s.local_port) for s in listening if s.inode in inodes})
    found: set[tuple[str, int]] = set()
    for proc in procs:
        try:
            conns = proc.net_connections(kind="tcp")
        except psutil.Error:
            continue
        found.update((c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN)
    return sorted(found)


_UNIX_LISTENING = 0x10000  # __SO_ACCEPTCON in /proc/net/unix's Flags
_UNIX_TYPES = {1: "stream", 2: "dgram"}


def unix_sockets(procs: Iterable[psutil.Process]) -> list[tuple[str, str, bool]]:
    """The Unix sockets with a path that ``procs`` hold: (path, "stream" or "dgram", listening).

    A path bound relative to the program's folder is listed as bound: it is made absolute
    with the folder of the first process (the leader), where the program runs.
    """
    procs = list(procs)
    inodes = _socket_inodes(procs)
    cwd = ""
    with contextlib.suppress(psutil.Error, IndexError):
        cwd = procs[0].cwd()
    found = []
    with contextlib.suppress(OSError), open("/proc/net/unix") as table:
        next(table)
        for row in table:
            fields = row.split(None, 7)
            if len(fields) < 8 or (inodes is not None and int(fields[6]) not in inodes):
                continue
            kind = _UNIX_TYPES.get(int(fields[4], 16))
            path = fields[7].rstrip("\n")
            if kind is not None and path and not path.startswith("@"):  # "@": the abstract namespace
                path = path if path.startswith("/") or not cwd else os.path.join(cwd, path)
                found.append((path, kind, bool(int(fields[3], 16) & _UNIX_LISTENING)))
    return sorted(found)


def udp_sockets(procs: Iterable[psutil.Process]) -> list[tuple[str, int]]:
    """The (ip, port) of every UDP socket ``procs`` hold that is bound and not connected."""
    inodes = _socket_inodes(list(procs)) or set()
    found: set[tuple[str, int]] = set()
    for name, family in (("udp", socket.AF_INET), ("udp6", socket.AF_INET6)):
        with contextlib.suppress(OSError), open(f"/proc/net/{name}") as table:
            next(table)
            for row in table:
                fields = row.split()
                if len(fields) < 10 or int(fields[9]) not in inodes or not fields[2].endswith(":0000"):
                    continue
                hex_ip, hex_port = fields[1].split(":")
                raw = bytes.fromhex(hex_ip)
                if family == socket.AF_INET:
                    ip = socket.inet_ntop(family, raw[::-1])
                else:
                    ip = socket.inet_ntop(family, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
                found.add((ip, int(hex_port, 16)))
    return sorted(found)


def pace(port: int, backlog: int | None, *, margin: int = 3, timeout: float = 0.2) -> int | None:
    """Before another connection: wait (briefly) until the accept queue on ``port`` has room.

    A burst of connects to a server with the book's ``listen(5)`` overflows its accept
    queue; Linux then drops the SYN and ``connect()`` waits a 1 s retransmission. This
    waits while fewer than ``margin`` places are left in the queue (its ``backlog``, asked
    once per server and returned to be passed again; 2 waiting connections at most for
    ``listen(5)``),
    or until ``timeout`` passes, so clients still pile up concurrently but no SYN is
    dropped. A server with a large backlog (``listen()`` in Python 3) is not waited for,
    even when it does not accept at all.
    """
    if backlog is None:
        backlog = listen_backlog(port)
    if backlog - margin >= MAX_BURST:  # no burst of the specs' connects can fill it
        return backlog
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = accept_queue(port)
        if waiting is None or waiting <= backlog - margin:
            return backlog
        time.sleep(0.002)
    return backlog
