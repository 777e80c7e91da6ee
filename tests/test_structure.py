"""The house rules: small files and rooms, imports that flow one way through the harness's stages, no
cycle, the judge apart from the judged, the platform behind one door, a design map that matches the code.

Every rule is shown to fail on a copy of the checkout with a violation planted in it.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import house_rules
from tests.import_graph import STAGES
from tests.suite import ROOT


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout's code and docs, in which each test plants its own violation."""
    root = tmp_path_factory.mktemp("checkout")
    for folder in ("specs", "reference", "tests", "benchmarks", "docs"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    return root


@contextlib.contextmanager
def _planted(path: Path, *lines: str) -> Iterator[int]:
    """``lines`` appended to ``path`` for the block (the first one's line number given), then taken away."""
    before = path.read_text()
    path.write_text(before + "\n" + "\n".join(lines) + "\n")
    try:
        yield len(before.splitlines()) + 2
    finally:
        path.write_text(before)


def test_no_hand_written_python_file_is_over_350_lines(planted: Path) -> None:
    """One job per module: no file under specs/, reference/, tests/ or benchmarks/ is over 350 lines."""
    assert house_rules.long_files(ROOT) == {}
    padding = planted / "benchmarks" / "padding.py"
    padding.write_text("")
    with _planted(padding, *["x = 1"] * 350):
        assert house_rules.long_files(planted) == {"benchmarks/padding.py": 351}
    padding.unlink()


def test_no_package_under_specs_holds_more_than_15_modules(planted: Path) -> None:
    """A reader can tell a module's stage from its folder: no folder under specs/ holds more than 15 modules."""
    assert house_rules.crowded_packages(ROOT) == {}
    room = planted / "specs" / "harness" / "judge"
    extra = [room / f"planted_{i}.py" for i in range(16 - len(list(room.glob("[!_]*.py"))))]
    try:
        for path in extra:
            path.write_text('"""Planted."""\n')
        assert house_rules.crowded_packages(planted) == {"specs/harness/judge": 16}
    finally:
        for path in extra:
            path.unlink()


def test_the_harness_stages_import_only_the_stages_before_them(planted: Path) -> None:
    """Imports flow one way through the stages (platform, wire, launch, judge, observe, report, glue),
    relative imports, imports inside functions and type-only imports included."""
    assert house_rules.backward_imports(ROOT) == []
    streams = planted / "specs" / "harness" / "wire" / "streams.py"
    with _planted(streams, "from ..glue import keys  # planted") as line:
        assert house_rules.backward_imports(planted) == [
            f"specs.harness.wire.streams imports specs.harness.glue.keys (line {line})"]
    with _planted(streams, "def later() -> None:", "    from ..observe import forms  # planted"):
        assert [v.split(" (line")[0] for v in house_rules.backward_imports(planted)] == [
            "specs.harness.wire.streams imports specs.harness.observe.forms"]
    with _planted(streams, "if TYPE_CHECKING:", "    from ..report import tally  # planted"):
        assert [v.split(" (line")[0] for v in house_rules.backward_imports(planted)] == [
            "specs.harness.wire.streams imports specs.harness.report.tally (type only)"]


def test_no_import_cycle_among_the_suites_modules(planted: Path) -> None:
    """No cycle among run-time imports, in the specs with their harness, the references and the tests."""
    for folder in ("specs", "reference", "tests"):
        assert house_rules.import_cycles(ROOT, folder) == [], folder
    tree = planted / "specs" / "harness" / "platform" / "linux" / "process_tree.py"
    with _planted(tree, "from . import containment  # planted"):
        assert house_rules.import_cycles(planted, "specs") == [
            "specs.harness.platform.linux.containment -> specs.harness.platform.linux.process_tree"
            " -> specs.harness.platform.linux.containment"]


def test_the_harness_never_imports_the_references(planted: Path) -> None:
    """The judge never imports what it judges: no import of reference/, static or through importlib
    (the catalogue arrives as data, through the plug-in's entry point)."""
    assert house_rules.judged_imports(ROOT) == []
    targets = planted / "specs" / "harness" / "launch" / "targets.py"
    with _planted(targets, "from ....reference import REFERENCES  # planted"):
        assert [v.split(" imports ")[1] for v in house_rules.judged_imports(planted)] == ["reference.REFERENCES"]
    with _planted(targets, "import importlib", 'importlib.import_module("netconform.reference.select")'):
        assert [v.split(" imports ")[1] for v in house_rules.judged_imports(planted)] == ["reference.select"]


def test_the_harness_does_not_import_the_model_comparison(planted: Path) -> None:
    """The model comparison is a room beside the harness: it registers its own options; the harness
    imports nothing of it."""
    assert house_rules.room_imports(ROOT) == []
    options = planted / "specs" / "harness" / "glue" / "options.py"
    with _planted(options, "from ...bench.plan import PLANS  # planted"):
        assert [v.split(" imports ")[1] for v in house_rules.room_imports(planted)] == ["specs.bench.plan.PLANS"]


def test_only_the_platforms_door_reaches_its_implementations(planted: Path) -> None:
    """Nothing outside ``specs/harness/platform`` imports ``platform.linux`` or ``platform.portable``: the
    operating system is reached through the door, ``platform/__init__.py``, which exports each facility."""
    assert house_rules.door_bypasses(ROOT) == []
    assert {"process_tree", "containment", "socket_tables", "netns"} <= house_rules.exports(
        ROOT / "specs" / "harness" / "platform" / "__init__.py")
    readiness = planted / "specs" / "harness" / "launch" / "readiness.py"
    with _planted(readiness, "from ..platform.linux import socket_tables as tables  # planted"):
        assert [v.split(" (line")[0] for v in house_rules.door_bypasses(planted)] == [
            "specs.harness.launch.readiness imports specs.harness.platform.linux.socket_tables"]


def test_the_design_map_names_every_module_of_the_harness_and_its_stages_in_order(planted: Path) -> None:
    """``docs/design.md`` names every harness module, only modules that exist, and the stages in their order."""
    assert house_rules.design_drift(ROOT) == []
    assert len(STAGES) == 7
    design = planted / "docs" / "design.md"
    text = design.read_text()
    try:
        design.write_text(text.replace("`specs/harness/wire/streams.py`", "`specs/harness/wire/stream.py`"))
        assert house_rules.design_drift(planted) == [
            "docs/design.md names specs/harness/wire/stream.py, which does not exist",
            "docs/design.md does not name specs/harness/wire/streams.py"]
        design.write_text(text.replace("| 2. **wire**", "| 2. **launch**", 1))
        assert "table of stages" in house_rules.design_drift(planted)[-1]
    finally:
        design.write_text(text)


def test_no_linux_facility_is_used_outside_the_linux_implementation(planted: Path) -> None:
    """A code search under ``specs/`` finds no ``/proc``, netlink, ``prctl``, cgroup or ``unshare`` use outside
    ``specs/harness/platform/linux/`` (in strings, names or attributes; docstrings and comments are words)."""
    assert house_rules.linux_uses(ROOT) == []
    streams = planted / "specs" / "harness" / "wire" / "streams.py"
    with _planted(streams, "def _queue() -> str:", '    return open("/proc/net/tcp").read()  # planted') as line:
        assert house_rules.linux_uses(planted) == [f"specs/harness/wire/streams.py:{line + 1}: /proc"]


def test_both_implementations_of_the_platform_offer_what_the_harness_uses(planted: Path) -> None:
    """Every name the harness uses of a facility (``socket_tables.pace``) exists in the Linux and in the
    portable implementation, with the same parameters."""
    assert house_rules.facility_gaps(ROOT) == []
    readiness = planted / "specs" / "harness" / "launch" / "readiness.py"
    with _planted(readiness, "QUEUES = socket_tables.sock_diag  # planted"):
        assert house_rules.facility_gaps(planted) == [
            "platform/portable/socket_tables.py has no sock_diag (the harness uses socket_tables.sock_diag)"]
    portable = planted / "specs" / "harness" / "platform" / "portable" / "socket_tables.py"
    with _planted(portable, "def pace(port: int) -> None:  # planted", "    del port"):
        assert [p.split(":")[0] for p in house_rules.facility_gaps(planted)] == [
            "socket_tables.pace takes other parameters in each implementation"]
