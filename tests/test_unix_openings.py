"""A Unix server's first start: UNIX-2's scenario is the process kept, UNIX-3's run beside it in twins.

The program here logs, before it binds, what it found at its path and its PID, then behaves as a
correct server does: it removes a stale socket file, refuses a regular file and a live socket. The
log shows which process met which scenario, and in which order they began.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from netconform.specs.harness.launch import unix_openings
from netconform.specs.harness.launch.pool import TargetPool
from netconform.specs.harness.launch.settings import Settings
from netconform.specs.harness.launch.targets import TargetSpec
from netconform.specs.harness.observe.client_target import ClientTarget
from netconform.specs.harness.observe.server_target import ServerTarget

SERVER = textwrap.dedent("""\
    import os, socket, stat, sys, time
    path, log = sys.argv[1], sys.argv[2]
    try:
        mode = os.lstat(path).st_mode
        found = "socket" if stat.S_ISSOCK(mode) else "file"
    except FileNotFoundError:
        found = "nothing"
    if found == "socket":
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(path)
            found = "live socket"
        except ConnectionRefusedError:
            found = "stale socket"
            os.unlink(path)
        probe.close()
    with open(log, "a") as f:
        f.write(f"{time.monotonic()} {os.getpid()} {found}\\n")
    if found in ("file", "live socket"):
        sys.exit(f"{path} is in use")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()
    while True:
        server.accept()[0].close()
""")


def _target(tmp_path: Path) -> tuple[ServerTarget, Path]:
    program, log = tmp_path / "server.py", tmp_path / "starts.log"
    program.write_text(SERVER)
    spec = TargetSpec("greeting-server", "unix-starts", (sys.executable, str(program), "{path}", str(log)),
                      transport="unix")
    settings = Settings(run_id="test-unix-openings")
    return ServerTarget(spec, settings, TargetPool(settings, ServerTarget, ClientTarget)), log


def _starts(log: Path) -> list[tuple[float, int, str]]:
    lines = (line.split(" ", 2) for line in log.read_text().splitlines())
    return [(float(t), int(pid), found) for t, pid, found in lines]


def expect_kept_first_twins_beside(target: ServerTarget, log: Path) -> None:
    """The kept process met the stale socket, began first and still runs; UNIX-3's two scenarios each met their
    own process, begun after it, with the outcomes a correct server gives."""
    regular, live, stale = (target.openings.get(name) for name in ("regular file", "live socket", "stale socket"))
    starts = _starts(log)
    assert [found for _t, _pid, found in starts][:1] == ["stale socket"], starts
    assert sorted(found for _t, _pid, found in starts[1:]) == ["file", "live socket"], starts
    assert target.group is not None
    assert target.group.pid == starts[0][1]
    assert target.group.alive
    assert stale == unix_openings.Opening(None)
    assert regular is not None
    assert (regular.why is not None, regular.intact) == (True, True)
    assert live is not None
    assert (live.why is not None, live.intact) == (True, True)
    assert len({regular.path, live.path, target.socket_path}) == 3  # each in a folder of its own


def test_the_kept_process_meets_the_stale_socket_and_unix3_scenarios_run_in_twins_beside_it(tmp_path: Path) -> None:
    target, log = _target(tmp_path)
    try:
        target.ensure_running()
        expect_kept_first_twins_beside(target, log)
    finally:
        target.stop()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for _t, pid, _found in _starts(log))


def test_stopping_the_target_ends_its_twins_too(tmp_path: Path) -> None:
    target, log = _target(tmp_path)
    target.ensure_running()
    target.stop()  # at once, before any spec asked for an outcome
    pids = [pid for _t, pid, _found in _starts(log)]
    assert len(pids) == 3
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)
    assert not any(Path(o.path).parent.exists() for o in map(target.openings.get, ("regular file", "live socket"))
                   if o is not None and o.path)


def _one_after_another(target: ServerTarget) -> None:
    """The first start as it was: UNIX-3's scenarios first, each on the target itself, then UNIX-2's."""
    for name, scenario in unix_openings.TWIN_SCENARIOS.items():
        target.openings[name] = scenario(target)
    target.openings["stale socket"] = unix_openings.Opening(target.start_with(unix_openings.stale_socket))


def test_the_check_sees_scenarios_run_one_after_another_on_the_target(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unix_openings, "first_start", _one_after_another)
    target, log = _target(tmp_path)
    try:
        target.ensure_running()
        with pytest.raises(AssertionError):
            expect_kept_first_twins_beside(target, log)
    finally:
        target.stop()
    assert os.path.exists(log)


def test_a_scenario_that_cannot_run_in_its_twin_is_not_recorded_and_says_why(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(twin: object) -> unix_openings.Opening:
        raise RuntimeError("planted")

    monkeypatch.setitem(unix_openings.TWIN_SCENARIOS, "regular file", broken)
    target, _log = _target(tmp_path)
    try:
        target.ensure_running()
        assert target.openings.get("regular file") is None  # UNIX-3's spec then runs it itself
        assert target.openings.get("live socket") is not None
        assert any("regular file scenario could not run" in e and "planted" in e for e in target.events)
    finally:
        target.stop()
