"""TCP sockets of a given state from the kernel's sock_diag netlink interface (what ``ss`` uses).

``/proc/net/tcp`` formats every socket of the machine as text, TIME_WAIT ones included:
after a few runs there are thousands, and one read costs 10 to 30 ms. sock_diag filters
by state in the kernel: asking for the listening or the established sockets costs well
under a millisecond however many connections wait in TIME_WAIT. None where it is not
available (not Linux, or refused): callers then read ``/proc``.
"""

from __future__ import annotations

import atexit
import socket
import struct
from dataclasses import dataclass

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
ESTABLISHED, LISTEN = 1, 10  # TCP states (linux/tcp_states.h)
_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, port id
_MESSAGE = struct.Struct("=BBBB")  # inet_diag_msg: family, state, timer, retransmits, then the socket id
_PORTS = struct.Struct("!HH")  # the socket id's source and destination ports (network order)
_QUEUES = struct.Struct("=IIIII")  # after the id (48 bytes): expires, receive queue, send queue, uid, inode


@dataclass(frozen=True)
class Sock:
    """One socket: its ports, and its queues (for a listening socket: waiting connections and the backlog)."""

    local_port: int
    remote_port: int
    receive_queue: int
    send_queue: int
    local_ip: str = ""
    inode: int = 0


def sockets(state: int) -> list[Sock] | None:
    """The TCP sockets (IPv4 and IPv6) in ``state``; None if sock_diag cannot be asked."""
    found: list[Sock] = []
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as nl:
            nl.settimeout(2.0)
            for family in (socket.AF_INET, socket.AF_INET6):
                found += _dump(nl, family, state)
    except (OSError, AttributeError, struct.error):
        return None
    return found


def _dump(nl: socket.socket, family: int, state: int) -> list[Sock]:
    request = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, 1 << state) + bytes(48)
    nl.send(_HEADER.pack(_HEADER.size + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
            + request)
    found: list[Sock] = []
    while True:
        data = nl.recv(65536)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _flags, _seq, _pid = _HEADER.unpack_from(data, offset)
            if kind == NLMSG_DONE:
                return found
            if kind == NLMSG_ERROR or length < _HEADER.size:
                raise OSError("sock_diag refused the request")
            body = offset + _HEADER.size
            sport, dport = _PORTS.unpack_from(data, body + _MESSAGE.size)
            src = data[body + _MESSAGE.size + 4: body + _MESSAGE.size + 20]
            ip = socket.inet_ntop(family, src[:4] if family == socket.AF_INET else src)
            _expires, rqueue, wqueue, _uid, inode = _QUEUES.unpack_from(data, body + _MESSAGE.size + 48)
            found.append(Sock(sport, dport, rqueue, wqueue, ip, inode))
            offset += (length + 3) & ~3


_NOCOOKIE = 0xFFFFFFFF
_lookup_socket: socket.socket | None = None  # one netlink socket for the lookups of this process
_sequence = 1


def receive_queue(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """The receive queue of the one TCP socket ``local`` <-> ``remote`` (bytes it has not read yet),
    asked by exact lookup (no dump: a few microseconds); None if there is no such socket or sock_diag
    cannot be asked."""
    global _lookup_socket
    global _sequence
    family = socket.AF_INET6 if ":" in local[0] else socket.AF_INET
    _sequence += 1
    try:
        src = socket.inet_pton(family, local[0]).ljust(16, b"\0")
        dst = socket.inet_pton(family, remote[0]).ljust(16, b"\0")
        request = (struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, 0xFFFFFFFF)
                   + _PORTS.pack(local[1], remote[1]) + src + dst + struct.pack("=III", 0, _NOCOOKIE, _NOCOOKIE))
        if _lookup_socket is None:
            _lookup_socket = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
            _lookup_socket.settimeout(2.0)
            atexit.register(_lookup_socket.close)
        nl = _lookup_socket
        nl.send(_HEADER.pack(_HEADER.size + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, _sequence, 0)
                + request)
        while True:  # an answer left over from an earlier, abandoned request is skipped
            data = nl.recv(65536)
            _length, kind, _flags, sequence, _pid = _HEADER.unpack_from(data, 0)
            if sequence == _sequence:
                break
        if kind != SOCK_DIAG_BY_FAMILY:
            return None  # NLMSG_ERROR: no such socket (ENOENT)
        if _PORTS.unpack_from(data, _HEADER.size + _MESSAGE.size) != (local[1], remote[1]):
            return None  # the kernel answered with the listening socket: the connection is gone
        _expires, rqueue, _wqueue, _uid, _inode = _QUEUES.unpack_from(data, _HEADER.size + _MESSAGE.size + 48)
    except (OSError, AttributeError, struct.error):
        return None
    return int(rqueue)
