"""Datagram clients (UDP on loopback, Unix datagrams in the private folder) with a transcript.

A datagram is sent only to a loopback address or to a path inside netconform's own
temporary folder (``socket_folders.py``). Each client has an address of its own: UDP binds an
ephemeral port on 127.0.0.1; a Unix datagram client binds a fresh path in the target's
folder, or none at all (``bound=False``: it then cannot be answered, DGRAM-7).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from types import TracebackType

from ..platform import socket_folders
from .streams import Address, NotLoopback, Transcript, check_loopback, describe, shown

#: The largest UDP payload over IPv4 (65535 - 20 - 8): the largest datagram DGRAM-3 sends.
LARGEST = 65507


class DatagramClient:
    """One datagram socket talking to ``server``; it records what it sent and received."""

    def __init__(self, server: Address, *, timeout: float, transcript: Transcript, label: str,
                 bind: str | None = None) -> None:
        check_loopback(server)
        if isinstance(server, str) and not socket_folders.inside(server):
            raise NotLoopback(f"refusing to send datagrams to {server}: netconform sends them only to paths in "
                              "its own temporary folder")
        self.server = server
        self.timeout = timeout
        self.transcript = transcript
        self.label = label
        self.path = bind
        unix = isinstance(server, str)
        family = socket.AF_UNIX if unix else socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        if not unix:
            self.sock.bind((server[0], 0))
        elif bind is not None:
            self.sock.bind(bind)
        name = self.sock.getsockname()
        self.local: Address = (str(name[0]), int(name[1])) if not unix else str(name or "")
        self.closed = False

    @property
    def peer_name(self) -> Address:
        """What the server should log for this client: ``(host, port)``, its path, or ``''``."""
        return self.local

    def send(self, data: bytes) -> bool:
        """Send ``data`` as one datagram; False (recorded) if the kernel refused it."""
        try:
            self.sock.sendto(data, self.server)
        except OSError as exc:
            self.transcript.add(self.label, f"could not send {describe(data)}: {exc}")
            return False
        self.transcript.add(self.label, f"sent a datagram of {describe(data)} from {shown(self.local)}")
        return True

    def receive(self, timeout: float | None = None, *, quiet: bool = False) -> bytes | None:
        """The next datagram that arrives within ``timeout`` (None: none did; ``quiet``: the
        caller, waiting in slices, records that itself)."""
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if not quiet:
                    self.transcript.add(self.label, f"no datagram within {wait:.1f}s")
                return None
            self.sock.settimeout(left)
            try:
                data, sender = self.sock.recvfrom(LARGEST + 1)
            except TimeoutError:
                continue
            except OSError as exc:  # ECONNREFUSED from an earlier send's ICMP error: not a reply
                self.transcript.add(self.label, f"receive error: {exc}")
                continue
            self.transcript.add(self.label, f"received a datagram of {describe(data)} from "
                                            f"{shown(sender) if sender is not None else '(no address)'}")
            return bytes(data)

    def pending(self) -> list[bytes]:
        """The datagrams already waiting, without waiting for more."""
        found = []
        self.sock.setblocking(False)
        with contextlib.suppress(OSError):
            while True:
                found.append(self.sock.recv(LARGEST + 1))
        self.sock.setblocking(True)
        for data in found:
            self.transcript.add(self.label, f"had another datagram waiting: {describe(data)}")
        return found

    def close(self, *, vanish: bool = False) -> None:
        """Close the socket; ``vanish``: a Unix client also removes its path (it has gone away)."""
        if self.closed:
            return
        self.sock.close()
        self.closed = True
        if self.path is not None and vanish:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.transcript.add(self.label, "closed its socket" + (" and removed its path" if vanish and self.path
                                                                 else ""))

    def __enter__(self) -> DatagramClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
