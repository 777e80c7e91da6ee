"""Where a URL client that hard-codes its URLs runs: here, never in a network namespace of its own.

Such a program (no ``{url}``) would fetch ``http://www.python.org`` itself. Network namespaces
are Linux's (``linux/netns.py``): here such a target is refused, unless
``--allow-real-network`` says to run it as it is. :class:`Jail` runs it through
``netns_entry.py``, which hands the suite's proxy socket over and points the proxy
variables at it (see that module), with no namespace around it.
"""

from __future__ import annotations

import os
import select
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

ENTRY = Path(__file__).with_name("netns_entry.py")
#: Set (to anything) to behave as if no namespace could be made: for testing the refusal, nothing else.
SIMULATE_NO_NAMESPACE = "NETCONFORM_SIMULATE_NO_NETNS"
#: What a namespace gives (the capabilities' descriptions), and what its absence costs.
OWN_NETWORK = "a network namespace of its own, where only loopback exists"


def namespace_prefix() -> tuple[str, ...] | None:
    """The command prefix that runs a command in a fresh network namespace with loopback up: none here."""
    return None


def why_no_namespace() -> str:
    """Why :func:`namespace_prefix` is None here."""
    if os.environ.get(SIMULATE_NO_NAMESPACE):
        return f"${SIMULATE_NO_NAMESPACE} is set"
    return f"network namespaces are a Linux feature, and the portable platform is in use (on {sys.platform})"


def can_bring_up_loopback() -> bool:
    """Can a command run in a fresh network namespace with its own loopback? Not here."""
    return False


class Jail:
    """One run's namespace: wraps the command, then receives the proxy's listening socket from inside."""

    def __init__(self, folder: Path, prefix: tuple[str, ...] | None) -> None:
        self.prefix = prefix
        self.path = folder / "proxy-handover.sock"
        self.channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel.bind(str(self.path))
        self.channel.listen(1)

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run through ``netns_entry.py``, inside a fresh namespace when there is a prefix."""
        entry = [sys.executable, "-I", str(ENTRY), *(["--lo"] if self.prefix else []), str(self.path), "--", *argv]
        return [*(self.prefix or ()), *entry]

    def receive(self, alive: Callable[[], bool], timeout: float) -> socket.socket | None:
        """The listening socket ``netns_entry.py`` opened (None: the command ended, or ``timeout`` passed, first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.channel], [], [], 0.05)
            if readable:
                conn, _ = self.channel.accept()
                with conn:
                    _msg, fds, _flags, _addr = socket.recv_fds(conn, 64, 1)
                if fds:
                    return socket.socket(fileno=fds[0])
            elif not alive():
                return None
        return None

    def close(self) -> None:
        self.channel.close()
