"""Nothing hangs and nothing is left behind when a target's descendants escape its process group.

A daemonising target (``fixtures/good/daemonising_greeting_server.py``) forks a helper that
calls ``setsid()``, forks a grandchild and exits: the grandchild, orphaned in a session of its
own, sleeps holding the target's stdout and stderr. Its run must end with its verdicts within
15 s, also when interrupted, and ``ps`` must then show no process of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import pytest

from netconform.specs.harness import platform
from netconform.specs.harness.launch import process_group
from netconform.specs.harness.launch.process_group import Limits, ProcessGroup
from netconform.specs.harness.platform import containment, process_tree
from tests.suite import ROOT, suite_env

DAEMON = ROOT / "fixtures" / "good" / "daemonising_greeting_server.py"
#: A grandchild that clears its environment before it escapes: only a cgroup finds it.
CLEARS_ENV = ("import os, sys, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              "        argv = [sys.executable, '-c', 'import time; time.sleep(600)', sys.argv[1]]\n"
              "        os.execve(sys.executable, argv, {})\n    os._exit(0)\ntime.sleep(600)")


def ps(marker: str) -> list[str]:
    """The lines of ``ps`` for live processes whose command line contains ``marker``."""
    out = subprocess.run(["ps", "-ww", "-eo", "pid,stat,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines()[1:] if marker in line and " ps -eo" not in line]


def wait_until(condition: object, timeout: float) -> bool:
    """Poll ``condition()`` until true (True) or ``timeout`` (False); true once is enough (not asked again)."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(params=["cgroup", "marker"])
def mechanism(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way of finding escaped descendants: a cgroup per target (where one can be had), the marker alone."""
    process_tree.become_subreaper()
    if request.param == "cgroup" and (platform.NAME != "linux" or containment.cgroup_root() is None):
        pytest.skip("no usable cgroup2 here (needs the Linux platform, write access to this process's cgroup, "
                    "Linux 5.14+)")
    if request.param == "marker" and platform.NAME == "linux":
        monkeypatch.setattr(containment, "_cgroup2", lambda: None)
    return str(request.param)


def _started(argv: list[str], marker: str) -> tuple[ProcessGroup, list[int]]:
    """``argv`` started as a user's target is (under the launcher of the limits), with its escaped grandchild."""
    group = ProcessGroup(argv, env=dict(os.environ), cwd=None, limits=Limits())
    if not wait_until(lambda: len(ps(marker)) == 2, 10):  # the target and its escaped grandchild
        group.stop()
        pytest.fail(f"the target did not start its escaped grandchild: {ps(marker)}")
    return group, [int(line.split()[0]) for line in ps(marker)]


def test_a_fork_at_once_is_contained(mechanism: str) -> None:
    """A program that forks before the harness has moved it into its cgroup (a shell, a compiled daemon: within
    a millisecond of exec) has that child moved in with it: the child, escaped with ``setsid``, is found,
    ended and reaped (and, with a cgroup, is in the target's cgroup)."""
    marker = f"at-once-{uuid.uuid4().hex[:8]}"
    sleeper = f"{sys.executable} -c 'import time; time.sleep(600)' {marker}"
    group = ProcessGroup(["sh", "-c", f"setsid {sleeper} & exec {sleeper}"], env=dict(os.environ), cwd=None)
    try:
        assert wait_until(lambda: len(ps(marker)) == 2, 10), ps(marker)
        pids = [int(line.split()[0]) for line in ps(marker)]
        if mechanism == "cgroup":
            token = group.containment.token
            assert all(token in Path(f"/proc/{pid}/cgroup").read_text() for pid in pids), "a child was left out"
    finally:
        group.stop()
    assert not ps(marker), ps(marker)
    assert not [pid for pid in pids if psutil.pid_exists(pid)], "a process (or zombie) of the target survived"


def test_stop_ends_a_grandchild_that_escaped_with_setsid(mechanism: str) -> None:
    """Teardown finds the orphaned grandchild in a session of its own, ends it and reaps it, at once (it does
    not wait for the end-of-file of the pipes the grandchild holds)."""
    marker = f"escaped-{uuid.uuid4().hex[:8]}"
    group, pids = _started([sys.executable, str(DAEMON), "0", marker], marker)
    start = time.monotonic()
    group.stop()
    assert time.monotonic() - start < 3.0, "teardown waited (for the pipes the grandchild holds?)"
    assert not ps(marker), ps(marker)
    assert not [pid for pid in pids if psutil.pid_exists(pid)], "a process (or zombie) of the target survived"
    assert not group.leftovers


@pytest.mark.linux_platform
def test_stop_ends_an_escaped_grandchild_that_cleared_its_environment() -> None:
    """Only a cgroup finds a grandchild that escaped and dropped the marker from its environment."""
    if containment.cgroup_root() is None:
        pytest.skip("no usable cgroup2 here")
    marker = f"cleared-{uuid.uuid4().hex[:8]}"
    group, pids = _started([sys.executable, "-c", CLEARS_ENV, marker], marker)
    group.stop()
    assert not ps(marker), ps(marker)
    assert not [pid for pid in pids if psutil.pid_exists(pid)]


def test_the_portable_platform_does_not_find_an_escaped_grandchild_that_cleared_its_environment() -> None:
    """The portable platform's stated difference: with no cgroup, a grandchild that escaped (``setsid``) and
    cleared its environment is not found, and outlives its target's teardown."""
    if platform.NAME != "portable":
        pytest.skip("a difference of the portable platform (NETCONFORM_PLATFORM=portable)")
    marker = f"cleared-{uuid.uuid4().hex[:8]}"
    group, _pids = _started([sys.executable, "-c", CLEARS_ENV, marker], marker)
    try:
        assert wait_until(lambda: len(ps(marker)) >= 2, 10), ps(marker)
        group.stop()
        escaped = [int(line.split()[0]) for line in ps(marker)]
        assert escaped, "the grandchild was found and ended: the difference is gone (update the README)"
    finally:
        for line in ps(marker):
            with contextlib.suppress(OSError):
                os.kill(int(line.split()[0]), signal.SIGKILL)


def test_a_process_that_cannot_be_ended_is_named_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that survives every signal is reported (PID and command) after a bounded wait."""
    marker = f"immortal-{uuid.uuid4().hex[:8]}"
    group, _pids = _started([sys.executable, str(DAEMON), "0", marker], marker)
    monkeypatch.setattr(process_group, "_signal", lambda *args: None)  # as if no signal reached them
    monkeypatch.setattr(containment.Containment, "kill_all", lambda self: None)
    monkeypatch.setattr(process_group, "KILL_WAIT", 0.5)
    monkeypatch.setattr(process_group, "LEFTOVERS", [])
    start = time.monotonic()
    try:
        group.stop(grace=0.2)
        assert time.monotonic() - start < 6.0
        assert len(group.leftovers) == 2, group.leftovers
        assert all(marker in text and "PID " in text for text in group.leftovers), group.leftovers
        assert group.leftovers == process_group.LEFTOVERS
    finally:
        monkeypatch.undo()
        left = [int(line.split()[0]) for line in ps(marker)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        group._popen.wait(timeout=5)  # the leader is Popen's to reap
        group._reap([pid for pid in left if pid != group.pid], 2.0)
        group.containment.close()


def _run(marker: str, tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / "verdicts.json"
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly", "--netconform-json", str(out),
           "--impl", f"greeting-server:daemon={sys.executable} {DAEMON.relative_to(ROOT)} {{port}} {marker}", *args]
    run_id = "test-" + uuid.uuid4().hex[:10]
    return subprocess.Popen(cmd, cwd=ROOT, env=suite_env(run_id), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True), out


def test_a_run_against_a_daemonising_target_ends_with_its_verdicts(tmp_path: Path) -> None:
    """``-m must`` against the daemonising target ends within 15 s, every MUST passed, no harness error,
    and no process of the target left (``ps``)."""
    marker = f"run-{uuid.uuid4().hex[:8]}"
    start = time.monotonic()
    proc, out = _run(marker, tmp_path, "-m", "must")
    try:
        output, _ = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert time.monotonic() - start < 15
    payload = json.loads(out.read_text())
    assert proc.returncode == 0, output[-3000:]
    assert payload["results"], output[-3000:]
    assert {r["outcome"] for r in payload["results"]} == {"passed"}, output[-3000:]
    assert payload["harness"]["errors"] == [], payload["harness"]
    assert wait_until(lambda: not ps(marker), 2), ps(marker)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_an_interrupted_run_against_a_daemonising_target_leaves_nothing(how: signal.Signals, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) while the target runs: the run ends within 15 s, and ``ps`` shows no process of the
    target. Killed outright (SIGKILL), the watchdog ends them, the escaped grandchild included."""
    marker = f"int-{uuid.uuid4().hex[:8]}"
    start = time.monotonic()
    proc, out = _run(marker, tmp_path)
    try:
        assert wait_until(lambda: len(ps(marker)) >= 2, 12), "the target and its grandchild never ran"
        proc.send_signal(how)
        output, _ = proc.communicate(timeout=max(1.0, 15 - (time.monotonic() - start)))
    finally:
        proc.kill()
    assert time.monotonic() - start < 15
    # (a Ctrl-C that lands in Hypothesis' gc callback is reported as that spec's failure: exit status 1)
    expected = (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED) if how == signal.SIGINT else (-how,)
    assert proc.returncode in expected, output
    assert wait_until(lambda: not ps(marker), 3), ps(marker)
    if how == signal.SIGINT:  # the verdicts reached before Ctrl-C are written, with no harness error
        payload = json.loads(out.read_text())
        assert payload["harness"]["errors"] == [], payload["harness"]


UNKILLABLE = '''"""Test plug-in: no signal of the harness reaches a target, as if its processes could not be ended."""
from netconform.specs.harness.launch import process_group
from netconform.specs.harness.platform import containment

process_group._signal = lambda *args: None
containment.Containment.kill_all = lambda self: None
process_group.KILL_WAIT = 0.5
'''


def test_a_process_that_survives_teardown_is_a_harness_error_in_the_summary_and_the_json(tmp_path: Path) -> None:
    """What survives a target's teardown is named (PID, command) in the summary and ``harness.errors``; the
    run fails; the watchdog ends the processes when pytest exits."""
    (tmp_path / "unkillable.py").write_text(UNKILLABLE)
    marker = f"leak-{uuid.uuid4().hex[:8]}"
    out = tmp_path / "verdicts.json"
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly", "-p", "unkillable",
           "--netconform-json", str(out), "--requirement", "GREET-1",
           "--impl", f"greeting-server:daemon={sys.executable} {DAEMON.relative_to(ROOT)} {{port}} {marker}"]
    env = {**suite_env("test-" + uuid.uuid4().hex[:10]), "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    errors = json.loads(out.read_text())["harness"]["errors"]
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert len(errors) == 2, errors  # the server and its escaped grandchild
    assert all(marker in e and "PID " in e for e in errors), errors
    assert "netconform harness error: a process of a target survived teardown" in proc.stdout, proc.stdout[-3000:]
    assert wait_until(lambda: not ps(marker), 5), ps(marker)


@pytest.mark.linux_platform
def test_the_summary_says_when_neither_cgroup_nor_subreaper_is_available(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a cgroup and a subreaper, the summary says that only the environment marker finds escapes."""
    from types import SimpleNamespace

    from netconform.specs.harness.glue import leaks

    config: Any = SimpleNamespace(stash={})
    monkeypatch.setattr(process_group, "LEFTOVERS", [])
    monkeypatch.setattr(containment, "_cgroup2", lambda: None)
    monkeypatch.setattr(process_tree, "_subreaper", False)
    assert leaks.summary_lines(config) == [(
        "netconform: escaped descendants of targets are found by the environment marker (NETCONFORM_TARGET) only: "
        "no cgroup2 and no child subreaper on this system; an escaped descendant that clears its environment "
        "cannot be found", False)]
    monkeypatch.setattr(process_tree, "_subreaper", True)
    assert leaks.summary_lines(config) == []
