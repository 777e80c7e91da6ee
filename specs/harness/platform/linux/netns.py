"""A network namespace of its own for each run of a URL client that hard-codes its URLs.

Such a program (no ``{url}``) would fetch ``http://www.python.org`` itself: it runs in a
fresh network namespace where only loopback exists (``unshare --net``, as root; else
``unshare --user --map-root-user --net``, with unprivileged user namespaces), so nothing
it does can leave the machine. The suite's proxy is reachable in there: ``netns_entry.py``
(``portable/``, shared) opens its listening socket inside the namespace and hands it out
through a Unix socket path. Where no namespace can be made, such a target is refused,
unless ``--allow-real-network`` says to run it without one.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

from ..portable.netns import ENTRY, OWN_NETWORK, SIMULATE_NO_NAMESPACE, Jail

__all__ = ["ENTRY", "OWN_NETWORK", "SIMULATE_NO_NAMESPACE", "Jail", "can_bring_up_loopback", "namespace_prefix",
           "why_no_namespace"]

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
