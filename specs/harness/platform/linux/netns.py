"""A network namespace of its own for each run of a URL client that hard-codes its URLs.

Such a program (no ``{url}``) would fetch ``http://www.python.org`` itself: it runs in a
fresh network namespace where only loopback exists (``unshare --net``, as root; else
``unshare --user --map-root-user --net``, with unprivileged user namespaces), so nothing
it does can leave the machine. The suite's proxy is reachable in there: ``netns_entry.py``
opens its listening socket inside the namespace and hands it out through a Unix socket
path (see that module). Where no namespace can be made, such a target is refused, unless
``--allow-real-network`` says to run it without one.
"""

from __future__ import annotations

import functools
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ENTRY = Path(__file__).with_name("netns_entry.py")
#: Set (to anything) to behave as if no namespace could be made: for testing the refusal, nothing else.
SIMULATE_NO_NAMESPACE = "NETCONFORM_SIMULATE_NO_NETNS"
_LO_CHECK = "import sys; sys.path.insert(0, sys.argv[1]); import netns_entry; netns_entry.loopback_up()"


def _works(prefix: tuple[str, ...]) -> bool:
    try:
        return subprocess.run([*prefix, sys.executable, "-I", "-c", _LO_CHECK, str(ENTRY.parent)],
                              capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.cache
def _detected() -> tuple[str, ...] | None:
    unshare = shutil.which("unshare")
    if not unshare or not sys.platform.startswith("linux"):
        return None
    for prefix in ((unshare, "--net", "--"), (unshare, "--user", "--map-root-user", "--net", "--")):
        if _works(prefix):
            return prefix
    return None


def namespace_prefix() -> tuple[str, ...] | None:
    """The command prefix that runs a command in a fresh network namespace with loopback up, or None."""
    if os.environ.get(SIMULATE_NO_NAMESPACE):
        return None
    return _detected()


def why_no_namespace() -> str:
    """Why :func:`namespace_prefix` is None here."""
    if os.environ.get(SIMULATE_NO_NAMESPACE):
        return f"${SIMULATE_NO_NAMESPACE} is set"
    if not sys.platform.startswith("linux"):
        return f"network namespaces are a Linux feature, and this is {sys.platform}"
    if not shutil.which("unshare"):
        return "the unshare command (util-linux) is not installed"
    return "unshare --net is not permitted (not root) and unprivileged user namespaces are disabled"


def can_bring_up_loopback() -> bool:
    """Can we run a command in a fresh network namespace with its own loopback (root, unshare, ip)?"""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    try:
        return subprocess.run(["unshare", "--net", "--", "ip", "link", "set", "lo", "up"], capture_output=True,
                              timeout=20, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
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
