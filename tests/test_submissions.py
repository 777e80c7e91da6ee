"""Submission folders (manifest or naming convention), Gradescope scoring, and resource limits."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netconform.specs.harness.judge.findings import Outcome
from netconform.specs.harness.judge.verdicts import Verdict
from netconform.specs.harness.launch.process_group import Limits, ProcessGroup
from netconform.specs.harness.launch.submissions import load_submissions, submission_folders
from netconform.specs.harness.report import gradescope
from netconform.specs.harness.report.tally import Tally

# -- finding a submission's programs ---------------------------------------------------------------


def _folder(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / "in" / name
    folder.mkdir(parents=True)
    for rel, text in files.items():
        (folder / rel).write_text(textwrap.dedent(text))
    return folder


def test_manifest_names_role_and_command(tmp_path: Path) -> None:
    """``netconform.toml`` with role and command: one target, named after the folder, run in a copy of it."""
    folder = _folder(tmp_path, "alice", {"netconform.toml": 'role = "greeting-server"\n'
                                         'command = "python2 server.py"\nserial = true\n', "server.py": "pass\n"})
    [sub] = load_submissions([folder], tmp_path / "work")
    [target] = sub.targets
    assert (sub.name, sub.problem) == ("alice", "")
    assert (target.role, target.name, target.command) == ("greeting-server", "alice", ("python2", "server.py"))
    assert target.port_policy == "fixed"
    assert target.needs == ("python2",)
    assert not target.concurrent
    assert target.cwd == str(tmp_path / "work" / "alice")
    assert (Path(target.cwd) / "server.py").is_file()
    assert target.select_option == f"--submission {folder}"


def test_manifest_with_several_targets(tmp_path: Path) -> None:
    """``[[target]]`` tables give one target per role, all named after the submission."""
    folder = _folder(tmp_path, "erin", {"netconform.toml": """\
        [[target]]
        role = "logger-server"
        command = "python3 log.py {port}"
        [[target]]
        role = "quote-module"
        command = "q.py"
        """})
    [sub] = load_submissions([folder], tmp_path / "work")
    assert [(t.role, t.name) for t in sub.targets] == [("logger-server", "erin"), ("quote-module", "erin")]


def test_naming_convention(tmp_path: Path) -> None:
    """Without a manifest, files named after roles are run, with python2 when the shebang says so."""
    folder = _folder(tmp_path, "dave", {"greeting_server.py": "#!/usr/bin/env python2\nprint 1\n",
                                        "greeting-server.py": "", "logger-server.py": "print(1)\n",
                                        "download_client.py": "", "line_logger_server": "#!/bin/sh\n",
                                        "fetch_client": "not executable", "notes.txt": ""})
    (folder / "line_logger_server").chmod(0o755)
    [sub] = load_submissions([folder], tmp_path / "work")
    commands = [(t.role, " ".join(t.command)) for t in sub.targets]
    assert commands == [("greeting-server", "python2 greeting_server.py {port}"),  # one per role: the first
                        ("logger-server", "python3 logger-server.py {port}"),
                        ("line-logger-server", "./line_logger_server {port}"),
                        ("download-client", "python3 download_client.py {url} {output}")]


@pytest.mark.parametrize(("files", "problem"), [
    ({"README.md": "my server is on a USB stick"}, "no netconform.toml and no program named after a role"),
    ({"netconform.toml": "role = 'greeting-server'\n"}, "needs role"),
    ({"netconform.toml": "role = 'greeting-server'\ncommand = 'x'\nport = 3\n"}, "unknown key(s) port"),
    ({"netconform.toml": "role = 'chat-server'\ncommand = 'x {port}'\n"}, "unknown role 'chat-server'"),
    ({"netconform.toml": "role = \n"}, "cannot be read"),
])
def test_unusable_submission_is_reported_not_fatal(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    """A folder the suite cannot run becomes a reported problem; the other submissions still run."""
    bad = _folder(tmp_path, "bad", files)
    _folder(tmp_path, "good", {"greeting_server.py": ""})
    subs = load_submissions(submission_folders(bad.parent), tmp_path / "work")
    assert [s.name for s in subs] == ["bad", "good"]
    assert problem in subs[0].problem
    assert not subs[0].targets
    assert subs[1].targets
    assert not subs[1].problem


def test_class_folder_lists_submissions_only(tmp_path: Path) -> None:
    """Hidden folders, caches and plain files in a class folder are not submissions."""
    for name in ("b", "a", ".git", "__pycache__"):
        (tmp_path / name).mkdir()
    (tmp_path / "grades.csv").write_text("")
    assert [p.name for p in submission_folders(tmp_path)] == ["a", "b"]


# -- Gradescope ------------------------------------------------------------------------------------

def _result(req: str, level: str, outcome: Outcome, message: str = "", blocked_by: str = "") -> Verdict:
    return Verdict(role="greeting-server", target="a", requirement=req, level=level, outcome=outcome,
                   message=message, submission="a", blocked_by=blocked_by)


def test_gradescope_scores_must_and_should() -> None:
    """2 points per MUST met, 1 per SHOULD; not applicable left out; not run scores 0 and says why."""
    results = [_result("GREET-1", "MUST", "passed"), _result("GREET-2", "MUST", "failed", "GREET-2 not met: x"),
               _result("GREET-7", "SHOULD", "passed"), _result("CONC-1", "MUST", "not applicable", "not applicable: y"),
               _result("GREET-8", "SHOULD", "skipped", "python2 is not installed")]
    data = gradescope.results_for("a", results, {"GREET-1": {"text": "exact greeting"}}, (2, 1))
    assert data["score"] == 3
    assert [(t["number"], t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        ("GREET-1", 2, 2, "passed"), ("GREET-2", 0, 2, "failed"), ("GREET-7", 1, 1, "passed"),
        ("GREET-8", 0, 1, "failed")]
    assert data["tests"][0]["name"] == "GREET-1 (MUST) greeting-server: exact greeting"
    assert data["tests"][3]["output"] == "not run: python2 is not installed"
    assert "3/6 points" in data["output"]


def _points(data: dict[str, Any]) -> tuple[float, float]:
    """Scored and possible: the results' score, and the worth of its tests."""
    return data["score"], sum(t["max_score"] for t in data["tests"])


#: The logger of the README's worked example: the specs that apply to a logger, in diagnosis order
LOGGER = [("LOG-1", "MUST"), ("LOG-2", "MUST"), ("LOG-5", "MUST"), ("DISC-1", "MUST"), ("LOG-3", "SHOULD"),
          ("DISC-2", "MUST"), ("DISC-4", "MUST"), ("DISC-3", "SHOULD"), ("DISC-3", "SHOULD"), ("LOG-4", "SHOULD"),
          ("CONC-1", "MUST"), ("CONC-2", "MUST"), ("RES-1", "SHOULD"), ("RES-2", "SHOULD"), ("RES-3", "SHOULD")]


def test_gradescope_worked_example_of_the_readme() -> None:
    """The README's example: every logger's total is 23; the correct one scores 23, a block-buffered one (LOG-5
    failed, the 14 other specs not judged) 0, and its summary is the one the README quotes."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "8 MUST and 7 SHOULD specs apply to a logger" in readme
    assert "8 × 2 + 7 × 1 = 23" in readme
    assert "23 − 2 − 21 = 0" in readme
    good = [_result(req, level, "passed") for req, level in LOGGER]
    buffered = [_result(req, level, "failed" if req == "LOG-5" else "blocked", blocked_by="LOG-5")
                for req, level in LOGGER]
    assert _points(gradescope.results_for("good", good, {}, (2, 1))) == (23, 23)
    data = gradescope.results_for("buffered", buffered, {}, (2, 1))
    assert _points(data) == (0, 23)
    quoted = readme.split("its summary reads\n`")[1].split(" ...`")[0]
    assert f"netconform: buffered: {quoted}" in data["output"]
    assert "scores them only when met" in data["output"]
    fixed = [_result(req, level, "passed" if req in ("LOG-1", "LOG-5") else "failed") for req, level in LOGGER]
    assert _points(gradescope.results_for("fixed", fixed, {}, (2, 1))) == (4, 23), "fixing LOG-5 cannot cost"


def test_gradescope_blocked_requirement_is_worth_its_points_and_scores_0() -> None:
    """A requirement not judged keeps its points in the total, scores 0 and says what to fix first."""
    results = [_result("GREET-5", "MUST", "failed", "GREET-5 not met: one client only"),
               _result("GREET-6", "MUST", "blocked", blocked_by="GREET-5"), _result("GREET-7", "SHOULD", "passed")]
    data = gradescope.results_for("a", results, {"GREET-6": {"text": "clients at once"}}, (2, 1))
    entry = next(t for t in data["tests"] if t["number"] == "GREET-6")
    assert (entry["score"], entry["max_score"], entry["status"]) == (0, 2, "failed")
    assert entry["name"] == "GREET-6 (MUST) greeting-server: clients at once"
    assert entry["output"].startswith("not judged yet: fix GREET-5 first")
    assert _points(data) == (1, 5)
    assert "1/5 points; MUST 0/2 met; points lost: 2 to failed requirements, 2 to requirements not judged " \
           "yet (fix GREET-5 first)" in data["output"]
    judged = [results[0], _result("GREET-6", "MUST", "passed"), results[2]]
    assert _points(gradescope.results_for("a", judged, {}, (2, 1))) == (3, 5), "judged, it scores its points"


_POINTS = st.sampled_from([(2.0, 1.0), (3.0, 0.5), (0.0, 1.0), (1.0, 0.0)])
_SPECS = st.lists(st.tuples(st.sampled_from(["MUST", "SHOULD"]), st.sampled_from(
    ["passed", "failed", "blocked", "skipped", "not applicable"])), max_size=20)
_APPLIES = ("passed", "failed", "blocked", "skipped")


def _graded(specs: list[tuple[str, Outcome]], points: tuple[float, float]) -> tuple[float, float]:
    verdicts = [_result(f"GREET-{i + 1}", level, outcome, blocked_by="GREET-1" * (outcome == "blocked"))
                for i, (level, outcome) in enumerate(specs)]
    data = gradescope.results_for("a", verdicts, {}, points)
    score = gradescope.scores(Tally.of(verdicts), points)
    assert (score.scored, score.possible) == _points(data)
    assert f"{score.scored:g}/{score.possible:g} points" in data["output"]
    return score.scored, score.possible


@settings(max_examples=200, deadline=None)
@given(_SPECS, _POINTS, st.data())
def test_gradescope_breaking_a_requirement_never_pays(specs: list[tuple[str, Outcome]], points: tuple[float, float],
                                                      data: st.DataObject) -> None:
    """A passed verdict made failed or blocked never raises the score; the possible total depends only on which
    verdicts apply, not on which of passed, failed, blocked or skipped they are."""
    score, possible = _graded(specs, points)
    for i, (level, outcome) in enumerate(specs):
        if outcome == "passed":
            for worse in ("failed", "blocked"):
                assert _graded([*specs[:i], (level, worse), *specs[i + 1:]], points)[0] <= score
    shuffled = [(level, o if o == "not applicable" else data.draw(st.sampled_from(_APPLIES))) for level, o in specs]
    assert _graded(shuffled, points)[1] == possible


def test_gradescope_points_option() -> None:
    assert gradescope.parse_points("3,0.5") == (3.0, 0.5)
    with pytest.raises(ValueError, match="MUST,SHOULD"):
        gradescope.parse_points("3")


# -- resource limits -------------------------------------------------------------------------------

def _run_limited(tmp_path: Path, code: str, limits: Limits, timeout: float = 30) -> ProcessGroup:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(code))
    group = ProcessGroup([sys.executable, str(script)], env={"PATH": "/usr/bin:/bin"}, cwd=str(tmp_path),
                         limits=limits)
    group.wait_exit(timeout)
    return group


def test_process_limit_stops_a_fork_bomb(tmp_path: Path) -> None:
    """A program that forks more than --limit-processes children is killed, children and all."""
    group = _run_limited(tmp_path, """\
        import os, time
        for _ in range(60):  # bounded: at most 60 children
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        time.sleep(60)
        """, Limits(processes=20))
    try:
        assert group.returncode == -9
        assert group.killed_because
        assert "grew past 20 processes" in group.killed_because
        assert "grew past 20 processes" in group.output.tail()
    finally:
        group.stop()
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path / "prog.py") in (p.info["cmdline"] or [])]


def test_memory_limit_stops_a_hog(tmp_path: Path) -> None:
    """A program whose resident memory passes --limit-memory is killed."""
    group = _run_limited(tmp_path, """\
        import time
        hog = []
        for _ in range(40):  # bounded: at most 400 MB
            hog.append(bytearray(10 * 1024 * 1024))
            time.sleep(0.02)
        time.sleep(60)
        """, Limits(memory_mb=100))
    try:
        assert group.returncode == -9
        assert group.killed_because
        assert "over 100 MB" in group.killed_because
    finally:
        group.stop()


def test_cpu_limit_stops_a_spinning_program(tmp_path: Path) -> None:
    """A program that spins past --limit-cpu seconds gets SIGXCPU (exit status -24)."""
    start = time.monotonic()
    group = _run_limited(tmp_path, """\
        import time
        end = time.monotonic() + 30  # bounded: 30 s at most
        while time.monotonic() < end:
            pass
        """, Limits(cpu_seconds=1))
    try:
        assert group.returncode == -24
        assert time.monotonic() - start < 20
    finally:
        group.stop()


def test_file_size_limit(tmp_path: Path) -> None:
    """A program cannot write a file larger than --limit-file-size."""
    group = _run_limited(tmp_path, """\
        with open("big", "wb") as f:
            f.write(b"x" * (3 * 1024 * 1024))
        """, Limits(file_mb=1))
    group.stop()
    assert group.returncode != 0
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024
