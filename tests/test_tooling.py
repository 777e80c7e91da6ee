"""The project's own code passes its strict tooling (ruff rule families, mypy --strict)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import pytest

from tests.suite import ROOT


@pytest.mark.parametrize("tool", [["ruff", "check", "."], ["mypy"]], ids=["ruff", "mypy"])
def test_tool_is_clean(tool: list[str]) -> None:
    """ruff and mypy, configured in pyproject.toml, report nothing."""
    if importlib.util.find_spec(tool[0]) is None:
        pytest.skip(f"{tool[0]} is not installed (pip install -e '.[test]')")
    proc = subprocess.run([sys.executable, "-m", *tool], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


SCRIPTS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if "__main__" in p.read_text())


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_benchmark_script_starts(script: Path) -> None:
    """Every script under benchmarks/ imports what it uses and answers ``--help`` (mypy does not check them)."""
    proc = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "usage" in proc.stdout.lower(), proc.stdout


INTERRUPTING_CONFTEST = '''
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    yield
    raise KeyboardInterrupt  # a Ctrl-C that lands in a hookwrapper's teardown
'''


def _filterwarnings() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(config["tool"]["pytest"]["ini_options"]["filterwarnings"])


@pytest.mark.parametrize("planted", [False, True], ids=["project-config", "planted-without-ignore"])
def test_ctrl_c_in_a_hookwrapper_ends_as_interrupted(planted: bool, tmp_path: Path) -> None:
    """The project's warning filters turn every warning into an error, but a Ctrl-C arriving in a plugin's
    hookwrapper teardown (Hypothesis' own, say) still ends the run as "interrupted" (exit 2), not as an
    INTERNALERROR (exit 3). Planted: without the ignore for pluggy's teardown warning, it is exit 3."""
    filters = [f for f in _filterwarnings() if not (planted and "PluggyTeardownRaisedWarning" in f)]
    (tmp_path / "conftest.py").write_text(INTERRUPTING_CONFTEST)
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n" + "".join(f"    {f}\n" for f in filters))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    expected = pytest.ExitCode.INTERNAL_ERROR if planted else pytest.ExitCode.INTERRUPTED
    assert proc.returncode == expected, proc.stdout + proc.stderr
