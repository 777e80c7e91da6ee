"""The README's three uses, each run with its one documented command, from outside the checkout.

- a student validates a program in a folder of their own;
- an instructor grades a class folder of five submissions (correct and buggy, Python 2 and 3);
- another repository installs the suite from a path into a fresh virtualenv and validates its server;

plus a server that is already running (``tcp://``) and the requirement IDs in JUnit XML names.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from netconform.specs.harness.launch.capabilities import available
from netconform.specs.harness.launch.readiness import free_port
from netconform.specs.harness.platform import socket_tables
from tests.suite import ROOT, processes_of_run, suite_env

CLASS = ROOT / "fixtures" / "class"
PYTEST = [sys.executable, "-m", "pytest"]  # the `pytest` of the environment the suite is installed in


def documented(args: list[str], cwd: Path, *, timeout: float = 300, pytest_cmd: list[str] = PYTEST,
               ) -> subprocess.CompletedProcess[str]:
    """Run ``pytest ARGS`` in ``cwd`` (as the README writes it), with a fresh run id."""
    env = suite_env("test-" + uuid.uuid4().hex[:10])
    return subprocess.run([*pytest_cmd, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def summary_row(output: str, target: str, role: str) -> list[str]:
    """The conformance-matrix row of ``target`` in the terminal output, split into words."""
    for line in output.splitlines():
        words = line.split()
        if words[:2] == [target, role]:
            return words
    raise AssertionError(f"no matrix row for {target} {role} in:\n{output[-3000:]}")


def test_student_validates_a_program_in_their_own_folder(tmp_path: Path) -> None:
    """README: ``pytest --impl 'greeting-server=python3 my_server.py {port}'``."""
    shutil.copy(CLASS / "alice" / "greeting_server.py", tmp_path / "my_server.py")
    run = documented(["--impl", "greeting-server=python3 my_server.py {port}"], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert summary_row(run.stdout, "my_server", "greeting-server")[2:4] == ["7/7", "6/6"]


def test_student_validates_udp_and_unix_servers_in_their_own_folder(tmp_path: Path) -> None:
    """README (Transports): ``--impl 'greeting-server/udp=... {port}' --impl 'greeting-server/unix=... {path}'``."""
    shutil.copy(ROOT / "fixtures" / "good" / "udp_greeting_server.py", tmp_path / "my_udp_server.py")
    shutil.copy(ROOT / "fixtures" / "good" / "unix_greeting_server.py", tmp_path / "my_unix_server.py")
    run = documented(["--impl", "greeting-server/udp=python3 my_udp_server.py {port}",
                      "--impl", "greeting-server/unix=python3 my_unix_server.py {path}"], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert summary_row(run.stdout, "my_udp_server-udp", "greeting-server")[2:4] == ["3/3", "4/4"]
    assert summary_row(run.stdout, "my_unix_server-unix", "greeting-server")[2:4] == ["9/9", "9/9"]


def test_student_sees_what_is_wrong_with_a_buggy_program(tmp_path: Path) -> None:
    """The same command on a buggy program fails, naming the requirement, the bytes and the hint."""
    shutil.copy(CLASS / "bob" / "server.py", tmp_path / "my_server.py")
    run = documented(["--impl", "greeting-server=python3 my_server.py {port}"], tmp_path)
    assert run.returncode == 1
    assert "GREET-1 (MUST) not met" in run.stdout
    assert "likely mistake (bytes repr)" in run.stdout
    assert "reproduce: pytest --pyargs netconform.specs.test_greeting -k test_greeting_is_exact" in run.stdout
    assert "test_greeting.py::test_greeting_is_exact[my_server]" in run.stdout  # short node IDs


def test_the_old_pyargs_form_still_works(tmp_path: Path) -> None:
    """``pytest --pyargs specs --impl ...`` (the form before the netconform namespace) runs the same specs."""
    shutil.copy(CLASS / "alice" / "greeting_server.py", tmp_path / "my_server.py")
    run = documented(["--pyargs", "specs", "--impl", "greeting-server=python3 my_server.py {port}"], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert summary_row(run.stdout, "my_server", "greeting-server")[2:4] == ["7/7", "6/6"]
    assert "--pyargs specs is deprecated" in run.stdout


def test_student_port_of_the_select_logger_fails_exactly_its_two_mistakes(tmp_path: Path) -> None:
    """The most common port of listing 14-6 (``print(data)``, the book's ``getpeername()`` after a reset):
    exactly LOG-2 and DISC-3 fail, LOG-2 first, with the decode hint."""
    shutil.copy(ROOT / "fixtures" / "ports" / "select_logger_py3.py", tmp_path / "my_logger.py")
    run = documented(["--impl", "logger-server=python3 my_logger.py {port}",
                      "--netconform-json", "verdicts.json"], tmp_path)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    results = json.loads((tmp_path / "verdicts.json").read_text())["results"]
    failed = [r for r in results if r["outcome"] == "failed"]
    assert {r["requirement"] for r in failed} == {"LOG-2", "DISC-3"}, [(r["requirement"], r["summary"]) for r in failed]
    assert failed[0]["requirement"] == "LOG-2"
    assert "bytes repr" in failed[0]["hints"]
    assert "print(data.decode())" in failed[0]["message"]
    row = summary_row(run.stdout, "my_logger", "logger-server")
    assert row[5:6] == ["LOG-2:"], row


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The instructor's run over a copy of ``fixtures/class``: the README's command, with every output.

    Run once per test session, whichever xdist worker asks first: the others wait for it
    (a lock in the session's shared temporary folder) and read its outputs.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    where = shared / "instructor"
    with open(shared / "instructor.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = shared / "instructor.json"
        if not record.exists():
            shutil.copytree(CLASS, where / "submissions")
            run = documented(["--impl-dir", "submissions", "-n", "2",
                              "--conformance-report", "class.html", "--gradescope", "grades",
                              "--netconform-json", "verdicts.json", "--junitxml", "junit.xml"], where, timeout=600)
            record.write_text(json.dumps([run.args, run.returncode, run.stdout, run.stderr]))
        args, code, out, err = json.loads(record.read_text())
    return subprocess.CompletedProcess(args, code, out, err), where


def test_instructor_grades_a_class_folder(graded_class: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """One run, one row per submission (and role), correct ones passing, buggy ones failing the right spec; its
    HTML report has the same rows (one test: the class is graded once, whatever the worker)."""
    run, where = graded_class
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]  # bob, dave and erin fail specs
    verdicts = {(r["target"], r["role"], r["requirement"]): r["outcome"]
                for r in json.loads((where / "verdicts.json").read_text())["results"]}
    by_target: dict[tuple[str, str], set[str]] = {}
    for (target, role, _req), outcome in verdicts.items():
        by_target.setdefault((target, role), set()).add(outcome)
    assert sorted(by_target) == [("alice", "greeting-server"), ("bob", "greeting-server"),
                                 ("carol", "greeting-server"), ("dave", "greeting-server"),
                                 ("erin", "greeting-server"), ("erin", "quote-module")]
    assert by_target["alice", "greeting-server"] == {"passed"}
    assert by_target["erin", "greeting-server"] == {"passed"}
    assert verdicts["bob", "greeting-server", "GREET-1"] == "failed"
    assert verdicts["erin", "quote-module", "QUOTE-1"] == "failed"
    if available("python2"):
        assert by_target["carol", "greeting-server"] == {"passed"}
        assert verdicts["dave", "greeting-server", "GREET-1"] == "failed"
    else:
        assert by_target["carol", "greeting-server"] == {"skipped"}
    for name in ("alice", "bob", "carol", "dave", "erin"):
        assert summary_row(run.stdout, name, "greeting-server")

    # the class's HTML report: one row per submission and role, its cells matching the run's verdicts
    from tests.test_report import check_html

    payload = json.loads((where / "verdicts.json").read_text())
    page = check_html(payload, (where / "class.html").read_text(encoding="utf-8"))
    assert sorted(name for _role, name in page.rows) == ["alice", "bob", "carol", "dave", "erin", "erin"]
    assert page.rows["greeting-server", "bob"]["verdict"] == "does not conform"
    assert page.rows["greeting-server", "alice"]["verdict"] == "conforms"


def test_instructor_gets_gradescope_results(graded_class: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """``--gradescope grades`` writes grades/<submission>/results.json, scored 2 per MUST and 1 per SHOULD met."""
    _run, where = graded_class
    scores = {}
    for name in ("alice", "bob", "carol", "dave", "erin"):
        data = json.loads((where / "grades" / name / "results.json").read_text())
        assert data["score"] == sum(t["score"] for t in data["tests"])
        assert {t.get("status") for t in data["tests"] if t["max_score"]} <= {"passed", "failed"}
        scores[name] = (data["score"], sum(t["max_score"] for t in data["tests"]))
    assert scores["alice"] == (2 * 7 + 6, 2 * 7 + 6)  # 7 MUST and 6 SHOULD greeting-server requirements
    assert scores["bob"] == (2 * 7 + 6 - 2, 2 * 7 + 6), "one mistake (GREET-1, a MUST) must cost its 2 points only"
    assert scores["erin"][0] < scores["erin"][1]
    bob = json.loads((where / "grades" / "bob" / "results.json").read_text())
    greet1 = next(t for t in bob["tests"] if t["number"] == "GREET-1")
    assert greet1["status"] == "failed"
    assert greet1["score"] == 0
    assert greet1["max_score"] == 2
    assert "bytes repr" in greet1["output"]


def test_junit_xml_names_carry_the_requirement(graded_class: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """Each JUnit test case is named ``REQ-ID test_name[target]`` (also under ``-n 2``), so CI shows the ID."""
    _run, where = graded_class
    cases = ET.parse(where / "junit.xml").getroot().iter("testcase")
    names = [case.get("name", "") for case in cases]
    assert len(names) == len(json.loads((where / "verdicts.json").read_text())["results"])
    assert all(name.split(" ", 1)[0].split("-")[0] in {"GREET", "RES", "QUOTE"} for name in names), names[:5]
    assert "GREET-1 test_greeting_is_exact[bob]" in names


def test_another_repository_installs_the_suite_from_a_path(tmp_path: Path) -> None:
    """README: ``pip install /path/to/netconform`` in a fresh virtualenv, then the gate (``-m must``).

    The student's repository has packages of its own named ``specs``, ``fixtures`` and
    ``tests`` (whose import would fail): the installed suite neither shadows nor imports them.
    """
    repo = tmp_path / "student-repo"
    repo.mkdir()
    shutil.copy(CLASS / "alice" / "greeting_server.py", repo / "server.py")
    for package in ("specs", "fixtures", "tests"):
        (repo / package).mkdir()
        (repo / package / "__init__.py").write_text(f"raise ImportError('the student repository\'s own {package}')\n")
    (repo / "tests" / "test_mine.py").write_text("def test_mine():\n    assert False, 'the student test ran'\n")
    venv = repo / ".venv"
    # a fresh virtualenv, filled by this environment's pip (``pip --python``) without compiling bytecode: the
    # same install from the same path, with its dependencies resolved afresh, less the 15 s of ensurepip and
    # compileall that it would cost a test to repeat
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                              "--no-compile", str(ROOT)], capture_output=True, text=True, timeout=600, check=False)
    assert install.returncode == 0, install.stderr[-3000:]
    site = next((venv / "lib").glob("python3*/site-packages"))
    ours = {p.name for p in site.iterdir()} & {"specs", "reference", "fixtures", "tests", "netconform"}
    assert ours == {"netconform"}, f"site-packages has {sorted(ours)}: only netconform/ is the suite's"
    run = documented(["--impl", "greeting-server=python3 server.py {port}", "-m", "must"],
                     repo, pytest_cmd=[str(venv / "bin" / "pytest")])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert summary_row(run.stdout, "server", "greeting-server")[2:4] == ["7/7", "0/0"]  # the gate: MUST only
    assert str(ROOT) not in run.stdout  # the specs ran from the installed package, not from this checkout
    assert "the student" not in run.stdout + run.stderr  # neither its packages nor its tests were imported


@pytest.fixture
def running_server(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """Alice's server, started by hand (as a user would) on a free port; killed at the end."""
    port = free_port()
    run_id = "test-" + uuid.uuid4().hex[:10]
    proc = subprocess.Popen([sys.executable, str(CLASS / "alice" / "greeting_server.py"), str(port)],
                            cwd=tmp_path, env=suite_env(run_id), stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait_listening(port), "alice's server did not start listening"
        yield port, run_id
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert not processes_of_run(run_id)


def _wait_listening(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if socket_tables.listening_on(port) is not False:  # (None: held, and the platform cannot say by what)
            return True
        time.sleep(0.05)
    return False


def test_already_running_server_is_a_target(running_server: tuple[int, str], tmp_path: Path) -> None:
    """``--impl 'greeting-server=tcp://127.0.0.1:PORT'``: network specs run; output/process specs are n/a."""
    port, _run_id = running_server
    run = documented(["--impl", f"greeting-server=tcp://127.0.0.1:{port}",
                      "--netconform-json", "v.json"], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    results = json.loads((tmp_path / "v.json").read_text())["results"]
    na = {r["requirement"] for r in results if r["outcome"] == "not applicable"}
    assert na == {"GREET-9", "RES-1", "RES-2", "RES-3"}
    assert {r["outcome"] for r in results if r["requirement"] not in na} == {"passed"}


def test_tcp_target_where_nothing_listens_fails_fast(tmp_path: Path) -> None:
    """A ``tcp://`` target with no server behind it fails every spec at once, saying to start it first."""
    run = documented(["--impl", f"greeting-server=tcp://127.0.0.1:{free_port()}"], tmp_path,
                     timeout=60)
    assert run.returncode == 1
    assert "nothing listens on port" in run.stdout
    assert "Start your server first" in run.stdout


@pytest.mark.parametrize("url", ["tcp://10.1.2.3:1234", "tcp://example.org:80", "tcp://[2001:db8::1]:1234"])
def test_tcp_target_must_be_loopback(url: str, tmp_path: Path) -> None:
    """A ``tcp://`` target elsewhere than loopback is refused before anything is contacted."""
    run = documented(["--impl", f"greeting-server={url}"], tmp_path, timeout=60)
    assert run.returncode == 4  # pytest's usage error
    assert "not a loopback address" in run.stderr


def test_a_submission_that_cannot_run_fails_the_run(tmp_path: Path) -> None:
    """A folder with no program is listed as not run, and the run fails though the others pass."""
    shutil.copytree(CLASS / "alice", tmp_path / "submissions" / "alice")
    (tmp_path / "submissions" / "zoe").mkdir()
    (tmp_path / "submissions" / "zoe" / "README").write_text("my server is on a USB stick\n")
    run = documented(["--impl-dir", "submissions", "--gradescope", "grades"], tmp_path)
    assert run.returncode == 1, run.stdout[-2000:]
    assert summary_row(run.stdout, "alice", "greeting-server")[2:4] == ["7/7", "6/6"]
    assert "no program run: no netconform.toml and no program named after a role" in run.stdout
    assert json.loads((tmp_path / "grades" / "zoe" / "results.json").read_text())["score"] == 0


def test_gradescope_autograder_script(tmp_path: Path) -> None:
    """``docs/examples/gradescope/run_autograder`` grades /autograder/submission into results.json."""
    root = tmp_path / "autograder"
    shutil.copytree(CLASS / "bob", root / "submission")
    script = ROOT / "docs" / "examples" / "gradescope" / "run_autograder"
    env = {**suite_env("test-" + uuid.uuid4().hex[:10]), "AUTOGRADER": str(root), "PYTHON": sys.executable}
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert 0 < results["score"] < sum(t["max_score"] for t in results["tests"])
    assert (root / "results" / "report.html").is_file()
