"""Runs clean up after themselves: no target process, forked child or zombie survives a run.

Checked for a normal run, a run interrupted with Ctrl-C, and a run whose pytest is
killed outright (the watchdog then kills the targets).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from netconform.specs.harness import platform
from netconform.specs.harness.launch.process_group import ProcessGroup
from tests.suite import ROOT, processes_of_run, run_suite, suite_env

FORKING = "greeting-server:forks=python3 fixtures/bad/greeting_server/forks_without_reaping.py {port}"


def wait_until(condition: object, timeout: float) -> bool:
    """Poll ``condition()`` until true (True) or ``timeout`` (False); true once is enough (not asked again)."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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


PY = sys.executable  # the suite's own Python, which has netconform installed (CI does not activate the venv)
UNIX_TARGETS = [
    "--impl", f"greeting-server/unix:ustream={PY} -m netconform.reference.select.greeting_server --unix {{path}}",
    "--impl", f"greeting-server/unixgram:udgram={PY} -m netconform.reference.poll.greeting_datagram_server "
              "--unix {path}",
    "--impl", f"greeting-client/unixgram:uclient={PY} -m netconform.reference.blocking.greeting_client "
              "--datagram --unix {path}",
]


def _left_in(folder: Path) -> list[str]:
    """What the run left in its TMPDIR (pytest's own basetemp aside)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if not p.relative_to(folder).parts[0].startswith("pytest-of-"))


@pytest.fixture
def temp() -> Iterator[Path]:
    """A base for the socket folder short enough for socket paths (pytest's tmp_path is not)."""
    folder = Path(tempfile.mkdtemp(prefix="nct-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _socket_env(run_id: str, variable: str, folder: Path) -> dict[str, str]:
    """The run's environment, its socket folder's base in ``folder``: as ``$TMPDIR``, or as the memory file
    system it takes when ``$TMPDIR`` is not set (``$XDG_RUNTIME_DIR``)."""
    return {**{k: v for k, v in suite_env(run_id).items() if k != "TMPDIR"}, variable: str(folder)}


@pytest.mark.parametrize("variable", ["TMPDIR", "XDG_RUNTIME_DIR"])
def test_a_run_leaves_no_socket_file_behind(variable: str, temp: Path) -> None:
    """After a run of Unix targets (stream and datagram servers, a datagram client), no socket file, private
    folder or process of it remains, wherever its socket folder is."""
    run_id = "test-" + uuid.uuid4().hex[:10]
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly", *UNIX_TARGETS, "-n", "2",
           "--requirement", "GREET-1,DGRAM-1,UNIX-2,CLIENT-1"]
    proc = subprocess.run(cmd, cwd=ROOT, env=_socket_env(run_id, variable, temp), capture_output=True,
                          text=True, timeout=300, check=False)
    assert " passed" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert wait_until(lambda: not processes_of_run(run_id), 5), processes_of_run(run_id)
    assert not _left_in(temp), f"left behind: {_left_in(temp)}"


def test_an_interrupted_run_leaves_no_socket_file_behind(temp: Path) -> None:
    """Ctrl-C (SIGINT) while Unix targets run still removes their socket files and private folders."""
    run_id = "test-" + uuid.uuid4().hex[:10]
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly", *UNIX_TARGETS]
    default = "XDG_RUNTIME_DIR" if platform.NAME == "linux" else "TMPDIR"  # the default place
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_socket_env(run_id, default, temp),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: list(temp.glob("netconform-*/t*/c*.sock")), 30), "no Unix target got a client"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        assert wait_until(lambda: not processes_of_run(run_id), 10), processes_of_run(run_id)
        assert not _left_in(temp), f"left behind: {_left_in(temp)}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_unix_target_without_path_is_found_and_its_socket_file_removed(tmp_path: Path) -> None:
    """A Unix server without ``{path}`` (the book's listing on UnixStreamServer, binding ``book.sock`` in its
    folder) is found from its sockets, and the socket file it leaves behind is removed when it stops."""
    book = (ROOT / "fixtures" / "bad" / "greeting_server" / "unix_stale_socket_file.py").read_text()
    (tmp_path / "book_unix.py").write_text(book.replace("UnixStreamServer(sys.argv[1], Handler)",
                                                         'UnixStreamServer("book.sock", Handler)'))
    run_id = "test-" + uuid.uuid4().hex[:10]
    proc = subprocess.run([sys.executable, "-m", "pytest", "--impl", "greeting-server/unix=python3 book_unix.py",
                           "--requirement", "GREET-1,GREET-5,GREET-9"], cwd=tmp_path, env=suite_env(run_id),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "3 passed" in proc.stdout, proc.stdout[-3000:]
    assert not (tmp_path / "book.sock").exists(), "the socket file the target left was not removed"


@pytest.mark.linux_platform
def test_a_targets_tree_is_read_from_the_lists_of_children_as_from_the_process_table() -> None:
    """The fast reading of a target's tree (each process's list of children, and the orphans of its group this
    subreaper adopted) finds what reading the whole process table finds: zombie children and an adopted orphan;
    so does the reading of a process's descendants, and of this process's own children."""
    from netconform.specs.harness.platform import process_tree

    process_tree.become_subreaper()
    code = ("import os, time\n"
            "if os.fork() == 0: os._exit(0)\n"  # a child that exits, never reaped: a zombie
            "if os.fork() == 0:\n"
            "    if os.fork() == 0: time.sleep(30)\n"  # a grandchild orphaned when its parent exits: adopted by us
            "    os._exit(0)\n"
            "print('ready', flush=True); time.sleep(30)\n")
    group = ProcessGroup([sys.executable, "-c", code], env=dict(os.environ), cwd=None)
    try:
        group.output.wait_for(lambda line: line.text == "ready", what="ready", timeout=10)
        deadline = time.monotonic() + 10
        while len(process_tree.tree_pids(group.pid, group.pgid) or []) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the grandchild's parent has exited and it is ours
        fast = process_tree.tree_pids(group.pid, group.pgid)
        slow = {p.pid for p in process_tree._tree_from_table(group.pid, group.pgid)}
        if fast is None:
            pytest.skip("this kernel keeps no /proc/PID/task/TID/children lists")
        assert fast[0] == group.pid
        assert set(fast) == slow
        assert len(fast) == 4, fast  # the leader, two zombie children, the adopted grandchild
        below = {p.pid for p in psutil.Process(group.pid).children(recursive=True)}
        assert set(process_tree.descendants(group.pid)) == below  # (what a start moves in with the leader)
        assert len(below) == 2
        assert set(fast) - below <= set(process_tree.descendants(os.getpid(), depth=1))  # the leader, the orphan
    finally:
        group.stop()


def test_a_stopped_targets_pipes_are_closed_once_read_never_left_to_the_collector(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopping closes the target's pipes; if its output readers are slow to finish (a starved thread), the
    pipes wait for them, referenced, and a later stop closes them: never collected unclosed, which would warn
    (and fail) in whichever spec runs then."""
    from netconform.specs.harness.launch import process_group
    from netconform.specs.harness.wire import captured_output

    slow = ProcessGroup([sys.executable, "-c", "print('hi')"], env=dict(os.environ), cwd=None)
    assert slow._popen.stdout is not None
    monkeypatch.setattr(captured_output.Output, "closed", property(lambda self: self is not slow.output))
    slow.stop(grace=0.5)
    assert not slow._popen.stdout.closed  # its readers "still at work": not closed under them
    assert any(p is slow._popen for p, _ in process_group._READING)
    monkeypatch.undo()
    other = ProcessGroup([sys.executable, "-c", "print('hi')"], env=dict(os.environ), cwd=None)
    other.stop(grace=0.5)
    assert slow._popen.stdout.closed
    assert slow._popen.stderr is not None
    assert slow._popen.stderr.closed
    assert other._popen.stdout is not None
    assert other._popen.stdout.closed
    assert not process_group._READING
