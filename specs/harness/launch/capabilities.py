"""Named optional capabilities: each becomes a pytest marker defined once.

A spec or a target that needs one is skipped, with the reason below, where the
capability is missing. Nothing else in the suite checks the platform inline.
"""

from __future__ import annotations

import functools
import glob
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import platform
from ..platform import netns

if TYPE_CHECKING:  # the targets build on the capabilities: a type here, not an import at run time
    from .targets import TargetSpec


@dataclass(frozen=True)
class Capability:
    """A named capability, how to detect it, and why a test is skipped without it."""

    name: str
    description: str
    detect: Callable[[], bool]
    missing: str


def _works(executable: str, major_minor: str) -> bool:
    """Does ``executable`` run and report the version ``major_minor`` (e.g. '2' or '3.12')?"""
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return out == major_minor or out.startswith(major_minor + ".")


@functools.cache
def find_interpreter(name: str) -> str | None:
    """Resolve ``python2``, ``python2.7``, ``python3.12``... to a working executable.

    Tries the name on ``PATH`` first; pyenv shims that say "command not found" do not
    count. Then looks in pyenv's versions directory (``$PYENV_ROOT`` or ``~/.pyenv``).
    Returns ``None`` when no such interpreter is installed.
    """
    match = re.fullmatch(r"python(\d(?:\.\d+)?)", name)
    if match is None:
        return shutil.which(name)
    version = match.group(1)
    found = shutil.which(name)
    if found and _works(found, version):
        return found
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    pattern = os.path.join(root, "versions", f"{version}*", "bin", "python")
    for candidate in sorted(glob.glob(pattern), reverse=True):
        if _works(candidate, version):
            return candidate
    return None


def _installed(module: str) -> Callable[[], bool]:
    """A detector: can ``module`` be imported here? (Found without importing it: asyncore's
    import warns that it is deprecated, on 3.11.)"""
    return lambda: importlib.util.find_spec(module) is not None


def _has_own_network() -> bool:
    """Can a URL client run in a network namespace of its own (root, or unprivileged user namespaces)?"""
    return netns.namespace_prefix() is not None


CAPABILITIES: dict[str, Capability] = {
    cap.name: cap
    for cap in (
        Capability(
            "python2",
            "needs a Python 2 interpreter (the book's dialect)",
            lambda: find_interpreter("python2") is not None,
            "no python2 interpreter found (looked on PATH and in pyenv's versions/2.*); "
            "install Python 2.7 to run the book's programs unmodified",
        ),
        Capability(
            "fork",
            "needs os.fork (POSIX)",
            lambda: hasattr(os, "fork"),
            "this platform has no os.fork",
        ),
        Capability(
            "netns",
            "can run a command in its own network namespace, loopback up (the Linux platform, as root)",
            netns.can_bring_up_loopback,
            "cannot create a network namespace with its own loopback here (needs the Linux platform, as root)",
        ),
        Capability(
            "netjail",
            f"runs URL clients without {{url}} in {netns.OWN_NETWORK} (the Linux platform: root or user namespaces)",
            _has_own_network,
            "cannot create a network namespace here (needs the Linux platform, and root or unprivileged user "
            "namespaces): URL clients that hard-code their URLs are not run",
        ),
        Capability(
            "linux_platform",
            "checks the Linux implementation of the platform itself (its kernel facilities)",
            lambda: platform.NAME == "linux",
            "the portable implementation of the platform is in use (NETCONFORM_PLATFORM)",
        ),
        Capability(
            "twisted",
            "needs Twisted installed",
            _installed("twisted"),
            "Twisted is not installed (pip install twisted)",
        ),
        Capability(
            "asyncore",
            "needs asyncore (the standard library's up to Python 3.11, then the pyasyncore package)",
            _installed("asyncore"),
            "asyncore left the standard library in Python 3.12 and pyasyncore is not installed "
            "(pip install pyasyncore; the extra netconform[models] installs every model)",
        ),
        Capability(
            "asynchat",
            "needs asynchat (the standard library's up to Python 3.11, then the pyasynchat package)",
            _installed("asynchat"),
            "asynchat left the standard library in Python 3.12 and pyasynchat is not installed "
            "(pip install pyasynchat; the extra netconform[models] installs every model)",
        ),
        Capability(
            "trio_lib",  # not "trio": pytest-trio runs every test marked trio as a trio coroutine
            "needs trio installed",
            _installed("trio"),
            "trio is not installed (pip install trio; the extra netconform[models] installs every model)",
        ),
        Capability(
            "gevent",
            "needs gevent installed",
            _installed("gevent"),
            "gevent is not installed (pip install gevent; the extra netconform[models] installs every model)",
        ),
        Capability(
            "uvloop",
            "needs uvloop installed (libuv's event loop for asyncio; not on Windows)",
            _installed("uvloop"),
            "uvloop is not installed (pip install uvloop; the extra netconform[models] installs every model; "
            "it does not run on Windows)",
        ),
    )
}


@functools.cache
def available(name: str) -> bool:
    """Is capability ``name`` present on this machine? (Cached: detection may spawn.)"""
    return CAPABILITIES[name].detect()


def refusal(targets: Iterable[TargetSpec], allow_real_network: bool) -> str | None:
    """The explanation for refusing the run (None: it may go ahead), for its targets that hard-code URLs."""
    written = [t for t in targets if t.hard_coded_url]
    if not written or allow_real_network or netns.namespace_prefix() is not None:
        return None
    names = ", ".join(f"{t.name} ({t.role})" for t in written)
    why = netns.why_no_namespace()
    return (f"{names}: no {{url}} in the command, so the program fetches the URLs written in it (python.org...). "
            "netconform runs such a program only in a network namespace of its own, where nothing but loopback "
            f"exists, so that nothing it does can reach the internet; none can be made here: {why}. "
            "What to do: add {url} to the command (and {output} for a download-client) and have the program take "
            "its URL (and file name) from the command line; or run netconform on Linux as root or with "
            "unprivileged user namespaces enabled. --allow-real-network runs it anyway, with netconform's proxy in "
            "its environment, but then a program that ignores the proxy may reach the real internet.")
