"""Runs clean up after themselves: no target process, forked child or zombie survives a run.

Checked for a normal run, a run interrupted with Ctrl-C, and a run whose pytest is
killed outright (the watchdog then kills the targets).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

from netconform.specs.harness.process import ProcessGroup
from tests.suite import ROOT, processes_of_run, run_suite, suite_env

FORKING = "greeting-server:forks=python3 fixtures/bad/greeting_server/forks_without_reaping.py {port}"


def wait_until(condition: object, timeout: float) -> bool:
    """Poll ``condition()`` until true or ``timeout``; its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)
    return bool(condition())  # type: ignore[operator]


def test_process_group_stop_kills_and_reaps_forked_children() -> None:
    """Stopping a target kills its whole process group, forked children included, and reaps them."""
    code = "import os, time\nif os.fork() == 0:\n    time.sleep(60)\nelse:\n    time.sleep(60)"
    group = ProcessGroup([sys.executable, "-c", code], env=dict(os.environ), cwd=None)
    assert wait_until(lambda: len(group.tree()) == 2, 10), group.tree()
    pids = [p.pid for p in group.tree()]
    group.stop()
    assert not [pid for pid in pids if psutil.pid_exists(pid)], "a process (or zombie) of the group survived"


def test_a_run_leaves_no_process_behind(tmp_path: Path) -> None:
    """After a run (that forked and left zombies in its target), none of its processes remain."""
    run = run_suite(["--impl", FORKING, "--requirement", "RES-1,GREET-5"], tmp_path)
    assert run.results, run.output
    assert wait_until(lambda: not processes_of_run(run.run_id), 5), processes_of_run(run.run_id)


@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_an_interrupted_run_leaves_no_process_behind(how: str, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT), or killing pytest outright (the watchdog acts), still leaves nothing behind."""
    run_id = "test-" + uuid.uuid4().hex[:10]
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly", "--impl", FORKING]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=suite_env(run_id), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: processes_of_run(run_id)[1:], 30), "the run never started its target"
        proc.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
        proc.wait(timeout=60)
        assert wait_until(lambda: not processes_of_run(run_id), 10), processes_of_run(run_id)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
