"""The platform's two implementations: which one runs, what Windows users see, and that a portable run on
Linux uses nothing of Linux's own (its differences are listed in the summary and the JSON)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from netconform.specs.harness import platform
from tests.suite import ROOT, suite_env


def test_the_implementation_follows_the_system_unless_chosen() -> None:
    """Linux gets the Linux implementation, any other system the portable one; ``NETCONFORM_PLATFORM`` chooses,
    and a choice that cannot be met stops the run with a message."""
    assert platform.chosen({}, "linux") == "linux"
    assert platform.chosen({}, "darwin") == "portable"
    assert platform.chosen({platform.CHOICE: "portable"}, "linux") == "portable"
    with pytest.raises(SystemExit, match="not one of linux, portable"):
        platform.chosen({platform.CHOICE: "macos"}, "linux")
    with pytest.raises(SystemExit, match="needs Linux"):
        platform.chosen({platform.CHOICE: "linux"}, "darwin")


def test_windows_is_refused_at_start_with_a_message_naming_wsl(tmp_path: Path) -> None:
    """On Windows (simulated: ``NETCONFORM_SIMULATE_SYSTEM=win32``) the run stops at once with a usage error
    that says why and names WSL; nothing runs, nothing hangs. macOS and Linux are not refused."""
    assert platform.unsupported("darwin") is None
    assert platform.unsupported("linux") is None
    env = {**suite_env("test-" + uuid.uuid4().hex[:10]), platform.SIMULATE_SYSTEM: "win32"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "WSL" in proc.stderr, proc.stderr
    assert "POSIX" in proc.stderr, proc.stderr
    assert "passed" not in proc.stdout
    assert "failed" not in proc.stdout


GUARDED = """
import sys
from netconform.specs.harness import platform
assert platform.NAME == "portable"
platform.seal()
import psutil
psutil.Process().children()  # psutil may read /proc
from netconform.specs.harness.platform.linux import {module}
{call}
"""


@pytest.mark.parametrize(("module", "call", "said"), [
    ("socket_tables", "socket_tables.tcp_states()", "reads /proc/net/tcp"),
    ("sock_diag", "sock_diag.sockets(sock_diag.LISTEN)", "opens a netlink socket"),
    ("netns", "netns.can_bring_up_loopback()", "runs unshare"),
], ids=["proc", "netlink", "unshare"])
def test_a_portable_run_on_linux_cannot_use_linux_facilities_itself(module: str, call: str, said: str) -> None:
    """Sealed (as every portable run on Linux is, at start), the process refuses ``/proc``, netlink and
    Linux-only commands to netconform's own code: calling the Linux implementation's readers fails loudly.
    psutil may still read ``/proc``, as it must on Linux."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the seal guards a portable run on Linux")
    env = {**os.environ, platform.CHOICE: "portable"}
    proc = subprocess.run([sys.executable, "-c", GUARDED.format(module=module, call=call)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0
    assert f"RuntimeError: the portable platform {said}" in proc.stderr, proc.stderr


def test_a_portable_run_names_its_platform_and_what_it_cannot_do(tmp_path: Path) -> None:
    """The JSON's ``harness`` section names the implementation and its limitations; the terminal summary lists
    them. (The quoting module's run is the quickest whole run of the suite.)"""
    out = tmp_path / "verdicts.json"
    env = {**suite_env("test-" + uuid.uuid4().hex[:10]), platform.CHOICE: "portable"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly", "--impl",
                           "quote-module=reference.quoting", "--netconform-json", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    harness = json.loads(out.read_text())["harness"]
    assert harness["platform"] == "portable"
    assert harness["platform_limitations"] == list(platform.PORTABLE_LIMITATIONS)
    assert "the portable platform is in use (NETCONFORM_PLATFORM)" in proc.stdout
    assert all(f"  - {limit}" in proc.stdout for limit in platform.PORTABLE_LIMITATIONS), proc.stdout[-3000:]


def test_a_bind_probe_sees_a_port_held_by_time_wait() -> None:
    """The portable platform waits out TIME_WAIT on a fixed port with a bind probe: ``bind()`` without
    ``SO_REUSEADDR`` fails while a listener, or a connection in TIME_WAIT, holds the port (the server's side
    ends in TIME_WAIT when it closes first). The Linux platform reads the same from its socket table."""
    from netconform.specs.harness.platform.portable import socket_tables as portable

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not portable.port_bindable(port)
        assert portable.listening_on(port) is None  # held: by what, the portable platform cannot tell
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server closes first: its side goes to TIME_WAIT once the client closes
            assert client.recv(1) == b""
    assert not portable.port_bindable(port), "TIME_WAIT should hold the server's port"
    if platform.NAME == "linux":
        held = platform.socket_tables.ports_in_time_wait()
        assert held is not None
        assert port in held
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        unused = free.getsockname()[1]
    assert portable.port_bindable(unused)
    assert portable.listening_on(unused) is False


def test_memory_is_read_through_the_platform_pss_only_on_linux() -> None:
    """The model benchmark's memory figures come from the platform: RSS and USS everywhere, PSS (shared pages
    divided among their sharers, from ``/proc``) only on the Linux platform; the portable one says None."""
    import psutil

    found = platform.process_stats.memory([psutil.Process()], unique=True)
    assert found.rss > 0
    assert found.uss is not None
    assert 0 < found.uss <= found.rss
    if platform.NAME == "linux":
        assert found.pss is not None
        assert found.pss > 0
    else:
        assert found.pss is None


LIMITS_SHOWN = """
import resource
for name in ("RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CORE"):
    print(name, *resource.getrlimit(getattr(resource, name)))
"""


def _limits_under(command: list[str]) -> str:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_launcher_sets_the_same_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Linux launcher (``prlimit``), its fallback where ``prlimit`` is missing (``rlimit_exec.py``) and the
    portable launcher start a program under the same limits: RLIMIT_CPU soft and hard 5 s apart, RLIMIT_NPROC
    and RLIMIT_FSIZE soft (hard kept), no core files. Each is also checked against the numbers asked for."""
    from netconform.specs.harness.platform.linux import launcher as linux
    from netconform.specs.harness.platform.portable import launcher as portable

    asked = {"cpu_seconds": 7, "processes": 4321, "file_mb": 3}
    argv = [sys.executable, "-c", LIMITS_SHOWN]
    shown = {"portable": _limits_under(portable.command(argv, **asked))}
    if platform.NAME == "linux":  # (a portable run is sealed off Linux's own commands)
        if linux.prlimit() is not None:
            shown["prlimit"] = _limits_under(linux.command(argv, **asked))
        monkeypatch.setattr(linux, "prlimit", lambda: None)
        shown["linux, no prlimit"] = _limits_under(linux.command(argv, **asked))
    import resource

    hard = {name: resource.getrlimit(getattr(resource, name))[1] for name in ("RLIMIT_NPROC", "RLIMIT_FSIZE")}
    nproc = 4321 if hard["RLIMIT_NPROC"] == resource.RLIM_INFINITY else min(4321, hard["RLIMIT_NPROC"])
    expected = (f"RLIMIT_CPU 7 12\nRLIMIT_NPROC {nproc} {hard['RLIMIT_NPROC']}\n"
                f"RLIMIT_FSIZE {3 * 1024 * 1024} {hard['RLIMIT_FSIZE']}\nRLIMIT_CORE 0 0\n")
    assert shown == dict.fromkeys(shown, expected)


def test_the_linux_platform_wakes_at_a_childs_exit() -> None:
    """The Linux platform's ``await_exit`` returns once the child has exited (a pidfd, where ``Popen.wait`` would
    look every 50 ms), and at its timeout while the child runs; for a child already reaped, at once. The portable
    one returns at once whatever the child does (its callers wait with ``Popen.wait``): it fails the first check."""
    if not sys.platform.startswith("linux"):
        pytest.skip("pidfds are Linux's")
    from netconform.specs.harness.platform.linux import process_tree

    quick = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    process_tree.await_exit(quick, timeout=60)
    assert quick.poll() is not None, "await_exit returned before the child exited"
    process_tree.await_exit(quick, timeout=60)  # reaped: its PID is not looked up again
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as lasting:
        process_tree.await_exit(lasting, timeout=0.1)
        assert lasting.poll() is None
        lasting.kill()
